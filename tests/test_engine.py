"""Engine semantics: accumulation, reuse, modes, operand types, deep graphs, fused nodes.

Oracles: hand derivations and closed forms (written next to each assertion), Python's math.
"""

from __future__ import annotations

import asyncio
import math
import re
import sys
import threading
from decimal import Decimal
from fractions import Fraction

import pytest

import autograd_lite as al
from autograd_lite import (
    Value,
    backprop,
    enable_grad,
    is_grad_enabled,
    no_grad,
    topological_order,
)

# --- accumulation semantics (PyTorch's) -------------------------------------------------


def test_backward_twice_doubles_leaf_grads_but_recomputes_interior_grads() -> None:
    x = Value(3.0)
    y = Value(-2.0)
    h = x * y            # interior
    out = h * h          # out = (xy)^2: d/dx = 2 x y^2 = 24, d/dy = 2 x^2 y = -36, d/dh = 2h
    out.backward()
    assert (x.grad, y.grad, h.grad) == (24.0, -36.0, -12.0)
    out.backward()
    assert (x.grad, y.grad) == (48.0, -72.0)   # leaves accumulate
    assert h.grad == -12.0                       # interior recomputed, not doubled
    assert out.grad == 1.0


def test_backward_seed_scales_gradients() -> None:
    x = Value(1.5)
    (x * x).backward(-2.0)
    assert x.grad == -6.0   # seed * 2x


def test_backward_of_a_leaf_adds_the_seed() -> None:
    x = Value(4.0)
    x.backward()
    x.backward(2)
    assert x.grad == 3.0


def test_zero_grad_clears_the_whole_graph() -> None:
    a, b = Value(2.0), Value(5.0)
    c = a * b
    d = c + a
    d.backward()
    assert a.grad == 6.0 and b.grad == 2.0 and c.grad == 1.0
    d.zero_grad()
    assert [n.grad for n in (a, b, c, d)] == [0.0, 0.0, 0.0, 0.0]
    d.backward()
    assert a.grad == 6.0   # back to a single backward's value


# --- reuse and shared sub-expressions ---------------------------------------------------


def test_a_node_used_twice_in_one_op() -> None:
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    a = Value(-1.25)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(0.7)
    (b - b).backward()
    assert b.grad == 0.0
    c = Value(2.0)
    (c / c).backward()
    assert c.grad == pytest.approx(0.0, abs=1e-15)


def test_diamond_graph_sums_both_paths() -> None:
    # x -> a = x^2 -> (b = a*3, c = sin a) -> d = b + c
    # dd/dx = (3 + cos(x^2)) * 2x
    x = Value(0.9)
    a = x ** 2
    d = a * 3 + a.sin()
    d.backward()
    assert x.grad == pytest.approx((3 + math.cos(0.81)) * 1.8, rel=1e-14)
    assert a.grad == pytest.approx(3 + math.cos(0.81), rel=1e-14)


def test_shared_subexpression_used_at_different_depths() -> None:
    # s = x*y; out = s * (s + x)  => d/dx = y(s + x) + s(y + 1), d/dy = x(s + x) + s x
    x, y = Value(1.5), Value(-0.5)
    s = x * y
    out = s * (s + x)
    out.backward()
    sv = 1.5 * -0.5
    assert x.grad == pytest.approx(-0.5 * (sv + 1.5) + sv * (-0.5 + 1), rel=1e-14)
    assert y.grad == pytest.approx(1.5 * (sv + 1.5) + sv * 1.5, rel=1e-14)


def test_x_plus_x_plus_x_and_repeated_reuse() -> None:
    x = Value(2.0)
    (x + x + x).backward()
    assert x.grad == 3.0
    x = Value(1.1)
    y = x
    for _ in range(50):
        y = y * x          # x ** 51
    y.backward()
    assert x.grad == pytest.approx(51 * 1.1 ** 50, rel=1e-12)


def test_topological_order_lists_each_node_once_parents_first() -> None:
    x = Value(1.0)
    a = x + 1
    b = a * x
    c = b + a
    order = topological_order(c)
    assert len(order) == len({id(n) for n in order})
    pos = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            assert pos[id(p)] < pos[id(n)]
    assert order[-1] is c


# --- operands: numbers on either side, exponents ------------------------------------------


