"""Micrograd-compatible building blocks: Module, Neuron, Layer, MLP.

Weights are drawn with ``random.uniform(-1, 1)`` in micrograd's order and biases start at 0,
so with the same ``random.seed`` a model here starts exactly where micrograd's does. A
neuron's pre-activation ``b + w . x`` is one fused node instead of micrograd's 2n + 1.

On top of micrograd: activations other than ReLU, Xavier/He initialisation, a private seed,
DropConnect, named parameters, train/eval modes and checkpoints (``state_dict``, ``save``).
"""

from __future__ import annotations

import math
import random
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from ..core import RULES, Value, errors
from ..core.rules import affine_of
from ..core.value import make_node
from ..datasets import rng_from_seed
from ..functional import dot
from .checkpoint import load_state, save_state
from .reprs import compact_repr
from .validation import finite_number, flag, is_finite_real, is_real, short_repr, whole_number

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "Module", "Neuron", "activate",
           "as_sample", "sample_values"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
INITS = ("uniform", "xavier", "he")
_DISPLAY = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyReLU",
            "linear": "Linear"}

M = TypeVar("M", bound="Module")
AFFINE, RELU = RULES["affine"], RULES["relu"]
_data = attrgetter("data")


def activate(x: Value, activation: str) -> Value:
    """Apply the activation called ``activation`` (one of :data:`ACTIVATIONS`) to ``x``.

    >>> activate(Value(-2.0), "leaky_relu").data
    -0.02
    """
    if activation == "relu":
        return x.relu()
    if activation == "tanh":
        return x.tanh()
    if activation == "sigmoid":
        return x.sigmoid()
    if activation == "leaky_relu":
        return x.leaky_relu(0.01)
    if activation == "linear":
        return x
    raise ValueError(f"activation: unknown activation {activation!r}; choose one of "
                     f"{', '.join(ACTIVATIONS)}")


def check_choice(what: str, value: Any, choices: Sequence[str]) -> None:
    """Raise a ValueError naming ``what`` unless ``value`` is one of ``choices``.

    >>> check_choice("init", "he", INITS)
    """
    if value not in choices:
        raise ValueError(f"{what}: unknown value {value!r}; choose one of {', '.join(choices)}")


