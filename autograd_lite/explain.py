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

from .engine import Value, backward_order
from .errors import _backward_error, _derivative_problem
from .expression import _ATOM, _latex_name, _leaf_text, _node_text, formula, latex, node_names
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


def _substitute(text: str, rule: Rule, texts: list[str], param: Any) -> str:
    """Put the inputs' texts into a rule's formula (``x * y`` becomes ``a * b``)."""
    table = dict(zip(rule.input_names(len(texts)), texts))
    if param is not None:
        table[rule.param_name] = f"{param:.6g}"

    def swap(m: re.Match[str]) -> str:
        name = table[m.group(0)]
        return name if _IDENT.match(name) or _NUMBER.match(name) else f"({name})"

    return re.sub(r"\b(" + "|".join(map(re.escape, table)) + r")\b", swap, text)


_SHOWN_TERMS = 4  # an n-ary definition shows this many terms, then "..."


def _definition(node: Value, rule: Rule, names: dict[int, str], keep: Value | None) -> str:
    """``c = a * b``: the node as a formula of its inputs, as ``formula()`` writes them
    (an unlabelled leaf as its number), except ``keep``, which is shown by its name and
    value (``L = a * x1 with x1 = 4``) because the step is about it."""
    texts = [(names[id(p)], _ATOM) if p is keep or p._rule is not None else
             _leaf_text(p, names) for p in node._prev]
    if rule.groups:  # n-ary: the actual inputs, as formula() prints them
        body = _node_text(node, rule, texts, tex=False, max_terms=_SHOWN_TERMS)[0]
    else:  # the rules table's formula, with the inputs' names put in
        body = _substitute(rule.formula, rule, [t for t, _ in texts], node._param)
    text = f"{names[id(node)]} = {body}"
    if keep is not None and keep._rule is None and not keep.label:
        text += f" with {names[id(keep)]} = {keep.data:.6g}"
    return text


def _not_needed(node: Value, rule: Rule, root: str, name: str, exc: BaseException) -> str:
    """Why an undefined local derivative is harmless here: nothing flows back into it."""
    head = f"nothing flows back (d{root}/d{name} = 0), so "
    if len(node._prev) == 1:
        return head + (f"{rule.name}'({node._prev[0].data:.6g}), which is undefined, "
                       "is not needed")
    return head + (f"its local derivatives are not needed (here one is undefined: "
                   f"{_derivative_problem(rule, exc)})")


# --- the transcript -----------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One path into a node's gradient: ``dL/d(consumer) * d(consumer)/d(node)``.

    Attributes:
        consumer: name of the node that used this one as an input.
        op: the consumer's op.
        definition: the consumer as a formula of its inputs (``c = a * b``), written as
            :func:`formula` writes them: unlabelled leaves as numbers (``L = a * 4``), except
            the node this term is about (``L = a * x1 with x1 = 4``); fused n-ary nodes show
            their actual inputs, shortened with ``...`` past four terms.
        local_formula: d(consumer)/d(node) from the rules table, with names (``b``).
        upstream: dL/d(consumer).
        local: d(consumer)/d(node) at the current values; NaN where it is undefined, which
            happens only where nothing flows in (else explain raises, as backward does).
        contribution: upstream * local (0 when nothing flows in).
        note: why an undefined ``local`` does not matter (``""`` when ``local`` is defined).

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
    note: str = ""


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
        simple = _IDENT.match(t.local_formula) or _NUMBER.match(t.local_formula)
        if simple or (len(self.terms) == 1 and " if " not in t.local_formula):
            return t.local_formula
        return f"({t.local_formula})"

    def _numbers(self, times: str) -> str:
        """The chain rule with numbers: ``upstream * local`` per term (just ``local`` for a
        use by the root, ``0.0`` for a term where nothing flows back)."""
        parts = []
        for i, t in enumerate(self.terms):
            if t.note:
                parts.append("0.0")
            elif t.consumer == self.root:
                parts.append(_factor(t.local) if i else _num(t.local))
            else:
                parts.append(f"{_factor(t.upstream) if i else _num(t.upstream)}{times}"
                             f"{_factor(t.local)}")
        return " + ".join(parts)

    def _where(self, t: Term) -> str:
        if t.note:
            return f"{t.definition}: {t.note}"
        return f"{t.definition}, {self._d(t.consumer, self.name)} = {t.local_formula}"

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
        numeric = self._numbers(" * ")
        where = "; ".join(self._where(t) for t in self.terms)
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
        numeric = self._numbers(r" \cdot ")
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
            where = "; ".join(f"`{t.definition}`: {t.note}" if t.note else
                              f"`{t.definition}`, `d{t.consumer}/d{s.name} = {t.local_formula}`"
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
        note = ""
        try:
            parts = [float(d) for d in rule.partials([p.data for p in node._prev], node.data,
                                                     node._param)]
        except (ArithmeticError, ValueError) as exc:
            if g != 0.0:
                raise _backward_error(node, _derivative_problem(rule, exc)) from None
            # Undefined, but multiplied by nothing: backward skips it too.
            parts = [math.nan] * len(node._prev)
            note = _not_needed(node, rule, rname, names[id(node)], exc)
        for i, (p, d) in enumerate(zip(node._prev, parts)):
            texts = [names[id(q)] if q is p or q._rule is not None else _leaf_text(q, names)[0]
                     for q in node._prev]
            local_formula = _substitute(rule.partial_formula(i, len(parts)), rule, texts,
                                        node._param)
            contribution = g * d if g != 0.0 else 0.0
            terms.setdefault(id(p), []).append(
                Term(names[id(node)], rule.name, _definition(node, rule, names, p),
                     local_formula, g, d, contribution, note))
            grads[id(p)] = grads.get(id(p), 0.0) + contribution
    return Transcript(steps, grads)