def test_numbers_on_either_side() -> None:
    x = Value(4.0)
    cases = [
        (2 - x, -2.0, -1.0), (x - 2, 2.0, 1.0),
        (2 + x, 6.0, 1.0), (x + 2, 6.0, 1.0),
        (2 * x, 8.0, 2.0), (x * 2, 8.0, 2.0),
        (2 / x, 0.5, -2 / 16), (x / 2, 2.0, 0.5),
        (2 ** x, 16.0, 16 * math.log(2)), (x ** 2, 16.0, 8.0),
        (-x, -4.0, -1.0), (+x, 4.0, 1.0), (abs(-x), 4.0, 1.0),
    ]
    for y, value, slope in cases:
        x.grad = 0.0
        y.backward()
        assert y.data == pytest.approx(value, rel=1e-15)
        assert x.grad == pytest.approx(slope, rel=1e-14)


def test_value_exponent_gradients() -> None:
    # z = x ** y: dz/dx = y x^(y-1), dz/dy = x^y log x
    x, y = Value(1.7), Value(-0.6)
    z = x ** y
    z.backward()
    assert z.data == pytest.approx(1.7 ** -0.6, rel=1e-15)
    assert x.grad == pytest.approx(-0.6 * 1.7 ** -1.6, rel=1e-14)
    assert y.grad == pytest.approx(1.7 ** -0.6 * math.log(1.7), rel=1e-14)


def test_power_edge_cases() -> None:
    x = Value(0.0)
    y = x ** 0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)     # x**0 is the constant 1
    x = Value(0.0)
    y = x ** 1
    y.backward()
    assert (y.data, x.grad) == (0.0, 1.0)
    x = Value(-3.0)
    y = x ** 3
    y.backward()
    assert (y.data, x.grad) == (-27.0, 27.0)  # integer exponents work for negative bases
    x = Value(-2.0)
    y = x ** -2
    y.backward()
    assert (y.data, x.grad) == (0.25, 0.25)   # -2 x^-3 = 0.25
    # 0 ** y with y > 0: value 0, d/dx = y*0^(y-1) (0 for y > 1), d/dy = 0 (the limit)
    x, e = Value(0.0), Value(2.0)
    z = x ** e
    z.backward()
    assert (z.data, x.grad, e.grad) == (0.0, 0.0, 0.0)
    # 0 ** 1 with a Value exponent: d/dx = 1
    x, e = Value(0.0), Value(1.0)
    (x ** e).backward()
    assert x.grad == 1.0
    # x ** y with y = 0 and x > 0: d/dx = 0, d/dy = log x
    x, e = Value(3.0), Value(0.0)
    (x ** e).backward()
    assert (x.grad, e.grad) == (0.0, pytest.approx(math.log(3.0)))


def test_negative_zero_is_kept() -> None:
    z = Value(-0.0)
    assert math.copysign(1.0, z.data) == -1.0
    assert math.copysign(1.0, (z * 1).data) == -1.0
    z.abs().backward()
    assert z.grad == 0.0      # abs'(0) = 0 for -0.0 as well


def test_data_accepts_ints_bools_and_other_reals() -> None:
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(True).data == 1.0 and type(Value(True).data) is float
    assert Value(False).data == 0.0
    assert Value(Fraction(1, 3)).data == 1 / 3
    assert type((Value(1.0) + True).data) is float
    assert (Value(2.0) * Fraction(1, 4)).data == 0.5
    assert (Value(2.0) ** Fraction(1, 2)).data == math.sqrt(2.0)
    assert (Fraction(1, 2) - Value(2.0)).data == -1.5


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0], (1.0,), {"x": 1}, Decimal("1.5")])
def test_data_rejects_non_numbers_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_non_builtin_types_are_named_with_their_module() -> None:
    with pytest.raises(TypeError, match=r"of type decimal\.Decimal"):
        Value(1.0) * Decimal("2")


def test_value_as_data_is_rejected() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["2", None, 1j, [2.0]])
def test_operands_reject_non_numbers_naming_op_and_type(bad: object) -> None:
    x = Value(1.0)
    for op, fn in [("add", lambda: x + bad), ("add", lambda: bad + x),
                   ("mul", lambda: x * bad), ("sub", lambda: bad - x),
                   ("div", lambda: x / bad), ("pow", lambda: x ** bad)]:
        with pytest.raises(TypeError) as info:
            fn()
        assert op in str(info.value) and type(bad).__name__ in str(info.value)


def test_comparisons_use_data_equality_is_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a < 2 and a <= b and b >= a and not a > b
    assert a != b and a == a
    assert len({a, b}) == 2


