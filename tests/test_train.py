"""The training loop: the project's targets (moons, spirals), agreement with a hand-written
gradient-descent loop, batching, history, early stopping, schedules and the progress bar."""

from __future__ import annotations

import math
import time

import pytest

from autograd_lite import Value
from autograd_lite.datasets import make_moons, make_spirals, make_xor
from autograd_lite.nn import (
    MLP,
    SGD,
    Activation,
    Adam,
    BatchNorm,
    Dropout,
    ExponentialLR,
    Layer,
    LevenbergMarquardt,
    Optimizer,
    Sequential,
    cross_entropy,
    evaluate,
    fit,
    hinge,
    mse,
)


def sign_accuracy_by_hand(model: MLP, X: list[list[float]], y: list[int]) -> float:
    return sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y)) / len(y)


@pytest.mark.parametrize("make_optimizer", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: Adam(ps, lr=0.05),
], ids=["SGD+momentum", "Adam"])
def test_moons_target_100_percent_in_under_100_full_batch_steps(make_optimizer: object) -> None:
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    start = time.perf_counter()
    history = fit(model, hinge, make_optimizer(model.parameters()),  # type: ignore[operator]
                  (X, y), epochs=99, target_accuracy=1.0, progress=False)
    seconds = time.perf_counter() - start
    assert history.stopped_early and history.steps < 100
    assert len(history.grad_norms) == len(history.lr) == history.steps
    assert sign_accuracy_by_hand(model, X, y) == 1.0       # recomputed independently
    assert seconds < 10.0


def test_spirals_target_95_percent_with_cross_entropy_and_adam() -> None:
    X, y = make_spirals(300, classes=3, seed=0)
    model = MLP(2, [16, 16, 3], init="he", seed=0)
    history = fit(model, cross_entropy, Adam(model.parameters(), lr=0.02), (X, y),
                  epochs=150, target_accuracy=0.95, progress=False)
    assert history.stopped_early
    hits = 0
    for x, label in zip(X, y):
        scores = [v.data for v in model(x)]
        hits += scores.index(max(scores)) == label
    assert hits / len(y) >= 0.95


def test_full_batch_fit_equals_hand_written_gradient_descent() -> None:
    # A linear model y = w x + b under MSE with an L2 term; gradients derived by hand:
    # dL/dw = (2/n) sum (w x + b - t) x + 2 l2 w,  dL/db = (2/n) sum (w x + b - t) + 2 l2 b.
    X, T = [[-1.0], [0.5], [2.0], [3.0]], [-2.0, 1.5, 4.5, 5.0]
    model = MLP(1, [1], seed=0)
    w, b = model.parameters()[0].data, model.parameters()[1].data
    lr, l2, n = 0.05, 0.01, len(X)
    losses = []
    for _ in range(20):
        r = [w * x[0] + b - t for x, t in zip(X, T)]
        losses.append(sum(v * v for v in r) / n)
        gw = 2 / n * sum(v * x[0] for v, x in zip(r, X)) + 2 * l2 * w
        gb = 2 / n * sum(r) + 2 * l2 * b
        w, b = w - lr * gw, b - lr * gb
    history = fit(model, mse, SGD(model.parameters(), lr=lr), (X, T), epochs=20, l2=l2,
                  progress=False)
    assert history.loss == pytest.approx(losses, rel=1e-12)
    assert [p.data for p in model.parameters()] == pytest.approx([w, b], rel=1e-12)
    assert history.accuracy == [None] * 20          # no metric for a regression loss


def test_history_records_per_layer_gradient_norms_and_lr() -> None:
    X, y = make_moons(20, seed=1)
    model = MLP(2, [4, 3, 1], seed=2)
    probe = MLP(2, [4, 3, 1], seed=2)                     # same start, stepped by hand
    loss = hinge([probe(x) for x in X], y)
    loss.backward()
    expected = [math.sqrt(sum(p.grad ** 2 for p in layer.parameters()))
                for layer in probe.layers]
    history = fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
                  progress=False)
    assert history.layer_names == ["layers.0", "layers.1", "layers.2"]
    assert history.grad_norms[0] == pytest.approx(expected, rel=1e-12)
    assert history.lr == [0.1, 0.1, 0.1]
    assert history.accuracy[0] == sign_accuracy_by_hand(probe, X, y)


