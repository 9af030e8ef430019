"""The words of every error the core raises, in the user's own names.

The core finds what went wrong and at which node; this module says it the way the user
wrote it: an input by its label, a constant by its number, an unlabelled input by the
expression it computes (``log(x*3) needs x*3 > 0``), the op's formula with those names, and,
under ``detect_anomaly()``, the line that made the node. Installed when the package loads.

>>> from autograd_lite import Value
>>> x = Value(-2.0, label="x")
>>> (x * 3).log()
Traceback (most recent call last):
...
autograd_lite.core.rules.DomainError: log: log(x*3) needs x*3 > 0; got x*3 = -6
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

from .anomaly import caller_site, creation_site
from .core import Rule, Value, topological_order
from .core import errors as core_errors
from .core.errors import BackwardError, DomainError, Wording
from .core.graph import local_partials
from .core.modes import is_anomaly_enabled
from .names import short_name, substitute
from .ops import info, input_names, partial_formula

__all__ = ["UserWording", "definition", "type_name"]

_SHOWN = 8  # inputs listed in a message before "... (n inputs)"


def type_name(x: Any) -> str:
    """``x``'s type, qualified unless built in (numpy's ``bool_`` is also called "bool").

    >>> type_name(1.5), type_name(None)
    ('float', 'NoneType')
    """
    kind = type(x)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _fmt(x: Any) -> str:
    return f"{x:.6g}" if isinstance(x, float) else repr(x)


def _texts(rule: Rule, inputs: Sequence[Value], node: str = "") -> list[str]:
    """How a message calls each input: its label, the expression it computes (``x*3``)
    if that names a labelled node, else the rule's own name for that input (``x``), its
    value given with the others. An unlabelled leaf beside a named input is a number in
    the user's expression and is shown as that number (``y = 1 / c``, not ``y = x / c``),
    as is one whose rule name the message already uses for something else (in another
    input's text, or ``node``, the label of the node the message is about)."""
    own = input_names(rule, len(inputs))
    texts = [short_name(x) if x.label or (x.rule is not None and _has_label(x)) else ""
             for x in inputs]
    named = any(texts)
    taken = {word for t in (*texts, node) for word in _WORD.findall(t)}
    return [t or (f"{x.data:.6g}" if name in taken or (named and x.rule is None) else name)
            for t, name, x in zip(texts, own, inputs)]


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _has_label(node: Value) -> bool:
    """Whether the expression ``node`` computes names anything the user labelled (else
    its formula is only numbers, ``1*1000``, which says less than the rule's ``x``)."""
    return any(n.label for n in topological_order(node))


def _names(rule: Rule, inputs: Sequence[Value], node: str = "") -> dict[str, str]:
    """The rule's input names mapped to how the message calls each input."""
    return dict(zip(input_names(rule, len(inputs)), _texts(rule, inputs, node)))


def definition(rule: Rule, inputs: Sequence[Value], param: Any, node: str = "") -> str:
    """The op written with the user's names: ``log(x*3)``, ``a * b``, ``dot(w1, ...)``.

    >>> from autograd_lite import RULES
    >>> definition(RULES["mul"], [Value(2.0, label="a"), Value(3.0)], None)
    'a * 3'
    >>> definition(RULES["mul"], [Value(2.0), Value(3.0)], None)
    'x * y'
    """
    if rule.arity < 0:  # n-ary: the first few inputs, by name
        shown = ", ".join(_texts(rule, inputs[:4], node))
        return f"{rule.name}({shown}{', ...' if len(inputs) > 4 else ''})"
    table = _names(rule, inputs, node)
    if param is not None and rule.param:
        table[rule.param] = f"{param:.6g}"
    return substitute(info(rule).formula, table)


def _values(rule: Rule, inputs: Sequence[Value], param: Any, node: str = "") -> str:
    """``x*3 = -6, y = 2, c = 0.5``: each input's value (but a number shown as itself)."""
    texts = _texts(rule, inputs[:_SHOWN], node) if rule.arity >= 0 else [
        short_name(x) for x in inputs[:_SHOWN]]
    shown = [f"{t} = {_fmt(x.data)}" for t, x in zip(texts, inputs)
             if t != f"{x.data:.6g}"]
    if len(inputs) > _SHOWN:
        shown.append(f"... ({len(inputs)} inputs)")
    if param is not None and rule.param:
        shown.append(f"{rule.param} = {_fmt(param)}")
    return ", ".join(shown)


def _at(rule: Rule, inputs: Sequence[Value], param: Any, node: str = "") -> str:
    """`` at a = 0`` for the inputs' values, or nothing when all are plain numbers."""
    shown = _values(rule, inputs, param, node)
    return f" at {shown}" if shown else ""


def _site(node: Value | None) -> str:
    if node is not None:
        site = creation_site(node)
        return (f" (created at {site})" if site else
                "; run under autograd_lite.detect_anomaly() to see where it was created")
    return f" (at {caller_site()})" if is_anomaly_enabled() else ""


class UserWording(Wording):
    """Errors that name ops, nodes and values the way the user wrote them."""

    def bad_number(self, op: str, what: str, value: Any) -> Exception:
        if isinstance(value, Value):
            return TypeError(f"{op}: got a Value where a number was expected ({what}); "
                             "use .data, or .detach() to cut it from the graph")
        if not isinstance(value, numbers.Real):
            return TypeError(f"{op}: {what} must be a real number (int or float), got "
                             f"{value!r:.60} of type {type_name(value)}")
        if isinstance(value, numbers.Integral):
            return OverflowError(f"{op}: {what} is an int of {len(str(abs(value)))} digits, "
                                 f"{str(value)[:12]}..., too large for a float (max about "
                                 "1.8e308)")
        return ValueError(f"{op}: {what} must be finite, got {float(value)!r}")

    def bad_data(self, op: str, node: Value) -> Exception:
        name, data = short_name(node) if node.label else "an input", node.data
        if isinstance(data, float):  # NaN or inf: set by hand, or an update that diverged
            return ValueError(f"{op}: the .data of {name} is {data!r}, not a finite number; "
                              f"was it set by hand ({node.label or 'p'}.data = ...), or by an "
                              "update step that diverged (a learning rate too large)?")
        hint = ("; did you write `p.data -= lr * p` where `lr * p.grad` was meant?"
                if isinstance(data, Value) else
                f"; convert it first, e.g. float({data!r})" if isinstance(data, str) else "")
        return TypeError(f"{op}: the .data of {name} is {data!r:.60} of type "
                         f"{type_name(data)}, not a float{hint}")

    def forward_failed(self, rule: Rule, inputs: Sequence[Value], param: Any,
                       exc: BaseException | None) -> Exception:
        for x in inputs:
            if type(x.data) is not float or not math.isfinite(x.data):
                return self.bad_data(rule.name, x)
        if isinstance(exc, TypeError):  # a custom op's forward broke: keep its own words
            return TypeError(f"{rule.name}: {exc}")
        head = f"{rule.name}: {definition(rule, inputs, param)}"
        shown, site = _values(rule, inputs, param), _site(None)
        got = f"; got {shown}" if shown else ""
        if isinstance(exc, ZeroDivisionError):
            return ZeroDivisionError(f"{head} divides by zero{got}{site}")
        if exc is None or isinstance(exc, OverflowError):
            return OverflowError(f"{head} overflows: the result does not fit in a float "
                                 f"(max about 1.8e308){got}{site}")
        domain = substitute(info(rule).domain, _names(rule, inputs))
        return DomainError(f"{head} needs {domain}{got}{site}")

    def undefined_derivative(self, node: Value, exc: BaseException) -> BackwardError:
        rule = node.rule
        assert rule is not None
        n = len(node.parents)
        table = _names(rule, node.parents, node.label)
        if isinstance(exc, (DomainError, BackwardError)):
            problem = substitute(str(exc), table)
        else:
            texts = ", ".join(substitute(partial_formula(rule, k, n), table) for k in range(n))
            problem = f"its derivative ({texts}) is undefined or infinite there"
        at = _at(rule, node.parents, node.param, node.label)
        return BackwardError(f"backward through {rule.name} ({self._named(node)})"
                             f"{at}: {problem}{_site(node)}")

    def input_made_later(self, node: Value, parent: Value) -> BackwardError:
        return BackwardError(f"backward: {short_name(parent)} is an input of "
                             f"{self._named(node)} but was made after it (a cycle, or .parents "
                             "changed by hand); make the node with its op instead")

    def gradient_not_finite(self, node: Value, gradient: Any, culprit: Value | None,
                            index: int, upstream: float = 0.0) -> BackwardError:
        g = _fmt(float(gradient.data if isinstance(gradient, Value) else gradient))
        name = short_name(node)
        for x in (culprit.parents if culprit is not None else node.parents):
            if type(x.data) is not float or not math.isfinite(x.data):  # set after the fact
                return BackwardError(str(self.bad_data("backward", x)))
        if culprit is not None and culprit.rule is not None:
            rule = culprit.rule
            table = _names(rule, culprit.parents, culprit.label)
            local = substitute(partial_formula(rule, index, len(culprit.parents)), table)
            d = local_partials(culprit)[index]
            at = _at(rule, culprit.parents, culprit.param, culprit.label)
            return BackwardError(
                f"backward through {rule.name} ({self._named(culprit)})"
                f"{at}: the gradient it sends to "
                f"{name}, {_fmt(upstream)} * ({local}) = {_fmt(upstream)} * {_fmt(float(d))} = "
                f"{_fmt(upstream * float(d))}, does not fit in a float{_site(culprit)}")
        if node.rule is not None:
            at = _at(node.rule, node.parents, node.param, node.label)
            return BackwardError(f"backward through {node.op} ({self._named(node)})"
                                 f"{at}: its gradient, "
                                 f"the sum over its uses, is {g}{_site(node)}")
        return BackwardError(f"backward: the gradient reaching leaf {name} (data="
                             f"{_fmt(node.data)}) is {g}; are the seed and its old .grad "
                             "finite?")

    def bad_grad(self, node: Value) -> Exception:
        return TypeError(f"backward: the .grad of {short_name(node)} is {node.grad!r:.60} "
                         f"of type {type_name(node.grad)}; .grad must be a number (set it to "
                         "0.0, or call zero_grad())")

    @staticmethod
    def _named(node: Value) -> str:
        rule = node.rule
        assert rule is not None
        body = definition(rule, node.parents, node.param, node.label)
        return f"{node.label} = {body}" if node.label else body


core_errors.use(UserWording())

