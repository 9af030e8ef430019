"""Exercises for teachers: a small random expression to differentiate by hand.

``exercise(level, seed)`` builds one, with every node labelled and hand-friendly values;
print it for a worksheet (``str``, ``.latex()``), grade a learner with ``.check(answers)``
(:func:`autograd_lite.answers.check_answers`), and print the worked answer with
``.solution()``. The same level and seed always give the same exercise (a private
``random.Random``; the global random state is neither used nor changed).

Levels, from easiest: ``1`` ``"op"`` (one operation), ``2`` ``"chain"`` (a few operations in
a row, like micrograd's ``L = (a*b + c) * f``), ``3`` ``"fan-out"`` (a value used twice, so
its gradient is a sum), ``4`` ``"neuron"`` (``tanh`` or ``sigmoid`` of ``x1*w1 + x2*w2 + b``)
and ``5`` ``"network"`` (two neurons and a squared error).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from . import markup
from .answers import AnswerReport, check_answers
from .core import Value, apply, enable_grad, topological_order
from .mistakes import num
from .names import formula, latex
from .transcript import explain

__all__ = ["LEVELS", "Exercise", "exercise"]

LEVELS = ("op", "chain", "fan-out", "neuron", "network")
"""The levels, easiest first; ``exercise`` takes a level's name or its number (1-5)."""

# Node names avoid e (Euler's number in formulas), i, j, l and o (read as 1 and 0), and L.
_NAMES = "abcdfghkmnpqrstuvwyz"


def _pick(rng: random.Random, values: tuple[float, ...]) -> float:
    return float(rng.choice(values))


_SMALL = (-4.0, -3.0, -2.0, 2.0, 3.0, 4.0, -0.5, 0.5)
_HALVES = (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)


class _Builder:
    """Makes labelled nodes with the next free name."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = iter(_NAMES)

    def leaf(self, values: tuple[float, ...] = _SMALL, name: str | None = None) -> Value:
        return Value(_pick(self.rng, values), label=name or next(self.names))

    def name(self, node: Value, name: str | None = None) -> Value:
        node.label = name or next(self.names)
        return node


def _binary(rng: random.Random, x: Value, y: Value, ops: str = "+-*") -> Value:
    op = rng.choice(ops)
    return x + y if op == "+" else x - y if op == "-" else x * y


def _op(b: _Builder) -> Value:
    rng = b.rng
    kind = rng.choice(("mul", "add", "sub", "div", "square", "cube", "tanh", "exp"))
    a = b.leaf()
    if kind in ("mul", "add", "sub"):
        other = b.leaf()
        out = a * other if kind == "mul" else a + other if kind == "add" else a - other
    elif kind == "div":
        out = a / b.leaf((-4.0, -2.0, -0.5, 0.5, 2.0, 4.0))
    elif kind in ("square", "cube"):
        out = a ** (2 if kind == "square" else 3)
    elif kind == "tanh":
        a.data = _pick(rng, (-1.0, -0.5, 0.5, 1.0))
        out = a.tanh()
    else:
        a.data = _pick(rng, (-1.0, 0.5, 1.0, 2.0))
        out = a.exp()
    return b.name(out, "L")


def _chain(b: _Builder) -> Value:
    node = _binary(b.rng, b.leaf(), b.leaf())
    b.name(node)
    for _ in range(b.rng.choice((1, 2))):
        node = b.name(_binary(b.rng, node, b.leaf()))
    last = node * b.leaf() if b.rng.random() < 0.5 else node ** 2
    return b.name(last, "L")


def _fan_out(b: _Builder) -> Value:
    rng = b.rng
    a, x = b.leaf(), b.leaf()
    c = b.name(_binary(rng, a, x, "*+"))
    other = rng.choice((a, x)) if rng.random() < 0.5 else b.leaf()
    d = b.name(_binary(rng, c, other, "+-*" if c.op == "mul" else "*"))
    # Every node but d is already used once, so this is a second use: a fan-out.
    again = rng.choice(list(dict.fromkeys((a, x, c, other))))
    return b.name(_binary(rng, d, again, "+*"), "L")


def _neuron(b: _Builder) -> Value:
    """micrograd's lecture neuron, with the bias chosen so the activation is a round number."""
    rng = b.rng
    x1, x2 = b.leaf((-2.0, -0.5, 0.5, 2.0), "x1"), b.leaf((-2.0, -0.5, 0.5, 2.0), "x2")
    w1, w2 = b.leaf((-3.0, -2.0, 2.0, 3.0), "w1"), b.leaf(_HALVES, "w2")
    x1w1 = b.name(x1 * w1, "x1w1")
    x2w2 = b.name(x2 * w2, "x2w2")
    x1w1x2w2 = b.name(x1w1 + x2w2, "x1w1x2w2")
    if rng.random() < 0.6:
        out, target = "tanh", rng.choice((-0.8, -0.6, 0.6, 0.8))
        n_wanted = math.atanh(target)
    else:
        out, target = "sigmoid", rng.choice((0.2, 0.25, 0.75, 0.8))
        n_wanted = math.log(target / (1.0 - target))
    bias = b.leaf(name="b")
    bias.data = round(n_wanted - x1w1x2w2.data, 4)
    n = b.name(x1w1x2w2 + bias, "n")
    return b.name(n.tanh() if out == "tanh" else n.sigmoid(), "o")


