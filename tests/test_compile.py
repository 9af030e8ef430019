"""autograd_lite.compiler: compiled batch losses against the engine itself.

The oracle everywhere is the eager engine, run independently in each test: build every
sample's graph, ``autograd_lite.sum(losses) * (1 / n)`` (+ penalty), ``backward()``. The
compiled loss and every parameter's ``.grad`` must equal it to a relative 1e-12, errors
must be the engine's own (type and message), and a failed call must leave ``.grad`` alone.
Random MLPs and random scalar graphs (hypothesis) cover the ops; guards are tested with a
function that branches on ``x.data`` and is fed samples on both sides.
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import RULES as LIVE_RULES
from autograd_lite import Value, apply
from autograd_lite.compiler import CompileError, compile, compile_loss
from autograd_lite.compiler.table import NUMPY, PYTHON, forward_code, partials_code
from autograd_lite.nn import (
    MLP,
    BatchNorm,
    Dropout,
    Layer,
    Sequential,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2_penalty,
    mse,
)
from autograd_lite.ops import info

np = pytest.importorskip("numpy")
BACKENDS = ["python", "numpy"]
RULES = dict(LIVE_RULES)  # the built-in table, before other tests register throw-away ops


# --- the oracle: the engine, eagerly ------------------------------------------------------


def eager(fn: Callable[..., Value], batch: Sequence[Sequence[Any]], params: list[Value],
          reduction: str = "mean", penalty: Callable[[], Value] | None = None,
          ) -> tuple[float, list[float]]:
    """The batch loss and parameter gradients, by building the graph and backward()."""
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    losses = [fn(*[_values(a) for a in sample]) for sample in zip(*batch)]
    total = al.sum(losses)
    if reduction == "mean":
        total = total * (1.0 / len(losses))
    if penalty is not None:
        total = total + penalty()
    total.backward()
    grads = [p.grad for p in params]
    for p, g in zip(params, saved):
        p.grad = g
    return total.data, grads


def _values(x: Any, top: bool = True) -> Any:
    """A sample's argument as the compiled function's ``fn`` receives it: numbers (in
    lists and tuples too) as leaf Values; a bare int (a label), a string as it is."""
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v, False) for v in x)
    if isinstance(x, str) or (top and isinstance(x, int)):
        return x
    return Value(x)


def compiled_result(compiled: Any, batch: Sequence[Sequence[Any]], params: list[Value]
                    ) -> tuple[float, list[float]]:
    for p in params:
        p.grad = 0.0
    loss = compiled(*batch)
    return loss, [p.grad for p in params]


def assert_same(got: tuple[float, list[float]], want: tuple[float, list[float]],
                rel: float = 1e-12) -> None:
    """Equal to a relative ``rel``; a gradient that cancels to near 0 is compared on the
    scale of the largest gradient (its rounding error is that of the terms it sums)."""
    loss, grads = got
    loss0, grads0 = want
    assert math.isclose(loss, loss0, rel_tol=rel, abs_tol=1e-300), (loss, loss0)
    scale = max([abs(g) for g in grads0] + [1e-300])
    for k, (a, b) in enumerate(zip(grads, grads0)):
        assert abs(a - b) <= rel * max(abs(b), 1e-3 * scale), (k, a, b)


def moons(n: int = 40, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    return al.datasets.make_moons(n, noise=0.1, seed=seed)


# --- the interpreter tables against the rules -------------------------------------------


def _fwd(rule: Any, xs: list[float], param: Any) -> float:
    """The rule's own forward (its parameter, if it has one, last)."""
    return float(rule.forward(*xs, *([param] if rule.param is not None else [])))


def _parts(rule: Any, xs: list[float], param: Any, out: float) -> Any:
    """The rule's own local derivatives at ``xs``."""
    return rule.partials(out, *xs, *([param] if rule.param is not None else []))


def _points(rule: Any, n: int) -> list[list[float]]:
    rng = random.Random(rule.name)
    points = []
    for _ in range(40):
        xs = []
        for i in range(n):
            sample = info(rule).sample
            lo, hi = sample[min(i, len(sample) - 1)]
            xs.append(rng.uniform(lo, hi))
        points.append(xs)
    points.append([0.0] * n)
    return points


def _evaluate_py(code: str, xs: Sequence[float]) -> float:
    from autograd_lite.compiler.python_backend import namespace

    scope = namespace() | {f"a{i}": x for i, x in enumerate(xs)}
    value: float = eval(code, scope)  # our own generated expression, over floats
    return value


