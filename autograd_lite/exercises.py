"""Exercises for teachers: a small random expression to differentiate by hand.

``exercise(level, seed)`` builds one, with every node labelled and hand-friendly values;
print it for a worksheet (``str``, ``.latex()``), grade a learner with ``.check(answers)``
(:func:`autograd_lite.answers.check_answers`), and print the worked answer with
``.solution()``. The same level and seed always give the same exercise (a private
``random.Random``; the global random state is neither used nor changed), and different
seeds give different exercises as far as a level has room: seeds 0-999 (and each further
run of 1,000 seeds) never repeat a sheet unless the level has fewer sheets than that.

A sheet lists the inputs in the order the expression reads them, gives every value so a
learner can reproduce it (exactly, or marked ``≈`` when rounded to 4 significant digits),
and asks for 4 significant digits, which is how ``.check`` grades (:data:`RTOL`).

Levels, from easiest: ``1`` ``"op"`` (one operation), ``2`` ``"chain"`` (a few operations in
a row, like micrograd's ``L = (a*b + c) * f``), ``3`` ``"fan-out"`` (a value used twice, so
its gradient is a sum), ``4`` ``"neuron"`` (``tanh`` or ``sigmoid`` of ``x1*w1 + x2*w2 + b``)
and ``5`` ``"network"`` (two neurons and a squared error).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import markup
from .answers import AnswerReport, check_answers
from .core import Value, apply, enable_grad, topological_order
from .mistakes import correct_step, num
from .names import formula, latex, latex_name
from .notation import d_of
from .transcript import explain

__all__ = ["LEVELS", "RTOL", "Exercise", "exercise"]

RTOL = 2e-3
"""How close a worksheet answer must be: within 0.2% of the exact value. A sheet asks for 4
significant digits, and is only used when an answer worked from its values with every
step rounded to 4 significant digits stays within a quarter of that (a chain of rounded
steps drifts by a few parts in 10,000); 101 for 100 is wrong. ``check_answers`` itself
defaults to 1%."""

LEVELS = ("op", "chain", "fan-out", "neuron", "network")
"""The levels, easiest first; ``exercise`` takes a level's name or its number (1-5)."""

# Node names avoid e (Euler's number in formulas), i, j, l and o (read as 1 and 0), and L.
_NAMES = "abcdfghkmnpqrstuvwyz"


def _pick(rng: random.Random, values: tuple[float, ...]) -> float:
    return float(rng.choice(values))


_SMALL = (-5.0, -4.0, -3.0, -2.0, 2.0, 3.0, 4.0, 5.0, -1.5, -0.5, 0.5, 1.5)
_HALVES = (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)


