"""Small graphs that several test modules draw, explain and check."""

from __future__ import annotations

from autograd_lite import Value


def lecture_graph() -> tuple[Value, dict[str, Value]]:
    """micrograd's lecture example ``L = (a*b + c) * f``: the root and every node by label.

    By hand: dL/da = b*f = 6, dL/db = a*f = -4, dL/dc = f = -2, dL/df = a*b + c = 4.
    """
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": L}
