"""Composable layers beyond micrograd: Sequential, Activation, Dropout, BatchNorm.

A sample flowing between layers is a list of Values (or one bare Value, as a one-neuron
``Layer`` returns); each layer here gives back the same shape it was given.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from ..core import Value
from ..datasets import rng_from_seed
from ..functional import dot
from ..functional import sum as vsum
from .modules import ACTIVATIONS, Module, activate, as_sample, check_choice, sample_values
from .validation import finite_number, is_real, whole_number

__all__ = ["Activation", "BatchNorm", "Dropout", "Sequential"]


def _as_list(x: Any, owner: str) -> tuple[list[Value], bool]:
    # (items as Values, was_bare): one-neuron layers return a bare Value, not a list. An
    # input that is not a finite number is refused, naming ``owner`` and its position.
    if isinstance(x, (list, tuple)):
        items, bare = list(x), False
    elif isinstance(x, Value) or is_real(x):
        items, bare = [x], True
    else:
        items, bare = list(as_sample(x, owner)), False  # a numpy row, another sequence
    return sample_values(items, owner), bare


def _unwrap(items: list[Value], bare: bool) -> Any:
    return items[0] if bare else items


class Sequential(Module):
    """Modules applied one after another; ``forward_batch`` passes a whole mini-batch
    through each, so BatchNorm inside sees the batch.

    >>> from autograd_lite.nn import Layer
    >>> import random; random.seed(0)
    >>> net = Sequential(Layer(2, 3), Dropout(0.5), Layer(3, 1, nonlin=False))
    >>> net
    Sequential(Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Dropout(p=0.5), \
Layer of [LinearNeuron(3)])
    >>> len(net.parameters()), type(net.eval()([1.0, 2.0])).__name__
    (13, 'Value')
    """

    def __init__(self, *layers: Module) -> None:
        for layer in layers:
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: expected Modules, got {type(layer).__name__}")
        self.layers = list(layers)

    def __call__(self, x: Any) -> Any:
        x = _unwrap(*_as_list(x, "Sequential"))
        for layer in self.layers:
            x = layer(x)
        return x

    def forward_batch(self, xs: Sequence[Any]) -> list[Any]:
        out = [_unwrap(*_as_list(x, f"Sequential (sample {i})")) for i, x in enumerate(xs)]
        for layer in self.layers:
            out = layer.forward_batch(out)
        return out

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"


class Activation(Module):
    """An activation as a layer (for use after BatchNorm): one of ``relu``, ``tanh``,
    ``sigmoid``, ``leaky_relu``, ``linear``.

    >>> [v.data for v in Activation("relu")([Value(-1.0), Value(2.0)])]
    [0.0, 2.0]
    """

    def __init__(self, name: str) -> None:
        check_choice("Activation", name, ACTIVATIONS)
        self.name = name

    def __call__(self, x: Any) -> Any:
        items, bare = _as_list(x, "Activation")
        return _unwrap([activate(v, self.name) for v in items], bare)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


class Dropout(Module):
    """Zero each input with probability ``p`` in training mode and scale the rest by
    1 / (1 - p) (inverted dropout), so evaluation mode is the identity.

    ``seed`` (an int or a ``random.Random``) gives the layer its own random generator
    (default None: the global ``random``).

    >>> d = Dropout(0.5, seed=0)
    >>> [v.data for v in d([Value(1.0)] * 6)]
    [2.0, 2.0, 0.0, 0.0, 2.0, 0.0]
    >>> [v.data for v in d.eval()([Value(1.0)] * 3)]
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, seed: int | random.Random | None = None) -> None:
        self.p = finite_number("Dropout", "p", p, minimum=0.0, maximum=1.0, below_maximum=True)
        # None: look up the global generator at each call (a copied model keeps using it).
        self._rng = None if seed is None else rng_from_seed(seed, "Dropout")

    def __call__(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        rand = (self._rng or rng_from_seed(None, "Dropout")).random
        scale = 1.0 / (1.0 - self.p)
        items, bare = _as_list(x, "Dropout")
        # A dropped unit becomes a constant 0: no gradient flows to what produced it.
        return _unwrap([v * scale if rand() >= self.p else Value(0.0) for v in items], bare)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm(Module):
    """Batch normalisation (Ioffe & Szegedy, 2015) of ``num_features`` inputs.

    In training mode ``forward_batch`` normalises each feature over the mini-batch,
    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``, with the batch's (biased) variance,
    and updates running averages ``r = (1 - momentum) * r + momentum * batch_stat`` (the
    running variance uses the unbiased estimate). In evaluation mode the running averages
    are used, so single samples can be passed. ``gamma`` and ``beta`` are trained.

    >>> bn = BatchNorm(1)
    >>> out = bn.forward_batch([[Value(1.0)], [Value(3.0)]])
    >>> [round(o[0].data, 4) for o in out]
    [-1.0, 1.0]
    >>> bn.running_mean, bn.running_var
    ([0.2], [1.1])
    """

    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        num_features = whole_number("BatchNorm", "num_features", num_features, minimum=1)
        eps = finite_number("BatchNorm", "eps", eps, minimum=0.0, above_minimum=True)
        momentum = finite_number("BatchNorm", "momentum", momentum, minimum=0.0, maximum=1.0)
        self.gamma = [Value(1.0) for _ in range(num_features)]
        self.beta = [Value(0.0) for _ in range(num_features)]
        self.running_mean = [0.0] * num_features
        self.running_var = [1.0] * num_features
        self.eps = eps
        self.momentum = momentum

    def _check(self, items: Sequence[Any]) -> None:
        if len(items) != len(self.gamma):
            raise ValueError(f"BatchNorm: expected {len(self.gamma)} features, got {len(items)}")

    def __call__(self, x: Any) -> Any:
        if self.training:
            raise ValueError("BatchNorm: in training mode it normalises over a mini-batch: "
                             "call forward_batch(samples) (fit does), or call eval() first")
        items, bare = _as_list(x, "BatchNorm")
        self._check(items)
        out = []
        for j, v in enumerate(items):
            scale = self.gamma[j] * (1.0 / (self.running_var[j] + self.eps) ** 0.5)
            out.append(dot([scale], [v - self.running_mean[j]], bias=self.beta[j]))
        return _unwrap(out, bare)

    def forward_batch(self, xs: Sequence[Any]) -> list[Any]:
        if not self.training:
            return [self(x) for x in xs]
        n = len(xs)
        if n < 2:
            raise ValueError(f"BatchNorm: a training mini-batch needs at least 2 samples, got {n}")
        rows = [_as_list(x, f"BatchNorm (sample {i})") for i, x in enumerate(xs)]
        for items, _ in rows:
            self._check(items)
        # Every feature's output and new running statistics first, then commit them all:
        # an overflow in one feature must not leave the others' statistics updated.
        columns: list[list[Value]] = []
        means: list[float] = []
        variances: list[float] = []
        m = self.momentum
        for j in range(len(self.gamma)):
            col = [items[j] for items, _ in rows]
            mean = vsum(col) * (1.0 / n)
            centred = [v - mean for v in col]
            var = dot(centred, centred) * (1.0 / n)
            scale = self.gamma[j] * (var + self.eps) ** -0.5
            columns.append([dot([scale], [c], bias=self.beta[j]) for c in centred])
            means.append((1 - m) * self.running_mean[j] + m * mean.data)
            variances.append((1 - m) * self.running_var[j] + m * var.data * n / (n - 1))
        for j, (mean_j, var_j) in enumerate(zip(means, variances)):
            if not (math.isfinite(mean_j) and math.isfinite(var_j)):
                raise OverflowError(f"BatchNorm: the running statistics of feature {j} would "
                                    f"be mean {mean_j!r}, variance {var_j!r}; nothing was "
                                    f"changed")
        self.running_mean[:] = means
        self.running_var[:] = variances
        out: list[Any] = []
        for i, (_, bare) in enumerate(rows):
            sample = [columns[j][i] for j in range(len(self.gamma))]
            out.append(sample[0] if bare else sample)
        return out

    def __repr__(self) -> str:
        return f"BatchNorm({len(self.gamma)})"
