"""How each op is shown to people and tested, and ``register_op``: the one way to add an op.

The core's ``rules.py`` holds the math (forward and local derivatives). This module holds
what teaching and testing need on top: the op as a formula, its partials as text, where it
is defined, where tests sample it, and its kinks. Every op of the rules table has an
:class:`OpInfo` here; one registered without a description gets a plain one.

>>> info("mul").formula, partial_formula(RULES["mul"], 0, 2)
('x * y', 'y')
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .core import RULES, BackwardError, Rule, Value, apply, define, no_grad
from .core.errors import DomainError

__all__ = ["BUILTIN_OPS", "OpInfo", "all_partial_formulas", "custom_op", "describe", "info",
           "input_name", "input_names", "partial_formula", "register_op", "unregister_op"]


@dataclass(frozen=True)
class OpInfo:
    """What people read about an op, and where tests try it.

    Attributes:
        formula: the op as a formula of its inputs (``"x * y"``).
        partials: each local derivative as text, one per input; for an n-ary op one per
            input group, ``_i`` standing for the position in the group (``"x_i"``).
        domain: where the op is defined, in words (``"x > 0"``).
        sample: for tests, an interval ``(lo, hi)`` per input to sample from.
        kinks: points where the op is not differentiable (tests keep away from them).
        params: values of the op's parameter that tests try (``(None,)``: it has none).
        groups: n-ary ops: the input layout, one name per group, ``_i`` marking a group
            repeated n times (``("b", "w_i", "x_i")`` is b, w1..wn, x1..xn).
    """

    formula: str
    partials: tuple[str, ...]
    domain: str = "all real inputs"
    sample: tuple[tuple[float, float], ...] = ((-3.0, 3.0),)
    kinks: tuple[float, ...] = ()
    params: tuple[Any, ...] = field(default=(None,))
    groups: tuple[str, ...] = ()


_INFO: dict[str, OpInfo] = {}


def describe(name: str, formula: str, partials: Sequence[str], **more: Any) -> OpInfo:
    """Attach an :class:`OpInfo` to the op called ``name``; return it."""
    _INFO[name] = OpInfo(formula, tuple(partials), **more)
    return _INFO[name]


def info(op: Rule | str) -> OpInfo:
    """The description of an op (a plain one if it was registered without).

    >>> info("log").domain
    'x > 0'
    """
    rule = RULES[op] if isinstance(op, str) else op
    found = _INFO.get(rule.name)
    if found is not None:
        return found
    names = ", ".join(rule.inputs)
    return OpInfo(f"{rule.name}({names})", tuple(f"∂{rule.name}/∂{n}" for n in rule.inputs))


def _layout(rule: Rule, n: int) -> list[tuple[int, str]]:
    """For each of ``n`` inputs: (its group or position, its name), e.g. (1, "w2")."""
    groups = info(rule).groups
    if rule.arity >= 0 or not groups:
        names = list(rule.inputs) if rule.arity == n else [f"x{i + 1}" for i in range(n)]
        return list(enumerate(names))
    repeated = [g for g in groups if g.endswith("_i")]
    k = (n - (len(groups) - len(repeated))) // max(len(repeated), 1)
    layout: list[tuple[int, str]] = []
    for gi, g in enumerate(groups):
        layout += ([(gi, f"{g[:-2]}{j + 1}") for j in range(k)] if g.endswith("_i")
                   else [(gi, g)])
    return layout


def _place(rule: Rule, i: int, n: int) -> tuple[int, str]:
    """``_layout(rule, n)[i]``, worked out without listing the others (a sum of thousands
    of inputs asks this once per input)."""
    groups = info(rule).groups
    if rule.arity >= 0 or not groups:
        return i, (rule.inputs[i] if rule.arity == n else f"x{i + 1}")
    repeated = sum(g.endswith("_i") for g in groups)
    k = (n - (len(groups) - repeated)) // max(repeated, 1)
    j = i
    for gi, g in enumerate(groups):
        size = k if g.endswith("_i") else 1
        if j < size:
            return gi, (f"{g[:-2]}{j + 1}" if g.endswith("_i") else g)
        j -= size
    raise IndexError(f"{rule.name}: input {i} of {n} is outside its layout")  # as _layout


def input_names(rule: Rule, n: int) -> list[str]:
    """The rule's names for its ``n`` inputs: ``x, y``, or by group for n-ary ops.

    >>> input_names(RULES["affine"], 5)
    ['b', 'w1', 'w2', 'x1', 'x2']
    """
    return [name for _, name in _layout(rule, n)]


def input_name(rule: Rule, i: int, n: int) -> str:
    """The rule's name for input ``i`` of ``n`` (``input_names(rule, n)[i]``, in O(1)).

    >>> input_name(RULES["affine"], 4, 5)
    'x2'
    """
    return _place(rule, i, n)[1]


def all_partial_formulas(rule: Rule, n: int) -> list[str]:
    """``partial_formula(rule, i, n)`` for every input ``i``, in one pass.

    >>> all_partial_formulas(RULES["affine"], 5)
    ['1', 'x1', 'x2', 'w1', 'w2']
    """
    texts = info(rule).partials
    layout = _layout(rule, n)
    if not texts:
        return [f"∂{rule.name}/∂{name}" for _, name in layout]
    if not info(rule).groups:
        return [texts[min(group, len(texts) - 1)] for group, _ in layout]
    return [texts[min(group, len(texts) - 1)].replace(
        "_i", name.lstrip("abcdefghijklmnopqrstuvwxyz")) for group, name in layout]


def partial_formula(rule: Rule, i: int, n: int) -> str:
    """d(out)/d(input ``i`` of ``n``) as text, in the rule's own input names.

    >>> partial_formula(RULES["dot"], 1, 4), partial_formula(RULES["div"], 1, 2)
    ('x2', '-x/y**2')
    """
    group, name = _place(rule, i, n)
    texts = info(rule).partials
    if not texts:
        return f"∂{rule.name}/∂{name}"
    pattern = texts[min(group, len(texts) - 1)]
    index = name.lstrip("abcdefghijklmnopqrstuvwxyz")
    return pattern.replace("_i", index) if info(rule).groups else pattern


# --- the built-in ops ----------------------------------------------------------------------

_TWO = ((-3.0, 3.0), (-3.0, 3.0))
describe("add", "x + y", ("1", "1"), sample=_TWO)
describe("sub", "x - y", ("1", "-1"), sample=_TWO)
describe("mul", "x * y", ("y", "x"), sample=_TWO)
describe("div", "x / y", ("1/y", "-x/y**2"), domain="y != 0", sample=((-3, 3), (0.5, 3)))
describe("neg", "-x", ("-1",))
describe("powc", "x ** c", ("c * x**(c-1)",),
         domain="x > 0, or x = 0 with c >= 0, or x < 0 with c an integer",
         sample=((0.2, 3),), params=(2.0, 3.0, -1.0, 0.5, -2.5, 0.0, 1.0))
describe("pow", "x ** y", ("y * x**(y-1)", "x**y * log(x)"),
         domain="x > 0, or x = 0 with y >= 0, or x < 0 with y an integer",
         sample=((0.2, 3), (-2, 2)))
describe("exp", "exp(x)", ("exp(x)",), domain="x <= 709.78 (larger overflows a float)")
describe("log", "log(x)", ("1/x",), domain="x > 0", sample=((0.05, 5),))
describe("sqrt", "sqrt(x)", ("1/(2*sqrt(x))",), domain="x >= 0 (derivative needs x > 0)",
         sample=((0.05, 5),))
describe("tanh", "tanh(x)", ("1 - tanh(x)**2",))
describe("sigmoid", "sigmoid(x)", ("sigmoid(x) * (1 - sigmoid(x))",))
describe("relu", "relu(x)", ("1 if x > 0 else 0",), kinks=(0.0,))
describe("leaky_relu", "leaky_relu(x, slope)", ("1 if x > 0 else slope",), kinks=(0.0,),
         params=(0.01, 0.2))
describe("softplus", "log(1 + exp(x))", ("sigmoid(x)",), sample=((-5, 5),))
describe("sin", "sin(x)", ("cos(x)",))
describe("cos", "cos(x)", ("-sin(x)",))
describe("abs", "abs(x)", ("sign(x)",), kinks=(0.0,))
describe("sum", "x1 + x2 + ... + xn", ("1",), groups=("x_i",))
describe("dot", "w1*x1 + ... + wn*xn", ("x_i", "w_i"), groups=("w_i", "x_i"),
         domain="inputs w1..wn, x1..xn (an even count, n >= 1)")
describe("affine", "b + w1*x1 + ... + wn*xn", ("1", "x_i", "w_i"), groups=("b", "w_i", "x_i"),
         domain="inputs b, w1..wn, x1..xn (an odd count, n >= 1)")

BUILTIN_OPS: frozenset[str] = frozenset(RULES)
"""The engine's own ops: operators and methods are bound to them, so none can be replaced."""


