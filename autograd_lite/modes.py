"""Recording modes: ``no_grad``, ``enable_grad`` and ``detect_anomaly``.

One context variable holds all the mode bits, so the engine's hot path reads one thing per
op, and each thread and asyncio task sees its own modes.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["creation_site", "detect_anomaly", "enable_grad", "is_anomaly_enabled",
           "is_grad_enabled", "no_grad", "trace_as"]

# Mode bits, kept in one context variable so the hot path reads one thing.
_NO_GRAD = 1
_ANOMALY = 2
_TRACE = 4
_mode: ContextVar[int] = ContextVar("autograd_lite_mode", default=0)
# Under ``trace_as(cls)``: the class every node made by an op gets (a subclass of Value).
_trace_class: ContextVar[Any] = ContextVar("autograd_lite_trace_class", default=None)

# Where nodes were created, recorded only under detect_anomaly(); weak keys so recording
# never keeps a graph alive.
_sites: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


@contextmanager
def _set_mode(on: int, off: int) -> Iterator[None]:
    token = _mode.set((_mode.get() | on) & ~off)
    try:
        yield
    finally:
        _mode.reset(token)


def no_grad() -> Any:
    """Context manager: ops inside record nothing (results are leaves).

    Safe across threads and asyncio tasks (a context variable).

    >>> from autograd_lite import Value
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.is_leaf
    True
    """
    return _set_mode(_NO_GRAD, 0)


def enable_grad() -> Any:
    """Context manager: turn recording back on inside a ``no_grad`` block.

    >>> from autograd_lite import Value
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = Value(2.0) * 3
    >>> y.is_leaf
    False
    """
    return _set_mode(0, _NO_GRAD)


def is_grad_enabled() -> bool:
    """Whether ops are being recorded here.

    >>> is_grad_enabled()
    True
    """
    return not _mode.get() & _NO_GRAD


def detect_anomaly() -> Any:
    """Context manager: record where each node is created (file:line), so errors in
    backward can point at the user's line. Costs a frame lookup per op; off by default.

    >>> from autograd_lite import Value
    >>> with detect_anomaly():
    ...     y = Value(0.0).sqrt()
    >>> y.backward()
    Traceback (most recent call last):
    ...
    autograd_lite.errors.BackwardError: backward through sqrt at x=0: ...
    """
    return _set_mode(_ANOMALY, 0)


@contextmanager
def trace_as(cls: Any) -> Iterator[None]:
    """Context manager for tracers (``autograd_lite.compile``): every node an op makes
    inside is an instance of ``cls``, a subclass of ``Value`` that adds no slots (so it can
    observe reads of ``.data``, comparisons and ``bool()`` on intermediate nodes).

    >>> from autograd_lite import Value
    >>> class Seen(Value):
    ...     __slots__ = ()
    >>> with trace_as(Seen):
    ...     y = Value(2.0) * 3
    >>> type(y).__name__
    'Seen'
    """
    token = _trace_class.set(cls)
    try:
        with _set_mode(_TRACE, 0):
            yield
    finally:
        _trace_class.reset(token)


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly()`` is active here.

    >>> is_anomaly_enabled()
    False
    """
    return bool(_mode.get() & _ANOMALY)


def creation_site(node: Value) -> str | None:
    """Where ``node`` was created (``"file.py:12 in f"``), if made under ``detect_anomaly``.

    >>> from autograd_lite import Value
    >>> creation_site(Value(1.0) + 1) is None
    True
    """
    return _sites.get(node)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_site() -> str:
    """The first frame outside this package: the user's line that made the node."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
