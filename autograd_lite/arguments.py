"""Checks of the arguments the public functions take, with errors that name the function
and the value: one copy, shared by ``derivatives``, ``checks`` and the rest."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from .core import Value
from .messages import type_name

__all__ = ["as_values", "check_callable", "check_outputs", "check_sequence", "type_name"]


def check_callable(f: Any, what: str, fn: str) -> None:
    """A TypeError naming ``fn`` unless ``f`` can be called.

    >>> check_callable(3, "f", "grad")
    Traceback (most recent call last):
    ...
    TypeError: grad: f must be a function, got 3 of type int
    """
    if not callable(f):
        raise TypeError(f"{fn}: {what} must be a function, got {f!r} of type {type_name(f)}")


def check_sequence(xs: Any, what: str, fn: str, items: str) -> list[Any]:
    """``xs`` as a list, or a TypeError naming ``fn`` (with a hint when one number or Value
    was passed where a list was expected).

    >>> check_sequence(2.0, "xs", "jacobian", "numbers")
    Traceback (most recent call last):
    ...
    TypeError: jacobian: xs must be a list of numbers, got 2.0 of type float; for one, write [2.0]
    """
    if isinstance(xs, Sequence) and not isinstance(xs, (str, bytes)):
        return list(xs)
    if hasattr(xs, "__array__") and hasattr(xs, "tolist"):  # a numpy array: its numbers
        return list(xs.tolist())
    hint = f"; for one, write [{xs!r}]" if isinstance(xs, (Value, numbers.Real)) else ""
    raise TypeError(f"{fn}: {what} must be a list of {items}, got {xs!r} of type "
                    f"{type_name(xs)}{hint}")


def check_outputs(outs: Sequence[Any], fn: str) -> None:
    """Outputs must be Values (numbers are allowed as constant outputs)."""
    for i, o in enumerate(outs):
        if not isinstance(o, (Value, numbers.Real)):
            raise TypeError(f"{fn}: f must return a Value or a list of Values, got {o!r} of "
                            f"type {type_name(o)}" + (f" at position {i}" if i else ""))


def as_values(xs: Any, what: str, fn: str) -> list[Value]:
    """One Value or a sequence of Values, as a list; else a TypeError naming ``fn``."""
    if isinstance(xs, Value):
        return [xs]
    if not isinstance(xs, Sequence) or isinstance(xs, (str, bytes)):
        raise TypeError(f"{fn}: {what} must be a Value or a list of Values, got {xs!r} of "
                        f"type {type_name(xs)}")
    items = list(xs)
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"{fn}: {what}[{i}] must be a Value, got {x!r} "
                            f"of type {type_name(x)}")
    return items