# --- your own op ---------------------------------------------------------------------------


def register_op(name: str, forward: Callable[..., Any], derivative: Callable[..., Any],
                formula: str | None = None, partial_formulas: Sequence[str] | None = None,
                domain: str = "all real inputs",
                sample: Sequence[tuple[float, float]] | None = None,
                arity: int | None = None, kinks: Sequence[float] = ()) -> Callable[..., Value]:
    """Add an op with a hand-derived derivative to the rules table; return the op.

    ``forward(x, ...)`` computes it on floats. ``derivative(x, ...)`` returns d/dx (or a
    tuple, one partial per input); give it a parameter named ``out`` to receive the result.
    Write the derivative with operators and Value methods (``x.tanh()``, ``1 / x``) and it
    works everywhere, second derivatives included; one written with ``math`` works in
    ``backward`` and refuses, with an error, to be differentiated again. The returned
    function applies the op to Values or numbers. Re-registering a custom name replaces it.

    >>> from autograd_lite.checks import gradcheck
    >>> softsign = register_op("softsign", lambda x: x / (1 + abs(x)),
    ...                        lambda x: 1 / (1 + abs(x)) ** 2)
    >>> softsign(Value(1.0)).data, gradcheck(lambda x: softsign(x), [0.3]).passed
    (0.5, True)
    >>> unregister_op("softsign")
    """
    if not isinstance(name, str) or not name.isidentifier():  # first: a list is unhashable
        raise ValueError(f"register_op: name must be an identifier like 'softsign', got {name!r}")
    if name in BUILTIN_OPS:
        raise ValueError(f"register_op: {name!r} is a built-in op; choose another name")
    for what, fn in (("forward", forward), ("derivative", derivative)):
        if not callable(fn):
            raise TypeError(f"register_op: {what} of {name} must be a function, got {fn!r}")
    n = arity if arity is not None else _arity(forward, name)
    if type(n) is not int or n < 1:
        raise ValueError(f"register_op: arity of {name} must be an int >= 1, got {n!r}")
    wants_out = "out" in inspect.signature(derivative).parameters
    names = [["x"], ["x", "y"]][n - 1] if n <= 2 else [f"x{i + 1}" for i in range(n)]

    def fwd(*xs: float) -> float:
        result = forward(*xs)
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise TypeError(f"{name}: forward must return a real number, got {result!r}")
        return float(result)

    def call(out: Any, xs: tuple[Any, ...]) -> Any:
        return derivative(*xs, out=out) if wants_out else derivative(*xs)

    def partials(out: Any, *xs: Any) -> list[Any]:
        on_values = isinstance(out, Value)
        if on_values:  # differentiating again: it must be written with Value ops
            try:
                result = call(out, xs)
            except TypeError as exc:
                if "float() of a Value" not in str(exc):
                    raise
                raise BackwardError(
                    f"the derivative of {name} uses a float-only function (math.*?), so it "
                    "cannot be differentiated again: write it with Value methods and "
                    "operators (x.cos(), x.exp(), 1 / x ...)") from None
        else:  # plain backward: Values, so Value methods work; floats if it needs math.*
            with no_grad():
                values = Value(out), tuple(Value(x) for x in xs)
            try:
                result = call(*values)
            except TypeError as exc:
                if "float() of a Value" not in str(exc):
                    raise
                result = call(out, xs)
        parts = list(result) if isinstance(result, (tuple, list)) else [result]
        if len(parts) != n:
            raise TypeError(f"{name}: derivative must return {n} partial(s), got {len(parts)}")
        return [_partial(name, p, on_values) for p in parts]

    # The rule's functions take the inputs as x; x, y; x1, x2, ... (the names formulas use).
    fwd.__signature__ = _signature(names)  # type: ignore[attr-defined]
    partials.__signature__ = _signature(["out", *names])  # type: ignore[attr-defined]
    _check_partials(name, fwd, partials, n, tuple(sample or [(-3.0, 3.0)] * n))
    rule = define(name, fwd, partials)
    describe(name, formula or f"{name}({', '.join(names)})",
             tuple(partial_formulas or [f"d{name}/d{a}" for a in names]), domain=domain,
             sample=tuple(sample or [(-3.0, 3.0)] * n), kinks=tuple(kinks))

    @functools.wraps(forward)
    def op(*inputs: Any) -> Value:
        if len(inputs) != n:
            raise TypeError(f"{name}: takes {n} input(s), got {len(inputs)}")
        return apply(rule, inputs)

    return op


