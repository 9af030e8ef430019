"""Readable views of a graph: the chain rule step by step, and the graph as a formula.

* :func:`explain` walks the backward pass and records each step with the local derivative
  formula from the rules table and the numbers, e.g.
  ``dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0``.
* :func:`formula` and :func:`latex` (from ``expression.py``, re-exported here) print the
  expression a node computes; :func:`node_names` gives every node a readable name.

Nothing here computes a derivative of its own: the local partials and their formulas are
read from each node's rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .engine import Value, _backward_error, _derivative_problem, backward_order
from .expression import _latex_name, formula, latex, node_names
from .rules import Rule

__all__ = ["Step", "Term", "Transcript", "explain", "formula", "latex", "node_names"]


# --- numbers and substitution ---------------------------------------------------------------


def _num(x: float) -> str:
    """Short but honest: 6 significant digits, and ``-6.0`` rather than ``-6``."""
    s = f"{x:.6g}"
    return s + ".0" if re.fullmatch(r"-?\d+", s) else s


def _factor(x: float) -> str:
    return f"({_num(x)})" if x < 0 or math.copysign(1.0, x) < 0 else _num(x)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"[0-9.]+(e[-+]?[0-9]+)?\Z")


def _substitute(text: str, rule: Rule, names: list[str], param: Any) -> str:
    """Put the nodes' names into a rule's formula (``x * y`` becomes ``a * b``)."""
    table = dict(zip(rule.input_names(len(names)), names))
    if param is not None:
        table[rule.param_name] = f"{param:.6g}"

    def swap(m: re.Match[str]) -> str:
        name = table[m.group(0)]
        return name if _IDENT.match(name) or _NUMBER.match(name) else f"({name})"

    return re.sub(r"\b(" + "|".join(map(re.escape, table)) + r")\b", swap, text)


# --- the transcript -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One path into a node's gradient: ``dL/d(consumer) * d(consumer)/d(node)``.

    Attributes:
        consumer: name of the node that used this one as an input.
        op: the consumer's op.
        definition: the consumer as a formula of its inputs' names (``c = a * b``).
        local_formula: d(consumer)/d(node) from the rules table, with names (``b``).
        upstream: dL/d(consumer).
        local: d(consumer)/d(node) at the current values (NaN if undefined and unneeded).
        contribution: upstream * local (0 when nothing flows in).

    >>> a = Value(3.0, label="a"); L = a * a
    >>> [(t.consumer, t.local_formula, t.contribution) for t in explain(L).steps[1].terms]
    [('L', 'a', 3.0), ('L', 'a', 3.0)]
    """

    consumer: str
    op: str
    definition: str
    local_formula: str
    upstream: float
    local: float
    contribution: float


@dataclass(frozen=True)
class Step:
    """The gradient of one node: the sum of its terms (one per use of the node).

    ``str(step)`` is the chain rule with numbers, ``step.latex()`` the same in LaTeX.

    >>> a = Value(3.0, label="a"); L = a * a
    >>> step = explain(L).steps[1]
    >>> print(step)
    dL/da = a + a = 3.0 + 3.0 = 6.0    [L = a * a, dL/da = a; L = a * a, dL/da = a]
    """

    node: Value
    name: str
    root: str
    grad: float
    terms: tuple[Term, ...]

    @property
    def op(self) -> str:
        """The node's own op (``""`` for a leaf)."""
        return self.node.op

    def _d(self, top: str, bottom: str) -> str:
        return f"d{top}/d{bottom}"

    def _direct(self, t: Term) -> str:
        if "d/d" in t.local_formula:
            return f"∂{t.consumer}/∂{self.name}"
        if len(self.terms) == 1 or _IDENT.match(t.local_formula) or _NUMBER.match(
                t.local_formula):
            return t.local_formula
        return f"({t.local_formula})"

    def __str__(self) -> str:
        left = self._d(self.root, self.name)
        if not self.terms:
            return f"{left} = {_num(self.grad)}"
        # A use by the root itself needs no chain (dL/dL = 1): the term is the local partial,
        # written as its formula (``f`` in dL/dd = f), or as a partial for n-ary patterns.
        symbolic = " + ".join(
            self._direct(t) if t.consumer == self.root else
            f"{self._d(self.root, t.consumer)} * {self._d(t.consumer, self.name)}"
            for t in self.terms)
        numeric = " + ".join(
            (_factor(t.local) if i else _num(t.local)) if t.consumer == self.root else
            f"{_factor(t.upstream) if i else _num(t.upstream)} * {_factor(t.local)}"
            for i, t in enumerate(self.terms))
        where = "; ".join(
            f"{t.definition}, {self._d(t.consumer, self.name)} = {t.local_formula}"
            for t in self.terms)
        chain = "" if symbolic == left else f" = {symbolic}"
        value = "" if numeric == _num(self.grad) else f" = {numeric}"
        return f"{left}{chain}{value} = {_num(self.grad)}    [{where}]"

    def latex(self) -> str:
        """The step as a LaTeX equation (no surrounding ``$``): total derivatives with
        ``d``, local partials (from the rules table) with ``\\partial``."""
        def d(top: str, bottom: str, sym: str = "d") -> str:
            return rf"\frac{{{sym} {_latex_name(top)}}}{{{sym} {_latex_name(bottom)}}}"

        left = d(self.root, self.name)
        if not self.terms:
            return f"{left} = {_num(self.grad)}"
        partial = r"\partial"
        symbolic = " + ".join(
            d(t.consumer, self.name, partial) if t.consumer == self.root else
            rf"{d(self.root, t.consumer)} \cdot {d(t.consumer, self.name, partial)}"
            for t in self.terms)
        numeric = " + ".join(
            (_factor(t.local) if i else _num(t.local)) if t.consumer == self.root else
            rf"{_factor(t.upstream) if i else _num(t.upstream)} \cdot {_factor(t.local)}"
            for i, t in enumerate(self.terms))
        chain = "" if symbolic == left else f" = {symbolic}"
        value = "" if numeric == _num(self.grad) else f" = {numeric}"
        return f"{left}{chain}{value} = {_num(self.grad)}"


