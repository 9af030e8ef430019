"""Values that watch what the user's code does with their numbers while being traced.

Inside a trace, every node an op makes is a :class:`Traced` (a ``Value`` subclass with no
slots of its own, via ``modes.trace_as``), and so are the sample's inputs and, for the
time of the trace, the parameters. A ``Traced`` node behaves exactly like a ``Value``,
except that it notices when the *user's* code looks at its number:

* a read of ``.data`` (the engine's own reads, when it computes an op, are not counted)
  returns a :class:`TracedNumber`: a number that remembers where it came from;
* comparing it (``x > 0``, ``x.data >= 0.0``, ``bool(x.data)``) records a **guard**: the
  outcome the trace depends on, checked again for every sample at run time;
* ``+ - * / **``, ``abs``, ``-`` and ``max``/``min`` of such numbers are followed, so a
  number computed from ``.data`` and passed back into an op (the max subtracted before
  ``exp`` in ``cross_entropy``) becomes a *data constant*, recomputed per sample;
* anything else (``math.exp(x.data)``, ``float(...)``, ``round``, printing, hashing)
  makes an **exact guard**: the compiled code holds only for samples where that number
  is exactly what it was when traced.

A ``TracedNumber`` is not a ``float`` (it is a ``numbers.Real``): C code such as
``math.exp`` must ask for its value through ``__float__``, so no use of it goes unseen.
"""

from __future__ import annotations

import builtins
import math
import numbers
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..core import Value

__all__ = ["CompileError", "Expr", "Guard", "Recorder", "Traced", "TracedNumber", "bits",
           "followed_extremes", "raw_data", "recording"]

# An expression over the sample's numbers, as nested tuples:
#   ("node", i)          the value of node i (a Value object while tracing)
#   ("const", x)         a number
#   ("add"|"sub"|"mul"|"div"|"pow", a, b), ("neg"|"abs", a), ("max"|"min", (a, b, ...))
Expr = tuple[Any, ...]

_DATA = Value.__dict__["data"]  # the slot that holds a Value's number


def raw_data(node: Value) -> float:
    """A node's number, read without being noticed by a trace.

    >>> raw_data(Value(2.5))
    2.5
    """
    value: float = _DATA.__get__(node, Value)
    return value


def bits(x: float) -> int:
    """The float's 64 bits: tells 0.0 from -0.0, as ``==`` does not.

    >>> bits(0.0) == bits(-0.0), 0.0 == -0.0
    (False, True)
    """
    value: int = struct.unpack("<q", struct.pack("<d", x))[0]
    return value


class CompileError(ValueError):
    """A function that cannot be compiled (or not safely): the message says why."""


# Reads of .data from these modules are the engine computing ops, building error
# messages or printing formulas, not the user's code deciding something.
_QUIET = frozenset({"autograd_lite.core.value", "autograd_lite.core.graph",
                    "autograd_lite.core.errors", "autograd_lite.core.rules",
                    "autograd_lite.messages", "autograd_lite.names", "autograd_lite.ops",
                    "autograd_lite.transcript", __name__})
# Single functions of other modules that compute an op's number themselves: nn's neurons
# and layers (Neuron._forward, Layer._forward) make affine nodes from their own lists. Only
# these functions: the rest of their module (state_dict, ...) hands numbers to the user, who
# may decide.
_QUIET_FUNCTIONS = frozenset({("autograd_lite.nn.modules", "_forward")})
# Where the engine turns a number operand into a constant (float(x)): followed, not pinned.
_CONVERTS = frozenset({"autograd_lite.core.errors", "autograd_lite.core.value"})
_PACKAGE = __name__.rsplit(".", 1)[0]


