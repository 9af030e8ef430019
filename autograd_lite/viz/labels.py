"""What the pictures say about one node or edge: numbers, chain-rule labels, kinks.

Every derivative shown comes from the rules table (``rule.partials`` on floats and
``rule.partial_formulas``); nothing here knows a derivative of its own.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from ..engine import Value
from ..rules import Rule

__all__ = ["at_kink", "contributions_text", "fmt", "local_partials", "node_name",
           "partial_formula"]


def fmt(x: float) -> str:
    """A number the way pictures show it: 4 significant digits.

    >>> fmt(6.0), fmt(-0.123456), fmt(12346.0), fmt(1e-7), fmt(-0.0)
    ('6', '-0.1235', '1.235e+04', '1e-07', '0')
    """
    return format(x + 0.0, ".4g")  # + 0.0 turns -0.0 into 0.0


def esc(text: str) -> str:
    """Text made safe inside a graphviz HTML-like label."""
    return html.escape(text, quote=True)


def node_name(node: Value) -> str:
    """How a node is called in captions: its label, else its op, else ``leaf``.

    >>> node_name(Value(1.0, label="a")), node_name(Value(1.0) * 2), node_name(Value(1.0))
    ('a', 'mul', 'leaf')
    """
    return node.label or node.op or "leaf"


def _groups(rule: Rule, n: int) -> list[tuple[int, int]]:
    """For an n-ary rule, which formula (and 1-based index within its group) input k uses.

    ``dot`` lists ``w1..wn, x1..xn`` (two equal groups), ``affine`` lists ``b, w..., x...``
    (one single input, then equal groups): the formula tuple says how many groups there are.
    """
    g = len(rule.partial_formulas)
    if g <= 1:
        return [(0, k + 1) for k in range(n)]
    if n % g == 0:
        size = n // g
        return [(k // size, k % size + 1) for k in range(n)]
    if (n - 1) % (g - 1) == 0:
        size = (n - 1) // (g - 1)
        return [(0, 1)] + [(1 + (k - 1) // size, (k - 1) % size + 1) for k in range(1, n)]
    return [(0, k + 1) for k in range(n)]


def partial_formula(node: Value, k: int) -> str:
    """The formula of d(node)/d(input k), from the rules table, with ``i`` filled in.

    >>> x, y = Value(2.0), Value(3.0)
    >>> partial_formula(x * y, 0), partial_formula(x * y, 1)
    ('∂/∂x = y', '∂/∂y = x')
    >>> partial_formula(x ** 3, 0)
    '∂/∂x = c * x**(c-1), c=3'
    """
    rule = node._rule
    if rule is None:
        return ""
    n = len(node._prev)
    if rule.arity in (1, 2):
        text = f"∂/∂{rule.input_names(n)[k]} = {rule.partial_formulas[k]}"
    else:
        which, i = _groups(rule, n)[k]
        text = rule.partial_formulas[which].replace("_i", str(i)).replace("d/d", "∂/∂")
        if "=" not in text:
            text = f"∂/∂{rule.input_names(n)[k]} = {text}"
    if node._param is not None:
        text += f", {rule.param_name}={fmt(node._param)}"
    return text


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
