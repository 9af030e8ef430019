"""Every rule in the table, tested from the table.

For each entry of ``autograd_lite.rules.RULES`` (so a newly registered op is tested with no
new test code) and each of its declared ``params``:

* the forward value is compared with an independent reference written here with Python's
  ``math`` (a rule with no reference fails: whoever adds an op adds its reference);
* each local partial derivative is compared with a central finite difference of the forward;
* the partials evaluated on Values (the higher-order path) give the same numbers as on floats.

Inputs are drawn from the rule's ``sample`` intervals, kept away from its ``kinks``. n-ary rules
are tried with several input counts; the reference decides which counts make sense (``dot``
takes ``w..., x...``, ``affine`` takes ``b, w..., x...``) and the rule must reject the others.

The Value-level API (operators, methods, functions) must produce the same node as the rule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite import RULES as LIVE_RULES
from autograd_lite import Rule, Value, apply
from autograd_lite.ops import info


def forward(rule: Rule, xs: Sequence[Any], param: Any) -> float:
    """The rule's forward on floats, its parameter (if it has one) passed last."""
    return float(rule.forward(*xs, *([param] if rule.param is not None else [])))


def partials(rule: Rule, xs: Sequence[Any], out: Any, param: Any) -> list[Any]:
    """The rule's local derivatives at ``xs`` (floats or Values) with result ``out``."""
    return list(rule.partials(out, *xs, *([param] if rule.param is not None else [])))

# The table as the package defines it, copied when this module is imported (before any test
# runs): other tests register throw-away ops at run time, some deliberately wrong.
RULES = dict(LIVE_RULES)

# --- independent references -------------------------------------------------------------
# reference(xs, param) -> float. Raise ValueError for an input count the op does not take.


def _pairs(xs: Sequence[float], skip: int) -> tuple[list[float], list[float]]:
    body = list(xs[skip:])
    if not body or len(body) % 2:
        raise ValueError("needs w1..wn then x1..xn")
    n = len(body) // 2
    return body[:n], body[n:]


def _ref_dot(xs: Sequence[float], p: Any) -> float:
    ws, vs = _pairs(xs, 0)
    return math.fsum(w * v for w, v in zip(ws, vs))


def _ref_affine(xs: Sequence[float], p: Any) -> float:
    if not xs:
        raise ValueError("needs a bias")
    ws, vs = _pairs(xs, 1)
    return math.fsum([xs[0], *(w * v for w, v in zip(ws, vs))])


def _ref_sum(xs: Sequence[float], p: Any) -> float:
    if not xs:
        raise ValueError("needs at least one input")
    return math.fsum(xs)


REFERENCE: dict[str, Callable[[Sequence[float], Any], float]] = {
    "add": lambda xs, p: xs[0] + xs[1],
    "sub": lambda xs, p: xs[0] - xs[1],
    "mul": lambda xs, p: xs[0] * xs[1],
    "div": lambda xs, p: xs[0] / xs[1],
    "neg": lambda xs, p: -xs[0],
    "powc": lambda xs, c: math.pow(xs[0], c),
    "pow": lambda xs, p: math.pow(xs[0], xs[1]),
    "exp": lambda xs, p: math.exp(xs[0]),
    "log": lambda xs, p: math.log(xs[0]),
    "sqrt": lambda xs, p: math.sqrt(xs[0]),
    "tanh": lambda xs, p: math.tanh(xs[0]),
    "sigmoid": lambda xs, p: 1.0 / (1.0 + math.exp(-xs[0])),
    "relu": lambda xs, p: max(xs[0], 0.0),
    "leaky_relu": lambda xs, slope: xs[0] if xs[0] > 0 else slope * xs[0],
    "softplus": lambda xs, p: math.log(1.0 + math.exp(xs[0])),
    "sin": lambda xs, p: math.sin(xs[0]),
    "cos": lambda xs, p: math.cos(xs[0]),
    "abs": lambda xs, p: math.fabs(xs[0]),
    "sum": _ref_sum,
    "dot": _ref_dot,
    "affine": _ref_affine,
}

SAMPLES_PER_CASE = 12
NARY_COUNTS = range(0, 8)
KINK_MARGIN = 0.05


def _sample_inputs(rule: Rule, n: int, rng: random.Random) -> list[float]:
    """``n`` inputs from the rule's sample intervals (the last interval repeats for n-ary
    rules), each at least KINK_MARGIN away from every kink."""
    xs = []
    for i in range(n):
        sample = info(rule).sample
        lo, hi = sample[min(i, len(sample) - 1)]
        while True:
            x = rng.uniform(lo, hi)
            if all(abs(x - k) > KINK_MARGIN for k in info(rule).kinks):
                break
        xs.append(x)
    return xs


