"""Gradient-free baselines: training without backpropagation.

A genetic algorithm, particle swarm optimisation and random search treat the loss as a
black box: they try parameter vectors and keep what scores well. They never call
``backward`` and need no derivative, so any loss works, differentiable or not; the price is
many more loss evaluations (see notebook 05, which measures it).

They share the optimizers' interface where it fits: ``step(closure)`` (the closure
returns the loss of the parameters as they are set; the optimizer sets them to each
candidate in turn), ``zero_grad()``, ``steps``, ``state_dict()`` / ``load_state_dict()``
(validated like the other optimizers': everything is checked first, and a bad state changes
nothing), a ``seed``, and ``evaluations``, the number of times the closure was called.
After each step the parameters hold the best candidate found, and ``step`` returns its loss.
``fit`` drives them too (building no graph for their evaluations).

A closure that raises an ``ArithmeticError`` or a ``DomainError`` (the candidate left the
loss's domain: an overflow, a log of a negative number) scores that candidate +inf, as
does a non-finite loss; any other exception propagates, and the step changes nothing
(parameters, search state, counters and random generator are put back).

>>> from autograd_lite import Value
>>> x = Value(3.0)
>>> search = RandomSearch([x], scale=0.5, seed=0)
>>> for _ in range(200):
...     loss = search.step(lambda: (x - 1.0) ** 2)
>>> round(x.data, 1), search.evaluations
(1.0, 201)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from ..core import DomainError, Value
from ..datasets import rng_from_seed
from .validation import (
    MAX_STEPS,
    Parameters,
    checked_named_parameters,
    finite_number,
    is_real,
    short_repr,
    state_owner,
    whole_number,
)

__all__ = ["GeneticAlgorithm", "GradientFreeOptimizer", "ParticleSwarm", "RandomSearch"]

Vector = list[float]
Closure = Callable[[], Any]


class GradientFreeOptimizer:
    """Base class of the black-box searches: parameters, a seeded random generator, step
    and evaluation counters, and validated ``state_dict`` / ``load_state_dict``.

    Subclasses implement ``_search(evaluate)``, which calls ``evaluate(vector)`` for each
    candidate and returns ``(best_loss, best_vector, new_search_state)``; the base class
    commits that only when the whole step succeeded.
    """

    #: fit reads this: no backward pass, evaluations without a graph.
    uses_gradient = False
    #: Constructor settings saved in ``state_dict()["hyper"]``.
    hyper_names: tuple[str, ...] = ()

    def __init__(self, params: Parameters, seed: int | random.Random | None = 0) -> None:
        name = type(self).__name__
        self.params, self.param_names = checked_named_parameters(name, params)
        self.rng = rng_from_seed(seed, name)
        self.steps = 0
        self.evaluations = 0
        self.best_loss: float | None = None
        self.search_state: dict[str, Any] = self._empty_state()

    # --- what subclasses provide ---------------------------------------------------------
    def _empty_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _state_shapes(self) -> dict[str, str]:
        # For each search-state key: "vectors" (count, n), "losses" (count), "vector" (n)
        # or "loss"; count is _state_count().
        raise NotImplementedError

    def _state_count(self) -> int:
        raise NotImplementedError

    def _search(self, evaluate: Callable[[Vector], float]
                ) -> tuple[float, Vector, dict[str, Any]]:
        raise NotImplementedError

    # --- the optimizer interface ---------------------------------------------------------
    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (nothing here reads it; for habit and fit)."""
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Closure) -> float:
        """One round of the search; returns the best loss, whose parameters are then set.

        ``closure()`` must return the loss of the parameters as currently set (a Value or a
        number). Wrap its body in ``no_grad()`` to skip recording a graph nobody will use.
        """
        name = type(self).__name__
        if not callable(closure):
            raise TypeError(f"{name}.step: needs a closure that returns the loss, got "
                            f"{closure!r}")
        start = [p.data for p in self.params]
        rng_state, evaluations = self.rng.getstate(), self.evaluations
        try:
            loss, best, state = self._search(lambda v: self._evaluate(closure, v))
        except BaseException:
            # Nothing changes: the parameters, the counters and the generator go back.
            for p, x in zip(self.params, start):
                p.data = x
            self.rng.setstate(rng_state)
            self.evaluations = evaluations
            raise
        for p, x in zip(self.params, best):
            p.data = x
        self.search_state, self.best_loss = state, loss
        self.steps += 1
        return loss

    def _evaluate(self, closure: Closure, vector: Vector) -> float:
        for p, x in zip(self.params, vector):
            p.data = x
        self.evaluations += 1
        try:
            out = closure()
        except (ArithmeticError, DomainError):
            return math.inf  # the candidate left the loss's domain: worse than any other
        value = out.data if isinstance(out, Value) else out
        if not is_real(value):
            raise TypeError(f"{type(self).__name__}.step: the closure must return the loss "
                            f"(a Value or a number), got {short_repr(out)}")
        value = float(value)
        return value if math.isfinite(value) else math.inf

    def _current(self) -> Vector:
        return [p.data for p in self.params]

    def _gauss_around(self, centre: Vector, scale: float) -> Vector:
        gauss = self.rng.gauss
        return [x + gauss(0.0, scale) for x in centre] if scale else list(centre)

    # --- saving and loading --------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Settings, counters, the random generator and the search state, JSON-ready
        (an infinite loss is saved as None).

        >>> from autograd_lite import Value
        >>> s = RandomSearch([Value(0.0)], seed=0).state_dict()
        >>> sorted(s), s["state"]
        (['evaluations', 'hyper', 'rng', 'state', 'steps', 'type'], {'best': [], 'best_loss': None})
        """
        version, internal, gauss_next = self.rng.getstate()
        return {"type": type(self).__name__, "steps": self.steps,
                "evaluations": self.evaluations,
                "hyper": {n: getattr(self, n) for n in self.hyper_names},
                "rng": [version, list(internal), gauss_next],
                "state": {k: _jsonable(v) for k, v in self.search_state.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict`` returned. Everything is checked first (the type,
        every key, the settings as the constructor checks them, the generator's state, and
        the search state's shape: one number per parameter in every vector); anything wrong
        raises ``ValueError`` naming the key and the value, and changes nothing.

        >>> from autograd_lite import Value
        >>> s = RandomSearch([Value(0.0)], seed=0)
        >>> try: s.load_state_dict({**s.state_dict(), "evaluations": -1})
        ... except ValueError as e: print(e)
        RandomSearch.load_state_dict: 'evaluations' must be an int in [0, 9007199254740992], \
got -1
        """
        where = state_owner(self, state)
        keys = {"type", "steps", "evaluations", "hyper", "rng", "state"}
        if set(state) != keys:
            raise ValueError(f"{where}: expected the keys {', '.join(sorted(keys))}; unknown "
                             f"{sorted(set(state) - keys) or 'none'}, missing "
                             f"{sorted(keys - set(state)) or 'none'}")
        counters = {key: _counter(where, key, state[key]) for key in ("steps", "evaluations")}
        checked = self._checked_settings(where, state["hyper"])
        rng = _checked_rng(where, state["rng"])
        search_state = checked._checked_search_state(where, state["state"])
        best_loss = _best_loss(search_state)
        # Everything checked: now change the optimizer.
        for key in self.hyper_names:
            setattr(self, key, getattr(checked, key))
        self.steps, self.evaluations = counters["steps"], counters["evaluations"]
        self.rng.setstate(rng)
        self.search_state, self.best_loss = search_state, best_loss

    def _checked_settings(self, where: str, hyper: Any) -> GradientFreeOptimizer:
        # A throwaway optimizer built with the loaded settings: its constructor checks them.
        if not isinstance(hyper, Mapping) or set(hyper) != set(self.hyper_names):
            raise ValueError(f"{where}: 'hyper' must map exactly "
                             f"{', '.join(self.hyper_names)} to values, got "
                             f"{short_repr(hyper)}")
        try:
            return type(self)(self.params, seed=0, **hyper)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: the saved settings are not allowed: {exc}") from None

    def _checked_search_state(self, where: str, state: Any) -> dict[str, Any]:
        shapes = self._state_shapes()
        if not isinstance(state, Mapping) or set(state) != set(shapes):
            raise ValueError(f"{where}: 'state' must hold exactly {', '.join(shapes)}, got "
                             f"{short_repr(state)}")
        count, n = self._state_count(), len(self.params)
        empty = [key for key in shapes if state[key] in ([], None) and shapes[key] != "loss"]
        if empty and len(empty) != sum(shapes[k] != "loss" for k in shapes):
            raise ValueError(f"{where}: 'state' is partly empty ({', '.join(empty)}): save "
                             f"and load whole states only")
        if empty:
            return self._empty_state()
        checked: dict[str, Any] = {}
        for key, shape in shapes.items():
            checked[key] = _checked_shape(where, key, state[key], shape, count, n)
        return checked


