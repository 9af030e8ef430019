"""Small seeded toy datasets in pure Python (no numpy needed).

Every generator takes ``seed``, as does everything in autograd_lite that draws random
numbers: an int gives a private ``random.Random(seed)`` (reproducible, the global random
state is left alone), a ``random.Random`` is used as it is (and advanced), and ``None``
draws from Python's global ``random`` (so ``random.seed(...)`` controls it). Data sets,
``train_test_split``, ``batches`` and ``fit`` default to ``seed=0``; the models (``MLP``,
``Layer``, ``Neuron``, ``Dropout``) default to ``None``, which is micrograd's behaviour.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import random
import warnings
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["batches", "make_circles", "make_moons", "make_sine", "make_spirals", "make_xor",
           "train_test_split"]

def rng_from_seed(seed: int | random.Random | None, what: str) -> random.Random:
    """The generator that ``seed`` stands for: ``random.Random(seed)`` for an int, the
    generator itself for a ``random.Random``, Python's global one for ``None``. ``what``
    names the caller in the error for anything else.

    >>> rng_from_seed(3, "demo").random() == random.Random(3).random()
    True
    >>> g = random.Random(1); rng_from_seed(g, "demo") is g
    True
    >>> rng_from_seed(None, "demo").random == random.random   # the global generator
    True
    """
    if seed is None:
        return _GLOBAL_RANDOM
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{what}: seed must be an int, a random.Random or None, got {seed!r}")
    return random.Random(seed)


# The generator behind random.random, random.uniform, ... (what random.seed() seeds).
_GLOBAL_RANDOM: random.Random = random.random.__self__  # type: ignore[attr-defined]


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ in ("bool", "bool_")


def _count(name: str, what: str, value: Any, least: int) -> int:
    # An int (numpy's included, bools refused) of at least ``least``.
    if _is_bool(value) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name}: {what} must be an int >= {least}, got {value!r}")
    return int(value)


def _real(name: str, what: str, value: Any, low: float, high: float = math.inf,
          open_low: bool = False, open_high: bool = False) -> float:
    # A finite real number (numpy's included, bools refused) within the bounds.
    number = math.nan
    if not _is_bool(value) and isinstance(value, numbers.Real):
        with contextlib.suppress(OverflowError):  # an int beyond 1.8e308 stays nan
            number = float(value)
    ok = math.isfinite(number) and (number > low if open_low else number >= low) and (
        number < high if open_high else number <= high)
    if not ok:
        bounds = (f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
                  if math.isfinite(high) else f"{'>' if open_low else '>='} {low:g}")
        raise ValueError(f"{name}: {what} must be a finite number {bounds}, got {value!r}")
    return number


def _check(name: str, n: int, noise: float, least: int = 2) -> tuple[int, float]:
    return _count(name, "n", n, least), _real(name, "noise", noise, 0.0)


def make_moons(n: int = 100, noise: float = 0.1, seed: int | random.Random | None = 0
               ) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles; labels are -1 and +1 (as micrograd's demo uses).

    Returns ``(X, y)``: ``n`` points ``[x1, x2]`` and their labels.

    >>> X, y = make_moons(10, seed=1)
    >>> len(X), sorted(set(y))
    (10, [-1, 1])
    """
    n, noise = _check("make_moons", n, noise)
    rng = rng_from_seed(seed, "make_moons")
    n_outer = n // 2
    n_inner = n - n_outer
    X: list[list[float]] = []
    y: list[int] = []
    for i in range(n_outer):
        t = math.pi * i / max(n_outer - 1, 1)
        X.append([math.cos(t), math.sin(t)])
        y.append(-1)
    for i in range(n_inner):
        t = math.pi * i / max(n_inner - 1, 1)
        X.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        y.append(1)
    order = list(range(n))
    rng.shuffle(order)
    X = [[X[i][0] + rng.gauss(0.0, noise), X[i][1] + rng.gauss(0.0, noise)] for i in order]
    y = [y[i] for i in order]
    return X, y


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5,
                 seed: int | random.Random | None = 0
                 ) -> tuple[list[list[float]], list[int]]:
    """A circle of radius ``factor`` (label +1) inside a unit circle (label -1), each point
    moved by Gaussian ``noise``.

    >>> X, y = make_circles(8, noise=0.0, seed=0)
    >>> sorted({round(math.hypot(*x), 6) for x in X}), sorted(set(y))
    ([0.5, 1.0], [-1, 1])
    """
    n, noise = _check("make_circles", n, noise)
    factor = _real("make_circles", "factor", factor, 0.0, 1.0, open_low=True, open_high=True)
    rng = rng_from_seed(seed, "make_circles")
    n_outer = n // 2
    points: list[tuple[float, float, int]] = []
    for count, radius, label in ((n_outer, 1.0, -1), (n - n_outer, factor, 1)):
        for i in range(count):
            t = 2 * math.pi * i / count
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    rng.shuffle(points)
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b, _ in points]
    return X, [label for _, _, label in points]