def _valid_counts(rule: Rule) -> list[int]:
    if rule.arity >= 0:
        return [rule.arity]
    counts = []
    ref = REFERENCE[rule.name]
    for n in NARY_COUNTS:
        try:
            ref([0.5] * n, None)
        except ValueError:
            continue
        counts.append(n)
    return counts


def _cases(rule: Rule, seed: int) -> list[tuple[list[float], Any]]:
    rng = random.Random(seed)
    return [(_sample_inputs(rule, n, rng), param)
            for param in info(rule).params
            for n in _valid_counts(rule)
            for _ in range(SAMPLES_PER_CASE)]


def _central_difference(rule: Rule, xs: list[float], i: int, param: Any) -> float:
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (forward(rule, up, param) - forward(rule, down, param)) / (up[i] - down[i])


RULE_NAMES = sorted(RULES)


def test_every_rule_has_a_reference() -> None:
    missing = sorted(set(RULES) - set(REFERENCE))
    assert not missing, f"add a math reference to tests/test_rules.py for: {missing}"


@pytest.mark.parametrize("name", RULE_NAMES)
def test_forward_matches_math(name: str) -> None:
    rule = RULES[name]
    assert name in REFERENCE, f"rule {name!r} has no reference in tests/test_rules.py"
    assert _valid_counts(rule), f"{name}: the reference accepts no input count"
    for xs, param in _cases(rule, seed=1):
        expected = REFERENCE[name](xs, param)
        assert forward(rule, xs, param) == pytest.approx(expected, rel=1e-12, abs=1e-12), (
            name, xs, param)
        # Through the engine too: the node carries the same value.
        node = apply(rule, [Value(x) for x in xs], param)
        assert node.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert node.op == name


@pytest.mark.parametrize("name", [n for n in RULE_NAMES if RULES[n].arity < 0])
def test_nary_rule_rejects_input_counts_its_reference_rejects(name: str) -> None:
    rule = RULES[name]
    valid = set(_valid_counts(rule))
    for n in NARY_COUNTS:
        if n in valid or n == 0:
            continue  # empty input lists are rejected by the public functions
        with pytest.raises(ValueError, match=name):
            apply(rule, [Value(0.5)] * n)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_partials_match_central_differences(name: str) -> None:
    rule = RULES[name]
    for xs, param in _cases(rule, seed=2):
        out = forward(rule, xs, param)
        parts = partials(rule, xs, out, param)
        assert len(parts) == len(xs), (name, xs)
        for i, d in enumerate(parts):
            numeric = _central_difference(rule, xs, i, param)
            assert float(d) == pytest.approx(numeric, rel=1e-5, abs=1e-6), (name, xs, param, i)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_partials_on_values_equal_partials_on_floats(name: str) -> None:
    rule = RULES[name]
    for xs, param in _cases(rule, seed=3):
        floats = partials(rule, xs, forward(rule, xs, param), param)
        values = [Value(x) for x in xs]
        out = apply(rule, values, param)
        on_values = partials(rule, values, out, param)
        assert len(on_values) == len(floats)
        for f, v in zip(floats, on_values):
            vd = v.data if isinstance(v, Value) else float(v)
            assert vd == pytest.approx(f, rel=1e-12, abs=1e-15), (name, xs, param)


@pytest.mark.parametrize("name", RULE_NAMES)
def test_backward_applies_the_rule(name: str) -> None:
    """One node's backward gives ``seed * partial`` to each input."""
    rule = RULES[name]
    for xs, param in _cases(rule, seed=4)[:6]:
        values = [Value(x) for x in xs]
        out = apply(rule, values, param)
        out.backward(2.5)
        parts = partials(rule, xs, out.data, param)
        for v, d in zip(values, parts):
            assert v.grad == pytest.approx(2.5 * float(d), rel=1e-12, abs=1e-15)


def test_rule_table_entries_are_complete() -> None:
    for name, rule in RULES.items():
        assert rule.name == name
        described = info(rule)
        assert rule.symbol and described.formula and described.domain
        assert described.partials, name
        if rule.arity >= 0:
            assert len(rule.inputs) == rule.arity, name
            assert len(described.partials) == rule.arity, name
            assert len(described.sample) in (1, rule.arity), name
        assert described.params, name
        assert (described.params == (None,)) == (rule.param is None), name