def _jsonable(value: Any) -> Any:
    # Search states hold floats, lists of floats and lists of those; inf becomes None.
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _counter(where: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STEPS:
        raise ValueError(f"{where}: {key!r} must be an int in [0, {MAX_STEPS}], got "
                         f"{short_repr(value)}")
    return value


def _checked_rng(where: str, value: Any) -> tuple[Any, ...]:
    # The state random.Random.getstate() gives, as JSON lists; tried on a spare generator.
    problem = f"{where}: 'rng' must be a saved random generator state, got {short_repr(value)}"
    if not isinstance(value, list) or len(value) != 3 or not isinstance(value[1], list):
        raise ValueError(problem)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value[1]):
        raise ValueError(problem)
    if value[2] is not None and not (is_real(value[2]) and math.isfinite(value[2])):
        raise ValueError(problem)
    state = (value[0], tuple(value[1]), value[2])
    try:
        random.Random().setstate(state)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(problem) from None
    return state


def _loss_or_inf(v: Any) -> float | None:
    if v is None:
        return math.inf
    if is_real(v) and math.isfinite(v):
        return float(v)
    return None


def _vector_or_none(v: Any, n: int) -> Vector | None:
    if not isinstance(v, list) or len(v) != n:
        return None
    if not all(is_real(x) and math.isfinite(x) for x in v):
        return None
    return [float(x) for x in v]


