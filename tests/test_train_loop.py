"""fit as a plain loop plus callbacks: the hooks' order, stopping rules given as objects or
as keywords, schedules stepped the same way, and the cyclic GC paused and restored."""

from __future__ import annotations

import gc
import math
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from autograd_lite.datasets import make_moons, make_xor
from autograd_lite.nn import (
    MLP,
    SGD,
    Callback,
    CosineLR,
    EarlyStopping,
    ExponentialLR,
    ReduceLROnPlateau,
    StepLR,
    TargetAccuracy,
    TrainingRun,
    fit,
    hinge,
    mse,
    paused_cyclic_gc,
)


@pytest.fixture
def gc_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


class Recorder(Callback):
    """Writes down every hook call, and what the collector's state was at the time."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.gc_states: list[bool] = []

    def _note(self, name: str) -> None:
        self.calls.append(name)
        self.gc_states.append(gc.isenabled())

    def on_train_begin(self, run: TrainingRun) -> None:
        self._note("train_begin")

    def on_epoch_begin(self, run: TrainingRun) -> None:
        self._note(f"epoch_begin {run.epoch}")

    def on_forward(self, run: TrainingRun, loss: float, accuracy: float | None) -> None:
        self._note("forward")

    def on_epoch_end(self, run: TrainingRun) -> None:
        self._note(f"epoch_end {run.epoch}")

    def on_train_end(self, run: TrainingRun) -> None:
        self._note("train_end")


def test_hooks_are_called_in_loop_order(gc_enabled: None) -> None:
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    recorder = Recorder()
    history = fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, y), epochs=2,
                  batch_size=5, progress=False, callbacks=[recorder])
    epoch = ["forward", "forward"]
    assert recorder.calls == ["train_begin", "epoch_begin 0", *epoch, "epoch_end 0",
                              "epoch_begin 1", *epoch, "epoch_end 1", "train_end"]
    assert history.steps == 4
    # The collector is paused for the whole run (every hook saw it off) and back on after.
    assert recorder.gc_states == [False] * len(recorder.calls)
    assert gc.isenabled()


def test_gc_state_is_restored_after_an_exception(gc_enabled: None) -> None:
    X, y = make_xor()
    model = MLP(2, [2, 1], seed=0)
    seen: list[bool] = []

    def exploding_loss(preds: list[Any], targets: list[Any]) -> Any:
        seen.append(gc.isenabled())
        if len(seen) == 3:
            raise RuntimeError("loss failed on the third batch")
        return mse(preds, targets)

    with pytest.raises(RuntimeError, match="third batch"):
        fit(model, exploding_loss, SGD(model.parameters(), lr=0.1), (X, y), epochs=5,
            progress=False)
    assert seen == [False, False, False]
    assert gc.isenabled()
    assert all(p.grad == 0.0 for p in model.parameters()) and not model.training


def test_a_disabled_collector_stays_disabled(gc_enabled: None) -> None:
    gc.disable()
    X, y = make_xor()
    model = MLP(2, [2, 1], seed=0)
    fit(model, mse, SGD(model.parameters(), lr=0.1), (X, y), epochs=2, progress=False)
    assert not gc.isenabled()
    with pytest.raises(ValueError), paused_cyclic_gc():
        raise ValueError("inside")
    assert not gc.isenabled()


def test_on_train_end_runs_even_when_training_fails() -> None:
    recorder = Recorder()

    class Boom(Callback):
        def on_epoch_end(self, run: TrainingRun) -> None:
            raise KeyError("boom")

    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(KeyError):
        fit(model, mse, SGD(model.parameters()), make_xor(), epochs=3, progress=False,
            callbacks=[recorder, Boom()])
    assert recorder.calls[-1] == "train_end"


def test_a_callback_can_stop_before_the_update_keeping_the_measured_parameters() -> None:
    X, y = make_moons(12, seed=0)
    model = MLP(2, [3, 1], seed=0)

    class StopAtThirdForward(Callback):
        def __init__(self) -> None:
            self.count = 0
            self.params_seen: list[float] = []

        def on_forward(self, run: TrainingRun, loss: float,
                       accuracy: float | None) -> str | None:
            self.count += 1
            if self.count == 3:
                self.params_seen = [p.data for p in run.model.parameters()]
                self.loss = loss
                return "enough"
            return None

    stopper = StopAtThirdForward()
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, hinge, opt, (X, y), epochs=5, batch_size=4, progress=False,
                  callbacks=[stopper])
    assert history.stop_reason == "enough" and history.stopped_early
    assert history.steps == opt.steps == 2                    # the third step was not taken
    assert [p.data for p in model.parameters()] == stopper.params_seen
    assert history.epoch_loss == [stopper.loss]


def _replay_plateau(losses: list[float], lr: float, factor: float, patience: int,
                    threshold: float) -> list[float]:
    """ReduceLROnPlateau by hand (PyTorch's 'rel' mode): the rate after each epoch."""
    best, bad, rates = math.inf, 0, []
    for loss in losses:
        if best == math.inf or loss < best - threshold * abs(best):
            best, bad = loss, 0
        else:
            bad += 1
            if bad > patience:
                lr, bad = lr * factor, 0
        rates.append(lr)
    return rates


def test_plateau_and_fixed_schedules_are_stepped_with_the_same_call() -> None:
    # A rate far too large makes full-batch MSE grow every epoch: a plateau that never ends.
    X, T = [[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0]
    model = MLP(1, [1], seed=0)
    opt = SGD(model.parameters(), lr=0.5)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    history = fit(model, mse, opt, (X, T), epochs=8, schedule=sched, progress=False)
    expected = _replay_plateau(history.epoch_loss[:-1], 0.5, 0.5, 1, 1e-4)
    assert history.lr == pytest.approx([0.5, *expected])
    assert history.lr[-1] < 0.5                              # it did reduce

    for make, closed_form in [
        (lambda o: StepLR(o, step_size=2, gamma=0.5), lambda k: 0.5 * 0.5 ** (k // 2)),
        (lambda o: ExponentialLR(o, gamma=0.9), lambda k: 0.5 * 0.9 ** k),
        (lambda o: CosineLR(o, total=4), lambda k: 0.25 * (1 + math.cos(math.pi * min(k, 4)
                                                                         / 4))),
    ]:
        model = MLP(1, [1], seed=0)
        opt = SGD(model.parameters(), lr=0.5)
        history = fit(model, mse, opt, (X, T), epochs=6, schedule=make(opt),
                      progress=False)
        assert history.lr == pytest.approx([closed_form(k) for k in range(6)])


def test_schedule_step_takes_metrics_everywhere_and_metric_is_deprecated() -> None:
    opt = SGD([MLP(1, [1], seed=0).parameters()[0]], lr=1.0)
    assert StepLR(opt, step_size=1, gamma=0.5).step(123.0) == 0.5      # ignored
    plateau = ReduceLROnPlateau(SGD(opt.params, lr=1.0), factor=0.5, patience=0)
    plateau.step(metrics=2.0)
    with pytest.warns(DeprecationWarning, match="metrics="):
        assert plateau.step(metric=3.0) == 0.5
    with pytest.raises(TypeError, match="unexpected keyword argument 'loss'"):
        plateau.step(loss=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(TypeError, match="not both"):
            plateau.step(1.0, metric=1.0)


def test_stopping_rules_as_objects_equal_the_keywords() -> None:
    X, T = [[1.0], [2.0], [3.0]], [1.0, 2.0, 3.0]
    runs = []
    for kwargs in ({"patience": 2}, {"callbacks": [EarlyStopping(patience=2)]}):
        model = MLP(1, [1], seed=0)
        history = fit(model, mse, SGD(model.parameters(), lr=1.0), (X, T), epochs=50,
                      progress=False, **kwargs)  # type: ignore[arg-type]
        runs.append((history.epoch_loss, history.stop_reason,
                     [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]
    assert runs[0][1].startswith("no improvement for 2 epochs")

    X, y = make_moons(30, seed=0)
    results = []
    for kwargs in ({"target_accuracy": 0.9}, {"callbacks": [TargetAccuracy(0.9)]}):
        model = MLP(2, [16, 1], seed=0)
        history = fit(model, hinge, SGD(model.parameters(), lr=0.1, momentum=0.9), (X, y),
                      epochs=60, progress=False, **kwargs)  # type: ignore[arg-type]
        results.append((history.steps, history.stop_reason))
    assert results[0] == results[1]
    assert re.fullmatch(r"reached \d+(\.\d)? % training accuracy after \d+ steps", results[0][1])


def test_progress_bar_shows_the_epoch_that_reached_the_target(
        capsys: pytest.CaptureFixture[str]) -> None:
    model = MLP(1, [1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.b.data = -1.0, 0.5                # 9 steps to separate (see
    X, Y = [[1.0], [2.0], [-1.0], [-3.0]], [1, 1, -1, -1]     # test_train_stop's replay)
    history = fit(model, hinge, SGD(model.parameters(), lr=0.1), (X, Y), epochs=50,
                  target_accuracy=1.0)
    assert history.steps == 9 and len(history.epoch_loss) == 10
    # The bar counts the epochs whose steps were made (9, as the steps), and shows the
    # numbers of the returned model, measured by the tenth forward pass.
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "9/50" in final and "acc=100.0%" in final, final
    assert "10/50" not in final


@pytest.mark.parametrize("kwargs,match", [
    ({"callbacks": [lambda run: None]}, "Callback instances"),
    ({"callback": 3}, "function"),
    ({"schedule": "cosine"}, "Schedule"),
])
def test_bad_callbacks_are_refused_before_training(kwargs: dict[str, Any], match: str) -> None:
    model = MLP(2, [2, 1], seed=0)
    start = [p.data for p in model.parameters()]
    with pytest.raises(TypeError, match=match):
        fit(model, mse, SGD(model.parameters()), make_xor(), progress=False, **kwargs)
    assert [p.data for p in model.parameters()] == start


def test_a_schedule_for_another_optimizer_is_refused() -> None:
    model = MLP(2, [2, 1], seed=0)
    other = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="another optimizer"):
        fit(model, mse, SGD(model.parameters()), make_xor(), progress=False,
            schedule=StepLR(other, step_size=1))
