"""Everything ``fit`` does besides the plain loop, as small callbacks: a progress bar and the
stopping rules (target accuracy, early stopping, a function of your own).

A callback overrides any of five hooks; ``fit`` calls them in the order the callbacks are
listed. A hook that returns a string stops training, and the string becomes
``history.stop_reason``; the first one wins.

============================  ===========================================================
``on_train_begin(run)``       before the first epoch
``on_epoch_begin(run)``       before each epoch
``on_forward(run, loss, acc)``  after each batch's forward pass, before the backward pass
                              and the update: stopping here keeps the parameters just
                              measured (no half-taken step)
``on_epoch_end(run)``         after each epoch's losses (and validation) are recorded
``on_train_end(run)``         always, also when training stops with an error
============================  ===========================================================

>>> from autograd_lite.datasets import make_xor
>>> from autograd_lite.nn import MLP, SGD, fit, mse
>>> class Stop3(Callback):
...     def on_epoch_end(self, run):
...         return "three epochs are enough" if run.epoch == 2 else None
>>> model = MLP(2, [2, 1], seed=0)
>>> h = fit(model, mse, SGD(model.parameters()), make_xor(), callbacks=[Stop3()],
...         progress=False)
>>> h.steps, h.stop_reason
(3, 'three epochs are enough')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .history import History, TrainingRun
from .modules import Module
from .validation import finite_number, flag, whole_number

__all__ = ["Callback", "CallbackFunction", "EarlyStopping", "ProgressBar", "TargetAccuracy",
           "percent"]


class Callback:
    """Base class: every hook does nothing and lets training go on."""

    def on_train_begin(self, run: TrainingRun) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, run: TrainingRun) -> None:
        """Called before each epoch; ``run.epoch`` is its 0-based number."""

    def on_forward(self, run: TrainingRun, loss: float, accuracy: float | None) -> str | None:
        """Called after each batch's forward pass, before its backward pass and update;
        return a reason to stop training with the parameters just measured."""
        return None

    def on_epoch_end(self, run: TrainingRun) -> str | None:
        """Called after each epoch; return a reason to stop training."""
        return None

    def on_train_end(self, run: TrainingRun) -> None:
        """Called once when training ends, however it ends (also on an error)."""


class ProgressBar(Callback):
    """A tqdm bar over the epochs showing the loss, the accuracy and the validation loss.
    Without tqdm installed (it is in the optional ``train`` extra) it shows nothing.

    >>> from autograd_lite.nn import MLP, SGD, fit, mse
    >>> model = MLP(1, [1], seed=0)
    >>> h = fit(model, mse, SGD(model.parameters()), ([[1.0]], [1.0]), epochs=2,
    ...         progress=False, callbacks=[ProgressBar()])   # the same as progress=True
    """

    def __init__(self) -> None:
        self._bar: Any = None
        self._shown = 0

    def on_train_begin(self, run: TrainingRun) -> None:
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is optional: train without a bar
            self._bar = None
            return
        self._bar = tqdm(total=run.epochs, desc="fit", unit="epoch", leave=True)
        self._shown = 0

    def on_epoch_end(self, run: TrainingRun) -> str | None:
        self._show(run.history)
        return None

    def on_train_end(self, run: TrainingRun) -> None:
        if self._bar is None:
            return
        # An epoch that ended training from on_forward skipped on_epoch_end: show its
        # numbers (those of the returned model), but do not count it: its steps were not
        # made (target_accuracy after 60 steps shows 60 epochs, not 61).
        if len(run.history.epoch_loss) > self._shown:
            self._show(run.history)
        self._bar.close()
        self._bar = None

    def _show(self, history: History) -> None:
        if self._bar is None or not history.epoch_loss:
            return
        shown = {"loss": f"{history.epoch_loss[-1]:.4f}"}
        accuracy = history.epoch_accuracy[-1]
        if accuracy is not None:
            shown["acc"] = f"{accuracy:.1%}"
        if history.val_loss:
            shown["val_loss"] = f"{history.val_loss[-1]:.4f}"
        completed = len(history.epoch_loss) - (1 if history.stopped_on_forward else 0)
        self._bar.set_postfix(shown, refresh=False)
        self._bar.update(completed - self._shown)
        self._shown = len(history.epoch_loss)


class TargetAccuracy(Callback):
    """Stop as soon as the training accuracy reaches ``target``.

    With full batches each forward pass measures the current parameters on the whole
    training set, so the check comes right after it: the model that reached the target is
    returned as it was measured, without a further backward pass or update. With
    mini-batches the accuracy of a batch says little, so the epoch's accuracy is checked.

    >>> run = TrainingRun(model=None, optimizer=None, history=History(), epochs=10)
    >>> TargetAccuracy(0.9).on_forward(run, 0.3, 0.95)   # full batch: stop right here
    'reached 95 % training accuracy after 0 steps'
    """

    def __init__(self, target: float) -> None:
        self.target = finite_number("TargetAccuracy", "target", target, minimum=0.0,
                                    maximum=1.0)

    def on_forward(self, run: TrainingRun, loss: float, accuracy: float | None) -> str | None:
        if not run.full_batch or accuracy is None or accuracy < self.target:
            return None
        return (f"reached {percent(accuracy)} training accuracy after {run.history.steps} "
                f"step{'' if run.history.steps == 1 else 's'}")

    def on_epoch_end(self, run: TrainingRun) -> str | None:
        accuracy = run.history.epoch_accuracy[-1]
        if run.full_batch or accuracy is None or accuracy < self.target:
            return None
        return f"reached {percent(accuracy)} training accuracy in epoch {run.epoch + 1}"


def percent(fraction: float) -> str:
    """A fraction as a percentage for people: at most one decimal, never rounded up to
    100 % unless it is 1.

    >>> percent(1.0), percent(0.95), percent(0.9583), percent(0.9999), percent(0.29)
    ('100 %', '95 %', '95.8 %', '99.9 %', '29 %')
    """
    tenths = math.floor(round(fraction * 1000.0, 6))
    return f"{tenths / 10:g} %"


class EarlyStopping(Callback):
    """Stop when the monitored loss (validation, else training; see
    :attr:`TrainingRun.monitored_loss`) has not fallen by more than ``min_delta`` for
    ``patience`` epochs; with ``restore_best`` put back the parameters that gave the best.

    Without validation data the monitored loss of an epoch is the training loss measured
    during it, i.e. (exactly, for full batches) the loss of the parameters the epoch started
    from: those are the ones remembered as the best, not the ones after its updates.

    >>> EarlyStopping(patience=3).patience
    3
    """

    def __init__(self, patience: int, min_delta: float = 0.0, restore_best: bool = True) -> None:
        self.patience = whole_number("EarlyStopping", "patience", patience, minimum=0)
        self.min_delta = finite_number("EarlyStopping", "min_delta", min_delta, minimum=0.0)
        self.restore_best = flag("EarlyStopping", "restore_best", restore_best)
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf
        self.waited = 0
        self._best_state: dict[str, float] | None = None
        self._start_state: dict[str, float] | None = None

    def _can_restore(self, run: TrainingRun) -> bool:
        return self.restore_best and isinstance(run.model, Module)

    def on_train_begin(self, run: TrainingRun) -> None:
        self._reset()

    def on_epoch_begin(self, run: TrainingRun) -> None:
        if self._can_restore(run) and not run.has_validation:
            self._start_state = run.model.state_dict()

    def on_epoch_end(self, run: TrainingRun) -> str | None:
        loss = run.monitored_loss
        if loss < self.best - self.min_delta:
            self.best, self.waited = loss, 0
            if self._can_restore(run):
                self._best_state = (self._start_state if not run.has_validation
                                    else run.model.state_dict())
            return None
        self.waited += 1
        if self.waited < max(self.patience, 1):
            return None
        if self._best_state is not None:
            run.model.load_state_dict(self._best_state)
        return f"no improvement for {self.patience} epochs (best loss {self.best:.4g})"


class CallbackFunction(Callback):
    """``fn(epoch, history)`` after each epoch (``epoch`` 0-based); a true result stops
    training. This is what ``fit(callback=fn)`` uses.

    >>> CallbackFunction(lambda epoch, history: epoch == 0).on_epoch_end(
    ...     TrainingRun(model=None, optimizer=None, history=History(), epochs=1))
    'callback asked to stop'
    """

    def __init__(self, fn: Callable[[int, History], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"CallbackFunction: expected a function (epoch, history), got "
                            f"{fn!r}")
        self.fn = fn

    def on_epoch_end(self, run: TrainingRun) -> str | None:
        return "callback asked to stop" if self.fn(run.epoch, run.history) else None