def _check_partials(name: str, forward: Callable[..., float], partials: Callable[..., Any],
                    n: int, sample: Sequence[tuple[float, float]]) -> None:
    """Refuse, at registration, a derivative that gives the wrong number of partials (it
    would otherwise leave an input's gradient at 0, or fail only in a later backward)."""
    for t in (0.25, 0.5, 0.75):
        xs = [lo + t * (hi - lo) for lo, hi in (sample[min(i, len(sample) - 1)]
                                                  for i in range(n))]
        try:
            partials(forward(*xs), *xs)
        except TypeError as exc:
            if "partial(s)" in str(exc):
                got = str(exc).rsplit("got ", 1)[-1]
                raise ValueError(f"register_op: {name}'s derivative must return {n} partials "
                                 f"(one per input), got {got}") from None
        except Exception:  # outside its domain here: no verdict from this point
            continue


def _signature(names: list[str]) -> inspect.Signature:
    return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY)
                              for n in names])


def _partial(name: str, p: Any, on_values: bool) -> Any:
    """One partial from a user's derivative: a float (or a Value when differentiating
    again), or an error naming the op."""
    if isinstance(p, Value):
        return p if on_values else p.data
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name}: the derivative must return numbers, got {p!r}")
    value = float(p)
    if not math.isfinite(value):
        raise DomainError(f"the derivative of {name} is {value!r} here")
    return value


