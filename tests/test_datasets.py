"""Toy datasets: shapes, labels, geometry (closed forms), seeding, splitting, batching."""

from __future__ import annotations

import math
import random

import pytest

from autograd_lite.datasets import (
    batches,
    make_circles,
    make_moons,
    make_sine,
    make_spirals,
    make_xor,
    train_test_split,
)


def test_moons_geometry_without_noise() -> None:
    X, y = make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == -1:   # upper moon: the unit half circle
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:             # lower moon: centred at (1, 0.5)
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert y.count(1) == y.count(-1) == 20


def test_generators_are_seeded_and_leave_global_random_alone() -> None:
    random.seed(3)
    state = random.getstate()
    for make in (make_moons, make_circles, make_spirals, make_sine):
        assert make(30, seed=4) == make(30, seed=4)          # type: ignore[operator]
        assert make(30, seed=4) != make(30, seed=5)          # type: ignore[operator]
    assert random.getstate() == state


def test_circles_radii_and_noise() -> None:
    X, y = make_circles(60, noise=0.0, factor=0.3, seed=1)
    for x, label in zip(X, y):
        assert math.hypot(*x) == pytest.approx(0.3 if label == 1 else 1.0)
    noisy, _ = make_circles(2000, noise=0.1, factor=0.3, seed=1)
    clean, _ = make_circles(2000, noise=0.0, factor=0.3, seed=1)
    # the same shuffle is drawn first, so noise is the only difference: std ~ 0.1
    diffs = [a[0] - b[0] for a, b in zip(noisy, clean)]
    assert math.sqrt(sum(d * d for d in diffs) / len(diffs)) == pytest.approx(0.1, rel=0.1)


def test_spirals_classes_radius_and_angle() -> None:
    X, y = make_spirals(301, classes=4, noise=0.0, turns=0.5, seed=0)
    assert sorted(set(y)) == [0, 1, 2, 3]
    assert [y.count(k) for k in range(4)] == [76, 75, 75, 75]
    for (a, b), k in zip(X, y):
        r = math.hypot(a, b)
        assert r <= 1 + 1e-12
        if r > 1e-9:  # angle = 2 pi (k / 4 + 0.5 r)  (mod 2 pi)
            want = 2 * math.pi * (k / 4 + 0.5 * r)
            assert math.cos(want) * r == pytest.approx(a, abs=1e-9)
            assert math.sin(want) * r == pytest.approx(b, abs=1e-9)


def test_xor_labels_follow_exclusive_or() -> None:
    X, y = make_xor(40, noise=0.05, seed=2)
    for (a, b), label in zip(X, y):
        bits = (round(a), round(b))
        assert label == (1 if bits[0] != bits[1] else -1)
    assert make_xor(8)[0][:4] == make_xor(8)[0][4:]


def test_sine_targets() -> None:
    X, y = make_sine(21, noise=0.0)
    assert [x[0] for x in X] == pytest.approx([-math.pi + 2 * math.pi * i / 20
                                               for i in range(21)])
    assert y == pytest.approx([math.sin(x[0]) for x in X], abs=1e-12)


def test_train_test_split_is_a_partition_keeping_pairs() -> None:
    X = [[float(i)] for i in range(20)]
    y = list(range(20))
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_fraction=0.3, seed=5)
    assert (len(Xtr), len(Xte)) == (14, 6)
    assert sorted(ytr + yte) == y
    assert all(x[0] == t for x, t in zip(Xtr + Xte, ytr + yte))
    assert train_test_split(X, y, 0.3, seed=5) == (Xtr, Xte, ytr, yte)


def test_batches_cover_each_sample_once_and_shuffle() -> None:
    X, y = list(range(10)), [v * 10 for v in range(10)]
    got = list(batches(X, y, 3, seed=random.Random(1)))
    assert [len(xb) for xb, _ in got] == [3, 3, 3, 1]
    flat = [v for xb, _ in got for v in xb]
    assert sorted(flat) == X and flat != X
    assert all(t == 10 * v for xb, yb in got for v, t in zip(xb, yb))
    (full,) = list(batches(X, y))              # batch_size None: one full batch
    assert sorted(full[0]) == X
    assert [xb for xb, _ in batches(X, y, 1, shuffle=False)] == [[v] for v in X]