class _Builder:
    """Makes labelled nodes with the next free name, remembering the order it made them
    (the order the sheet lists them in)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = iter(_NAMES)
        self.made: list[Value] = []
        self.sizes: set[float] = set()

    def leaf(self, values: tuple[float, ...] = _SMALL, name: str | None = None) -> Value:
        """A new input, its size unlike every other input's where ``values`` allow (a
        swapped factor must give a different number)."""
        fresh = tuple(v for v in values if abs(v) not in self.sizes) or values
        node = Value(_pick(self.rng, fresh), label=name or next(self.names))
        self.sizes.add(abs(node.data))
        self.made.append(node)
        return node

    def name(self, node: Value, name: str | None = None) -> Value:
        node.label = name or next(self.names)
        self.made.append(node)
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
        a.data = _pick(rng, (-1.5, -0.5, -0.25, 0.25, 0.5, 1.5))
        out = a.tanh()
    else:
        a.data = _pick(rng, (-2.0, -0.5, 0.5, 1.5, 2.0))
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


def _reading_order(root: Value, made: Sequence[Value]) -> list[Value]:
    """Every node once, each after its inputs, and otherwise in the order the exercise
    made them: inputs as the expression reads them (``x, w1, b1, w2, ...``), not in the
    order a depth-first walk happens to meet them."""
    order = topological_order(root)
    rank = {id(n): i for i, n in enumerate(made)}
    position = {id(n): (rank.get(id(n), len(made) + i), i) for i, n in enumerate(order)}
    waiting = {id(n): len(set(map(id, n.parents))) for n in order}
    users: dict[int, list[Value]] = {}
    for n in order:
        for p in dict.fromkeys(n.parents):
            users.setdefault(id(p), []).append(n)
    ready = [n for n in order if not n.parents]
    listed: list[Value] = []
    while ready:
        ready.sort(key=lambda n: position[id(n)])
        node = ready.pop(0)
        listed.append(node)
        for user in users.get(id(node), ()):
            waiting[id(user)] -= 1
            if waiting[id(user)] == 0:
                ready.append(user)
    return listed


def _distinct(root: Value) -> bool:
    """Whether classic mistakes give numbers unlike the right ones: leaves of different
    sizes, none 0 or 1 (x*1 hides a missing factor), every gradient non-zero, nothing huge."""
    order = topological_order(root)
    sizes = [abs(n.data) for n in order if n.is_leaf]
    if len(set(sizes)) < len(sizes) or {0.0, 1.0} & set(sizes):
        return False
    grads = [s.grad for s in explain(root).steps]
    return all(g != 0.0 and abs(g) < 1e3 for g in grads) and all(
        abs(n.data) < 1e3 for n in order) and _by_hand_error(root) <= RTOL / 4


def _sig4(x: float) -> float:
    return float(format(x, ".4g"))


def _local_partials(node: Value, out: float, inputs: Sequence[float]) -> list[float]:
    """The local derivatives of ``node``'s op at the given numbers (the one place this
    module calls a rule's function)."""
    rule = node.rule
    assert rule is not None
    extra = [node.param] if rule.param else []
    return [float(d) for d in rule.partials(out, *inputs, *extra)]


def _by_hand_error(root: Value) -> float:
    """The largest relative error of a learner's answers worked from the sheet's values
    (as shown: rounded where marked ``≈``) with every local derivative and every gradient
    rounded to 4 significant digits. A sheet where that misses by more than a quarter of
    :data:`RTOL` (a sum that nearly cancels, a tanh near +-1) is not used."""
    order = topological_order(root)
    shown = {id(n): float(_shown(n.data)[2:]) for n in order}
    mine: dict[int, float] = {id(root): 1.0}
    try:
        for node in reversed(order):
            g = mine[id(node)] = _sig4(mine.get(id(node), 0.0))
            if node.parents:
                local = _local_partials(node, shown[id(node)],
                                        [shown[id(p)] for p in node.parents])
                for p, d in zip(node.parents, local):
                    mine[id(p)] = mine.get(id(p), 0.0) + _sig4(g * _sig4(d))
    except (ArithmeticError, ValueError):
        return math.inf
    exact = explain(root)
    return max(abs(mine[id(n)] - exact.grad(n)) / abs(exact.grad(n)) for n in order)


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


def _shown(x: float) -> str:
    """A value as the sheet gives it: ``= 156.25`` when 6 significant digits hold it
    exactly, else ``≈ 0.9468`` (4 significant digits, as the answers are asked for)."""
    exact = format(x + 0.0, ".6g")
    if float(exact) == x or abs(float(exact) - x) <= 1e-12 * abs(x):
        return f"= {exact}"
    return f"≈ {num(x)}"


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "#": r"\#",
                "%": r"\%", "&": r"\&", "$": r"\$", "^": r"\^{}", "~": r"\~{}"}


def _tex_name(name: str) -> str:
    """A node's name in LaTeX: ``w_{1}`` as ``latex`` writes it, and a name with a
    backslash or a tilde as upright text with every special character escaped
    (``a\\b`` is ``\\mathrm{a\\textbackslash{}b}``, never a line break ``\\\\``)."""
    if "\\" not in name and "~" not in name:
        return latex_name(name)
    escaped = re.sub(r"[\\{}_#%&$^~]", lambda m: _TEX_SPECIAL[m.group(0)], name)
    return rf"\mathrm{{{escaped}}}"


