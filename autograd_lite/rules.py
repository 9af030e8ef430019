"""Deprecated module: the rules table lives in :mod:`autograd_lite.core.rules` (the math)
and :mod:`autograd_lite.ops` (formulas, domains, ``register_op``).

``register(Rule(...))`` with the old ``Rule`` fields still works, with a warning.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .core import RULES, DomainError, define
from .core import Rule as CoreRule
from .ops import BUILTIN_OPS as BUILTIN_RULES
from .ops import describe

__all__ = ["BUILTIN_RULES", "RULES", "DomainError", "Rule", "register"]

warnings.warn("autograd_lite.rules is deprecated: use autograd_lite.register_op to add an op",
              DeprecationWarning, stacklevel=2)


@dataclass(frozen=True)
class Rule:
    """The old form of a rule: ``forward(xs, param)``, ``partials(xs, out, param)``."""

    name: str
    symbol: str
    formula: str
    forward: Callable[[Sequence[float], Any], float]
    partials: Callable[[Sequence[Any], Any, Any], Sequence[Any]]
    partial_formulas: tuple[str, ...]
    domain: str = "all real inputs"
    sample: tuple[tuple[float, float], ...] = ((-3.0, 3.0),)
    kinks: tuple[float, ...] = ()
    arity: int = 1
    params: tuple[Any, ...] = field(default=(None,))
    param_name: str = "param"
    groups: tuple[str, ...] = ()


def register(rule: Rule) -> CoreRule:
    """Deprecated: add an old-style rule to the table (use ``register_op``)."""
    warnings.warn("autograd_lite.register is deprecated: use autograd_lite.register_op",
                  DeprecationWarning, stacklevel=2)
    if rule.name in BUILTIN_RULES:
        raise ValueError(f"register: {rule.name!r} is a built-in op and cannot be replaced; "
                         "give your rule another name")
    has_param = rule.params != (None,)
    names = ["x"] if rule.arity == 1 else ["x", "y"] if rule.arity == 2 else [
        f"x{i + 1}" for i in range(max(rule.arity, 0))]

    def forward(*args: Any) -> float:
        xs, p = (args[:-1], args[-1]) if has_param else (args, None)
        return rule.forward(list(xs), p)

    def partials(out: Any, *args: Any) -> Sequence[Any]:
        xs, p = (args[:-1], args[-1]) if has_param else (args, None)
        return rule.partials(list(xs), out, p)

    if rule.arity >= 0:
        param = [rule.param_name] if has_param else []
        forward.__signature__ = _positional(names + param)  # type: ignore[attr-defined]
        partials.__signature__ = _positional(["out", *names, *param])  # type: ignore[attr-defined]
    core = define(rule.name, forward, partials, param=rule.param_name if has_param else None,
                  symbol=rule.symbol)
    describe(rule.name, rule.formula, rule.partial_formulas, domain=rule.domain,
             sample=rule.sample, kinks=rule.kinks, params=rule.params, groups=rule.groups)
    return core


def _positional(names: list[str]) -> inspect.Signature:
    return inspect.Signature([inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY)
                              for n in names])
