"""Counting the work of a training run, so methods can be compared like with like: loss
evaluations (forward passes over a batch), backward passes, graph nodes built, wall time and
peak memory (``tracemalloc``).

``fit`` reports to the counter that is active (``with WorkCounter() as work: fit(...)``);
in a loop of your own, wrap the loss or closure with ``work.counted(fn)`` and count
``work.record_backward(loss)``. The engine is not touched: nodes are counted by walking each
loss graph with ``topological_order``. The counter's own bookkeeping (those walks) is left
out of ``seconds`` and ``peak_bytes``.

An evaluation under ``no_grad()`` builds the same nodes but links none of them, so its graph
cannot be walked; given ``recorded`` (a function that builds the same loss with a graph),
the counter measures that graph once per ``key`` (in evaluation mode, off the clock and out
of the memory peak) and counts its size for every such evaluation. ``fit`` does this for the
gradient-free optimizers.

>>> from autograd_lite import Value
>>> w = Value(2.0)
>>> with WorkCounter(memory=False) as work:
...     loss = work.counted(lambda: (w * 3.0 - 1.0) ** 2)()
...     work.record_backward(loss)
...     loss.backward()
>>> work.forward_evaluations, work.backward_passes, work.nodes_built
(1, 1, 6)
"""

from __future__ import annotations

import contextlib
import contextvars
import time
import tracemalloc
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

from ..core import Value, enable_grad, topological_order

__all__ = ["WorkCounter", "active_work_counter"]

F = TypeVar("F", bound=Callable[..., Any])

_ACTIVE: contextvars.ContextVar[WorkCounter | None] = contextvars.ContextVar(
    "autograd_lite_work_counter", default=None)


def active_work_counter() -> WorkCounter | None:
    """The innermost ``WorkCounter`` whose ``with`` block is running, or None.

    >>> active_work_counter() is None
    True
    """
    return _ACTIVE.get()


