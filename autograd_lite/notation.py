"""How derivatives are written: names after ``∂`` or ``d``, and numbers in a formula.

micrograd's lecture labels nodes with whole expressions (``x1*w1``, ``x1*w1 + x2*w2``).
Written bare after ``d``, such a name reads wrong: ``do/dx1*w1`` looks like
``(do/dx1)*w1``. Every place that writes a derivative (pictures, transcripts, diagnoses,
the player, the playground) brackets such names with :func:`d_of`. A rule's formula with
its parameter put in by value (``c * x**(c-1)`` for ``f**2``) is tidied by :func:`tidy`
(``2 * f``, not ``2 * f**(2-1)``).
"""

from __future__ import annotations

import re

__all__ = ["d_of", "tidy"]

_NUM = r"[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
# (a - b) or (a + b) of two numbers, either of them possibly negative in brackets: (2-1),
# ((-1)-1), (0.5 - 1).
_SUM = re.compile(rf"\(\s*(\(-{_NUM}\)|-?{_NUM})\s*([-+])\s*(\(-{_NUM}\)|{_NUM})\s*\)")
_POWER_ONE = re.compile(r"\*\*\s*1(?![0-9.eE])")
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


def tidy(formula: str) -> str:
    """A formula with its numbers worked out: a bracketed sum or difference of two numbers
    becomes its value, and a power of 1 goes (``f**(2-1)`` is ``f``). Names are left alone.

    >>> tidy("2 * f**(2-1)"), tidy("3 * f**(3-1)"), tidy("0.5 * x**(0.5-1)")
    ('2 * f', '3 * f**2', '0.5 * x**(-0.5)')
    >>> tidy("(-1) * x**((-1)-1)"), tidy("1 if x > 0 else 0.01"), tidy("w2 * (x1-1)")
    ('(-1) * x**(-2)', '1 if x > 0 else 0.01', 'w2 * (x1-1)')
    """
    def value(text: str) -> float:
        return float(text.strip("()"))

    def fold(m: re.Match[str]) -> str:
        a, op, b = value(m.group(1)), m.group(2), value(m.group(3))
        result = a + b if op == "+" else a - b
        text = format(result + 0.0, ".6g")
        return f"({text})" if result < 0 else text

    return _POWER_ONE.sub("", _SUM.sub(fold, formula))
