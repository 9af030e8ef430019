"""Backward, one step at a time: the frames behind the step-through player.

``backward_steps(root)`` replays what ``root.backward()`` does, node by node, with the rules
table, but keeps every gradient in its own dictionaries: the user's ``.grad`` values are
never touched. Frame 0 seeds d(root)/d(root); each later frame processes one op node: it
multiplies that node's gradient by each local partial and adds the result to the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, overload

from ..engine import BackwardError, Value, _constant, backward_order, topological_order
from ..errors import _backward_error
from ..explain import _definition  # the transcript's own "c = a * b", so both read alike
from ..expression import node_names
from .graph import _constants, _Scale, draw_dot
from .groups import find_neurons
from .labels import factor, fmt, local_partials, partial_formulas
from .layout import consumers_of
from .render import GradGraph

__all__ = ["BackwardStep", "BackwardSteps", "backward_steps", "play_backward"]


@dataclass(frozen=True)
class BackwardStep:
    """One frame: the node processed, what it sent back, and every gradient known after it.

    Attributes:
        index: 0 for the seed, then 1, 2, ... one per op node in ``backward_order``.
        node: the node being processed (the root at step 0).
        grads: ``{id(node): gradient}`` for every node reached so far (read-only).
        sent: ``(input node, amount added to its gradient)`` for each input, in order.
        text: one sentence describing the step.

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x"); y = x * x; y.label = "y"
    >>> step = backward_steps(y)[1]
    >>> step.node is y, [amount for _, amount in step.sent]     # dy/dx = x + x
    (True, [2.0, 2.0])
    """

    index: int
    node: Value
    grads: MappingProxyType[int, float]
    sent: tuple[tuple[Value, float], ...]
    text: str


class BackwardSteps(Sequence[BackwardStep]):
    """The frames of one backward pass; draw them, save an HTML player, or show a widget.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b; c.label = "c"
    >>> steps = backward_steps(c)
    >>> len(steps), steps[-1].grads[id(a)], a.grad      # a.grad is left alone
    (2, 3.0, 0.0)
    """

    def __init__(self, root: Value, steps: list[BackwardStep]):
        self.root = root
        self._steps = steps
        self.names = node_names(root)  # as captions, pictures and ``explain`` call nodes
        final = steps[-1].grads
        # Constants are drawn without colour: keep them off the scale, deciding what is a
        # constant as draw_dot does (a neuron's unlabelled weights and bias are not).
        order = topological_order(root)
        constants = _constants(root, order, find_neurons(order, consumers_of(order)), None)
        scale = _Scale(abs(final.get(id(n), 0.0)) for n in order if id(n) not in constants)
        self.scale = (scale.lo, scale.hi)  # one colour scale for every frame

    @overload
    def __getitem__(self, i: int) -> BackwardStep: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[BackwardStep]: ...
    def __getitem__(self, i: int | slice) -> Any:
        return self._steps[i]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[BackwardStep]:
        return iter(self._steps)

    def draw(self, k: int, **options: Any) -> GradGraph:
        """The picture of frame ``k``: its node highlighted, unknown gradients marked.

        Takes ``draw_dot``'s options (``rankdir``, ``edge_labels``, ``collapse``...).
        """
        step = self._steps[k]
        options.setdefault("edge_labels", "chain")
        done = {id(s.node) for s in self._steps[1 : k + 1]}
        return draw_dot(self.root, grads=step.grads, highlight=step.node, scale=self.scale,
                        sent_back=done, **options)

    def html(self, **options: Any) -> str:
        """A standalone offline HTML page with every frame and play/step buttons."""
        from .player import player_html

        return player_html(self, **options)

    def save_html(self, path: str | Path, **options: Any) -> Path:
        """Write the HTML player to ``path`` (the DOT source of the last frame too)."""
        from .player import save_player

        return save_player(self, path, **options)

    def player(self, **options: Any) -> Any:
        """An ipywidgets slider/player in Jupyter; without ipywidgets, this object, whose
        HTML display is the standalone player."""
        from .player import widget

        return widget(self, **options)

    def _repr_html_(self) -> str:
        from .player import iframe

        return iframe(self)


def backward_steps(root: Value, seed: float = 1.0) -> BackwardSteps:
    """Every step of ``root``'s backward pass as a frame, without touching any ``.grad``.

    Frame 0 seeds ``root``; then one frame per op node, in ``engine.backward_order(root)``
    (every node after all the nodes that use it, a node's inputs first to last: the order
    ``explain`` reads). Nodes are named as ``explain`` and ``draw_dot`` name them
    (``autograd_lite.expression.node_names``), and each op is written as ``explain``
    writes it: inputs by name, unlabelled numbers as numbers (``mul1 = a * 3``).

    >>> from autograd_lite import Value
    >>> x = Value(3.0, label="x"); y = x * x + x; y.label = "y"
    >>> steps = backward_steps(y)
    >>> for s in steps: print(s.text)  # doctest: +NORMALIZE_WHITESPACE
    step 0: seed dy/dy = 1
    step 1: y = mul1 + x. dy/dy = 1 flows back: mul1 gets 1 × 1 = 1, x gets 1 × 1 = 1
    step 2: mul1 = x * x. dy/dmul1 = 1 flows back: x gets 1 × 3 = 3 (now 4),
            x gets 1 × 3 = 3 (now 7)
    >>> steps[-1].grads[id(x)]                      # dy/dx = 2x + 1
    7.0
    """
    seed = _constant(seed, "backward_steps", "the seed")  # as backward checks it
    names = node_names(root)
    rname = names[id(root)]
    grads: dict[int, float] = {id(root): seed}
    steps = [BackwardStep(0, root, MappingProxyType(dict(grads)), (),
                          f"step 0: seed d{rname}/d{rname} = {fmt(seed)}")]
    for node in backward_order(root):
        if not node._prev:
            continue
        g = grads.get(id(node), 0.0)
        sent: list[tuple[Value, float]] = []
        gradient = f"d{rname}/d{names[id(node)]} = {fmt(g)}"
        if g == 0.0:
            what = f"{gradient}, so nothing flows back"
        else:
            if not math.isfinite(g):  # as explain() says it: the gradient, not the derivative
                raise _backward_error(node, f"its gradient is {g!r}")
            local = local_partials(node)
            if local is None:
                raise BackwardError(f"backward_steps: the derivative of {node.op} "
                                    f"({partial_formulas(node)}) is undefined at "
                                    f"{', '.join(fmt(p.data) for p in node._prev)}")
            shown = []
            for p, d in zip(node._prev, local):
                before = grads.get(id(p))
                grads[id(p)] = (before or 0.0) + g * d
                sent.append((p, g * d))
                total = "" if before is None else f" (now {fmt(grads[id(p)])})"
                who = names[id(p)] if p.label or p._prev else f"{names[id(p)]} (= {fmt(p.data)})"
                shown.append(f"{who} gets {fmt(g)} × {factor(d)} = {fmt(g * d)}{total}")
            more = f", … ({len(local)} inputs)" if len(local) > 4 else ""
            what = f"{gradient} flows back: {', '.join(shown[:4])}{more}"
        assert node._rule is not None
        text = f"step {len(steps)}: {_definition(node, node._rule, names, None)}. {what}"
        steps.append(BackwardStep(len(steps), node, MappingProxyType(dict(grads)),
                                  tuple(sent), text))
    return BackwardSteps(root, steps)


def play_backward(root: Value, **options: Any) -> Any:
    """Step through ``root``'s backward pass: a widget in Jupyter (with ipywidgets), else
    an object that displays as the HTML player.

    >>> from autograd_lite import Value
    >>> y = Value(2.0) * 3
    >>> hasattr(play_backward(y), "children") or hasattr(play_backward(y), "_repr_html_")
    True
    """
    return backward_steps(root).player(**options)