def _checked_shape(where: str, key: str, value: Any, shape: str, count: int, n: int) -> Any:
    wanted = {"vectors": f"{count} lists of {n} finite numbers",
              "losses": f"{count} finite numbers or None",
              "vector": f"{n} finite numbers", "loss": "a finite number or None"}[shape]
    problem = ValueError(f"{where}: {key!r} must hold {wanted}, got {short_repr(value)}")
    if shape == "loss":
        loss = _loss_or_inf(value)
        if loss is None:
            raise problem
        return loss
    if shape == "vector":
        vector = _vector_or_none(value, n)
        if vector is None:
            raise problem
        return vector
    if not isinstance(value, list) or len(value) != count:
        raise problem
    if shape == "losses":
        losses = [_loss_or_inf(v) for v in value]
        if any(v is None for v in losses):
            raise problem
        return losses
    vectors = [_vector_or_none(v, n) for v in value]
    if any(v is None for v in vectors):
        raise problem
    return vectors


def _best_loss(state: Mapping[str, Any]) -> float | None:
    for key in ("best_loss", "swarm_best_loss"):
        if key in state and state[key] != math.inf:
            return float(state[key])
    losses = state.get("losses")
    if losses:
        return float(min(losses))
    return None


class GeneticAlgorithm(GradientFreeOptimizer):
    """A genetic algorithm over the parameter vector (Holland 1975; for network weights,
    Montana & Davis 1989). Each step is one generation of ``population`` individuals:

    * the first generation is the current parameters plus ``population - 1`` copies moved
      by Gaussian noise of standard deviation ``init_scale``;
    * later ones keep the ``elite`` best unchanged, and fill the rest with children of two
      parents, each the best of ``tournament`` individuals drawn at random (tournament
      selection); a child takes each weight from either parent with equal chance (uniform
      crossover, with probability ``crossover``, else it copies the first parent), then each
      weight mutates with probability ``mutation_rate`` by Gaussian noise of standard
      deviation ``mutation_scale``.

    Every individual of a generation is evaluated (``population`` evaluations a step, so
    mini-batches give honest numbers); the parameters end as the best of them.

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> ga = GeneticAlgorithm([a, b], population=20, seed=1)
    >>> for _ in range(60):
    ...     loss = ga.step(lambda: (a - 1) ** 2 + (b + 2) ** 2)
    >>> round(a.data, 1), round(b.data, 1), ga.evaluations
    (1.0, -2.0, 1200)
    """

    hyper_names = ("population", "elite", "tournament", "crossover", "mutation_rate",
                   "mutation_scale", "init_scale")

    def __init__(self, params: Parameters, population: int = 50, elite: int = 2,
                 tournament: int = 3, crossover: float = 0.9, mutation_rate: float = 0.1,
                 mutation_scale: float = 0.3, init_scale: float = 0.5,
                 seed: int | random.Random | None = 0) -> None:
        name = "GeneticAlgorithm"
        self.population = whole_number(name, "population", population, minimum=2)
        self.elite = whole_number(name, "elite", elite, minimum=0,
                                  maximum=self.population - 1)
        self.tournament = whole_number(name, "tournament", tournament, minimum=1,
                                       maximum=self.population)
        self.crossover = finite_number(name, "crossover", crossover, minimum=0.0, maximum=1.0)
        self.mutation_rate = finite_number(name, "mutation_rate", mutation_rate, minimum=0.0,
                                           maximum=1.0)
        self.mutation_scale = finite_number(name, "mutation_scale", mutation_scale,
                                            minimum=0.0)
        self.init_scale = finite_number(name, "init_scale", init_scale, minimum=0.0)
        super().__init__(params, seed)

    def _empty_state(self) -> dict[str, Any]:
        return {"population": [], "losses": []}

    def _state_shapes(self) -> dict[str, str]:
        return {"population": "vectors", "losses": "losses"}

    def _state_count(self) -> int:
        return self.population

    def _search(self, evaluate: Callable[[Vector], float]
                ) -> tuple[float, Vector, dict[str, Any]]:
        old = self.search_state["population"]
        if old:
            individuals = self._next_generation(old, self.search_state["losses"])
        else:
            start = self._current()
            individuals = [start] + [self._gauss_around(start, self.init_scale)
                                     for _ in range(self.population - 1)]
        losses = [evaluate(v) for v in individuals]
        best = min(range(len(losses)), key=losses.__getitem__)
        return losses[best], list(individuals[best]), {"population": individuals,
                                                       "losses": losses}

    def _next_generation(self, old: list[Vector], losses: list[float]) -> list[Vector]:
        ranked = sorted(range(len(old)), key=losses.__getitem__)
        children = [list(old[i]) for i in ranked[:self.elite]]
        while len(children) < self.population:
            first, second = self._pick(old, losses), self._pick(old, losses)
            children.append(self._mutate(self._cross(first, second)))
        return children

    def _pick(self, old: list[Vector], losses: list[float]) -> Vector:
        # Tournament selection: the best of a few drawn at random.
        drawn = [self.rng.randrange(len(old)) for _ in range(self.tournament)]
        return old[min(drawn, key=losses.__getitem__)]

    def _cross(self, first: Vector, second: Vector) -> Vector:
        if self.rng.random() >= self.crossover:
            return list(first)
        rand = self.rng.random
        return [a if rand() < 0.5 else b for a, b in zip(first, second)]

    def _mutate(self, genes: Vector) -> Vector:
        rand, gauss = self.rng.random, self.rng.gauss
        rate, scale = self.mutation_rate, self.mutation_scale
        return [g + gauss(0.0, scale) if rand() < rate else g for g in genes]