def _arity(forward: Callable[..., Any], name: str) -> int:
    try:
        params = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"register_op: cannot read the inputs of {name}'s forward") from None
    count = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and
                p.default is p.empty for p in params)
    if count < 1:
        raise TypeError(f"register_op: {name}'s forward must take at least one input")
    return count


def custom_op(derivative: Callable[..., Any], name: str | None = None,
              formula: str | None = None, partial_formulas: Sequence[str] | None = None,
              domain: str = "all real inputs",
              sample: Sequence[tuple[float, float]] | None = None,
              arity: int | None = None,
              ) -> Callable[[Callable[..., float]], Callable[..., Value]]:
    """Decorator form of :func:`register_op`: the decorated function is the forward.

    >>> import math
    >>> from autograd_lite.checks import gradcheck
    >>> @custom_op(derivative=lambda x, out: 2 * out)    # deliberately wrong: d e^x = e^x
    ... def my_exp(x):
    ...     return math.exp(x)
    >>> gradcheck(lambda x: my_exp(x), [0.5]).passed
    False
    >>> unregister_op("my_exp")
    """
    def decorate(forward: Callable[..., float]) -> Callable[..., Value]:
        return register_op(name or forward.__name__, forward, derivative, formula,
                           partial_formulas, domain, sample, arity)
    return decorate


def unregister_op(name: str) -> None:
    """Remove a custom op from the rules table (built-in ops cannot be removed).

    >>> unregister_op("mul")
    Traceback (most recent call last):
    ...
    ValueError: unregister_op: 'mul' is a built-in op
    """
    if name in BUILTIN_OPS:
        raise ValueError(f"unregister_op: {name!r} is a built-in op")
    if name not in RULES:
        raise KeyError(f"unregister_op: no custom op named {name!r}")
    del RULES[name]
    _INFO.pop(name, None)
