"""The training loop: ``fit`` runs full-batch, mini-batch or stochastic gradient descent and
returns a :class:`History` of everything that helps to see what training did (loss,
accuracy, learning rate and per-layer gradient norms at every step).

The loop itself is plain: for each batch, a forward pass, a backward pass and an optimizer
step. Everything else (the progress bar, the stopping rules) is a
:class:`~autograd_lite.nn.callbacks.Callback`; fit's keyword arguments only choose which.
"""

from __future__ import annotations

import contextlib
import gc
import math
import numbers
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..compiler import CompiledLoss, compile_loss
from ..core import Value, no_grad
from ..datasets import batches, rng_from_seed
from .callbacks import Callback, CallbackFunction, EarlyStopping, ProgressBar, TargetAccuracy
from .history import History, TrainingRun
from .layers import BatchNorm
from .losses import l1_penalty, l2_penalty
from .metrics import (
    Metric,
    argmax_accuracy,
    logit_accuracy,
    metric_for,
    sign_accuracy,
)
from .modules import Module
from .optim import LevenbergMarquardt, Optimizer
from .schedules import Schedule
from .search import GradientFreeOptimizer
from .validation import finite_number, flag, is_real, short_repr, whole_number
from .work import active_work_counter

__all__ = ["History", "TrainingRun", "argmax_accuracy", "evaluate", "fit", "logit_accuracy",
           "paused_cyclic_gc", "sign_accuracy"]

Data = tuple[Sequence[Any], Sequence[Any]]


def _forward(model: Any, xs: Sequence[Any]) -> list[Any]:
    if isinstance(model, Module):
        return model.forward_batch(xs)
    return [model(x) for x in xs]


def _layer_groups(model: Any, params: list[Value]) -> list[tuple[str, list[Value]]]:
    layers = getattr(model, "layers", None)
    if isinstance(layers, list):
        groups = [(f"layers.{i}", layer.parameters()) for i, layer in enumerate(layers)
                  if isinstance(layer, Module)]
        groups = [(name, ps) for name, ps in groups if ps]
        if groups:
            return groups
    return [("all", params)]


def evaluate(model: Any, loss: Callable[..., Value], data: Data,
             metric: Metric | str | None = "auto") -> tuple[float, float | None]:
    """``(loss, accuracy)`` of ``model`` on ``data`` in evaluation mode, building no graph.

    >>> from autograd_lite.nn import MLP, mse
    >>> model = MLP(1, [1], seed=0); w = model.parameters()[0].data
    >>> loss, acc = evaluate(model, mse, ([[1.0]], [0.0]))
    >>> loss == w * w, acc
    (True, None)
    """
    X, y = checked_data("evaluate", "data", data)
    chosen = metric_for(metric, loss, "evaluate")
    was_training = isinstance(model, Module) and model.training
    if isinstance(model, Module):
        model.eval()
    try:
        with no_grad():
            preds = _forward(model, X)
            value = loss(preds, y).data
    finally:
        if was_training:
            model.train()
    return value, (chosen(preds, y) if chosen else None)


# --- checking what fit is given -----------------------------------------------------------


def _plain(v: Any, where: str, owner: str) -> Any:
    # A number becomes an int or a float (numpy scalars included); a Value stays a Value.
    if isinstance(v, Value):
        return v
    if is_real(v):
        number = int(v) if isinstance(v, numbers.Integral) else float(v)
        if not math.isfinite(number):
            raise ValueError(f"{owner}: {where} must be a finite number, got {v!r}")
        return number
    raise TypeError(f"{owner}: {where} must be a number, got {v!r} of type "
                    f"{type(v).__name__}")


def _row(x: Any, where: str, owner: str) -> Any:
    # One sample: a number, or a sequence of numbers (a list, a tuple, a numpy row ...).
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__") or isinstance(x, Value):
        return _plain(x, where, owner)
    return [_plain(v, f"{where}[{j}]", owner) for j, v in enumerate(x)]