@pytest.mark.parametrize("name", sorted(PYTHON))
def test_python_table_computes_exactly_what_the_rule_computes(name: str) -> None:
    rule = RULES[name]
    n = rule.arity if rule.arity > 0 else {"sum": 3, "dot": 4, "affine": 5}[name]
    for param in info(rule).params:
        c = "None" if param is None else repr(param)
        for xs in _points(rule, n):
            names = [f"a{i}" for i in range(n)]
            try:
                want = _fwd(rule, xs, param)
            except (ValueError, ArithmeticError):
                continue
            fwd = forward_code(PYTHON, name, names, c)
            assert fwd is not None
            got = _evaluate_py(fwd, xs)
            assert got == want or (got == 0.0 and want == 0.0), (name, xs, got, want)
            try:
                want_parts = list(_parts(rule, xs, param, want))
            except (ValueError, ArithmeticError):
                continue
            parts = partials_code(PYTHON, name, names, repr(want), c, param)
            assert parts is not None and len(parts) == n
            for code, w in zip(parts, want_parts):
                assert _evaluate_py(code, xs) == w, (name, code, xs)


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_numpy_table_agrees_with_the_rule(name: str) -> None:
    from autograd_lite.compiler.numpy_backend import namespace

    rule = RULES[name]
    n = rule.arity if rule.arity > 0 else {"sum": 3, "dot": 4, "affine": 5}[name]
    for param in info(rule).params:
        c = "None" if param is None else repr(param)
        points = [xs for xs in _points(rule, n) if _defined(rule, xs, param)]
        arrays = {f"a{i}": np.array([xs[i] for xs in points]) for i in range(n)}
        want = np.array([_fwd(rule, xs, param) for xs in points])
        fwd = forward_code(NUMPY, name, list(arrays), c)
        assert fwd is not None
        scope = namespace() | arrays
        np.testing.assert_allclose(eval(fwd, scope), want, rtol=1e-14, atol=1e-300)
        parts = partials_code(NUMPY, name, list(arrays), "out", c, param)
        assert parts is not None
        scope["out"] = want
        for k, code in enumerate(parts):
            expected = np.array([float(_parts(rule, xs, param, w)[k])
                                 for xs, w in zip(points, want)])
            got = np.broadcast_to(eval(code, scope), expected.shape)
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-300)


def _defined(rule: Any, xs: list[float], param: Any) -> bool:
    try:
        out = _fwd(rule, xs, param)
        _parts(rule, xs, param, out)
    except (ValueError, ArithmeticError):
        return False
    return True


# --- networks ------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_micrograd_demo_loss_and_gradients_equal_eager(backend: str) -> None:
    X, y = moons(60)
    model = MLP(2, [16, 16, 1], seed=3)
    params = model.parameters()

    def loss(x: Any, t: Any) -> Value:
        return (1 + -t * model(x)).relu()

    def penalty() -> Value:
        return 1e-4 * sum(p * p for p in params)

    step = compile(loss, X[0], y[0], backend=backend, params=params, penalty=penalty)
    want = eager(loss, (X, y), params, penalty=penalty)
    got = compiled_result(step, (X, y), params)
    assert_same(got, want)
    if backend == "python":  # same operations in the same order: the same bits
        assert got == want
    assert step.stats["eager_batches"] == 0


@given(st.data())
def test_random_mlps_equal_eager(data: st.DataObject) -> None:
    nin = data.draw(st.integers(1, 4), label="nin")
    sizes = data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3), label="hidden")
    nout = data.draw(st.integers(1, 3), label="nout")
    activation = data.draw(st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]))
    out_act = data.draw(st.sampled_from([None, "sigmoid", "tanh"]))
    model = MLP(nin, [*sizes, nout], activation=activation, output_activation=out_act,
                seed=data.draw(st.integers(0, 99)))
    params = model.parameters()
    n = data.draw(st.integers(1, 12), label="batch")
    rng = random.Random(data.draw(st.integers(0, 99)))
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    T = [[rng.uniform(-1, 1) for _ in range(nout)] for _ in range(n)]

    def loss(x: Any, t: Any) -> Value:
        out = model(x)
        outs = out if isinstance(out, list) else [out]
        return al.sum([(o - ti) ** 2 for o, ti in zip(outs, t)])

    reduction = data.draw(st.sampled_from(["mean", "sum"]))
    want = eager(loss, (X, T), params, reduction)
    for backend in BACKENDS:
        step = compile(loss, X[0], T[0], backend=backend, reduction=reduction)
        assert_same(compiled_result(step, (X, T), params), want)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss", [hinge, cross_entropy, binary_cross_entropy, mse])
