"""Models and layers: micrograd compatibility, initialisation, activations, modes, DropConnect,
Dropout, BatchNorm (against its formula and central differences) and Sequential."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable

import pytest
from micrograd.nn import MLP as MicroMLP

from autograd_lite import Value
from autograd_lite.nn import (
    MLP,
    Activation,
    BatchNorm,
    Dropout,
    Layer,
    Module,
    Neuron,
    Sequential,
)


def test_default_mlp_starts_where_micrograd_does_and_consumes_the_same_draws() -> None:
    random.seed(7)
    ref = MicroMLP(3, [5, 4, 1])
    after_ref = random.random()
    random.seed(7)
    ours = MLP(3, [5, 4, 1])
    after_ours = random.random()
    assert [p.data for p in ours.parameters()] == [p.data for p in ref.parameters()]
    assert after_ours == after_ref
    assert repr(ours) == repr(ref)
    x = [0.3, -1.1, 2.0]
    out_ref, out = ref(x), ours(x)
    assert out.data == pytest.approx(out_ref.data, abs=1e-12)
    out_ref.backward()
    out.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in ref.parameters()], abs=1e-12)


def test_neuron_preactivation_is_one_fused_node() -> None:
    random.seed(0)
    n = Neuron(4, nonlin=False)
    out = n([1.0, 2.0, 3.0, 4.0])
    assert out.op == "affine" and len(out.parents) == 9


def test_seed_gives_a_private_reproducible_generator() -> None:
    random.seed(11)
    before = random.getstate()
    a = MLP(2, [3, 1], seed=5)
    assert random.getstate() == before        # the global generator was not used
    b = MLP(2, [3, 1], seed=5)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in MLP(2, [3, 1], seed=6).parameters()] != \
        [p.data for p in a.parameters()]


def test_xavier_and_he_initialisation_statistics() -> None:
    nin, nout = 400, 100
    layer = Layer(nin, nout, init="xavier", seed=random.Random(0))
    weights = [w.data for n in layer.neurons for w in n.w]
    limit = math.sqrt(6 / (nin + nout))
    assert max(map(abs, weights)) <= limit
    # uniform(-a, a) has standard deviation a / sqrt(3)
    assert statistics.pstdev(weights) == pytest.approx(limit / math.sqrt(3), rel=0.03)
    he = Layer(nin, nout, init="he", seed=random.Random(0))
    weights = [w.data for n in he.neurons for w in n.w]
    assert statistics.pstdev(weights) == pytest.approx(math.sqrt(2 / nin), rel=0.03)
    assert statistics.fmean(weights) == pytest.approx(0.0, abs=0.01)
    assert all(n.b.data == 0.0 for n in he.neurons)


@pytest.mark.parametrize("activation,f", [
    ("relu", lambda v: max(v, 0.0)),
    ("tanh", math.tanh),
    ("sigmoid", lambda v: 1 / (1 + math.exp(-v))),
    ("leaky_relu", lambda v: v if v > 0 else 0.01 * v),
    ("linear", lambda v: v),
])
def test_mlp_activations_match_a_hand_forward_pass(activation: str,
                                                   f: Callable[[float], float]) -> None:
    model = MLP(2, [3, 2], activation=activation, output_activation="tanh", seed=3)
    x = [0.4, -0.9]
    hidden = [f(n.b.data + sum(w.data * xi for w, xi in zip(n.w, x)))
              for n in model.layers[0].neurons]
    expected = [math.tanh(n.b.data + sum(w.data * h for w, h in zip(n.w, hidden)))
                for n in model.layers[1].neurons]
    assert [v.data for v in model(x)] == pytest.approx(expected, abs=1e-12)


def test_repr_names_each_activation() -> None:
    model = MLP(2, [2, 1], activation="leaky_relu", output_activation="sigmoid", seed=0)
    assert repr(model) == ("MLP of [Layer of [LeakyReLUNeuron(2), LeakyReLUNeuron(2)], "
                           "Layer of [SigmoidNeuron(2)]]")


def test_named_parameters_follow_parameters_order() -> None:
    model = MLP(2, [3, 1], seed=0)
    named = model.named_parameters()
    assert [p for _, p in named] == model.parameters()
    assert [n for n, _ in named][:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]
    assert named[-1][0] == "layers.1.neurons.0.b"
    assert len({n for n, _ in named}) == len(named)


def test_train_and_eval_reach_every_module() -> None:
    net = Sequential(Layer(2, 2, seed=random.Random(0)), Dropout(0.5), BatchNorm(2))
    assert net.eval() is net
    assert all(not m.training for _, m in net.named_modules())
    net.train()
    assert all(m.training for _, m in net.named_modules())
    assert [name for name, _ in net.named_modules()] == [
        "", "layers.0", "layers.0.neurons.0", "layers.0.neurons.1", "layers.1", "layers.2"]


def test_dropconnect_drops_weights_as_its_generator_says() -> None:
    nin, p = 8, 0.5
    neuron = Neuron(nin, activation="linear", dropconnect=p, seed=random.Random(4))
    neuron.b.data = 0.25
    x = [float(i + 1) for i in range(nin)]
    replay = random.Random(4)
    for _ in range(nin):
        replay.uniform(-1, 1)              # the initial weights
    kept = [i for i in range(nin) if replay.random() >= p]
    out = neuron(x)
    expected = 0.25 + sum(neuron.w[i].data * x[i] for i in kept) / (1 - p)
    assert out.data == pytest.approx(expected, abs=1e-12)
    out.backward()
    assert [w.grad for w in neuron.w] == pytest.approx(
        [x[i] / (1 - p) if i in kept else 0.0 for i in range(nin)])
    assert 0 < len(kept) < nin
    neuron.eval()
    assert neuron(x).data == pytest.approx(
        0.25 + sum(w.data * xi for w, xi in zip(neuron.w, x)), abs=1e-12)


def test_dropout_rate_scaling_gradient_and_eval() -> None:
    d = Dropout(0.3, seed=1)
    xs = [Value(1.0) for _ in range(4000)]
    out = d(xs)
    dropped = sum(1 for v in out if v.data == 0.0)
    assert dropped / 4000 == pytest.approx(0.3, abs=0.03)
    assert all(v.data == pytest.approx(1 / 0.7) for v in out if v.data)
    total = sum(out[:50], Value(0.0))
    total.backward()
    for x, o in zip(xs[:50], out[:50]):
        assert x.grad == (0.0 if o.data == 0.0 else pytest.approx(1 / 0.7))
    d.eval()
    assert d(xs) is xs
    bare = Dropout(0.5, seed=0)(Value(3.0))
    assert isinstance(bare, Value)


def batchnorm_reference(batch: list[list[float]], gamma: list[float], beta: list[float],
                        eps: float) -> list[list[float]]:
    n, out = len(batch), [list(row) for row in batch]
    for j in range(len(gamma)):
        col = [row[j] for row in batch]
        mean = sum(col) / n
        var = sum((c - mean) ** 2 for c in col) / n
        for i in range(n):
            out[i][j] = gamma[j] * (col[i] - mean) / math.sqrt(var + eps) + beta[j]
    return out


def test_batchnorm_forward_running_stats_and_eval() -> None:
    rng = random.Random(2)
    batch = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(5)]
    bn = BatchNorm(3, eps=1e-3, momentum=0.2)
    gamma, beta = [1.5, -0.5, 2.0], [0.1, 0.2, -0.3]
    for j in range(3):
        bn.gamma[j].data, bn.beta[j].data = gamma[j], beta[j]
    out = bn.forward_batch([[Value(v) for v in row] for row in batch])
    expected = batchnorm_reference(batch, gamma, beta, 1e-3)
    assert [v.data for row in out for v in row] == pytest.approx(
        [v for row in expected for v in row], abs=1e-12)
    cols = list(zip(*batch))
    assert bn.running_mean == pytest.approx([0.2 * statistics.fmean(c) for c in cols])
    assert bn.running_var == pytest.approx([0.8 + 0.2 * statistics.variance(c) for c in cols])
    bn.eval()
    x = [0.5, -1.0, 2.0]
    got = [v.data for v in bn(x)]
    assert got == pytest.approx([
        gamma[j] * (x[j] - bn.running_mean[j]) / math.sqrt(bn.running_var[j] + 1e-3) + beta[j]
        for j in range(3)])
    assert [v.data for row in bn.forward_batch([x, x]) for v in row] == pytest.approx(got * 2)


def test_batchnorm_gradients_match_central_differences() -> None:
    rng = random.Random(3)
    batch = [[rng.uniform(-2, 2) for _ in range(2)] for _ in range(4)]
    weights = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(4)]
    gamma, beta = [1.3, 0.7], [0.2, -0.1]

    def objective(b: list[list[float]]) -> float:
        out = batchnorm_reference(b, gamma, beta, 1e-5)
        return sum(w * o for wr, orow in zip(weights, out) for w, o in zip(wr, orow))

    bn = BatchNorm(2)
    for j in range(2):
        bn.gamma[j].data, bn.beta[j].data = gamma[j], beta[j]
    xs = [[Value(v) for v in row] for row in batch]
    out = bn.forward_batch(xs)
    total = sum((w * o for wr, orow in zip(weights, out) for w, o in zip(wr, orow)), Value(0.0))
    total.backward()
    h = 1e-6
    for i in range(4):
        for j in range(2):
            up = [list(r) for r in batch]
            down = [list(r) for r in batch]
            up[i][j] += h
            down[i][j] -= h
            numeric = (objective(up) - objective(down)) / (2 * h)
            assert xs[i][j].grad == pytest.approx(numeric, rel=1e-5, abs=1e-7)
    # d/d beta_j = sum of weights in column j; d/d gamma_j = sum w * xhat
    assert [b.grad for b in bn.beta] == pytest.approx([sum(w[j] for w in weights)
                                                       for j in range(2)])


def test_batchnorm_refuses_single_samples_in_training_and_wrong_widths() -> None:
    bn = BatchNorm(2)
    with pytest.raises(ValueError, match="mini-batch"):
        bn([1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 samples"):
        bn.forward_batch([[1.0, 2.0]])
    with pytest.raises(ValueError, match="expected 2 features, got 3"):
        bn.forward_batch([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])


def test_sequential_with_batchnorm_trains_on_a_batch() -> None:
    rng = random.Random(0)
    net = Sequential(Layer(2, 4, activation="linear", seed=rng), BatchNorm(4),
                     Activation("relu"), Layer(4, 1, nonlin=False, seed=rng))
    assert len(net.parameters()) == 12 + 8 + 5
    assert [n for n, _ in net.named_parameters()][12:14] == ["layers.1.gamma.0",
                                                            "layers.1.gamma.1"]
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(6)]
    outs = net.forward_batch(X)
    assert len(outs) == 6 and all(isinstance(o, Value) for o in outs)
    # Per feature, BatchNorm's outputs over the batch have mean beta (0) and variance
    # var / (var + eps), the input's variance v shrunk a little by eps.
    before = net.layers[0].forward_batch(X)
    hidden = net.layers[1].forward_batch(before)
    for j in range(4):
        col = [row[j].data for row in hidden]
        v = statistics.pvariance([row[j].data for row in before])
        assert statistics.fmean(col) == pytest.approx(0.0, abs=1e-9)
        assert statistics.pvariance(col) == pytest.approx(v / (v + 1e-5), rel=1e-9)
    net.eval()
    assert isinstance(net(X[0]), Value)


@pytest.mark.parametrize("make,match", [
    (lambda: MLP(2, []), "at least one layer"),
    (lambda: MLP(2, [3, 1], activation="gelu"), "'gelu'"),
    (lambda: MLP(2, [3, 1], output_activation="softmax"), "'softmax'"),
    (lambda: MLP(2, [3, 1], init="zeros"), "'zeros'"),
    (lambda: Layer(0, 3), "Layer: nin must be an int >= 1, got 0"),
    (lambda: Neuron(2, dropconnect=1.0), "dropconnect"),
    (lambda: Dropout(1.0), "Dropout"),
    (lambda: BatchNorm(0), "num_features"),
    (lambda: Activation("swish"), "'swish'"),
])
def test_bad_configuration_is_refused(make: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_sequential_needs_modules() -> None:
    with pytest.raises(TypeError, match="Modules"):
        Sequential(Layer(1, 1), lambda x: x)  # type: ignore[arg-type]


def test_custom_module_finds_its_parameters() -> None:
    class Affine(Module):
        def __init__(self) -> None:
            self.scale = Value(2.0)
            self.inner = Layer(1, 1, seed=random.Random(0))
            self.extra = [Value(1.0), Value(3.0)]

    m = Affine()
    assert [n for n, _ in m.named_parameters()] == [
        "scale", "inner.neurons.0.w.0", "inner.neurons.0.b", "extra.0", "extra.1"]
    assert m.parameters()[0] is m.scale


def test_summary_counts_repeated_neurons_and_parameters() -> None:
    model = MLP(3, [5, 2], activation="tanh", seed=0)
    assert model.summary() == ("MLP of [Layer of [5 x TanhNeuron(3)], "
                               "Layer of [2 x LinearNeuron(5)]] (32 parameters)")
    assert 5 * (3 + 1) + 2 * (5 + 1) == 32


def test_a_one_neuron_hidden_layer_feeds_the_next_layer() -> None:
    model = MLP(2, [1, 3, 1], seed=0)
    x = [1.0, 2.0]
    (h_neuron,) = model.layers[0].neurons
    # By hand: h = relu(b + w . x), a_j = relu(b_j + w_j h), out = c + sum v_j a_j.
    h = max(0.0, h_neuron.b.data + sum(w.data * xi for w, xi in zip(h_neuron.w, x)))
    a = [max(0.0, n.b.data + n.w[0].data * h) for n in model.layers[1].neurons]
    (last,) = model.layers[2].neurons
    expected = last.b.data + sum(w.data * ai for w, ai in zip(last.w, a))
    out = model(x)
    assert isinstance(out, Value)                    # one output: bare, as micrograd
    assert out.data == pytest.approx(expected, rel=1e-12)
    several = MLP(2, [3, 1, 2], seed=0)(x)
    assert isinstance(several, list) and len(several) == 2
    assert isinstance(Layer(2, 1, seed=0)(x), Value)  # a Layer called alone stays micrograd's
    chained = Sequential(Layer(2, 1, seed=0), Layer(1, 2, seed=1))(x)
    assert isinstance(chained, list) and len(chained) == 2


def test_named_modules_have_plain_dotted_names() -> None:
    net = Sequential(Layer(2, 2, seed=0), BatchNorm(2))
    names = [name for name, _ in net.named_modules()]
    assert names == ["", "layers.0", "layers.0.neurons.0", "layers.0.neurons.1", "layers.1"]
    assert not any(name.endswith(".") for name in names)
    state = net.state_dict()
    assert "layers.1.running_mean.0" in state and "layers.0.neurons.1.b" in state


def test_seed_means_the_same_everywhere() -> None:
    # An int, the same int in a random.Random, and the draws made by hand agree.
    hand = random.Random(3)
    expected = [hand.uniform(-1, 1) for _ in range(4)]
    for seed in (3, random.Random(3)):
        neuron = Neuron(4, seed=seed)
        assert [w.data for w in neuron.w] == expected
    # A layer's neurons draw one after another from one generator (not 3 equal neurons).
    hand = random.Random(5)
    expected_layer = [[hand.uniform(-1, 1) for _ in range(2)] for _ in range(3)]
    assert [[w.data for w in n.w] for n in Layer(2, 3, seed=5).neurons] == expected_layer
    assert MLP(2, [3, 1], seed=random.Random(7)).state_dict() == MLP(2, [3, 1], seed=7).state_dict()
    # None: the global generator, in micrograd's order.
    random.seed(11)
    ours = MLP(2, [3, 1])
    random.seed(11)
    theirs = MicroMLP(2, [3, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    d1, d2 = Dropout(0.5, seed=random.Random(2)), Dropout(0.5, seed=2)
    assert [v.data for v in d1([Value(1.0)] * 8)] == [v.data for v in d2([Value(1.0)] * 8)]
    with pytest.raises(TypeError, match=r"Neuron: seed must be an int.*'abc'"):
        Neuron(2, seed="abc")  # type: ignore[arg-type]


def test_rng_is_a_deprecated_alias_of_seed() -> None:
    with pytest.warns(DeprecationWarning, match="rng= is deprecated"):
        old = Neuron(3, rng=random.Random(4))
    assert [w.data for w in old.w] == [w.data for w in Neuron(3, seed=4).w]
    with pytest.warns(DeprecationWarning, match="Layer: rng="):
        layer = Layer(2, 2, rng=random.Random(4))
    assert layer.state_dict() == Layer(2, 2, seed=4).state_dict()
    with pytest.raises(TypeError, match="not both"), pytest.warns(DeprecationWarning):
        Neuron(2, seed=1, rng=random.Random(1))


# --- hostile input: sizes, rates and flags are checked where they are given, and numpy
# rows work as samples --------------------------------------------------------------------


@pytest.mark.parametrize("make,match", [
    (lambda: Neuron(0), "Neuron: nin must be an int >= 1, got 0"),
    (lambda: Neuron(0, init="he"), "Neuron: nin must be an int >= 1, got 0"),
    (lambda: Neuron(2.0), "Neuron: nin must be an int"),
    (lambda: Neuron(2, nonlin="no"), "Neuron: nonlin must be True or False"),
    (lambda: Neuron(2, fan_out=0, init="xavier"), "fan_out"),
    (lambda: Neuron(2, dropconnect=float("nan")), "dropconnect"),
    (lambda: Layer(2.5, 1), "Layer: nin must be an int"),
    (lambda: Layer(2, True), "Layer: nout must be an int"),
    (lambda: MLP(0, [1]), "MLP: nin must be an int >= 1"),
    (lambda: MLP(2, [3, 0]), r"MLP: nouts\[1\] must be an int >= 1, got 0"),
    (lambda: MLP(2, [3, 1.5]), r"nouts\[1\]"),
    (lambda: Dropout(float("nan")), "Dropout: p"),
    (lambda: BatchNorm(2.0), "BatchNorm: num_features"),
    (lambda: BatchNorm(2, eps=0.0), "BatchNorm: eps"),
    (lambda: BatchNorm(2, momentum=float("nan")), "BatchNorm: momentum"),
])
def test_bad_sizes_rates_and_flags_are_refused(make: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_mlp_of_no_layers_list_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="nouts must be a list"):
        MLP(2, 3)  # type: ignore[arg-type]


def test_numpy_rows_and_sizes_work_like_lists() -> None:
    np = pytest.importorskip("numpy")
    model = MLP(np.int64(2), [np.int64(3), 1], seed=0)
    rows = np.array([[0.5, -1.0], [2.0, 0.25]])
    for row in rows:
        assert model(row).data == model([float(v) for v in row]).data
    layer, neuron = model.layers[0], model.layers[0].neurons[0]
    assert [v.data for v in layer(rows[0])] == [v.data for v in layer([0.5, -1.0])]
    assert neuron(rows[1]).data == neuron([2.0, 0.25]).data
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        model(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="sequence of numbers"):
        model("ab")


def test_batchnorm_changes_no_running_statistic_when_one_feature_overflows() -> None:
    bn = BatchNorm(2)
    # Feature 0 is ordinary; feature 1's squared deviations (1e310) overflow a float.
    batch = [[1.0, 1e155], [3.0, -1e155]]
    with pytest.raises(OverflowError):
        bn.forward_batch(batch)
    assert (bn.running_mean, bn.running_var) == ([0.0, 0.0], [1.0, 1.0])
    bn.forward_batch([[1.0, 2.0], [3.0, 4.0]])     # and it still works afterwards
    # By hand: batch means 2 and 3, unbiased variances 2; momentum 0.1 from 0 and 1.
    assert bn.running_mean == pytest.approx([0.2, 0.3])
    assert bn.running_var == pytest.approx([1.1, 1.1])


# --- a bad input is named by the model or layer called and its position -------------------


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("make,x,error,match", [
    (lambda: MLP(3, [2, 1], seed=0), [1.0, 2.0, NAN], ValueError,
     r"^MLP: input 2 \(of 3\) must be a finite number, got nan$"),
    (lambda: MLP(3, [2, 1], seed=0), [INF, 2.0, 3.0], ValueError,
     r"^MLP: input 0 \(of 3\) must be a finite number, got inf$"),
    (lambda: MLP(2, [1], seed=0), [1.0, "2"], TypeError,
     r"^MLP: input 1 \(of 2\) must be a number, got '2' of type str$"),
    (lambda: Layer(2, 3, seed=0), [NAN, 1.0], ValueError, r"^Layer: input 0 \(of 2\)"),
    (lambda: Neuron(2, seed=0), [1.0, -INF], ValueError, r"^Neuron: input 1 \(of 2\).*-inf"),
    (lambda: Sequential(Layer(2, 2, seed=0), Layer(2, 1, seed=1)), [1.0, NAN], ValueError,
     r"^Sequential: input 1 \(of 2\)"),
    (lambda: Activation("tanh"), [0.5, NAN], ValueError, r"^Activation: input 1 \(of 2\)"),
    (lambda: Dropout(0.5, seed=0), [NAN, NAN], ValueError, r"^Dropout: input 0 \(of 2\)"),
    (lambda: BatchNorm(2).eval(), [1.0, NAN], ValueError, r"^BatchNorm: input 1 \(of 2\)"),
    (lambda: MLP(2, [1], seed=0), None, TypeError, r"^MLP: expected a sample"),
    (lambda: MLP(2, [1], seed=0), [1.0, 2.0, 3.0], ValueError,
     r"^MLP: expected 2 inputs, got 3$"),
])
def test_a_bad_input_names_the_model_and_its_position(make: Callable[[], Module], x: object,
                                                      error: type, match: str) -> None:
    model = make()
    with pytest.raises(error, match=match):
        model(x)


def test_a_batch_norm_batch_names_the_sample_and_the_input() -> None:
    with pytest.raises(ValueError, match=r"^BatchNorm \(sample 1\): input 0 \(of 2\) must be a "
                                         r"finite number, got nan$"):
        BatchNorm(2).forward_batch([[1.0, 2.0], [NAN, 1.0]])
    net = Sequential(Layer(2, 2, seed=0), BatchNorm(2))
    with pytest.raises(ValueError, match=r"^Sequential \(sample 0\): input 1"):
        net.forward_batch([[1.0, INF], [1.0, 2.0]])


def test_good_inputs_still_give_the_numbers_by_hand() -> None:
    # The checks change no number: a Neuron and a Layer against b + w . x by hand.
    neuron = Neuron(3, activation="linear", seed=0)
    x = [0.5, -2, 3]                                  # an int among the floats is fine
    by_hand = neuron.b.data + sum(w.data * v for w, v in zip(neuron.w, x))
    assert neuron(x).data == pytest.approx(by_hand, rel=1e-15)
    assert Activation("relu")([-1.0, 2])[1].data == 2.0
