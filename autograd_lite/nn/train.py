"""The training loop: ``fit`` runs full-batch, mini-batch or stochastic gradient descent and
returns a :class:`History` of everything that helps to see what training did (loss,
accuracy, learning rate and per-layer gradient norms at every step).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core import Value, no_grad
from ..datasets import batches, rng_from_seed
from .losses import binary_cross_entropy, cross_entropy, hinge, l1_penalty, l2_penalty
from .modules import Module
from .optim import LevenbergMarquardt, Optimizer
from .schedules import ReduceLROnPlateau, Schedule

__all__ = ["History", "argmax_accuracy", "evaluate", "fit", "logit_accuracy",
           "sign_accuracy"]

Metric = Callable[[Sequence[Any], Sequence[Any]], float]


def _score(p: Any) -> float:
    if isinstance(p, (list, tuple)) and len(p) == 1:
        p = p[0]
    return float(p.data if isinstance(p, Value) else p)


def sign_accuracy(preds: Sequence[Any], labels: Sequence[Any]) -> float:
    """Fraction of samples whose score has the sign of its label (-1/+1 labels; hinge).

    >>> sign_accuracy([Value(0.3), Value(-2.0), Value(1.0)], [1, -1, -1])
    0.6666666666666666
    """
    hits = sum(1 for p, y in zip(preds, labels) if (_score(p) > 0) == (float(y) > 0))
    return hits / len(labels)


def logit_accuracy(preds: Sequence[Any], targets: Sequence[Any]) -> float:
    """Fraction where ``logit > 0`` agrees with ``target >= 0.5`` (0/1 targets; BCE).

    >>> logit_accuracy([Value(0.3), Value(-2.0)], [1, 1])
    0.5
    """
    hits = sum(1 for p, t in zip(preds, targets) if (_score(p) > 0) == (float(t) >= 0.5))
    return hits / len(targets)


def argmax_accuracy(preds: Sequence[Sequence[Any]], labels: Sequence[int]) -> float:
    """Fraction whose highest class score is at the label (cross-entropy).

    >>> argmax_accuracy([[Value(0.1), Value(2.0)], [Value(3.0), Value(0.0)]], [1, 1])
    0.5
    """
    hits = 0
    for row, label in zip(preds, labels):
        scores = [_score(s) for s in row]
        hits += scores.index(max(scores)) == label
    return hits / len(labels)


_AUTO_METRICS: dict[Any, Metric] = {hinge: sign_accuracy, binary_cross_entropy: logit_accuracy,
                                    cross_entropy: argmax_accuracy}


@dataclass
class History:
    """What ``fit`` saw. Per optimizer step: ``loss`` (the data loss of the batch, before
    the update), ``accuracy`` (None without a metric), ``lr`` and ``grad_norms`` (one
    Euclidean norm per layer, named in ``layer_names``: vanishing or exploding gradients show
    here). Per epoch: ``epoch_loss``, ``epoch_accuracy`` and, with validation data,
    ``val_loss`` and ``val_accuracy``.

    >>> h = History(); h.steps, h.stopped_early
    (0, False)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norms: list[list[float]] = field(default_factory=list)
    layer_names: list[str] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    epoch_accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    stopped_early: bool = False
    stop_reason: str = ""
    seconds: float = 0.0

    @property
    def steps(self) -> int:
        """Number of optimizer steps recorded."""
        return len(self.loss)


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


def _resolve_metric(metric: Metric | str | None, loss: Callable[..., Value]) -> Metric | None:
    if metric == "auto":
        return _AUTO_METRICS.get(loss)
    if isinstance(metric, str):
        raise ValueError(f"fit: metric must be a function, None or 'auto', got {metric!r}")
    return metric


