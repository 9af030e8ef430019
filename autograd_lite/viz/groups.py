"""Finding the neurons and layers of an ``nn`` model inside a graph, to draw them as boxes.

A neuron of :mod:`autograd_lite.nn` is one fused ``affine`` node, ``b + w . x``, whose
inputs are laid out as ``(b, w1..wn, x1..xn)``: the first n + 1 inputs are its parameters.
Its activation, if any, is the single unary op reading that node. Neurons reading the same
inputs form a layer. With the model at hand the boxes get the model's own numbering;
without it, a layer's number is its depth (one more than the deepest layer feeding it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import Value

__all__ = ["Neuron", "find_neurons", "layer_title"]

Consumers = Mapping[int, Sequence[tuple[Value, int]]]


@dataclass
class Neuron:
    """One neuron found in a graph: its fused node, output, parameters and inputs.

    >>> from autograd_lite.functional import dot
    >>> z = dot([Value(1.0)], [Value(2.0)], bias=Value(0.5)); a = z.tanh()
    >>> Neuron(z, a, list(z.parents[:2]), list(z.parents[2:]), layer=1).activation
    'tanh'
    """

    affine: Value
    output: Value
    params: list[Value]
    inputs: list[Value]
    layer: int
    index: int = 0
    layer_key: tuple[int, ...] = field(default=())
    layer_size: int | None = None  # neurons in its layer of the model (None: no model)

    @property
    def members(self) -> list[Value]:
        """The graph nodes the neuron's box stands for (parameters aside)."""
        return [self.affine] if self.output is self.affine else [self.affine, self.output]

    @property
    def activation(self) -> str:
        """``ReLU``, ``tanh``... or ``linear``."""
        rule = self.output.rule
        return rule.symbol if rule is not None and self.output is not self.affine else "linear"


# Ops that count as a neuron's activation when no model says which one it uses.
ACTIVATION_OPS = frozenset({"relu", "leaky_relu", "tanh", "sigmoid", "softplus"})


def _activation_of(neuron: Any) -> str:
    """The op name of an nn Neuron's activation (``"linear"`` for none)."""
    name = getattr(neuron, "activation", None)
    if isinstance(name, str):
        return name
    return "relu" if getattr(neuron, "nonlin", True) else "linear"


def _model_positions(model: Any) -> dict[int, tuple[int, int, str, int]]:
    """``id(bias) -> (layer, neuron, activation, neurons in that layer)`` (1-based) for an
    MLP, Layer or Neuron."""
    if model is None:
        return {}
    if hasattr(model, "layers"):
        layers = list(model.layers)
    elif hasattr(model, "neurons"):
        layers = [model]
    elif hasattr(model, "b") and hasattr(model, "w"):
        return {id(model.b): (1, 1, _activation_of(model), 1)}
    else:
        raise TypeError(f"draw_dot: model must be an nn MLP, Layer or Neuron, got {model!r}")
    return {id(n.b): (i + 1, j + 1, _activation_of(n), len(layer.neurons))
            for i, layer in enumerate(layers) if hasattr(layer, "neurons")
            for j, n in enumerate(layer.neurons)}


def find_neurons(order: Sequence[Value], consumers: Consumers,
                 model: Any = None) -> list[Neuron]:
    """The neurons in ``order`` (a topological order), numbered by layer.

    >>> import random; random.seed(0)
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite import topological_order
    >>> from autograd_lite.viz.layout import consumers_of
    >>> m = MLP(2, [3, 1]); out = m([1.0, 2.0]); order = topological_order(out)
    >>> [(n.layer, n.activation) for n in find_neurons(order, consumers_of(order))]
    [(1, 'ReLU'), (1, 'ReLU'), (1, 'ReLU'), (2, 'linear')]
    """
    positions = _model_positions(model)
    depth: dict[int, int] = {}
    found: list[Neuron] = []
    for node in order:
        if node.op != "affine":
            continue
        n = (len(node.parents) - 1) // 2
        params, inputs = list(node.parents[: n + 1]), list(node.parents[n + 1 :])
        if not all(p.is_leaf for p in params):
            continue
        if model is not None and id(params[0]) not in positions:
            continue  # an affine node that is not one of this model's neurons
        users = consumers.get(id(node), ())
        layer, index, activation, size = positions.get(id(params[0]), (0, 0, "", 0))
        output = node
        if len(users) == 1 and len(users[0][0].parents) == 1:
            user_op = users[0][0].op
            if user_op == activation or (not activation and user_op in ACTIVATION_OPS):
                output = users[0][0]
        layer = layer or 1 + max((depth.get(id(x), 0) for x in inputs), default=0)
        depth[id(output)] = layer
        found.append(Neuron(node, output, params, inputs, layer, index,
                            (layer, *[id(x) for x in inputs]), size or None))
    # Without a model, number neurons within each layer in order of appearance.
    counters: dict[tuple[int, ...], int] = {}
    for neuron in found:
        counters[neuron.layer_key] = counters.get(neuron.layer_key, 0) + 1
        if not neuron.index:
            neuron.index = counters[neuron.layer_key]
    return found


def layer_title(neuron: Neuron, drawn: int) -> str:
    """How a layer's cluster or box is titled: the model's layer size when it is known,
    and how many of its neurons the picture holds when that is fewer.

    >>> z = Value(1.0) * 2
    >>> one = Neuron(z, z, [], [], layer=1, layer_size=16)
    >>> layer_title(one, 1), layer_title(one, 16)
    ('layer 1 (16 linear neurons; 1 drawn)', 'layer 1 (16 linear neurons)')
    >>> layer_title(Neuron(z, z, [], [], layer=2), 1)     # no model: only what is drawn
    'layer 2 (1 linear neuron in this graph)'
    """
    def neurons(k: int) -> str:
        return f"{k} {neuron.activation} neuron{'' if k == 1 else 's'}"

    if neuron.layer_size is None:
        return f"layer {neuron.layer} ({neurons(drawn)} in this graph)"
    if drawn == neuron.layer_size:
        return f"layer {neuron.layer} ({neurons(drawn)})"
    return f"layer {neuron.layer} ({neurons(neuron.layer_size)}; {drawn} drawn)"