def test_compile_loss_gives_the_gradient_of_the_batch_loss(backend: str, loss: Any) -> None:
    rng = random.Random(1)
    classes = 4 if loss is cross_entropy else 1
    model = MLP(3, [6, classes], seed=2)
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(25)]
    labels = {hinge: [-1, 1], cross_entropy: [0, 1, 2, 3], binary_cross_entropy: [0, 1],
              mse: [0.5, -1.0, 2.0]}[loss]
    y = [rng.choice(labels) for _ in X]
    params = model.parameters()
    compiled = compile_loss(model, loss, X[:1], y[:1], backend=backend,
                            penalty=lambda: l2_penalty(params, 1e-3))
    for p in params:
        p.grad = 0.0
    value = compiled.step(X, y)
    got = [p.grad for p in params]
    model.zero_grad()
    data_loss = loss([model(x) for x in X], y)
    (data_loss + l2_penalty(params, 1e-3)).backward()
    assert_same((value, got), (data_loss.data, [p.grad for p in params]))
    preds = compiled.predictions
    for x, p in zip(X, preds):
        eager_out = model(x)
        eager_out = eager_out if isinstance(eager_out, list) else [eager_out]
        assert (list(p) if isinstance(p, tuple) else [p]) == pytest.approx(
            [o.data for o in eager_out], rel=1e-12)


def test_compile_loss_refuses_what_one_trace_cannot_capture() -> None:
    with pytest.raises(CompileError, match="normalises over the batch"):
        compile_loss(Sequential(Layer(2, 2), BatchNorm(2)), mse, [[1.0, 2.0]], [0.0])
    with pytest.raises(CompileError, match="random numbers"):
        compile_loss(Sequential(Layer(2, 1), Dropout(0.5)), mse, [[1.0, 2.0]], [0.0])
    model = MLP(2, [1], seed=0)

    def summed(preds: Any, targets: Any) -> Value:  # a sum over samples, not a mean
        return al.sum([(p - t) ** 2 for p, t in zip(preds, targets)])

    with pytest.raises(CompileError, match="not a mean"):
        compile_loss(model, summed, [[1.0, 2.0]], [0.0])


# --- random scalar graphs (hypothesis) ---------------------------------------------------


def _recipe(data: st.DataObject) -> tuple[int, int, list[tuple[str, list[int], Any]]]:
    """A random DAG over parameters and sample inputs: (n_params, n_inputs, steps)."""
    n_params = data.draw(st.integers(1, 3), label="params")
    n_inputs = data.draw(st.integers(1, 3), label="inputs")
    steps = []
    for k in range(data.draw(st.integers(1, 14), label="ops")):
        name = data.draw(st.sampled_from(sorted(RULES)), label="op")
        rule = RULES[name]
        n = rule.arity if rule.arity > 0 else data.draw(st.integers(1, 3)) * (
            2 if name == "dot" else 1) + (1 if name == "affine" else 0)
        if name == "affine":
            n = 2 * data.draw(st.integers(1, 2)) + 1
        pool = n_params + n_inputs + k
        inputs = [data.draw(st.integers(0, pool - 1), label="input") for _ in range(n)]
        steps.append((name, inputs, data.draw(st.sampled_from(info(rule).params), label="param")))
    return n_params, n_inputs, steps


def _settle(steps: list[tuple[str, list[int], Any]], values: list[float]
            ) -> list[tuple[str, list[int], Any]]:
    """The recipe with every op that is undefined (or huge) at ``values`` replaced by
    tanh of its first input, as the property tests of the engine do."""
    values = list(values)
    settled = []
    for name, inputs, param in steps:
        xs = [values[i] for i in inputs]
        try:
            out = _fwd(RULES[name], xs, param)
            usable = math.isfinite(out) and abs(out) < 1e3
        except (ValueError, ArithmeticError):
            usable = False
        if not usable:
            name, inputs, param = "tanh", inputs[:1], None
            out = math.tanh(xs[0])
        settled.append((name, inputs, param))
        values.append(out)
    return settled


def _graph_fn(params: list[Value], steps: list[tuple[str, list[int], Any]],
              branch: bool) -> Callable[..., Value]:
    def fn(*xs: Any) -> Value:
        pool: list[Any] = [*params, *xs]
        for name, inputs, param in steps:
            pool.append(apply(RULES[name], [pool[i] for i in inputs], param))
        out = al.sum(pool[len(params) + len(xs):])
        if branch and pool[-1].data > 0:  # data-dependent control flow: a guard
            out = out * 2.0
        return out

    return fn


