"""How a sample's arguments split into traced numbers and static values.

Numbers become traced inputs (one Value each while tracing, one float per sample at run
time), wherever they sit in lists or tuples. A bare integer argument (a class label), and
anything that is not a number (a string, None), is *static*: it is passed to the function
as it is, and a program traced with one static value only runs samples with that value
(``static=`` forces an argument to be static). numpy arrays are read as nested lists.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

from ..core import Value
from .tracing import CompileError, Sample

__all__ = ["Layout", "Mismatch", "as_batch", "as_values"]

NUMBER = "number"
STATIC = "static"


class Mismatch(Exception):
    """A sample whose arguments are not laid out as the traced example's."""


def _plain(x: Any) -> Any:
    """numpy arrays and scalars as Python lists and numbers."""
    tolist = getattr(x, "tolist", None)
    if tolist is not None and not isinstance(x, (list, tuple, str, bytes)):
        return tolist()
    return x


def as_batch(batch: Sequence[Any], what: str, keep_arrays: bool = False) -> list[Any]:
    """The batch arguments as sequences over samples (lists; numpy arrays stay arrays with
    ``keep_arrays``), all of one length (at least 1)."""
    if not batch:
        raise TypeError(f"{what}: pass the batch, one sequence per argument of the function")
    columns: list[Any] = []
    for k, arg in enumerate(batch):
        column = arg if keep_arrays and hasattr(arg, "shape") else _plain(arg)
        if not isinstance(column, (list, tuple)) and not hasattr(column, "shape"):
            raise TypeError(f"{what}: argument {k + 1} of the batch must be a sequence with one "
                            f"entry per sample, got {type(arg).__name__}")
        columns.append(column if hasattr(column, "shape") else list(column))
    sizes = {len(c) for c in columns}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(f"{what}: every batch argument needs the same number of samples (at "
                         f"least one), got {[len(c) for c in columns]}")
    return columns


class Layout:
    """The argument layout of the traced example: a tree per argument.

    >>> layout = Layout([[0.5, 1.0], 3])          # a list of two numbers, and a label
    >>> layout.n_values, layout.n_statics, layout.unpack_code()
    (2, 1, 'x0, x1, = A0[i]; s0 = A1[i]')
    >>> layout.split([[2, 4.5], 7])
    ((2.0, 4.5), (7,))
    """

    def __init__(self, example: Sequence[Any], static: Sequence[int] = ()) -> None:
        self.trees = [self._tree(_plain(a), top=True, static=k in static)
                      for k, a in enumerate(example)]
        self.n_values = sum(_count(t, NUMBER) for t in self.trees)
        self.n_statics = sum(_count(t, STATIC) for t in self.trees)

    def _tree(self, x: Any, top: bool, static: bool) -> Any:
        if static:
            return STATIC
        if isinstance(x, Value):
            raise CompileError("compile: sample inputs must be numbers (or lists of numbers), "
                               "not Values: the compiled function makes them itself")
        if isinstance(x, bool) or (top and isinstance(x, numbers.Integral)):
            return STATIC
        if isinstance(x, numbers.Real):
            return NUMBER
        if isinstance(x, (list, tuple)):
            return (type(x), [self._tree(_plain(v), False, False) for v in x])
        return STATIC

    def split(self, args: Sequence[Any]) -> tuple[tuple[float, ...], tuple[Any, ...]]:
        """A sample's numbers and static values; raises Mismatch if the layout differs."""
        values: list[float] = []
        statics: list[Any] = []
        if len(args) != len(self.trees):
            raise Mismatch
        for tree, arg in zip(self.trees, args):
            if tree is NUMBER:
                values.append(_number(arg))
            elif tree is STATIC:
                statics.append(_plain(arg))
            elif type(tree) is tuple and all(t is NUMBER for t in tree[1]):
                arg = _plain(arg)
                if not isinstance(arg, (list, tuple)) or len(arg) != len(tree[1]):
                    raise Mismatch
                values += map(_number, arg)
            else:
                _walk(tree, arg, values, statics)
        return tuple(values), tuple(statics)

    @property
    def simple(self) -> bool:
        """Every argument a number, a flat list of numbers, or static."""
        return all(t is NUMBER or t is STATIC or all(c is NUMBER for c in t[1])
                   for t in self.trees)

    def unpack_code(self) -> str:
        """Python reading sample ``i``'s numbers (``x0, x1, ...``) and static values
        (``s0, ...``) from the columns ``A0, A1, ...`` that :meth:`columns` makes."""
        if not self.simple:
            names = [f"x{k}" for k in range(self.n_values)]
            statics = [f"s{k}" for k in range(self.n_statics)]
            return "; ".join(f"{', '.join(n)}, = A{j}[i]"
                             for j, n in enumerate((names, statics)) if n)
        parts, x, s = [], 0, 0
        for k, tree in enumerate(self.trees):
            if tree is NUMBER:
                parts.append(f"x{x} = A{k}[i]")
                x += 1
            elif tree is STATIC:
                parts.append(f"s{s} = A{k}[i]")
                s += 1
            else:
                width = len(tree[1])
                parts.append(f"{', '.join(f'x{x + j}' for j in range(width))}, = A{k}[i]")
                x += width
        return "; ".join(parts)

    def columns(self, columns: Sequence[Any]) -> list[Any]:
        """The batch as :meth:`unpack_code` reads it: numbers as floats. Raises Mismatch
        when a sample does not fit the layout."""
        if self.simple:
            out: list[Any] = []
            for tree, column in zip(self.trees, columns):
                if tree is STATIC:
                    out.append(column)
                    continue
                values = column if tree is NUMBER else chain.from_iterable(column)
                if not set(map(type, values)) <= {float, int}:
                    break  # other kinds of numbers, or not numbers: sample by sample
                if tree is NUMBER:
                    out.append(list(map(float, column)))
                else:
                    out.append(list(map(tuple, map(map, repeat(float), column))))
            else:
                return out
            if any(tree is not STATIC and not isinstance(c, list) for tree, c in
                   zip(self.trees, columns)):
                raise Mismatch
        rows = [self.split(row) for row in zip(*columns)]
        if not self.simple:
            return [[r[0] for r in rows], [r[1] for r in rows]]
        out, x, s = [], 0, 0  # simple layout with unusual numbers: already checked above
        for tree in self.trees:
            if tree is STATIC:
                out.append([r[1][s] for r in rows])
                s += 1
            elif tree is NUMBER:
                out.append([r[0][x] for r in rows])
                x += 1
            else:
                width = len(tree[1])
                out.append([r[0][x:x + width] for r in rows])
                x += width
        return out

    def arrays(self, columns: Sequence[Any]) -> tuple[Any, list[Any]]:
        """For numpy: the batch's numbers as one (samples x numbers) array, and each
        sample's static values. Raises Mismatch if the layout differs."""
        import numpy as np

        n = len(columns[0])
        if any(type(t) is tuple and not all(c is NUMBER for c in t[1]) for t in self.trees):
            rows = [self.split(row) for row in zip(*columns)]  # nested: sample by sample
            F = np.array([r[0] for r in rows], dtype=float).reshape(n, self.n_values)
            return F, [r[1] for r in rows]
        parts, statics = [], []
        for tree, column in zip(self.trees, columns):
            if tree is STATIC:
                statics.append(_plain(column))
                continue
            try:
                part = np.asarray(column, dtype=float)
            except (TypeError, ValueError):
                raise Mismatch from None
            width = 1 if tree is NUMBER else len(tree[1])
            if part.shape not in ((n, width), (n,) if width == 1 and tree is NUMBER else ()):
                raise Mismatch
            parts.append(part.reshape(n, width))
        F = np.asfortranarray(np.hstack(parts)) if parts else np.zeros((n, 0))
        if not np.isfinite(F).all():
            raise Mismatch  # the engine raises its own error for nan or inf data
        return F, list(zip(*statics)) if statics else [()] * n

    def bad_number(self, args: Sequence[Any]) -> tuple[int, str, Any] | None:
        """Where a sample has something other than a finite number in a place the example
        had a number: ``(argument position, index path, value)``, or None. (A sample laid
        out otherwise is left to the function, which says what it expected.)

        >>> Layout([[0.5, 1.0], 3]).bad_number([[0.5, float("nan")], 3])
        (0, '[1]', nan)
        >>> Layout([0.5]).bad_number([2]) is None
        True
        """
        for k, (tree, arg) in enumerate(zip(self.trees, args)):
            stack = [(tree, _plain(arg), "")]
            while stack:
                t, a, path = stack.pop()
                if t is NUMBER:
                    if not isinstance(a, Value) and not _finite_number(a):
                        return k, path, a
                elif t is not STATIC and isinstance(a, (list, tuple)) and len(a) == len(t[1]):
                    stack.extend(reversed([(c, _plain(v), f"{path}[{j}]")
                                           for j, (c, v) in enumerate(zip(t[1], a))]))
        return None

    def sample(self, args: Sequence[Any]) -> Sample:
        """The sample as the tracer needs it."""
        values, statics = self.split(args)
        trees = self.trees

        def build(leaves: Sequence[Value]) -> tuple[Any, ...]:
            it_v, it_s = iter(leaves), iter(statics)
            return tuple(_rebuild(t, it_v, it_s) for t in trees)

        return Sample(list(values), statics, build)