@pytest.mark.parametrize("call,match", [
    (lambda: make_circles(1), "n must be"),
    (lambda: make_moons(1), "make_moons: n must be"),
    (lambda: make_moons(10, noise=math.nan), "make_moons: noise"),
    (lambda: make_circles(10, factor=1.5), "factor"),
    (lambda: make_spirals(10, classes=1), "classes"),
    (lambda: make_xor(3), "n must be"),
    (lambda: make_sine(10, noise=-1.0), "noise"),
    (lambda: train_test_split([1, 2], [1], 0.5), "samples"),
    (lambda: train_test_split([1, 2], [1, 2], 1.5), "test_fraction"),
    (lambda: list(batches([1], [1], 0)), "batch_size"),
    (lambda: make_moons(10, noise=math.inf), "make_moons: noise must be a finite number >= 0"),
    (lambda: make_moons(10.0), "make_moons: n must be an int"),
    (lambda: make_moons(True), "make_moons: n must be an int"),
    (lambda: make_circles(10, noise=-math.inf), "make_circles: noise"),
    (lambda: make_circles(10, factor=math.nan), "make_circles: factor"),
    (lambda: make_spirals(10, turns=math.inf), "make_spirals: turns"),
    (lambda: make_spirals(10, classes=2.0), "make_spirals: classes"),
    (lambda: make_spirals(10, classes=11), "classes must be an int in \\[2, n\\]"),
    (lambda: make_xor(8, noise=10 ** 400), "make_xor: noise"),
    (lambda: make_sine(10, noise=math.nan), "make_sine: noise"),
    (lambda: train_test_split([1, 2], [1, 2], math.nan), "test_fraction"),
    (lambda: list(batches([1], [1], 1.0)), "batch_size"),
    (lambda: list(batches([1], [1], shuffle="no")), "shuffle"),
])
def test_bad_arguments(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_seed_accepts_an_int_a_generator_or_none_for_the_global_one() -> None:
    assert make_moons(20, seed=random.Random(4)) == make_moons(20, seed=4)
    assert train_test_split(list(range(9)), list(range(9)), seed=random.Random(2)) == \
        train_test_split(list(range(9)), list(range(9)), seed=2)
    random.seed(7)
    first = make_spirals(30, seed=None)
    random.seed(7)
    assert make_spirals(30, seed=None) == first
    X, y = list(range(7)), list(range(7))
    by_int = [yb for _, yb in batches(X, y, 3, seed=1)]
    assert [yb for _, yb in batches(X, y, 3, seed=random.Random(1))] == by_int
    order = list(range(7))
    random.Random(1).shuffle(order)                  # the shuffle done by hand
    assert [v for yb in by_int for v in yb] == order
    with pytest.warns(DeprecationWarning, match="rng= is deprecated"):
        old = [yb for _, yb in batches(X, y, 3, rng=random.Random(1))]
    assert old == by_int
    with pytest.raises(TypeError, match=r"make_moons: seed must be an int.*1.5"):
        make_moons(10, seed=1.5)  # type: ignore[arg-type]


def test_numpy_counts_and_rates_are_accepted() -> None:
    np = pytest.importorskip("numpy")
    assert make_moons(np.int64(12), noise=np.float32(0.1), seed=3) == make_moons(
        12, noise=float(np.float32(0.1)), seed=3)
    X, y = make_spirals(np.int32(9), classes=np.int64(3), seed=0)
    assert len(X) == 9 and sorted(set(y)) == [0, 1, 2]
    assert [yb for _, yb in batches([1, 2, 3], [1, 2, 3], np.int64(2), shuffle=False)] == [
        [1, 2], [3]]


def test_drop_last_leaves_out_the_short_batch() -> None:
    sizes = [len(yb) for _, yb in batches(list(range(10)), list(range(10)), 4,
                                          drop_last=True)]
    assert sizes == [4, 4]
    everything = [v for _, yb in batches(list(range(10)), list(range(10)), 5, drop_last=True)
                  for v in yb]
    assert sorted(everything) == list(range(10))          # nothing dropped when it divides
