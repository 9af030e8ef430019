"""The core's errors, and the one place their wording comes from.

The core detects what went wrong and with which node; *how to say it* is a layer above it:
``autograd_lite.messages`` installs a :class:`Wording` that names nodes as the user does
(labels, formulas of unlabelled inputs). The plain wording here keeps the core usable alone.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .rules import DomainError, Rule

if TYPE_CHECKING:
    from .value import Value

__all__ = ["BackwardError", "DomainError", "Wording", "leaf_data", "number", "refuse_backward",
           "use", "wording"]


class BackwardError(ArithmeticError):
    """A derivative that does not exist, or a NaN/inf gradient, met during backward."""


class Wording:
    """Builds every exception the core raises. Subclass and install with ``use`` to change
    the words; the core passes nodes and values, never text."""

    def bad_number(self, op: str, what: str, value: Any) -> Exception:
        """``value`` was given where a finite real number is needed."""
        return TypeError(f"{op}: {what} must be a finite real number, got {value!r}")

    def bad_data(self, op: str, node: Value) -> Exception:
        """An input's ``.data`` was set to something that is not a finite float."""
        return TypeError(f"{op}: an input's .data is {node.data!r}, not a float")

    def forward_failed(self, rule: Rule, inputs: Sequence[Value], param: Any,
                       exc: BaseException | None) -> Exception:
        """``rule.forward`` raised (``exc``) or gave a NaN/inf (``exc`` is None)."""
        shown = ", ".join(repr(x.data) for x in inputs)
        kind = ZeroDivisionError if isinstance(exc, ZeroDivisionError) else (
            OverflowError if isinstance(exc, OverflowError) or exc is None else DomainError)
        return kind(f"{rule.name}({shown}): {exc or 'the result is not finite'}")

    def undefined_derivative(self, node: Value, exc: BaseException) -> BackwardError:
        """The local derivative of ``node`` does not exist at its inputs."""
        return BackwardError(f"backward through {node.op}: {exc}")

    def gradient_not_finite(self, node: Value, gradient: Any, culprit: Value | None,
                            index: int, upstream: float = 0.0) -> BackwardError:
        """The gradient reaching ``node`` is NaN or inf. ``culprit`` is the node whose
        gradient ``upstream`` times its partial for input ``index`` was not finite (None:
        the sum over uses overflowed, or a leaf's old ``.grad`` plus the new one did)."""
        return BackwardError(f"backward: the gradient of a {node.op or 'leaf'} node is "
                             f"{gradient!r}")

    def input_made_later(self, node: Value, parent: Value) -> BackwardError:
        """``parent``, an input of ``node``, was made after it (a cycle, or ``.parents``
        edited by hand): backward takes nodes in the reverse of the order they were made."""
        return BackwardError(f"backward: an input of a {node.op or 'leaf'} node was made "
                             "after it (a cycle, or .parents changed by hand)")

    def float_of_value(self, node: Value, how: str = "float()") -> Exception:
        """``float(v)``, ``int(v)``, ``round(v)`` or ``math.exp(v)`` on a Value: it would
        leave the graph silently. ``how`` names the call."""
        return TypeError(f"{how} of a Value ({node.data!r}): math.* or {how} would take "
                         "the number and drop it from the graph; use v.data for the number, "
                         "or v.exp(), v.log() ... to stay in the graph")

    def bad_grad(self, node: Value) -> Exception:
        """A leaf's ``.grad`` cannot be added to (the user set it to something else)."""
        return TypeError(f"backward: a leaf's .grad is {node.grad!r}, not a number")


wording = Wording()


def use(new: Wording) -> None:
    """Install ``new`` as the wording of every error the core raises."""
    global wording
    wording = new


def number(x: Any, op: str, what: str) -> float:
    """``x`` as a finite float, or the error that names ``op`` and ``x``."""
    if type(x) is float and x - x == 0.0:
        return x
    if isinstance(x, numbers.Real):  # int, bool, Fraction, numpy floats; not a Value
        try:
            f = float(x)
        except OverflowError:
            f = math.inf
        if f - f == 0.0:
            return f
    raise wording.bad_number(op, what, x)


def refuse_backward(node: Any, value: Any) -> None:
    """``out._backward = closure`` (micrograd's way to add an op) is refused, with the way."""
    raise AttributeError("Value._backward comes from the rules table and cannot be set; to "
                         "add an op with its own derivative, use autograd_lite.register_op("
                         "name, forward, derivative) (README: How to add an op)")


def leaf_data(data: Any, children: Any, label: Any) -> float:
    """Check ``Value(data, _children, _op, label)``'s arguments; return ``data`` as a float.

    >>> leaf_data(2, (), "x")
    2.0
    >>> leaf_data(2.0, "x", "")
    Traceback (most recent call last):
    ...
    TypeError: Value: the second argument is micrograd's _children; pass a label by keyword: ...
    """
    if isinstance(children, str):
        raise TypeError(f"Value: the second argument is micrograd's _children; pass a label "
                        f"by keyword: Value({data!r}, label={children!r})")
    if children:  # micrograd's way to add an op; here the rule table records the inputs
        raise TypeError("Value: _children given; autograd_lite records an op's inputs itself. "
                        "To add an op with its own derivative, use autograd_lite.register_op("
                        "name, forward, derivative) (README: How to add an op)")
    if not isinstance(label, str):
        raise TypeError(f"Value: label must be a str, got {label!r} of type "
                        f"{type(label).__name__}")
    return number(data, "Value", "data")