def as_values(args: Sequence[Any], static: Sequence[int] = ()) -> list[Any]:
    """A sample's arguments as the function receives them: numbers as leaf Values (inside
    lists too), a bare int and anything that is not a number as it is.

    >>> as_values([[1, 2.5], 3, "relu"])
    [[Value(data=1.0, grad=0.0), Value(data=2.5, grad=0.0)], 3, 'relu']
    """
    return [_wrap(_plain(a), top=True, static=k in static) for k, a in enumerate(args)]


def _wrap(x: Any, top: bool, static: bool) -> Any:
    if static or isinstance(x, (bool, Value)) or (top and isinstance(x, numbers.Integral)):
        return x
    if isinstance(x, numbers.Real):
        return Value(float(x))
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap(_plain(v), False, False) for v in x)
    return x


def _finite_number(x: Any) -> bool:
    # A bool counts: the engine takes True and False as the numbers 1 and 0.
    if not isinstance(x, numbers.Real):
        return False
    try:
        return math.isfinite(float(x))
    except (OverflowError, ValueError):
        return False


def _number(x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or isinstance(x, Value):
        raise Mismatch
    return float(x)


def _walk(tree: Any, arg: Any, values: list[float], statics: list[Any]) -> None:
    stack = [(tree, arg)]
    while stack:
        t, a = stack.pop()
        if t is NUMBER:
            values.append(_number(a))
        elif t is STATIC:
            statics.append(_plain(a))
        else:
            a = _plain(a)
            if not isinstance(a, (list, tuple)) or len(a) != len(t[1]):
                raise Mismatch
            stack.extend(reversed(list(zip(t[1], a))))


def _rebuild(tree: Any, values: Any, statics: Any) -> Any:
    if tree is NUMBER:
        return next(values)
    if tree is STATIC:
        return next(statics)
    kind, children = tree
    return kind(_rebuild(c, values, statics) for c in children)


def _count(tree: Any, what: str) -> int:
    if tree is what:
        return 1
    if type(tree) is tuple:
        return sum(_count(c, what) for c in tree[1])
    return 0