def evaluate(model: Any, loss: Callable[..., Value], data: tuple[Sequence[Any], Sequence[Any]],
             metric: Metric | str | None = "auto") -> tuple[float, float | None]:
    """``(loss, accuracy)`` of ``model`` on ``data`` in evaluation mode, building no graph.

    >>> from autograd_lite.nn import MLP, mse
    >>> model = MLP(1, [1], seed=0); w = model.parameters()[0].data
    >>> loss, acc = evaluate(model, mse, ([[1.0]], [0.0]))
    >>> loss == w * w, acc
    (True, None)
    """
    X, y = data
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
    chosen = _resolve_metric(metric, loss)
    return value, (chosen(preds, y) if chosen else None)


def _progress(epochs: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional (the 'train' extra): train without a bar
        return None
    return tqdm(range(epochs), desc="fit", unit="epoch", leave=True)


def fit(model: Any, loss: Callable[..., Value], optimizer: Optimizer,
        data: tuple[Sequence[Any], Sequence[Any]], epochs: int = 100,
        batch_size: int | None = None, *, l2: float = 0.0, l1: float = 0.0,
        schedule: Schedule | None = None, metric: Metric | str | None = "auto",
        validation: tuple[Sequence[Any], Sequence[Any]] | None = None,
        patience: int | None = None, min_delta: float = 0.0, restore_best: bool = True,
        target_accuracy: float | None = None, shuffle: bool = True,
        seed: int | random.Random | None = 0,
        progress: bool = True, callback: Callable[[int, History], Any] | None = None,
        ) -> History:
    """Train ``model`` on ``data = (X, y)``: each step computes ``loss(predictions, targets)``
    on a batch (plus ``l2 * sum p^2 + l1 * sum |p|``), back-propagates and calls
    ``optimizer.step()``.

    ``batch_size=None`` is full-batch gradient descent, ``1`` stochastic, otherwise
    mini-batch (reshuffled each epoch from ``seed``: an int, a ``random.Random``, or None for
    the global ``random``). ``schedule`` is stepped once per epoch
    (``ReduceLROnPlateau`` gets the validation loss, or the training loss without
    validation data). ``metric`` turns predictions into an accuracy: ``"auto"`` picks one
    for ``hinge``, ``binary_cross_entropy`` and ``cross_entropy``; ``None`` for none.

    Stopping: ``patience`` epochs without the monitored loss (validation, else training)
    falling by more than ``min_delta`` stops early and, with ``restore_best``, puts back the
    best parameters; ``target_accuracy`` stops as soon as the training accuracy reaches it:
    with full batches it is checked right after the forward pass, so that measurement is not
    a step (no backward, no update: ``history.steps == optimizer.steps``), the model returned
    is the one that reached it, and its loss and accuracy are the last ``epoch_loss`` and
    ``epoch_accuracy``; with mini-batches it is checked on each epoch's accuracy.
    ``callback(epoch, history)`` returning True stops too. A tqdm progress bar shows loss and
    accuracy unless ``progress=False``. When ``fit`` returns (or raises) the model is in
    evaluation mode and every parameter's ``.grad`` is 0, so no gradient of the last step
    is left behind to be added to by a later ``backward()``.

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
    X, y = data
    if len(X) != len(y) or not X:
        raise ValueError(f"fit: need as many targets as samples (at least one), got "
                         f"{len(X)} samples and {len(y)} targets")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be an int >= 1, got {epochs!r}")
    chosen = _resolve_metric(metric, loss)
    if target_accuracy is not None and chosen is None:
        raise ValueError("fit: target_accuracy needs a metric (none for this loss)")
    params = model.parameters() if isinstance(model, Module) else optimizer.params
    groups = _layer_groups(model, params)
    history = History(layer_names=[name for name, _ in groups])
    rng = rng_from_seed(seed, "fit")
    best, best_state, waited = math.inf, None, 0
    bar = _progress(epochs, progress)
    start = time.perf_counter()
    if isinstance(model, Module):
        model.train()
    try:
        for epoch in range(epochs):
            total, hits, counted, stop = 0.0, 0.0, True, False
            stop_measure: tuple[float, float] = (math.nan, math.nan)
            # Without validation data the monitored loss is the training loss measured
            # during this epoch, i.e. (for full batch, exactly) of the parameters as they
            # are now: remember them in case this epoch turns out best.
            start_state = (model.state_dict() if patience is not None and restore_best
                           and validation is None and isinstance(model, Module) else None)
            for Xb, yb in batches(X, y, batch_size, shuffle=shuffle, seed=rng):
                preds = _forward(model, Xb)
                data_loss = loss(preds, yb)
                acc = chosen(preds, yb) if chosen else None
                if (target_accuracy is not None and acc is not None and len(Xb) == len(X)
                        and acc >= target_accuracy):
                    # Full batch: these parameters reached the target. This forward pass was
                    # a measurement, not a step: no backward, no update, nothing recorded
                    # per step; the epoch's loss and accuracy are this model's.
                    history.stop_reason = (f"reached accuracy {acc:.3g} after "
                                           f"{history.steps} steps")
                    stop_measure = (data_loss.data, acc)
                    stop = True
                    break
                objective = data_loss
                if l2:
                    objective = objective + l2_penalty(params, l2)
                if l1:
                    objective = objective + l1_penalty(params, l1)
                history.loss.append(data_loss.data)
                history.accuracy.append(acc)
                history.lr.append(optimizer.lr)
                total += data_loss.data * len(Xb)
                if acc is None:
                    counted = False
                else:
                    hits += acc * len(Xb)
                if isinstance(model, Module):
                    model.zero_grad()
                optimizer.zero_grad()
                objective.backward()
                history.grad_norms.append(
                    [math.sqrt(math.fsum(p.grad * p.grad for p in ps)) for _, ps in groups])
                optimizer.step()
            if stop:
                history.epoch_loss.append(stop_measure[0])
                epoch_acc: float | None = stop_measure[1]
            else:
                history.epoch_loss.append(total / len(X))
                epoch_acc = hits / len(X) if counted else None
            history.epoch_accuracy.append(epoch_acc)
            monitored = history.epoch_loss[-1]
            if validation is not None:
                val_loss, val_acc = evaluate(model, loss, validation, chosen)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
                monitored = val_loss
            if bar is not None:
                shown = {"loss": f"{history.epoch_loss[-1]:.4f}"}
                if epoch_acc is not None:
                    shown["acc"] = f"{epoch_acc:.1%}"
                if validation is not None:
                    shown["val_loss"] = f"{monitored:.4f}"
                bar.set_postfix(shown, refresh=False)
                bar.update(1)
            if stop:
                history.stopped_early = True
                break
            if (target_accuracy is not None and epoch_acc is not None
                    and epoch_acc >= target_accuracy and batch_size is not None):
                history.stopped_early = True
                history.stop_reason = f"reached accuracy {epoch_acc:.3g} in epoch {epoch + 1}"
                break
            if schedule is not None:
                if isinstance(schedule, ReduceLROnPlateau):
                    schedule.step(monitored)
                else:
                    schedule.step()
            if patience is not None:
                if monitored < best - min_delta:
                    best, waited = monitored, 0
                    if restore_best and isinstance(model, Module):
                        best_state = start_state if start_state is not None \
                            else model.state_dict()
                else:
                    waited += 1
                    if waited >= patience:
                        history.stopped_early = True
                        history.stop_reason = (f"no improvement for {patience} epochs "
                                               f"(best loss {best:.4g})")
                        if best_state is not None:
                            model.load_state_dict(best_state)
                        break
            if callback is not None and callback(epoch, history):
                history.stopped_early = True
                history.stop_reason = "callback asked to stop"
                break
    finally:
        if bar is not None:
            bar.close()
        if isinstance(model, Module):
            model.eval()
            model.zero_grad()
        optimizer.zero_grad()
    history.seconds = time.perf_counter() - start
    return history
