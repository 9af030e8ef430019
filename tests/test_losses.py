"""Losses against their textbook formulas (Python's math) and closed-form gradients."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.nn import (
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l1_penalty,
    l2_penalty,
    mae,
    mse,
)

floats = st.floats(-5, 5, allow_nan=False)
pairs = st.lists(st.tuples(floats, floats), min_size=1, max_size=6)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@given(pairs)
def test_mse_value_and_gradient(data: list[tuple[float, float]]) -> None:
    ps = [Value(p) for p, _ in data]
    ts = [t for _, t in data]
    n = len(data)
    loss = mse(ps, ts)
    assert loss.data == pytest.approx(sum((p - t) ** 2 for p, t in data) / n, abs=1e-12)
    loss.backward()
    assert [p.grad for p in ps] == pytest.approx([2 * (p - t) / n for p, t in data], abs=1e-12)


@given(pairs)
def test_mae_value_and_gradient(data: list[tuple[float, float]]) -> None:
    ps = [Value(p) for p, _ in data]
    loss = mae(ps, [t for _, t in data])
    n = len(data)
    assert loss.data == pytest.approx(sum(abs(p - t) for p, t in data) / n, abs=1e-12)
    loss.backward()
    sign = [(1 if p > t else -1 if p < t else 0) / n for p, t in data]
    assert [p.grad for p in ps] == pytest.approx(sign)


@given(st.lists(st.tuples(floats, st.sampled_from([-1, 1])), min_size=1, max_size=6))
def test_hinge_value_and_gradient(data: list[tuple[float, int]]) -> None:
    ss = [Value(s) for s, _ in data]
    loss = hinge(ss, [y for _, y in data])
    n = len(data)
    assert loss.data == pytest.approx(sum(max(0.0, 1 - y * s) for s, y in data) / n, abs=1e-12)
    loss.backward()
    # d/ds max(0, 1 - y s) = -y where the margin is violated, 0 elsewhere (relu'(0) = 0).
    assert [s.grad for s in ss] == pytest.approx([(-y if 1 - y * s > 0 else 0) / n
                                                  for s, y in data])


@given(st.lists(st.tuples(floats, st.floats(0, 1)), min_size=1, max_size=6))
def test_binary_cross_entropy_matches_textbook_and_gradient(
        data: list[tuple[float, float]]) -> None:
    zs = [Value(z) for z, _ in data]
    loss = binary_cross_entropy(zs, [t for _, t in data])
    n = len(data)
    textbook = sum(-t * math.log(sigmoid(z)) - (1 - t) * math.log(1 - sigmoid(z))
                   for z, t in data) / n
    assert loss.data == pytest.approx(textbook, rel=1e-9, abs=1e-12)
    loss.backward()
    assert [z.grad for z in zs] == pytest.approx([(sigmoid(z) - t) / n for z, t in data],
                                                 abs=1e-12)


def test_binary_cross_entropy_is_stable_for_huge_logits() -> None:
    # Textbook form would take log(0) here; the true values are 0 and |z|.
    z = [Value(1000.0), Value(-1000.0), Value(-1000.0)]
    loss = binary_cross_entropy(z, [1, 0, 1])
    assert loss.data == pytest.approx(1000.0 / 3)
    loss.backward()
    assert [v.grad for v in z] == pytest.approx([0.0, 0.0, -1 / 3])


@pytest.mark.parametrize(("z", "t"), [(40.0, 1), (-40.0, 0), (20.0, 1), (-20.0, 0),
                                      (37.5, 0.25), (-37.5, 0.75)])
def test_binary_cross_entropy_keeps_tiny_losses(z: float, t: float) -> None:
    # By hand: loss = t*log(1 + e^-z) + (1 - t)*log(1 + e^z), each term with log1p. The
    # textbook-simplified softplus(z) - t*z cancels to 0 for a confident, correct logit.
    loss = binary_cross_entropy([Value(z)], [t])
    expected = t * math.log1p(math.exp(-z)) + (1 - t) * math.log1p(math.exp(z))
    assert loss.data == pytest.approx(expected, rel=1e-12)


@given(st.lists(st.lists(floats, min_size=3, max_size=3), min_size=1, max_size=4),
       st.data())
def test_cross_entropy_matches_softmax_and_gradient(rows: list[list[float]],
                                                    data: st.DataObject) -> None:
    labels = [data.draw(st.integers(0, 2)) for _ in rows]
    scores = [[Value(s) for s in row] for row in rows]
    loss = cross_entropy(scores, labels)
    n = len(rows)

    def softmax(row: list[float]) -> list[float]:
        e = [math.exp(s) for s in row]
        return [v / sum(e) for v in e]

    textbook = sum(-math.log(softmax(row)[y]) for row, y in zip(rows, labels)) / n
    assert loss.data == pytest.approx(textbook, rel=1e-9, abs=1e-12)
    loss.backward()
    for row, vs, y in zip(rows, scores, labels):
        expected = [(p - (1 if j == y else 0)) / n for j, p in enumerate(softmax(row))]
        assert [v.grad for v in vs] == pytest.approx(expected, abs=1e-12)


@given(st.lists(floats, min_size=2, max_size=4), st.floats(-500, 500))
def test_cross_entropy_ignores_a_common_shift(row: list[float], shift: float) -> None:
    a = cross_entropy([[Value(s) for s in row]], [0]).data
    b = cross_entropy([[Value(s + shift) for s in row]], [0]).data
    assert a == pytest.approx(b, abs=1e-9)


def test_cross_entropy_is_stable_for_huge_scores() -> None:
    loss = cross_entropy([[Value(1000.0), Value(998.0)]], [1])
    assert loss.data == pytest.approx(2 + math.log1p(math.exp(-2)))


def test_penalties() -> None:
    ps = [Value(1.5), Value(-2.0), Value(0.0)]
    l2 = l2_penalty(ps, 0.1)
    assert l2.data == pytest.approx(0.1 * (2.25 + 4.0))
    l2.backward()
    assert [p.grad for p in ps] == pytest.approx([0.3, -0.4, 0.0])
    for p in ps:
        p.grad = 0.0
    l1 = l1_penalty(ps, 0.5)
    assert l1.data == pytest.approx(1.75)
    l1.backward()
    assert [p.grad for p in ps] == pytest.approx([0.5, -0.5, 0.0])


def test_one_element_lists_are_accepted_as_scores() -> None:
    assert mse([[Value(2.0)]], [1.0]).data == 1.0


def test_losses_build_few_nodes() -> None:
    # The batch sums are fused: an MSE over 100 samples is 100 residual nodes + dot + scale.
    ps = [Value(float(i)) for i in range(100)]
    loss = mse(ps, [0.0] * 100)
    assert len(loss.parents[0].parents) == 200   # dot(residuals, residuals)


@pytest.mark.parametrize("call,match", [
    (lambda: mse([Value(1.0)], [1.0, 2.0]), "1 predictions but 2 targets"),
    (lambda: mse([], []), "at least one"),
    (lambda: mse([Value(1.0)], [math.nan]), "finite"),
    (lambda: hinge([Value(1.0)], [0]), "-1 or \\+1"),
    (lambda: binary_cross_entropy([Value(1.0)], [-1]), "\\[0, 1\\]"),
    (lambda: cross_entropy([[Value(1.0), Value(2.0)]], [2]), "label"),
    (lambda: cross_entropy([[Value(1.0)]], [0]), ">= 2 class scores"),
    (lambda: mse([[Value(1.0), Value(2.0)]], [1.0]), "one score per sample"),
    (lambda: mse([Value(1.0)], [10 ** 400]), "mse: targets must be finite numbers"),
    (lambda: hinge([Value(1.0)], [True]), "hinge: targets must be finite numbers, got True"),
    (lambda: cross_entropy([[Value(1.0), Value(2.0)]], [1.0]), "label must be an int"),
    (lambda: l2_penalty([Value(1.0)], math.nan), "l2_penalty: weight"),
    (lambda: l1_penalty([Value(1.0)], -1.0), "l1_penalty: weight"),
])
def test_bad_inputs_name_the_loss(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_numpy_labels_and_targets_are_plain_numbers() -> None:
    np = pytest.importorskip("numpy")
    scores = [Value(0.5), Value(-2.0), Value(0.3)]
    assert hinge(scores, np.array([1, -1, -1])).data == hinge(scores, [1, -1, -1]).data
    assert mse(scores, np.array([0.5, 1.0, 0.0])).data == mse(scores, [0.5, 1.0, 0.0]).data
    rows = [[Value(1.0), Value(2.0)], [Value(0.5), Value(-1.0)]]
    assert cross_entropy(rows, np.array([1, 0])).data == cross_entropy(rows, [1, 0]).data
    assert binary_cross_entropy(scores[:2], np.array([1, 0])).data == binary_cross_entropy(
        scores[:2], [1, 0]).data
