"""Real data shipped with the package (standard library only to load).

``load_digits``: the UCI handwritten digits (optdigits), 1,797 images of 8x8 pixels,
by E. Alpaydin and C. Kaynak, under CC BY 4.0 (see ``DIGITS_LICENSE.txt`` beside it).
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

__all__ = ["load_digits"]

_HERE = Path(__file__).parent


def load_digits(scale: bool = True) -> tuple[list[list[float]], list[int]]:
    """The handwritten digits: ``(X, y)``, 1,797 images and their digits 0..9.

    Each image is a list of 64 pixels, row by row (8x8). Pixels are 0..16 in the data;
    with ``scale`` (the default) they are divided by 16, so they lie in [0, 1].

    >>> X, y = load_digits()
    >>> len(X), len(X[0]), sorted(set(y)) == list(range(10))
    (1797, 64, True)
    >>> max(max(row) for row in X), y[:5]
    (1.0, [0, 1, 2, 3, 4])
    """
    with gzip.open(_HERE / "digits.csv.gz", "rb") as raw:
        rows = list(csv.reader(io.TextIOWrapper(raw, encoding="ascii")))
    divisor = 16.0 if scale else 1.0
    X = [[int(v) / divisor for v in row[:64]] for row in rows]
    y = [int(row[64]) for row in rows]
    return X, y
