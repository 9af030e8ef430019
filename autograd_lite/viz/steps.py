"""Backward, one step at a time: the frames behind the step-through player.

``backward_steps(root)`` records the one reverse walk that ``root.backward()`` makes, node
by node, without touching any ``.grad``: frame 0 seeds d(root)/d(root); each later frame is
one op node, which multiplies its gradient by each local derivative and adds the products
to its inputs. A frame stores only what it sent, so a large graph's frames cost what its
edges cost; the gradients known after frame k are replayed when asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, overload

from ..core import Value, topological_order, walk
from ..core.errors import number
from ..names import node_names
from ..notation import d_of
from ..transcript import definition
from .graph import Scale, constant_ids, draw_dot
from .groups import find_neurons
from .labels import factor, fmt
from .layout import consumers_of
from .player import iframe, player_html, save_player, widget
from .render import GradGraph

__all__ = ["BackwardStep", "BackwardSteps", "backward_steps", "play_backward"]


class BackwardStep:
    """One frame: the node processed, what it sent back, and every gradient known after it.

    Attributes:
        index: 0 for the seed, then 1, 2, ... one per op node in the walk's order.
        node: the node being processed (the root at step 0).
        grads: ``{id(node): gradient}`` for every node reached so far (read-only; replayed
            from the frames when asked for, so frames hold only what they sent).
        sent: ``(input node, amount added to its gradient)`` for each input, in order.
        text: one sentence describing the step.

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x"); y = x * x; y.label = "y"
    >>> step = backward_steps(y)[1]
    >>> step.node is y, [amount for _, amount in step.sent], step.grads[id(x)]
    (True, [2.0, 2.0], 4.0)
    """

    __slots__ = ("_owner", "index", "node", "sent", "text")

    def __init__(self, owner: BackwardSteps, index: int, node: Value,
                 sent: tuple[tuple[Value, float], ...], text: str) -> None:
        self._owner, self.index, self.node, self.sent, self.text = owner, index, node, sent, text

    @property
    def grads(self) -> Mapping[int, float]:
        return self._owner.grads_after(self.index)

    def __repr__(self) -> str:
        return f"<BackwardStep {self.index}: {self.text}>"


class BackwardSteps(Sequence[BackwardStep]):
    """The frames of one backward pass; draw them, save an HTML player, or show a widget.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b; c.label = "c"
    >>> steps = backward_steps(c)
    >>> len(steps), steps[-1].grads[id(a)], a.grad      # a.grad is left alone
    (2, 3.0, 0.0)
    """

    def __init__(self, root: Value, seed: float, final: dict[int, float]) -> None:
        self.root = root
        self.seed = seed
        self.final = final  # d(root)/d(node) after the last frame: the walk's own numbers
        self._steps: list[BackwardStep] = []
        self._replayed: tuple[int, dict[int, float]] = (0, {id(root): seed})
        self.names = node_names(root)  # as captions, pictures and ``explain`` call nodes
        # Constants are drawn without colour: keep them off the scale, deciding what is a
        # constant as draw_dot does (a neuron's unlabelled weights and bias are not).
        order = topological_order(root)
        constants = constant_ids(root, order, find_neurons(order, consumers_of(order)), None)
        scale = Scale(abs(final.get(id(n), 0.0)) for n in order if id(n) not in constants)
        self.scale = (scale.lo, scale.hi)  # one colour scale for every frame

    def grads_after(self, k: int) -> Mapping[int, float]:
        """The gradients known after frame ``k``, replayed from the frames' sends (in the
        walk's order, so each equals what ``backward`` computes, to the last bit)."""
        done, grads = self._replayed
        if k < done:
            done, grads = 0, {id(self.root): self.seed}
        for step in self._steps[done + 1 : k + 1]:
            for p, amount in step.sent:
                grads[id(p)] = grads.get(id(p), 0.0) + amount
        self._replayed = (max(done, k), grads)
        return MappingProxyType(dict(grads))

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

        Takes ``draw_dot``'s settings (``rankdir``, ``edge_labels``, ``collapse``...).
        """
        step = self._steps[k]
        options.setdefault("edge_labels", "chain")
        done = {id(s.node) for s in self._steps[1 : k + 1]}
        return draw_dot(self.root, grads=step.grads, highlight=step.node, scale=self.scale,
                        sent_back=done, **options)

    def html(self, **options: Any) -> str:
        """A standalone offline HTML page with every frame and play/step buttons."""
        return player_html(self, **options)

    def save_html(self, path: str | Path, **options: Any) -> Path:
        """Write the HTML player to ``path`` (the DOT source of the last frame too)."""
        return save_player(self, path, **options)

    def player(self, **options: Any) -> Any:
        """An ipywidgets slider/player in Jupyter; without ipywidgets, this object, whose
        HTML display is the standalone player."""
        return widget(self, **options)

    def _repr_html_(self) -> str:
        return iframe(self)


def backward_steps(root: Value, seed: float = 1.0) -> BackwardSteps:
    """Every step of ``root``'s backward pass as a frame, without touching any ``.grad``.

    Frame 0 seeds ``root``; then one frame per op node, in the order of the one reverse
    walk that ``backward`` makes (every node after all the nodes that use it: the reverse
    of the order they were made, the order ``explain`` reads). Nodes are named as ``explain`` and
    ``draw_dot`` name them, and each op is written as ``explain`` writes it: inputs by
    name, unlabelled numbers as numbers (``mul1 = a * 3``).

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
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {root!r}")
    seed = number(seed, "backward_steps", "the seed")  # as backward checks it
    visits: list[tuple[Value, float, Any]] = []
    order, grads = walk(root, seed, visit=lambda node, g, parts: visits.append((node, g, parts)))
    steps = BackwardSteps(root, seed, {id(n): g for n, g in zip(order, grads)})
    names = steps.names
    rname = d_of(names[id(root)])
    frames = steps._steps  # filled here, once
    frames.append(BackwardStep(steps, 0, root, (), f"step 0: seed d{rname}/d{rname} = {fmt(seed)}"))
    running: dict[int, float] = {id(root): seed}
    for node, g, parts in visits:
        if not node.parents:
            continue
        gradient = f"d{rname}/d{d_of(names[id(node)])} = {fmt(g)}"
        sent: list[tuple[Value, float]] = []
        if g == 0.0:
            what = f"{gradient}, so nothing flows back"
        else:
            shown: list[str] = []
            for p, d in zip(node.parents, parts):
                before = running.get(id(p))
                amount = g * d
                running[id(p)] = (before or 0.0) + amount
                sent.append((p, amount))
                if len(shown) < 4:
                    total = "" if before is None else f" (now {fmt(running[id(p)])})"
                    who = (names[id(p)] if p.label or p.parents else
                           f"{names[id(p)]} (= {fmt(p.data)})")
                    shown.append(f"{who} gets {fmt(g)} × {factor(d)} = {fmt(amount)}{total}")
            more = f", … ({len(sent)} inputs)" if len(sent) > 4 else ""
            what = f"{gradient} flows back: {', '.join(shown)}{more}"
        text = f"step {len(frames)}: {definition(node, names)}. {what}"
        frames.append(BackwardStep(steps, len(frames), node, tuple(sent), text))
    return steps


def play_backward(root: Value, **options: Any) -> Any:
    """Step through ``root``'s backward pass: a widget in Jupyter (with ipywidgets), else
    an object that displays as the HTML player.

    >>> from autograd_lite import Value
    >>> y = Value(2.0) * 3
    >>> hasattr(play_backward(y), "children") or hasattr(play_backward(y), "_repr_html_")
    True
    """
    return backward_steps(root).player(**options)
