"""What the pictures say about one node or edge: numbers, chain-rule labels, kinks.

Every formula shown comes from the op's description in ``ops.py``, written with the
graph's own names; every number from the one reverse walk. Nothing here knows a derivative.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core import Value
from ..names import substitute
from ..notation import d_of, tidy
from ..ops import info, input_names
from ..ops import partial_formula as rule_formula
from .dot import esc

__all__ = ["at_kink", "contributions_text", "edge_formulas", "esc", "factor", "fmt",
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


def edge_formulas(node: Value, names: dict[int, str]) -> list[str]:
    """``∂c/∂a = b`` for each input of ``node``, in the graph's own names (``names`` as
    ``node_names`` gives them), the op's parameter put in by value.

    >>> from autograd_lite.names import node_names
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b"); c = a * b; c.label = "c"
    >>> edge_formulas(c, node_names(c))
    ['∂c/∂a = b', '∂c/∂b = a']
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> edge_formulas(y, node_names(y))                   # a repeated input: both edges
    ['∂y/∂x = x', '∂y/∂x = x']
    >>> x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    >>> p = x1 * w1; p.label = "x1*w1"; o = p.tanh(); o.label = "o"
    >>> edge_formulas(o, node_names(o))                   # names with operators: bracketed
    ['∂o/∂(x1*w1) = 1 - tanh(x1*w1)**2']
    """
    rule = node.rule
    if rule is None:
        return []
    n = len(node.parents)
    table = dict(zip(input_names(rule, n), (names[id(p)] for p in node.parents)))
    if node.param is not None and rule.param:
        table[rule.param] = fmt(node.param)
    head = d_of(names[id(node)])
    return [f"∂{head}/∂{d_of(names[id(p)])} = {_in_names(rule_formula(rule, k, n), table)}"
            for k, p in enumerate(node.parents)]


def _in_names(text: str, table: dict[str, str]) -> str:
    # A pattern over all inputs ("x1 + ... + xn") stays as the rule writes it.
    return text if "..." in text else tidy(substitute(text, table))


def partial_formulas(node: Value) -> str:
    """Every partial of ``node``'s op in the rule's own names, comma-separated (tooltips).

    >>> partial_formulas(Value(2.0) * Value(3.0))
    'y, x'
    """
    rule = node.rule
    if rule is None:
        return ""
    n = len(node.parents)
    return ", ".join(rule_formula(rule, k, n) for k in range(n))


def at_kink(node: Value, rel: float = 1e-12) -> float | None:
    """The kink point of ``node``'s op its input sits on (``relu`` at 0), or ``None``.

    There the rules table uses a convention (``relu'(0) = 0``), not a true derivative.

    >>> at_kink(Value(0.0).relu()), at_kink(Value(1.0).relu())
    (0.0, None)
    """
    rule = node.rule
    if rule is None or len(node.parents) != 1:
        return None
    x = node.parents[0].data
    for k in info(rule).kinks:
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