class Transcript:
    """The backward pass of one graph, step by step (root first, leaves last).

    Iterate it for the :class:`Step` objects, ``print`` it for text; Jupyter renders it as
    Markdown with LaTeX. ``transcript.grad(node)`` is the gradient found for a node.

    >>> x = Value(0.5, label="x"); y = x.exp()
    >>> t = explain(y)
    >>> len(t), [s.name for s in t], t.grad(x) == y.data
    (2, ['L', 'x'], True)
    """

    _SHOWN = 200  # rich displays stop after this many steps; str() shows all

    def __init__(self, steps: list[Step], grads: dict[int, float]) -> None:
        self.steps = steps
        self._grads = grads

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def grad(self, node: Value) -> float:
        """d(root)/d(node) as found by the transcript (0.0 if the root does not use it)."""
        return self._grads.get(id(node), 0.0)

    def __str__(self) -> str:
        return "\n".join(str(s) for s in self.steps)

    def __repr__(self) -> str:
        return f"<Transcript of {len(self.steps)} steps>\n{self}"

    def _more(self) -> str:
        extra = len(self.steps) - self._SHOWN
        if extra <= 0:
            return ""
        return f"\n\n... and {extra} more steps (print the transcript to see all)"

    def _repr_markdown_(self) -> str:
        lines = []
        for s in self.steps[: self._SHOWN]:
            where = "; ".join(f"`{t.definition}`, `d{t.consumer}/d{s.name} = {t.local_formula}`"
                              for t in s.terms)
            lines.append(f"- ${s.latex()}$" + (f" &nbsp; where {where}" if where else ""))
        return "\n".join(lines) + self._more()

    def _repr_latex_(self) -> str:
        rows = r" \\ ".join(s.latex() for s in self.steps[: self._SHOWN])
        return rf"$$\begin{{gathered}} {rows} \end{{gathered}}$$"


def explain(root: Value) -> Transcript:
    """The backward pass of ``root`` as a transcript of chain-rule steps, with numbers.

    Touches no ``.grad``; the gradients it finds equal those of ``root.backward()``. Where a
    node feeds several others, its step is the sum over those uses.

    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> L = -c; L.label = "L"
    >>> print(explain(L))
    dL/dL = 1.0
    dL/dc = -1 = -1.0    [L = -c, dL/dc = -1]
    dL/da = dL/dc * dc/da = -1.0 * 3.0 = -3.0    [c = a * b, dc/da = b]
    dL/db = dL/dc * dc/db = -1.0 * 2.0 = -2.0    [c = a * b, dc/db = a]
    """
    names = node_names(root)
    rname = names[id(root)]
    grads: dict[int, float] = {id(root): 1.0}
    terms: dict[int, list[Term]] = {}
    steps: list[Step] = []
    for node in backward_order(root):
        g = grads.get(id(node), 0.0)
        steps.append(Step(node, names[id(node)], rname, g, tuple(terms.pop(id(node), ()))))
        rule = node._rule
        if rule is None:
            continue
        if not math.isfinite(g):
            raise _backward_error(node, f"its gradient is {g!r}")
        parent_names = [names[id(p)] for p in node._prev]
        try:
            parts = [float(d) for d in rule.partials([p.data for p in node._prev], node.data,
                                                     node._param)]
        except (ArithmeticError, ValueError) as exc:
            if g != 0.0:
                raise _backward_error(node, _derivative_problem(rule, exc)) from None
            parts = [math.nan] * len(node._prev)  # undefined, but multiplied by nothing
        definition = f"{names[id(node)]} = " + _substitute(rule.formula, rule, parent_names,
                                                            node._param)
        for i, (p, d) in enumerate(zip(node._prev, parts)):
            local_formula = _substitute(rule.partial_formula(i, len(parts)), rule,
                                        parent_names, node._param)
            contribution = g * d if g != 0.0 else 0.0
            terms.setdefault(id(p), []).append(
                Term(names[id(node)], rule.name, definition, local_formula, g, d,
                     contribution))
            grads[id(p)] = grads.get(id(p), 0.0) + contribution
    return Transcript(steps, grads)