def _network(b: _Builder) -> Value:
    rng = b.rng
    tenths = (-0.8, -0.6, -0.4, -0.2, 0.2, 0.4, 0.6, 0.8)
    x = b.leaf((0.5, 1.5, 2.0), "x")
    w1, b1 = b.leaf(tenths, "w1"), b.leaf(tenths, "b1")
    w2, b2 = b.leaf(tenths, "w2"), b.leaf(tenths, "b2")
    if rng.random() < 0.5:  # two neurons side by side on one input, as in notebook 03
        z1 = b.name(b.name(w1 * x, "w1x") + b1, "z1")
        z2 = b.name(b.name(w2 * x, "w2x") + b2, "z2")
        h1, h2 = b.name(z1.sigmoid(), "h1"), b.name(z2.sigmoid(), "h2")
        y = b.name(h1 + h2, "y")
        t = b.leaf((0.5, 1.5, 2.0), "t")
    else:  # two neurons in a row
        z1 = b.name(b.name(w1 * x, "w1x") + b1, "z1")
        h = b.name(z1.tanh(), "h")
        z2 = b.name(b.name(w2 * h, "w2h") + b2, "z2")
        y = b.name(z2.tanh(), "y")
        t = b.leaf((-0.5, 0.5, 0.9), "t")
    r = b.name(y - t, "r")
    return b.name(r ** 2, "L")


_MAKERS: dict[str, Callable[[_Builder], Value]] = {
    "op": _op, "chain": _chain, "fan-out": _fan_out, "neuron": _neuron, "network": _network}


def _distinct(root: Value) -> bool:
    """Whether classic mistakes give numbers unlike the right ones: leaves of different
    sizes, none 0 or 1 (x*1 hides a missing factor), every gradient non-zero, nothing huge."""
    order = topological_order(root)
    sizes = [abs(n.data) for n in order if n.is_leaf]
    if len(set(sizes)) < len(sizes) or {0.0, 1.0} & set(sizes):
        return False
    grads = [s.grad for s in explain(root).steps]
    return all(g != 0.0 and abs(g) < 1e3 for g in grads) and all(
        abs(n.data) < 1e3 for n in order)


def _name_unlabelled(root: Value) -> None:
    """Interior nodes made inside an expression (``w1 * x`` in ``w1 * x + b1``) get names."""
    taken = {n.label for n in topological_order(root) if n.label}
    counter = 0
    for node in topological_order(root):
        if node.label or node.is_leaf:
            continue
        while True:
            counter += 1
            name = f"{node.op[:1]}{counter}"
            if name not in taken:
                break
        taken.add(name)
        node.label = name


