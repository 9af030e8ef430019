"""Neural-network building blocks on top of the engine (micrograd-compatible names).

>>> from autograd_lite.nn import MLP
>>> import random; random.seed(1)
>>> MLP(3, [4, 1])  # doctest: +ELLIPSIS
MLP of [Layer of [ReLUNeuron(3), ..., ReLUNeuron(3)], Layer of [LinearNeuron(4)]]
"""

from .modules import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron"]
