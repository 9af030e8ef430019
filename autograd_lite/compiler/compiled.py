"""The compiled batch loss: traced programs, the generated code, and running it.

A call runs the generated code on the batch. Whatever the code cannot vouch for goes to
the engine instead, so a result never differs from eager's: a sample that fits no traced
program gets a new trace (up to ``max_programs``); a value that overflows, an op outside
its domain, a non-finite gradient, or too many programs send the whole batch through the
engine, which computes it (or raises its own error) as it always does.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ..core import Value, no_grad
from ..core.graph import store_gradients
from ..functional import sum as vsum
from .codegen import guards_text
from .layout import Layout, Mismatch, as_batch, as_values
from .tracing import CompileError, Graph, Sample, raw_data, split_result, trace

__all__ = ["Compiled"]



class Compiled:
    """A batch loss compiled from one sample's loss. Call it with the batch.

    ``compiled(X, y)`` returns the batch loss (the mean, or sum, of the sample losses,
    plus ``penalty()``) as a float and adds its gradient to every parameter's ``.grad``,
    exactly as building the graph eagerly and calling ``backward()`` would::

        loss = autograd_lite.sum([fn(x, t) for x, t in zip(X, y)]) * (1.0 / len(X))
        loss = loss + penalty()          # if a penalty was given
        loss.backward()

    Attributes: ``source`` (the generated code), ``programs`` (the traced graphs, one per
    branch taken), ``guards`` (what each program assumes), ``params`` (the parameters
    found), ``outputs`` (per sample, the extra outputs of the last call), ``stats``
    (calls, samples, retraces, eager runs) and the time spent tracing and generating.
    """

    def __init__(self, fn: Callable[..., Any], example: Sequence[Any], *, backend: str,
                 reduction: str, penalty: Callable[[], Value] | None, static: Sequence[int],
                 params: Sequence[Value] | None, names: dict[int, str] | None,
                 max_programs: int, title: str, what: str = "compiled loss",
                 arg_names: Sequence[str] = ()) -> None:
        if backend not in ("python", "numpy"):
            raise ValueError(f"compile: backend must be 'python' or 'numpy', got {backend!r}")
        if backend == "numpy" and importlib.util.find_spec("numpy") is None:
            raise ImportError("compile: backend='numpy' needs numpy: pip install numpy (or "
                              "pip install 'autograd-lite[numpy]'); backend='python' needs "
                              "nothing")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"compile: reduction must be 'mean' or 'sum', got {reduction!r}")
        if max_programs < 1:
            raise ValueError(f"compile: max_programs must be >= 1, got {max_programs!r}")
        self.fn, self.backend, self.reduction = fn, backend, reduction
        self.penalty_fn, self.max_programs, self.title = penalty, max_programs, title
        # How errors name this compiled loss and the arguments of a sample.
        self.what = what
        self.arg_names = list(arg_names)[:len(example)]
        self.arg_names += [f"argument {k}" for k in range(len(self.arg_names), len(example))]
        self.layout = Layout(example, static)
        self.static = tuple(static)
        self.params: list[Value] = list(params or [])
        self._index = {id(p): k for k, p in enumerate(self.params)}
        self._names = dict(names or {})
        self.programs: list[Graph] = []
        self.penalty: Graph | None = None
        self.outputs: list[Any] = []
        self.data_loss = math.nan  # the last call's loss without the penalty
        # The last call's parameter values and the gradients it added, in ``params`` order
        # (numpy arrays with the numpy backend): for updates done in bulk, see set_data.
        self.data: Any = []
        self.grads: Any = []
        self.last_eager_reason = ""
        self.stats = {"calls": 0, "samples": 0, "retraces": 0, "eager_batches": 0}
        self.trace_seconds = 0.0
        self.codegen_seconds = 0.0
        self.source = ""
        self._run: Any = None
        self._warned = False
        self._zero = False
        self._add_program(self.layout.sample(list(example)))
        if penalty is not None:
            self._trace_penalty()
        self._generate()

    # --- tracing and code generation -----------------------------------------------------

    def _add_program(self, sample: Sample) -> None:
        start = time.perf_counter()
        graph = trace(self.fn, sample, self.params, self._index)
        self.trace_seconds += time.perf_counter() - start
        self.programs.append(graph)

    def _trace_penalty(self) -> None:
        fn = self.penalty_fn
        assert fn is not None
        start = time.perf_counter()
        self.penalty = trace(lambda: fn(), Sample([], (), lambda leaves: ()),
                             self.params, self._index)
        self.trace_seconds += time.perf_counter() - start

    def names(self) -> list[str]:
        """A readable name for each parameter: from the model, its label, or ``p<k>``."""
        return [self._names.get(id(p)) or p.label or f"p{k}" for k, p in enumerate(self.params)]

    def _generate(self) -> None:
        start = time.perf_counter()
        if self.backend == "python":
            from .python_backend import generate_python

            self.source, self._run = generate_python(
                self.programs, self.penalty, len(self.params), self.names(), self.title,
                self.layout.unpack_code())
        else:
            from .numpy_backend import generate_numpy

            self.source, self._run = generate_numpy(
                self.programs, self.penalty, len(self.params), self.names(), self.title)
        self.codegen_seconds += time.perf_counter() - start

    @property
    def guards(self) -> list[list[str]]:
        """For each program, its guards as conditions in the generated code."""
        return [guards_text(g) for g in self.programs]

    @property
    def compile_seconds(self) -> float:
        """Time spent tracing and generating code so far."""
        return self.trace_seconds + self.codegen_seconds

    def set_data(self, values: Sequence[float]) -> None:
        """Write new values into the parameters' ``.data`` (``params`` order): a whole
        update computed at once, e.g. ``c.set_data(c.data - lr * c.grads)`` with numpy.

        >>> from autograd_lite import Value
        >>> from autograd_lite.compiler import compile
        >>> w = Value(1.0)
        >>> f = compile(lambda x: (w * x) ** 2, 1.0)
        >>> f([1.0, 3.0], zero_grad=True), f.grads        # mean of w^2 x^2; d/dw = 10
        (5.0, [10.0])
        >>> f.set_data([w.data - 0.05 * g for g in f.grads]); w.data
        0.5
        """
        values = values.tolist() if hasattr(values, "tolist") else list(map(float, values))
        if len(values) != len(self.params):
            raise ValueError(f"set_data: expected {len(self.params)} values, one per "
                             f"parameter, got {len(values)}")
        for k, v in enumerate(values if not math.isfinite(sum(values)) else ()):
            if not math.isfinite(v):
                raise ValueError(f"set_data: value {k} (for {self.names()[k]}) must be "
                                 f"finite, got {v!r}")
        for p, v in zip(self.params, values):
            p.data = v

    # --- running ---------------------------------------------------------------------------

    def __call__(self, *batch: Any, zero_grad: bool = False) -> float:
        """The batch loss; adds its gradient to each parameter's ``.grad``.

        With ``zero_grad=True`` the gradients are set rather than added to, as if each
        parameter's ``.grad`` were 0 first (faster than zeroing them yourself).

        >>> from autograd_lite import Value
        >>> from autograd_lite.compiler import compile
        >>> w = Value(3.0)
        >>> f = compile(lambda x: w * x * x, 1.0)
        >>> f([1.0, 2.0]), w.grad                          # mean of w x^2; d/dw = 2.5
        (7.5, 2.5)
        >>> f([1.0, 2.0]), w.grad                          # accumulates, like backward
        (7.5, 5.0)
        >>> f([1.0, 2.0], zero_grad=True), w.grad
        (7.5, 2.5)
        """
        self._zero = zero_grad
        return self._call(batch, True)

    def forward(self, *batch: Any) -> float:
        """The batch loss alone (outputs in ``outputs``); no ``.grad`` changes.

        >>> from autograd_lite import Value
        >>> w = Value(3.0)
        >>> from autograd_lite.compiler import compile
        >>> f = compile(lambda x: w * x, 1.0)
        >>> f.forward([1.0, 2.0]), w.grad
        (4.5, 0.0)
        """
        return self._call(batch, False)

    def _call(self, batch: Sequence[Any], grad: bool) -> float:
        columns = as_batch(batch, self.what, keep_arrays=self.backend == "numpy")
        n = len(columns[0])
        self.stats["calls"] += 1
        self.stats["samples"] += n
        try:
            inputs = (self.layout.arrays(columns) if self.backend == "numpy" else
                      self.layout.columns(columns))
        except Mismatch:
            return self._eager(columns, "a sample is laid out unlike the traced example", grad)
        while True:
            result = self._attempt(columns, inputs, n, grad)
            if isinstance(result, str):
                return self._eager(columns, result, grad)
            if result is not None:
                return result
            # a new program was traced: run the batch again

    def _attempt(self, columns: list[Any], inputs: Any, n: int, grad: bool
                 ) -> float | str | None:
        """float: done; None: a program was added, run again; str: go eager (why)."""
        c = 1.0 * (1.0 / n) if self.reduction == "mean" else 1.0
        if not grad:
            c = 0.0  # no gradient flows: the backward pass is skipped
        try:
            grads, losses, outputs, pending, chk, pen, data = self._run(
                self.params, inputs, c, grad and self._zero)
        except (ArithmeticError, ValueError, TypeError) as exc:
            return f"the compiled code raised {type(exc).__name__}: {exc}"
        if pen is None and self.penalty is not None:
            return self._retrace(None)
        if pending:
            if len(self.programs) >= self.max_programs:
                self._warn(f"{len(pending)} of {n} samples fit none of the "
                           f"{len(self.programs)} traced programs (max_programs="
                           f"{self.max_programs})")
                return "too many programs"
            return self._retrace(self.layout.sample([c[pending[0]] for c in columns]))
        data_loss = math.fsum(losses)
        if self.reduction == "mean":
            data_loss = data_loss * (1.0 / n)
        loss = data_loss if pen is None else data_loss + pen
        if not (math.isfinite(chk) and math.isfinite(loss)):
            return "a value or gradient is not finite"
        if grad:
            self.grads, self.data = grads, data
            # one call for all: .grad is a property (it notes gradients set by hand on inner
            # nodes), too slow for thousands of parameters on every batch
            store_gradients(self.params, grads.tolist() if hasattr(grads, "tolist") else grads)
        self.outputs, self.data_loss = outputs, data_loss
        return loss

    def _retrace(self, sample: Sample | None) -> str | None:
        """Trace a new program for ``sample`` (None: the penalty again) and regenerate."""
        try:
            if sample is None:
                self._trace_penalty()
            else:
                self._add_program(sample)
        except CompileError as exc:
            self._warn(f"a new branch could not be traced ({exc})")
            return "untraceable branch"
        except (ArithmeticError, ValueError, TypeError):
            return "tracing the sample raised (the engine will raise it too)"
        self.stats["retraces"] += 1
        self._generate()
        return None

    def _warn(self, message: str) -> None:
        if self._warned:
            return
        self._warned = True
        shown = "; ".join(" and ".join(g.split("   (")[0] for g in gs) or "(no guards)"
                          for gs in self.guards[:4])
        warnings.warn(f"compile: {message}; such batches run eagerly (correct, but slow). "
                      f"The traced programs assume: {shown}", RuntimeWarning, stacklevel=4)

    def _eager(self, columns: list[list[Any]], why: str, grad: bool) -> float:
        """The same batch through the engine (which raises its own errors)."""
        self.stats["eager_batches"] += 1
        self.last_eager_reason = why
        plain = [c.tolist() if hasattr(c, "tolist") else c for c in columns]
        if grad:
            saved = [p.grad for p in self.params]
            if self._zero:
                for p in self.params:
                    p.grad = 0.0
            try:
                return self.eager(*plain)
            except BaseException:
                for p, g in zip(self.params, saved):
                    p.grad = g
                raise
        with no_grad():
            return self.eager(*plain, backward=False)

    def eager(self, *batch: Any, backward: bool = True) -> float:
        """The same loss computed by the engine: build the graph, ``backward()`` (unless
        ``backward=False``). The reference the compiled code must match.

        >>> from autograd_lite import Value
        >>> from autograd_lite.compiler import compile
        >>> w = Value(0.5)
        >>> f = compile(lambda x: (w * x).tanh(), 1.0)
        >>> f([1.0, 2.0]) == f.eager([1.0, 2.0]), w.grad == 2 * f.grads[0]
        (True, True)
        """
        columns = as_batch(batch, self.what)
        n = len(columns[0])
        roots: list[Value] = []
        outputs: list[Any] = []
        for i, row in enumerate(zip(*columns)):
            self._check_sample(i, row)
            root, outs = split_result(self.fn(*as_values(row, self.static)))
            roots.append(root)
            outputs.append(_floats(outs))
        total = vsum(roots)
        if self.reduction == "mean":
            total = total * (1.0 / n)
        data_loss = raw_data(total)
        if self.penalty_fn is not None:
            total = total + self.penalty_fn()
        if backward:
            total.backward()
        self.outputs, self.data_loss = outputs, data_loss
        return raw_data(total)

    def _check_sample(self, i: int, row: Sequence[Any]) -> None:
        """Refuse, naming the sample and the argument, a non-number or a non-finite number
        where the traced example had a number (as a model refuses such an input)."""
        bad = self.layout.bad_number(row)
        if bad is None:
            return
        k, path, value = bad
        where = f"{self.what}: sample {i}, {self.arg_names[k]}{path}"
        if isinstance(value, numbers.Real):
            raise ValueError(f"{where} must be a finite number, got {value!r}")
        raise TypeError(f"{where} must be a number, got {_short(value)} of type "
                        f"{type(value).__name__}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _floats(outs: list[Value]) -> Any:
    if not outs:
        return None
    values = [raw_data(o) for o in outs]
    return values[0] if len(values) == 1 else tuple(values)
