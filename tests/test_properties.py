"""Property tests (hypothesis): random expression graphs against central differences, and
algebraic identities of derivatives.

Random graphs are DAGs with shared sub-expressions: a pool starts with the leaves, and each
new node applies a random rule from the table to random earlier nodes, so nodes get reused.
Ops come from ``RULES`` itself (a new op joins these tests with no new code). An op is used
only where its inputs lie inside the rule's declared ``sample`` intervals and away from its
``kinks``; elsewhere the node is ``tanh`` of its first input instead (always defined, and it
brings values back into range). The same recipe re-evaluated on floats is the oracle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import RULES as LIVE_RULES
from autograd_lite import Rule, Value, apply, backprop
from autograd_lite.ops import info

# The table as the package defines it, copied when this module is imported (before any test
# runs): other tests register throw-away ops at run time, some deliberately wrong.
RULES = dict(LIVE_RULES)

MARGIN = 0.1          # distance kept from sample-interval ends and kinks
FALLBACK = RULES["tanh"]
RULE_NAMES = sorted(RULES)


@dataclass
class Step:
    rule: Rule
    inputs: list[int]       # indices into the pool
    param: Any


def _usable(rule: Rule, xs: list[float]) -> bool:
    for i, x in enumerate(xs):
        sample = info(rule).sample
        lo, hi = sample[min(i, len(sample) - 1)]
        if not lo + MARGIN <= x <= hi - MARGIN:
            return False
        if any(abs(x - k) < MARGIN for k in info(rule).kinks):
            return False
    return True


def _n_inputs(rule: Rule, data: st.DataObject) -> int:
    if rule.arity >= 0:
        return rule.arity
    return data.draw(st.integers(1, 5), label="n-ary count")


def _fwd(rule: Any, xs: list[float], param: Any) -> float:
    """The rule's forward on floats (its parameter, if it has one, last)."""
    return float(rule.forward(*xs, *([param] if rule.param is not None else [])))


def _build(data: st.DataObject, n_leaves: int, n_ops: int,
           recent_bias: bool = False) -> tuple[list[float], list[Step]]:
    """Draw leaf values and a recipe of steps (which rule, which earlier nodes)."""
    leaves = data.draw(st.lists(st.floats(-2.5, 2.5), min_size=n_leaves, max_size=n_leaves),
                       label="leaves")
    values = list(leaves)
    steps: list[Step] = []
    for _ in range(n_ops):
        rule = RULES[data.draw(st.sampled_from(RULE_NAMES), label="op")]
        n = _n_inputs(rule, data)
        lo = max(0, len(values) - 3) if recent_bias else 0
        inputs = [data.draw(st.integers(lo, len(values) - 1), label="input") for _ in range(n)]
        param = data.draw(st.sampled_from(info(rule).params), label="param")
        xs = [values[i] for i in inputs]
        if _usable(rule, xs):
            try:
                out = _fwd(rule, xs, param)
            except (ValueError, ArithmeticError):
                out = None      # e.g. an input count the n-ary rule does not take
            if out is not None and math.isfinite(out) and abs(out) < 1e4:
                steps.append(Step(rule, inputs, param))
                values.append(out)
                continue
        steps.append(Step(FALLBACK, inputs[:1], None))
        values.append(_fwd(FALLBACK, xs[:1], None))
    return leaves, steps


def _sinks(n_leaves: int, steps: list[Step]) -> list[int]:
    used = {i for s in steps for i in s.inputs}
    return [i for i in range(n_leaves, n_leaves + len(steps)) if i not in used]


def _evaluate(leaves: list[float], steps: list[Step], override: dict[int, float] | None = None
              ) -> float:
    """The recipe as a pure float function (root = sum of the nodes nothing else uses)."""
    override = override or {}
    vals = [override.get(i, v) for i, v in enumerate(leaves)]
    for k, s in enumerate(steps):
        idx = len(leaves) + k
        vals.append(override[idx] if idx in override
                    else _fwd(s.rule, [vals[i] for i in s.inputs], s.param))
    return math.fsum(vals[i] for i in _sinks(len(leaves), steps))


def _record(leaves: list[float], steps: list[Step]) -> tuple[list[Value], Value]:
    pool = [Value(x) for x in leaves]
    for s in steps:
        pool.append(apply(s.rule, [pool[i] for i in s.inputs], s.param))
    return pool, al.sum([pool[i] for i in _sinks(len(leaves), steps)])


