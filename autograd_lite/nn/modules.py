"""Micrograd-compatible building blocks: Module, Neuron, Layer, MLP.

Weights are drawn with ``random.uniform(-1, 1)`` in micrograd's order and biases start at 0,
so with the same ``random.seed`` a model here starts exactly where micrograd's does. A
neuron's pre-activation ``b + w . x`` is one fused node instead of micrograd's 2n + 1.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ..engine import Value
from ..functional import dot

__all__ = ["MLP", "Layer", "Module", "Neuron"]


class Module:
    """Base class: anything with parameters.

    >>> class Scale(Module):
    ...     def __init__(self): self.k = Value(2.0)
    ...     def parameters(self): return [self.k]
    >>> m = Scale(); m.k.grad = 5.0; m.zero_grad(); m.k.grad
    0.0
    """

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """All trainable Values, in a fixed order."""
        return []


def _as_values(x: Sequence[Any]) -> list[Value]:
    # Wrap raw numbers once per layer call, not once per neuron.
    return [v if isinstance(v, Value) else Value(v) for v in x]


class Neuron(Module):
    """``act(b + w . x)`` with ReLU when ``nonlin`` (micrograd's default), else linear.

    >>> import random; random.seed(0)
    >>> n = Neuron(2)
    >>> len(n.parameters()), n.b.data
    (3, 0.0)
    >>> out = n([1.0, -1.0]); out.op
    'relu'
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Any]) -> Value:
        xs = x if _all_values(x) else _as_values(x)
        act = dot(self.w, xs, bias=self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


def _all_values(x: Sequence[Any]) -> bool:
    return all(type(v) is Value for v in x)


class Layer(Module):
    """``nout`` neurons reading the same inputs; one output is returned bare, as micrograd.

    >>> import random; random.seed(0)
    >>> layer = Layer(3, 2)
    >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())
    (2, 8)
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Any]) -> Any:
        xs = x if _all_values(x) else _as_values(x)
        out = [n(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ReLU on every layer but the last, which is linear.

    >>> import random; random.seed(0)
    >>> model = MLP(2, [16, 16, 1])
    >>> len(model.parameters())
    337
    >>> type(model([0.5, -1.0])).__name__
    'Value'
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