def test_float_of_a_value_is_refused_so_math_cannot_cut_the_graph() -> None:
    """``x * math.exp(x)`` would silently give d/dx = exp(x) instead of (1 + x) exp(x):
    as in micrograd, a Value is not a float (its number is ``.data``)."""
    x = Value(3.0, label="x")
    for use in (float, math.exp, math.sqrt, lambda v: math.log(v)):
        with pytest.raises(TypeError, match=r"use v\.data for the number"):
            use(x)
    for call, use in (("int()", int), ("round()", round), ("round()", lambda v: round(v, 2))):
        with pytest.raises(TypeError, match=rf"{re.escape(call)} of a Value \(3\.0\).*v\.data"):
            use(x)
    assert (int(x.data), round(x.data, 2)) == (3, 3.0)
    y = x * x.exp()
    y.backward()
    assert x.grad == pytest.approx((1 + 3.0) * math.exp(3.0), rel=1e-15)


def test_micrograd_style_op_extension_is_refused_with_the_way_to_do_it() -> None:
    """The lecture adds ops by passing _children and setting out._backward: here the
    rules table records inputs, so both are refused (never a gradient silently left at 0)."""
    x = Value(2.0)
    with pytest.raises(TypeError, match="register_op"):
        Value(x.data ** 3, (x,), "cube")
    out = x * x
    with pytest.raises(AttributeError, match="register_op"):
        out._backward = lambda: None  # type: ignore[method-assign]


