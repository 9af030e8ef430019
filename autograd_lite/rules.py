"""The one table of derivative rules.

Every operation autograd_lite knows is one :class:`Rule` in :data:`RULES`. The engine
(``engine.py``) never names an operation; it only looks rules up here.

Vocabulary used by every rule (written once, here):

``x``, ``y``
    the inputs, by position (n-ary rules get a tuple ``xs``);
``out``
    the op's result;
``param``
    a constant that is part of the op, not an input (the exponent of ``x ** c``,
    the slope of ``leaky_relu``); ``None`` for most ops;
``grad``
    the incoming gradient dL/d(out). Rules never see it: a rule returns only the *local*
    partial derivatives d(out)/d(input_i), and the engine multiplies them by ``grad``.

Because a rule returns the whole local Jacobian row, the same entry serves reverse mode
(``grad * partial``), forward mode (``sum(partial * tangent)``), higher-order derivatives
(call ``partials`` with Values instead of floats: every partial below is written with
operations that work on both) and the explanations (``partial_formulas``).

Conventions at non-differentiable points (also listed in the README):
``relu'(0) = 0``, ``abs'(0) = 0``, ``leaky_relu'(0) = slope``; ``sqrt'(0)`` and ``d(x**c)/dx`` at
``x = 0`` with ``c < 1`` are infinite and raise an error in backward instead of returning inf.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RULES", "DomainError", "Rule", "register"]


class DomainError(ValueError):
    """An input outside the domain where an operation is defined (e.g. ``log`` of -1)."""


# --- helpers that work on floats and on Values alike --------------------------------------
# Partials run on floats in ordinary backward, and on Values when building a differentiable
# gradient graph (create_graph=True). These dispatch on the argument's type so a rule is
# written once. Values always hold floats, so "not a float" means "a Value".


def data_of(x: Any) -> float:
    """The float behind ``x`` (a float, or a Value's ``.data``)."""
    return x if type(x) is float else float(x.data)


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


def _log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def _sigmoid(x: Any) -> Any:
    return _sigmoid_float(x) if type(x) is float else x.sigmoid()


def _sigmoid_float(x: float) -> float:
    # Stable on both sides: exp is only ever taken of a non-positive number.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sign(x: Any) -> float:
    d = data_of(x)
    return 1.0 if d > 0.0 else (-1.0 if d < 0.0 else 0.0)


# --- the Rule record ----------------------------------------------------------------------

Forward = Callable[[Sequence[float], Any], float]
Partials = Callable[[Sequence[Any], Any, Any], Sequence[Any]]


@dataclass(frozen=True)
class Rule:
    """One operation: how to compute it and its local partial derivatives.

    Attributes:
        name: identifier used in errors and explanations (``"mul"``).
        symbol: short label for graph pictures (``"*"``).
        formula: the op as a formula of its inputs (``"x * y"``).
        forward: ``forward(xs, param) -> float`` on the inputs' floats. Raises
            ``ValueError``/``ArithmeticError`` outside the domain; the engine rewrites the
            message to name the op and the values.
        partials: ``partials(xs, out, param) -> sequence`` of d(out)/d(xs[i]), one per input.
            Works on floats and on Values.
        partial_formulas: the partials as text, one per input; for n-ary rules one per
            input group, written with ``_i`` for the position inside the group.
        domain: where the op is defined, as text (``"x > 0"``), for error messages.
        sample: for tests, an interval ``(lo, hi)`` per input to sample from.
        kinks: for tests, points where the op is not differentiable (samples avoid them).
        arity: number of inputs, or ``-1`` for n-ary rules.
        params: for tests, parameter values to try (``(None,)`` when the op has none).
        param_name: how formulas and messages call the parameter (``"c"``, ``"slope"``).
        groups: for n-ary rules, the layout of the inputs: one name per group, ``_i`` marking
            a group repeated n times (``("b", "w_i", "x_i")`` is b, w1..wn, x1..xn).
    """

    name: str
    symbol: str
    formula: str
    forward: Forward
    partials: Partials
    partial_formulas: tuple[str, ...]
    domain: str = "all real inputs"
    sample: tuple[tuple[float, float], ...] = ((-3.0, 3.0),)
    kinks: tuple[float, ...] = ()
    arity: int = 1
    params: tuple[Any, ...] = field(default=(None,))
    param_name: str = "param"
    groups: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Rule({self.name}: {self.formula})"

    def _layout(self, n: int) -> list[tuple[int, str]]:
        """For each of ``n`` inputs: (its group, its name), e.g. (1, "w2")."""
        if not self.groups:
            names = ["x"] if n == 1 else ["x", "y"] if n == 2 else [
                f"x{i + 1}" for i in range(n)]
            return list(enumerate(names))
        repeated = [g for g in self.groups if g.endswith("_i")]
        k = (n - (len(self.groups) - len(repeated))) // max(len(repeated), 1)
        layout: list[tuple[int, str]] = []
        for gi, g in enumerate(self.groups):
            if g.endswith("_i"):
                layout += [(gi, f"{g[:-2]}{j + 1}") for j in range(k)]
            else:
                layout.append((gi, g))
        return layout

    def input_names(self, n: int) -> list[str]:
        """Readable names of ``n`` inputs: ``x``, ``x, y``, or by group (``b, w1, w2, x1,
        x2``) for n-ary rules.

        >>> RULES["affine"].input_names(5)
        ['b', 'w1', 'w2', 'x1', 'x2']
        """
        return [name for _, name in self._layout(n)]

    def partial_formula(self, i: int, n: int) -> str:
        """The formula of d(out)/d(input i) of ``n`` inputs, with input names filled in.

        >>> RULES["dot"].partial_formula(1, 4), RULES["mul"].partial_formula(0, 2)
        ('x2', 'y')
        """
        group, name = self._layout(n)[i]
        pattern = self.partial_formulas[group] if self.groups else self.partial_formulas[i]
        index = name.lstrip("abcdefghijklmnopqrstuvwxyz")
        return pattern.replace("_i", index) if self.groups else pattern


RULES: dict[str, Rule] = {}
BUILTIN_RULES: frozenset[str] = frozenset()  # filled in once the table below is built


def register(rule: Rule) -> Rule:
    """Add ``rule`` to the table (replacing a user rule of the same name) and return it.

    A built-in op cannot be replaced: the operators are bound to it.

    >>> r = register(Rule("cube", "^3", "x**3", lambda xs, p: xs[0] ** 3,
    ...                   lambda xs, out, p: (3 * xs[0] * xs[0],), ("3*x**2",)))
    >>> RULES["cube"].formula
    'x**3'
    >>> del RULES["cube"]
    """
    if rule.name in BUILTIN_RULES:
        raise ValueError(f"register: {rule.name!r} is a built-in op and cannot be replaced; "
                         "give your rule another name")
    RULES[rule.name] = rule
    return rule


# --- forward helpers with domain checks -----------------------------------------------------


def _log_fwd(xs: Sequence[float], p: Any) -> float:
    if xs[0] <= 0.0:
        raise DomainError("needs x > 0")
    return math.log(xs[0])


def _sqrt_fwd(xs: Sequence[float], p: Any) -> float:
    if xs[0] < 0.0:
        raise DomainError("needs x >= 0")
    return math.sqrt(xs[0])


def _powc_fwd(xs: Sequence[float], c: float) -> float:
    # math.pow raises where ** would quietly return a complex number.
    return math.pow(xs[0], c)


def _powc_partials(xs: Sequence[Any], out: Any, c: float) -> tuple[Any]:
    if c == 0.0:
        return (0.0,)
    if c == 1.0:
        return (1.0,)
    return (c * xs[0] ** (c - 1.0),)


def _pow_partials(xs: Sequence[Any], out: Any, p: Any) -> tuple[Any, Any]:
    x, y = xs
    xd, yd = data_of(x), data_of(y)
    # Shortcut only where x**(y-1) cannot be evaluated (0**-1): a float 0 elsewhere would
    # drop the y-dependence that second derivatives (create_graph) need.
    dx = 0.0 if yd == 0.0 and xd == 0.0 else y * x ** (y - 1.0)
    if xd > 0.0:
        dy = out * _log(x)
    elif xd == 0.0 and yd > 0.0:
        dy = 0.0  # out = 0 on a neighbourhood in y > 0: the limit of out*log(x)
    else:
        raise DomainError("d(x**y)/dy = x**y * log(x) needs x > 0 (or x = 0 with y > 0)")
    return dx, dy


def _softplus_fwd(xs: Sequence[float], p: Any) -> float:
    x = xs[0]
    # log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _dot_fwd(xs: Sequence[float], p: Any) -> float:
    n = len(xs) // 2
    if not n or len(xs) != 2 * n:  # else a stray input would be silently ignored
        raise ValueError("needs w1..wn then x1..xn")
    acc = 0.0
    for i in range(n):
        acc += xs[i] * xs[n + i]
    return acc


def _affine_fwd(xs: Sequence[float], p: Any) -> float:
    # Same order of additions as micrograd's sum(w*x, b), so results match it bit for bit.
    n = (len(xs) - 1) // 2
    if not n or len(xs) != 2 * n + 1:
        raise ValueError("needs b, w1..wn then x1..xn")
    acc = xs[0]
    for i in range(1, n + 1):
        acc += xs[i] * xs[n + i]
    return acc


def _dot_partials(xs: Sequence[Any], out: Any, p: Any) -> list[Any]:
    n = len(xs) // 2
    return [*xs[n:], *xs[:n]]  # d/dw_i = x_i, d/dx_i = w_i


def _affine_partials(xs: Sequence[Any], out: Any, p: Any) -> list[Any]:
    n = (len(xs) - 1) // 2
    return [1.0, *xs[n + 1 :], *xs[1 : n + 1]]  # d/db = 1, d/dw_i = x_i, d/dx_i = w_i


# --- the table ----------------------------------------------------------------------------
# Keep one entry per op, each entry complete. Tests iterate over this table, so a new entry
# is tested without new test code.

_NONZERO = ((0.5, 3.0),)

register(Rule("add", "+", "x + y", lambda xs, p: xs[0] + xs[1],
              lambda xs, out, p: (1.0, 1.0), ("1", "1"),
              sample=((-3, 3), (-3, 3)), arity=2))
register(Rule("sub", "-", "x - y", lambda xs, p: xs[0] - xs[1],
              lambda xs, out, p: (1.0, -1.0), ("1", "-1"),
              sample=((-3, 3), (-3, 3)), arity=2))
register(Rule("mul", "*", "x * y", lambda xs, p: xs[0] * xs[1],
              lambda xs, out, p: (xs[1], xs[0]), ("y", "x"),
              sample=((-3, 3), (-3, 3)), arity=2))
register(Rule("div", "/", "x / y", lambda xs, p: xs[0] / xs[1],
              lambda xs, out, p: (1.0 / xs[1], -out / xs[1]), ("1/y", "-x/y**2"),
              domain="y != 0", sample=((-3, 3), (0.5, 3)), arity=2))
register(Rule("neg", "-", "-x", lambda xs, p: -xs[0],
              lambda xs, out, p: (-1.0,), ("-1",)))
register(Rule("powc", "**", "x ** c", _powc_fwd, _powc_partials, ("c * x**(c-1)",),
              domain="x > 0, or x = 0 with c >= 0, or x < 0 with c an integer",
              sample=((0.2, 3),), params=(2.0, 3.0, -1.0, 0.5, -2.5, 0.0, 1.0), param_name="c"))
register(Rule("pow", "**", "x ** y", lambda xs, p: math.pow(xs[0], xs[1]), _pow_partials,
              ("y * x**(y-1)", "x**y * log(x)"),
              domain="x > 0, or x = 0 with y >= 0, or x < 0 with y an integer",
              sample=((0.2, 3), (-2, 2)), arity=2))
register(Rule("exp", "exp", "exp(x)", lambda xs, p: math.exp(xs[0]),
              lambda xs, out, p: (out,), ("exp(x)",),
              domain="x <= 709.78 (larger overflows a float)"))
register(Rule("log", "log", "log(x)", _log_fwd,
              lambda xs, out, p: (1.0 / xs[0],), ("1/x",),
              domain="x > 0", sample=((0.05, 5),)))
register(Rule("sqrt", "sqrt", "sqrt(x)", _sqrt_fwd,
              lambda xs, out, p: (0.5 / out,), ("1/(2*sqrt(x))",),
              domain="x >= 0 (derivative needs x > 0)", sample=((0.05, 5),)))
register(Rule("tanh", "tanh", "tanh(x)", lambda xs, p: math.tanh(xs[0]),
              lambda xs, out, p: (1.0 - out * out,), ("1 - tanh(x)**2",)))
register(Rule("sigmoid", "σ", "sigmoid(x)", lambda xs, p: _sigmoid_float(xs[0]),
              lambda xs, out, p: (out * (1.0 - out),), ("sigmoid(x) * (1 - sigmoid(x))",)))
register(Rule("relu", "ReLU", "relu(x)", lambda xs, p: xs[0] if xs[0] > 0.0 else 0.0,
              lambda xs, out, p: (1.0 if data_of(xs[0]) > 0.0 else 0.0,),
              ("1 if x > 0 else 0",), kinks=(0.0,)))
register(Rule("leaky_relu", "LReLU", "leaky_relu(x, slope)",
              lambda xs, p: xs[0] if xs[0] > 0.0 else p * xs[0],
              lambda xs, out, p: (1.0 if data_of(xs[0]) > 0.0 else p,),
              ("1 if x > 0 else slope",), kinks=(0.0,), params=(0.01, 0.2), param_name="slope"))
register(Rule("softplus", "softplus", "log(1 + exp(x))", _softplus_fwd,
              lambda xs, out, p: (_sigmoid(xs[0]),), ("sigmoid(x)",),
              sample=((-5, 5),)))
register(Rule("sin", "sin", "sin(x)", lambda xs, p: math.sin(xs[0]),
              lambda xs, out, p: (_cos(xs[0]),), ("cos(x)",)))
register(Rule("cos", "cos", "cos(x)", lambda xs, p: math.cos(xs[0]),
              lambda xs, out, p: (-_sin(xs[0]),), ("-sin(x)",)))
register(Rule("abs", "|x|", "abs(x)", lambda xs, p: abs(xs[0]),
              lambda xs, out, p: (_sign(xs[0]),), ("sign(x)",), kinks=(0.0,)))
register(Rule("sum", "Σ", "x1 + x2 + ... + xn", lambda xs, p: math.fsum(xs),
              lambda xs, out, p: [1.0] * len(xs), ("1",), arity=-1, groups=("x_i",)))
register(Rule("dot", "dot", "w1*x1 + ... + wn*xn", _dot_fwd, _dot_partials,
              ("x_i", "w_i"), arity=-1, groups=("w_i", "x_i"),
              domain="inputs w1..wn, x1..xn (an even count, n >= 1)"))
register(Rule("affine", "dot+b", "b + w1*x1 + ... + wn*xn", _affine_fwd, _affine_partials,
              ("1", "x_i", "w_i"), arity=-1, groups=("b", "w_i", "x_i"),
              domain="inputs b, w1..wn, x1..xn (an odd count, n >= 1)"))

# The ops above are the engine's own: operators and methods are bound to them, so
# register() refuses to replace them (a replacement would reach apply() but not `a * b`).
BUILTIN_RULES = frozenset(RULES)