def test_mini_batch_and_stochastic_step_counts() -> None:
    X, y = make_moons(10, seed=0)
    for batch_size, per_epoch in ((None, 1), (4, 3), (1, 10)):
        model = MLP(2, [3, 1], seed=0)
        history = fit(model, hinge, SGD(model.parameters(), lr=0.05), (X, y), epochs=2,
                      batch_size=batch_size, progress=False)
        assert history.steps == 2 * per_epoch
        assert len(history.epoch_loss) == 2


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses() -> None:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, hinge, SGD(model.parameters(), lr=0.05), (X, y), epochs=1,
                  batch_size=4, progress=False)
    sizes = [4, 4, 2]
    assert history.epoch_loss[0] == pytest.approx(
        sum(s * v for s, v in zip(sizes, history.loss)) / 10)


def test_early_stopping_restores_the_best_parameters() -> None:
    # A learning rate far too large makes full-batch MSE grow every epoch after the first.
    X, T = [[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0]
    model = MLP(1, [1], seed=0)
    start = [p.data for p in model.parameters()]
    history = fit(model, mse, SGD(model.parameters(), lr=1.0), (X, T), epochs=50,
                  patience=3, progress=False)
    assert history.stopped_early and len(history.epoch_loss) == 4
    assert history.epoch_loss == sorted(history.epoch_loss)
    assert [p.data for p in model.parameters()] == start       # the best: the start
    assert evaluate(model, mse, (X, T))[0] == pytest.approx(history.epoch_loss[0])


def test_validation_loss_is_the_model_loss_after_each_epoch() -> None:
    X, y = make_moons(40, seed=0)
    Xv, yv = make_moons(20, seed=1)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, hinge, Adam(model.parameters(), lr=0.05), (X, y), epochs=5,
                  validation=(Xv, yv), progress=False)
    loss, acc = evaluate(model, hinge, (Xv, yv))
    assert history.val_loss[-1] == loss and history.val_accuracy[-1] == acc
    assert loss == pytest.approx(
        sum(max(0.0, 1 - t * model(x).data) for x, t in zip(Xv, yv)) / 20)


def test_schedule_is_stepped_once_per_epoch() -> None:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, hinge, opt, (X, y), epochs=3, batch_size=5,
                  schedule=ExponentialLR(opt, gamma=0.5), progress=False)
    assert history.lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_batchnorm_and_dropout_network_trains_with_mini_batches() -> None:
    X, y = make_moons(60, noise=0.1, seed=0)
    net = Sequential(Layer(2, 12, activation="linear", init="he", seed=None), BatchNorm(12),
                     Activation("relu"), Dropout(0.1, seed=0), Layer(12, 1, nonlin=False))
    history = fit(net, hinge, Adam(net.parameters(), lr=0.05), (X, y), epochs=30,
                  batch_size=20, progress=False)
    assert not net.training                                  # left in evaluation mode
    hits = sum((net(x).data > 0) == (t > 0) for x, t in zip(X, y))
    assert hits / len(y) >= 0.9
    assert history.epoch_loss[-1] < history.epoch_loss[0]


def test_callback_can_stop_training() -> None:
    X, y = make_xor()
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, mse, SGD(model.parameters(), lr=0.1), (X, y), epochs=100,
                  callback=lambda epoch, h: epoch == 4, progress=False)
    assert history.steps == 5 and history.stopped_early


def test_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=2)
    err = capsys.readouterr().err
    assert "loss=" in err and "acc=" in err
    fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=2, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kwargs,match", [
    ({"epochs": 0}, "epochs"),
    ({"target_accuracy": 0.9, "metric": None}, "needs a metric"),
    ({"metric": "f1"}, "metric"),
])
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    X, y = make_xor()
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match=match):
        fit(model, hinge, SGD(model.parameters()), (X, y), progress=False,
            **kwargs)  # type: ignore[arg-type]


def test_levenberg_marquardt_is_not_run_by_fit() -> None:
    p = Value(1.0)
    lm: Optimizer = LevenbergMarquardt([p], lambda: [p - 1.0])
    with pytest.raises(TypeError, match="LevenbergMarquardt"):
        fit(MLP(1, [1], seed=0), mse, lm, ([[1.0]], [1.0]), progress=False)