class WorkCounter:
    """Counts work inside a ``with`` block (see the module docstring).

    Attributes: ``forward_evaluations`` (loss evaluations), ``samples`` (samples through
    the model, when the caller says how many), ``backward_passes``, ``nodes_built`` (nodes
    of every loss graph), ``unsized_evaluations`` (evaluations whose graph could not be
    measured), ``compiled_evaluations`` (evaluations run as compiled code, which builds no
    graph: counted in ``forward_evaluations``, and their gradients in ``backward_passes``,
    but not in ``nodes_built``), ``seconds`` (wall time in the block, bookkeeping excluded) and
    ``peak_bytes`` (the most memory traced at once above the level at entry; None with
    ``memory=False``). Tracing memory slows Python's allocations down: time with
    ``memory=False``, measure memory in a separate run.
    """

    def __init__(self, memory: bool = True) -> None:
        self.memory = bool(memory)
        self.forward_evaluations = 0
        self.samples = 0
        self.backward_passes = 0
        self.nodes_built = 0
        self.unsized_evaluations = 0
        self.compiled_evaluations = 0
        self.seconds = 0.0
        self.peak_bytes: int | None = None
        self._sizes: dict[Hashable, int] = {}
        self._excluded = 0.0
        self._peak = 0
        self._baseline = 0
        self._started = 0.0
        self._own_tracing = False
        self._token: contextvars.Token[WorkCounter | None] | None = None

    # --- the with block ------------------------------------------------------------------
    def __enter__(self) -> WorkCounter:
        if self._token is not None:
            raise RuntimeError("WorkCounter: this counter is already counting")
        if self.memory:
            self._own_tracing = not tracemalloc.is_tracing()
            if self._own_tracing:
                tracemalloc.start()
            tracemalloc.reset_peak()
            self._baseline = tracemalloc.get_traced_memory()[0]
            self._peak = self._baseline
        self._token = _ACTIVE.set(self)
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self._started
        self.seconds += elapsed - self._excluded
        self._excluded = 0.0
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None
        if self.memory:
            peak = max(self._peak, tracemalloc.get_traced_memory()[1])
            self.peak_bytes = max(self.peak_bytes or 0, peak - self._baseline)
            if self._own_tracing:
                tracemalloc.stop()

    @contextlib.contextmanager
    def _bookkeeping(self) -> Iterator[None]:
        # Work the counter does for itself: off the clock and out of the memory peak.
        started = time.perf_counter()
        tracing = self.memory and tracemalloc.is_tracing()
        if tracing:
            self._peak = max(self._peak, tracemalloc.get_traced_memory()[1])
        try:
            yield
        finally:
            if tracing:
                tracemalloc.reset_peak()
            self._excluded += time.perf_counter() - started

    # --- what is counted -----------------------------------------------------------------
    def record_forward(self, loss: Any, samples: int | None = None,
                       recorded: Callable[[], Any] | None = None,
                       key: Hashable = None) -> None:
        """Count one loss evaluation; ``samples`` is how many samples it ran through the
        model (if known). Its nodes are counted by walking ``loss``'s graph; a loss without
        a graph (computed under ``no_grad``, or a plain number) is sized by building
        ``recorded()`` once per ``key``, or else counted in ``unsized_evaluations``."""
        self.forward_evaluations += 1
        if samples is not None:
            self.samples += samples
        with self._bookkeeping():
            if isinstance(loss, Value) and loss.parents:
                self.nodes_built += len(topological_order(loss))
            elif recorded is not None:
                self.nodes_built += self._size_of(recorded, key)
            else:
                self.unsized_evaluations += 1

    def record_compiled(self, samples: int, backward: bool) -> None:
        """Count one evaluation of compiled code (``fit(compile=...)``) over ``samples``
        samples, and its gradient as a backward pass if it computed one. No graph is built.

        >>> work = WorkCounter(memory=False)
        >>> work.record_compiled(100, backward=True)
        >>> work.forward_evaluations, work.backward_passes, work.nodes_built
        (1, 1, 0)
        """
        self.forward_evaluations += 1
        self.compiled_evaluations += 1
        self.samples += samples
        self.backward_passes += bool(backward)

    def record_backward(self, loss: Any = None) -> None:
        """Count one backward pass (of ``loss``, which is not used: the pass is counted,
        its nodes were counted when the loss was built)."""
        self.backward_passes += 1

    def counted(self, fn: F) -> F:
        """``fn`` wrapped so each call counts one loss evaluation of its result.

        >>> from autograd_lite import Value
        >>> x = Value(1.0)
        >>> with WorkCounter(memory=False) as work:
        ...     f = work.counted(lambda: x * x + x)
        ...     _ = f(); _ = f()
        >>> work.forward_evaluations, work.nodes_built
        (2, 6)
        """
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            out = fn(*args, **kwargs)
            self.record_forward(out)
            return out

        return wrapper  # type: ignore[return-value]

    def _size_of(self, recorded: Callable[[], Any], key: Hashable) -> int:
        if key not in self._sizes:
            with enable_grad():
                out = recorded()
            self._sizes[key] = len(topological_order(out)) if isinstance(out, Value) else 0
        return self._sizes[key]

    def summary(self) -> dict[str, Any]:
        """The counts as a dict (for a table).

        >>> WorkCounter(memory=False).summary()["forward_evaluations"]
        0
        """
        return {"forward_evaluations": self.forward_evaluations, "samples": self.samples,
                "backward_passes": self.backward_passes, "nodes_built": self.nodes_built,
                "unsized_evaluations": self.unsized_evaluations,
                "compiled_evaluations": self.compiled_evaluations, "seconds": self.seconds,
                "peak_bytes": self.peak_bytes}

    def __repr__(self) -> str:
        memory = "" if self.peak_bytes is None else f", peak {self.peak_bytes / 1e6:.2f} MB"
        return (f"WorkCounter({self.forward_evaluations} forward evaluations, "
                f"{self.backward_passes} backward passes, {self.nodes_built} nodes, "
                f"{self.seconds:.3f} s{memory})")
