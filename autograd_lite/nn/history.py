"""What a training run records (:class:`History`) and what ``fit`` shows its callbacks
while it runs (:class:`TrainingRun`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["History", "TrainingRun"]


@dataclass
class History:
    """What ``fit`` saw. Per optimizer step: ``loss`` (the data loss of the batch, before
    the update), ``accuracy`` (None without a metric), ``lr`` (nan for an optimizer without
    a learning rate) and ``grad_norms`` (one Euclidean norm per layer, named in
    ``layer_names``: vanishing or exploding gradients show here; nan for gradient-free
    optimizers). Per epoch: ``epoch_loss``, ``epoch_accuracy``, ``epoch_steps`` (the number
    of steps made when the epoch ended) and, with validation data, ``val_loss`` and
    ``val_accuracy``.

    ``stopped_on_forward`` is True when a callback stopped training right after a forward
    pass (``target_accuracy`` with full batches does): that last measurement, the last
    ``epoch_loss`` / ``epoch_accuracy``, is of the returned model, after the last step and
    without a step of its own, so ``len(epoch_loss)`` is one more than the epochs whose
    steps were all made. ``seconds`` is the wall time ``fit`` took (compiling included).

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
    epoch_steps: list[int] = field(default_factory=list)
    stopped_early: bool = False
    stopped_on_forward: bool = False
    stop_reason: str = ""
    seconds: float = 0.0

    @property
    def steps(self) -> int:
        """Number of optimizer steps recorded."""
        return len(self.loss)


@dataclass
class TrainingRun:
    """The state of a ``fit`` call, passed to every callback: the ``model``, the
    ``optimizer``, the ``history`` so far, the current ``epoch`` (0-based) of ``epochs``,
    whether each step sees the whole training set (``full_batch``) and whether validation
    data is measured after each epoch (``has_validation``).

    >>> run = TrainingRun(model=None, optimizer=None, history=History(epoch_loss=[0.5]),
    ...                   epochs=3)
    >>> run.monitored_loss
    0.5
    """

    model: Any
    optimizer: Any
    history: History
    epochs: int
    epoch: int = 0
    full_batch: bool = True
    has_validation: bool = False

    @property
    def monitored_loss(self) -> float:
        """The loss that early stopping and plateau schedules watch: the last validation
        loss when there is validation data, else the last epoch's training loss."""
        if self.has_validation:
            return self.history.val_loss[-1]
        return self.history.epoch_loss[-1]