@dataclass
class Guard:
    """A condition the trace depends on: ``lhs op rhs`` held for the traced sample.

    ``op`` is one of ``< <= > >= == !=``, or ``is`` for an exact guard (the same float,
    sign of zero included). ``where`` is the user's line that made the decision.
    """

    op: str
    lhs: Expr
    rhs: Expr
    where: str

    def key(self) -> tuple[Any, ...]:
        """What a second trace at moved numbers must reproduce (an exact guard's number
        moves with the data, so only what it looks at counts)."""
        return (self.op, self.lhs) if self.op == "is" else (self.op, self.lhs, self.rhs)


class Recorder:
    """What one trace saw: guards, and the numbers the engine turned into constants."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.conversions: dict[int, list[Expr]] = {}

    def guard(self, op: str, lhs: Expr, rhs: Expr) -> None:
        self.guards.append(Guard(op, lhs, rhs, _user_site()))

    def exact(self, expr: Expr, value: float) -> None:
        self.guard("is", expr, ("const", value))


_ACTIVE: ContextVar[Recorder | None] = ContextVar("autograd_lite_compile_trace", default=None)


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Watch reads, comparisons and conversions into ``recorder``."""
    token = _ACTIVE.set(recorder)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _user_site() -> str:
    """The first frame outside this package and the core: the line that decided."""
    frame: Any = sys._getframe(2)
    while frame is not None and (frame.f_globals.get("__name__", "").startswith(_PACKAGE)
                                 or frame.f_globals.get("__name__") in _QUIET):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"


_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def _operand(x: Any) -> tuple[Expr, float] | None:
    """(expression, number) of something a traced number is compared or combined with."""
    if type(x) is TracedNumber:
        return x.expr, x.value
    if isinstance(x, Traced):
        return ("node", x), raw_data(x)
    if isinstance(x, Value):
        return ("const", raw_data(x)), raw_data(x)
    if isinstance(x, (int, float)):
        value = float(x)
        return ("const", value), value
    return None


def _compare(op: str, lhs: Expr, lhs_value: float, other: Any) -> Any:
    right = _operand(other)
    if right is None:
        return NotImplemented
    outcome = _COMPARE[op](lhs_value, right[1])
    recorder = _ACTIVE.get()
    if recorder is not None:
        recorder.guard(op if outcome else _NEGATE[op], lhs, right[0])
    return outcome


class Traced(Value):
    """A Value whose number is watched while a trace is active (see the module notes)."""

    __slots__ = ()

    @property
    def data(self) -> Any:
        value = raw_data(self)
        if _ACTIVE.get() is None:
            return value
        frame = sys._getframe(1)
        module = frame.f_globals.get("__name__")
        if module in _QUIET or (module, frame.f_code.co_name) in _QUIET_FUNCTIONS:
            return value
        return TracedNumber(value, ("node", self))

    @data.setter
    def data(self, value: float) -> None:
        if _ACTIVE.get() is not None:
            raise CompileError("compile: the function sets .data of a value while it is "
                               "being traced; a compiled function must not change its inputs "
                               "or parameters")
        _DATA.__set__(self, value)

    def __lt__(self, other: Any) -> bool:
        return _traced_compare(self, "<", other)

    def __le__(self, other: Any) -> bool:
        return _traced_compare(self, "<=", other)

    def __gt__(self, other: Any) -> bool:
        return _traced_compare(self, ">", other)

    def __ge__(self, other: Any) -> bool:
        return _traced_compare(self, ">=", other)

    def _seen(self) -> None:
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.exact(("node", self), raw_data(self))

    def __float__(self) -> float:
        self._seen()
        return raw_data(self)

    def __format__(self, spec: str) -> str:
        self._seen()
        return Value.__format__(self, spec)

    def __repr__(self) -> str:
        self._seen()
        return Value.__repr__(self)

    def __str__(self) -> str:
        self._seen()
        return Value.__str__(self)

    def detach(self) -> Value:
        if _ACTIVE.get() is None:
            return Value.detach(self)
        number: Any = TracedNumber(raw_data(self), ("node", self))  # followed, as a float
        return Value(number, label=self.label)


