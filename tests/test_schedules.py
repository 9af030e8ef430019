"""Learning-rate schedules against their closed forms, applied to a real optimizer."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.nn import SGD, CosineLR, ExponentialLR, ReduceLROnPlateau, StepLR


def sgd(lr: float = 0.5) -> SGD:
    return SGD([Value(0.0)], lr=lr)


def test_step_lr_sets_the_optimizer_rate() -> None:
    opt = sgd()
    sched = StepLR(opt, step_size=3, gamma=0.5)
    seen = [sched.step() for _ in range(7)]
    assert seen == pytest.approx([0.5 * 0.5 ** (k // 3) for k in range(1, 8)])
    assert opt.lr == seen[-1]


def test_exponential_lr() -> None:
    opt = sgd(0.2)
    sched = ExponentialLR(opt, gamma=0.9)
    assert [sched.step() for _ in range(4)] == pytest.approx([0.2 * 0.9 ** k
                                                              for k in range(1, 5)])


def test_cosine_lr_closed_form_and_hold_at_the_end() -> None:
    opt = sgd(1.0)
    sched = CosineLR(opt, total=10, min_lr=0.1)
    seen = [sched.step() for _ in range(12)]
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * min(k, 10) / 10)) / 2 for k in range(1, 13)]
    assert seen == pytest.approx(expected)
    assert seen[4] == pytest.approx(0.55)       # half way: the mean of start and end
    assert seen[-1] == seen[-2] == pytest.approx(0.1)


def test_reduce_on_plateau_waits_patience_then_cuts() -> None:
    opt = sgd(1.0)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=2, min_lr=0.2)
    losses = [5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    lrs = [sched.step(v) for v in losses]
    # improvements at steps 1, 2, 6; bad runs of 3 steps cut the rate; never below 0.2
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]


def test_reduce_on_plateau_threshold_is_relative() -> None:
    sched = ReduceLROnPlateau(sgd(1.0), factor=0.1, patience=0, threshold=0.01)
    sched.step(100.0)
    assert sched.step(99.5) == 0.1        # 0.5 % better is not enough
    assert sched.step(90.0) == 0.1 and sched.best == 90.0


def test_state_dict_round_trip() -> None:
    a = ReduceLROnPlateau(sgd(1.0), factor=0.5, patience=1)
    for v in [3.0, 3.0, 3.0]:
        a.step(v)
    b = ReduceLROnPlateau(sgd(1.0), factor=0.5, patience=1)
    b.load_state_dict(a.state_dict())
    assert (b.best, b.bad_steps, b.optimizer.lr) == (a.best, a.bad_steps, a.optimizer.lr)
    c = CosineLR(sgd(1.0), total=5)
    c.step()
    d = CosineLR(sgd(1.0), total=5)
    d.load_state_dict(c.state_dict())
    assert d.step() == c.step()
    with pytest.raises(ValueError, match="StepLR"):
        StepLR(sgd(), step_size=1).load_state_dict(c.state_dict())


@pytest.mark.parametrize("make,match", [
    (lambda: StepLR(sgd(), step_size=0), "step_size"),
    (lambda: ExponentialLR(sgd(), gamma=1.5), "gamma"),
    (lambda: CosineLR(sgd(0.1), total=10, min_lr=0.5), "min_lr"),
    (lambda: ReduceLROnPlateau(sgd(), factor=2.0), "factor"),
])
def test_bad_settings(make: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()  # type: ignore[operator]


def test_plateau_needs_a_metric() -> None:
    with pytest.raises(ValueError, match="monitored loss"):
        ReduceLROnPlateau(sgd()).step()


def _plateau_state() -> dict[str, object]:
    s = ReduceLROnPlateau(sgd(1.0), factor=0.5, patience=1)
    for v in [3.0, 3.0, 3.0]:
        s.step(v)
    return s.state_dict()


@pytest.mark.parametrize("change,match", [
    (lambda s: s.update(count=-1), r"'count' must be an int in \[0, 9007199254740992\], got -1"),
    (lambda s: s.update(count=2.5), r"'count' must be an int in \[0, \d+\], got 2.5"),
    (lambda s: s.update(count=10 ** 400), r"'count' must be an int in \[0, \d+\], got 1000"),
    (lambda s: s.update(base_lr="1"), r"'base_lr' must be a finite number >= 0, got '1'"),
    (lambda s: s.update(base_lr=10 ** 400), r"'base_lr' must be a finite number >= 0"),
    (lambda s: s.update(best="low"), r"'best' must be None or a finite number, got 'low'"),
    (lambda s: s.update(bad_steps=True), r"'bad_steps' must be an int in \[0, \d+\], got True"),
    (lambda s: s.update(lr=float("inf")), r"'lr' must be a finite number >= 0, got inf"),
    (lambda s: s.update(lr=-0.1), r"'lr' must be a finite number >= 0, got -0.1"),
    (lambda s: s.update(optimizer="x"), r"unknown \['optimizer'\]"),
    (lambda s: s.pop("bad_steps"), r"missing \['bad_steps'\]"),
])
def test_load_state_dict_validates_and_changes_nothing(change: Any, match: str) -> None:
    state = _plateau_state()
    change(state)
    target = ReduceLROnPlateau(sgd(0.3), factor=0.5, patience=1)
    target.step(5.0)
    before = dict(vars(target)), target.optimizer.lr
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(state)
    assert (dict(vars(target)), target.optimizer.lr) == before


def test_fixed_schedules_refuse_plateau_keys() -> None:
    s = ExponentialLR(sgd(1.0), gamma=0.5)
    with pytest.raises(ValueError, match=r"unknown \['best'\]"):
        s.load_state_dict({"type": "ExponentialLR", "count": 1, "base_lr": 1.0, "best": 2.0})
    assert s.count == 0
    s.load_state_dict({"type": "ExponentialLR", "count": 2, "base_lr": 4.0})
    assert s.step() == 4.0 * 0.5 ** 3                 # closed form after 3 steps from 4.0


# --- hostile input: arguments are validated, the rate is never raised, and every saved
# state loads back ------------------------------------------------------------------------


@pytest.mark.parametrize("make,match", [
    (lambda: CosineLR(sgd(1.0), total=float("nan")), "CosineLR: total must be an int"),
    (lambda: CosineLR(sgd(1.0), total=2.5), "CosineLR: total must be an int"),
    (lambda: CosineLR(sgd(1.0), total=10, min_lr=float("inf")), "CosineLR: min_lr"),
    (lambda: CosineLR(sgd(1.0), total=10, min_lr=5.0), r"min_lr must be a finite number "
                                                        r"in \[0, 1\], got 5.0"),
    (lambda: StepLR(sgd(), step_size=2.0), "StepLR: step_size must be an int"),
    (lambda: StepLR(sgd(), step_size=3, gamma=float("nan")), "StepLR: gamma"),
    (lambda: ExponentialLR(sgd(), gamma=0.0), "ExponentialLR: gamma"),
    (lambda: ExponentialLR(sgd(), gamma=True), "ExponentialLR: gamma"),
    (lambda: ReduceLROnPlateau(sgd(1.0), min_lr=float("inf")), "ReduceLROnPlateau: min_lr"),
    (lambda: ReduceLROnPlateau(sgd(1.0), min_lr=5.0), r"min_lr .* in \[0, 1\], got 5.0"),
    (lambda: ReduceLROnPlateau(sgd(1.0), factor=float("nan")), "factor"),
    (lambda: ReduceLROnPlateau(sgd(1.0), patience=-1), "patience must be an int >= 0"),
    (lambda: ReduceLROnPlateau(sgd(1.0), patience=0.5), "patience"),
    (lambda: ReduceLROnPlateau(sgd(1.0), threshold=float("nan")), "threshold"),
])
def test_bad_schedule_arguments_are_refused(make: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_a_schedule_needs_an_optimizer_with_a_rate() -> None:
    from autograd_lite.nn import RandomSearch

    with pytest.raises(TypeError, match="learning rate"):
        StepLR(RandomSearch([Value(0.0)]), step_size=1)  # type: ignore[arg-type]


@given(st.floats(0.01, 2.0), st.floats(0.0, 1.0), st.floats(0.01, 0.99),
       st.integers(0, 3), st.lists(st.floats(-10.0, 10.0), max_size=40))
def test_plateau_never_raises_the_rate(lr: float, floor_share: float, factor: float,
                                       patience: int, losses: list[float]) -> None:
    opt = sgd(lr)
    sched = ReduceLROnPlateau(opt, factor=factor, patience=patience, min_lr=lr * floor_share)
    rates = [lr] + [sched.step(v) for v in losses]
    assert all(b <= a for a, b in itertools.pairwise(rates))   # never up
    assert all(r >= min(lr * floor_share, lr) for r in rates)  # never below the floor


def _make_schedule(kind: int, opt: SGD, tiny: float, size: int) -> Any:
    return [lambda: StepLR(opt, step_size=size, gamma=tiny),
            lambda: ExponentialLR(opt, gamma=tiny),
            lambda: CosineLR(opt, total=size, min_lr=0.0),
            lambda: ReduceLROnPlateau(opt, factor=tiny, patience=0)][kind]()


@given(st.integers(0, 3), st.floats(1e-300, 0.99), st.integers(1, 5), st.integers(0, 60),
       st.floats(1e-3, 5.0))
def test_every_saved_state_loads_back_even_at_a_rate_of_zero(
        kind: int, tiny: float, size: int, steps: int, lr: float) -> None:
    opt = sgd(lr)
    sched = _make_schedule(kind, opt, tiny, size)
    for k in range(steps):
        sched.step(float(k))                    # a rising loss: the plateau keeps cutting
    saved = json.loads(json.dumps({"opt": opt.state_dict(), "sched": sched.state_dict()},
                                  allow_nan=False))
    opt2 = sgd(lr)
    sched2 = _make_schedule(kind, opt2, tiny, size)
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    assert opt2.lr == opt.lr and sched2.state_dict() == sched.state_dict()
    assert sched2.step(1e9) == sched.step(1e9)   # and they go on the same way


def test_a_cosine_state_whose_rate_would_rise_is_refused() -> None:
    sched = CosineLR(sgd(1.0), total=10, min_lr=0.5)
    state = sched.state_dict()
    state["base_lr"] = 0.1
    with pytest.raises(ValueError, match="below this schedule's min_lr"):
        sched.load_state_dict(state)
    assert sched.base_lr == 1.0