class Exercise:
    """One exercise: a labelled graph, printable as a worksheet and gradable.

    Attributes:
        level: the level's name (one of :data:`LEVELS`).
        seed: the seed it was made from.
        root: the expression's output (``L``, or ``o`` for a neuron).
        nodes: every node by name, in the order the sheet lists them: each after its
            inputs, inputs in the order the expression reads them.
        rtol: how close an answer must be for ``.check`` (:data:`RTOL`: 4 significant
            digits, as the sheet asks).

    >>> ex = exercise("chain", seed=1)
    >>> ex.check(ex.answers).passed
    True
    """

    def __init__(self, level: str, seed: int, root: Value,
                 order: Sequence[Value] = ()) -> None:
        self.level = level
        self.seed = seed
        self.root = root
        self.rtol = RTOL
        self.nodes = {n.label: n for n in _reading_order(root, order)}

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
        with enable_grad():  # in LaTeX, stand-in names first, then each name escaped
            inputs = [Value(p.data, label=f"zq{i}" if tex else p.label)
                      for i, p in enumerate(node.parents)]
            alone = apply(node.rule, inputs, node.param)
        if not tex:
            return formula(alone)
        text = latex(alone)
        for i, p in enumerate(node.parents):
            text = text.replace(latex_name(f"zq{i}"), _tex_name(p.label))
        return text

    def backward_names(self) -> list[str]:
        """The nodes in the order their gradients are found (root first)."""
        return [s.name for s in explain(self.root).steps]

    def _rounded(self) -> bool:
        return any(_shown(n.data).startswith("≈") for n in self.nodes.values())

    def __str__(self) -> str:
        root = self.root.label
        rounded = " (≈: rounded to 4 significant digits)" if self._rounded() else ""
        lines = [self.title, "", f"Forward pass{rounded}:"]
        for name, node in self.nodes.items():
            if node.is_leaf:
                lines.append(f"  {name} = {node.data:.10g}")
            else:
                lines.append(f"  {name} = {self._definition(node, False)} "
                             f"{_shown(node.data)}")
        lines += ["", f"Find the gradient of {root} with respect to every node, working "
                      f"backward from {root}.",
                  f"Give 4 significant digits: answers within {self.rtol:.1%} of the exact "
                  "value are marked right."]
        heads = {name: f"d{d_of(root)}/d{d_of(name)}" for name in self.backward_names()}
        width = max(len(h) for h in heads.values())
        lines += [f"  {h.ljust(width)} = ____________" for h in heads.values()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{self.title}: {formula(self.root)}>"

    def latex(self) -> str:
        """The worksheet as a LaTeX fragment (needs ``amsmath`` for ``align*``)."""
        root = _tex_name(self.root.label)
        rows = []
        for node in self.nodes.values():
            left = _tex_name(node.label)
            if node.is_leaf:
                rows.append(f"{left} &= {node.data:.10g}")
            else:
                value = _shown(node.data).replace("≈", r"\approx")
                rows.append(f"{left} &= {self._definition(node, True)} {value}")
        blanks = [rf"\frac{{\partial {root}}}{{\partial {_tex_name(n)}}}"
                  r" &= \rule{4cm}{0.4pt}" for n in self.backward_names()]
        rounded = (r" ($\approx$: rounded to 4 significant digits)" if self._rounded()
                   else "")
        return (f"\\textbf{{{self.title}}}\n\n"
                f"Forward pass{rounded}:\n\\begin{{align*}}\n" + " \\\\\n".join(rows)
                + "\n\\end{align*}\n"
                f"Find the gradient of ${root}$ with respect to every node, working backward. "
                f"Give 4 significant digits: answers within {self.rtol:.1%} of the exact value "
                "are marked right.\n"
                "\\begin{align*}\n" + " \\\\[1ex]\n".join(blanks) + "\n\\end{align*}\n")

    def _repr_markdown_(self) -> str:
        return markup.fence(str(self))

    def solution(self) -> str:
        """The worked answer key: every chain-rule step with its numbers (4 significant
        digits), in the order the gradients are found."""
        return "\n".join(correct_step(s) for s in explain(self.root).steps)

    def check(self, answers: Mapping[Any, Any] | None = None, **options: Any) -> AnswerReport:
        """Grade answers with :func:`~autograd_lite.answers.check_answers` (``None``: the
        ``.grad`` values set on ``exercise.nodes``) at the sheet's tolerance
        (``rtol=self.rtol``); options are check_answers'."""
        options.setdefault("rtol", self.rtol)
        return check_answers(self.root, answers, **options)


# --- which exercise a seed gives ---------------------------------------------------------------

_BLOCK = 1000      # seeds 0-999, 1000-1999, ...: within a run, no sheet repeats
_DRY = 3000        # candidates in a row with nothing new: the level has no more sheets
_KEPT = 16         # runs remembered (each is a list of candidate numbers)


def _candidate(level: str, block: int, j: int) -> tuple[Value, list[Value]]:
    """Candidate ``j`` of a run of seeds: its root and the nodes in the order made."""
    builder = _Builder(random.Random(f"autograd_lite.exercise/{level}/{block}/{j}"))
    with enable_grad():
        root = _MAKERS[level](builder)
    return root, builder.made


def _signature(root: Value) -> tuple[Any, ...]:
    """What a sheet shows: every node's label, op, parameter, inputs and (leaf) value."""
    order = topological_order(root)
    at = {id(n): i for i, n in enumerate(order)}
    return tuple((n.label, n.op, n.param, tuple(at[id(p)] for p in n.parents),
                  n.data if n.is_leaf else None) for n in order)


class _Run:
    """The different usable sheets of one level and run of seeds, found lazily, always in
    the same order: seed ``block * 1000 + r`` is the ``r``-th of them."""

    def __init__(self, level: str, block: int) -> None:
        self.level, self.block = level, block
        self.found: list[int] = []
        self.seen: set[tuple[Any, ...]] = set()
        self.tried = self.dry = 0

    def candidate_for(self, r: int) -> int:
        while len(self.found) <= r and self.dry < _DRY:
            j = self.tried
            self.tried += 1
            root, _ = _candidate(self.level, self.block, j)
            key = _signature(root)
            if key in self.seen or not _distinct(root):
                self.dry += 1
                continue
            self.seen.add(key)
            self.found.append(j)
            self.dry = 0
        if not self.found:  # no usable sheet at all: a bug in a level's maker
            raise RuntimeError(f"exercise: level {self.level!r} made no usable sheet")
        return self.found[r % len(self.found)]  # past the level's room: sheets repeat


_RUNS: dict[tuple[str, int], _Run] = {}


def _run(level: str, block: int) -> _Run:
    found = _RUNS.pop((level, block), None) or _Run(level, block)
    _RUNS[level, block] = found  # most recently used last
    while len(_RUNS) > _KEPT:
        del _RUNS[next(iter(_RUNS))]
    return found


def exercise(level: int | str = "chain", seed: int = 0) -> Exercise:
    """A random small expression to differentiate by hand, for a worksheet.

    Args:
        level: ``1``-``5`` or ``"op"``, ``"chain"``, ``"fan-out"``, ``"neuron"``,
            ``"network"``.
        seed: any int; the same level and seed give the same exercise, and seeds 0-999
            (or any run of 1,000 from a multiple of 1,000) give different ones as far as
            the level has room (``"op"`` has about 450 sheets, ``"neuron"`` about 500).

    >>> ex = exercise("op", seed=0)
    >>> print(ex)
    Exercise: op (level 1, seed 0)
    <BLANKLINE>
    Forward pass:
      a = 4
      b = -2
      L = a/b = -2
    <BLANKLINE>
    Find the gradient of L with respect to every node, working backward from L.
    Give 4 significant digits: answers within 0.2% of the exact value are marked right.
      dL/dL = ____________
      dL/da = ____________
      dL/db = ____________
    >>> ex.check({"a": -0.5, "b": 1.0}).first_wrong     # dL/db = -a/b**2 = -1
    'b'
    >>> print(ex.solution().splitlines()[2])
    dL/db = dL/dL × ∂L/∂b = 1 × (-1) = -1, where L = a / b and ∂L/∂b = -a/b**2 = -1
    >>> str(exercise("op", seed=1)) != str(ex)              # every seed a different sheet
    True
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
        raise TypeError(f"exercise: seed must be an int, got {seed!r} of type "
                        f"{type(seed).__name__}")
    block, r = divmod(seed, _BLOCK)
    root, made = _candidate(name, block, _run(name, block).candidate_for(r))
    _name_unlabelled(root)
    return Exercise(name, seed, root, made)