@given(st.data())
def test_random_scalar_graphs_equal_eager(data: st.DataObject) -> None:
    n_params, n_inputs, steps = _recipe(data)
    rng = random.Random(data.draw(st.integers(0, 999)))
    params = [Value(rng.uniform(-2, 2)) for _ in range(n_params)]
    n = data.draw(st.integers(1, 6), label="batch")
    X = [[rng.uniform(-2, 2) for _ in range(n)] for _ in range(n_inputs)]
    steps = _settle(steps, [p.data for p in params] + [column[0] for column in X])
    fn = _graph_fn(params, steps, data.draw(st.booleans(), label="branch"))
    try:
        want: Any = eager(fn, X, params)
    except (ValueError, ArithmeticError) as exc:
        want = exc  # another sample is outside a domain: the compiled loss must say the same
    for backend in BACKENDS:
        step = compile(fn, *[column[0] for column in X], backend=backend, params=params)
        try:
            got: Any = compiled_result(step, X, params)
        except (ValueError, ArithmeticError) as exc:
            got = exc
        if isinstance(want, Exception):
            assert type(got) is type(want) and str(got) == str(want)
        else:
            assert not isinstance(got, Exception), got
            assert_same(got, want)
            assert step.stats["eager_batches"] == 0 or backend == "numpy"