_NAMES = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _traced_compare(node: Traced, op: str, other: Any) -> bool:
    if _ACTIVE.get() is None or _operand(other) is None:
        method: Callable[[Value, Any], bool] = getattr(Value, f"__{_NAMES[op]}__")
        return method(node, other)  # not tracing, or an operand the engine refuses anyway
    result: bool = _compare(op, ("node", node), raw_data(node), other)
    return result


_FOLLOWED: dict[str, Callable[[float, float], Any]] = {
    "add": float.__add__, "sub": float.__sub__, "mul": float.__mul__,
    "div": float.__truediv__, "pow": float.__pow__}


class TracedNumber:
    """A number read from a traced node's ``.data``, with the expression that computed
    it. It acts as its float does; what it is used for is recorded (module notes)."""

    __slots__ = ("expr", "value")

    def __init__(self, value: float, expr: Expr) -> None:
        self.value = value
        self.expr = expr

    def _escape(self) -> float:
        """The number leaves the tracer's sight: the trace holds for this value only."""
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.exact(self.expr, self.value)
        return self.value

    # comparisons and truth: guards
    def __lt__(self, other: Any) -> Any:
        return _compare("<", self.expr, self.value, other)

    def __le__(self, other: Any) -> Any:
        return _compare("<=", self.expr, self.value, other)

    def __gt__(self, other: Any) -> Any:
        return _compare(">", self.expr, self.value, other)

    def __ge__(self, other: Any) -> Any:
        return _compare(">=", self.expr, self.value, other)

    def __eq__(self, other: object) -> Any:
        return _compare("==", self.expr, self.value, other)

    def __ne__(self, other: object) -> Any:
        return _compare("!=", self.expr, self.value, other)

    def __bool__(self) -> bool:
        result: bool = _compare("!=", self.expr, self.value, 0.0)
        return result

    def __hash__(self) -> int:
        return hash(self._escape())

    # arithmetic that is followed
    def _binary(self, op: str, other: Any, reflected: bool) -> Any:
        if isinstance(other, Value):
            return NotImplemented  # the Value makes an op node, with this as a constant
        right = _operand(other)
        if right is None:  # a Fraction, a complex, ...: not followed
            value = self._escape()
            return _BUILTIN[op](other, value) if reflected else _BUILTIN[op](value, other)
        a, b = (right, (self.expr, self.value)) if reflected else ((self.expr, self.value),
                                                                  right)
        result: Any = _FOLLOWED[op](a[1], b[1])
        if type(result) is not float:  # a negative number to a fractional power
            self._escape()
            return result
        return TracedNumber(result, (op, a[0], b[0]))

    def __add__(self, other: Any) -> Any:
        return self._binary("add", other, False)

    def __radd__(self, other: Any) -> Any:
        return self._binary("add", other, True)

    def __sub__(self, other: Any) -> Any:
        return self._binary("sub", other, False)

    def __rsub__(self, other: Any) -> Any:
        return self._binary("sub", other, True)

    def __mul__(self, other: Any) -> Any:
        return self._binary("mul", other, False)

    def __rmul__(self, other: Any) -> Any:
        return self._binary("mul", other, True)

    def __truediv__(self, other: Any) -> Any:
        return self._binary("div", other, False)

    def __rtruediv__(self, other: Any) -> Any:
        return self._binary("div", other, True)

    def __pow__(self, other: Any, mod: Any = None) -> Any:
        if mod is not None:
            return pow(self._escape(), other, mod)
        return self._binary("pow", other, False)

    def __rpow__(self, other: Any) -> Any:
        return self._binary("pow", other, True)

    def __neg__(self) -> TracedNumber:
        return TracedNumber(-self.value, ("neg", self.expr))

    def __pos__(self) -> TracedNumber:
        return self

    def __abs__(self) -> TracedNumber:
        return TracedNumber(abs(self.value), ("abs", self.expr))

    # conversions: the engine turning it into a constant is followed; anything else escapes
    def __float__(self) -> float:
        recorder = _ACTIVE.get()
        if recorder is not None:
            if sys._getframe(1).f_globals.get("__name__") in _CONVERTS:
                recorder.conversions.setdefault(bits(self.value), []).append(self.expr)
            else:
                recorder.exact(self.expr, self.value)
        return self.value

    def __repr__(self) -> str:
        return repr(self._escape())

    def __str__(self) -> str:
        return str(self._escape())

    def __format__(self, spec: str) -> str:
        return format(self._escape(), spec)

    def __int__(self) -> int:
        return int(self._escape())

    def __trunc__(self) -> int:
        return math.trunc(self._escape())

    def __floor__(self) -> int:
        return math.floor(self._escape())

    def __ceil__(self) -> int:
        return math.ceil(self._escape())

    def __round__(self, ndigits: Any = None) -> Any:
        return round(self._escape(), ndigits)

    def __mod__(self, other: Any) -> Any:
        return self._escape() % other

    def __rmod__(self, other: Any) -> Any:
        return other % self._escape()

    def __floordiv__(self, other: Any) -> Any:
        return self._escape() // other

    def __rfloordiv__(self, other: Any) -> Any:
        return other // self._escape()

    def __divmod__(self, other: Any) -> Any:
        return divmod(self._escape(), other)

    def __rdivmod__(self, other: Any) -> Any:
        return divmod(other, self._escape())

    def __complex__(self) -> complex:
        return complex(self._escape())

    def is_integer(self) -> bool:
        return self._escape().is_integer()

    def as_integer_ratio(self) -> tuple[int, int]:
        return self._escape().as_integer_ratio()

    def hex(self) -> str:
        return self._escape().hex()

    def conjugate(self) -> float:
        return self._escape()

    @property
    def real(self) -> float:
        return self._escape()

    @property
    def imag(self) -> float:
        return 0.0


