"""Gradient-free baselines: each solves XOR (alone and driven by fit, which must not go
backward), counts its loss evaluations, is seeded, follows its update rule, saves and loads
a validated state, and changes nothing when a step fails."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import DomainError, Value, no_grad
from autograd_lite.datasets import make_xor
from autograd_lite.nn import (
    MLP,
    GeneticAlgorithm,
    GradientFreeOptimizer,
    ParticleSwarm,
    RandomSearch,
    WorkCounter,
    fit,
    hinge,
    mse,
)

Factory = Callable[[list[Value]], GradientFreeOptimizer]
FACTORIES: list[tuple[str, Factory]] = [
    ("GA", lambda ps: GeneticAlgorithm(ps, population=30, seed=0)),
    ("PSO", lambda ps: ParticleSwarm(ps, particles=20, seed=0)),
    ("random search", lambda ps: RandomSearch(ps, scale=0.2, seed=0)),
]
IDS = [name for name, _ in FACTORIES]
MAKERS = [make for _, make in FACTORIES]


def xor_solved(model: MLP) -> bool:
    X, y = make_xor()
    return max(abs(model(x).data - t) for x, t in zip(X, y)) < 0.5


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_each_solves_xor_and_counts_every_loss_evaluation(make: Factory) -> None:
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    search = make(model.parameters())
    calls = 0

    def closure() -> Value:
        nonlocal calls
        calls += 1
        with no_grad():
            return mse([model(x) for x in X], y)

    for _ in range(400):
        loss = search.step(closure)
        if xor_solved(model):
            break
    assert xor_solved(model)
    assert search.evaluations == calls > 0
    # The parameters hold the best candidate, whose loss step() returned (recomputed here).
    assert mse([model(x) for x in X], y).data == pytest.approx(loss, rel=1e-12)
    assert search.best_loss == loss


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_fit_drives_them_without_any_backward_pass(make: Factory,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def no_backward(self: Value, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a gradient-free optimizer must not need backward")

    monkeypatch.setattr(Value, "backward", no_backward)
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    search = make(model.parameters())
    with WorkCounter(memory=False) as work:
        history = fit(model, hinge, search, (X, y), epochs=400, target_accuracy=1.0,
                      progress=False)
    assert history.stopped_early and history.epoch_accuracy[-1] == 1.0
    assert all((model(x).data > 0) == (t > 0) for x, t in zip(X, y))   # recomputed
    assert work.backward_passes == 0
    # Every loss fit computed: the search's own evaluations plus one measurement of the
    # starting point (later steps reuse the search's best evaluation).
    assert work.forward_evaluations == search.evaluations + 1
    assert all(math.isnan(v) for norms in history.grad_norms for v in norms)
    assert all(math.isnan(lr) for lr in history.lr)


def test_fit_with_mini_batches_and_a_penalty() -> None:
    X, y = make_xor(16, noise=0.05, seed=0)
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    history = fit(model, mse, RandomSearch(model.parameters(), scale=0.2, samples=4, seed=0),
                  (X, y), epochs=40, batch_size=8, l2=1e-3, progress=False)
    assert history.steps == 80
    assert history.epoch_loss[-1] < history.epoch_loss[0]


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_seeded_runs_repeat_and_leave_the_global_generator_alone(make: Factory) -> None:
    def run() -> list[float]:
        ps = [Value(0.5), Value(-0.5)]
        search = make(ps)
        for _ in range(5):
            search.step(lambda: (ps[0] - 1) ** 2 + ps[1] ** 2)
        return [p.data for p in ps]

    random.seed(123)
    before = random.random()
    random.seed(123)
    first = run()
    assert random.random() == before
    assert run() == first


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_a_best_loss_never_gets_worse_on_a_fixed_objective(make: Factory) -> None:
    ps = [Value(2.0), Value(-1.0), Value(0.5)]
    search = make(ps)
    losses = [search.step(lambda: (ps[0] * ps[1] + ps[2] - 1.0) ** 2
                          + 0.1 * (ps[0] - ps[2]) ** 2) for _ in range(15)]
    assert losses == sorted(losses, reverse=True)


def test_particle_swarm_moves_each_weight_towards_the_swarm_best() -> None:
    # With inertia 0 and no pull to a particle's own best, the rule reads
    # x' = x + r (g - x) with r in [0, 1): every weight moves part way towards g.
    ps = [Value(0.0), Value(0.0)]
    swarm = ParticleSwarm(ps, particles=6, inertia=0.0, cognitive=0.0, social=1.0, seed=3)

    def loss() -> Value:
        return (ps[0] - 1) ** 2 + (ps[1] + 1) ** 2

    swarm.step(loss)
    state = swarm.search_state
    before, best = [list(x) for x in state["positions"]], list(state["swarm_best"])
    swarm.step(loss)
    for old, new in zip(before, swarm.search_state["positions"]):
        for x, x2, g in zip(old, new, best):
            assert min(x, g) <= x2 <= max(x, g)


def test_genetic_children_take_each_weight_from_a_parent_without_mutation() -> None:
    ps = [Value(float(i)) for i in range(5)]
    ga = GeneticAlgorithm(ps, population=12, elite=2, mutation_rate=0.0, seed=4)

    def loss() -> Value:
        return sum((p - 3.0) ** 2 for p in ps)  # type: ignore[return-value]

    ga.step(loss)
    parents, parent_losses = ga.search_state["population"], ga.search_state["losses"]
    ga.step(loss)
    children = ga.search_state["population"]
    ranked = sorted(range(12), key=parent_losses.__getitem__)
    assert children[:2] == [parents[i] for i in ranked[:2]]          # the elite, unchanged
    for child in children:
        for j, gene in enumerate(child):
            assert gene in {parent[j] for parent in parents}       # uniform crossover only


def test_random_search_tries_samples_moves_per_step() -> None:
    x = Value(0.0)
    search = RandomSearch([x], scale=0.5, samples=7, seed=0)
    search.step(lambda: x * x)
    search.step(lambda: x * x)
    assert search.evaluations == 1 + 7 + 7


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_state_dict_round_trip_continues_identically(make: Factory) -> None:
    def loss_of(ps: list[Value]) -> Callable[[], Value]:
        return lambda: (ps[0] - 1) ** 2 + (ps[0] * ps[1] - 2) ** 2

    ps = [Value(0.3), Value(-0.2)]
    search = make(ps)
    for _ in range(3):
        search.step(loss_of(ps))
    saved = json.loads(json.dumps(search.state_dict(), allow_nan=False))
    qs = [Value(p.data) for p in ps]
    clone = make([Value(9.0), Value(9.0)])
    clone.params = qs
    clone.load_state_dict(saved)
    for _ in range(3):
        search.step(loss_of(ps))
        clone.step(loss_of(qs))
    assert [p.data for p in ps] == [q.data for q in qs]
    assert (clone.steps, clone.evaluations) == (search.steps, search.evaluations)


def _saved_ga() -> dict[str, Any]:
    ps = [Value(0.3), Value(-0.2)]
    ga = GeneticAlgorithm(ps, population=4, seed=0)
    ga.step(lambda: ps[0] ** 2 + ps[1] ** 2)
    return json.loads(json.dumps(ga.state_dict()))


@pytest.mark.parametrize("change,match", [
    (lambda s: s.update(type="ParticleSwarm"), "state is for 'ParticleSwarm'"),
    (lambda s: s.pop("rng"), r"missing \['rng'\]"),
    (lambda s: s.update(extra=1), r"unknown \['extra'\]"),
    (lambda s: s.update(steps=10 ** 400), "'steps' must be an int"),
    (lambda s: s.update(evaluations=2.5), "'evaluations' must be an int"),
    (lambda s: s["hyper"].update(population=1), "population must be an int >= 2"),
    (lambda s: s["hyper"].update(mutation_rate=float("nan")), "mutation_rate"),
    (lambda s: s["hyper"].pop("elite"), "'hyper' must map exactly"),
    (lambda s: s.update(rng=[3, [1, 2], None]), "'rng' must be a saved random generator"),
    (lambda s: s.update(rng="seed"), "'rng'"),
    (lambda s: s["state"].update(population=s["state"]["population"][:3]),
     "'population' must hold 4 lists of 2 finite numbers"),
    (lambda s: s["state"]["population"][0].append(1.0), "'population' must hold 4 lists"),
    (lambda s: s["state"]["population"][1].__setitem__(0, "x"), "'population'"),
    (lambda s: s["state"]["losses"].__setitem__(0, float("inf")), "'losses' must hold 4"),
    (lambda s: s["state"].update(losses=[]), "partly empty"),
    (lambda s: s["state"].update(best=[0.0, 0.0]), "'state' must hold exactly"),
])
def test_load_state_dict_refuses_bad_states_and_changes_nothing(
        change: Callable[[dict[str, Any]], Any], match: str) -> None:
    state = _saved_ga()
    change(state)
    ps = [Value(5.0), Value(6.0)]
    target = GeneticAlgorithm(ps, population=4, seed=1)
    target.step(lambda: ps[0] ** 2 + ps[1] ** 2)
    before = json.dumps(target.state_dict()), [p.data for p in ps]
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(state)
    assert (json.dumps(target.state_dict()), [p.data for p in ps]) == before


def test_an_infinite_loss_is_saved_as_none_and_loads_back() -> None:
    p = Value(0.0)
    swarm = ParticleSwarm([p], particles=3, seed=0)
    swarm.step(lambda: 1.0 / p)      # the first particle sits at 0: a division by zero
    assert swarm.search_state["best_losses"][0] == math.inf
    saved = json.loads(json.dumps(swarm.state_dict(), allow_nan=False))
    assert saved["state"]["best_losses"][0] is None
    clone = ParticleSwarm([Value(0.0)], particles=3, seed=5)
    clone.load_state_dict(saved)
    assert clone.search_state["best_losses"][0] == math.inf


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_a_failing_step_changes_nothing(make: Factory) -> None:
    ps = [Value(0.3), Value(-0.2)]
    search = make(ps)
    search.step(lambda: ps[0] ** 2 + ps[1] ** 2)
    before = json.dumps(search.state_dict()), [p.data for p in ps]
    calls, fail_at = 0, 1 if isinstance(search, RandomSearch) else 2   # in mid-step

    def interrupted() -> Value:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise KeyboardInterrupt
        return ps[0] ** 2 + ps[1] ** 2

    with pytest.raises(KeyboardInterrupt):
        search.step(interrupted)
    assert (json.dumps(search.state_dict()), [p.data for p in ps]) == before
    with pytest.raises(TypeError, match="must return the loss"):
        search.step(lambda: "small")
    assert (json.dumps(search.state_dict()), [p.data for p in ps]) == before


def test_candidates_outside_the_domain_score_infinity() -> None:
    x = Value(1.0)
    seen: list[float] = []

    def loss() -> Value:
        seen.append(x.data)
        if x.data < 1.0:
            raise DomainError("log: needs x >= 1 here")
        return (x - 2.0) ** 2

    search = RandomSearch([x], scale=1.0, samples=20, seed=0)
    best = search.step(loss)
    assert any(v < 1.0 for v in seen)             # some candidates were refused ...
    assert x.data >= 1.0 and best == pytest.approx((x.data - 2.0) ** 2)   # ... never kept


@pytest.mark.parametrize("make,match", [
    (lambda: GeneticAlgorithm([Value(0.0)], population=1), "population"),
    (lambda: GeneticAlgorithm([Value(0.0)], population=4, elite=4), "elite"),
    (lambda: GeneticAlgorithm([Value(0.0)], crossover=1.5), "crossover"),
    (lambda: GeneticAlgorithm([Value(0.0)], mutation_scale=-1), "mutation_scale"),
    (lambda: ParticleSwarm([Value(0.0)], particles=0), "particles"),
    (lambda: ParticleSwarm([Value(0.0)], inertia=float("inf")), "inertia"),
    (lambda: ParticleSwarm([Value(0.0)], max_speed=0.0), "max_speed"),
    (lambda: RandomSearch([Value(0.0)], scale=0.0), "scale"),
    (lambda: RandomSearch([Value(0.0)], samples=2.0), "samples"),
    (lambda: RandomSearch([Value(0.0)], seed="x"), "seed"),
    (lambda: RandomSearch([]), "no parameters"),
    (lambda: RandomSearch([Value(1.0) * 2]), "not a leaf"),
])
def test_bad_settings_are_refused(make: Callable[[], object], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_step_needs_a_closure() -> None:
    with pytest.raises(TypeError, match="closure"):
        RandomSearch([Value(0.0)]).step(None)  # type: ignore[arg-type]


def test_an_inertia_of_one_or_more_needs_a_speed_limit() -> None:
    with pytest.raises(ValueError, match=r"ParticleSwarm: inertia must be a finite number in "
                                         r"\[0, 1\) unless max_speed is given.*got 1\.5"):
        ParticleSwarm([Value(0.0)], inertia=1.5)
    with pytest.raises(ValueError, match=r"inertia .* got 1"):
        ParticleSwarm([Value(0.0)], inertia=1)
    # Shi & Eberhart's w > 1 with a speed limit: accepted, and no particle outruns it.
    x = Value(3.0)
    swarm = ParticleSwarm([x], particles=5, inertia=1.2, max_speed=0.5, seed=0)
    for _ in range(20):
        swarm.step(lambda: (x - 1.0) ** 2)
    assert all(abs(v[0]) <= 0.5 for v in swarm.search_state["velocities"])
    assert math.isfinite(x.data)


def test_searches_take_named_parameters() -> None:
    a, b = Value(0.5), Value(-0.5)
    search = RandomSearch([("a", a), ("b", b)], scale=0.3, seed=0)
    assert search.params == [a, b] and search.param_names == ["a", "b"]
    for _ in range(300):
        search.step(lambda: (a - 1.0) ** 2 + (b + 2.0) ** 2)
    assert abs(a.data - 1.0) < 0.1 and abs(b.data + 2.0) < 0.1   # the minimum, by hand