class Module:
    """Base class: anything with parameters.

    Parameters are found by looking at the attributes (in the order they were set): a
    ``Value``, a list of Values, a Module or a list of Modules. Subclasses may override
    ``parameters`` for speed, keeping the same order as ``named_parameters``.

    >>> class Scale(Module):
    ...     def __init__(self): self.k = Value(2.0)
    >>> m = Scale(); m.k.grad = 5.0; m.zero_grad(); m.k.grad
    0.0
    >>> m.named_parameters(), m.state_dict()
    ([('k', Value(data=2.0, grad=0.0))], {'k': 2.0})
    """

    training: bool = True
    #: Names of attributes holding lists of floats that are state but not parameters
    #: (BatchNorm's running statistics); they are saved in ``state_dict``.
    buffer_names: tuple[str, ...] = ()

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        """All trainable Values, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(dotted name, Value)`` for every parameter, in ``parameters()`` order."""
        found: list[tuple[str, Value]] = []
        for name, value in vars(self).items():
            if isinstance(value, Value):
                found.append((name, value))
            elif isinstance(value, Module):
                found += [(f"{name}.{n}", p) for n, p in value.named_parameters()]
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Value):
                        found.append((f"{name}.{i}", item))
                    elif isinstance(item, Module):
                        found += [(f"{name}.{i}.{n}", p) for n, p in item.named_parameters()]
        return found

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, with dotted names ('' for this one).

        >>> from autograd_lite.nn import MLP
        >>> [name for name, _ in MLP(1, [1], seed=0).named_modules()][:3]
        ['', 'layers.0', 'layers.0.neurons.0']
        """
        yield prefix, self
        for name, value in vars(self).items():
            items = value if isinstance(value, (list, tuple)) else [value]
            indexed = isinstance(value, (list, tuple))
            for i, item in enumerate(items):
                if isinstance(item, Module):
                    child = f"{name}.{i}" if indexed else name
                    yield from item.named_modules(f"{prefix}.{child}" if prefix else child)

    def train(self: M, mode: bool = True) -> M:
        """Switch this module and all inside it to training mode (Dropout, BatchNorm
        and DropConnect act differently in training and evaluation). Returns ``self``.

        >>> from autograd_lite.nn import MLP
        >>> MLP(2, [3, 1], seed=0).eval().training
        False
        """
        for _, module in self.named_modules():
            module.training = mode
        return self

    def eval(self: M) -> M:
        """Switch to evaluation mode: ``train(False)``."""
        return self.train(False)

    def forward_batch(self, xs: Sequence[Any]) -> list[Any]:
        """The outputs for a mini-batch of samples. Per sample by default; BatchNorm
        overrides it to normalise across the batch.

        >>> from autograd_lite.nn import MLP
        >>> [round(v.data, 3) for v in MLP(1, [1], seed=0).forward_batch([[1.0], [2.0]])]
        [0.689, 1.378]
        """
        return [self(x) for x in xs]

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def summary(self) -> str:
        """A short description: the repr with repeated neurons counted, and the number of
        parameters (micrograd's repr lists every neuron; this one stays readable).

        >>> from autograd_lite.nn import MLP
        >>> print(MLP(2, [16, 16, 1], seed=0).summary())
        MLP of [Layer of [16 x ReLUNeuron(2)], Layer of [16 x ReLUNeuron(16)], \
Layer of [LinearNeuron(16)]] (337 parameters)
        """
        return f"{compact_repr(repr(self))} ({len(self.parameters())} parameters)"

    # --- checkpoints ------------------------------------------------------------------
    def _buffers(self) -> list[tuple[str, list[float]]]:
        found: list[tuple[str, list[float]]] = []
        for prefix, module in self.named_modules():
            found += [(f"{prefix}.{name}" if prefix else name, getattr(module, name))
                      for name in module.buffer_names]
        return found

    def state_dict(self) -> dict[str, float]:
        """Every parameter value and buffer entry as ``{dotted name: float}``.

        >>> from autograd_lite.nn import MLP
        >>> list(MLP(1, [1], seed=0).state_dict())
        ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.b']
        """
        state = {name: p.data for name, p in self.named_parameters()}
        for name, values in self._buffers():
            state.update({f"{name}.{i}": float(v) for i, v in enumerate(values)})
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set parameters and buffers from ``state`` (as made by ``state_dict``).

        Everything is checked before anything changes: missing or unexpected names, or a
        value that is not a finite number, raise ``ValueError`` and leave the model as it was.

        >>> from autograd_lite.nn import MLP
        >>> a, b = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
        >>> b.load_state_dict(a.state_dict()); b.state_dict() == a.state_dict()
        True
        """
        targets: dict[str, Callable[[float], None]] = {}
        for name, p in self.named_parameters():
            targets[name] = _setter_value(p)
        for name, values in self._buffers():
            for i in range(len(values)):
                targets[f"{name}.{i}"] = _setter_item(values, i)
        if not isinstance(state, Mapping):
            raise ValueError(f"load_state_dict: expected a mapping of names to numbers, "
                             f"got {type(state).__name__}")
        missing = [k for k in targets if k not in state]
        unexpected = [k for k in state if k not in targets]
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: the state does not fit this {type(self).__name__} "
                f"(wrong architecture?): missing {_few(missing)}, unexpected {_few(unexpected)}")
        checked: dict[str, float] = {}
        for key, v in state.items():
            if not is_finite_real(v):
                raise ValueError(f"load_state_dict: {key!r} must be a finite number, got "
                                 f"{short_repr(v, 60)}")
            checked[key] = float(v)
        for key, v in checked.items():
            targets[key](v)

    def save(self, path: str | Path) -> None:
        """Write ``state_dict()`` to ``path`` as JSON, atomically (temp file, then rename).

        >>> import tempfile, os
        >>> from autograd_lite.nn import MLP
        >>> model = MLP(2, [2, 1], seed=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> model.save(path); MLP(2, [2, 1], seed=5).load(path).state_dict() == model.state_dict()
        True
        """
        save_state(self, path)

    def load(self: M, path: str | Path) -> M:
        """Load a file written by ``save`` into this model and return it. A file of another
        architecture, a truncated or non-JSON file raises ``ValueError``; nothing changes."""
        load_state(self, path)
        return self


