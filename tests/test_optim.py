"""Optimizers against their published update formulas, replayed by hand in plain floats, and
each one converging on a problem it suits."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.datasets import make_xor
from autograd_lite.nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    LevenbergMarquardt,
    Optimizer,
    RMSprop,
    Rprop,
    mse,
)
from autograd_lite.nn.optim import solve_linear

# A tiny problem with a hand-derived gradient: f(p) = sum_i c_i (p_i - t_i)^2 / 2 + p_0 p_1,
# so df/dp_0 = c_0 (p_0 - t_0) + p_1 and df/dp_1 = c_1 (p_1 - t_1) + p_0.
C, T, START = (3.0, 0.5), (1.0, -2.0), (0.7, -0.4)


def tiny_loss(ps: list[Value]) -> Value:
    return (C[0] * (ps[0] - T[0]) ** 2 / 2 + C[1] * (ps[1] - T[1]) ** 2 / 2 + ps[0] * ps[1])


def tiny_grad(p: list[float]) -> list[float]:
    return [C[0] * (p[0] - T[0]) + p[1], C[1] * (p[1] - T[1]) + p[0]]


def run(opt_factory: Callable[[list[Value]], Optimizer], steps: int) -> list[list[float]]:
    ps = [Value(v) for v in START]
    opt = opt_factory(ps)
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        tiny_loss(ps).backward()
        opt.step()
        trace.append([p.data for p in ps])
    return trace


def close(a: list[list[float]], b: list[list[float]]) -> bool:
    return all(math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)
               for ra, rb in zip(a, b) for x, y in zip(ra, rb)) and len(a) == len(b)


@pytest.mark.parametrize("momentum,nesterov,wd", [(0.0, False, 0.0), (0.9, False, 0.0),
                                                  (0.9, True, 0.1), (0.5, False, 0.2)])
def test_sgd_matches_formula(momentum: float, nesterov: bool, wd: float) -> None:
    lr, p, v, expected = 0.05, list(START), [0.0, 0.0], []
    for _ in range(5):
        g = tiny_grad(p)
        for i in range(2):
            gi = g[i] + wd * p[i]
            v[i] = momentum * v[i] + gi
            step = gi + momentum * v[i] if nesterov else (v[i] if momentum else gi)
            p[i] -= lr * step
        expected.append(list(p))
    got = run(lambda ps: SGD(ps, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=wd), 5)
    assert close(got, expected)


def test_rmsprop_matches_formula() -> None:
    lr, alpha, eps = 0.01, 0.9, 1e-8
    p, s, expected = list(START), [0.0, 0.0], []
    for _ in range(5):
        g = tiny_grad(p)
        for i in range(2):
            s[i] = alpha * s[i] + (1 - alpha) * g[i] ** 2
            p[i] -= lr * g[i] / (math.sqrt(s[i]) + eps)
        expected.append(list(p))
    assert close(run(lambda ps: RMSprop(ps, lr=lr, alpha=alpha, eps=eps), 5), expected)


@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_and_adamw_match_formula(decoupled: bool) -> None:
    lr, b1, b2, eps, wd = 0.1, 0.8, 0.95, 1e-8, 0.05
    p, m, v, expected = list(START), [0.0, 0.0], [0.0, 0.0], []
    for t in range(1, 6):
        g = tiny_grad(p)
        for i in range(2):
            if decoupled:
                p[i] -= lr * wd * p[i]
                gi = g[i]
            else:
                gi = g[i] + wd * p[i]
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            p[i] -= lr * (m[i] / (1 - b1 ** t)) / (math.sqrt(v[i] / (1 - b2 ** t)) + eps)
        expected.append(list(p))
    cls = AdamW if decoupled else Adam
    got = run(lambda ps: cls(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd), 5)
    assert close(got, expected)


def test_rprop_matches_formula() -> None:
    # Rprop without weight backtracking (Rprop-/iRprop-), the variant PyTorch implements.
    step0, (down, up), (lo, hi) = 0.1, (0.5, 1.2), (1e-6, 50.0)
    p, prev, size, expected, flips = list(START), [0.0, 0.0], [step0, step0], [], 0
    for _ in range(20):
        g = tiny_grad(p)
        for i in range(2):
            if g[i] * prev[i] > 0:
                size[i] = min(size[i] * up, hi)
            elif g[i] * prev[i] < 0:
                size[i] = max(size[i] * down, lo)
                g[i] = 0.0
                flips += 1
            p[i] -= math.copysign(size[i], g[i]) if g[i] else 0.0
            prev[i] = g[i]
        expected.append(list(p))
    got = run(lambda ps: Rprop(ps, lr=step0, etas=(down, up), step_sizes=(lo, hi)), 20)
    assert close(got, expected)
    assert flips >= 2  # signs flipped, so shrinking and the skipped update were exercised


@pytest.mark.parametrize(("lr", "bounds", "expected"), [
    (1.0, (1e-6, 0.2), [-0.2, -0.4, -0.6]),       # first step capped at the maximum
    (1e-7, (1e-6, 50.0), [-1e-6, -2.2e-6, -3.64e-6]),  # and raised to the minimum
])
def test_rprop_keeps_every_step_within_step_sizes(
        lr: float, bounds: tuple[float, float], expected: list[float]) -> None:
    # By hand, constant gradient +1: steps min(max(lr * 1.2**k, lo), hi) for k = 0, 1, 2.
    p = Value(0.0)
    opt = Rprop([p], lr=lr, step_sizes=bounds)
    seen = []
    for _ in range(3):
        p.grad = 1.0
        opt.step()
        seen.append(p.data)
    assert seen == pytest.approx(expected, rel=1e-12)


def test_levenberg_marquardt_step_matches_damped_gauss_newton() -> None:
    # Residuals r_i = a * exp(b * x_i) - y_i; J by hand: [exp(b x), a x exp(b x)].
    xs, ys = [0.0, 0.5, 1.0, 1.5], [1.0, 1.9, 3.1, 4.4]
    a, b = Value(1.5), Value(0.3)
    lm = LevenbergMarquardt([a, b], lambda: [a * (b * x).exp() - y for x, y in zip(xs, ys)],
                            damping=0.5)
    a0, b0 = a.data, b.data
    r = [a0 * math.exp(b0 * x) - y for x, y in zip(xs, ys)]
    J = [[math.exp(b0 * x), a0 * x * math.exp(b0 * x)] for x in xs]
    jtj = [[sum(row[i] * row[j] for row in J) for j in range(2)] for i in range(2)]
    jtr = [sum(row[i] * ri for row, ri in zip(J, r)) for i in range(2)]
    m = [[jtj[0][0] + 0.5, jtj[0][1]], [jtj[1][0], jtj[1][1] + 0.5]]
    det = m[0][0] * m[1][1] - m[0][1] * m[1][0]          # Cramer's rule, 2 x 2
    d0 = (-jtr[0] * m[1][1] + jtr[1] * m[0][1]) / det
    d1 = (-jtr[1] * m[0][0] + jtr[0] * m[1][0]) / det
    error = lm.step()
    assert math.isclose(a.data, a0 + d0, rel_tol=1e-12)
    assert math.isclose(b.data, b0 + d1, rel_tol=1e-12)
    assert math.isclose(error, sum((a.data * math.exp(b.data * x) - y) ** 2
                                   for x, y in zip(xs, ys)), rel_tol=1e-12)
    assert lm.damping == pytest.approx(0.05)   # accepted: damping went down
    assert a.grad == 0.0 and b.grad == 0.0     # the Jacobian pass leaves .grad alone


def test_levenberg_marquardt_rejects_a_worse_step_and_raises_damping() -> None:
    # r = p^2 - 4 from p = 0.1: the undamped Gauss-Newton step jumps to ~20, far worse.
    p = Value(0.1)
    lm = LevenbergMarquardt([p], lambda: [p * p - 4.0], damping=1e-6, max_tries=1)
    before = (0.1 * 0.1 - 4.0) ** 2
    assert lm.step() == pytest.approx(before)
    assert p.data == 0.1 and lm.damping == pytest.approx(1e-5)
    lm.max_tries = 20
    for _ in range(30):
        lm.step()
    assert p.data == pytest.approx(2.0, abs=1e-6)


def test_solve_linear_against_known_solution() -> None:
    rng = random.Random(3)
    n = 6
    a = [[rng.uniform(-1, 1) for _ in range(n)] for _ in range(n)]
    x = [rng.uniform(-2, 2) for _ in range(n)]
    b = [sum(a[i][j] * x[j] for j in range(n)) for i in range(n)]
    assert solve_linear(a, b) == pytest.approx(x, rel=1e-9, abs=1e-9)
    with pytest.raises(ZeroDivisionError, match="singular"):
        solve_linear([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0])


def xor_model(seed: int) -> MLP:
    return MLP(2, [4, 1], activation="tanh", seed=seed)


def train_xor(factory: Callable[[list[Value]], Optimizer], steps: int, seed: int = 0) -> float:
    X, y = make_xor()
    model = xor_model(seed)
    opt = factory(model.parameters())
    for _ in range(steps):
        loss = mse([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return max(abs(model(x).data - t) for x, t in zip(X, y))


@pytest.mark.parametrize("name,factory,steps", [
    ("SGD+momentum", lambda ps: SGD(ps, lr=0.1, momentum=0.9), 300),
    ("Nesterov", lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True), 300),
    ("RMSprop", lambda ps: RMSprop(ps, lr=0.02), 300),
    ("Adam", lambda ps: Adam(ps, lr=0.05), 300),
    ("AdamW", lambda ps: AdamW(ps, lr=0.05, weight_decay=1e-3), 300),
    ("Rprop", lambda ps: Rprop(ps, lr=0.05), 300),
])
def test_every_gradient_optimizer_solves_xor(name: str, factory: Callable[[list[Value]],
                                             Optimizer], steps: int) -> None:
    # Solved: every output on the right side of 0 with a margin (targets are -1/+1).
    assert train_xor(factory, steps) < 0.5, name


def test_levenberg_marquardt_solves_xor() -> None:
    X, y = make_xor()
    model = xor_model(0)
    lm = LevenbergMarquardt(model.parameters(),
                            lambda: [model(x) - t for x, t in zip(X, y)])
    for _ in range(30):
        lm.step()
    assert max(abs(model(x).data - t) for x, t in zip(X, y)) < 0.5


def test_levenberg_marquardt_needs_far_fewer_iterations_than_sgd() -> None:
    # Fit y = a sin(b x) + c to noiseless data; count iterations to reach error 1e-6.
    xs = [i / 5 for i in range(-10, 11)]
    ys = [1.5 * math.sin(0.8 * x) + 0.3 for x in xs]

    def fresh() -> tuple[list[Value], Callable[[], list[Value]]]:
        a, b, c = Value(1.0), Value(1.0), Value(0.0)
        return [a, b, c], lambda: [a * (b * x).sin() + c - y for x, y in zip(xs, ys)]

    def iterations(step: Callable[[], float], limit: int) -> int:
        for k in range(1, limit + 1):
            if step() < 1e-6:
                return k
        return limit + 1

    params, residuals = fresh()
    lm = LevenbergMarquardt(params, residuals)
    lm_iters = iterations(lm.step, 100)

    params, residuals = fresh()
    sgd = SGD(params, lr=0.01, momentum=0.9)

    def sgd_step() -> float:
        err = sum(r * r for r in residuals())
        sgd.zero_grad()
        err.backward()  # type: ignore[union-attr]
        sgd.step()
        return sum(r.data ** 2 for r in residuals())

    sgd_iters = iterations(sgd_step, 2000)
    assert lm_iters <= 20
    assert sgd_iters > 10 * lm_iters


@pytest.mark.parametrize("factory", [
    lambda ps: SGD(ps, lr=0.05, momentum=0.9), lambda ps: RMSprop(ps, lr=0.01),
    lambda ps: Adam(ps, lr=0.1), lambda ps: AdamW(ps, lr=0.1), lambda ps: Rprop(ps, lr=0.1),
])
def test_state_dict_round_trip_continues_identically(
        factory: Callable[[list[Value]], Optimizer]) -> None:
    ps = [Value(v) for v in START]
    opt = factory(ps)
    for _ in range(3):
        opt.zero_grad()
        tiny_loss(ps).backward()
        opt.step()
    saved = json.loads(json.dumps(opt.state_dict()))    # JSON-ready
    qs = [Value(p.data) for p in ps]
    clone = factory(qs)
    clone.load_state_dict(saved)
    for params, o in ((ps, opt), (qs, clone)):
        for _ in range(3):
            o.zero_grad()
            tiny_loss(params).backward()
            o.step()
    assert [p.data for p in ps] == [q.data for q in qs]


def test_load_state_dict_refuses_mismatches_and_changes_nothing() -> None:
    ps = [Value(1.0), Value(2.0)]
    opt = Adam(ps, lr=0.1)
    with pytest.raises(ValueError, match="Adam"):
        opt.load_state_dict(SGD(ps).state_dict())
    other = Adam([Value(1.0)], lr=0.5)
    other.state["exp_avg"] = [1.0]
    with pytest.raises(ValueError, match="2 finite numbers"):
        opt.load_state_dict(other.state_dict())
    broken = opt.state_dict()
    broken["hyper"]["lr"] = 0.7
    broken["state"] = {"exp_avg": ["x", 1.0]}
    with pytest.raises(ValueError, match="numbers"):
        opt.load_state_dict(broken)
    assert opt.lr == 0.1 and opt.state == {}


@pytest.mark.parametrize("make,match", [
    (lambda: SGD([Value(1.0)], lr=float("nan")), "lr"),
    (lambda: SGD([Value(1.0)], lr=-1), "lr"),
    (lambda: SGD([], lr=0.1), "no parameters"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), "nesterov"),
    (lambda: Adam([Value(1.0)], betas=(1.0, 0.9)), "betas"),
    (lambda: RMSprop([Value(1.0)], alpha=1.5), "alpha"),
    (lambda: Rprop([Value(1.0)], etas=(1.2, 0.5)), "etas"),
    (lambda: LevenbergMarquardt([Value(1.0)], list, up=0.5), "up"),
])
def test_bad_settings_are_refused(make: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_parameters_must_be_values() -> None:
    with pytest.raises(TypeError, match="Values"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]


def test_non_finite_gradient_raises_before_any_update() -> None:
    ps = [Value(1.0), Value(2.0)]
    ps[0].grad, ps[1].grad = 1.0, math.inf
    with pytest.raises(ValueError, match="gradient inf"):
        SGD(ps, lr=0.1).step()
    assert [p.data for p in ps] == [1.0, 2.0]


def test_a_refused_step_is_not_counted_so_adam_bias_correction_stays_right() -> None:
    # Adam by hand (Kingma & Ba, Algorithm 1) for gradients 2 then 1 at t = 1, 2; a step
    # refused in between (nan gradient) must change nothing, not even t.
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    p = Value(1.0)
    opt = Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    p.grad = 2.0
    opt.step()
    saved = {k: list(v) for k, v in opt.state.items()}
    after_one = p.data
    p.grad = float("nan")
    with pytest.raises(ValueError, match="nan"):
        opt.step()
    assert opt.steps == 1 and opt.state == saved and p.data == after_one
    p.grad = 1.0
    opt.step()
    assert opt.steps == 2
    x, m, v = 1.0, 0.0, 0.0
    for t, g in ((1, 2.0), (2, 1.0)):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x -= lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
    assert p.data == pytest.approx(x, rel=1e-12)


def test_a_refused_levenberg_marquardt_step_is_not_counted() -> None:
    a = Value(0.0)

    def residuals() -> list[Value]:
        raise ArithmeticError("residuals failed")

    lm = LevenbergMarquardt([a], residuals)
    with pytest.raises(ArithmeticError):
        lm.step()
    assert lm.steps == 0


def _adam_state() -> dict[str, object]:
    p = Value(1.0)
    opt = Adam([p, Value(2.0)], lr=0.1)
    p.grad = 1.0
    opt.step()
    return opt.state_dict()


@pytest.mark.parametrize("change,match", [
    (lambda s: s["hyper"].update(lr="0.1"), r"'lr' = '0.1'.*finite number"),
    (lambda s: s["hyper"].update(lr=-0.5), r"'lr' = -0.5.*>= 0"),
    (lambda s: s["hyper"].update(eps=float("nan")), r"'eps' = nan"),
    (lambda s: s["hyper"].update(betas=[0.9]), r"'betas' = \[0.9\].*2 finite numbers"),
    (lambda s: s["hyper"].update(betas=[0.9, 1.5]), r"'betas' = \[0.9, 1.5\].*\[0, 1\)"),
    (lambda s: s["hyper"].update(momentum=0.9), r"unknown setting 'momentum'"),
    (lambda s: s["state"].update(velocity=[0.0, 0.0]), r"unknown buffer 'velocity'"),
    (lambda s: s["state"].update(exp_avg=[0.0]), r"'exp_avg' must hold 2 finite"),
    (lambda s: s["state"].update(exp_avg=[0.0, float("inf")]), r"'exp_avg'.*inf"),
    (lambda s: s["state"].update(exp_avg=[True, 0.0]), r"'exp_avg'.*True"),
    (lambda s: s.update(steps=-1), r"'steps' must be an int in \[0, 9007199254740992\], got -1"),
    (lambda s: s.update(steps=10 ** 400), r"'steps' must be an int in \[0, 9007199254740992\]"),
    (lambda s: s.update(steps=1.5), r"'steps'.*1.5"),
    (lambda s: s.update(extra=1), r"unknown keys \['extra'\]"),
])
def test_optimizer_load_state_dict_validates_and_changes_nothing(
        change: Callable[[dict[str, object]], None], match: str) -> None:
    state = json.loads(json.dumps(_adam_state()))       # as read back from a file
    change(state)
    target = Adam([Value(5.0), Value(6.0)], lr=0.3)
    before = (target.lr, target.betas, target.eps, target.steps, dict(target.state))
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(state)
    assert (target.lr, target.betas, target.eps, target.steps, target.state) == before


def test_optimizer_load_state_dict_checks_settings_together() -> None:
    opt = SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov=True)
    state = opt.state_dict()
    state["hyper"]["momentum"] = 0.0            # fine alone, not with nesterov=True
    fresh = SGD([Value(1.0)], lr=0.2)
    with pytest.raises(ValueError, match="nesterov"):
        fresh.load_state_dict(state)
    assert (fresh.lr, fresh.momentum, fresh.nesterov) == (0.2, 0.0, False)
    state["hyper"]["nesterov"] = "yes"
    with pytest.raises(ValueError, match=r"'nesterov' = 'yes'.*True or False"):
        fresh.load_state_dict(state)
    good = SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov=True).state_dict()
    fresh.load_state_dict(json.loads(json.dumps(good)))
    assert (fresh.lr, fresh.momentum, fresh.nesterov) == (0.1, 0.9, True)
    lm_state = LevenbergMarquardt([Value(0.0)], lambda: []).state_dict()
    lm_state["hyper"]["max_tries"] = 2.5
    with pytest.raises(ValueError, match=r"'max_tries' = 2\.5.*an int"):
        LevenbergMarquardt([Value(0.0)], lambda: []).load_state_dict(lm_state)


# --- hostile input: every error names the optimizer, the parameter and the value, and a
# refused step changes nothing -------------------------------------------------------------


def _snapshot(opt: Optimizer) -> tuple[list[float], str]:
    return [p.data for p in opt.params], json.dumps(opt.state_dict(), allow_nan=False)


def test_a_finite_gradient_that_would_make_a_parameter_infinite_is_refused() -> None:
    # By float arithmetic 1e308 - 10 * 1e308 is -inf: the update cannot be represented.
    assert -math.inf == 1e308 - 10.0 * 1e308
    big, small = Value(1e308, label="w_big"), Value(1.0)
    opt = SGD([small, big], lr=10.0, momentum=0.5)
    small.grad, big.grad = 0.5, 1e308
    before = _snapshot(opt)
    with pytest.raises(ValueError, match=r"SGD\.step: the update would make parameter 1 "
                                         r"\('w_big'\) -inf.*nothing was changed"):
        opt.step()
    assert _snapshot(opt) == before and opt.steps == 0      # not even the other parameter


def test_adam_refuses_a_gradient_whose_square_overflows_and_stays_saveable() -> None:
    assert math.inf == (1e200 * 1e200)                       # what exp_avg_sq would hold
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    before = _snapshot(opt)
    p.grad = 1e200
    with pytest.raises(ValueError, match="exp_avg_sq of parameter 0 inf"):
        opt.step()
    assert _snapshot(opt) == before                          # still finite, still JSON
    p.grad = 1.0
    opt.step()
    assert opt.steps == 2 and math.isfinite(p.data)


OPTIMIZERS: list[Callable[[list[Value]], Optimizer]] = [
    lambda ps: SGD(ps, lr=1e5, momentum=0.9, nesterov=True, weight_decay=1e3),
    lambda ps: RMSprop(ps, lr=1e5, weight_decay=1e3),
    lambda ps: Adam(ps, lr=1e5, weight_decay=1e3),
    lambda ps: AdamW(ps, lr=10.0, weight_decay=1e3),
    lambda ps: Rprop(ps, lr=1e5, step_sizes=(1e-6, 1e300)),
]


@settings(max_examples=60)
@given(st.lists(st.floats(-1e300, 1e300), min_size=2, max_size=2),
       st.lists(st.floats(-1e300, 1e300), min_size=2, max_size=2),
       st.integers(0, len(OPTIMIZERS) - 1))
def test_every_optimizer_step_is_all_finite_or_refused_unchanged(
        data: list[float], grads: list[float], which: int) -> None:
    ps = [Value(v) for v in data]
    opt = OPTIMIZERS[which](ps)
    for _ in range(2):
        for p, g in zip(ps, grads):
            p.grad = g
        before = _snapshot(opt)
        try:
            opt.step()
        except ValueError as e:
            assert "nothing was changed" in str(e)
            assert _snapshot(opt) == before
        else:
            assert all(math.isfinite(p.data) for p in ps)
            json.dumps(opt.state_dict(), allow_nan=False)    # every state stays saveable


@pytest.mark.parametrize("make,error,match", [
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov="yes"), ValueError,
     "SGD: nesterov must be True or False, got 'yes'"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=0.9, nesterov=1), ValueError, "nesterov"),
    (lambda: SGD([Value(1.0)], lr=True), ValueError, "SGD: lr must be a finite number"),
    (lambda: SGD([Value(1.0)], lr="0.1"), ValueError, "SGD: lr must be a finite number"),
    (lambda: SGD([Value(1.0)], lr=10 ** 400), ValueError, "SGD: lr"),
    (lambda: SGD([Value(1.0)], momentum=float("inf")), ValueError, "momentum"),
    (lambda: RMSprop([Value(1.0)], alpha=float("nan")), ValueError, "RMSprop: alpha"),
    (lambda: RMSprop([Value(1.0)], eps=-1.0), ValueError, "RMSprop: eps"),
    (lambda: Adam([Value(1.0)], betas=0.9), ValueError, "Adam: betas must be two finite"),
    (lambda: Adam([Value(1.0)], betas=(0.9, float("nan"))), ValueError, "betas"),
    (lambda: AdamW([Value(1.0)], weight_decay=-0.1), ValueError, "AdamW: weight_decay"),
    (lambda: Rprop([Value(1.0)], step_sizes=(0.0, 1.0)), ValueError, "step_sizes"),
    (lambda: Rprop([Value(1.0)], etas="ab"), ValueError, "Rprop: etas"),
    (lambda: LevenbergMarquardt([Value(1.0)], lambda: [], max_tries=2.5), ValueError,
     "max_tries"),
    (lambda: LevenbergMarquardt([Value(1.0)], lambda: [], down=float("nan")), ValueError,
     "down"),
    (lambda: LevenbergMarquardt([Value(1.0)], [1.0]), TypeError, "residuals must be a"),
    (lambda: SGD(Value(1.0)), TypeError, "got one Value"),
    (lambda: SGD([Value(1.0), 2.0]), TypeError, "position 1"),
])
def test_bad_arguments_name_the_optimizer_and_the_value(make: Callable[[], object],
                                                        error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make()


def test_an_interior_node_or_a_repeated_parameter_is_refused() -> None:
    w = Value(2.0, label="w")
    for make in (SGD, Adam, RMSprop, Rprop):
        with pytest.raises(ValueError, match=r"parameter 1 is the result of 'mul', not a leaf"):
            make([w, w * 3.0])
        with pytest.raises(ValueError, match=r"parameter 1 \('w'\) is the same Value as "
                                             r"parameter 0"):
            make([w, w])


def test_numpy_scalars_are_accepted_as_settings() -> None:
    np = pytest.importorskip("numpy")
    p = Value(1.0)
    opt = SGD([p], lr=np.float32(0.1), momentum=np.float64(0.5), nesterov=np.bool_(True))
    p.grad = 2.0
    opt.step()
    lr = float(np.float32(0.1))                    # the float32 rate, exactly as given
    v = 2.0                                        # first velocity: the gradient
    assert p.data == pytest.approx(1.0 - lr * (2.0 + 0.5 * v), rel=1e-15)
    assert type(opt.lr) is float and opt.nesterov is True
    json.dumps(opt.state_dict())                   # plain Python numbers: saveable


def test_a_rate_decayed_to_zero_still_saves_and_loads() -> None:
    opt = SGD([Value(1.0)], lr=0.0)
    state = json.loads(json.dumps(opt.state_dict()))
    other = SGD([Value(1.0)], lr=0.5)
    other.load_state_dict(state)
    assert other.lr == 0.0


def test_levenberg_marquardt_puts_everything_back_on_an_interrupt() -> None:
    a = Value(0.0)
    calls = 0

    def residuals() -> list[Value]:
        nonlocal calls
        calls += 1
        if calls == 2:                      # the first trial point is being evaluated
            raise KeyboardInterrupt
        return [a - 3.0, a * 2.0 - 6.0]

    lm = LevenbergMarquardt([a], residuals, damping=0.5)
    with pytest.raises(KeyboardInterrupt):
        lm.step()
    assert (a.data, lm.damping, lm.steps) == (0.0, 0.5, 0)


def test_levenberg_marquardt_surfaces_an_error_that_is_not_a_domain_error() -> None:
    a = Value(0.0)
    calls = 0

    def residuals() -> list[Value]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise ValueError("the data file changed under me")
        return [a - 3.0]

    lm = LevenbergMarquardt([a], residuals)
    with pytest.raises(ValueError, match="data file"):
        lm.step()
    assert a.data == 0.0


def test_levenberg_marquardt_moves_residuals_that_use_grad() -> None:
    # Fit a in f(x) = a x^2 to slopes measured at x_i: f'(x_i) = 2 a x_i = 6 x_i, so a = 3.
    # The residuals are linear in a: one Gauss-Newton step (tiny damping) lands on it.
    from autograd_lite import grad

    a = Value(0.5)
    xs = [0.5, 1.0, 2.0]

    def residuals() -> list[Value]:
        out = []
        for xi in xs:
            x = Value(xi)
            (slope,) = grad(a * x ** 2, x, create_graph=True)
            out.append(slope - 6.0 * xi)
        return out

    lm = LevenbergMarquardt([a], residuals, damping=1e-9)
    error = lm.step()
    assert a.data == pytest.approx(3.0, rel=1e-6) and error < 1e-9


def test_levenberg_marquardt_explains_residuals_that_are_plain_numbers() -> None:
    a = Value(1.0)
    lm = LevenbergMarquardt([a], lambda: [a - 1.0, 0.5])
    with pytest.raises(TypeError, match=r"residual 1 is 0.5 of type float, not a Value"):
        lm.step()
    one = LevenbergMarquardt([a], lambda: a * 2.0 - 4.0)     # one bare Value is fine
    one.step()
    assert a.data == pytest.approx(2.0, rel=1e-3)


# --- settings outside their meaningful range; parameters named as the model names them -----


@pytest.mark.parametrize("make,match", [
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=2), r"SGD: momentum must be a finite number "
                                                    r"in \[0, 1\), got 2"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), r"SGD: momentum .* got 1\.0"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), r"SGD: momentum .* got -0\.5"),
    (lambda: RMSprop([Value(1.0)], eps=0.0), r"RMSprop: eps must be a finite number > 0, got 0"),
    (lambda: RMSprop([Value(1.0)], alpha=1.0), r"RMSprop: alpha .*\[0, 1\), got 1\.0"),
    (lambda: Adam([Value(1.0)], eps=0), r"Adam: eps must be a finite number > 0, got 0"),
    (lambda: AdamW([Value(1.0)], eps=-1e-8), r"AdamW: eps"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), r"Adam: betas must be in \[0, 1\)"),
    (lambda: Adam([Value(1.0)], betas=(-0.1, 0.9)), r"Adam: betas must be in \[0, 1\)"),
])
def test_settings_outside_their_meaningful_range_are_refused(make: Callable[[], object],
                                                             match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_momentum_just_below_one_is_still_accepted_and_follows_the_formula() -> None:
    # The boundary is open at 1, not below it: mu = 0.999 replayed by hand for two steps.
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.999)
    p.grad = 2.0
    opt.step()
    opt.step()                                    # v1 = 2; v2 = 0.999 * 2 + 2
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0 - 0.1 * (0.999 * 2.0 + 2.0), rel=1e-15)


def test_a_state_with_a_setting_out_of_range_is_refused_unchanged() -> None:
    opt = SGD([Value(1.0)], lr=0.1, momentum=0.5)
    state = opt.state_dict()
    state["hyper"]["momentum"] = 1.5
    with pytest.raises(ValueError, match=r"setting 'momentum' = 1\.5"):
        opt.load_state_dict(state)
    assert opt.momentum == 0.5


def test_optimizers_take_named_parameters_and_errors_use_the_names() -> None:
    model = MLP(2, [2, 1], seed=0)
    named = model.named_parameters()
    for make in (lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps, lr=0.1), Rprop, RMSprop):
        opt = make(named)
        assert opt.params == model.parameters()            # the same Values, same order
        assert opt.param_names == [n for n, _ in named]
    opt = SGD(named, lr=1e308)
    before = [p.data for p in model.parameters()]
    for p in model.parameters():
        p.grad = 0.0
    third_name, third = named[3]
    third.grad = -1e308 if third.data >= 0 else 1e308      # x - lr g overflows, by hand
    with pytest.raises(ValueError, match=rf"SGD\.step: the update would make parameter "
                                         rf"'{third_name}' "):
        opt.step()
    third.grad = math.nan
    with pytest.raises(ValueError, match=rf"SGD\.step: parameter '{third_name}' has gradient "
                                         rf"nan; nothing was changed"):
        opt.step()
    assert [p.data for p in model.parameters()] == before and opt.steps == 0
    w = Value(1.0, label="w")
    with pytest.raises(ValueError, match=r"parameter 'a' is the same Value as parameter 'b'"):
        SGD([("b", w), ("a", w)])
    with pytest.raises(TypeError, match=r"got float for 'x' at position 0"):
        SGD([("x", 1.0)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"expected a list of parameters.*named_parameters"):
        SGD({"w": w})  # type: ignore[arg-type]
