"""The numbers every check compares against: central differences, and the test of
"close enough" (PyTorch's: ``|a - n| <= atol + rtol * |n|``)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ..core import Rule
from ..ops import input_names

__all__ = ["StepFailed", "check_tolerances", "close", "difference", "inputs_text", "step"]


def step(x: float, eps: float) -> float:
    """The step for input ``x``: relative, so large inputs are not moved below their
    float resolution.

    >>> step(1000.0, 1e-6)
    0.001
    """
    return eps * max(1.0, abs(x))


class StepFailed(Exception):
    """A central difference needs a point where the function itself fails."""

    def __init__(self, x: float, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.x = x
        self.exc = exc


def check_tolerances(eps: Any, atol: Any, rtol: Any, fn: str) -> None:
    """A ValueError naming ``fn`` unless eps > 0 and atol, rtol >= 0 are finite numbers."""
    for what, v, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        if (isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v)
                or v < 0 or (low == "> 0" and v == 0)):
            raise ValueError(f"{fn}: {what} must be a finite number {low}, got {v!r}")


def close(a: float, n: float, atol: float, rtol: float) -> bool:
    """PyTorch's test: ``|a - n| <= atol + rtol * |n|``.

    >>> close(1.0001, 1.0, 1e-5, 1e-3), close(1.1, 1.0, 1e-5, 1e-3)
    (True, False)
    """
    return abs(a - n) <= atol + rtol * abs(n)


def difference(g: Callable[[list[float]], list[float]], xs: Sequence[float], j: int,
                h: float) -> list[float]:
    """``(g(x + h e_j) - g(x - h e_j)) / 2h`` for every output of ``g``: the one central
    difference that gradcheck, gradgradcheck and check_graph all use."""
    values = []
    for sign in (1.0, -1.0):
        moved = list(xs)
        moved[j] += sign * h
        try:
            values.append(g(moved))
        except (ArithmeticError, ValueError) as exc:
            raise StepFailed(moved[j], exc) from exc
    return [(p - m) / (2.0 * h) for p, m in zip(*values)]


def inputs_text(rule: Rule, args: Sequence[float], param: Any = None,
                names: Sequence[str] | None = None) -> str:
    """``a=0.5, b=2``: each input by its name in the graph (``names``), else by the rule's
    own name for it, with its value (at most 8, then a count).

    >>> from autograd_lite import RULES
    >>> inputs_text(RULES["powc"], [0.5], 3.0), inputs_text(RULES["mul"], [1, 2], None, "ab")
    ('x=0.5, c=3', 'a=1, b=2')
    """
    names = list(names) if names is not None else input_names(rule, len(args))
    shown = ", ".join(f"{n}={a:.6g}" for n, a in zip(names[:8], args[:8]))
    if len(args) > 8:
        shown += f", ... ({len(args)} inputs)"
    if param is not None and rule.param:
        shown += f", {rule.param}={param:.6g}"
    return shown