class ParticleSwarm(GradientFreeOptimizer):
    """Particle swarm optimisation (Kennedy & Eberhart 1995, with the inertia weight of Shi
    & Eberhart 1998). ``particles`` points move through parameter space; each step, per
    weight, with ``r1, r2`` uniform in [0, 1):

    ``v = inertia v + cognitive r1 (own_best - x) + social r2 (swarm_best - x);  x += v``

    (``|v|`` capped at ``max_speed`` if given; an ``inertia`` of 1 or more needs that cap,
    or velocities would grow without bound). The defaults are Clerc & Kennedy's (2002)
    constriction values. The swarm starts at the current parameters plus Gaussian noise of
    standard deviation ``init_scale`` (the first particle exactly at them), at rest. Each
    step evaluates every particle once; the parameters end at the swarm's best. Bests are
    remembered across steps, so it is meant for full batches (with mini-batches they were
    measured on other batches).

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> swarm = ParticleSwarm([a, b], particles=10, seed=0)
    >>> for _ in range(60):
    ...     loss = swarm.step(lambda: (a - 1) ** 2 + (b + 2) ** 2)
    >>> round(a.data, 2), round(b.data, 2), swarm.evaluations
    (1.0, -2.0, 600)
    """

    hyper_names = ("particles", "inertia", "cognitive", "social", "init_scale", "max_speed")

    def __init__(self, params: Parameters, particles: int = 30, inertia: float = 0.7298,
                 cognitive: float = 1.49618, social: float = 1.49618, init_scale: float = 0.5,
                 max_speed: float | None = None, seed: int | random.Random | None = 0) -> None:
        name = "ParticleSwarm"
        self.particles = whole_number(name, "particles", particles, minimum=1)
        self.inertia = finite_number(name, "inertia", inertia, minimum=0.0)
        self.cognitive = finite_number(name, "cognitive", cognitive, minimum=0.0)
        self.social = finite_number(name, "social", social, minimum=0.0)
        self.init_scale = finite_number(name, "init_scale", init_scale, minimum=0.0)
        self.max_speed = None if max_speed is None else finite_number(
            name, "max_speed", max_speed, minimum=0.0, above_minimum=True)
        if self.inertia >= 1.0 and self.max_speed is None:
            # With inertia >= 1 nothing damps a velocity: without a speed limit (the 1995
            # swarm's Vmax) the particles fly off; Shi & Eberhart used w > 1 only with one.
            raise ValueError(f"{name}: inertia must be a finite number in [0, 1) unless "
                             f"max_speed is given (velocities would grow without bound), "
                             f"got {inertia!r}")
        super().__init__(params, seed)

    def _empty_state(self) -> dict[str, Any]:
        return {"positions": [], "velocities": [], "best_positions": [], "best_losses": [],
                "swarm_best": [], "swarm_best_loss": math.inf}

    def _state_shapes(self) -> dict[str, str]:
        return {"positions": "vectors", "velocities": "vectors", "best_positions": "vectors",
                "best_losses": "losses", "swarm_best": "vector", "swarm_best_loss": "loss"}

    def _state_count(self) -> int:
        return self.particles

    def _search(self, evaluate: Callable[[Vector], float]
                ) -> tuple[float, Vector, dict[str, Any]]:
        state = self.search_state
        if state["positions"]:
            positions, velocities = self._move(state)
            own_best = [list(v) for v in state["best_positions"]]
            own_loss = list(state["best_losses"])
            swarm_best, swarm_loss = list(state["swarm_best"]), state["swarm_best_loss"]
        else:
            start = self._current()
            positions = [start] + [self._gauss_around(start, self.init_scale)
                                   for _ in range(self.particles - 1)]
            velocities = [[0.0] * len(start) for _ in positions]
            own_best, own_loss = [list(p) for p in positions], [math.inf] * len(positions)
            swarm_best, swarm_loss = list(start), math.inf
        for i, x in enumerate(positions):
            loss = evaluate(x)
            if loss < own_loss[i]:
                own_best[i], own_loss[i] = list(x), loss
            if loss < swarm_loss:
                swarm_best, swarm_loss = list(x), loss
        return swarm_loss, swarm_best, {
            "positions": positions, "velocities": velocities, "best_positions": own_best,
            "best_losses": own_loss, "swarm_best": swarm_best, "swarm_best_loss": swarm_loss}

    def _move(self, state: Mapping[str, Any]) -> tuple[list[Vector], list[Vector]]:
        rand = self.rng.random
        w, c1, c2, cap = self.inertia, self.cognitive, self.social, self.max_speed
        swarm_best = state["swarm_best"]
        positions, velocities = [], []
        for x, v, own in zip(state["positions"], state["velocities"],
                             state["best_positions"]):
            new_v = [w * vj + c1 * rand() * (oj - xj) + c2 * rand() * (gj - xj)
                     for xj, vj, oj, gj in zip(x, v, own, swarm_best)]
            if cap is not None:
                new_v = [min(max(vj, -cap), cap) for vj in new_v]
            velocities.append(new_v)
            positions.append([xj + vj for xj, vj in zip(x, new_v)])
        return positions, velocities


