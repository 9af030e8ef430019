"""Cross-checks with independent oracles (closed forms, hand derivations, central differences).

These were distilled from a comparison against PyTorch (float64), keeping only checks whose
oracle needs no third-party engine: every expected number below is written out by hand or
computed from the function values alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from autograd_lite import RULES, Value, derivative, grad, hessian
from autograd_lite import sum as vsum
from autograd_lite.nn import (
    SGD,
    BatchNorm,
    CosineLR,
    ReduceLROnPlateau,
    binary_cross_entropy,
    cross_entropy,
)

Fn = Callable[[Value], Value]


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 1e-13) -> bool:
    return abs(a - b) <= max(abs_, rel * abs(b))


def _s(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# (name, f, [f', f'', f'''] as functions of x)
CLOSED_FORMS: list[tuple[str, Fn, list[Callable[[float], float]]]] = [
    ("tanh", lambda v: v.tanh(), [
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
        lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2)]),
    ("sigmoid", lambda v: v.sigmoid(), [
        lambda x: _s(x) * (1 - _s(x)),
        lambda x: _s(x) * (1 - _s(x)) * (1 - 2 * _s(x)),
        lambda x: _s(x) * (1 - _s(x)) * (1 - 6 * _s(x) + 6 * _s(x) ** 2)]),
    ("softplus", lambda v: v.softplus(), [
        _s,
        lambda x: _s(x) * (1 - _s(x)),
        lambda x: _s(x) * (1 - _s(x)) * (1 - 2 * _s(x))]),
    ("sqrt", lambda v: v.sqrt(), [
        lambda x: 0.5 * x ** -0.5, lambda x: -0.25 * x ** -1.5, lambda x: 0.375 * x ** -2.5]),
    ("log", lambda v: v.log(), [lambda x: 1 / x, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3]),
    ("exp", lambda v: v.exp(), [math.exp, math.exp, math.exp]),
    ("sin", lambda v: v.sin(), [math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)]),
    ("cos", lambda v: v.cos(), [lambda x: -math.sin(x), lambda x: -math.cos(x), math.sin]),
    ("div", lambda v: 1.5 / v, [lambda x: -1.5 / x ** 2, lambda x: 3 / x ** 3,
                                lambda x: -9 / x ** 4]),
    ("relu", lambda v: v.relu(), [lambda x: 1.0 if x > 0 else 0.0, lambda x: 0.0,
                                  lambda x: 0.0]),
    ("abs", lambda v: v.abs(), [lambda x: math.copysign(1.0, x), lambda x: 0.0, lambda x: 0.0]),
    ("leaky_relu", lambda v: v.leaky_relu(0.2), [lambda x: 1.0 if x > 0 else 0.2,
                                                 lambda x: 0.0, lambda x: 0.0]),
]
for _c in (2.0, 3.0, -1.0, 0.5, -2.5, 1.5):
    CLOSED_FORMS.append((f"powc{_c}", lambda v, c=_c: v ** c, [
        lambda x, c=_c: c * x ** (c - 1),
        lambda x, c=_c: c * (c - 1) * x ** (c - 2),
        lambda x, c=_c: c * (c - 1) * (c - 2) * x ** (c - 3)]))


@pytest.mark.parametrize("name,f,derivs", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_first_three_derivatives_are_the_closed_forms(name: str, f: Fn,
                                                      derivs: list[Callable[[float], float]]
                                                      ) -> None:
    points = [0.3, 0.9, 1.7, 2.6] if name.startswith(("sqrt", "log", "powc", "div")) else \
        [-2.3, -0.7, 0.4, 1.9]
    for x in points:
        for n, d in enumerate(derivs, start=1):
            got, want = derivative(f, x, n), d(x)
            assert close(got, want, rel=1e-11, abs_=1e-14), (name, x, n, got, want)


def test_pow_with_a_value_exponent_has_the_closed_form_hessian() -> None:
    for x, y in [(0.4, -1.3), (1.7, 0.6), (2.5, 2.0), (3.1, -0.2)]:
        lx = math.log(x)
        want = [[y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * lx)],
                [x ** (y - 1) * (1 + y * lx), x ** y * lx * lx]]
        got = hessian(lambda a, b: a ** b, [x, y])
        for i in range(2):
            for j in range(2):
                assert close(got[i][j], want[i][j], rel=1e-12), (x, y, i, j)


def test_mixed_third_partials_by_hand() -> None:
    # f = x^2 y^3 + x y: f_xyy = 12 x y, f_xxy = 6 y^2, f_yyy = 6 x^2, f_xxx = 0.
    x, y = Value(1.3), Value(-0.7)
    f = x * x * y ** 3 + x * y
    fx, fy = grad(f, [x, y], create_graph=True)
    fxy, fxx = grad(fx, [y, x], create_graph=True)
    (fyy,) = grad(fy, [y], create_graph=True)
    fxyy, fxxy = grad(fxy, [y, x])
    fxxx = grad(fxx, [x], allow_unused=True)[0]
    fyyy = grad(fyy, [y])[0]
    assert close(fxyy.data, 12 * 1.3 * -0.7)
    assert close(fxxy.data, 6 * 0.49)
    assert close(fyyy.data, 6 * 1.69)
    assert fxxx.data == 0.0


SMOOTH_UNARY = ["exp", "tanh", "sigmoid", "softplus", "sin", "cos", "neg"]


def _random_program(rng: random.Random, nin: int) -> list[tuple[str, list[int]]]:
    prog: list[tuple[str, list[int]]] = []
    n = nin
    for _ in range(rng.randint(4, 14)):
        r = rng.random()
        if r < 0.45:
            prog.append((rng.choice(SMOOTH_UNARY), [rng.randrange(n)]))
        elif r < 0.85:
            prog.append((rng.choice(["add", "sub", "mul"]), [rng.randrange(n), rng.randrange(n)]))
        else:
            op = rng.choice(["sum", "dot", "affine"])
            k = rng.randint(1, 3)
            size = {"sum": k, "dot": 2 * k, "affine": 2 * k + 1}[op]
            prog.append((op, [rng.randrange(n) for _ in range(size)]))  # repeats: shared uses
        n += 1
    return prog


def _run(prog: list[tuple[str, list[int]]], leaves: list[Value]) -> Value:
    from autograd_lite import apply

    nodes = list(leaves)
    for op, ins in prog:
        nodes.append(apply(RULES[op], [nodes[i] for i in ins]))
    # the last node plus an earlier one again: a shared sub-expression at the root
    return nodes[-1] + 0.5 * nodes[len(nodes) // 2]


def test_random_dags_with_shared_subexpressions_match_central_differences() -> None:
    rng = random.Random(2024)
    checked = 0
    for _ in range(80):
        nin = rng.randint(1, 4)
        xs = [rng.uniform(-1.0, 1.0) for _ in range(nin)]
        prog = _random_program(rng, nin)
        leaves = [Value(x) for x in xs]
        root = _run(prog, leaves)
        if not math.isfinite(root.data) or abs(root.data) > 1e3:
            continue
        root.backward()
        for i in range(nin):
            h = 1e-5
            up = list(xs)
            up[i] += h
            down = list(xs)
            down[i] -= h
            fd = (_run(prog, [Value(v) for v in up]).data
                  - _run(prog, [Value(v) for v in down]).data) / (2 * h)
            assert close(leaves[i].grad, fd, rel=1e-6, abs_=1e-7), (prog, i, leaves[i].grad, fd)
            checked += 1
    assert checked > 100


def test_kink_conventions_match_the_readme() -> None:
    for zero in (0.0, -0.0):
        a, b, c = Value(zero), Value(zero), Value(zero)
        (a.relu() + b.abs() + c.leaky_relu(0.3)).backward()
        assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.3)


def test_backward_twice_doubles_leaf_grads_and_recomputes_interior_ones() -> None:
    x, w = Value(1.3), Value(-0.7)
    h = (x * w).tanh()
    y = h * x + w  # x is used twice
    y.backward()
    gx, gw, gh = x.grad, w.grad, h.grad
    y.backward()
    t = math.tanh(1.3 * -0.7)
    assert close(gx, (1 - t * t) * -0.7 * 1.3 + t)
    assert close(gw, (1 - t * t) * 1.3 * 1.3 + 1)
    # leaves accumulate (up to rounding: the second call adds each use's share in turn)
    assert close(x.grad, 2 * gx) and close(w.grad, 2 * gw)
    assert h.grad == gh


def test_loss_gradients_are_closed_forms_at_extreme_logits() -> None:
    zs, ts = [-800.0, -40.0, 0.5, 40.0, 800.0], [1.0, 0.0, 0.3, 1.0, 0.0]
    vs = [Value(z) for z in zs]
    loss = binary_cross_entropy(vs, ts)
    want = sum(max(z, 0.0) + math.log1p(math.exp(-abs(z))) - t * z for z, t in zip(zs, ts)) / 5
    assert close(loss.data, want)
    loss.backward()
    for v, z, t in zip(vs, zs, ts):
        assert close(v.grad, (_s(z) - t) / 5, abs_=1e-15)
    rows = [[1e4, -1e4, 0.0], [3.0, 3.0, -700.0]]
    labels = [1, 0]
    svs = [[Value(s) for s in row] for row in rows]
    ce = cross_entropy(svs, labels)
    assert close(ce.data, (2e4 + math.log(2.0)) / 2)
    ce.backward()
    for row, vrow, label in zip(rows, svs, labels):
        m = max(row)
        z = math.fsum(math.exp(s - m) for s in row)
        for j, (s, v) in enumerate(zip(row, vrow)):
            assert close(v.grad, (math.exp(s - m) / z - (j == label)) / 2, abs_=1e-15)


def test_batchnorm_training_backward_is_the_closed_form() -> None:
    rng = random.Random(5)
    n, eps = 5, 1e-3
    bn = BatchNorm(2, eps=eps, momentum=0.1)
    bn.gamma[0].data, bn.gamma[1].data = 1.7, 0.6
    bn.beta[0].data, bn.beta[1].data = -0.2, 0.9
    X = [[rng.uniform(-3, 3), rng.uniform(-1, 4)] for _ in range(n)]
    W = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]  # dL/dy
    xs = [[Value(v) for v in row] for row in X]
    out = bn.forward_batch(xs)
    vsum([o * w for ro, rw in zip(out, W) for o, w in zip(ro, rw)]).backward()
    for j, gamma in enumerate((1.7, 0.6)):
        col = [row[j] for row in X]
        dy = [row[j] for row in W]
        mean = sum(col) / n
        var = sum((c - mean) ** 2 for c in col) / n  # biased in the normalisation
        inv = 1 / math.sqrt(var + eps)
        xhat = [(c - mean) * inv for c in col]
        mdy = sum(dy) / n
        mdyx = sum(d * xh for d, xh in zip(dy, xhat)) / n
        for i in range(n):
            assert close(out[i][j].data, gamma * xhat[i] + bn.beta[j].data)
            want = gamma * inv * (dy[i] - mdy - xhat[i] * mdyx)
            assert close(xs[i][j].grad, want, rel=1e-10, abs_=1e-12)
        assert close(bn.gamma[j].grad, sum(d * xh for d, xh in zip(dy, xhat)))
        assert close(bn.beta[j].grad, sum(dy))
        # running statistics: the variance is the unbiased one
        assert close(bn.running_mean[j], 0.1 * mean)
        assert close(bn.running_var[j], 0.9 + 0.1 * var * n / (n - 1))


def test_cosine_schedule_is_the_closed_form_then_held() -> None:
    sched = CosineLR(SGD([Value(0.0)], lr=0.7), total=7, min_lr=0.1)
    got = [sched.step() for _ in range(10)]
    want = [0.1 + 0.6 * (1 + math.cos(math.pi * k / 7)) / 2 for k in range(1, 8)] + [0.1] * 3
    assert all(close(a, b) for a, b in zip(got, want))


def test_plateau_never_counts_a_worse_negative_loss_as_an_improvement() -> None:
    # best = -10; -9.5 is worse, whatever the sign. (A threshold taken as best * (1 - th)
    # would accept it for negative losses: -9.5 < -10 * 0.9.)
    sched = ReduceLROnPlateau(SGD([Value(0.0)], lr=1.0), factor=0.5, patience=1, threshold=0.1)
    assert [sched.step(m) for m in [-10.0, -9.5, -9.5, -9.5, -9.5]] == [1.0, 1.0, 0.5, 0.5, 0.25]
