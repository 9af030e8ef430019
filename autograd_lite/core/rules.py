"""The one table of derivative rules: the math of every op, and nothing else.

Each op is one :func:`define` line: its forward on floats and its *local partial
derivatives*, the Jacobian row d(out)/d(input) for each input. Vocabulary, used by every rule:

``x``, ``y`` (n-ary: ``*xs``)
    the inputs, by name (the forward's parameter names are the names shown in formulas);
``out``
    the op's result, passed to ``partials`` first (``tanh' = 1 - out**2`` reuses it);
``c``, ``slope``
    a constant that is part of the op rather than an input (``x ** c``), passed last;
``grad``
    the incoming gradient dL/d(out). Rules never see it: the engine multiplies.

Partials are written with operations that work on floats *and* on Values, so the same line
serves reverse mode, forward mode and (on Values) derivatives of any order. How each op is
shown to people (formulas, domains) and where tests sample it live in ``ops.py``.

Conventions at non-differentiable points: ``relu'(0) = 0``, ``abs'(0) = 0``,
``leaky_relu'(0) = slope``; ``sqrt'(0)`` is infinite and backward refuses it.
"""

from __future__ import annotations

import inspect
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = ["RULES", "DomainError", "Rule", "affine_of", "define", "sigmoid", "softplus"]


class DomainError(ValueError):
    """An input outside the domain where an op is defined (``log`` of -1). A partials
    function raising it may say which partials *are* defined there (``None`` for the others),
    so that pictures show them."""

    def __init__(self, message: str, partials: tuple[Any, ...] | None = None) -> None:
        super().__init__(message)
        self.partials = partials


@dataclass(frozen=True)
class Rule:
    """One op: ``forward(*inputs[, param]) -> float`` and
    ``partials(out, *inputs[, param]) -> one local derivative per input``.

    ``inputs`` are the forward's parameter names (``("x", "y")``; ``("xs",)`` with
    ``arity == -1`` for an op taking any number), ``param`` the name of its constant.

    >>> RULES["mul"].inputs, RULES["mul"].partials(6.0, 2.0, 3.0)
    (('x', 'y'), (3.0, 2.0))
    """

    name: str
    forward: Callable[..., Any]
    partials: Callable[..., Sequence[Any]]
    inputs: tuple[str, ...]
    arity: int
    param: str | None = None
    symbol: str = ""

    def __repr__(self) -> str:
        return f"Rule({self.name})"


RULES: dict[str, Rule] = {}


def define(name: str, forward: Callable[..., Any], partials: Callable[..., Sequence[Any]],
           *, param: str | None = None, symbol: str = "",
           inputs: Sequence[str] | None = None) -> Rule:
    """Add an op to the table and return its rule; input names come from ``forward``.

    A ``partials`` that cannot give one derivative per input is refused here, not found
    later as a gradient silently left at 0. ``inputs`` names the inputs of a ``forward``
    whose own names are not the ones formulas use (``operator.mul`` calls them a, b).

    >>> cube = define("cube", lambda x: x ** 3, lambda out, x: (3 * x * x,))
    >>> cube.inputs, cube.partials(8.0, 2.0)
    (('x',), (12.0,))
    >>> define("bad", lambda x, y: x * y, lambda out, x, y: (y,))
    Traceback (most recent call last):
    ...
    ValueError: define: bad's partials must give 2 derivatives (one per input), gave 1 ...
    >>> del RULES["cube"]
    """
    if inputs is not None:  # named here: the forward's own signature is not read
        names, variadic = list(inputs) + ([param] if param is not None else []), False
    else:
        names, variadic = _signature(forward, name, "forward")
    if param is not None:
        if variadic or not names or names[-1] != param:
            raise ValueError(f"define: {name}'s forward must take its parameter {param!r} last")
        names = names[:-1]
    taken, takes_any = _signature(partials, name, "partials")
    expected = 1 + len(names) + (param is not None)
    if variadic != takes_any or (not variadic and len(taken) != expected):
        raise ValueError(f"define: {name}'s partials must take (out, {', '.join(names)}"
                         f"{', ' + param if param else ''}), got ({', '.join(taken)})")
    if not variadic:
        _probe(name, forward, partials, names, param)
    rule = Rule(name, forward, partials, tuple(names), -1 if variadic else len(names), param,
                symbol or name)
    RULES[name] = rule
    return rule