class RandomSearch(GradientFreeOptimizer):
    """Random search, the floor every other method must beat: each step tries ``samples``
    random moves from the best point so far (Gaussian, standard deviation ``scale`` per
    weight) and keeps the best if it is better (Matyas 1965, "random optimisation"). The
    first step also evaluates the starting point.

    >>> from autograd_lite import Value
    >>> x = Value(0.0)
    >>> rs = RandomSearch([x], scale=0.3, samples=4, seed=0)
    >>> losses = [rs.step(lambda: (x - 2) ** 2) for _ in range(3)]
    >>> losses == sorted(losses, reverse=True), rs.evaluations     # never worse
    (True, 13)
    """

    hyper_names = ("scale", "samples")

    def __init__(self, params: Parameters, scale: float = 0.1, samples: int = 1,
                 seed: int | random.Random | None = 0) -> None:
        self.scale = finite_number("RandomSearch", "scale", scale, minimum=0.0,
                                   above_minimum=True)
        self.samples = whole_number("RandomSearch", "samples", samples, minimum=1)
        super().__init__(params, seed)

    def _empty_state(self) -> dict[str, Any]:
        return {"best": [], "best_loss": math.inf}

    def _state_shapes(self) -> dict[str, str]:
        return {"best": "vector", "best_loss": "loss"}

    def _state_count(self) -> int:
        return 1

    def _search(self, evaluate: Callable[[Vector], float]
                ) -> tuple[float, Vector, dict[str, Any]]:
        best, best_loss = self.search_state["best"], self.search_state["best_loss"]
        if not best:
            best = self._current()
            best_loss = evaluate(best)
        for _ in range(self.samples):
            candidate = self._gauss_around(best, self.scale)
            loss = evaluate(candidate)
            if loss < best_loss:
                best, best_loss = candidate, loss
        return best_loss, list(best), {"best": list(best), "best_loss": best_loss}
