"""Code written for micrograd 0.1.0 runs unchanged on autograd_lite, with the same numbers.

The reference is micrograd itself (installed from PyPI). Its demo notebook's training loop is
written once, below, as a function of the two modules it imports; it runs on both engines
from the same ``random.seed`` and the losses, accuracies and every parameter are compared.
"""

from __future__ import annotations

import gc
import math
import random
from types import ModuleType
from typing import Any

import micrograd.engine
import micrograd.nn
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite
import autograd_lite.nn
from autograd_lite.datasets import make_moons

ENGINES = {"micrograd": (micrograd.engine, micrograd.nn),
           "autograd_lite": (autograd_lite, autograd_lite.nn)}
STEPS = 4


def micrograd_demo(engine: ModuleType, nn: ModuleType, steps: int) -> dict[str, Any]:
    """micrograd's demo.ipynb training loop, as written there (only the imports swapped,
    and the data from our make_moons instead of sklearn's)."""
    Value, MLP = engine.Value, nn.MLP
    random.seed(1337)
    X, y = make_moons(100, noise=0.1, seed=1337)

    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss(batch_size: int | None = None) -> tuple[Any, float]:
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        # forward the model to get scores
        scores = list(map(model, inputs))
        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    record: dict[str, Any] = {"repr": repr(model), "losses": [], "accuracies": [],
                              "parameters": [[p.data for p in model.parameters()]]}
    for k in range(steps):
        # forward
        total_loss, acc = loss()
        # backward
        model.zero_grad()
        total_loss.backward()
        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        record["losses"].append(total_loss.data)
        record["accuracies"].append(acc)
        record["parameters"].append([p.data for p in model.parameters()])
    return record


@pytest.fixture(scope="module")
def demo_runs() -> dict[str, dict[str, Any]]:
    # micrograd's graphs are reference cycles: with the cycle collector running during the
    # steps, it dominates the time; collect once at the end instead.
    gc.disable()
    try:
        return {name: micrograd_demo(engine, nn, STEPS)
                for name, (engine, nn) in ENGINES.items()}
    finally:
        gc.enable()
        gc.collect()


def test_demo_training_matches_micrograd(demo_runs: dict[str, dict[str, Any]]) -> None:
    ref, ours = demo_runs["micrograd"], demo_runs["autograd_lite"]
    assert ours["accuracies"] == ref["accuracies"]
    assert ours["losses"] == pytest.approx(ref["losses"], rel=1e-9)
    assert len(ours["parameters"]) == len(ref["parameters"]) == STEPS + 1
    assert ours["parameters"][0] == ref["parameters"][0]    # same random.seed, same draws
    for step, (p_ours, p_ref) in enumerate(zip(ours["parameters"], ref["parameters"])):
        assert len(p_ours) == len(p_ref) == 337
        assert p_ours == pytest.approx(p_ref, rel=1e-9, abs=1e-12), f"step {step}"


def test_demo_training_makes_progress(demo_runs: dict[str, dict[str, Any]]) -> None:
    losses = demo_runs["autograd_lite"]["losses"]
    assert losses[-1] < losses[0]


def test_module_reprs_match_micrograd(demo_runs: dict[str, dict[str, Any]]) -> None:
    assert demo_runs["autograd_lite"]["repr"] == demo_runs["micrograd"]["repr"]
    for args in [(3, [4, 1]), (1, [1]), (2, [3, 3, 2])]:
        reprs = []
        for _, nn in ENGINES.values():
            random.seed(0)
            model = nn.MLP(*args)
            reprs.append((repr(model), repr(model.layers[0]), repr(model.layers[0].neurons[0]),
                          len(model.parameters())))
        assert reprs[0] == reprs[1]
    for nonlin in (True, False):
        assert repr(autograd_lite.nn.Neuron(5, nonlin=nonlin)) == repr(
            micrograd.nn.Neuron(5, nonlin=nonlin))
        assert repr(autograd_lite.nn.Layer(2, 3, nonlin=nonlin)) == repr(
            micrograd.nn.Layer(2, 3, nonlin=nonlin))


def test_parameters_and_zero_grad_behave_like_micrograd() -> None:
    models = []
    for _, nn in ENGINES.values():
        random.seed(7)
        models.append(nn.MLP(3, [4, 2]))
    ours, ref = models[1], models[0]
    assert [p.data for p in ours.parameters()] == [p.data for p in ref.parameters()]
    for m in models:
        for p in m.parameters():
            p.grad = 1.5
        m.zero_grad()
        assert all(p.grad == 0 for p in m.parameters())
    # a layer of one neuron returns the bare value; of several, a list
    assert isinstance(ours([1.0, 2.0, 3.0]), list) and isinstance(ref([1.0, 2.0, 3.0]), list)


# --- random expressions replayed in micrograd's Value ---------------------------------------
# micrograd 0.1.0 supports + - * / ** (number exponent), unary -, relu (no exp or tanh).
assert not hasattr(micrograd.engine.Value, "exp") and not hasattr(micrograd.engine.Value, "tanh")


def _apply_op(op: str, a: Any, b: Any, k: float) -> Any | None:
    """One micrograd-supported op on two nodes of the same engine (None: outside the domain,
    decided from the data so both engines make the same choice)."""
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "rsub":
        return k - a
    if op == "mul":
        return a * b if abs(a.data * b.data) < 1e3 else None
    if op == "div":
        return a / b if abs(b.data) > 0.1 and abs(a.data / b.data) < 1e3 else None
    if op == "rdiv":
        return k / a if abs(a.data) > 0.1 else None
    if op == "neg":
        return -a
    if op == "powi":
        return a ** 2 if abs(a.data) < 30 else None
    if op == "powf":
        return a ** 0.5 if a.data > 0.1 else None
    if op == "inv":
        return a ** -1 if abs(a.data) > 0.1 else None
    if op == "relu":
        return a.relu() if abs(a.data) > 1e-9 else None
    if op == "radd":
        return k + a
    if op == "rmul":
        return k * a
    raise AssertionError(op)


OPS = ["add", "sub", "rsub", "mul", "div", "rdiv", "neg", "powi", "powf", "inv", "relu",
       "radd", "rmul"]


@given(st.data())
def test_random_expressions_match_micrograd(data: st.DataObject) -> None:
    leaves = data.draw(st.lists(st.floats(-3, 3), min_size=1, max_size=4), label="leaves")
    pools: dict[str, list[Any]] = {name: [eng.Value(x) for x in leaves]
                                   for name, (eng, _) in ENGINES.items()}
    for _ in range(data.draw(st.integers(1, 30), label="n_ops")):
        op = data.draw(st.sampled_from(OPS), label="op")
        n = len(pools["micrograd"])
        i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
        k = data.draw(st.sampled_from([-2.0, 0.5, 1.0, 3]), label="k")
        made = {name: _apply_op(op, pool[i], pool[j], k) for name, pool in pools.items()}
        if made["micrograd"] is None:
            continue
        for name, node in made.items():
            pools[name].append(node)
    roots = {name: pool[-1] for name, pool in pools.items()}
    assert math.isclose(roots["autograd_lite"].data, roots["micrograd"].data,
                        rel_tol=1e-12, abs_tol=1e-12)
    for root in roots.values():
        root.backward()
    for ref, ours in zip(pools["micrograd"][:len(leaves)], pools["autograd_lite"]):
        assert math.isclose(ours.grad, ref.grad, rel_tol=1e-9, abs_tol=1e-9), (ours, ref)
