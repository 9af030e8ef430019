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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .core import Value, walk
from .markup import code
from .markup import text as markup_text
from .names import (
    ATOM,
    check_root,
    formula,
    latex,
    latex_name,
    leaf_text,
    node_names,
    node_text,
    substitute,
)
from .notation import d_of, tidy
from .ops import all_partial_formulas, info, input_names

__all__ = ["Step", "Term", "Transcript", "definition", "explain", "formula", "latex",
           "node_names"]


# --- numbers and substitution ---------------------------------------------------------------


def _num(x: float) -> str:
    """Short but honest: 6 significant digits, and ``-6.0`` rather than ``-6``."""
    s = f"{x:.6g}"
    return s + ".0" if re.fullmatch(r"-?\d+", s) else s


def _factor(x: float) -> str:
    return f"({_num(x)})" if x < 0 or math.copysign(1.0, x) < 0 else _num(x)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"[0-9.]+(e[-+]?[0-9]+)?\Z")


_SHOWN_TERMS = 4  # an n-ary definition shows this many terms, then "..."


class _Consumer:
    """What every term of one consumer node shares, worked out once per node (a node with
    thousands of inputs must not cost thousands squared): its inputs' texts, the table that
    puts them into formulas, its definition."""

    def __init__(self, node: Value, names: dict[int, str]) -> None:
        rule = node.rule
        assert rule is not None
        self.node, self.rule, self.names = node, rule, names
        parents = node.parents
        self.texts = [(names[id(p)], ATOM) if p.rule is not None else leaf_text(p, names)
                      for p in parents]
        self.own = input_names(rule, len(parents))
        self.local = all_partial_formulas(rule, len(parents))
        self.table = dict(zip(self.own, (t for t, _ in self.texts)))
        if node.param is not None and rule.param:
            self.table[rule.param] = f"{node.param:.6g}"
        self.definition = self._define(None, -1)

    def _define(self, keep: Value | None, k: int) -> str:
        """``c = a * b``, with input ``k`` (``keep``) shown by its name (``L = a * x1``)."""
        texts = list(self.texts) if keep is not None else self.texts
        if keep is not None:
            texts[k] = (self.names[id(keep)], ATOM)
        if self.rule.arity < 0:  # n-ary: the actual inputs, as formula() prints them
            body = node_text(self.node, self.rule, texts, tex=False, max_terms=_SHOWN_TERMS)[0]
        else:
            table = self.table if keep is None else {**self.table,
                                                     self.rule.inputs[k]: texts[k][0]}
            body = substitute(info(self.rule).formula, table)
        return f"{self.names[id(self.node)]} = {body}"

    def term_text(self, k: int) -> tuple[str, str]:
        """The definition and the local derivative's formula for input ``k``: an
        unlabelled constant the term is about is shown by its name, and its value given."""
        p = self.node.parents[k]
        n = len(self.node.parents)
        local = self.local[k]
        if p.rule is not None or p.label:
            if _IDENT.match(local):  # the common case (d(x*y)/dx = y, dot's x_i): one name
                return self.definition, self.table.get(local, local)
            return self.definition, tidy(substitute(local, self.table))
        name = self.names[id(p)]
        table = _Override(self.table, self.own[k], name)
        shown = self.rule.arity >= 0 or k < 2 or k >= n - 2 or (
            self.rule.name != "sum" and _shown_pair(k, n, self.rule.name))
        definition = self._define(p, k) if shown else self.definition
        return f"{definition} with {name} = {p.data:.6g}", tidy(substitute(local, table))


def definition(node: Value, names: dict[int, str]) -> str:
    """``c = a * b``: an op node as a formula of its inputs, as ``explain`` writes it
    (unlabelled constants as their numbers, n-ary nodes shortened past four terms).

    >>> from autograd_lite.names import node_names
    >>> a = Value(2.0, label="a"); c = a * 3; c.label = "c"
    >>> definition(c, node_names(c))
    'c = a * 3'
    """
    return _Consumer(node, names).definition


def _shown_pair(k: int, n: int, op: str) -> bool:
    """Whether input ``k`` of a dot/affine node is in one of the products shown (the first
    two and the last)."""
    bias = 1 if op == "affine" else 0
    m = (n - bias) // 2
    i = (k - bias) % m if k >= bias else -1
    return i in (0, 1, m - 1)


class _Override(Mapping[str, str]):
    """A table with one entry changed, without copying a large table."""

    def __init__(self, base: Mapping[str, str], key: str, value: str) -> None:
        self.base, self.key, self.value = base, key, value

    def __getitem__(self, key: str) -> str:
        return self.value if key == self.key else self.base[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.base)

    def __len__(self) -> int:
        return len(self.base)


