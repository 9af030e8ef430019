"""Learning-rate schedules: they set ``optimizer.lr`` once per ``step()`` (call it once per
epoch, or per optimizer step: your choice, stated by how you call it).

Every schedule's ``step(metrics)`` takes the monitored loss, so a training loop calls them
all the same way; the fixed schedules ignore it.

The fixed schedules are closed forms of the number of steps taken ``k`` and the initial rate
``lr0``; reduce-on-plateau is the "adaptive learning rate" of the literature: it lowers the
rate when a monitored loss stops improving.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from .optim import Optimizer
from .validation import MAX_STEPS, finite_number, is_finite_real, state_owner, whole_number

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
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an optimizer with a learning rate, got "
                            f"{type(optimizer).__name__} (gradient-free searches have none)")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.count = 0

    def lr_at(self, k: int) -> float:
        """The learning rate after ``k`` steps."""
        raise NotImplementedError

    def step(self, metrics: float | None = None, **deprecated: Any) -> float:
        """Advance one step, set and return the new ``optimizer.lr``. ``metrics`` (the
        monitored loss) is accepted by every schedule and ignored by those that do not
        need it, so a loop can call every schedule the same way.

        >>> from autograd_lite import Value
        >>> from autograd_lite.nn import SGD
        >>> StepLR(SGD([Value(0.0)], lr=1.0), step_size=1, gamma=0.5).step(0.37)
        0.5
        """
        _metrics_argument(self, metrics, deprecated)
        self.count += 1
        self.optimizer.lr = self.lr_at(self.count)
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        """JSON-ready state (step count and base rate; subclasses add theirs)."""
        return {"type": type(self).__name__, "count": self.count, "base_lr": self.base_lr}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned. Checked first: another schedule type, an
        unknown or missing key, or a value of the wrong type or range raises ``ValueError``
        naming the key and value, and changes nothing.

        >>> from autograd_lite import Value
        >>> from autograd_lite.nn import SGD
        >>> s = ExponentialLR(SGD([Value(0.0)], lr=1.0), gamma=0.5)
        >>> try: s.load_state_dict({"type": "ExponentialLR", "count": -2, "base_lr": 1.0})
        ... except ValueError as e: print(e)
        ExponentialLR.load_state_dict: 'count' must be an int in [0, 9007199254740992], got -2
        """
        where = state_owner(self, state)
        checks = self._state_checks()
        unknown = sorted(set(state) - set(checks) - {"type"})
        missing = [k for k in checks if k not in state]
        if unknown or missing:
            raise ValueError(f"{where}: expected the keys {', '.join(checks)}; unknown "
                             f"{unknown or 'none'}, missing {missing or 'none'}")
        for key, (kind, ok) in checks.items():
            if not ok(state[key]):
                raise ValueError(f"{where}: {key!r} must be {kind}, got {state[key]!r}")
        problem = self._state_problem(state)
        if problem is not None:
            raise ValueError(f"{where}: {problem}")
        self._apply({k: state[k] for k in checks})

    def _state_checks(self) -> dict[str, tuple[str, Callable[[Any], bool]]]:
        # For each key of state_dict (but "type"): what it must be, and a test.
        return {"count": (f"an int in [0, {MAX_STEPS}]", _count),
                "base_lr": ("a finite number >= 0", _rate)}

    def _state_problem(self, state: Mapping[str, Any]) -> str | None:
        # A check across keys, once each key is right on its own.
        return None

    def _apply(self, state: dict[str, Any]) -> None:
        self.count, self.base_lr = state["count"], float(state["base_lr"])


def _metrics_argument(schedule: Schedule, metrics: float | None,
                      deprecated: dict[str, Any]) -> float | None:
    # step(metric=...) was the old spelling; it still works, with a warning.
    name = type(schedule).__name__
    unknown = sorted(set(deprecated) - {"metric"})
    if unknown:
        raise TypeError(f"{name}.step: unexpected keyword argument {unknown[0]!r}")
    if "metric" in deprecated:
        warnings.warn(f"{name}.step: metric= is deprecated, pass metrics= (or the loss "
                      f"positionally)", DeprecationWarning, stacklevel=3)
        if metrics is not None:
            raise TypeError(f"{name}.step: pass metrics= or the deprecated metric=, not both")
        metrics = deprecated["metric"]
    return metrics