def test_fit_trains_a_plain_function_with_the_optimizer_parameters() -> None:
    w, b = Value(0.0), Value(0.0)
    X, T = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    history = fit(lambda x: w * x[0] + b, mse, Adam([w, b], lr=0.1), (X, T), epochs=300,
                  progress=False)
    assert history.layer_names == ["all"]
    assert (w.data, b.data) == (pytest.approx(2.0, abs=0.05), pytest.approx(1.0, abs=0.05))


# --- hostile input: fit checks every argument before the first step ------------------------


@pytest.mark.parametrize("kwargs,match", [
    ({"l2": -1}, "fit: l2 must be a finite number >= 0, got -1"),
    ({"l2": float("nan")}, "fit: l2 must be a finite number >= 0, got nan"),
    ({"l1": float("inf")}, "fit: l1"),
    ({"patience": -1}, "fit: patience must be an int >= 0, got -1"),
    ({"patience": 2.5}, "fit: patience"),
    ({"min_delta": float("nan")}, "fit: min_delta"),
    ({"target_accuracy": 1.5}, r"fit: target_accuracy must be a finite number in \[0, 1\]"),
    ({"batch_size": 0}, "fit: batch_size must be an int >= 1, got 0"),
    ({"batch_size": 2.0}, "fit: batch_size"),
    ({"epochs": 2.0}, "fit: epochs"),
    ({"shuffle": "yes"}, "fit: shuffle must be True or False"),
    ({"restore_best": None, "patience": 2}, "fit: restore_best"),
    ({"drop_last": True, "batch_size": 9}, "leaves no batch"),
])
def test_bad_fit_arguments_are_refused_before_any_step(kwargs: dict[str, object],
                                                       match: str) -> None:
    X, y = make_xor()
    model = MLP(2, [2, 1], seed=0)
    start = [p.data for p in model.parameters()]
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=match):
        fit(model, hinge, opt, (X, y), progress=False, **kwargs)  # type: ignore[arg-type]
    assert [p.data for p in model.parameters()] == start and opt.steps == 0


@pytest.mark.parametrize("data,error,match", [
    (([[0.0, "a"]], [1]), TypeError, r"fit: data X\[0\]\[1\] must be a number, got 'a'"),
    (([[0.0, float("nan")]], [1]), ValueError, r"X\[0\]\[1\] must be a finite number"),
    (([[0.0, 1.0]], [float("inf")]), ValueError, r"y\[0\] must be a finite number"),
    (([[0.0, 1.0], [1.0, 0.0]], [1]), ValueError, "2 samples and 1 targets"),
    (([], []), ValueError, "at least one"),
    (([[0.0]],), TypeError, r"pair \(X, y\)"),
])
def test_bad_data_is_named_by_sample(data: object, error: type, match: str) -> None:
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(error, match=match):
        fit(model, hinge, SGD(model.parameters()), data, progress=False)  # type: ignore[arg-type]


