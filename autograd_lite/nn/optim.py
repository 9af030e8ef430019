"""Optimizers: gradient descent and the variants the backprop literature names.

Each one reads ``p.grad`` (filled by ``loss.backward()``) and updates ``p.data`` in plain
floats: an update step builds no graph. All share ``step()``, ``zero_grad()``, an ``lr``
attribute (which schedules change) and ``state_dict()`` / ``load_state_dict()`` (JSON-ready).

The formulas, for gradient ``g`` of parameter ``p`` at step ``t``:

==========  =================================================================================
SGD         ``g += wd p; v = mu v + g; p -= lr (g + mu v if nesterov else v)``
RMSprop     ``s = a s + (1 - a) g^2; p -= lr g / (sqrt(s) + eps)``
Adam        ``m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;``
            ``p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``
AdamW       Adam with decoupled weight decay: ``p -= lr wd p`` before the Adam update
Rprop       per weight: step *= eta+ if g agrees in sign with the last g, *= eta- (and skip
            this update) if it flips; ``p -= sign(g) step``
LM          ``(J^T J + lambda I) d = -J^T r``; accept if the squared error falls
            (lambda *= down), else undo (lambda *= up)
==========  =================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core import DomainError, Value, enable_grad
from ..derivatives import backprop
from .validation import (
    Parameters,
    checked_named_parameters,
    finite_number,
    flag,
    is_finite_real,
    number_pair,
    parameter_name,
    short_repr,
    state_owner,
    step_count,
    whole_number,
)

__all__ = ["SGD", "Adam", "AdamW", "LevenbergMarquardt", "Optimizer", "RMSprop", "Rprop",
           "solve_linear"]


def _rate(owner: str, name: str, value: Any, allow_zero: bool = True) -> float:
    return finite_number(owner, name, value, minimum=0.0, above_minimum=not allow_zero)


class Optimizer:
    """Base class: holds the parameters, the learning rate and per-parameter state.

    ``params`` is a list of Values (``model.parameters()``) or of ``(name, Value)`` pairs
    (``model.named_parameters()``): then errors name each parameter as the model does
    (``"parameter 'layers.0.neurons.0.w.0'"``), else by its label or its position.
    ``param_names`` holds the names (None where a parameter came bare); ``fit`` fills
    them in from the model while it trains.

    Subclasses implement ``_update(i, x, g)``: the new value of parameter number ``i``, now
    ``x`` with gradient ``g``, updating their buffers through ``_buffer``; ``state`` maps a
    buffer name to one list of floats per parameter, which is what ``state_dict`` saves.
    A step is all or nothing: the new values and buffers are computed first, and if any is
    not finite the step raises and changes nothing.

    >>> p = Value(1.0); p.grad = 3.0
    >>> opt = SGD([p], lr=0.1); opt.zero_grad(); p.grad
    0.0
    """

    hyper_names: tuple[str, ...] = ("lr",)
    #: Names of the per-parameter buffers this optimizer may keep in ``state``.
    buffer_names: tuple[str, ...] = ()
    #: fit reads this: gradient optimizers need a backward pass before each step.
    uses_gradient = True

    def __init__(self, params: Parameters, lr: float) -> None:
        name = type(self).__name__
        self.params, self.param_names = checked_named_parameters(name, params)
        # lr may be 0: a schedule can decay it there, and the state must still load back.
        self.lr = _rate(name, "lr", lr)
        self.steps = 0
        self.state: dict[str, list[float]] = {}

    def parameter_name(self, i: int) -> str:
        """How errors call parameter number ``i``: by name, else label, else position.

        >>> from autograd_lite.nn import MLP
        >>> model = MLP(2, [1], seed=0)
        >>> SGD(model.named_parameters()).parameter_name(1)
        "parameter 'layers.0.neurons.0.w.1'"
        >>> SGD(model.parameters()).parameter_name(1)
        'parameter 1'
        """
        return parameter_name(self.params, i, self.param_names)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (gradients accumulate across backward calls)."""
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> float | None:
        """Update every parameter from its ``.grad``. All gradients are checked first: a
        non-finite one raises ``ValueError`` and nothing changes (not even ``steps``); so
        does an update that would make a parameter or a buffer infinite (a finite gradient
        times a large rate can overflow). ``closure``, if given, is called first (as in
        PyTorch, it recomputes the loss and calls ``backward``); its loss is returned.

        >>> p = Value(1.0); opt = SGD([p], lr=0.1); p.grad = float("nan")
        >>> try: opt.step()
        ... except ValueError as e: print(e)
        SGD.step: parameter 0 has gradient nan; nothing was changed
        >>> opt.steps, p.data
        (0, 1.0)
        """
        loss = None
        if closure is not None:
            with enable_grad():
                out = closure()
            loss = float(out.data if isinstance(out, Value) else out)
        name = type(self).__name__
        grads = []
        for i, p in enumerate(self.params):
            g = p.grad
            if not is_finite_real(g):
                raise ValueError(f"{name}.step: {self.parameter_name(i)} has gradient "
                                 f"{g!r}; nothing was changed")
            grads.append(float(g))
        self._apply(grads)
        return loss

    def _apply(self, grads: list[float]) -> None:
        # Compute every new value and buffer on copies; commit only if all are finite.
        live = self.state
        self.state = {key: list(values) for key, values in live.items()}
        try:
            self._prepare(self.steps + 1)
            new = [self._update(i, p.data, g) for i, (p, g) in
                   enumerate(zip(self.params, grads))]
            self._check_finite(new, grads)
        except BaseException:
            self.state = live
            raise
        for p, x in zip(self.params, new):
            p.data = x
        self.steps += 1

    def _check_finite(self, new: list[float], grads: list[float]) -> None:
        name = type(self).__name__
        for i, x in enumerate(new):
            if not math.isfinite(x):
                raise ValueError(
                    f"{name}.step: the update would make {self.parameter_name(i)} "
                    f"{x!r} (it is {self.params[i].data!r}, its gradient {grads[i]!r}, lr "
                    f"{self.lr!r}); nothing was changed")
        for key, values in self.state.items():
            for i, v in enumerate(values):
                if not math.isfinite(v):
                    raise ValueError(
                        f"{name}.step: the update would make {key} of "
                        f"{self.parameter_name(i)} {v!r} (its gradient "
                        f"{grads[i]!r}); nothing was changed")

    def _prepare(self, t: int) -> None:
        """Hook run once before the updates of step number ``t`` (1 for the first)."""

    def _update(self, i: int, x: float, g: float) -> float:
        raise NotImplementedError

    def _buffer(self, name: str, fill: float = 0.0) -> list[float]:
        if name not in self.state:
            self.state[name] = [fill] * len(self.params)
        return self.state[name]

    def state_dict(self) -> dict[str, Any]:
        """Hyper-parameters, step count and per-parameter buffers, as JSON-ready data.

        >>> p = Value(1.0); p.grad = 1.0
        >>> opt = SGD([p], lr=0.1, momentum=0.9); opt.step(); opt.state_dict()["state"]
        {'velocity': [1.0]}
        """
        return {"type": type(self).__name__, "steps": self.steps,
                "hyper": {n: getattr(self, n) for n in self.hyper_names},
                "state": {k: list(v) for k, v in self.state.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned. Everything is checked first: another
        optimizer type, an unknown key, setting or buffer, a setting of the wrong type or out
        of range, a negative or non-integer step count, or a buffer without one finite number
        per parameter raises ``ValueError`` naming the key and value, and changes nothing.

        >>> opt = SGD([Value(1.0)], lr=0.1)
        >>> try: opt.load_state_dict({"type": "SGD", "steps": 0, "hyper": {"lr": -1},
        ...                           "state": {}})
        ... except ValueError as e: print(e)
        SGD.load_state_dict: setting 'lr' = -1 is not allowed: SGD: lr must be a finite \
number >= 0, got -1
        >>> opt.lr
        0.1
        """
        name = type(self).__name__
        where = state_owner(self, state)
        unknown_keys = sorted(set(state) - {"type", "steps", "hyper", "state"})
        if unknown_keys:
            raise ValueError(f"{where}: unknown keys {unknown_keys}; expected type, steps, "
                             f"hyper, state")
        steps = step_count(where, "'steps'", state.get("steps", 0))
        buffers = state.get("state", {})
        if not isinstance(buffers, Mapping):
            raise ValueError(f"{where}: 'state' must map buffer names to lists, got "
                             f"{buffers!r}")
        new_state: dict[str, list[float]] = {}
        for key, values in buffers.items():
            if key not in self.buffer_names:
                raise ValueError(f"{where}: unknown buffer {key!r}; {name} keeps "
                                 f"{', '.join(map(repr, self.buffer_names)) or 'none'}")
            if not isinstance(values, list) or len(values) != len(self.params) or not all(
                    is_finite_real(v) for v in values):
                raise ValueError(f"{where}: buffer {key!r} must hold {len(self.params)} finite "
                                 f"numbers (one per parameter), got {short_repr(values)}")
            new_state[key] = [float(v) for v in values]
        hyper = state.get("hyper", {})
        if not isinstance(hyper, Mapping):
            raise ValueError(f"{where}: 'hyper' must map setting names to values, got "
                             f"{hyper!r}")
        current = {n: getattr(self, n) for n in self.hyper_names}
        for key, value in hyper.items():
            if key not in current:
                raise ValueError(f"{where}: unknown setting {key!r}; {name} has "
                                 f"{', '.join(self.hyper_names)}")
            problem = _type_problem(value, current[key])
            if problem is not None:
                raise ValueError(f"{where}: setting {key!r} = {short_repr(value)} is not "
                                 f"allowed: {problem}")
        merged = {**current, **hyper}
        problem = self._range_problem(merged)
        if problem is not None:
            # Blame one setting if it is wrong on its own, else the combination.
            for key, value in hyper.items():
                alone = self._range_problem({**current, key: value})
                if alone is not None:
                    raise ValueError(f"{where}: setting {key!r} = {value!r} is not allowed: "
                                     f"{alone}")
            raise ValueError(f"{where}: settings {dict(hyper)!r} do not go together: {problem}")
        checked = self._construct(merged)
        # Everything checked: now change the optimizer.
        for key in hyper:
            setattr(self, key, getattr(checked, key))
        self.steps, self.state = steps, new_state

    def _construct(self, settings: dict[str, Any]) -> Optimizer:
        # A throwaway optimizer built with these settings: its constructor checks them.
        return type(self)(self.params, **settings)

    def _range_problem(self, settings: dict[str, Any]) -> str | None:
        try:
            self._construct(settings)
        except (TypeError, ValueError) as e:
            return str(e)
        return None


def _type_problem(value: Any, like: Any) -> str | None:
    # A loaded setting must have the kind of value the optimizer holds now.
    if isinstance(like, bool):
        return None if isinstance(value, bool) else "expected True or False"
    if isinstance(like, tuple):
        if isinstance(value, (list, tuple)) and len(value) == len(like) and all(
                is_finite_real(v) for v in value):
            return None
        return f"expected {len(like)} finite numbers"
    if isinstance(like, int):
        return None if isinstance(value, int) and not isinstance(value, bool) else \
            "expected an int"
    return None if is_finite_real(value) else "expected a finite number"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay,
    in PyTorch's formulation.

    >>> p = Value(1.0); opt = SGD([p], lr=0.1)
    >>> p.grad = 2.0; opt.step(); p.data      # 1 - 0.1 * 2
    0.8
    """

    hyper_names = ("lr", "momentum", "nesterov", "weight_decay")
    buffer_names = ("velocity",)

    def __init__(self, params: Parameters, lr: float = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        # momentum >= 1 never forgets a gradient: the velocity grows without bound.
        self.momentum = finite_number("SGD", "momentum", momentum, minimum=0.0, maximum=1.0,
                                      below_maximum=True)
        self.weight_decay = _rate("SGD", "weight_decay", weight_decay)
        self.nesterov = flag("SGD", "nesterov", nesterov)
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")

    def _update(self, i: int, x: float, g: float) -> float:
        if self.weight_decay:
            g += self.weight_decay * x
        if self.momentum:
            v = self._buffer("velocity")
            v[i] = self.momentum * v[i] + g
            g = g + self.momentum * v[i] if self.nesterov else v[i]
        return x - self.lr * g


class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of recent gradients (Hinton, 2012).

    >>> p = Value(1.0); opt = RMSprop([p], lr=0.1, alpha=0.9, eps=1e-12)
    >>> p.grad = 2.0; opt.step(); round(p.data, 6)   # 1 - 0.1 * 2 / sqrt(0.1 * 4)
    0.683772
    """

    hyper_names = ("lr", "alpha", "eps", "weight_decay")
    buffer_names = ("square_avg",)

    def __init__(self, params: Parameters, lr: float = 0.01, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.alpha = finite_number("RMSprop", "alpha", alpha, minimum=0.0, maximum=1.0,
                                   below_maximum=True)
        # eps > 0 keeps the step finite where the running average of g^2 is 0.
        self.eps = _rate("RMSprop", "eps", eps, allow_zero=False)
        self.weight_decay = _rate("RMSprop", "weight_decay", weight_decay)

    def _update(self, i: int, x: float, g: float) -> float:
        if self.weight_decay:
            g += self.weight_decay * x
        s = self._buffer("square_avg")
        s[i] = self.alpha * s[i] + (1.0 - self.alpha) * g * g
        denom = math.sqrt(s[i]) + self.eps
        return x - self.lr * g / denom if denom > 0.0 else x


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2015) with bias correction; ``weight_decay``
    adds an L2 term to the gradient (for the decoupled kind use :class:`AdamW`).

    >>> p = Value(1.0); opt = Adam([p], lr=0.1)
    >>> p.grad = 2.0; opt.step(); round(p.data, 6)   # the first step is lr * sign(g)
    0.9
    """

    hyper_names = ("lr", "betas", "eps", "weight_decay")
    buffer_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: Parameters, lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        b1, b2 = number_pair(name, "betas", betas)
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"{name}: betas must be in [0, 1), got {betas!r}")
        self.betas = (b1, b2)
        self.eps = _rate(name, "eps", eps, allow_zero=False)
        self.weight_decay = _rate(name, "weight_decay", weight_decay)

    def _prepare(self, t: int) -> None:
        # Bias corrections depend only on t, so compute them once per step.
        b1, b2 = self.betas
        self._c1 = 1.0 - b1 ** t
        self._c2 = 1.0 - b2 ** t

    def _decay(self, x: float, g: float) -> tuple[float, float]:
        # L2 weight decay: through the gradient. (AdamW decays the weight itself.)
        return x, (g + self.weight_decay * x if self.weight_decay else g)

    def _update(self, i: int, x: float, g: float) -> float:
        x, g = self._decay(x, g)
        b1, b2 = self.betas
        m, v = self._buffer("exp_avg"), self._buffer("exp_avg_sq")
        m[i] = b1 * m[i] + (1.0 - b1) * g
        v[i] = b2 * v[i] + (1.0 - b2) * g * g
        denom = math.sqrt(v[i] / self._c2) + self.eps
        return x - self.lr * (m[i] / self._c1) / denom if denom > 0.0 else x


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``p -= lr * wd * p``
    is applied directly, not through the gradient, so it is not rescaled by Adam.

    >>> p = Value(1.0); opt = AdamW([p], lr=0.1, weight_decay=0.5)
    >>> p.grad = 2.0; opt.step(); round(p.data, 6)   # 1 - 0.1*0.5*1 - 0.1
    0.85
    """

    def __init__(self, params: Parameters, lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self, x: float, g: float) -> tuple[float, float]:
        return x - self.lr * self.weight_decay * x, g


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun, 1993): only the sign of each gradient
    is used; each weight has its own step size, grown by ``etas[1]`` while the sign holds
    and shrunk by ``etas[0]`` when it flips (then that weight skips one update). ``lr`` is
    the initial step size; steps stay within ``step_sizes``. Meant for full-batch training.

    >>> p = Value(1.0); opt = Rprop([p], lr=0.1)
    >>> p.grad = 5.0; opt.step(); p.grad = 3.0; opt.step(); round(p.data, 6)  # 1 - .1 - .12
    0.78
    """

    hyper_names = ("lr", "etas", "step_sizes")
    buffer_names = ("prev_grad", "step_size")

    def __init__(self, params: Parameters, lr: float = 0.01,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50.0)) -> None:
        super().__init__(params, lr)
        shrink, grow = number_pair("Rprop", "etas", etas)
        if not 0.0 < shrink < 1.0 < grow:
            raise ValueError(f"Rprop: etas must satisfy 0 < eta- < 1 < eta+, got {etas!r}")
        smallest, largest = number_pair("Rprop", "step_sizes", step_sizes)
        if not 0.0 < smallest <= largest:
            raise ValueError(f"Rprop: step_sizes must be 0 < min <= max, got {step_sizes!r}")
        self.etas = (shrink, grow)
        self.step_sizes = (smallest, largest)

    def _update(self, i: int, x: float, g: float) -> float:
        prev = self._buffer("prev_grad")
        sizes = self._buffer("step_size", self.lr)
        agreement = g * prev[i]
        size = sizes[i]
        if agreement > 0.0:
            size *= self.etas[1]
        elif agreement < 0.0:
            size *= self.etas[0]
            g = 0.0  # the last step overshot a minimum: wait one step before moving again
        # Clamped on every step, so even the first step (of size lr) respects step_sizes.
        size = min(max(size, self.step_sizes[0]), self.step_sizes[1])
        sizes[i] = size
        prev[i] = g
        if g > 0.0:
            return x - size
        if g < 0.0:
            return x + size
        return x


def solve_linear(a: Sequence[Sequence[float]], b: Sequence[float]) -> list[float]:
    """Solve ``a x = b`` by Gaussian elimination with partial pivoting (pure Python).

    >>> solve_linear([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0])
    [0.8, 1.4]
    """
    n = len(b)
    m = [[float(v) for v in row] + [float(b[i])] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if m[pivot][col] == 0.0:
            raise ZeroDivisionError(f"solve_linear: the matrix is singular (column {col})")
        m[col], m[pivot] = m[pivot], m[col]
        head = m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / head[col]
            if factor:
                row = m[r]
                for c in range(col, n + 1):
                    row[c] -= factor * head[c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        acc = m[r][n] - math.fsum(m[r][c] * x[c] for c in range(r + 1, n))
        x[r] = acc / m[r][r]
    return x


class LevenbergMarquardt(Optimizer):
    """Levenberg-Marquardt for least squares: minimises ``sum r_i^2`` over the parameters,
    where ``residuals()`` returns the residual Values ``r_i`` for the current parameters.

    Each ``step()`` builds the Jacobian ``J`` (one ``backprop`` per residual, leaving every
    ``.grad`` alone), solves the damped Gauss-Newton system ``(J^T J + lambda I) d = -J^T r``
    and tries ``p + d``. If the squared error falls the step is kept and ``lambda *= down``
    (trust the quadratic model more: towards Gauss-Newton); otherwise it is undone,
    ``lambda *= up`` (towards small gradient-descent steps) and solved again, up to
    ``max_tries`` times. ``step()`` returns the squared error after the step. ``lr`` scales
    the accepted step (1: the plain method). Each step costs one backward pass per residual
    and a dense n x n solve for n parameters: meant for small models, where it needs far
    fewer iterations than gradient descent.

    >>> a = Value(0.0); xs, ys = [0.0, 1.0, 2.0], [1.0, 3.0, 5.0]    # fit y = 2x + a
    >>> lm = LevenbergMarquardt([a], lambda: [2 * x + a - y for x, y in zip(xs, ys)])
    >>> lm.step() < 1e-3, round(a.data, 2)
    (True, 1.0)
    """

    hyper_names = ("lr", "damping", "up", "down", "max_tries")

    def _construct(self, settings: dict[str, Any]) -> Optimizer:
        return LevenbergMarquardt(self.params, self.residuals, **settings)

    def __init__(self, params: Parameters, residuals: Callable[[], Sequence[Value]],
                 damping: float = 1e-3, up: float = 10.0, down: float = 0.1,
                 max_tries: int = 10, lr: float = 1.0) -> None:
        super().__init__(params, lr)
        name = "LevenbergMarquardt"
        if not callable(residuals):
            raise TypeError(f"{name}: residuals must be a function returning the residual "
                            f"Values, got {short_repr(residuals)}")
        self.residuals = residuals
        self.damping = finite_number(name, "damping", damping, minimum=0.0, above_minimum=True)
        self.up = finite_number(name, "up", up, minimum=1.0, above_minimum=True)
        self.down = finite_number(name, "down", down, minimum=0.0, maximum=1.0,
                                  above_minimum=True, below_maximum=True)
        self.max_tries = whole_number(name, "max_tries", max_tries, minimum=1)

    def _residual_values(self) -> list[Value]:
        # Recorded even if the caller is in no_grad: the Jacobian needs the graphs, and
        # residuals may call grad() themselves.
        with enable_grad():
            out = self.residuals()
        if isinstance(out, Value):
            out = [out]
        if isinstance(out, (str, bytes)) or not hasattr(out, "__iter__"):
            raise TypeError(f"LevenbergMarquardt: residuals() must return a list of Values, "
                            f"got {short_repr(out)}")
        found = list(out)
        if not found:
            raise ValueError("LevenbergMarquardt: residuals() returned no residuals")
        for i, r in enumerate(found):
            if not isinstance(r, Value):
                raise TypeError(f"LevenbergMarquardt: residual {i} is {short_repr(r)} of type "
                                f"{type(r).__name__}, not a Value computed from the "
                                f"parameters: a plain number has no derivative (was .data "
                                f"used where the Value was meant?)")
        return found

    def jacobian(self) -> tuple[list[float], list[list[float]]]:
        """The residuals (floats) and the Jacobian ``J[i][j] = d r_i / d p_j``."""
        rs = self._residual_values()
        rows = []
        for r in rs:
            grads = backprop(r)
            rows.append([grads.get(id(p), 0.0) for p in self.params])
        return [r.data for r in rs], rows

    def _trial_error(self) -> float:
        """The squared error at the parameters as set, or +inf where the residuals leave
        their domain (an overflow, a log of a negative number, an undefined derivative
        inside a residual that uses grad()). Any other error is the caller's to see."""
        try:
            rs = self._residual_values()
            return math.fsum(r.data * r.data for r in rs)
        except (DomainError, ArithmeticError):  # BackwardError is an ArithmeticError
            return math.inf

    def step(self, closure: Callable[[], Any] | None = None) -> float:
        """One damped Gauss-Newton step; returns the squared error after it. Takes no
        closure: the residuals given to the constructor are evaluated. If anything raises
        (even a KeyboardInterrupt during a trial), the parameters and the damping are put
        back as they were."""
        if closure is not None:
            raise TypeError("LevenbergMarquardt.step: takes no closure; it evaluates the "
                            "residuals function given to the constructor")
        r, jac = self.jacobian()
        error = math.fsum(v * v for v in r)
        n = len(self.params)
        jtj = [[math.fsum(row[a] * row[b] for row in jac) for b in range(n)] for a in range(n)]
        jtr = [math.fsum(row[a] * ri for row, ri in zip(jac, r)) for a in range(n)]
        start, damping = [p.data for p in self.params], self.damping
        try:
            for _ in range(self.max_tries):
                system = [[jtj[a][b] + (self.damping if a == b else 0.0) for b in range(n)]
                          for a in range(n)]
                delta = solve_linear(system, [-v for v in jtr])
                for p, x, d in zip(self.params, start, delta):
                    p.data = x + self.lr * d
                trial = self._trial_error()
                if trial < error:
                    self.damping = max(self.damping * self.down, 1e-12)
                    self.steps += 1
                    return trial
                for p, x in zip(self.params, start):
                    p.data = x
                self.damping = min(self.damping * self.up, 1e12)
        except BaseException:
            for p, x in zip(self.params, start):
                p.data = x
            self.damping = damping
            raise
        self.steps += 1  # a step that found nothing better still counts (lambda grew)
        return error
