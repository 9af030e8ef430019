"""Learning-rate schedules: they set ``optimizer.lr`` once per ``step()`` (call it once per
epoch, or per optimizer step: your choice, stated by how you call it).

The fixed schedules are closed forms of the number of steps taken ``k`` and the initial rate
``lr0``; reduce-on-plateau is the "adaptive learning rate" of the literature: it lowers the
rate when a monitored loss stops improving.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .optim import Optimizer

__all__ = ["CosineLR", "ExponentialLR", "ReduceLROnPlateau", "Schedule", "StepLR"]


class Schedule:
    """Base class: remembers ``optimizer.lr`` as ``base_lr`` and counts steps.

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import SGD
    >>> sched = ExponentialLR(SGD([Value(0.0)], lr=1.0), gamma=0.5)
    >>> [sched.step() for _ in range(3)]
    [0.5, 0.25, 0.125]
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.count = 0

    def lr_at(self, k: int) -> float:
        """The learning rate after ``k`` steps."""
        raise NotImplementedError

    def step(self, metric: float | None = None) -> float:
        """Advance one step, set and return the new ``optimizer.lr``."""
        self.count += 1
        self.optimizer.lr = self.lr_at(self.count)
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        """JSON-ready state (step count and base rate; subclasses add theirs)."""
        return {"type": type(self).__name__, "count": self.count, "base_lr": self.base_lr}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned (type checked first)."""
        if state.get("type") != type(self).__name__:
            raise ValueError(f"{type(self).__name__}.load_state_dict: state is for "
                             f"{state.get('type')!r}")
        for key, value in state.items():
            if key != "type":
                setattr(self, key, value)


class StepLR(Schedule):
    """``lr0 * gamma ** (k // step_size)``: drop by ``gamma`` every ``step_size`` steps.

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import SGD
    >>> s = StepLR(SGD([Value(0.0)], lr=1.0), step_size=2, gamma=0.1)
    >>> [s.lr_at(k) for k in range(5)]
    [1.0, 1.0, 0.1, 0.1, 0.010000000000000002]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if step_size < 1 or not 0.0 < gamma <= 1.0:
            raise ValueError(f"StepLR: need step_size >= 1 and 0 < gamma <= 1, got "
                             f"step_size={step_size!r}, gamma={gamma!r}")
        self.step_size, self.gamma = step_size, gamma

    def lr_at(self, k: int) -> float:
        return self.base_lr * self.gamma ** (k // self.step_size)


class ExponentialLR(Schedule):
    """``lr0 * gamma ** k``.

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import SGD
    >>> ExponentialLR(SGD([Value(0.0)], lr=2.0), gamma=0.5).lr_at(3)
    0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"ExponentialLR: need 0 < gamma <= 1, got {gamma!r}")
        self.gamma = gamma

    def lr_at(self, k: int) -> float:
        return self.base_lr * self.gamma ** k


class CosineLR(Schedule):
    """Cosine annealing (Loshchilov & Hutter, 2017) from ``lr0`` down to ``min_lr`` over
    ``total`` steps, then held: ``min_lr + (lr0 - min_lr) (1 + cos(pi k / total)) / 2``.

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import SGD
    >>> s = CosineLR(SGD([Value(0.0)], lr=1.0), total=4)
    >>> [round(s.lr_at(k), 4) for k in range(6)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total: int, min_lr: float = 0.0) -> None:
        super().__init__(optimizer)
        if total < 1 or not 0.0 <= min_lr <= self.base_lr:
            raise ValueError(f"CosineLR: need total >= 1 and 0 <= min_lr <= lr, got "
                             f"total={total!r}, min_lr={min_lr!r}")
        self.total, self.min_lr = total, min_lr

    def lr_at(self, k: int) -> float:
        k = min(k, self.total)
        cosine = (1.0 + math.cos(math.pi * k / self.total)) / 2.0
        return self.min_lr + (self.base_lr - self.min_lr) * cosine


class ReduceLROnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the metric passed to ``step(metric)`` has not
    improved on its best by more than ``threshold`` (relative) for ``patience`` steps;
    never below ``min_lr``. After a reduction the count of bad steps starts again.

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import SGD
    >>> s = ReduceLROnPlateau(SGD([Value(0.0)], lr=1.0), factor=0.5, patience=1)
    >>> [s.step(loss) for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 1.0]]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, min_lr: float = 0.0) -> None:
        super().__init__(optimizer)
        if not 0.0 < factor < 1.0 or patience < 0 or threshold < 0 or min_lr < 0:
            raise ValueError(f"ReduceLROnPlateau: need 0 < factor < 1, patience >= 0, "
                             f"threshold >= 0, min_lr >= 0; got factor={factor!r}, "
                             f"patience={patience!r}, threshold={threshold!r}, min_lr={min_lr!r}")
        self.factor, self.patience = factor, patience
        self.threshold, self.min_lr = threshold, min_lr
        self.best = math.inf
        self.bad_steps = 0

    def step(self, metric: float | None = None) -> float:
        if metric is None or not math.isfinite(metric):
            raise ValueError(f"ReduceLROnPlateau.step: needs the monitored loss as a finite "
                             f"number, got {metric!r}")
        self.count += 1
        if self.best == math.inf or metric < self.best - self.threshold * abs(self.best):
            self.best = metric
            self.bad_steps = 0
        else:
            self.bad_steps += 1
            if self.bad_steps > self.patience:
                self.optimizer.lr = max(self.optimizer.lr * self.factor, self.min_lr)
                self.bad_steps = 0
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(best=self.best if math.isfinite(self.best) else None,
                     bad_steps=self.bad_steps, lr=self.optimizer.lr)
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        state = dict(state)
        best = state.pop("best", None)
        lr = state.pop("lr", None)
        super().load_state_dict(state)
        self.best = math.inf if best is None else float(best)
        if lr is not None:
            self.optimizer.lr = float(lr)