class Exercise:
    """One exercise: a labelled graph, printable as a worksheet and gradable.

    Attributes:
        level: the level's name (one of :data:`LEVELS`).
        seed: the seed it was made from.
        root: the expression's output (``L``, or ``o`` for a neuron).
        nodes: every node by name, in the order they are computed.

    >>> ex = exercise("chain", seed=1)
    >>> ex.check(ex.answers).passed
    True
    """

    def __init__(self, level: str, seed: int, root: Value) -> None:
        self.level = level
        self.seed = seed
        self.root = root
        self.nodes = {n.label: n for n in topological_order(root)}

    @property
    def answers(self) -> dict[str, float]:
        """The correct d(root)/d(node) for every node, by name (the answer key)."""
        t = explain(self.root)
        return {s.name: s.grad for s in t.steps}

    @property
    def title(self) -> str:
        return f"Exercise: {self.level} (level {LEVELS.index(self.level) + 1}, seed {self.seed})"

    def _definition(self, node: Value, tex: bool) -> str:
        """``a*b`` for a node made from ``a`` and ``b``: the op alone, on its inputs' names."""
        assert node.rule is not None
        with enable_grad():
            inputs = [Value(p.data, label=p.label) for p in node.parents]
            alone = apply(node.rule, inputs, node.param)
        return latex(alone) if tex else formula(alone)

    def backward_names(self) -> list[str]:
        """The nodes in the order their gradients are found (root first)."""
        return [s.name for s in explain(self.root).steps]

    def __str__(self) -> str:
        root = self.root.label
        lines = [self.title, "", "Forward pass:"]
        for name, node in self.nodes.items():
            if node.is_leaf:
                lines.append(f"  {name} = {node.data:.10g}")
            else:
                lines.append(f"  {name} = {self._definition(node, False)} = {num(node.data)}")
        lines += ["", f"Find d{root}/dx for every node x, working backward from {root}",
                  "(4 significant digits are plenty):"]
        width = max(len(n) for n in self.nodes)
        lines += [f"  d{root}/d{name.ljust(width)} = ____________" for name in
                  self.backward_names()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{self.title}: {formula(self.root)}>"

    def latex(self) -> str:
        """The worksheet as a LaTeX fragment (needs ``amsmath`` for ``align*``)."""
        root = latex(self._named(self.root))
        rows = []
        for node in self.nodes.values():
            left = latex(self._named(node))
            if node.is_leaf:
                rows.append(f"{left} &= {node.data:.10g}")
            else:
                rows.append(f"{left} &= {self._definition(node, True)} = {num(node.data)}")
        blanks = [rf"\frac{{\partial {root}}}{{\partial {latex(self._named(self.nodes[n]))}}}"
                  r" &= \rule{4cm}{0.4pt}" for n in self.backward_names()]
        return (f"\\textbf{{{self.title}}}\n\n"
                "Forward pass:\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"
                f"Find $\\partial {root} / \\partial x$ for every node $x$, working backward:\n"
                "\\begin{align*}\n" + " \\\\[1ex]\n".join(blanks) + "\n\\end{align*}\n")

    @staticmethod
    def _named(node: Value) -> Value:
        return Value(node.data, label=node.label)

    def _repr_markdown_(self) -> str:
        return markup.fence(str(self))

    def solution(self) -> str:
        """The worked answer: every chain-rule step with its numbers (``explain``)."""
        return str(explain(self.root))

    def check(self, answers: Mapping[Any, Any] | None = None, **options: Any) -> AnswerReport:
        """Grade answers with :func:`~autograd_lite.answers.check_answers` (``None``: the
        ``.grad`` values set on ``exercise.nodes``); options are check_answers'."""
        return check_answers(self.root, answers, **options)


def exercise(level: int | str = "chain", seed: int = 0) -> Exercise:
    """A random small expression to differentiate by hand, for a worksheet.

    Args:
        level: ``1``-``5`` or ``"op"``, ``"chain"``, ``"fan-out"``, ``"neuron"``,
            ``"network"``.
        seed: any int; the same level and seed give the same exercise.

    >>> ex = exercise("op", seed=0)
    >>> print(ex)
    Exercise: op (level 1, seed 0)
    <BLANKLINE>
    Forward pass:
      a = 3
      b = -0.5
      L = a*b = -1.5
    <BLANKLINE>
    Find dL/dx for every node x, working backward from L
    (4 significant digits are plenty):
      dL/dL = ____________
      dL/da = ____________
      dL/db = ____________
    >>> ex.check({"a": -0.5, "b": -0.5}).first_wrong     # dL/db = a = 3
    'b'
    """
    if isinstance(level, bool) or not isinstance(level, (int, str)):
        raise TypeError(f"exercise: level must be 1-5 or one of {', '.join(LEVELS)}, got "
                        f"{level!r}")
    if isinstance(level, int):
        if not 1 <= level <= len(LEVELS):
            raise ValueError(f"exercise: level must be 1-5, got {level}")
        name = LEVELS[level - 1]
    elif level in LEVELS:
        name = level
    else:
        raise ValueError(f"exercise: unknown level {level!r}; the levels are "
                         f"{', '.join(LEVELS)} (or 1-5)")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"exercise: seed must be an int, got {seed!r}")
    rng = random.Random(f"autograd_lite.exercise/{name}/{seed}")
    with enable_grad():
        for _ in range(200):  # a few tries find values where mistakes show
            root = _MAKERS[name](_Builder(rng))
            if _distinct(root):
                break
    _name_unlabelled(root)
    return Exercise(name, seed, root)