# --- guards ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_branch_on_data_is_guarded_and_both_sides_are_right(backend: str) -> None:
    w = Value(0.5, label="w")

    def f(x: Any) -> Value:
        if x.data > 0:                      # the branch the trace takes for the example
            return (w * x).log()
        return (w * x) ** 2

    step = compile(f, 2.0, backend=backend)
    assert [g.split("   ")[0] for g in step.guards[0]] == ["x0 > 0.0"]
    batch = [[3.0, -1.0, 0.5, -2.0]]
    got = compiled_result(step, batch, [w])
    assert_same(got, eager(f, batch, [w]))
    # by hand: d/dw mean(log(w x) for x > 0, (w x)^2 otherwise) = (1/w + 1/w + 2w + 8w) / 4
    assert got[1][0] == pytest.approx((2 / 0.5 + 2 * 0.5 * 1 + 2 * 0.5 * 4) / 4, rel=1e-12)
    assert len(step.programs) == 2 and step.stats["eager_batches"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_comparisons_of_values_max_and_truth_are_guards(backend: str) -> None:
    a = Value(1.5)

    def f(x: Any, y: Any) -> Value:
        m = max(x.data, y.data)              # followed: a data constant, not a branch
        s = (x - m).exp() + (y - m).exp()
        if x > y:                            # a comparison of Values: a guard
            s = s * a
        if bool((x * y).data):               # truth of a number: a guard (x*y != 0)
            s = s + a * a
        return s.log() + m

    step = compile(f, 2.0, 1.0, backend=backend)
    batch = [[2.0, -1.0, 0.0, 3.0, 1.0], [1.0, 0.5, 2.0, 3.0, -4.0]]
    assert_same(compiled_result(step, batch, [a]), eager(f, batch, [a]))
    assert step.stats["eager_batches"] == 0
    assert any("max(" in line for line in step.source.splitlines())


@pytest.mark.parametrize("backend", BACKENDS)
def test_too_many_branches_run_eagerly_with_a_warning(backend: str) -> None:
    w = Value(2.0)

    def f(x: Any) -> Value:
        return w * x if x.data > 0 else w - x

    step = compile(f, 1.0, backend=backend, max_programs=1)
    batch = [[1.0, -1.0, 2.0]]
    with pytest.warns(RuntimeWarning, match="fit none of the 1 traced programs"):
        got = compiled_result(step, batch, [w])
    assert got == eager(f, batch, [w])
    assert step.stats["eager_batches"] == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_static_labels_get_one_program_each(backend: str) -> None:
    model = MLP(2, [3, 3], seed=1)
    X = [[0.1, 0.2], [0.3, -0.5], [1.0, 1.0], [-1.0, 0.5]]
    y = [0, 2, 1, 2]

    def f(x: Any, label: int) -> Value:
        return cross_entropy([model(x)], [label])

    step = compile(f, X[0], y[0], backend=backend)
    assert_same(compiled_result(step, (X, y), model.parameters()),
                eager(f, (X, y), model.parameters()))
    assert sorted(g.statics for g in step.programs) == [(0,), (1,), (2,)]


def test_untraceable_use_of_data_is_refused() -> None:
    w = Value(1.0)
    with pytest.raises(CompileError, match="cannot follow"):
        compile(lambda x: w * math.exp(x.data), 0.5)

    rng = random.Random(0)
    with pytest.raises(CompileError, match="different graph"):
        compile(lambda x: w * x if rng.random() < 0.5 else w + x, 0.5)


def test_exact_guard_when_a_number_escapes() -> None:
    w = Value(3.0)

    def f(x: Any) -> Value:
        k = round(x.data)                    # leaves the tracer's sight: an exact guard
        return w * x * k

    step = compile(f, 2.0)
    batch = [[2.0, 2.0, 3.0]]
    assert compiled_result(step, batch, [w]) == eager(f, batch, [w])
    assert len(step.programs) == 2


# --- errors and non-finite values: the engine's own ---------------------------------------


def _error(fn: Callable[[], Any]) -> BaseException:
    with pytest.raises((ValueError, ArithmeticError)) as info:
        fn()
    return info.value


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", ["log", "overflow", "sqrt-backward", "exp"])
def test_errors_are_the_engines(backend: str, case: str) -> None:
    w = Value(1.0, label="w")
    fns: dict[str, Callable[[Any], Value]] = {
        "log": lambda x: (w * x).log(),
        "overflow": lambda x: (w * x) * 1e300,
        "sqrt-backward": lambda x: (w * x).sqrt(),
        "exp": lambda x: (w * x).exp(),
    }
    bad = {"log": -1.0, "overflow": 1e10, "sqrt-backward": 0.0, "exp": 800.0}[case]
    fn = fns[case]
    step = compile(fn, 1.0, backend=backend)
    w.grad = 0.25
    want = _error(lambda: eager(fn, [[1.0, bad]], [w]))
    w.grad = 0.25
    got = _error(lambda: step([1.0, bad]))
    assert type(got) is type(want) and str(got) == str(want)
    assert w.grad == 0.25  # all or nothing: a failed call changes no gradient


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_accumulate_as_backward_does(backend: str) -> None:
    w = Value(0.5)
    step = compile(lambda x: (w * x).tanh(), 1.0, backend=backend)
    step([1.0, 2.0])
    once = w.grad
    step([1.0, 2.0])
    assert w.grad == pytest.approx(2 * once, rel=1e-15)


# --- custom ops, data constants, big and deep graphs -------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_custom_op_is_computed_by_its_rule(backend: str) -> None:
    cube = al.register_op("cube_c", lambda x: x ** 3, lambda x: 3 * x * x)
    try:
        w = Value(0.7)
        fn = lambda x: cube(w * x)  # noqa: E731
        step = compile(fn, 1.0, backend=backend)
        batch = [[1.0, -2.0, 0.5]]
        assert_same(compiled_result(step, batch, [w]), eager(fn, batch, [w]))
        # by hand: mean of 3 w^2 x^3 = 3 * 0.49 * (1 - 8 + 0.125) / 3
        assert w.grad == pytest.approx(0.49 * (1 - 8 + 0.125), rel=1e-12)
    finally:
        al.unregister_op("cube_c")


@pytest.mark.parametrize("backend", BACKENDS)
def test_detach_and_data_constants_are_recomputed_per_sample(backend: str) -> None:
    w = Value(2.0)

    def f(x: Any) -> Value:
        y = w * x
        return y * y.detach() + (y - y.data * 0.5)   # detached copies: constants per sample

    step = compile(f, 1.0, backend=backend)
    batch = [[1.0, -3.0, 0.25]]
    assert_same(compiled_result(step, batch, [w]), eager(f, batch, [w]))
    assert len(step.programs) == 1


def test_deep_chains_and_wide_neurons_compile() -> None:
    w = Value(0.999)

    def chain(x: Any) -> Value:
        y = x
        for _ in range(400):
            y = y * w + 0.001
        return y

    step = compile(chain, 1.0)
    assert_same(compiled_result(step, [[1.0, 2.0]], [w]), eager(chain, [[1.0, 2.0]], [w]))

    ws = [Value(random.Random(k).uniform(-1, 1)) for k in range(700)]
    wide = lambda x: al.dot(ws, x, bias=ws[0]).tanh()  # noqa: E731
    X = [[random.Random(-k).uniform(-0.1, 0.1) for k in range(700)] for _ in range(3)]
    step = compile(wide, X[0])
    assert_same(compiled_result(step, [X], ws), eager(wide, [X], ws))


def test_the_source_is_readable_code() -> None:
    model = MLP(2, [2, 1], seed=0)
    step = compile(lambda x, y: (1 + -y * model(x)).relu(), [0.5, 1.0], 1.0,
                   params=model.parameters())
    src = step.source
    assert src.startswith("# compiled: <lambda>(x, y), mean over the batch")
    assert "affine" in src and "relu" in src and "back through relu" in src
    assert "def run(" in src and "for i in reversed(range(len(L))):" in src
    numpy_src = compile(lambda x, y: (1 + -y * model(x)).relu(), [0.5, 1.0], 1.0,
                        backend="numpy").source
    assert "one matrix product" in numpy_src and "@" in numpy_src


def test_inputs_that_do_not_fit_the_example_run_eagerly() -> None:
    w = Value(1.0)
    step = compile(lambda x: w * al.sum(x), [1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = step([[1.0, 2.0], [3.0, 4.0, 5.0]])  # a longer list: the engine does it
    assert value == (3.0 + 12.0) / 2 and step.stats["eager_batches"] == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_nested_arguments_and_static_strings(backend: str) -> None:
    w = Value(0.3)

    def f(pair: Any, scale: Any, mode: str) -> Value:
        (a, b), c = pair
        y = w * a + b * c * scale
        return y.tanh() if mode == "tanh" else y.sigmoid()

    batch = ([([1.0, 2.0], 0.5), ([-1.0, 0.5], 2.0), ([0.2, 0.1], -1.0)], [1.0, 2.0, 3.0],
             ["tanh", "sigmoid", "tanh"])
    step = compile(f, *[column[0] for column in batch], backend=backend, static=(2,))
    assert_same(compiled_result(step, batch, [w]), eager(f, batch, [w]))
    assert sorted(g.statics for g in step.programs) == [("sigmoid",), ("tanh",)]


def test_parameters_named_by_the_model_and_forward_touches_no_grad() -> None:
    model = MLP(2, [3, 1], seed=4)
    step = compile(lambda x, t: (model(x) - t) ** 2, [0.1, 0.2], 0.0, params=model)
    assert "p0 = layers.0.neurons.0.w.0" in step.source
    assert step.params == model.parameters()
    model.zero_grad()
    value = step.forward([[0.1, 0.2], [1.0, -1.0]], [0.0, 1.0])
    assert all(p.grad == 0.0 for p in model.parameters())
    eager_value = al.sum([(model(x) - t) ** 2 for x, t in zip([[0.1, 0.2], [1.0, -1.0]],
                                                              [0.0, 1.0])]) * 0.5
    assert value == eager_value.data
    for p in model.parameters():
        p.grad = 7.0
    step([[0.1, 0.2]], [0.0], zero_grad=True)   # set, not added: as zero_grad + backward
    got = [p.grad for p in model.parameters()]
    model.zero_grad()
    ((model([0.1, 0.2]) - 0.0) ** 2).backward()
    assert got == [p.grad for p in model.parameters()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_evaluate_gives_loss_and_predictions_without_gradients(backend: str) -> None:
    model = MLP(3, [4, 3], seed=5)
    X = [[0.1, 0.2, 0.3], [1.0, -1.0, 0.5], [0.0, 0.4, -0.2]]
    y = [0, 2, 1]
    compiled = compile_loss(model, cross_entropy, X[:1], y[:1], backend=backend)
    loss, preds = compiled.evaluate(X, y)
    assert all(p.grad == 0.0 for p in model.parameters())
    eager_preds = [[v.data for v in model(x)] for x in X]
    for row, want in zip(preds, eager_preds):
        assert list(row) == pytest.approx(want, rel=1e-12)
    assert loss == pytest.approx(cross_entropy([model(x) for x in X], y).data, rel=1e-12)


def test_fit_with_compile_gives_eagers_history() -> None:
    """fit(compile=True) trains through the compiled code: the same losses, step by step,
    as the eager engine (to 1e-12; the Python backend adds in the same order), the same
    number of steps to the target, the same parameters at the end."""
    from autograd_lite.datasets import make_moons
    from autograd_lite.nn import SGD, fit, hinge

    X, y = make_moons(60, noise=0.1, seed=0)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [8, 8, 1], seed=1)
        history = fit(model, hinge, SGD(model.parameters(), lr=0.1, momentum=0.9), (X, y),
                      epochs=40, l2=1e-4, target_accuracy=1.0, progress=False,
                      compile=compiled)
        runs.append((history, model.state_dict()))
    (eager_h, eager_state), (comp_h, comp_state) = runs
    assert comp_h.steps == eager_h.steps > 0
    assert comp_h.loss == pytest.approx(eager_h.loss, rel=1e-12, abs=1e-15)
    assert comp_h.epoch_accuracy == eager_h.epoch_accuracy
    assert all(comp_state[k] == pytest.approx(v, rel=1e-9, abs=1e-12)
               for k, v in eager_state.items())
    small = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="compile must be"):
        fit(small, hinge, SGD(small.parameters(), lr=0.1), (X, y), compile="fast")


def test_fit_with_compile_and_a_gradient_free_optimizer_evaluates_through_the_code() -> None:
    """A gradient-free optimizer's candidates are evaluated by the compiled code: the same
    history as eager (the penalty included), no graph built, and the work counter says so."""
    from autograd_lite.datasets import make_moons
    from autograd_lite.nn import SGD, RandomSearch, WorkCounter, fit, hinge

    X, y = make_moons(40, noise=0.1, seed=0)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [6, 1], seed=3)
        with WorkCounter(memory=False) as work:
            history = fit(model, hinge, RandomSearch(model.parameters(), seed=5), (X, y),
                          epochs=25, l2=1e-3, progress=False, compile=compiled)
        runs.append((history, model.state_dict(), work))
    (eager_h, eager_state, eager_w), (comp_h, comp_state, comp_w) = runs
    assert comp_h.loss == pytest.approx(eager_h.loss, rel=1e-12, abs=1e-15)
    assert comp_h.accuracy == eager_h.accuracy
    assert comp_state == eager_state  # the same candidates kept, bit for bit
    assert comp_w.forward_evaluations == eager_w.forward_evaluations > 0
    assert comp_w.compiled_evaluations == comp_w.forward_evaluations
    assert comp_w.nodes_built == 0 < eager_w.nodes_built
    assert comp_w.backward_passes == eager_w.backward_passes == 0
    # with a gradient optimizer, each compiled step counts its gradient as a backward pass
    model = MLP(2, [6, 1], seed=3)
    with WorkCounter(memory=False) as work:
        history = fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=5,
                      progress=False, compile=True)
    assert work.compiled_evaluations == work.backward_passes == history.steps == 5
    assert work.samples == 5 * len(X)