def _signature(fn: Callable[..., Any], name: str, what: str) -> tuple[list[str], bool]:
    """Positional parameter names of ``fn`` and whether it ends with ``*args``."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        raise TypeError(f"define: cannot read the inputs of {name}'s {what}") from None
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
             and p.default is p.empty]
    return names, any(p.kind is p.VAR_POSITIONAL for p in params)


def _probe(name: str, forward: Callable[..., Any], partials: Callable[..., Sequence[Any]],
           names: list[str], param: str | None) -> None:
    """Call the rule at a few points: partials must give one derivative per input."""
    for point in ((0.5, 0.75, 1.25), (-0.5, 2.0, -1.5), (1.5, -0.25, 0.5)):
        xs = [point[i % 3] for i in range(len(names))] + ([2.0] if param else [])
        try:
            parts = list(partials(forward(*xs), *xs))
        except Exception:  # outside the op's domain, or not a float rule at all: no verdict
            continue
        if len(parts) != len(names):
            at = ", ".join(f"{n}={x:g}" for n, x in zip(names, xs))
            raise ValueError(f"define: {name}'s partials must give {len(names)} derivatives "
                             f"(one per input), gave {len(parts)} at {at}")


# --- float-or-Value helpers: partials run on floats, and on Values for create_graph --------


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def _sigmoid(x: Any) -> Any:
    return sigmoid(x) if type(x) is float else x.sigmoid()


def _data(x: Any) -> float:
    return x if type(x) is float else float(x.data)


# --- forwards that need more than one expression ----------------------------------------------


def log(x: float) -> float:
    if x <= 0.0:
        raise DomainError("needs x > 0")
    return math.log(x)


def sqrt(x: float) -> float:
    if x < 0.0:
        raise DomainError("needs x >= 0")
    return math.sqrt(x)


def sigmoid(x: float) -> float:
    # exp of a non-positive number only, so it never overflows
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # log(1 + e**x), never overflows


def pow_partials(out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    xd, yd = _data(x), _data(y)
    # 0 only where x**(y-1) cannot be evaluated (0**-1); elsewhere keep the y-dependence
    # that second derivatives need.
    dx = 0.0 if xd == 0.0 and yd == 0.0 else y * x ** (y - 1.0)
    if xd > 0.0:
        return dx, out * _log(x)
    if xd == 0.0 and yd > 0.0:
        return dx, 0.0  # out is 0 for all y > 0 here
    raise DomainError("the derivative for y, x**y * log(x), needs x > 0 (or x = 0 with y > 0)",
                      partials=(dx, None))


def powc_partials(out: Any, x: Any, c: float) -> tuple[Any]:
    return (0.0,) if c == 0.0 else (1.0,) if c == 1.0 else (c * x ** (c - 1.0),)


def total(*xs: float) -> float:
    try:
        return math.fsum(xs)  # exact, then rounded once
    except OverflowError:  # a partial sum overflowed; the exact result may still fit
        return float(sum(map(Fraction, xs)))  # raises OverflowError if it does not


def dot(*wx: float) -> float:
    n = len(wx) // 2
    if not n or len(wx) != 2 * n:  # a stray input would be silently ignored
        raise ValueError("needs w1..wn then x1..xn")
    return sum(map(operator.mul, wx[:n], wx[n:]), 0.0)


def affine(*bwx: float) -> float:
    n = (len(bwx) - 1) // 2
    if not n or len(bwx) != 2 * n + 1:
        raise ValueError("needs b, w1..wn then x1..xn")
    return affine_of(bwx[0], bwx[1 : n + 1], bwx[n + 1 :])


def affine_of(b: float, ws: Iterable[float], xs: Iterable[float]) -> float:
    """``affine``'s math on a bias and two sequences: what nn's neurons call, with their own
    lists, rather than building the flat argument tuple.

    >>> affine_of(0.5, [1.0, 2.0], [3.0, 4.0])
    11.5
    """
    # b first, then each product: micrograd's order of additions, so results match it
    return sum(map(operator.mul, ws, xs), b)


# --- the table --------------------------------------------------------------------------------

# Forwards are often Python's own C functions (operator.mul is ``x * y``): no Python frame
# per node. Comparisons such as ``x > 0.0`` work on floats and Values alike.
_XY, _X = ("x", "y"), ("x",)
define("add", operator.add, lambda out, x, y: (1.0, 1.0), symbol="+", inputs=_XY)
define("sub", operator.sub, lambda out, x, y: (1.0, -1.0), symbol="-", inputs=_XY)
define("mul", operator.mul, lambda out, x, y: (y, x), symbol="*", inputs=_XY)
define("div", operator.truediv, lambda out, x, y: (1.0 / y, -out / y), symbol="/", inputs=_XY)
define("neg", operator.neg, lambda out, x: (-1.0,), symbol="-", inputs=_X)
define("powc", lambda x, c: math.pow(x, c), powc_partials, param="c", symbol="**")
define("pow", lambda x, y: math.pow(x, y), pow_partials, symbol="**")
define("exp", math.exp, lambda out, x: (out,), inputs=_X)
define("log", log, lambda out, x: (1.0 / x,))
define("sqrt", sqrt, lambda out, x: (0.5 / out,))
define("tanh", math.tanh, lambda out, x: (1.0 - out * out,), inputs=_X)
define("sigmoid", sigmoid, lambda out, x: (out * (1.0 - out),), symbol="σ")
define("relu", lambda x: x if x > 0.0 else 0.0, lambda out, x: (1.0 if x > 0.0 else 0.0,),
       symbol="ReLU")
define("leaky_relu", lambda x, slope: x if x > 0.0 else slope * x,
       lambda out, x, slope: (1.0 if x > 0.0 else slope,), param="slope", symbol="LReLU")
define("softplus", softplus, lambda out, x: (_sigmoid(x),))
define("sin", math.sin, lambda out, x: (_cos(x),), inputs=_X)
define("cos", math.cos, lambda out, x: (-_sin(x),), inputs=_X)
define("abs", abs, lambda out, x: (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,),
       symbol="|x|", inputs=_X)
define("sum", total, lambda out, *xs: (1.0,) * len(xs), symbol="Σ")
define("dot", dot, lambda out, *wx: (*wx[len(wx) // 2 :], *wx[: len(wx) // 2]))
define("affine", affine, lambda out, b, *wx: (1.0, *wx[len(wx) // 2 :], *wx[: len(wx) // 2]),
       symbol="dot+b")