def _setter_value(p: Value) -> Callable[[float], None]:
    def put(v: float) -> None:
        p.data = v
    return put


def _setter_item(values: list[float], i: int) -> Callable[[float], None]:
    def put(v: float) -> None:
        values[i] = v
    return put


def _few(names: Sequence[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _as_values(x: Sequence[Any], owner: str) -> list[Value]:
    # Wrap raw numbers once per layer call, not once per neuron.
    try:
        return [v if isinstance(v, Value) else Value(v) for v in x]
    except (TypeError, ValueError):
        return sample_values(x, owner)  # the same, slowly, naming the bad input


def sample_values(x: Sequence[Any], owner: str) -> list[Value]:
    """One sample's inputs as Values (numbers are wrapped; Values pass as they are). An
    input that is not a finite number raises an error naming ``owner`` (the model or layer
    called) and the input's position.

    >>> sample_values([1.0, Value(2.0)], "MLP")
    [Value(data=1.0, grad=0.0), Value(data=2.0, grad=0.0)]
    >>> try: sample_values([1.0, 2.0, float("nan")], "MLP")
    ... except ValueError as e: print(e)
    MLP: input 2 (of 3) must be a finite number, got nan
    """
    out: list[Value] = []
    for i, v in enumerate(x):
        if isinstance(v, Value):
            out.append(v)
            continue
        if not is_real(v):
            raise TypeError(f"{owner}: input {i} (of {len(x)}) must be a number, got "
                            f"{short_repr(v, 60)} of type {type(v).__name__}")
        if not is_finite_real(v):
            raise ValueError(f"{owner}: input {i} (of {len(x)}) must be a finite number, got "
                             f"{short_repr(v, 60)}")
        out.append(Value(v))
    return out


def _all_values(x: Sequence[Any]) -> bool:
    return all(type(v) is Value for v in x)


def as_sample(x: Any, owner: str = "model") -> Sequence[Any]:
    """One input sample as a sequence: a list or tuple as it is, a bare Value or number as
    a one-element list, and any other sequence of numbers (a numpy row, a ``range``) as a
    list, without importing numpy.

    >>> as_sample(2.0), as_sample((1, 2)), as_sample(range(2))
    ([2.0], (1, 2), [0, 1])
    """
    if isinstance(x, (list, tuple)):
        return x
    if isinstance(x, Value) or is_real(x):
        return [x]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{owner}: expected a sample (a sequence of numbers), got "
                        f"{short_repr(x, 60)} of type {type(x).__name__}")
    return list(x)


def _seed_or_rng(what: str, seed: int | random.Random | None,
                 rng: random.Random | None) -> random.Random:
    # ``rng=`` was the old keyword of Neuron and Layer; it still works, with a warning.
    if rng is not None:
        warnings.warn(f"{what}: rng= is deprecated, pass seed= (an int or a random.Random)",
                      DeprecationWarning, stacklevel=3)
        if seed is not None:
            raise TypeError(f"{what}: pass seed= or the deprecated rng=, not both")
        seed = rng
    return rng_from_seed(seed, what)


def _initial_weights(nin: int, fan_out: int, init: str, rng: random.Random) -> list[Value]:
    # With seed=None, rng is Python's global generator (random.uniform is its method),
    # which is what micrograd draws from: same random.seed, same weights.
    uniform, gauss = rng.uniform, rng.gauss
    if init == "uniform":
        return [Value(uniform(-1, 1)) for _ in range(nin)]
    if init == "xavier":  # Glorot & Bengio (2010): keeps activation variance across layers
        limit = math.sqrt(6.0 / (nin + fan_out))
        return [Value(uniform(-limit, limit)) for _ in range(nin)]
    std = math.sqrt(2.0 / nin)  # He et al. (2015): for ReLU, which zeroes half the inputs
    return [Value(gauss(0.0, std)) for _ in range(nin)]


class Neuron(Module):
    """``act(b + w . x)``; ReLU when ``nonlin`` (micrograd's default), else linear.

    ``activation`` overrides ``nonlin``. ``init`` picks the weight distribution: micrograd's
    ``uniform(-1, 1)``, ``"xavier"`` (uniform, +-sqrt(6 / (nin + fan_out))) or ``"he"``
    (normal, std sqrt(2 / nin)). ``seed`` (an int or a ``random.Random``) gives the neuron
    its own generator; the default None draws from the global ``random``, as micrograd does
    (``rng=`` is the deprecated old name of ``seed``). ``dropconnect=p`` drops each weight
    with probability ``p`` in training mode and scales the kept sum by 1 / (1 - p)
    (inverted DropConnect: nothing to undo in eval).

    >>> import random; random.seed(0)
    >>> n = Neuron(2)
    >>> len(n.parameters()), n.b.data
    (3, 0.0)
    >>> out = n([1.0, -1.0]); out.op
    'relu'
    >>> Neuron(3, activation="tanh")
    TanhNeuron(3)
    """

    def __init__(self, nin: int, nonlin: bool = True, *, activation: str | None = None,
                 init: str = "uniform", fan_out: int = 1,
                 seed: int | random.Random | None = None, dropconnect: float = 0.0,
                 rng: random.Random | None = None) -> None:
        nin = whole_number("Neuron", "nin", nin, minimum=1)
        fan_out = whole_number("Neuron", "fan_out", fan_out, minimum=1)
        if activation is None:
            activation = "relu" if flag("Neuron", "nonlin", nonlin) else "linear"
        check_choice("Neuron activation", activation, ACTIVATIONS)
        check_choice("Neuron init", init, INITS)
        dropconnect = finite_number("Neuron", "dropconnect", dropconnect, minimum=0.0,
                                    maximum=1.0, below_maximum=True)
        rng = _seed_or_rng("Neuron", seed, rng)
        self.w = _initial_weights(nin, fan_out, init, rng)
        self.b = Value(0)
        self.nonlin = activation != "linear"
        self.activation = activation
        self.dropconnect = dropconnect
        # Kept only if private: with the global generator, look it up at each call.
        self._rng = None if rng is rng_from_seed(None, "Neuron") else rng

    def __call__(self, x: Sequence[Any]) -> Value:
        x = as_sample(x, "Neuron")
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        return self._forward(x if _all_values(x) else _as_values(x, "Neuron"))

    def _forward(self, xs: Sequence[Value], xdata: Iterable[Any] | None = None) -> Value:
        # xs holds only Values, as many as the weights (the caller checked), and xdata their
        # numbers if read already: a Layer checks and reads them once for all its neurons.
        if self.dropconnect and self.training:
            act = self._dropconnect(xs)
        else:  # one affine node: b + w . x (the hot path of training)
            parents, w = (self.b, *self.w, *xs), self.w
            try:  # its math from the lists, not from a flat tuple of floats
                data = affine_of(self.b.data, map(_data, w),
                                 map(_data, xs) if xdata is None else xdata)
            except TypeError as exc:  # a .data set to something that is not a number
                raise errors.wording.forward_failed(AFFINE, parents, None, exc) from None
            act = make_node(AFFINE, parents, data)
        if self.activation == "relu":  # the common case, without the dispatch
            return make_node(RELU, (act,), RELU.forward(act.data))
        return activate(act, self.activation)

    def _dropconnect(self, xs: Sequence[Value]) -> Value:
        rand = (self._rng or rng_from_seed(None, "Neuron")).random
        kept = [i for i in range(len(self.w)) if rand() >= self.dropconnect]
        if not kept:
            return self.b + 0.0
        total = dot([self.w[i] for i in kept], [xs[i] for i in kept])
        return total * (1.0 / (1.0 - self.dropconnect)) + self.b

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{_DISPLAY[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; one output is returned bare, as micrograd.
    A bare Value (or number) is accepted as the input of a one-input layer.

    Keyword arguments go to each :class:`Neuron`; ``seed`` (an int or a ``random.Random``)
    makes one generator that all of this layer's neurons draw from, in order.

    >>> import random; random.seed(0)
    >>> layer = Layer(3, 2)
    >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())
    (2, 8)
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        nin = whole_number("Layer", "nin", nin, minimum=1)
        nout = whole_number("Layer", "nout", nout, minimum=1)
        kwargs.setdefault("fan_out", nout)
        kwargs["seed"] = _seed_or_rng("Layer", kwargs.get("seed"), kwargs.pop("rng", None))
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Any) -> Any:
        out = self._outputs(x)
        return out[0] if len(out) == 1 else out

    def _outputs(self, x: Any, owner: str = "Layer") -> list[Value]:
        # Always a list (MLP chains layers through this, so a one-neuron hidden layer works).
        # ``owner`` is what errors about the input name: the layer, or the MLP called.
        x = as_sample(x, owner)
        if len(x) != len(self.neurons[0].w):
            raise ValueError(f"{owner}: expected {len(self.neurons[0].w)} inputs, got {len(x)}")
        return self._forward(x if _all_values(x) else _as_values(x, owner))

    def _forward(self, xs: list[Value]) -> list[Value]:
        # xs: as many Values as the layer has inputs (checked by the caller)
        xdata = list(map(_data, xs))  # read once, for all the neurons
        return [n._forward(xs, xdata) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron. Defaults are micrograd's: ReLU on every layer but the last,
    which is linear, weights ``random.uniform(-1, 1)`` from the global ``random``.

    ``activation`` is used on hidden layers, ``output_activation`` (None: linear) on the
    last; ``init`` is ``"uniform"``, ``"xavier"`` or ``"he"``; ``seed`` gives the model its own
    random generator (an int or a ``random.Random``), leaving the global one alone;
    ``dropconnect`` applies to hidden layers. Several outputs come back as a list, one as a
    bare Value (as in micrograd); a one-neuron hidden layer is fine.

    >>> import random; random.seed(0)
    >>> model = MLP(2, [16, 16, 1])
    >>> len(model.parameters())
    337
    >>> type(model([0.5, -1.0])).__name__
    'Value'
    >>> MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", seed=0)
    MLP of [Layer of [TanhNeuron(2), TanhNeuron(2)], Layer of [SigmoidNeuron(2)]]
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str | None = None, init: str = "uniform",
                 seed: int | random.Random | None = None, dropconnect: float = 0.0) -> None:
        nin = whole_number("MLP", "nin", nin, minimum=1)
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"MLP: nouts must be a list of layer sizes, got {nouts!r}")
        nouts = [whole_number("MLP", f"nouts[{i}]", n, minimum=1) for i, n in enumerate(nouts)]
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size, got []")
        check_choice("MLP activation", activation, ACTIVATIONS)
        if output_activation is not None:
            check_choice("MLP output_activation", output_activation, ACTIVATIONS)
        check_choice("MLP init", init, INITS)
        rng = rng_from_seed(seed, "MLP")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1],
                  activation=activation if i != last else (output_activation or "linear"),
                  init=init, seed=rng, dropconnect=dropconnect if i != last else 0.0)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Any]) -> Any:
        x = self.layers[0]._outputs(x, "MLP")
        for layer in self.layers[1:]:
            x = layer._forward(x)  # the previous layer's outputs: no need to check them
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