def test_a_batch_the_trace_does_not_fit_is_counted_as_an_engine_run() -> None:
    """fit(compile=True) on samples of another length than the example: the engine runs
    them (the same losses as without compiling) and the work counter does not call those
    runs compiled."""
    from autograd_lite.nn import SGD, WorkCounter, fit, mse

    X, y = [[1.0, 2.0], [3.0, 4.0, 5.0]], [1.0, 2.0]
    runs = []
    for compiled in (False, True):
        w = Value(0.5, label="w")
        with WorkCounter(memory=False) as work, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            history = fit(lambda x, w=w: w * al.sum(x), mse, SGD([w], lr=0.01), (X, y),
                          epochs=3, progress=False, compile=compiled, metric=None)
        runs.append((history.loss, work))
    (eager_loss, _), (comp_loss, work) = runs
    assert comp_loss == eager_loss
    assert work.compiled_evaluations == 0
    assert work.forward_evaluations == work.backward_passes == work.unsized_evaluations == 3


# --- what compile is given, and bad samples, are named ---------------------------------------


def _square_loss(x: Value) -> Value:
    return (W_FOR_ERRORS * x) ** 2


W_FOR_ERRORS = Value(2.0, label="w")


@pytest.mark.parametrize("call,error,match", [
    (lambda: compile(_square_loss, 1.0, params="x"), TypeError,
     r"^compile: params must be a list of Values \(the parameters\) or a model with "
     r"named_parameters\(\), got 'x' of type str$"),
    (lambda: compile(_square_loss, 1.0, params=[1.0]), TypeError,
     r"^compile: params\[0\] must be a Value \(a parameter\), got 1\.0 of type float$"),
    (lambda: compile(_square_loss, 1.0, params=W_FOR_ERRORS), TypeError, r"got one Value"),
    (lambda: compile(_square_loss, 1.0, params=[W_FOR_ERRORS, W_FOR_ERRORS]), ValueError,
     r"params\[1\] is listed twice"),
    (lambda: compile(3, 1.0), TypeError,
     r"^compile: fn must be a function of one sample returning its loss \(a Value\), got 3 "
     r"of type int$"),
    (lambda: compile(_square_loss), TypeError,
     r"^compile: _square_loss\(x\) cannot take the example's 0 arguments"),
    (lambda: compile(_square_loss, 1.0, 2.0), TypeError, r"cannot take the example's 2 "),
    (lambda: compile(_square_loss, 1.0, penalty=0.1), TypeError,
     r"^compile: penalty must be a function .* got 0\.1 of type float$"),
    (lambda: compile(_square_loss, 1.0, static="0"), TypeError, r"^compile: static must be"),
    (lambda: compile(_square_loss, 1.0, static=[3]), ValueError,
     r"^compile: static lists argument positions, each an int in \[0, 0\] .* got 3$"),
    (lambda: compile(_square_loss, 1.0, max_programs=2.5), ValueError,
     r"^compile: max_programs must be an int >= 1, got 2\.5$"),
    (lambda: compile_loss(3, mse, [[1.0]], [1.0]), TypeError,
     r"^compile_loss: model must be a Module or a function of one sample, got 3"),
    (lambda: compile_loss(MLP(1, [1], seed=0), "mse", [[1.0]], [1.0]), TypeError,
     r"^compile_loss: loss must be a function .* got 'mse' of type str$"),
    (lambda: compile_loss(MLP(1, [1], seed=0), mse, 3, [1.0]), TypeError,
     r"^compile_loss: X_example must be a list of samples"),
    (lambda: compile_loss(MLP(1, [1], seed=0), mse, [[1.0]], [1.0], backend="c"), ValueError,
     r"^compile_loss: backend must be 'python' or 'numpy', got 'c'$"),
])
def test_bad_arguments_name_compile_the_argument_and_the_value(call: Any, error: type,
                                                               match: str) -> None:
    before = (W_FOR_ERRORS.data, W_FOR_ERRORS.grad)
    with pytest.raises(error, match=match):
        call()
    assert (W_FOR_ERRORS.data, W_FOR_ERRORS.grad) == before


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_bad_sample_names_the_compiled_function_the_sample_and_the_input(
        backend: str) -> None:
    if backend == "numpy":
        pytest.importorskip("numpy")
    w = Value(2.0)
    step = compile(lambda x: (w * x) ** 2, 1.0, backend=backend)
    w.grad = 0.25
    with pytest.raises(ValueError, match=r"^compiled <lambda>: sample 2, x must be a finite "
                                         r"number, got nan$"):
        step([1.0, 2.0, math.nan])
    with pytest.raises(ValueError, match=r"sample 0, x must be a finite number, got inf"):
        step.forward([math.inf])
    with pytest.raises(TypeError, match=r"^compiled <lambda>: sample 1, x must be a number, "
                                        r"got 'a' of type str$"):
        step([1.0, "a"])
    assert w.grad == 0.25                                   # a failed call changes no .grad
    model = MLP(3, [2, 1], seed=0)
    loss = compile_loss(model, mse, [[0.1, 0.2, 0.3]], [1.0], backend=backend)
    with pytest.raises(ValueError, match=r"^compiled mse for MLP: sample 1, x\[2\] must be a "
                                         r"finite number, got -inf$"):
        loss.step([[0.1, 0.2, 0.3], [1.0, 2.0, -math.inf]], [1.0, 0.0])
    assert all(p.grad == 0.0 for p in model.parameters())
    assert step([1.0, 3.0], zero_grad=True) == (4.0 + 36.0) / 2    # by hand, still working


