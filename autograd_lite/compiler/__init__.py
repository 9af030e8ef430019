"""Compiled batch mode: trace one sample's scalar loss once, run it for a whole batch.

The engine builds a graph of a few thousand nodes for every sample of every step. But a
network computes the same graph for every sample, only with other numbers. ``compile``
runs your loss once on one sample, records the graph (with the model's parameters as its
inputs), and writes it out as code: straight-line Python over floats, one line per node
(``backend="python"``, no dependency), or numpy with the neurons of a layer fused into
one matrix product (``backend="numpy"``). Calling the result with a batch returns the
batch loss and fills every parameter's ``.grad`` exactly as the engine's ``backward``
would, so optimizers, ``fit``, checkpoints and pictures work unchanged.

>>> from autograd_lite.nn import MLP
>>> from autograd_lite.compiler import compile
>>> model = MLP(2, [4, 1], seed=0)
>>> step = compile(lambda x, y: (1 + -y * model(x)).relu(), [0.5, -1.0], 1)
>>> X, y = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.7]], [1, -1, 1]
>>> loss = step(X, y)                      # mean hinge loss; .grad filled
>>> grads = [p.grad for p in model.parameters()]
>>> from autograd_lite import sum as vsum
>>> model.zero_grad()
>>> eager = vsum([(1 + -t * model(x)).relu() for x, t in zip(X, y)]) * (1.0 / 3)
>>> eager.backward()
>>> loss == eager.data and grads == [p.grad for p in model.parameters()]
True
>>> print(step.source.splitlines()[0])
# compiled: <lambda>(x, y), mean over the batch

What it assumes, and how it stays right: a decision the loss takes from the data (``if
x.data > 0``, ``max(...)`` of scores, a ReLU needs none) becomes a *guard*, checked for
every sample; a sample that fails one gets its own trace (up to ``max_programs``). A
batch that the code cannot vouch for (an overflow, a domain error, a non-finite
gradient, too many branches) runs through the engine instead, which computes it or
raises its own error. See ``tracing.py`` for what is followed.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ..core import Value
from .compiled import Compiled
from .tracing import CompileError, split_result

# ``compile`` is left out of ``import *``: it would replace the builtin of that name.
__all__ = ["CompileError", "Compiled", "CompiledLoss", "compile_loss"]


def compile(fn: Callable[..., Any], *example: Any, backend: str = "python",
            reduction: str = "mean", penalty: Callable[[], Value] | None = None,
            static: Sequence[int] = (), params: Sequence[Value] | Any = None,
            max_programs: int = 16) -> Compiled:
    """Compile ``fn``, one sample's loss, into a batch loss with gradients.

    ``fn(*sample)`` must return the sample's loss as a Value (or ``(loss, outputs)``, a
    Value or list of Values kept per sample in ``compiled.outputs``). ``example`` is one
    sample's arguments: numbers (anywhere inside lists) are traced; a bare int (a label)
    or anything else is static (``static`` lists more argument positions to treat so).
    The parameters are found by tracing: every Value the loss uses that ``fn`` did not
    make. Pass ``params`` (a list of Values, or a model: then the code names them as
    ``model.named_parameters()`` does) to fix their order.

    ``compiled(*batch)`` (each argument a sequence over the samples, or a numpy array)
    returns ``mean`` (or ``sum``) of the sample losses plus ``penalty()`` and adds its
    gradient to every parameter's ``.grad``. ``backend`` is ``"python"`` (straight-line
    Python, no dependency) or ``"numpy"`` (layers fused into matrix products; needs numpy).

    >>> from autograd_lite import Value
    >>> w = Value(2.0, label="w")
    >>> sq = compile(lambda x, t: (w * x - t) ** 2, 1.0, 0.0, penalty=lambda: 0.5 * w * w)
    >>> sq([1.0, 2.0], [1.0, 5.0])   # ((2-1)**2 + (4-5)**2) / 2 + 0.5 * 4
    3.0
    >>> w.grad                       # (2*1*1 + 2*(-1)*2) / 2 + w
    1.0
    """
    _check_function("compile", "fn", fn, example)
    _check_penalty("compile", penalty)
    static = _check_static(static, len(example))
    max_programs = _check_max_programs("compile", max_programs)
    name = getattr(fn, "__name__", "fn")
    arg_names = _argument_names(fn, len(example))
    title = f"compiled: {name}({', '.join(arg_names) or '...'}), {reduction} over the batch"
    if penalty is not None:
        title += " + penalty()"
    names, params = _check_params(params)
    return Compiled(fn, example, backend=backend, reduction=reduction, penalty=penalty,
                    static=static, params=params, names=names, max_programs=max_programs,
                    title=title, what=f"compiled {name}", arg_names=arg_names)


# --- checking what compile is given ---------------------------------------------------------


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _argument_names(fn: Any, n: int) -> list[str]:
    # The names of fn's first n parameters, for the generated code and for errors.
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):  # a builtin without a signature
        names = []
    names = names[:n]
    return names + [f"arg{k}" for k in range(len(names), n)]


def _check_function(owner: str, what: str, fn: Any, example: Sequence[Any]) -> None:
    """``fn`` must be callable with one sample's arguments: the example."""
    if not callable(fn):
        raise TypeError(f"{owner}: {what} must be a function of one sample returning its loss "
                        f"(a Value), got {_short(fn)} of type {type(fn).__name__}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # a builtin without a signature: calling it will tell
    try:
        signature.bind(*example)
    except TypeError as exc:
        name = getattr(fn, "__name__", what)
        bare = signature.replace(return_annotation=inspect.Signature.empty, parameters=[
            p.replace(annotation=p.empty) for p in signature.parameters.values()])
        raise TypeError(f"{owner}: {name}{bare} cannot take the example's "
                        f"{len(example)} argument{'s' if len(example) != 1 else ''} "
                        f"({exc}); give one sample's arguments after the function: "
                        f"{owner}(fn, *example)") from None


def _check_penalty(owner: str, penalty: Any) -> None:
    if penalty is not None and not callable(penalty):
        raise TypeError(f"{owner}: penalty must be a function of no arguments returning a "
                        f"Value (or None), got {_short(penalty)} of type "
                        f"{type(penalty).__name__}")


def _check_static(static: Any, n: int) -> tuple[int, ...]:
    if isinstance(static, (str, bytes)) or not hasattr(static, "__iter__"):
        raise TypeError(f"compile: static must be a list of argument positions (ints), got "
                        f"{_short(static)}")
    positions = list(static)
    for k in positions:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= int(k) < n:
            raise ValueError(f"compile: static lists argument positions, each an int in "
                             f"[0, {n - 1}] for the example's {n} arguments, got {_short(k)}")
    return tuple(int(k) for k in positions)


def _check_max_programs(owner: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: max_programs must be an int >= 1, got {_short(value)}")
    return int(value)


def _check_params(params: Any) -> tuple[dict[int, str] | None, list[Value] | None]:
    """``params`` as (names by id or None, list of Values or None): a model (anything with
    ``named_parameters()``), a list of parameter Values, or None."""
    if params is None:
        return None, None
    if callable(getattr(params, "named_parameters", None)):
        pairs = list(params.named_parameters())
        names = {id(p): n for n, p in pairs}
        return names, [p for _, p in pairs]
    if isinstance(params, Value):
        raise TypeError("compile: params must be a list of Values or a model, got one "
                        "Value; pass [value]")
    if isinstance(params, (str, bytes, dict)) or not hasattr(params, "__iter__"):
        raise TypeError(f"compile: params must be a list of Values (the parameters) or a "
                        f"model with named_parameters(), got {_short(params)} of type "
                        f"{type(params).__name__}")
    found = list(params)
    seen: set[int] = set()
    for k, p in enumerate(found):
        if not isinstance(p, Value):
            raise TypeError(f"compile: params[{k}] must be a Value (a parameter), got "
                            f"{_short(p)} of type {type(p).__name__}")
        if id(p) in seen:
            raise ValueError(f"compile: params[{k}] is listed twice; list each parameter "
                             f"once")
        seen.add(id(p))
    return None, found


class CompiledLoss:
    """``loss(model(x) for x in batch, targets)`` compiled: the entry point for ``fit``.

    ``step(X, y)`` returns the data loss (without the penalty, as ``fit`` records it),
    adds the gradient of data loss + penalty to each parameter's ``.grad`` and keeps the
    model's outputs in ``predictions`` (floats; a tuple per sample for several outputs),
    ready for a metric such as ``argmax_accuracy``.
    """

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled

    def step(self, X: Sequence[Any], y: Sequence[Any]) -> float:
        """Loss of the batch ``(X, y)``; adds to ``.grad`` as ``backward`` would.

        >>> from autograd_lite.nn import MLP, mse
        >>> model = MLP(1, [1], seed=0); w, b = model.parameters()
        >>> loss = compile_loss(model, mse, [[1.0]], [0.0]).step([[1.0], [2.0]], [0.0, 0.0])
        >>> loss == ((w.data + b.data) ** 2 + (2 * w.data + b.data) ** 2) / 2
        True
        >>> b.grad == (w.data + b.data) + (2 * w.data + b.data)     # by hand
        True
        """
        self.compiled(X, y)
        return self.compiled.data_loss

    def evaluate(self, X: Sequence[Any], y: Sequence[Any]) -> tuple[float, list[Any]]:
        """``(data loss, predictions)`` of a batch, touching no ``.grad`` (test data).

        >>> from autograd_lite.nn import MLP, mse
        >>> model = MLP(1, [1], seed=0)
        >>> loss, preds = compile_loss(model, mse, [[1.0]], [0.0]).evaluate([[2.0]], [0.0])
        >>> loss == preds[0] ** 2, model.parameters()[0].grad
        (True, 0.0)
        """
        self.compiled.forward(X, y)
        return self.compiled.data_loss, self.compiled.outputs

    @property
    def predictions(self) -> list[Any]:
        """The model's outputs for each sample of the last step."""
        return self.compiled.outputs

    @property
    def source(self) -> str:
        """The generated code."""
        return self.compiled.source


def compile_loss(model: Any, loss: Callable[..., Value], X_example: Sequence[Any],
                 y_example: Sequence[Any], *, penalty: Callable[[], Value] | None = None,
                 backend: str = "python", max_programs: int = 16) -> CompiledLoss:
    """Compile a batch loss such as ``nn.hinge`` or ``nn.cross_entropy`` on ``model``.

    The loss must be a mean over samples (every loss in ``autograd_lite.nn`` is): one
    sample's loss is ``loss([model(x)], [t])``, which is checked on the example. Targets
    are static: each distinct label gets its own program (ten digit classes: ten). The
    gradient equals ``loss([model(x) for x in X], y).backward()``'s, and the loss value
    the mean of the per-sample losses (the same number up to rounding).
    ``penalty`` (e.g. ``lambda: nn.l2_penalty(params, 1e-4)``) is added once per batch.

    >>> from autograd_lite.nn import MLP, cross_entropy
    >>> model = MLP(2, [3, 3], seed=0)
    >>> compiled = compile_loss(model, cross_entropy, [[0.5, 1.0]], [2])
    >>> value = compiled.step([[0.5, 1.0], [1.0, -1.0]], [2, 0])
    >>> len(compiled.predictions), len(compiled.predictions[0])
    (2, 3)
    """
    if not callable(model):
        raise TypeError(f"compile_loss: model must be a Module or a function of one sample, "
                        f"got {_short(model)} of type {type(model).__name__}")
    if not callable(loss):
        raise TypeError(f"compile_loss: loss must be a function (predictions, targets) such "
                        f"as nn.mse, got {_short(loss)} of type {type(loss).__name__}")
    for what, example in (("X_example", X_example), ("y_example", y_example)):
        if isinstance(example, (str, bytes)) or not hasattr(example, "__len__"):
            raise TypeError(f"compile_loss: {what} must be a list of samples (at least one), "
                            f"got {_short(example)} of type {type(example).__name__}")
    if not len(X_example) or len(X_example) != len(y_example):
        raise ValueError(f"compile_loss: give at least one example sample and its target, "
                         f"got {len(X_example)} samples and {len(y_example)} targets")
    max_programs = _check_max_programs("compile_loss", max_programs)
    _check_penalty("compile_loss", penalty)
    if backend not in ("python", "numpy"):
        raise ValueError(f"compile_loss: backend must be 'python' or 'numpy', got "
                         f"{_short(backend)}")
    _check_model(model)

    def sample_loss(x: Any, t: Any) -> tuple[Value, list[Value]]:
        pred = model(x)
        outs = list(pred) if isinstance(pred, (list, tuple)) else [pred]
        return loss([pred], [t]), outs

    x0, t0 = X_example[0], y_example[0]
    _check_mean(model, loss, x0, t0)
    names = {id(p): name for name, p in getattr(model, "named_parameters", list)()}
    params = model.parameters() if hasattr(model, "parameters") else None
    title = (f"compiled: {getattr(loss, '__name__', 'loss')}([model(x)], [y]) for "
             f"{type(model).__name__}, mean over the batch" + (" + penalty()" if penalty else ""))
    loss_name = getattr(loss, "__name__", "loss")
    compiled = Compiled(sample_loss, (x0, t0), backend=backend, reduction="mean",
                        penalty=penalty, static=(1,), params=params, names=names,
                        max_programs=max_programs, title=title,
                        what=f"compiled {loss_name} for {type(model).__name__}",
                        arg_names=("x", "y"))
    return CompiledLoss(compiled)


def _check_model(model: Any) -> None:
    """Refuse layers whose training forward pass a trace cannot capture."""
    modules = getattr(model, "named_modules", None)
    for name, module in (modules() if modules else []):
        where = f"'{name}' " if name else ""
        if getattr(module, "buffer_names", ()):
            raise CompileError(f"compile_loss: layer {where}({type(module).__name__}) "
                               f"normalises over the batch; one sample's trace cannot "
                               f"capture it: train this model eagerly")
        if getattr(module, "dropconnect", 0.0) or (type(module).__name__ == "Dropout"
                                                   and getattr(module, "p", 0.0)):
            raise CompileError(f"compile_loss: layer {where}({type(module).__name__}) draws "
                               f"random numbers in training mode; a trace would freeze one "
                               f"draw: train this model eagerly")


def _check_mean(model: Any, loss: Callable[..., Value], x: Any, t: Any) -> None:
    one, _ = split_result(loss([model(x)], [t]))
    two, _ = split_result(loss([model(x), model(x)], [t, t]))
    a, b = one.data, two.data
    if not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300):
        raise CompileError(f"compile_loss: {getattr(loss, '__name__', 'the loss')} of a "
                           f"sample twice is {b!r}, not its loss {a!r}: it is not a mean over "
                           f"samples; use autograd_lite.compile with one sample's loss")