# --- the Value-level API builds the same nodes as the rules ---------------------------------
# (rule name, how a user reaches it, number of Value inputs)
API: list[tuple[str, Callable[..., Any], int]] = [
    ("add", lambda a, b: a + b, 2),
    ("add", lambda a, b: a + b.data, 2),   # number on the right: b becomes a constant
    ("add", lambda a, b: a.data + b, 2),   # number on the left
    ("sub", lambda a, b: a - b, 2),
    ("sub", lambda a, b: a - b.data, 2),
    ("sub", lambda a, b: a.data - b, 2),
    ("mul", lambda a, b: a * b, 2),
    ("mul", lambda a, b: a * b.data, 2),
    ("mul", lambda a, b: a.data * b, 2),
    ("div", lambda a, b: a / b, 2),
    ("div", lambda a, b: a / b.data, 2),
    ("div", lambda a, b: a.data / b, 2),
    ("neg", lambda a: -a, 1),
    ("pow", lambda a, b: a ** b, 2),
    ("pow", lambda a, b: a.data ** b, 2),
    ("pow", lambda a, b: pow(a, b), 2),
    ("abs", lambda a: abs(a), 1),
    ("sum", lambda a, b: al.sum([a, b, a]), 2),
    ("dot", lambda a, b: al.dot([a, b], [b, 2.0]), 2),
    ("affine", lambda a, b: al.dot([a], [b], bias=a), 2),
]


def _api_inputs(rule: Rule, n: int, rng: random.Random) -> list[float]:
    if rule.arity == n:
        return _sample_inputs(rule, n, rng)
    # n-ary rules reached with a fixed pattern: sample from the first interval.
    return [rng.uniform(0.5, 2.0) for _ in range(n)]


def _check_api_node(name: str, fn: Callable[..., Any], n: int, seed: int) -> None:
    rule = RULES[name]
    rng = random.Random(seed)
    for _ in range(5):
        xs = _api_inputs(rule, n, rng)
        values = [Value(x) for x in xs]
        out = fn(*values)
        assert out.op == name
        parent_data = [p.data for p in out.parents]
        assert out.data == forward(rule, parent_data, out.param)
        # gradients: chain the rule's partials by hand (inputs may appear several times)
        out.backward()
        expected = {id(v): 0.0 for v in values}
        for p, d in zip(out.parents, partials(rule, parent_data, out.data, out.param)):
            if id(p) in expected:
                expected[id(p)] += float(d)
        for v in values:
            assert v.grad == pytest.approx(expected[id(v)], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("name", "fn", "n"), API, ids=[f"{a[0]}-{i}" for i, a in enumerate(API)])
def test_operator_and_function_api_matches_rule(name: str, fn: Callable[..., Any],
                                                n: int) -> None:
    _check_api_node(name, fn, n, seed=5)


def test_pow_with_number_exponent_is_powc_for_every_param() -> None:
    rule = RULES["powc"]
    for c in info(rule).params:
        x = Value(1.7)
        y = x ** c
        assert y.op == "powc" and y.param == c
        assert y.data == pytest.approx(math.pow(1.7, c), rel=1e-15)
        y.backward()
        assert x.grad == pytest.approx(c * math.pow(1.7, c - 1), rel=1e-12)


@pytest.mark.parametrize("name", [n for n in RULE_NAMES if RULES[n].arity == 1])
def test_unary_methods_and_functions_match_rule(name: str) -> None:
    """``Value.<name>()`` and ``autograd_lite.<name>(x)``, wherever they exist, are the rule."""
    rule = RULES[name]
    entry_points: list[Callable[[Value, Any], Value]] = []
    if callable(getattr(Value, name, None)):
        entry_points.append(lambda v, p: (getattr(v, name)(p) if p is not None
                                          else getattr(v, name)()))
    if callable(getattr(al, name, None)) and name != "sum":
        entry_points.append(lambda v, p: (getattr(al, name)(v, p) if p is not None
                                          else getattr(al, name)(v)))
    for call in entry_points:
        for xs, param in _cases(rule, seed=6)[:8]:
            v = Value(xs[0])
            out = call(v, param)
            assert out.op == name
            assert out.data == forward(rule, xs, param)
            out.backward()
            assert v.grad == pytest.approx(float(partials(rule, xs, out.data, param)[0]),
                                           rel=1e-12, abs=1e-15)


def test_every_public_unary_function_accepts_plain_numbers() -> None:
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "sin", "cos"):
        out = getattr(al, name)(1.25)
        assert out.data == pytest.approx(REFERENCE[name]([1.25], None), rel=1e-12)
        assert isinstance(out, Value)
    assert al.leaky_relu(-2, 0.5).data == -1.0


def test_a_rule_whose_partials_do_not_match_its_inputs_is_refused() -> None:
    """One partial for two inputs would leave the second gradient at 0: refused up front."""
    with pytest.raises(ValueError, match="must give 2 derivatives"):
        al.core.define("half_mul", lambda x, y: x * y, lambda out, x, y: (y,))
    with pytest.raises(ValueError, match="partials must take"):
        al.core.define("short_mul", lambda x, y: x * y, lambda out, x: (x, x))
    assert "half_mul" not in LIVE_RULES and "short_mul" not in LIVE_RULES


def test_rules_name_their_inputs_from_the_forward() -> None:
    for name, rule in RULES.items():
        if rule.arity >= 0:
            assert all(n.isidentifier() for n in rule.inputs), name
    assert RULES["mul"].inputs == ("x", "y") and RULES["powc"].param == "c"
