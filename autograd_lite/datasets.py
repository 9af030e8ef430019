"""Small seeded toy datasets in pure Python (no numpy needed).

Every generator takes ``seed`` and uses its own ``random.Random``, so results are
reproducible and the global random state is left alone.
"""

from __future__ import annotations

import math
import random

__all__ = ["make_moons"]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0
               ) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles; labels are -1 and +1 (as micrograd's demo uses).

    Returns ``(X, y)``: ``n`` points ``[x1, x2]`` and their labels.

    >>> X, y = make_moons(10, seed=1)
    >>> len(X), sorted(set(y))
    (10, [-1, 1])
    """
    if n < 2:
        raise ValueError(f"make_moons: n must be at least 2, got {n}")
    if noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise}")
    rng = random.Random(seed)
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