def _not_needed(node: Value, root: str, name: str, exc: BaseException,
                table: Mapping[str, str]) -> str:
    """Why an undefined local derivative is harmless here: nothing flows back into it.
    ``table`` maps the rule's input names to the user's, for the rule's own message."""
    head = f"nothing flows back (d{d_of(root)}/d{d_of(name)} = 0), so "
    if len(node.parents) == 1:
        return head + (f"{node.op}'({node.parents[0].data:.6g}), which is undefined, "
                       "is not needed")
    why = substitute(str(exc), table)
    return head + f"its local derivatives are not needed (here one is undefined: {why})"


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
        return self.node.rule.name if self.node.rule is not None else ""

    def _d(self, top: str, bottom: str) -> str:
        return f"d{d_of(top)}/d{d_of(bottom)}"

    def _direct(self, t: Term) -> str:
        if "d/d" in t.local_formula:
            return f"∂{d_of(t.consumer)}/∂{d_of(self.name)}"
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
            return rf"\frac{{{sym} {latex_name(top)}}}{{{sym} {latex_name(bottom)}}}"

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

    def __init__(self, root: Value, visits: list[tuple[Value, float, Any]],
                 grads: dict[Value, float]) -> None:
        self.root = root
        self._visits = visits
        self._grads = grads
        self._steps: list[Step] = []
        self._making: Iterator[Step] | None = None

    @property
    def steps(self) -> list[Step]:
        """The steps, root first; worked out on first use (a large graph's transcript is
        cheap to make and costs only when read)."""
        return self._first(len(self._visits))

    def _first(self, k: int) -> list[Step]:
        """The first ``k`` steps, working out no more than those (a notebook shows 200)."""
        if len(self._steps) < min(k, len(self._visits)):
            if self._making is None:
                self._making = _steps(self.root, self._visits)
            self._steps.extend(islice(self._making, k - len(self._steps)))
        return self._steps if k >= len(self._steps) else self._steps[:k]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self._visits)

    def grad(self, node: Value) -> float:
        """d(root)/d(node) as found by the transcript (0.0 if the root does not use it).
        The same number, to the last bit, as ``root.backward()`` gives."""
        return self._grads.get(node, 0.0)

    def __str__(self) -> str:
        return "\n".join(str(s) for s in self.steps)

    def __repr__(self) -> str:
        return f"<Transcript of {len(self)} steps>\n{self}"

    def _more(self) -> str:
        extra = len(self) - self._SHOWN
        if extra <= 0:
            return ""
        return f"\n\n... and {extra} more steps (print the transcript to see all)"

    def _repr_markdown_(self) -> str:
        # Labels are the user's text: code spans show them as typed (HTML and backticks
        # included). A step naming a label that Markdown could read as markup (a backtick,
        # *, $, <...) is shown as plain text rather than as math.
        lines = []
        for s in self._first(self._SHOWN):
            names = [s.name, s.root, *(t.consumer for t in s.terms)]
            if any(_UNSAFE_IN_MATH & set(n) for n in names):
                lines.append(f"- {code(str(s))}")
                continue
            where = "; ".join(f"{code(t.definition)}: {markup_text(t.note)}" if t.note else
                              f"{code(t.definition)}, "
                              f"{code(f'{s._d(t.consumer, s.name)} = {t.local_formula}')}"
                              for t in s.terms)
            lines.append(f"- ${s.latex()}$" + (f" &nbsp; where {where}" if where else ""))
        return "\n".join(lines) + self._more()

    def _repr_latex_(self) -> str:
        rows = r" \\ ".join(s.latex() for s in self._first(self._SHOWN))
        return rf"$$\begin{{gathered}} {rows} \end{{gathered}}$$"


_UNSAFE_IN_MATH = frozenset("`*$|~<>&")  # a label holding one is not put into $...$


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
    check_root(root, "explain")
    visits: list[tuple[Value, float, Any]] = []
    order, grads = walk(root, 1.0, visit=lambda node, g, parts: visits.append((node, g, parts)))
    return Transcript(root, visits, dict(zip(order, grads)))


def _steps(root: Value, visits: list[tuple[Value, float, Any]]) -> Iterator[Step]:
    """The steps of a transcript from the walk's visits (each node after all its users),
    one at a time: a step's terms come from nodes visited before it."""
    names = node_names(root)
    rname = names[id(root)]
    terms: dict[Value, list[Term]] = {}
    for node, g, parts in visits:
        yield Step(node, names[id(node)], rname, g, tuple(terms.pop(node, ())))
        if not node.parents:
            continue
        consumer = _Consumer(node, names)
        note = ""
        if isinstance(parts, BaseException):  # undefined, but nothing flows back anyway
            note = _not_needed(node, rname, names[id(node)], parts, consumer.table)
            parts = [math.nan] * len(node.parents)
        for k, (p, d) in enumerate(zip(node.parents, parts)):
            definition, local_formula = consumer.term_text(k)
            contribution = g * d if g != 0.0 else 0.0
            terms.setdefault(p, []).append(Term(names[id(node)], node.op, definition,
                                                local_formula, g, float(d), contribution, note))