def test_manual_backward_steps_node_by_node_equal_backward() -> None:
    """micrograd's lecture: set o.grad = 1 and call _backward() on each node in reverse
    topological order; the leaves' grads equal backward()'s (and the tanh derivative by
    hand)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.grad = 1.0
    for node in reversed(al.topological_order(o)):
        node._backward()
    by_hand = {x1: w1.data, w1: x1.data, x2: w2.data, w2: x2.data, b: 1.0}
    local = 1 - math.tanh(n.data) ** 2
    for leaf, partial in by_hand.items():
        assert leaf.grad == pytest.approx(local * partial, rel=1e-12, abs=1e-15)
    manual = [leaf.grad for leaf in by_hand]
    for leaf in by_hand:
        leaf.grad = 0.0
    o.backward()
    assert [leaf.grad for leaf in by_hand] == manual


# --- modes ------------------------------------------------------------------------------


def test_no_grad_records_nothing_and_restores() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        with enable_grad():
            assert is_grad_enabled()
            z = x * 3
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.is_leaf and y.parents == () and y.op == "" and y.data == 5.0
    assert not z.is_leaf
    y.backward()
    assert x.grad == 0.0       # nothing connects y to x
    z.backward()
    assert x.grad == 3.0


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()


def test_no_grad_in_one_thread_does_not_affect_another() -> None:
    inside = threading.Event()
    checked = threading.Event()
    seen: dict[str, bool] = {}

    def worker() -> None:
        with no_grad():
            inside.set()
            checked.wait(5)
            seen["worker"] = is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    seen["main"] = is_grad_enabled()
    y = Value(1.0) * 2
    seen["main_records"] = not y.is_leaf
    checked.set()
    t.join(5)
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_no_grad_in_one_async_task_does_not_affect_another() -> None:
    async def quiet(ready: asyncio.Event, done: asyncio.Event) -> bool:
        with no_grad():
            ready.set()
            await done.wait()
            return is_grad_enabled()

    async def loud(ready: asyncio.Event, done: asyncio.Event) -> tuple[bool, bool]:
        await ready.wait()
        records = not (Value(1.0) + 1).is_leaf
        enabled = is_grad_enabled()
        done.set()
        return enabled, records

    async def main() -> tuple[bool, tuple[bool, bool]]:
        ready, done = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(quiet(ready, done), loud(ready, done))  # type: ignore[return-value]

    quiet_enabled, (loud_enabled, loud_records) = asyncio.run(main())
    assert quiet_enabled is False
    assert loud_enabled is True and loud_records is True


def test_detach_cuts_the_graph() -> None:
    x = Value(3.0, label="x")
    y = x * x
    d = y.detach()
    assert d.is_leaf and d.data == 9.0 and d is not y
    out = d * x          # = 9x as far as gradients go
    out.backward()
    assert x.grad == 9.0
    assert d.grad == 3.0


# --- deep chains: no recursion ------------------------------------------------------------


def test_million_node_chain_builds_and_backpropagates() -> None:
    # y = x ** c, applied n times: y_n = x ** (c^n), dy_n/dx = c^n x^(c^n - 1) (closed form).
    # One node per step (the exponent is a parameter, not a node).
    n = 1_000_000
    c = 1.0 + 1e-7
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y ** c
    assert len(topological_order(y)) == n + 1
    y.backward()
    p = c ** n
    assert y.data == pytest.approx(0.5 ** p, rel=1e-8)
    assert x.grad == pytest.approx(p * 0.5 ** (p - 1), rel=1e-8)
    y.zero_grad()
    assert x.grad == 0.0


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    return depth


def test_graph_walks_use_no_recursion() -> None:
    """With the recursion limit just above the current stack depth, every walk over a
    5,000-deep chain still works: none of them recurses."""
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = (y * 0.9).sin()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + 40)
    try:
        y.backward()
        first = x.grad
        y.zero_grad()
        floats = backprop(y)[id(x)]
        second = backprop(y, create_graph=True)[id(x)]
        order = topological_order(y)
    finally:
        sys.setrecursionlimit(limit)
    # closed form: y_k = sin(0.9 y_{k-1}), dy/dx = prod 0.9 cos(0.9 y_{k-1})
    value, slope = 0.5, 1.0
    for _ in range(5000):
        slope *= 0.9 * math.cos(0.9 * value)
        value = math.sin(0.9 * value)
    assert y.data == pytest.approx(value, rel=1e-12)
    assert first == pytest.approx(slope, rel=1e-9)
    assert floats == first and second.data == pytest.approx(first, rel=1e-12)
    assert len(order) == 3 * 5000 + 1


# --- fused n-ary nodes ----------------------------------------------------------------------


def test_sum_is_one_node_with_unit_gradients() -> None:
    xs = [Value(float(i)) for i in range(10)]
    s = al.sum([*xs, xs[0], 2.5])     # a repeated input and a number
    assert s.op == "sum" and len(s.parents) == 12
    assert s.data == pytest.approx(sum(range(10)) + 2.5)
    (s * 2).backward()
    assert xs[0].grad == 4.0 and all(x.grad == 2.0 for x in xs[1:])


def test_dot_is_one_node_with_correct_gradients() -> None:
    ws = [Value(w) for w in (0.5, -1.0, 2.0)]
    xs = [Value(x) for x in (3.0, 4.0, -0.5)]
    y = al.dot(ws, xs)
    assert y.op == "dot" and len(y.parents) == 6
    assert y.data == 0.5 * 3 - 4 - 1
    y.backward()
    assert [w.grad for w in ws] == [3.0, 4.0, -0.5]
    assert [x.grad for x in xs] == [0.5, -1.0, 2.0]


def test_dot_with_bias_is_one_affine_node() -> None:
    ws = [Value(2.0), Value(-3.0)]
    b = Value(0.25)
    y = al.dot(ws, [1.5, 2.0], bias=b)
    assert y.op == "affine" and len(y.parents) == 5
    assert y.data == 0.25 + 3.0 - 6.0
    (y * y).backward()      # d/dw_i = 2y x_i, d/db = 2y
    assert b.grad == 2 * y.data
    assert [w.grad for w in ws] == [2 * y.data * 1.5, 2 * y.data * 2.0]


def test_dot_with_shared_weights_and_inputs() -> None:
    w = Value(3.0)
    y = al.dot([w, w], [w, 2.0])     # w*w + 2w: d/dw = 2w + 2 = 8
    y.backward()
    assert y.data == 15.0 and w.grad == 8.0


def test_dot_length_mismatch_and_empty_inputs_are_errors() -> None:
    with pytest.raises(ValueError, match=r"dot.*2.*3"):
        al.dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="dot"):
        al.dot([], [])
    with pytest.raises(ValueError, match="sum"):
        al.sum([])


def test_sum_and_dot_match_chains_of_binary_nodes() -> None:
    ws = [Value(0.1 * i - 0.4) for i in range(9)]
    xs = [Value(0.3 * i + 0.2) for i in range(9)]
    fused = al.dot(ws, xs, bias=ws[0])
    chain = ws[0]
    for w, x in zip(ws, xs):
        chain = chain + w * x
    assert fused.data == pytest.approx(chain.data, rel=1e-14)
    fused.backward()
    fused_grads = [v.grad for v in ws + xs]
    for v in ws + xs:
        v.grad = 0.0
    chain.backward()
    assert fused_grads == pytest.approx([v.grad for v in ws + xs], rel=1e-14)


# --- graph introspection ---------------------------------------------------------------------


def test_node_introspection() -> None:
    x = Value(2.0, label="x")
    y = x ** 3
    assert (y.op, y._op, y.param, y.parents, y.is_leaf) == ("powc", "**", 3.0, (x,), False)
    assert (x.op, x._op, x.param, x.parents, x.is_leaf) == ("", "", None, (), True)
    assert "label='x'" in repr(x) and "data=2.0" in repr(x)
    # micrograd's constructor signature still works (children and op are ignored)
    assert Value(1.0, (), "").data == 1.0
