"""Readable views of a graph: the chain rule step by step, and the graph as a formula.

* :func:`explain` walks the backward pass and records each step with the local derivative
  formula from the rules table and the numbers, e.g.
  ``dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0``.
* :func:`formula` and :func:`latex` print the expression a node computes.
* :func:`node_names` gives every node a name: its label, or a readable automatic one.

Nothing here computes a derivative of its own: the local partials and their formulas are
read from each node's rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .engine import Value, _backward_error, _derivative_problem, topological_order
from .rules import Rule

__all__ = ["Step", "Term", "Transcript", "explain", "formula", "latex", "node_names"]


# --- names ----------------------------------------------------------------------------------


def node_names(root: Value) -> dict[int, str]:
    """A unique name for every node ``root`` depends on, keyed by ``id(node)``.

    A node's label if it has one (repeated labels get ``_2``, ``_3``...); otherwise an
    unlabelled root is ``L``, unlabelled leaves are ``x1, x2, ...`` and other unlabelled
    nodes are named after their op (``mul1``, ``tanh1``...).

    >>> a = Value(2.0, label="a"); b = Value(3.0)
    >>> y = (a * b).tanh()
    >>> names = node_names(y)
    >>> [names[id(n)] for n in (a, b, y.parents[0], y)]
    ['a', 'x1', 'mul1', 'L']
    """
    order = topological_order(root)
    taken = {n.label for n in order if n.label}
    names: dict[int, str] = {}
    counters: dict[str, int] = {}
    used: set[str] = set()

    def fresh(base: str) -> str:
        while True:
            counters[base] = counters.get(base, 0) + 1
            candidate = f"{base}{counters[base]}"
            if candidate not in taken and candidate not in used:
                return candidate

    for node in order:
        if node.label:
            name, k = node.label, 1
            while name in used:
                k += 1
                name = f"{node.label}_{k}"
        elif node is root and "L" not in taken:
            name = "L"
        else:
            name = fresh(node.op or "x")
        used.add(name)
        names[id(node)] = name
    return names


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
    if rule.arity < 0:
        return text  # n-ary formulas are patterns over an index i; leave them as written
    table = dict(zip(rule.input_names(len(names)), names))
    if param is not None:
        table[rule.param_name] = f"{param:.6g}"

    def swap(m: re.Match[str]) -> str:
        name = table[m.group(0)]
        return name if _IDENT.match(name) or _NUMBER.match(name) else f"({name})"

    return re.sub(r"\b(" + "|".join(map(re.escape, table)) + r")\b", swap, text)


def _partial_formula(rule: Rule, i: int, n: int) -> str:
    """The formula of d(out)/d(input i). An n-ary rule lists one pattern per group of
    inputs (``d/dw_i = x_i``): patterns without ``_i`` cover one input each, the rest
    split the remaining inputs evenly; ``i`` is then filled in."""
    pats = rule.partial_formulas
    if rule.arity >= 0:
        return pats[i]
    singles = sum(1 for p in pats if "_i" not in p)
    groups = len(pats) - singles
    if i < singles or groups == 0:
        return pats[min(i, len(pats) - 1)]
    size = max((n - singles) // groups, 1)
    k, j = divmod(i - singles, size)
    return pats[min(singles + k, len(pats) - 1)].replace("_i", f"_{j + 1}")


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
    order = topological_order(root)
    rname = names[id(root)]
    grads: dict[int, float] = {id(root): 1.0}
    terms: dict[int, list[Term]] = {}
    steps: list[Step] = []
    for node in reversed(order):
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
            local_formula = _substitute(_partial_formula(rule, i, len(parts)), rule,
                                        parent_names, node._param)
            contribution = g * d if g != 0.0 else 0.0
            terms.setdefault(id(p), []).append(
                Term(names[id(node)], rule.name, definition, local_formula, g, d,
                     contribution))
            grads[id(p)] = grads.get(id(p), 0.0) + contribution
    return Transcript(steps, grads)


# --- formulas -------------------------------------------------------------------------------

# Binding strength, loosest first. Parentheses go where a child binds looser than needed.
_ADD, _MUL, _NEG, _POW, _ATOM = 1, 2, 3, 4, 5
_INFIX = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POW}
_LATEX_FUNCS = {"exp", "log", "sin", "cos", "tanh", "sinh", "cosh", "tan"}


def _latex_name(name: str) -> str:
    """``w1`` -> ``w_{1}``, ``loss`` -> ``\\mathrm{loss}``, ``x`` -> ``x``."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if m:
        base, sub = m.groups()
        base = base if len(base) == 1 else rf"\mathrm{{{base}}}"
        return f"{base}_{{{sub}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    escaped = re.sub(r"([_#%&$^{}\\])", r"\\\1", name)
    return rf"\mathrm{{{escaped}}}"


def _render(root: Value, tex: bool, max_length: int) -> str:
    order = topological_order(root)
    names = node_names(root)
    done: dict[int, tuple[str, int]] = {}

    def wrap(child: tuple[str, int], ok: bool) -> str:
        s = child[0]
        if ok:
            return s
        return rf"\left({s}\right)" if tex else f"({s})"

    def product(a: tuple[str, int], b: tuple[str, int], sym: str) -> str:
        left = wrap(a, a[1] >= _MUL)
        right = wrap(b, b[1] >= _MUL and b[1] != _NEG)
        return f"{left} {sym} {right}" if tex else f"{left}{sym}{right}"

    for node in order:
        rule = node._rule
        kids = [done[id(p)] for p in node._prev]
        if rule is None:
            text = names[id(node)] if node.label else f"{node.data:.6g}"
            if tex and node.label:
                text = _latex_name(text)
            done[id(node)] = (text, _NEG if node.data < 0 and not node.label else _ATOM)
            continue
        done[id(node)] = _node_text(node, rule, kids, tex, wrap, product)
        if len(done[id(node)][0]) > max_length:  # shared sub-graphs can grow exponentially
            name = names[id(node)]
            done[id(node)] = (_latex_name(name) if tex else name, _ATOM)
    return done[id(root)][0]


def _node_text(node: Value, rule: Rule, kids: list[tuple[str, int]], tex: bool,
               wrap: Any, product: Any) -> tuple[str, int]:
    sym = rule.symbol
    if rule.arity == 2 and sym in _INFIX:
        a, b = kids
        if sym == "+":
            return f"{a[0]} + {b[0]}", _ADD
        if sym == "-":
            return f"{a[0]} - {wrap(b, b[1] > _ADD and b[1] != _NEG)}", _ADD
        if sym == "*":
            return product(a, b, r"\cdot" if tex else "*"), _MUL
        if sym == "/":
            if tex:
                return rf"\frac{{{a[0]}}}{{{b[0]}}}", _MUL
            return f"{wrap(a, a[1] >= _MUL)}/{wrap(b, b[1] > _MUL and b[1] != _NEG)}", _MUL
        base = wrap(a, a[1] > _POW)
        return (f"{{{base}}}^{{{b[0]}}}" if tex else f"{base}**{wrap(b, b[1] >= _POW)}"), _POW
    if rule.arity == 1 and sym == "-" and node._param is None:
        return f"-{wrap(kids[0], kids[0][1] >= _MUL and kids[0][1] != _NEG)}", _NEG
    if rule.arity == 1 and sym == "**":
        base = wrap(kids[0], kids[0][1] > _POW)
        c = f"{node._param:.6g}"
        return (f"{{{base}}}^{{{c}}}" if tex else
                f"{base}**{c if node._param >= 0 else '(' + c + ')'}"), _POW
    if rule.name == "sum":
        return " + ".join(k[0] for k in kids), _ADD
    if rule.name in ("dot", "affine"):
        bias = kids[:1] if rule.name == "affine" else []
        pairs = kids[len(bias):]
        n = len(pairs) // 2
        parts = [product(pairs[i], pairs[n + i], r"\cdot" if tex else "*") for i in range(n)]
        return " + ".join(parts + [b[0] for b in bias]), _ADD
    args = [k[0] for k in kids]
    if node._param is not None:
        args.append(f"{node._param:.6g}")
    inner = ", ".join(args)
    if not tex:
        return f"{rule.name}({inner})", _ATOM
    if rule.name == "sqrt":
        return rf"\sqrt{{{inner}}}", _ATOM
    if rule.name == "abs":
        return rf"\left|{inner}\right|", _ATOM
    if rule.name == "sigmoid":
        return rf"\sigma\left({inner}\right)", _ATOM
    escaped = rule.name.replace("_", r"\_")
    head = "\\" + rule.name if rule.name in _LATEX_FUNCS else rf"\operatorname{{{escaped}}}"
    return rf"{head}\left({inner}\right)", _ATOM


def formula(root: Value, max_length: int = 2000) -> str:
    """The expression ``root`` computes, in Python-like syntax, from labels and numbers.

    Labelled leaves print as their label, other leaves as their number. A sub-expression
    longer than ``max_length`` (shared sub-graphs can grow exponentially) prints as its name.

    >>> w1, x1, b = Value(0.5, label="w1"), Value(2.0, label="x1"), Value(-1.0, label="b")
    >>> formula((w1 * x1 + b).tanh())
    'tanh(w1*x1 + b)'
    >>> formula((w1 - (x1 + b)) ** 2 / -b)
    '(w1 - (x1 + b))**2/(-b)'
    """
    return _render(root, tex=False, max_length=max_length)


def latex(root: Value, max_length: int = 2000) -> str:
    """The expression ``root`` computes, as LaTeX (no surrounding ``$``).

    >>> w1, x1, b = Value(0.5, label="w1"), Value(2.0, label="x1"), Value(-1.0, label="b")
    >>> latex((w1 * x1 + b).tanh())
    '\\\\tanh\\\\left(w_{1} \\\\cdot x_{1} + b\\\\right)'
    >>> print(latex(w1 ** 2 / x1))
    \\frac{{w_{1}}^{2}}{x_{1}}
    """
    return _render(root, tex=True, max_length=max_length)
