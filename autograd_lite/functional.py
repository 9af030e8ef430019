"""Function forms of the ops (``exp(x)``, ``sum(xs)``, ``dot(ws, xs)``), accepting numbers too.

The n-ary ``sum`` and ``dot`` make one node each, however many inputs: a neuron is one
node, not a chain of 2n binary nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .core import RULES, Value, apply
from .core.errors import number

__all__ = [
    "cos",
    "dot",
    "exp",
    "leaky_relu",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "tanh",
]  # ``sum`` is left out: ``from autograd_lite.functional import *`` must keep the builtin

_SUM, _DOT, _AFFINE = RULES["sum"], RULES["dot"], RULES["affine"]


def sum(values: Iterable[Any], start: Any = 0) -> Value:
    """The sum of ``values`` (Values or numbers), plus ``start``, as one node.

    Takes the same arguments as Python's ``sum`` (so micrograd's ``sum((w*x for ...),
    self.b)`` reads the same) but makes one node instead of a chain of additions. It is
    left out of ``import *`` (here and from ``autograd_lite``), which must not replace the
    builtin.

    >>> from autograd_lite import Value
    >>> xs = [Value(1.0), Value(2.0), Value(3.0)]
    >>> s = sum(xs); s.data, len(s.parents)
    (6.0, 3)
    >>> s.backward(); [x.grad for x in xs]
    [1.0, 1.0, 1.0]
    >>> b = Value(0.5); sum(xs, b).data       # start, as in builtins.sum
    6.5
    """
    items = list(values)
    if isinstance(start, Value) or start != 0:
        items.insert(0, start)
    if not items:
        raise ValueError("sum: needs at least one value, got an empty sequence")
    return apply(_SUM, items)


def dot(ws: Sequence[Any], xs: Sequence[Any], bias: Any = None) -> Value:
    """``w1*x1 + ... + wn*xn`` (plus ``bias`` if given) as one node.

    >>> from autograd_lite import Value
    >>> w = [Value(2.0), Value(-1.0)]
    >>> y = dot(w, [3.0, 4.0], bias=Value(0.5)); y.data
    2.5
    >>> y.backward(); [wi.grad for wi in w]
    [3.0, 4.0]
    """
    if len(ws) != len(xs):
        raise ValueError(f"dot: needs sequences of equal length, got {len(ws)} and {len(xs)}")
    if not ws:
        raise ValueError("dot: needs at least one pair, got empty sequences")
    if bias is None:
        return apply(_DOT, [*ws, *xs])
    return apply(_AFFINE, [bias, *ws, *xs])


def _unary(name: str) -> Any:
    rule = RULES[name]

    def fn(x: Any) -> Value:
        return apply(rule, (x,))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``{name}(x)`` of a Value or number (see ``Value.{name}``).\n\n"
                  f"    >>> round({name}(0.5).data, 4) == round(Value(0.5).{name}().data, 4)\n"
                  f"    True\n")
    return fn


exp = _unary("exp")
log = _unary("log")
sqrt = _unary("sqrt")
tanh = _unary("tanh")
sigmoid = _unary("sigmoid")
relu = _unary("relu")
softplus = _unary("softplus")
sin = _unary("sin")
cos = _unary("cos")


def leaky_relu(x: Any, slope: float = 0.01) -> Value:
    """``x if x > 0 else slope * x`` of a Value or number.

    >>> leaky_relu(-1.0, 0.2).data
    -0.2
    """
    return apply(RULES["leaky_relu"], (x,), number(slope, "leaky_relu", "slope"))
