"""Error messages that name the op, the values and, under ``detect_anomaly``, the line
that created the node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .modes import _ANOMALY, _caller_site, _mode, _sites
from .rules import DomainError, Rule

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["BackwardError"]


class BackwardError(ArithmeticError):
    """A derivative that does not exist, or a NaN/inf gradient, met during backward."""


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _describe(rule: Rule, args: Sequence[float], param: Any) -> str:
    names = rule.input_names(len(args))
    shown = ", ".join(f"{n}={_fmt(a)}" for n, a in zip(names, args[:8]))
    if len(args) > 8:
        shown += f", ... ({len(args)} inputs)"
    if param is not None:
        shown += f", {rule.param_name}={_fmt(param)}"
    return shown


def _forward_error(rule: Rule, args: Sequence[float], param: Any,
                   exc: BaseException) -> Exception:
    where = f"{rule.name}: {rule.formula} needs {rule.domain}; got {_describe(rule, args, param)}"
    if _mode.get() & _ANOMALY:
        where += f" (at {_caller_site()})"
    if isinstance(exc, ZeroDivisionError):
        return ZeroDivisionError(where)
    if isinstance(exc, OverflowError):
        return OverflowError(f"{where} (the result does not fit in a float)")
    return DomainError(where)


def _derivative_problem(rule: Rule, exc: BaseException) -> str:
    detail = str(exc) if isinstance(exc, DomainError) else (
        f"its derivative ({', '.join(rule.partial_formulas)}) is undefined or infinite there")
    return detail


def _backward_error(node: Value, problem: str) -> BackwardError:
    rule = node._rule
    assert rule is not None
    args = [p.data for p in node._prev]
    site = _sites.get(node)
    where = (f" (created at {site})" if site else
             "; run under autograd_lite.detect_anomaly() to see where it was created")
    label = f" '{node.label}'" if node.label else ""
    return BackwardError(
        f"backward through {rule.name}{label} at {_describe(rule, args, node._param)}: "
        f"{problem}{where}"
    )