def checked_data(owner: str, what: str, data: Any) -> tuple[list[Any], list[Any]]:
    """``data = (X, y)`` as two lists of plain Python numbers: samples (a number or a
    sequence of numbers each) and targets. Any sequences of real numbers are accepted, numpy
    arrays included (without importing numpy); non-finite numbers, strings and mismatched
    lengths raise an error naming ``owner``, ``what`` and the sample.

    >>> import numpy as np
    >>> checked_data("fit", "data", (np.array([[0.0, 1.0]]), np.array([1])))
    ([[0.0, 1.0]], [1])
    """
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{owner}: {what} must be a pair (X, y), got {type(data).__name__}")
    X, y = data
    try:
        n_x, n_y = len(X), len(y)
    except TypeError:
        raise TypeError(f"{owner}: {what} must be a pair of sequences (X, y), got "
                        f"{type(X).__name__} and {type(y).__name__}") from None
    if n_x != n_y or n_x == 0:
        raise ValueError(f"{owner}: need as many targets as samples (at least one), got "
                         f"{n_x} samples and {n_y} targets")
    xs = [_row(x, f"{what} X[{i}]", owner) for i, x in enumerate(X)]
    ys = [_row(t, f"{what} y[{i}]", owner) for i, t in enumerate(y)]
    return xs, ys