def _is_number(v: Any) -> bool:
    return is_finite_real(v)


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_STEPS


def _rate(v: Any) -> bool:
    # 0 included: a schedule may decay the rate to 0.0, and that state must load back.
    return _is_number(v) and v >= 0


def _gamma(owner: str, gamma: Any) -> float:
    return finite_number(owner, "gamma", gamma, minimum=0.0, maximum=1.0, above_minimum=True)


def _min_lr(owner: str, min_lr: Any, lr: float) -> float:
    # A floor above the starting rate would raise the rate: refused.
    return finite_number(owner, "min_lr", min_lr, minimum=0.0, maximum=lr)


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
        self.step_size = whole_number("StepLR", "step_size", step_size, minimum=1)
        self.gamma = _gamma("StepLR", gamma)

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
        self.gamma = _gamma("ExponentialLR", gamma)

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
        self.total = whole_number("CosineLR", "total", total, minimum=1, maximum=MAX_STEPS)
        self.min_lr = _min_lr("CosineLR", min_lr, self.base_lr)

    def lr_at(self, k: int) -> float:
        k = min(k, self.total)
        cosine = (1.0 + math.cos(math.pi * k / self.total)) / 2.0
        return self.min_lr + (self.base_lr - self.min_lr) * cosine

    def _state_problem(self, state: Mapping[str, Any]) -> str | None:
        if state["base_lr"] < self.min_lr:
            return (f"'base_lr' = {state['base_lr']!r} is below this schedule's min_lr "
                    f"{self.min_lr!r}: the rate would rise")
        return None


class ReduceLROnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the loss passed to ``step(metrics)`` has not
    improved on its best by more than ``threshold`` (relative) for ``patience`` steps;
    never below ``min_lr`` (and never raised: ``min_lr`` may not exceed the starting rate).
    After a reduction the count of bad steps starts again.

    >>> from autograd_lite import Value
    >>> from autograd_lite.nn import SGD
    >>> s = ReduceLROnPlateau(SGD([Value(0.0)], lr=1.0), factor=0.5, patience=1)
    >>> [s.step(loss) for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 1.0]]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, min_lr: float = 0.0) -> None:
        super().__init__(optimizer)
        name = "ReduceLROnPlateau"
        self.factor = finite_number(name, "factor", factor, minimum=0.0, maximum=1.0,
                                    above_minimum=True, below_maximum=True)
        self.patience = whole_number(name, "patience", patience, minimum=0)
        self.threshold = finite_number(name, "threshold", threshold, minimum=0.0)
        self.min_lr = _min_lr(name, min_lr, self.base_lr)
        self.best = math.inf
        self.bad_steps = 0

    def step(self, metrics: float | None = None, **deprecated: Any) -> float:
        metric = _metrics_argument(self, metrics, deprecated)
        if not _is_number(metric):
            raise ValueError(f"ReduceLROnPlateau.step: needs the monitored loss as a finite "
                             f"number, got {metric!r}")
        metric = float(metric)  # type: ignore[arg-type]
        self.count += 1
        if self.best == math.inf or metric < self.best - self.threshold * abs(self.best):
            self.best = metric
            self.bad_steps = 0
        else:
            self.bad_steps += 1
            if self.bad_steps > self.patience:
                lowered = max(self.optimizer.lr * self.factor, self.min_lr)
                if lowered < self.optimizer.lr:  # a floor never raises the rate
                    self.optimizer.lr = lowered
                self.bad_steps = 0
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state.update(best=self.best if math.isfinite(self.best) else None,
                     bad_steps=self.bad_steps, lr=self.optimizer.lr)
        return state

    def _state_checks(self) -> dict[str, tuple[str, Callable[[Any], bool]]]:
        return {**super()._state_checks(),
                "best": ("None or a finite number", lambda v: v is None or _is_number(v)),
                "bad_steps": (f"an int in [0, {MAX_STEPS}]", _count),
                "lr": ("a finite number >= 0", _rate)}

    def _apply(self, state: dict[str, Any]) -> None:
        super()._apply(state)
        self.best = math.inf if state["best"] is None else float(state["best"])
        self.bad_steps = state["bad_steps"]
        self.optimizer.lr = float(state["lr"])
