"""Which boxes a picture has: every node, one box per neuron, or one box per layer.

A :class:`Layout` maps each graph node to the drawn box that stands for it (itself, its
neuron's box, its layer's box, or nothing for a parameter only neurons read), and knows
which neuron or layer cluster each drawn node sits in. :func:`choose_layout` picks the
least collapsed layout that fits ``max_nodes`` or explains, with a hint, why none does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core import Value
from .groups import Neuron

__all__ = ["GraphTooLarge", "Layout", "choose_layout", "consumers_of"]


class GraphTooLarge(ValueError):
    """The picture would have more than ``max_nodes`` nodes; the message says what to do.

    >>> issubclass(GraphTooLarge, ValueError)
    True
    """


class Layout:
    """Which drawn box stands for each graph node, at one collapse level, and which
    neuron/layer cluster each drawn node sits in.

    >>> from autograd_lite import topological_order
    >>> y = Value(2.0) * 3; order = topological_order(y)
    >>> Layout(order, consumers_of(order), [], "none").count(order)   # 2 leaves, 1 value, 1 op
    4
    """

    def __init__(self, order: Sequence[Value], consumers: Mapping[int, list[tuple[Value, int]]],
                 neurons: Sequence[Neuron], level: str):
        self.level = level
        uid = {id(n): f"n{i}" for i, n in enumerate(order)}  # each node's own drawn name
        # Every node stands for itself until a collapse below says otherwise.
        self.rep: dict[int, str | None] = dict(uid)
        self.boxes: dict[str, list[Neuron]] = {}
        self.layers: dict[tuple[int, ...], list[Neuron]] = {}
        self.owner: dict[str, Neuron] = {}  # drawn name -> neuron whose cluster holds it
        # Unlabelled numbers a neuron reads (a sample's inputs): x<k> by their position,
        # as the lecture names a neuron's inputs, for pictures whose neurons are boxes.
        self.input_names: dict[int, str] = {}
        for neuron in neurons:
            self.layers.setdefault(neuron.layer_key, []).append(neuron)
        absorbed = {id(m) for neuron in neurons for m in neuron.members}
        # A parameter is hidden in collapsed pictures when only neurons read it (checked
        # once per parameter: in a batch graph one weight feeds a neuron per sample).
        shared_params: set[int] = set()
        for pid in {id(p) for neuron in neurons for p in neuron.params}:
            if all(id(c) in absorbed for c, _ in consumers.get(pid, ())):
                shared_params.add(pid)
        for neuron in neurons:
            if level == "none":  # every node drawn: clusters hold the neuron's own nodes
                for p in neuron.params:
                    if id(p) in shared_params and len(consumers.get(id(p), ())) == 1:
                        self.owner[uid[id(p)]] = neuron
                for m in neuron.members:
                    self.owner[uid[id(m)]] = neuron
        if level == "none":
            return
        for neuron in neurons:
            for k, x in enumerate(neuron.inputs):
                if not x.parents and not x.label:
                    self.input_names.setdefault(id(x), f"x{k + 1}")
        for neuron in sorted(neurons, key=lambda n: (n.layer, n.index)):
            key = (f"L{neuron.layer}_{neuron.index}_{id(neuron.affine)}" if level == "neurons"
                   else self.layer_name(neuron))
            self.boxes.setdefault(key, []).append(neuron)
            if level == "neurons":
                self.owner[key] = neuron
            for m in neuron.members:
                self.rep[id(m)] = key
        for pid in shared_params:  # parameters disappear when only neurons read them
            self.rep[pid] = None

    def layer_name(self, neuron: Neuron) -> str:
        """``layer<k>``: the box or cluster of the neuron's layer (k: order of appearance)."""
        return f"layer{list(self.layers).index(neuron.layer_key)}"

    def count(self, order: Sequence[Value]) -> int:
        """Nodes in the picture: value boxes, op nodes, neuron/layer boxes."""
        drawn = {r for r in self.rep.values() if r is not None}
        ops = sum(1 for i, n in enumerate(order) if n.parents and self.rep[id(n)] == f"n{i}")
        return len(drawn) + ops


def consumers_of(order: Sequence[Value]) -> dict[int, list[tuple[Value, int]]]:
    """``{id(node): [(child, input position), ...]}``: who reads each node, and as which input.

    >>> from autograd_lite import topological_order
    >>> x = Value(3.0); y = x * x
    >>> [k for _, k in consumers_of(topological_order(y))[id(x)]]
    [0, 1]
    """
    users: dict[int, list[tuple[Value, int]]] = {}
    for node in order:
        for k, p in enumerate(node.parents):
            users.setdefault(id(p), []).append((node, k))
    return users


def choose_layout(order: Sequence[Value], consumers: dict[int, list[tuple[Value, int]]],
                   neurons: Sequence[Neuron], collapse: str, max_nodes: int) -> Layout:
    """The least collapsed layout (of ``collapse``'s choices) with at most ``max_nodes``.

    Raises :class:`GraphTooLarge` naming the size and what would fit.

    >>> from autograd_lite import topological_order
    >>> y = Value(1.0)
    >>> for _ in range(5): y = y * 2
    >>> order = topological_order(y)
    >>> choose_layout(order, consumers_of(order), [], "auto", 10)
    Traceback (most recent call last):
    ...
    autograd_lite.viz.layout.GraphTooLarge: draw_dot: the picture would have 16 nodes, ...
    """
    levels = ["none", "neurons", "layers"] if collapse == "auto" else [collapse]
    if not neurons:
        levels = ["none"]
    sizes: dict[str, int] = {}
    for level in levels:
        layout = Layout(order, consumers, neurons, level)
        sizes[level] = layout.count(order)
        if sizes[level] <= max_nodes:
            return layout
    level, size = next(iter(sizes.items()))
    for lv in ("neurons", "layers"):
        if neurons and lv not in sizes:
            sizes[lv] = Layout(order, consumers, neurons, lv).count(order)
    # Suggest only what would fit: a collapse that is still too large would raise again.
    options = [f"collapse='{lv}' ({sizes[lv]} nodes)" for lv in ("neurons", "layers")
               if neurons and lv != collapse and sizes[lv] <= max_nodes]
    hint = "; ".join([*options, "draw a smaller sub-expression (e.g. one sample's loss)",
                      f"or raise max_nodes (now {max_nodes})"])
    raise GraphTooLarge(f"draw_dot: the picture would have {size} nodes"
                        f"{'' if level == 'none' else f' with collapse={level!r}'}, more than "
                        f"max_nodes={max_nodes}, too many to read. Hint: {hint}.")