def _check_optimizer(model: Any, optimizer: Any) -> None:
    """Refuse what cannot train ``model``: not an optimizer (None, a class, a string), or
    one that updates none of the model's parameters (made for another model: training
    would run, report a flat loss and change nothing)."""
    if isinstance(optimizer, type):
        kind = optimizer.__name__
        raise TypeError(f"fit: optimizer must be an optimizer object, got the class {kind}; "
                        f"make one over the model's parameters: {kind}(model.parameters(), "
                        f"...)")
    params = getattr(optimizer, "params", None)
    if not (isinstance(params, (list, tuple)) and callable(getattr(optimizer, "step", None))
            and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(f"fit: optimizer must be an optimizer over the model's parameters, "
                        f"such as SGD(model.parameters(), lr=0.1) (an object with params, "
                        f"step() and zero_grad()), got {short_repr(optimizer, 60)}")
    if not callable(model):
        raise TypeError(f"fit: model must be a Module or a function of one sample, got "
                        f"{short_repr(model, 60)}")
    named = getattr(model, "named_parameters", None)
    if not callable(named):
        return  # a plain function: the optimizer's parameters are what is trained
    pairs = [(n, p) for n, p in named() if isinstance(p, Value)]
    held = {id(p) for p in params}
    if pairs and not any(id(p) in held for _, p in pairs):
        kind = type(optimizer).__name__
        raise ValueError(f"fit: the optimizer ({kind}) updates none of the parameters of the "
                         f"model ({type(model).__name__}): its first parameter "
                         f"{pairs[0][0]!r} is not among the optimizer's {len(params)}, so "
                         f"training would change nothing; was the optimizer made for another "
                         f"model? Make it from this one: {kind}(model.parameters(), ...)")


@contextlib.contextmanager
def _parameter_names(model: Any, optimizer: Any) -> Iterator[None]:
    # While fit trains, an optimizer's errors name parameters as the model does
    # ('layers.0.neurons.0.w.0'); its own names (given as named_parameters()) win.
    names = getattr(optimizer, "param_names", None)
    named = getattr(model, "named_parameters", None)
    if not isinstance(names, list) or not callable(named) or all(names):
        yield
        return
    by_id = {id(p): n for n, p in named()}
    saved = list(names)
    names[:] = [n or by_id.get(id(p)) for n, p in zip(names, optimizer.params)]
    try:
        yield
    finally:
        names[:] = saved


def _callbacks(progress: bool, target_accuracy: float | None, patience: int | None,
               min_delta: float, restore_best: bool,
               callback: Callable[[int, History], Any] | None,
               extra: Sequence[Callback]) -> list[Callback]:
    # fit's keyword arguments, as the callbacks they stand for (in the order they act).
    chosen: list[Callback] = []
    if progress:
        chosen.append(ProgressBar())
    if target_accuracy is not None:
        chosen.append(TargetAccuracy(target_accuracy))
    if patience is not None:
        chosen.append(EarlyStopping(patience, min_delta, restore_best))
    if callback is not None:
        chosen.append(CallbackFunction(callback))
    for item in extra:
        if not isinstance(item, Callback):
            raise TypeError(f"fit: callbacks must be Callback instances, got {item!r}")
        chosen.append(item)
    return chosen


def _check_batch_norm(model: Any, n: int, batch_size: int | None, drop_last: bool) -> None:
    # BatchNorm cannot normalise one sample in training mode: refuse before the first step
    # rather than fail in the middle of an epoch.
    if not isinstance(model, Module) or not any(
            isinstance(m, BatchNorm) for _, m in model.named_modules()):
        return
    size = n if batch_size is None else min(batch_size, n)
    sizes = {size} if n % size == 0 or drop_last else {size, n % size}
    if 1 in sizes:
        raise ValueError(f"fit: a mini-batch of 1 sample ({n} samples, batch_size="
                         f"{batch_size}) cannot be batch-normalised in training; pass "
                         f"drop_last=True or another batch_size")


# --- the loop -------------------------------------------------------------------------


@contextlib.contextmanager
def paused_cyclic_gc() -> Iterator[None]:
    """Switch Python's cyclic garbage collector off inside the block and back to its
    previous state after it, also on an error.

    Safe while training: autograd_lite's graphs hold no reference cycles, so reference
    counting frees each step's graph at once; the collector would only scan the live nodes
    again and again as a graph grows (10-20% of a training step).

    >>> before = gc.isenabled()
    >>> with paused_cyclic_gc():
    ...     gc.isenabled()
    False
    >>> gc.isenabled() == before
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _first_reason(reasons: Iterator[str | None]) -> str | None:
    # The first hook that asks to stop wins; later hooks are not called.
    for reason in reasons:
        if reason:
            return reason
    return None


class _Loop:
    """One fit call: the plain loop, cut into small steps that share its state."""

    def __init__(self, run: TrainingRun, loss: Callable[..., Value], metric: Metric | None,
                 callbacks: list[Callback], schedule: Schedule | None,
                 penalties: tuple[float, float]) -> None:
        self.run, self.loss, self.metric = run, loss, metric
        self.callbacks, self.schedule = callbacks, schedule
        self.l2, self.l1 = penalties
        model = run.model
        self.params = (model.parameters() if isinstance(model, Module)
                       else list(run.optimizer.params))
        self.groups = _layer_groups(model, self.params)
        run.history.layer_names = [name for name, _ in self.groups]
        # Gradient-free optimizers only evaluate losses: no graph, no backward pass.
        self.uses_gradient = bool(getattr(run.optimizer, "uses_gradient", True))
        self.work = active_work_counter()
        # The best full-batch evaluation a gradient-free optimizer made:
        # (objective, parameters, data loss, accuracy).
        self.best_seen: tuple[float, list[float], float, float | None] | None = None
        self.compiled: CompiledLoss | None = None

    def compile(self, X_example: list[Any], y_example: list[Any], backend: str) -> None:
        """Trace one sample's loss (and the penalties) into code run for every batch."""
        terms = [(l2_penalty, self.l2), (l1_penalty, self.l1)]
        used = [(term, weight) for term, weight in terms if weight]

        def penalty() -> Value:
            values = [term(self.params, weight) for term, weight in used]
            return values[0] if len(values) == 1 else values[0] + values[1]

        self.compiled = compile_loss(self.run.model, self.loss, X_example, y_example,
                                     penalty=penalty if used else None, backend=backend)

    def train(self, epoch_batches: Callable[[], Iterator[tuple[list[Any], list[Any]]]],
              validation: Data | None) -> History:
        """Epochs until ``run.epochs`` or until a callback gives a reason to stop."""
        run, history = self.run, self.run.history
        for cb in self.callbacks:
            cb.on_train_begin(run)
        for epoch in range(run.epochs):
            run.epoch = epoch
            for cb in self.callbacks:
                cb.on_epoch_begin(run)
            reason = self.run_epoch(epoch_batches())
            history.epoch_steps.append(history.steps)
            if validation is not None:
                val_loss, val_acc = self.validate(validation)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            reason = reason or _first_reason(cb.on_epoch_end(run) for cb in self.callbacks)
            if reason:
                history.stopped_early, history.stop_reason = True, reason
                break
            if self.schedule is not None:
                self.schedule.step(run.monitored_loss)
        return history

    def validate(self, validation: Data) -> tuple[float, float | None]:
        """Loss and accuracy on the validation data: through the compiled code when fit
        compiled (no graph, no ``.grad`` touched), else by :func:`evaluate`."""
        if self.compiled is None:
            return evaluate(self.run.model, self.loss, validation, self.metric)
        X, y = validation
        loss_value, preds = self.compiled.evaluate(X, y)
        return loss_value, self.metric(preds, list(y)) if self.metric else None

    def objective(self, data_loss: Value) -> Value:
        """The loss the optimizer minimises: the data loss plus the penalties."""
        total = data_loss
        if self.l2:
            total = total + l2_penalty(self.params, self.l2)
        if self.l1:
            total = total + l1_penalty(self.params, self.l1)
        return total

    def run_epoch(self, epoch_batches: Iterator[tuple[list[Any], list[Any]]]) -> str | None:
        """One pass over the data: a forward pass, then (unless a callback stops training
        there) a backward pass and an update per batch. Records the epoch's loss and
        accuracy; returns a callback's reason to stop, or None."""
        history = self.run.history
        total, hits, samples, measured = 0.0, 0.0, 0, True
        for Xb, yb in epoch_batches:
            objective, loss_value, accuracy = self.measure(Xb, yb)
            reason = _first_reason(cb.on_forward(self.run, loss_value, accuracy)
                                   for cb in self.callbacks)
            if reason:
                # These parameters were measured, not stepped from: they are the result,
                # and the epoch's numbers are theirs.
                history.epoch_loss.append(loss_value)
                history.epoch_accuracy.append(accuracy)
                history.stopped_on_forward = True
                return reason
            history.loss.append(loss_value)
            history.accuracy.append(accuracy)
            history.lr.append(float(getattr(self.run.optimizer, "lr", math.nan)))
            if objective is not None and self.uses_gradient:
                self.gradient_step(objective)
            else:
                self.search_step(Xb, yb)
            total += loss_value * len(Xb)
            samples += len(Xb)
            if accuracy is None:
                measured = False
            else:
                hits += accuracy * len(Xb)
        history.epoch_loss.append(total / samples)
        history.epoch_accuracy.append(hits / samples if measured else None)
        return None

    def measure(self, Xb: list[Any], yb: list[Any]) -> tuple[Value | None, float, float | None]:
        """The objective (as a Value, when one was built), the data loss and the accuracy
        of the parameters as they are, on this batch. A gradient optimizer needs the graph,
        to go backward through it; a gradient-free one does not, and with full batches it
        has usually just evaluated these very parameters: then nothing is computed again."""
        if not self.uses_gradient:
            known = self.remembered()
            if known is not None:
                return None, known[0], known[1]
        if self.compiled is not None:
            if not self.uses_gradient:
                _, loss_value, preds = self.compiled_objective(Xb, yb)
                return None, loss_value, self.metric(preds, yb) if self.metric else None
            self.zero_grads()  # forward and backward at once, into .grad
            eager_before = self.compiled.compiled.stats["eager_batches"]
            loss_value = self.compiled.step(Xb, yb)
            self.count_compiled(len(Xb), eager_before, backward=True)
            preds = self.compiled.predictions
            return _COMPILED, loss_value, self.metric(preds, yb) if self.metric else None
        with contextlib.nullcontext() if self.uses_gradient else no_grad():
            preds = _forward(self.run.model, Xb)
            data_loss = self.loss(preds, yb)
        accuracy = self.metric(preds, yb) if self.metric else None
        if not self.uses_gradient:
            if self.work is not None:
                self.work.record_forward(data_loss, len(Xb), *self.sizing(Xb, yb))
            return data_loss, data_loss.data, accuracy
        objective = self.objective(data_loss)
        if self.work is not None:
            self.work.record_forward(objective, len(Xb))
        return objective, data_loss.data, accuracy

    def compiled_objective(self, Xb: list[Any], yb: list[Any]) -> tuple[float, float, list[Any]]:
        """(objective, data loss, predictions) of a batch through the compiled code, with no
        gradient: what a gradient-free optimizer asks for."""
        assert self.compiled is not None
        eager_before = self.compiled.compiled.stats["eager_batches"]
        loss_value, preds = self.compiled.evaluate(Xb, yb)
        self.count_compiled(len(Xb), eager_before, backward=False)
        with no_grad():  # the penalties, on the parameters' numbers
            value = self.objective(Value(loss_value)).data
        return value, loss_value, preds

    def count_compiled(self, samples: int, eager_before: int, backward: bool) -> None:
        """Tell the work counter about a batch given to the compiled code; one that the
        trace did not fit ran through the engine instead, and counts as such (unsized)."""
        if self.work is None or self.compiled is None:
            return
        if self.compiled.compiled.stats["eager_batches"] > eager_before:
            self.work.record_forward(None, samples)
            if backward:
                self.work.record_backward()
        else:
            self.work.record_compiled(samples, backward=backward)

    def remembered(self) -> tuple[float, float | None] | None:
        # (data loss, accuracy) of the best full-batch evaluation so far, if the parameters
        # are still exactly the ones it measured.
        if self.best_seen is None:
            return None
        _, vector, loss_value, accuracy = self.best_seen
        if any(p.data != x for p, x in zip(self.params, vector)):
            return None
        return loss_value, accuracy

    def sizing(self, Xb: list[Any], yb: list[Any]) -> tuple[Callable[[], Value], Any]:
        """For the work counter: how to build, with a graph, what an evaluation without one
        computed (in evaluation mode, so no dropout draw changes training), and a key."""
        model = self.run.model

        def objective_with_graph() -> Value:
            with _evaluation_mode(model):
                return self.objective(self.loss(_forward(model, Xb), yb))

        return objective_with_graph, (id(model), len(Xb))

    def zero_grads(self) -> None:
        if isinstance(self.run.model, Module):
            self.run.model.zero_grad()
        self.run.optimizer.zero_grad()

    def gradient_step(self, objective: Value) -> None:
        """Back-propagate the objective (compiled code already has) and let the optimizer
        update the parameters."""
        optimizer = self.run.optimizer
        if objective is not _COMPILED:
            self.zero_grads()
            objective.backward()
            if self.work is not None:
                self.work.record_backward(objective)
        self.run.history.grad_norms.append(
            [math.sqrt(math.fsum(p.grad * p.grad for p in ps)) for _, ps in self.groups])
        optimizer.step()

    def search_step(self, Xb: list[Any], yb: list[Any]) -> None:
        """Let a gradient-free optimizer search, evaluating the objective on this batch
        without recording a graph (nobody will go backward through it). With full batches
        the best evaluation is remembered, so the next step need not measure it again."""
        model, work = self.run.model, self.work
        sizing = self.sizing(Xb, yb) if work is not None and self.compiled is None else None
        remember = self.run.full_batch

        def closure() -> float:
            preds: Any
            if self.compiled is not None:
                value, loss_value, preds = self.compiled_objective(Xb, yb)
            else:
                with no_grad():
                    preds = _forward(model, Xb)
                    data_loss = self.loss(preds, yb)
                    value, loss_value = self.objective(data_loss).data, data_loss.data
                if work is not None and sizing is not None:
                    work.record_forward(value, len(Xb), *sizing)
            if remember and (self.best_seen is None or value < self.best_seen[0]):
                accuracy = self.metric(preds, yb) if self.metric else None
                self.best_seen = (value, [p.data for p in self.params], loss_value, accuracy)
            return value

        self.run.optimizer.step(closure)
        self.run.history.grad_norms.append([math.nan] * len(self.groups))


_COMPILED = Value(0.0, label="compiled")  # measure()'s objective when compiled code ran


@contextlib.contextmanager
def _evaluation_mode(model: Any) -> Iterator[None]:
    # No dropout draws: measuring a graph must not change what training does next.
    was_training = isinstance(model, Module) and model.training
    if was_training:
        model.eval()
    try:
        yield
    finally:
        if was_training:
            model.train()


def _leave_clean(model: Any, optimizer: Any) -> None:
    # Evaluation mode and no gradient left behind, however training ended.
    if isinstance(model, Module):
        model.eval()
        model.zero_grad()
    optimizer.zero_grad()


def fit(model: Any, loss: Callable[..., Value], optimizer: Optimizer | GradientFreeOptimizer,
        data: Data, epochs: int = 100, batch_size: int | None = None, *, l2: float = 0.0,
        l1: float = 0.0,
        schedule: Schedule | None = None, metric: Metric | str | None = "auto",
        validation: Data | None = None, patience: int | None = None, min_delta: float = 0.0,
        restore_best: bool = True, target_accuracy: float | None = None,
        shuffle: bool = True, seed: int | random.Random | None = 0, progress: bool = True,
        callback: Callable[[int, History], Any] | None = None,
        callbacks: Sequence[Callback] = (), drop_last: bool = False,
        compile: bool | str = False) -> History:
    """Train ``model`` on ``data = (X, y)``: each step computes ``loss(predictions, targets)``
    on a batch (plus ``l2 * sum p^2 + l1 * sum |p|``), back-propagates and calls
    ``optimizer.step()``. ``X`` and ``y`` may be any sequences of real numbers (lists,
    tuples, numpy arrays). A gradient-free optimizer (:class:`GeneticAlgorithm`,
    :class:`ParticleSwarm`, :class:`RandomSearch`) is called as ``optimizer.step(closure)``
    instead, with a closure that evaluates the objective on the batch without recording a
    graph: no backward pass is made (``history.grad_norms`` holds nan).

    ``optimizer`` must update at least one of the model's parameters: one made for another
    model (which would train nothing and say nothing) is refused before the first step,
    naming the model and its first parameter, and so is anything that is not an optimizer
    (None, the class ``SGD`` instead of ``SGD(model.parameters(), lr=0.1)``). Parameters
    it does not hold stay as they are (freezing part of a model is fine), and it may hold
    more (a parameter the loss uses). A plain function as ``model`` is trained through
    ``optimizer.params``. While ``fit`` runs, the optimizer's errors name parameters as the
    model does (``parameter 'layers.0.neurons.0.w.0'``).

    ``batch_size=None`` is full-batch gradient descent, ``1`` stochastic, otherwise
    mini-batch (reshuffled each epoch from ``seed``: an int, a ``random.Random``, or None for
    the global ``random``); ``drop_last`` skips a last batch smaller than ``batch_size``.
    ``schedule.step(monitored_loss)`` is called once per epoch (every schedule takes the
    monitored loss; only ``ReduceLROnPlateau`` uses it). ``metric`` turns predictions into
    an accuracy: ``"auto"`` picks one for ``hinge``, ``binary_cross_entropy`` and
    ``cross_entropy``; ``None`` for none.

    Stopping (each rule is a callback, see :mod:`autograd_lite.nn.callbacks`): ``patience``
    epochs without the monitored loss (validation, else training) falling by more than
    ``min_delta`` stops early and, with ``restore_best``, puts back the best parameters
    (:class:`EarlyStopping`); ``target_accuracy`` stops as soon as the training accuracy
    reaches it (:class:`TargetAccuracy`): with full batches it is checked right after the
    forward pass, so that measurement is not a step (no backward, no update:
    ``history.steps == optimizer.steps``), the model returned is the one that reached it,
    and its loss and accuracy are the last ``epoch_loss`` and ``epoch_accuracy``; with
    mini-batches it is checked on each epoch's accuracy. ``callback(epoch, history)``
    returning True stops too; ``callbacks`` adds your own :class:`Callback` objects. A tqdm
    progress bar shows loss and accuracy unless ``progress=False``.

    Inside ``with WorkCounter() as work:`` every loss evaluation, backward pass and graph
    node of the run is counted (see :mod:`autograd_lite.nn.work`).

    ``compile=True`` (or ``"python"``, ``"numpy"``) traces one sample's loss once and runs
    every batch, and the validation data, through the compiled code
    (:func:`autograd_lite.compile_loss`): the same losses and gradients, many times faster
    (``True`` and ``"python"``: the engine's numbers bit for bit; ``"numpy"``: layers fused
    into matrix products, equal to about 1e-15); samples the trace does not fit run eagerly.
    With a gradient-free optimizer the compiled code evaluates its candidates (no
    gradient computed). ``history.seconds`` includes the compiling.

    While it trains, ``fit`` pauses Python's cyclic garbage collector (graphs hold no
    cycles; see :func:`paused_cyclic_gc`) and restores it afterwards. When ``fit`` returns
    (or raises) the model is in evaluation mode and every parameter's ``.grad`` is 0, so no
    gradient of the last step is left behind to be added to by a later ``backward()``.

    >>> from autograd_lite.nn import MLP, SGD, mse
    >>> model = MLP(1, [1], seed=0)
    >>> h = fit(model, mse, SGD(model.parameters(), lr=0.1), ([[1.0], [2.0]], [2.0, 4.0]),
    ...         epochs=200, progress=False)
    >>> h.steps, round(model([3.0]).data, 1)     # learns y = 2x
    (200, 6.0)
    """
    if isinstance(optimizer, LevenbergMarquardt):
        raise TypeError("fit: LevenbergMarquardt fits residuals, not a loss on batches; "
                        "call its step() in a loop instead")
    _check_optimizer(model, optimizer)
    if not callable(loss):
        raise TypeError(f"fit: loss must be a function (predictions, targets), got {loss!r}")
    X, y = checked_data("fit", "data", data)
    if validation is not None:
        validation = checked_data("fit", "validation", validation)
    epochs = whole_number("fit", "epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = whole_number("fit", "batch_size", batch_size, minimum=1)
    l2 = finite_number("fit", "l2", l2, minimum=0.0)
    l1 = finite_number("fit", "l1", l1, minimum=0.0)
    shuffle, progress = flag("fit", "shuffle", shuffle), flag("fit", "progress", progress)
    drop_last = flag("fit", "drop_last", drop_last)
    if patience is not None:
        patience = whole_number("fit", "patience", patience, minimum=0)
    min_delta = finite_number("fit", "min_delta", min_delta, minimum=0.0)
    restore_best = flag("fit", "restore_best", restore_best)
    if target_accuracy is not None:
        target_accuracy = finite_number("fit", "target_accuracy", target_accuracy,
                                        minimum=0.0, maximum=1.0)
    chosen = metric_for(metric, loss)
    if target_accuracy is not None and chosen is None:
        raise ValueError("fit: target_accuracy needs a metric (none for this loss)")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError(f"fit: schedule must be a Schedule, got {schedule!r}")
    if schedule is not None and schedule.optimizer is not optimizer:
        raise ValueError("fit: the schedule was made for another optimizer")
    if drop_last and batch_size is not None and batch_size > len(X):
        raise ValueError(f"fit: drop_last=True with batch_size={batch_size} and only "
                         f"{len(X)} samples leaves no batch to train on")
    _check_batch_norm(model, len(X), batch_size, drop_last)
    if compile not in (False, True, "python", "numpy"):
        raise ValueError(f"fit: compile must be False, True, 'python' or 'numpy', got "
                         f"{compile!r}")
    rules = _callbacks(progress, target_accuracy, patience, min_delta, restore_best,
                       callback, callbacks)
    rng = rng_from_seed(seed, "fit")
    run = TrainingRun(model=model, optimizer=optimizer, history=History(), epochs=epochs,
                      full_batch=batch_size is None or batch_size >= len(X),
                      has_validation=validation is not None)
    loop = _Loop(run, loss, chosen, rules, schedule, (l2, l1))
    start = time.perf_counter()  # history.seconds includes compiling
    if compile:
        loop.compile(X[:1], y[:1], "numpy" if compile == "numpy" else "python")
    if isinstance(model, Module):
        model.train()
    with paused_cyclic_gc(), _parameter_names(model, optimizer):
        try:
            history = loop.train(lambda: batches(X, y, batch_size, shuffle=shuffle, seed=rng,
                                                 drop_last=drop_last), validation)
        finally:
            try:
                for cb in rules:
                    cb.on_train_end(run)
            finally:
                _leave_clean(model, optimizer)
    history.seconds = time.perf_counter() - start
    return history
