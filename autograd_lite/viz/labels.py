"""What the pictures say about one node or edge: numbers, chain-rule labels, kinks.

Every derivative shown comes from the rules table (``rule.partials`` on floats, and
``rule.input_names`` / ``rule.partial_formula`` for the text); nothing here knows a
derivative of its own or reads formula patterns itself.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from ..engine import Value

__all__ = ["at_kink", "contributions_text", "factor", "fmt", "local_partials", "partial_formula",
           "partial_formulas"]


def fmt(x: float) -> str:
    """A number the way pictures show it: 4 significant digits.

    >>> fmt(6.0), fmt(-0.123456), fmt(12346.0), fmt(1e-7), fmt(-0.0)
    ('6', '-0.1235', '1.235e+04', '1e-07', '0')
    """
    return format(x + 0.0, ".4g")  # + 0.0 turns -0.0 into 0.0


def factor(x: float) -> str:
    """A number as the right-hand factor of a product: ``(-3)`` rather than ``-3``.

    >>> f"2 × {factor(-3.0)}", f"2 × {factor(0.5)}"
    ('2 × (-3)', '2 × 0.5')
    """
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def esc(text: str) -> str:
    """Text made safe inside a graphviz HTML-like label."""
    return html.escape(text, quote=True)


def partial_formula(node: Value, k: int) -> str:
    """``∂/∂name = formula`` for input ``k`` of ``node``, from the rules table
    (``rule.input_names`` and ``rule.partial_formula``), with the op's parameter if any.

    >>> x, y = Value(2.0), Value(3.0)
    >>> partial_formula(x * y, 0), partial_formula(x * y, 1)
    ('∂/∂x = y', '∂/∂y = x')
    >>> partial_formula(x ** 3, 0)
    '∂/∂x = c * x**(c-1), c=3'
    >>> from autograd_lite.functional import dot
    >>> partial_formula(dot([x, y], [x, y], bias=x), 2)     # inputs b, w1, w2, x1, x2
    '∂/∂w2 = x2'
    """
    rule = node._rule
    if rule is None:
        return ""
    n = len(node._prev)
    text = f"∂/∂{rule.input_names(n)[k]} = {rule.partial_formula(k, n)}"
    if node._param is not None:
        text += f", {rule.param_name}={fmt(node._param)}"
    return text


def partial_formulas(node: Value) -> str:
    """Every partial of ``node``'s op, comma-separated (for tooltips and error messages).

    >>> partial_formulas(Value(2.0) * Value(3.0))
    'y, x'
    """
    rule = node._rule
    if rule is None:
        return ""
    n = len(node._prev)
    return ", ".join(rule.partial_formula(k, n) for k in range(n))


def local_partials(node: Value) -> list[float] | None:
    """d(node)/d(input k) as floats from the rules table, or ``None`` where undefined.

    >>> local_partials(Value(2.0) * Value(3.0))
    [3.0, 2.0]
    >>> local_partials(Value(0.0).sqrt()) is None     # sqrt'(0) is infinite
    True
    """
    rule = node._rule
    if rule is None:
        return []
    try:
        parts = rule.partials([p.data for p in node._prev], node.data, node._param)
        values = [float(p) for p in parts]
    except (ArithmeticError, ValueError):
        return None
    return values if all(math.isfinite(v) for v in values) else None


def at_kink(node: Value, rel: float = 1e-12) -> float | None:
    """The kink point of ``node``'s op its input sits on (``relu`` at 0), or ``None``.

    There the rules table uses a convention (``relu'(0) = 0``), not a true derivative.

    >>> at_kink(Value(0.0).relu()), at_kink(Value(1.0).relu())
    (0.0, None)
    """
    rule = node._rule
    if rule is None or not rule.kinks or len(node._prev) != 1:
        return None
    x = node._prev[0].data
    for k in rule.kinks:
        if abs(x - k) <= rel * max(1.0, abs(k)):
            return k
    return None


def contributions_text(parts: Sequence[float], limit: int = 4) -> str:
    """``"= 2 + 4"``: how a gradient is the sum of what its consumers sent back.

    >>> contributions_text([2.0, 4.0]), contributions_text([1.0] * 6)
    ('= 2 + 4', '= 1 + 1 + 1 + 1 + … (6 terms)')
    """
    shown = " + ".join(fmt(p) for p in parts[:limit])
    more = f" + … ({len(parts)} terms)" if len(parts) > limit else ""
    return f"= {shown}{more}".replace("+ -", "− ")