def _central(leaves: list[float], steps: list[Step], i: int, base: float) -> float:
    h = 1e-6 * max(1.0, abs(base))
    up = _evaluate(leaves, steps, {i: base + h})
    down = _evaluate(leaves, steps, {i: base - h})
    return (up - down) / (2 * h)


def _close(analytic: float, numeric: float, scale: float) -> bool:
    return abs(analytic - numeric) <= 1e-4 * abs(numeric) + 1e-6 * (1.0 + scale)


@given(st.data())
def test_random_dag_gradients_match_central_differences(data: st.DataObject) -> None:
    n_leaves = data.draw(st.integers(1, 4), label="n_leaves")
    leaves, steps = _build(data, n_leaves, data.draw(st.integers(1, 25), label="n_ops"))
    pool, root = _record(leaves, steps)
    assert root.data == _evaluate(leaves, steps)
    root.backward()
    scale = max(abs(v.data) for v in pool)
    # every node, leaves and interior alike: d(root)/d(node) by perturbing that node alone
    for i, node in enumerate(pool):
        numeric = _central(leaves, steps, i, node.data)
        assert _close(node.grad, numeric, scale), (i, node.op, node.grad, numeric)


@given(st.data())
def test_deep_random_chains_match_central_differences(data: st.DataObject) -> None:
    n_ops = data.draw(st.integers(50, 400), label="depth")
    leaves, steps = _build(data, 2, n_ops, recent_bias=True)
    pool, root = _record(leaves, steps)
    root.backward()
    scale = max(abs(v.data) for v in pool)
    for i in range(2):
        numeric = _central(leaves, steps, i, leaves[i])
        assert _close(pool[i].grad, numeric, scale), (i, pool[i].grad, numeric)


@given(st.data())
def test_differentiable_gradients_equal_float_gradients(data: st.DataObject) -> None:
    """The rules evaluated on Values (create_graph) give the same numbers as on floats."""
    leaves, steps = _build(data, 3, data.draw(st.integers(1, 15), label="n_ops"))
    pool, root = _record(leaves, steps)
    as_floats = backprop(root)
    as_values = backprop(root, create_graph=True)
    for node in pool:
        f = as_floats.get(id(node), 0.0)
        v = as_values.get(id(node), 0.0)
        vd = v.data if isinstance(v, Value) else v
        assert vd == f or math.isclose(vd, f, rel_tol=1e-12, abs_tol=1e-12), (node.op, f, vd)


@given(st.data())
def test_backward_twice_doubles_leaves_and_keeps_interior(data: st.DataObject) -> None:
    leaves, steps = _build(data, 2, data.draw(st.integers(1, 12), label="n_ops"))
    pool, root = _record(leaves, steps)
    root.backward()
    first = [v.grad for v in pool]
    root.backward()
    for v, g in zip(pool, first):
        if v.is_leaf:
            assert math.isclose(v.grad, 2 * g, rel_tol=1e-12, abs_tol=1e-12)
        else:
            assert v.grad == g


# --- algebraic identities -----------------------------------------------------------------

reals = st.floats(-10, 10, allow_nan=False)
positives = st.floats(0.01, 100)
away_from_zero = st.one_of(st.floats(-10, -0.01), st.floats(0.01, 10))


def _grads(f: Any, *xs: float) -> list[float]:
    vs = [Value(x) for x in xs]
    f(*vs).backward()
    return [v.grad for v in vs]


@given(reals, reals)
def test_product_rule_is_exact(x: float, y: float) -> None:
    assert _grads(lambda a, b: a * b, x, y) == [y, x]


@given(reals)
def test_sum_of_three_copies(x: float) -> None:
    assert _grads(lambda a: a + a + a, x) == [3.0]
    assert _grads(lambda a: a - a, x) == [0.0]
    assert _grads(lambda a: a.__neg__().__neg__(), x) == [1.0]   # -(-a)


@given(positives)
def test_exp_of_log_has_slope_one(x: float) -> None:
    assert math.isclose(_grads(lambda a: a.log().exp(), x)[0], 1.0, rel_tol=1e-13)
    assert math.isclose(_grads(lambda a: a.sqrt() ** 2, x)[0], 1.0, rel_tol=1e-13)