def make_spirals(n: int = 300, classes: int = 3, noise: float = 0.2, turns: float = 0.6,
                 seed: int | random.Random | None = 0) -> tuple[list[list[float]], list[int]]:
    """``classes`` interleaved spiral arms (labels 0 .. classes-1), ``n`` points in all.

    Along arm ``k`` the radius grows from 0 to 1 while the angle turns by ``turns`` full
    circles (from ``2 pi k / classes``); ``noise`` is Gaussian jitter on the angle (radians,
    scaled by the radius so the centre stays tidy), as in CS231n's spiral.

    >>> X, y = make_spirals(30, classes=3, seed=0)
    >>> len(X), [y.count(k) for k in range(3)]
    (30, [10, 10, 10])
    """
    n, noise = _check("make_spirals", n, noise)
    classes = _count("make_spirals", "classes", classes, 2)
    if classes > n:
        raise ValueError(f"make_spirals: classes must be an int in [2, n], got {classes!r}")
    turns = _real("make_spirals", "turns", turns, 0.0, open_low=True)
    rng = rng_from_seed(seed, "make_spirals")
    X: list[list[float]] = []
    y: list[int] = []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        for i in range(count):
            r = i / max(count - 1, 1)
            t = 2 * math.pi * (k / classes + turns * r) + rng.gauss(0.0, noise) * r
            X.append([r * math.cos(t), r * math.sin(t)])
            y.append(k)
    order = list(range(n))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def make_xor(n: int = 4, noise: float = 0.0, seed: int | random.Random | None = 0
             ) -> tuple[list[list[float]], list[int]]:
    """Exclusive or: inputs near the corners of the unit square, label +1 where exactly one
    coordinate is 1, else -1. ``n=4`` gives the four corners once each (the classic task).

    >>> make_xor()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [-1, 1, 1, -1])
    """
    n, noise = _check("make_xor", n, noise, least=4)
    rng = rng_from_seed(seed, "make_xor")
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    X = [[c + rng.gauss(0.0, noise) if noise else c for c in corners[i % 4]]
         for i in range(n)]
    y = [1 if (i % 4) in (1, 2) else -1 for i in range(n)]
    return X, y


def make_sine(n: int = 50, noise: float = 0.1, seed: int | random.Random | None = 0
              ) -> tuple[list[list[float]], list[float]]:
    """1-D regression: ``x`` evenly spaced in [-pi, pi], ``y = sin(x)`` + Gaussian ``noise``.
    Inputs are one-element lists so they feed an ``MLP(1, ...)`` directly.

    >>> X, y = make_sine(3, noise=0.0)
    >>> [round(x[0], 4) for x in X], [abs(round(v, 4)) for v in y]
    ([-3.1416, 0.0, 3.1416], [0.0, 0.0, 0.0])
    """
    n, noise = _check("make_sine", n, noise)
    rng = rng_from_seed(seed, "make_sine")
    X = [[-math.pi + 2 * math.pi * i / (n - 1)] for i in range(n)]
    return X, [math.sin(x[0]) + rng.gauss(0.0, noise) for x in X]


def train_test_split(X: Sequence[T], y: Sequence[Any], test_fraction: float = 0.25,
                     seed: int | random.Random | None = 0
                     ) -> tuple[list[T], list[T], list[Any], list[Any]]:
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)`` (scikit-learn's order).

    >>> Xtr, Xte, ytr, yte = train_test_split(list(range(8)), list(range(8)), 0.25, seed=1)
    >>> len(Xtr), len(Xte), Xtr == ytr, sorted(Xtr + Xte) == list(range(8))
    (6, 2, True, True)
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} samples but y has {len(y)}")
    test_fraction = _real("train_test_split", "test_fraction", test_fraction, 0.0, 1.0,
                          open_low=True, open_high=True)
    n_test = round(len(X) * test_fraction)
    if not 0 < n_test < len(X):
        raise ValueError(f"train_test_split: {len(X)} samples cannot be split with "
                         f"test_fraction={test_fraction}")
    order = list(range(len(X)))
    rng_from_seed(seed, "train_test_split").shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return ([X[i] for i in train], [X[i] for i in test], [y[i] for i in train],
            [y[i] for i in test])


def batches(X: Sequence[T], y: Sequence[Any], batch_size: int | None = None,
            shuffle: bool = True, seed: int | random.Random | None = 0, *,
            rng: random.Random | None = None, drop_last: bool = False
            ) -> Iterator[tuple[list[T], list[Any]]]:
    """One epoch of mini-batches ``(X_batch, y_batch)``; the last may be smaller, unless
    ``drop_last`` leaves it out. ``batch_size=None`` is the full batch; ``1`` is stochastic
    gradient descent.
    Shuffling uses ``seed`` (an int, a ``random.Random`` to draw a new order from each call,
    or None for the global ``random``). ``rng=`` is the deprecated old name of ``seed``.

    >>> [yb for _, yb in batches([10, 20, 30], [1, 2, 3], 2, shuffle=False)]
    [[1, 2], [3]]
    """
    if rng is not None:
        warnings.warn("batches: rng= is deprecated, pass seed= (an int or a random.Random)",
                      DeprecationWarning, stacklevel=2)
        seed = rng
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} samples but y has {len(y)}")
    if batch_size is not None and (_is_bool(batch_size) or not isinstance(
            batch_size, numbers.Integral) or batch_size < 1):
        raise ValueError(f"batches: batch_size must be an int >= 1 or None, got {batch_size!r}")
    size = len(X) if batch_size is None else int(batch_size)
    if not _is_bool(shuffle) or not _is_bool(drop_last):
        raise ValueError(f"batches: shuffle and drop_last must be True or False, got "
                         f"shuffle={shuffle!r}, drop_last={drop_last!r}")
    order = list(range(len(X)))
    if shuffle:
        rng_from_seed(seed, "batches").shuffle(order)
    end = len(order) - len(order) % size if drop_last else len(order)
    for start in range(0, end, size):
        chunk = order[start:start + size]
        yield [X[i] for i in chunk], [y[i] for i in chunk]