def test_fit_takes_numpy_arrays_and_gives_what_lists_give() -> None:
    np = pytest.importorskip("numpy")
    X, y = make_moons(20, seed=0)
    runs = []
    for data in ((X, y), (np.array(X), np.array(y))):
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, hinge, SGD(model.parameters(), lr=0.1), data, epochs=3,
                      batch_size=np.int64(5), validation=data, progress=False)
        runs.append((history.loss, history.val_loss, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]
    model = MLP(2, [4, 3], seed=0)                       # numpy int labels for 3 classes
    fit(model, cross_entropy, Adam(model.parameters(), lr=0.01),
        (np.array(X), np.array([i % 3 for i in range(20)])), epochs=2, progress=False)


def test_batch_norm_with_a_one_sample_last_batch_is_refused_or_dropped() -> None:
    X, y = make_moons(21, seed=0)
    net = Sequential(Layer(2, 4, activation="linear", seed=0), BatchNorm(4),
                     Activation("relu"), Layer(4, 1, nonlin=False, seed=1))
    start = [p.data for p in net.parameters()]
    with pytest.raises(ValueError, match=r"mini-batch of 1 sample.*drop_last=True"):
        fit(net, hinge, SGD(net.parameters()), (X, y), batch_size=4, progress=False)
    assert [p.data for p in net.parameters()] == start
    history = fit(net, hinge, SGD(net.parameters(), lr=0.05), (X, y), epochs=2, batch_size=4,
                  drop_last=True, progress=False)
    assert history.steps == 2 * 5                              # 21 // 4 batches an epoch


# --- the optimizer fit is given ---------------------------------------------------------------


def test_an_optimizer_made_for_another_model_is_refused_before_anything_changes() -> None:
    X, y = make_moons(20, noise=0.1, seed=0)
    model, other = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=1)
    first_name = model.named_parameters()[0][0]
    before, other_before = model.state_dict(), other.state_dict()
    opt = SGD(other.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=rf"fit: the optimizer \(SGD\) updates none of the "
                                         rf"parameters of the model \(MLP\): its first "
                                         rf"parameter '{first_name}' is not among"):
        fit(model, hinge, opt, (X, y), epochs=3, progress=False)
    assert model.state_dict() == before and other.state_dict() == other_before
    assert opt.steps == 0


def test_an_optimizer_over_part_of_the_model_trains_that_part_and_freezes_the_rest() -> None:
    # Freezing is allowed (documented): only the last layer moves, by plain gradient descent
    # replayed by hand on the frozen first layer's features.
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    first, last = model.layers
    frozen = [p.data for p in first.parameters()]
    features = [[max(0.0, n.b.data + sum(w.data * v for w, v in zip(n.w, x)))
                 for n in first.neurons] for x in X]
    w = [p.data for p in last.neurons[0].w]
    b = last.neurons[0].b.data
    lr = 0.1
    for _ in range(3):                                       # mse by hand, full batch
        scores = [b + sum(wi * f for wi, f in zip(w, fs)) for fs in features]
        errs = [2.0 * (s - t) / len(X) for s, t in zip(scores, y)]
        grad_w = [sum(e * fs[j] for e, fs in zip(errs, features)) for j in range(3)]
        w = [wi - lr * g for wi, g in zip(w, grad_w)]
        b -= lr * sum(errs)
    fit(model, mse, SGD(last.parameters(), lr=lr), (X, y), epochs=3, shuffle=False,
        progress=False)
    assert [p.data for p in first.parameters()] == frozen
    assert [p.data for p in last.neurons[0].w] == pytest.approx(w, rel=1e-12)
    assert last.neurons[0].b.data == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("optimizer,error,match", [
    (None, TypeError, r"fit: optimizer must be an optimizer over the model's parameters, "
                      r"such as SGD\(model\.parameters\(\), lr=0\.1\).*got None"),
    ("sgd", TypeError, r"fit: optimizer must be .*got 'sgd'"),
    (SGD, TypeError, r"fit: optimizer must be an optimizer object, got the class SGD; "
                     r"make one over the model's parameters: SGD\(model\.parameters\(\)"),
])
def test_something_that_is_not_an_optimizer_is_named(optimizer: object, error: type,
                                                     match: str) -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=match):
        fit(model, hinge, optimizer, make_xor(), progress=False)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_a_model_that_cannot_be_called_is_named() -> None:
    with pytest.raises(TypeError, match=r"fit: model must be a Module or a function"):
        fit(3, mse, SGD([Value(1.0)]), make_xor(), progress=False)  # type: ignore[arg-type]


def test_fit_names_the_parameter_an_update_would_break_as_the_model_does() -> None:
    # lr * gradient overflows on the first step: the error names the model's parameter
    # (not "parameter 0"), nothing changes, and the optimizer's own names come back after.
    model = MLP(1, [1], seed=0)
    opt = SGD(model.parameters(), lr=1e308)
    before = model.state_dict()
    first = model.named_parameters()[0][0]
    with pytest.raises(ValueError, match=rf"SGD\.step: the update would make parameter "
                                         rf"'{first}' "):
        fit(model, mse, opt, ([[1e10]], [-1e10]), epochs=1, progress=False)
    assert model.state_dict() == before
    assert opt.param_names == [None, None]
    assert opt.parameter_name(0) == "parameter 0"
