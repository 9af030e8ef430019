"""fit's stopping rules against a hand replay: stopping at target_accuracy leaves the model
that was measured, no half-taken step, and no gradient behind."""

from __future__ import annotations

import pytest

from autograd_lite.nn import MLP, SGD, fit, hinge

X1 = [1.0, 2.0, -1.0, -3.0]
Y = [1, 1, -1, -1]


def _hand_replay(w: float, b: float, lr: float) -> tuple[int, float, float, list[float]]:
    """Full-batch gradient descent on the hinge loss of s = w x + b, derived by hand:
    dL/dw = (1/n) sum over margins > 0 of -y x, dL/db = (1/n) sum of -y. Stops before the
    first update whose starting point already classifies every sample."""
    steps, accs = 0, []
    while True:
        s = [w * x + b for x in X1]
        acc = sum((si > 0) == (y > 0) for si, y in zip(s, Y)) / len(Y)
        if acc >= 1.0:
            return steps, w, b, accs
        accs.append(acc)
        active = [(x, y) for x, y, si in zip(X1, Y, s) if 1 - y * si > 0]
        w -= lr * sum(-y * x for x, y in active) / len(Y)
        b -= lr * sum(-y for _, y in active) / len(Y)
        steps += 1


def _linear_model(w: float, b: float) -> MLP:
    model = MLP(1, [1], seed=0)          # one linear neuron: s = w x + b
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.b.data = w, b
    return model


def test_target_accuracy_stops_before_backward_and_keeps_the_measured_model() -> None:
    steps, w, b, accs = _hand_replay(-1.0, 0.5, 0.1)
    assert steps == 9                                        # the replay needs several steps
    model = _linear_model(-1.0, 0.5)
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, hinge, opt, ([[x] for x in X1], Y), epochs=50,
                  target_accuracy=1.0, progress=False)
    assert history.stopped_early and history.stopped_on_forward
    assert history.stop_reason == f"reached 100 % training accuracy after {steps} steps"
    assert history.steps == opt.steps == steps               # no half-taken last step
    assert history.epoch_steps == [*range(1, steps + 1), steps]   # the check makes none
    assert len(history.grad_norms) == len(history.lr) == steps
    assert history.accuracy == pytest.approx(accs)           # every recorded step was < 1
    neuron = model.layers[0].neurons[0]
    assert neuron.w[0].data == pytest.approx(w, rel=1e-12)
    assert neuron.b.data == pytest.approx(b, rel=1e-12)
    assert all(p.grad == 0.0 for p in model.parameters())    # no stale gradient
    # The last epoch's numbers are those of the model returned, recomputed by hand.
    s = [w * x + b for x in X1]
    assert history.epoch_accuracy[-1] == 1.0
    assert history.epoch_loss[-1] == pytest.approx(
        sum(max(0.0, 1 - y * si) for si, y in zip(s, Y)) / len(Y), rel=1e-12)
    assert len(history.epoch_loss) == steps + 1              # 9 epochs of 1 step, then the check


def test_target_reached_at_the_start_takes_no_step() -> None:
    model = _linear_model(1.0, 0.0)                          # already classifies all four
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, hinge, opt, ([[x] for x in X1], Y), epochs=5, target_accuracy=1.0,
                  progress=False)
    assert history.steps == opt.steps == 0 and history.stopped_early
    assert [p.data for p in model.parameters()] == [1.0, 0.0]


def test_gradients_are_zero_when_fit_returns_or_raises() -> None:
    data = ([[x] for x in X1], Y)
    model = _linear_model(-1.0, 0.5)
    fit(model, hinge, SGD(model.parameters(), lr=0.1), data, epochs=2, progress=False)
    assert all(p.grad == 0.0 for p in model.parameters())

    def boom(epoch: int, history: object) -> bool:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        fit(model, hinge, SGD(model.parameters(), lr=0.1), data, epochs=2, progress=False,
            callback=boom)
    assert all(p.grad == 0.0 for p in model.parameters()) and not model.training
