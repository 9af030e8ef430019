"""Recording modes: ``no_grad``, ``enable_grad``, ``detect_anomaly`` and tracing.

One context variable holds every mode bit, so making a node reads one thing, and each
thread and asyncio task sees its own modes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["ANOMALY", "NO_GRAD", "TRACE", "apply_modes", "detect_anomaly", "enable_grad",
           "is_anomaly_enabled", "is_grad_enabled", "mode", "no_grad", "trace_as", "trace_class"]

NO_GRAD, ANOMALY, TRACE = 1, 2, 4
mode: ContextVar[int] = ContextVar("autograd_lite_mode", default=0)
trace_class: ContextVar[Any] = ContextVar("autograd_lite_trace_class", default=None)

# What detect_anomaly records about each new node (where it was made): installed by the
# anomaly layer, so the core knows nothing of frames and files.
on_anomaly: list[Callable[[Any], None]] = []


class _Switch:
    """A context manager that sets and clears mode bits. Leaving it restores only its own
    bits, and only in a context that entered it: a ``no_grad()`` entered in a generator
    that another thread or task finishes changes nothing there (and raises nothing)."""

    __slots__ = ("on", "off", "_before")

    def __init__(self, on: int, off: int) -> None:
        self.on, self.off = on, off

    def __enter__(self) -> None:
        self._before = mode.get()
        mode.set((self._before | self.on) & ~self.off)
        _open.set((*_open.get(), self))

    def __exit__(self, *exc: object) -> None:
        opened = _open.get()
        if self not in opened:  # entered in another thread or task: not ours to undo
            return
        _open.set(tuple(s for s in opened if s is not self))
        bits = self.on | self.off
        mode.set((mode.get() & ~bits) | (self._before & bits))


_open: ContextVar[tuple[_Switch, ...]] = ContextVar("autograd_lite_open_switches", default=())


def no_grad() -> Any:
    """Context manager: ops inside record nothing (results are leaves).

    >>> from autograd_lite import Value
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.is_leaf
    True
    """
    return _Switch(NO_GRAD, 0)


def enable_grad() -> Any:
    """Context manager: turn recording back on inside a ``no_grad`` block.

    >>> from autograd_lite import Value
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = Value(2.0) * 3
    >>> y.is_leaf
    False
    """
    return _Switch(0, NO_GRAD)


def is_grad_enabled() -> bool:
    """Whether ops are being recorded here.

    >>> is_grad_enabled()
    True
    """
    return not mode.get() & NO_GRAD


def detect_anomaly() -> Any:
    """Context manager: record where each node is made (file:line), so an error in
    backward can point at the user's line. Costs a frame lookup per op; off by default.

    >>> from autograd_lite import Value
    >>> with detect_anomaly():
    ...     y = Value(0.0).sqrt()
    >>> y.backward()
    Traceback (most recent call last):
    ...
    autograd_lite.core.errors.BackwardError: backward through sqrt (sqrt(x)) at x = 0: ...
    """
    return _Switch(ANOMALY, 0)


def is_anomaly_enabled() -> bool:
    """Whether ``detect_anomaly()`` is active here.

    >>> is_anomaly_enabled()
    False
    """
    return bool(mode.get() & ANOMALY)


@contextmanager
def trace_as(cls: Any) -> Iterator[None]:
    """For tracers (``autograd_lite.compile``): every node an op makes inside is an
    instance of ``cls``, a subclass of ``Value`` adding no slots, so a tracer can watch
    reads of ``.data``, comparisons and ``bool()`` on intermediate nodes.

    >>> from autograd_lite import Value
    >>> class Seen(Value):
    ...     __slots__ = ()
    >>> with trace_as(Seen):
    ...     y = Value(2.0) * 3
    >>> type(y).__name__
    'Seen'
    """
    token = trace_class.set(cls)
    try:
        with _Switch(TRACE, 0):
            yield
    finally:
        trace_class.reset(token)


def apply_modes(node: Any) -> None:
    """What the modes do to a new node: no_grad cuts it from its inputs, detect_anomaly
    records it, a tracer changes its class."""
    bits = mode.get()
    if bits & NO_GRAD:
        node.parents, node.rule, node.param = (), None, None
    if bits & ANOMALY:
        for record in on_anomaly:
            record(node)
    if bits & TRACE:
        node.__class__ = trace_class.get()
