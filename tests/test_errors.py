"""Every domain edge raises a clear error naming the op and the value; never a complex
number or a silent nan/inf; a failed backward leaves every ``.grad`` as it was.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite import RULES as LIVE_RULES
from autograd_lite import BackwardError, DomainError, Value, apply, detect_anomaly
from autograd_lite.ops import info

# The table as the package defines it, copied when this module is imported (before any test
# runs): other tests register throw-away ops at run time, some deliberately wrong.
RULES = dict(LIVE_RULES)

# --- forward domain edges --------------------------------------------------------------

FORWARD_ERRORS: list[tuple[str, Callable[[], Any], type[BaseException], list[str]]] = [
    ("log of 0", lambda: Value(0.0).log(), DomainError, ["log", "x = 0"]),
    ("log of negative", lambda: Value(-2.5).log(), DomainError, ["log", "x = -2.5"]),
    ("log function", lambda: al.log(-1), DomainError, ["log", "x = -1"]),
    ("sqrt of negative", lambda: Value(-4.0).sqrt(), DomainError, ["sqrt", "x = -4"]),
    ("sqrt of -tiny", lambda: Value(-1e-300).sqrt(), DomainError, ["sqrt", "x = -1e-300"]),
    ("x / 0", lambda: Value(1.5) / 0, ZeroDivisionError, ["div", "x = 1.5", "y = 0"]),
    ("x / Value(0)", lambda: Value(1.5) / Value(0.0), ZeroDivisionError, ["div", "y = 0"]),
    ("2 / Value(0)", lambda: 2 / Value(0.0), ZeroDivisionError, ["div", "x = 2", "y = 0"]),
    ("x / -0.0", lambda: Value(1.0) / Value(-0.0), ZeroDivisionError, ["div", "y = -0"]),
    ("0 ** -1", lambda: Value(0.0) ** -1, DomainError, ["powc", "x = 0", "c = -1"]),
    ("0 ** -0.5", lambda: Value(0.0) ** -0.5, DomainError, ["powc", "x = 0", "c = -0.5"]),
    ("0 ** Value(-2)", lambda: Value(0.0) ** Value(-2.0), DomainError, ["pow", "x = 0", "y = -2"]),
    ("0 ** Value(-2) number base", lambda: 0 ** Value(-2.0), DomainError,
     ["pow", "x = 0", "y = -2"]),
    ("(-8) ** (1/3)", lambda: Value(-8.0) ** (1 / 3), DomainError,
     ["powc", "x = -8", "c = 0.333333"]),
    ("(-8) ** Value(1/3)", lambda: Value(-8.0) ** Value(1 / 3), DomainError,
     ["pow", "x = -8", "y = 0.333333"]),
    ("-8 ** Value(0.5) number base", lambda: (-8) ** Value(0.5), DomainError,
     ["pow", "x = -8", "y = 0.5"]),
    ("exp overflow", lambda: Value(710.0).exp(), OverflowError, ["exp", "x = 710"]),
    ("exp function overflow", lambda: al.exp(1000), OverflowError, ["exp", "x = 1000"]),
    ("mul overflow", lambda: Value(1e200) * Value(1e200), OverflowError,
     ["mul", "x = 1e+200", "y = 1e+200"]),
    ("add overflow", lambda: Value(1e308) + 1e308, OverflowError, ["add", "x = 1e+308"]),
    ("div overflow", lambda: Value(1e300) / 1e-300, OverflowError, ["div", "y = 1e-300"]),
    ("powc overflow", lambda: Value(1e300) ** 2, OverflowError, ["powc", "x = 1e+300", "c = 2"]),
    ("pow overflow", lambda: 10 ** Value(400.0), OverflowError, ["pow", "x = 10", "y = 400"]),
    ("sum overflow", lambda: al.sum([1e308, 1e308]), OverflowError, ["sum"]),
    ("dot overflow", lambda: al.dot([1e200], [1e200]), OverflowError, ["dot"]),
    ("nan operand", lambda: Value(1.0) + float("nan"), ValueError, ["add", "nan"]),
    ("inf operand", lambda: float("inf") * Value(1.0), ValueError, ["mul", "inf"]),
    ("nan exponent", lambda: Value(1.0) ** float("nan"), ValueError, ["pow", "nan"]),
    ("inf exponent", lambda: Value(0.5) ** float("inf"), ValueError, ["pow", "inf"]),
    ("nan slope", lambda: Value(-1.0).leaky_relu(float("nan")), ValueError,
     ["leaky_relu", "nan"]),
    ("nan data", lambda: Value(float("nan")), ValueError, ["Value", "nan"]),
    ("inf data", lambda: Value(-math.inf), ValueError, ["Value", "inf"]),
    ("huge int data", lambda: Value(10 ** 400), OverflowError, ["Value", "int"]),
    ("dot layout", lambda: apply(RULES["dot"], [1.0, 2.0, 3.0]), ValueError, ["dot"]),
]


@pytest.mark.parametrize(("case", "fn", "error", "needles"), FORWARD_ERRORS,
                         ids=[c[0] for c in FORWARD_ERRORS])
def test_forward_domain_edges_raise_clear_errors(case: str, fn: Callable[[], Any],
                                                 error: type[BaseException],
                                                 needles: list[str]) -> None:
    with pytest.raises(error) as info:
        fn()
    message = str(info.value)
    for needle in needles:
        assert needle in message, (case, message)


def test_domain_error_is_a_value_error() -> None:
    assert issubclass(DomainError, ValueError)
    assert issubclass(BackwardError, ArithmeticError)


def test_a_failed_op_changes_nothing() -> None:
    x = Value(-1.0)
    x.grad = 0.5
    with pytest.raises(DomainError):
        x.log()
    assert (x.data, x.grad, x.parents) == (-1.0, 0.5, ())


# --- no input ever gives a complex number or a silent nan/inf ----------------------------

EDGE_INPUTS = [-1e300, -710.0, -3.0, -1.0, -0.5, -1e-300, -0.0, 0.0, 5e-324, 1e-300,
               0.5, 1.0, 2.0, 710.0, 1e300]


def _edge_cases(name: str) -> list[tuple[list[float], Any]]:
    rule = RULES[name]
    if rule.arity == 1:
        combos = [[x] for x in EDGE_INPUTS]
    elif rule.arity == 2:
        combos = [list(c) for c in itertools.product(EDGE_INPUTS, repeat=2)]
    else:   # n-ary: a few counts of repeated edge values, plus mixes
        combos = [[x] * n for x in EDGE_INPUTS for n in (1, 2, 3, 4)]
        combos += [list(c) for c in itertools.product(EDGE_INPUTS[::3], repeat=2)]
    return [(xs, p) for xs in combos for p in info(rule).params]


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_at_edge_inputs_gives_a_finite_float_or_a_clear_error(name: str) -> None:
    """Forward: a finite float, or ValueError/ArithmeticError naming the op.
    Backward: finite gradients, or BackwardError naming the op, with no .grad changed."""
    rule = RULES[name]
    for xs, param in _edge_cases(name):
        leaves = [Value(x) for x in xs]
        try:
            out = apply(rule, leaves, param)
        except (ValueError, ArithmeticError) as exc:
            assert name in str(exc), (xs, param, str(exc))
            continue
        assert type(out.data) is float and math.isfinite(out.data), (xs, param, out.data)
        for leaf in leaves:
            leaf.grad = 0.25
        try:
            out.backward()
        except BackwardError as exc:
            assert name in str(exc), (xs, param, str(exc))
            assert all(leaf.grad == 0.25 for leaf in leaves), (xs, param)
            continue
        for leaf in leaves:
            assert type(leaf.grad) is float and math.isfinite(leaf.grad), (xs, param)


# --- backward errors and conventions at non-differentiable points ------------------------

BACKWARD_ERRORS: list[tuple[str, Callable[[], Value], str]] = [
    ("sqrt'(0)", lambda: Value(0.0).sqrt(), "sqrt"),
    ("(x ** 0.5)' at 0", lambda: Value(0.0) ** 0.5, "powc"),
    ("(x ** 0.3)' at 0", lambda: Value(0.0) ** 0.3, "powc"),
    ("d(x**y)/dy at x < 0", lambda: Value(-2.0) ** Value(2.0), "pow"),
    ("d(x**y)/dy at x < 0, number exponent form", lambda: Value(-1.0) ** Value(3.0), "pow"),
    ("d(x**y)/dx at x = 0, y = 0.5", lambda: Value(0.0) ** Value(0.5), "pow"),
    ("d(x**y)/dy at x = 0, y = 0", lambda: Value(0.0) ** Value(0.0), "pow"),
    ("1/x at tiny x overflows", lambda: 1 / Value(1e-200), "div"),
    ("log'(x) at subnormal x overflows", lambda: Value(5e-324).log(), "log"),
]


@pytest.mark.parametrize(("case", "make"), [(c[0], c[1]) for c in BACKWARD_ERRORS],
                         ids=[c[0] for c in BACKWARD_ERRORS])
def test_backward_errors_name_the_op(case: str, make: Callable[[], Value]) -> None:
    op = next(c[2] for c in BACKWARD_ERRORS if c[0] == case)
    y = make()
    with pytest.raises(BackwardError, match=rf"backward through {op}\b"):
        y.backward()


def test_backward_error_names_the_label_and_the_creation_site_under_anomaly_mode() -> None:
    x = Value(0.0)
    with detect_anomaly():
        y = x.sqrt(); line = _lineno()  # noqa: E702
    y.label = "root"
    with pytest.raises(BackwardError) as info:
        (y * 2).backward()
    message = str(info.value)
    assert "sqrt (root = sqrt(x))" in message and "x = 0" in message
    assert f"test_errors.py:{line}" in message
    assert al.creation_site(y) is not None


def test_anomaly_mode_points_forward_errors_at_the_users_line() -> None:
    with detect_anomaly(), pytest.raises(DomainError) as info:
        line = _lineno() + 1
        Value(-1.0).log()
    assert f"test_errors.py:{line}" in str(info.value)


def _lineno() -> int:
    import sys
    return sys._getframe(1).f_lineno


def test_conventions_at_kinks() -> None:
    for x0 in (0.0, -0.0):
        x = Value(x0)
        x.relu().backward()
        assert x.grad == 0.0                 # relu'(0) = 0
        x = Value(x0)
        x.abs().backward()
        assert x.grad == 0.0                 # abs'(0) = 0
        for slope in (0.01, 0.2):
            x = Value(x0)
            x.leaky_relu(slope).backward()
            assert x.grad == slope           # leaky_relu'(0) = slope


def test_no_error_where_no_gradient_flows() -> None:
    # sqrt'(0) is infinite, but times a zero incoming gradient nothing is needed from it.
    x = Value(0.0)
    y = x.sqrt() * 0.0
    y.backward()
    assert x.grad == 0.0


def test_non_finite_seed_is_rejected_and_changes_nothing() -> None:
    x = Value(2.0)
    y = x * 3
    for seed in (math.inf, math.nan):
        # A bad seed is bad input, not an op's fault: named as the seed, not as mul.
        with pytest.raises(ValueError, match="backward: the seed"):
            y.backward(seed)
        with pytest.raises(ValueError, match="backward: the seed"):
            x.backward(seed)    # a leaf root too
        assert x.grad == 0.0


# --- a failed backward leaves no half-changed state ---------------------------------------


def test_failed_backward_leaves_every_grad_unchanged() -> None:
    a, b, z = Value(1.5), Value(-2.0), Value(0.0)
    # The root passes a gradient straight to the leaf a, and b gets one through the product,
    # before the walk reaches sqrt(z) and fails there.
    out = a + a * b + z.sqrt()
    a.grad, b.grad, z.grad = 10.0, 20.0, 30.0
    interior = [n for n in al.topological_order(out) if not n.is_leaf]
    for n in interior:
        n.grad = 7.0
    with pytest.raises(BackwardError, match="sqrt"):
        out.backward()
    assert (a.grad, b.grad, z.grad) == (10.0, 20.0, 30.0)
    assert all(n.grad == 7.0 for n in interior)


def test_failed_overflowing_backward_leaves_leaf_grads_unchanged() -> None:
    x, w = Value(1e-200), Value(3.0)
    out = w * x + 1 / x      # w gets x before 1/x overflows x's gradient
    w.grad = x.grad = 1.0
    with pytest.raises(BackwardError, match="div"):
        out.backward()
    assert (w.grad, x.grad) == (1.0, 1.0)


def test_backward_after_a_failure_works_once_the_input_is_fixed() -> None:
    x = Value(0.0)
    y = x.sqrt()
    with pytest.raises(BackwardError):
        y.backward()
    x2 = Value(4.0)
    y2 = x2.sqrt()
    y2.backward()
    assert x2.grad == 0.25


def test_error_messages_show_values_compactly() -> None:
    with pytest.raises(DomainError) as info:
        Value(-1.0 / 3.0).log()
    assert re.search(r"x = -0\.333333\b", str(info.value))
    with pytest.raises(OverflowError) as info2:
        al.sum([1e308] * 20)
    assert "20 inputs" in str(info2.value)


def test_failed_create_graph_backward_leaves_every_grad_unchanged() -> None:
    a, z = Value(1.5), Value(0.0)
    out = a * a + z.sqrt()
    a.grad, z.grad = 10.0, 30.0
    with pytest.raises(BackwardError, match="sqrt"):
        out.backward(create_graph=True)
    assert (a.grad, z.grad) == (10.0, 30.0)


def test_create_graph_backward_whose_leaf_sum_overflows_leaves_every_grad_unchanged() -> None:
    a, x = Value(2.0), Value(1.0)
    out = a + x              # a is given its gradient before x's sum overflows
    x.grad = 1e308
    with pytest.raises(OverflowError):
        out.backward(grad=1e308, create_graph=True)
    assert (a.grad, x.grad, out.grad) == (0.0, 1e308, 0.0)


def test_backprop_names_a_non_finite_seed_as_backward_does() -> None:
    x = Value(2.0)
    out = x * 3.0
    for create_graph in (False, True):
        with pytest.raises(ValueError, match="backprop: the seed must be finite"):
            al.backprop(out, math.nan, create_graph=create_graph)
    assert (x.grad, out.grad) == (0.0, 0.0)


def test_failed_backprop_leaves_every_grad_unchanged() -> None:
    a, z = Value(1.5), Value(0.0)
    out = a + z.sqrt()
    a.grad = 10.0
    for create_graph in (False, True):
        with pytest.raises(BackwardError, match="sqrt"):
            al.backprop(out, create_graph=create_graph)
        assert (a.grad, z.grad, out.grad) == (10.0, 0.0, 0.0)