numbers.Real.register(TracedNumber)

_BUILTIN: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}


# --- max and min of traced numbers ---------------------------------------------------------
# Python's max() compares inside C, so each comparison would be a guard (and a softmax over
# ten classes would need a program for every ordering). While a trace runs, max and min of
# traced numbers return a followed expression instead; for anything else they are the
# builtins themselves, so other code (and other threads) see no difference.

_ORIGINAL = {"max": builtins.max, "min": builtins.min}
_patch_lock = threading.Lock()
_patch_depth = 0


def _extreme(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    original = _ORIGINAL[name]
    if _ACTIVE.get() is None or kwargs.get("key") is not None or not args:
        return original(*args, **kwargs)
    items = list(args[0]) if len(args) == 1 else list(args)
    call_args = (items,) if len(args) == 1 else tuple(items)
    if not any(type(x) is TracedNumber for x in items) or not all(
            type(x) is TracedNumber or (isinstance(x, (int, float)) and not isinstance(x, bool))
            for x in items):
        return original(*call_args, **kwargs)
    operands = [_operand(x) for x in items]
    value = original(v for _, v in operands)  # type: ignore[misc]
    return TracedNumber(value, (name, tuple(e for e, _ in operands)))  # type: ignore[misc]


def _max(*args: Any, **kwargs: Any) -> Any:
    return _extreme("max", args, kwargs)


def _min(*args: Any, **kwargs: Any) -> Any:
    return _extreme("min", args, kwargs)


@contextmanager
def followed_extremes() -> Iterator[None]:
    """While inside, ``max`` and ``min`` of traced numbers are followed expressions."""
    global _patch_depth
    with _patch_lock:
        if _patch_depth == 0:
            builtins.max, builtins.min = _max, _min
        _patch_depth += 1
    try:
        yield
    finally:
        with _patch_lock:
            _patch_depth -= 1
            if _patch_depth == 0:
                builtins.max, builtins.min = _ORIGINAL["max"], _ORIGINAL["min"]
