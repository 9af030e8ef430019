"""Your own op with your own hand-derived derivative, added to the one rules table.

``register_op`` (or the ``custom_op`` decorator) wraps a float forward and a derivative into
a :class:`~autograd_lite.rules.Rule`, so the engine, ``explain``, ``gradcheck`` and
``check_graph`` treat the op like any built-in one, and can confirm or refute the derivative.
"""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, apply
from .rules import BUILTIN_RULES, RULES, Rule, register

__all__ = ["custom_op", "register_op", "unregister_op"]


# --- custom ops ---------------------------------------------------------------------------


def register_op(name: str, forward: Callable[..., float], derivative: Callable[..., Any],
                formula: str | None = None, partial_formulas: Sequence[str] | None = None,
                domain: str = "all real inputs",
                sample: Sequence[tuple[float, float]] | None = None,
                arity: int | None = None) -> Callable[..., Value]:
    """Add an op with a hand-derived derivative to the rules table; return the op.

    ``forward(x, ...)`` computes the op on floats. ``derivative(x, ...)`` returns d/dx (or a
    tuple, one partial per input); give it a parameter named ``out`` to receive the result.
    Write it with operators and Value methods (not ``math``) so it also works on Values,
    which second derivatives need. The returned function applies the op to Values or
    numbers. Re-registering a custom name replaces it; built-in names are refused.
    ``arity`` (the number of inputs) is read from ``forward``'s signature unless given.

    >>> from autograd_lite.check import gradcheck
    >>> softsign = register_op("softsign", lambda x: x / (1 + abs(x)),
    ...                        lambda x: 1 / (1 + abs(x)) ** 2)
    >>> softsign(Value(1.0)).data
    0.5
    >>> gradcheck(lambda x: softsign(x), [0.3]).passed
    True
    >>> unregister_op("softsign")
    """
    if not isinstance(name, str) or not name.isidentifier():  # first: a list is unhashable
        raise ValueError(f"register_op: name must be an identifier like 'softsign', got {name!r}")
    if name in BUILTIN_RULES:
        raise ValueError(f"register_op: {name!r} is a built-in op; choose another name")
    for what, fn in (("forward", forward), ("derivative", derivative)):
        if not callable(fn):
            raise TypeError(f"register_op: {what} of {name} must be a function, got {fn!r}")
    arity = arity if arity is not None else _arity(forward, name)
    if type(arity) is not int or arity < 1:
        raise ValueError(f"register_op: arity of {name} must be an int >= 1, got {arity!r}")
    wants_out = "out" in inspect.signature(derivative).parameters

    def fwd(xs: Sequence[float], param: Any) -> float:
        result = forward(*xs)
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise TypeError(f"{name}: forward must return a real number, got {result!r}")
        return float(result)

    def partials(xs: Sequence[Any], out: Any, param: Any) -> list[Any]:
        result = derivative(*xs, out=out) if wants_out else derivative(*xs)
        parts = list(result) if isinstance(result, (tuple, list)) else [result]
        if len(parts) != len(xs):
            raise TypeError(f"{name}: derivative must return {len(xs)} partial(s), "
                            f"got {len(parts)}")
        return [p if isinstance(p, Value) else float(p) for p in parts]

    # Inputs are called as the rules table calls them: x; x, y; x1, x2, x3 ...
    args = Rule(name, name, "", fwd, partials, (), arity=arity).input_names(arity)
    rule = register(Rule(
        name, name, formula or f"{name}({', '.join(args)})", fwd, partials,
        tuple(partial_formulas or [f"d{name}/d{a}" for a in args]), domain=domain,
        sample=tuple(sample or [(-3.0, 3.0)] * arity), arity=arity))

    @functools.wraps(forward)
    def op(*inputs: Any) -> Value:
        if len(inputs) != arity:
            raise TypeError(f"{name}: takes {arity} input(s), got {len(inputs)}")
        return apply(rule, inputs)

    return op


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
    >>> from autograd_lite.check import gradcheck
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
    if name in BUILTIN_RULES:
        raise ValueError(f"unregister_op: {name!r} is a built-in op")
    if name not in RULES:
        raise KeyError(f"unregister_op: no custom op named {name!r}")
    del RULES[name]