@given(st.floats(-5, 5))
def test_log_of_exp_has_slope_one(x: float) -> None:
    assert math.isclose(_grads(lambda a: a.exp().log(), x)[0], 1.0, rel_tol=1e-13)


@given(reals)
def test_sin_squared_plus_cos_squared_is_flat(x: float) -> None:
    assert abs(_grads(lambda a: a.sin() ** 2 + a.cos() ** 2, x)[0]) < 1e-14


@given(reals, away_from_zero)
def test_division_equals_multiplying_by_the_inverse(x: float, y: float) -> None:
    direct = _grads(lambda a, b: a / b, x, y)
    via_inverse = _grads(lambda a, b: a * b ** -1, x, y)
    for d, v in zip(direct, via_inverse):
        assert math.isclose(d, v, rel_tol=1e-12, abs_tol=1e-300)


@given(st.floats(0.1, 5), st.floats(-3, 3))
def test_power_with_value_exponent_equals_exp_of_y_log_x(x: float, y: float) -> None:
    direct = _grads(lambda a, b: a ** b, x, y)
    via_exp = _grads(lambda a, b: (b * a.log()).exp(), x, y)
    for d, v in zip(direct, via_exp):
        assert math.isclose(d, v, rel_tol=1e-10, abs_tol=1e-12)


@given(st.floats(0.1, 5), st.sampled_from([-2.0, -1.0, 0.5, 2.0, 3.0]))
def test_constant_exponent_equals_value_exponent(x: float, c: float) -> None:
    assert math.isclose(_grads(lambda a: a ** c, x)[0], _grads(lambda a: a ** Value(c), x)[0],
                        rel_tol=1e-14)


@given(st.floats(-8, 8))
def test_tanh_is_a_rescaled_sigmoid(x: float) -> None:
    # tanh(x) = 2 sigmoid(2x) - 1
    a = _grads(lambda v: v.tanh(), x)[0]
    b = _grads(lambda v: 2 * (2 * v).sigmoid() - 1, x)[0]
    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@given(st.floats(-20, 20))
def test_softplus_slope_is_sigmoid(x: float) -> None:
    assert math.isclose(_grads(lambda v: v.softplus(), x)[0], Value(x).sigmoid().data,
                        rel_tol=1e-14)


@given(away_from_zero, st.floats(0.0, 1.0))
def test_leaky_relu_is_a_combination_of_relus(x: float, slope: float) -> None:
    a = _grads(lambda v: v.leaky_relu(slope), x)[0]
    b = _grads(lambda v: v.relu() - slope * (-v).relu(), x)[0]
    assert a == b


@given(away_from_zero)
def test_abs_is_the_square_root_of_the_square(x: float) -> None:
    a = _grads(lambda v: abs(v), x)[0]
    b = _grads(lambda v: (v * v).sqrt(), x)[0]
    assert math.isclose(a, b, rel_tol=1e-12)


@given(st.lists(reals, min_size=1, max_size=20))
def test_fused_sum_has_unit_slopes_and_matches_fsum(xs: list[float]) -> None:
    vs = [Value(x) for x in xs]
    s = al.sum(vs)
    assert s.data == math.fsum(xs)
    s.backward()
    assert [v.grad for v in vs] == [1.0] * len(xs)


@given(st.lists(st.tuples(reals, reals), min_size=1, max_size=12), reals)
def test_fused_dot_gradients_are_the_other_vector(pairs: list[tuple[float, float]],
                                                  b: float) -> None:
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    bias = Value(b)
    y = al.dot(ws, xs, bias=bias)
    y.backward()
    assert [w.grad for w in ws] == [x for _, x in pairs]
    assert [x.grad for x in xs] == [w for w, _ in pairs]
    assert bias.grad == 1.0


@given(st.floats(-3, 3))
def test_second_derivative_of_a_cube(x: float) -> None:
    v = Value(x)
    first = backprop(v ** 3, create_graph=True)[id(v)]
    assert math.isclose(first.data, 3 * x * x, rel_tol=1e-12, abs_tol=1e-300)
    first.backward()
    assert math.isclose(v.grad, 6 * x, rel_tol=1e-12, abs_tol=1e-300)