def test_fit_with_compile_evaluates_validation_through_the_compiled_loss(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With compile=..., the validation set goes through the compiled code (no graph is
    built for it): the numbers equal eager's (validation loss to 1e-12, accuracy exactly)."""
    from autograd_lite.datasets import make_moons
    from autograd_lite.nn import SGD, fit, hinge
    from autograd_lite.nn import train as train_module

    X, y = make_moons(40, noise=0.1, seed=0)
    Xv, yv = make_moons(30, noise=0.2, seed=1)
    runs = []
    for compiled in (False, True, "numpy"):
        if compiled == "numpy":
            pytest.importorskip("numpy")
        if compiled:
            def no_eager_evaluation(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("fit evaluated the validation set eagerly")
            monkeypatch.setattr(train_module, "evaluate", no_eager_evaluation)
        model = MLP(2, [8, 1], seed=1)
        history = fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=5,
                      validation=(Xv, yv), progress=False, compile=compiled)
        runs.append(history)
        monkeypatch.undo()
    eager, *compiled_runs = runs
    for h in compiled_runs:
        assert h.val_loss == pytest.approx(eager.val_loss, rel=1e-12)
        assert h.val_accuracy == eager.val_accuracy
    # The accuracy itself, by hand: the sign of the trained model's score against the label.
    model = MLP(2, [8, 1], seed=1)
    fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=5, progress=False,
        compile=True)
    hits = sum((model(x).data > 0) == (t > 0) for x, t in zip(Xv, yv))
    assert runs[1].val_accuracy[-1] == hits / len(yv)


def test_the_numpy_backend_without_numpy_says_how_to_get_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def without_numpy(name: str, *args: Any) -> Any:
        return None if name == "numpy" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_numpy)
    w = Value(2.0)
    with pytest.raises(ImportError, match=r"compile: backend='numpy' needs numpy: pip install "
                                          r"numpy .*backend='python' needs nothing"):
        compile(lambda x: w * x, 1.0, backend="numpy")
    assert compile(lambda x: w * x, 1.0)([3.0]) == 6.0      # the Python backend still works


def test_a_decision_on_a_number_from_state_dict_is_guarded() -> None:
    """nn's neurons read their numbers quietly (the engine computing the affine node), but
    a number the model hands to the user (state_dict) is watched like any other .data."""
    model = MLP(1, [1], seed=0)
    _, b = model.parameters()

    def f(x: list[float]) -> Value:
        out = model(x)
        return out * 10.0 if model.state_dict()["layers.0.neurons.0.b"] > 0.5 else out * 1.0

    step = compile(f, [1.0], params=model)
    b.data = 1.0  # the other branch now
    assert step([[1.0]]) == f([1.0]).data
