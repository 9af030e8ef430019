"""How a node's name is written after ``∂`` or ``d`` (and as an operand in a formula).

micrograd's lecture labels nodes with whole expressions (``x1*w1``, ``x1*w1 + x2*w2``).
Written bare after ``d``, such a name reads wrong: ``do/dx1*w1`` looks like
``(do/dx1)*w1``. Every place that writes a derivative (pictures, transcripts, diagnoses,
the player, the playground) brackets such names with :func:`d_of`.
"""

from __future__ import annotations

import re

__all__ = ["d_of"]

_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?")


def d_of(name: str) -> str:
    """``name`` as it goes after ``∂`` or ``d``: as is when it is a plain identifier
    (``w1``, ``x_2``) or a plain number (``3``, ``0.5``), else in brackets.

    >>> d_of("w1"), d_of("x1*w1"), d_of("x1*w1 + x2*w2"), d_of("2.5")
    ('w1', '(x1*w1)', '(x1*w1 + x2*w2)', '2.5')
    >>> f"do/d{d_of('x1*w1')}"
    'do/d(x1*w1)'
    >>> d_of(3)
    Traceback (most recent call last):
    ...
    TypeError: d_of: name must be a str, got 3 of type int
    """
    if not isinstance(name, str):
        raise TypeError(f"d_of: name must be a str, got {name!r} of type {type(name).__name__}")
    if name.isidentifier() or _NUMBER.fullmatch(name):
        return name
    return f"({name})"
