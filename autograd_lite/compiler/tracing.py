"""Tracing: run a loss function once on Values that watch what is done with them.

Inside :func:`trace`, every node an op makes is a :class:`Traced` (a ``Value`` subclass
with no slots of its own, via ``modes.trace_as``), and so are the sample's inputs and,
for the time of the trace, the parameters. A ``Traced`` node behaves exactly like a
``Value``, except that it notices when the *user's* code looks at its number:

* a read of ``.data`` (the engine's own reads, when it computes an op, are not counted)
  returns a :class:`TracedFloat`: a float that remembers where it came from;
* comparing it (``x > 0``, ``x.data >= 0.0``, ``max(...)``, ``bool(x.data)``) records a
  **guard**: the outcome the trace depends on, checked again for every sample at run time;
* ``+ - * /``, ``abs``, ``-`` and ``max``/``min`` of such floats are followed, so a number
  computed from ``.data`` and passed back into an op (the max subtracted before ``exp`` in
  ``cross_entropy``) becomes a *data constant*, recomputed per sample;
* anything else done with the number (``math.exp(x.data)``, ``int(...)``, printing,
  hashing) makes an **exact guard**: the compiled code is valid only for samples where that
  number is exactly what it was when traced.

Plain floats leave no trace, so a number computed by a path the tracer cannot see (C code
reading the float directly) would be frozen into the compiled code. Two checks catch that:
the function is traced a second time at slightly moved inputs and parameters (a number
that moves but is not followed is reported), and the traced loss is compared with an
eager call on the same sample.
"""

from __future__ import annotations

import builtins
import math
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value
from ..modes import trace_as
from ..rules import Rule
from ..walks import topological_order

__all__ = ["CompileError", "Expr", "Graph", "Guard", "Node", "Sample", "Traced", "TracedFloat",
           "raw_data", "split_result", "trace"]

# An expression over the sample's numbers, as nested tuples:
#   ("node", i)          the value of node i (a Value object while tracing)
#   ("const", x)         a number
#   ("add"|"sub"|"mul"|"div", a, b), ("neg"|"abs", a), ("max"|"min", (a, b, ...))
Expr = tuple[Any, ...]

_DATA = Value.__dict__["data"]  # the slot that holds a Value's number


def raw_data(node: Value) -> float:
    """A node's number, read without being noticed by a trace."""
    value: float = _DATA.__get__(node, Value)
    return value


class CompileError(ValueError):
    """A function that cannot be compiled (or not safely): the message says why."""


# Reads of .data from these modules are the engine computing ops, building error
# messages or printing formulas, not the user's code deciding something.
_QUIET = frozenset({"autograd_lite.engine", "autograd_lite.errors", "autograd_lite.walks",
                    "autograd_lite.rules", "autograd_lite.expression",
                    "autograd_lite.explain", __name__})
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


class _Recorder:
    """What one trace saw: guards and the floats converted into constants."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.conversions: dict[int, list[Expr]] = {}

    def guard(self, op: str, lhs: Expr, rhs: Expr) -> None:
        self.guards.append(Guard(op, lhs, rhs, _user_site()))

    def exact(self, expr: Expr, value: float) -> None:
        self.guard("is", expr, ("const", value))


_ACTIVE: ContextVar[_Recorder | None] = ContextVar("autograd_lite_compile_trace", default=None)


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
    if type(x) is TracedFloat:
        return x.expr, float.__float__(x)
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
    def data(self) -> float:
        value = raw_data(self)
        if _ACTIVE.get() is None or sys._getframe(1).f_globals.get("__name__") in _QUIET:
            return value
        return TracedFloat.of(value, ("node", self))

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

    def __float__(self) -> float:
        value = raw_data(self)
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.exact(("node", self), value)
        return value

    def __format__(self, spec: str) -> str:
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.exact(("node", self), raw_data(self))
        return Value.__format__(self, spec)

    def __repr__(self) -> str:
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.exact(("node", self), raw_data(self))
        return Value.__repr__(self)

    def __str__(self) -> str:
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.exact(("node", self), raw_data(self))
        return Value.__str__(self)

    def detach(self) -> Value:
        if _ACTIVE.get() is None:
            return Value.detach(self)
        return Value(TracedFloat.of(raw_data(self), ("node", self)), label=self.label)


def _traced_compare(node: Traced, op: str, other: Any) -> bool:
    if _ACTIVE.get() is None or _operand(other) is None:
        method: Callable[[Value, Any], bool] = getattr(Value, f"__{_NAMES[op]}__")
        return method(node, other)  # not tracing, or an operand Value refuses anyway
    result: bool = _compare(op, ("node", node), raw_data(node), other)
    return result


_NAMES = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _escape(x: TracedFloat) -> float:
    """The number leaves the tracer's sight: the trace holds only for this exact value."""
    value = float.__float__(x)
    recorder = _ACTIVE.get()
    if recorder is not None:
        recorder.exact(x.expr, value)
    return value


class TracedFloat(float):
    """A float read from a traced node, remembering the expression that computed it."""

    __slots__ = ("expr",)
    expr: Expr

    @classmethod
    def of(cls, value: float, expr: Expr) -> TracedFloat:
        out = cls(value)
        out.expr = expr
        return out

    # comparisons and truth: guards
    def __lt__(self, other: Any) -> Any:
        return _compare("<", self.expr, float.__float__(self), other)

    def __le__(self, other: Any) -> Any:
        return _compare("<=", self.expr, float.__float__(self), other)

    def __gt__(self, other: Any) -> Any:
        return _compare(">", self.expr, float.__float__(self), other)

    def __ge__(self, other: Any) -> Any:
        return _compare(">=", self.expr, float.__float__(self), other)

    def __eq__(self, other: object) -> Any:
        return _compare("==", self.expr, float.__float__(self), other)

    def __ne__(self, other: object) -> Any:
        return _compare("!=", self.expr, float.__float__(self), other)

    def __bool__(self) -> bool:
        result: bool = _compare("!=", self.expr, float.__float__(self), 0.0)
        return result

    def __hash__(self) -> int:
        return hash(_escape(self))

    # arithmetic that is followed
    def _binary(self, op: str, other: Any, reflected: bool) -> Any:
        if isinstance(other, Value):
            return NotImplemented  # the Value makes an op node, with this as a constant
        if not isinstance(other, (int, float)):  # Fraction, complex, ...: not followed
            return getattr(float, f"__{'r' if reflected else ''}{op}__")(_escape(self), other)
        right = _operand(other)
        assert right is not None
        a, b = (right, (self.expr, float.__float__(self))) if reflected else (
            (self.expr, float.__float__(self)), right)
        value = getattr(float, f"__{op}__")(a[1], b[1])
        name = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "div"}[op]
        return TracedFloat.of(value, (name, a[0], b[0]))

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
        return self._binary("truediv", other, False)

    def __rtruediv__(self, other: Any) -> Any:
        return self._binary("truediv", other, True)

    def __neg__(self) -> TracedFloat:
        return TracedFloat.of(-float.__float__(self), ("neg", self.expr))

    def __pos__(self) -> TracedFloat:
        return self

    def __abs__(self) -> TracedFloat:
        return TracedFloat.of(abs(float.__float__(self)), ("abs", self.expr))

    # conversions: the engine turning it into a constant is followed; anything else escapes
    def __float__(self) -> float:
        value = float.__float__(self)
        recorder = _ACTIVE.get()
        if recorder is None:
            return value
        if sys._getframe(1).f_globals.get("__name__") == "autograd_lite.engine":
            recorder.conversions.setdefault(_bits(value), []).append(self.expr)
        else:
            recorder.exact(self.expr, value)
        return value

    def __repr__(self) -> str:
        return float.__repr__(_escape(self))

    def __str__(self) -> str:
        return float.__repr__(_escape(self))

    def __format__(self, spec: str) -> str:
        return float.__format__(_escape(self), spec)

    def __int__(self) -> int:
        return int(_escape(self))

    def __trunc__(self) -> int:
        return math.trunc(_escape(self))

    def __floor__(self) -> int:
        return math.floor(_escape(self))

    def __ceil__(self) -> int:
        return math.ceil(_escape(self))

    def __round__(self, ndigits: Any = None) -> Any:
        return round(_escape(self), ndigits)

    def __pow__(self, other: Any, mod: Any = None) -> Any:
        return pow(_escape(self), other) if mod is None else pow(_escape(self), other, mod)

    def __rpow__(self, other: Any, mod: Any = None) -> Any:
        return pow(other, _escape(self))

    def __mod__(self, other: Any) -> Any:
        return _escape(self) % other

    def __rmod__(self, other: Any) -> Any:
        return other % _escape(self)

    def __floordiv__(self, other: Any) -> Any:
        return _escape(self) // other

    def __rfloordiv__(self, other: Any) -> Any:
        return other // _escape(self)

    def __divmod__(self, other: Any) -> Any:
        return divmod(_escape(self), other)

    def __rdivmod__(self, other: Any) -> Any:
        return divmod(other, _escape(self))

    def is_integer(self) -> bool:
        return _escape(self).is_integer()

    def as_integer_ratio(self) -> tuple[int, int]:
        return _escape(self).as_integer_ratio()

    def hex(self) -> str:
        return _escape(self).hex()

    def conjugate(self) -> float:
        return _escape(self)

    @property
    def real(self) -> float:
        return _escape(self)

    def __reduce__(self) -> Any:
        return (float, (_escape(self),))


def _bits(x: float) -> int:
    """The float's 64 bits: tells 0.0 from -0.0, as ``==`` does not."""
    bits: int = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits


# --- max and min of traced numbers ---------------------------------------------------------
# Python's max() compares inside C, so each comparison would be a guard (and a softmax over
# ten classes would need a program for every ordering). While a trace runs, max and min of
# traced floats return a followed expression instead; for anything else they are the
# builtins themselves.

_ORIGINAL = {"max": builtins.max, "min": builtins.min}
_patch_lock = threading.Lock()
_patch_depth = 0


def _extreme(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    original = _ORIGINAL[name]
    if _ACTIVE.get() is None or kwargs.get("key") is not None or not args:
        return original(*args, **kwargs)
    items = list(args[0]) if len(args) == 1 else list(args)
    call_args = (items,) if len(args) == 1 else tuple(items)
    if not any(type(x) is TracedFloat for x in items) or not all(
            isinstance(x, (int, float)) and not isinstance(x, Value) for x in items):
        return original(*call_args, **kwargs)
    operands = [_operand(x) for x in items]
    value = original(float(v) for _, v in operands)  # type: ignore[misc]
    return TracedFloat.of(value, (name, tuple(e for e, _ in operands)))  # type: ignore[misc]


def _max(*args: Any, **kwargs: Any) -> Any:
    return _extreme("max", args, kwargs)


def _min(*args: Any, **kwargs: Any) -> Any:
    return _extreme("min", args, kwargs)


@contextmanager
def _followed_extremes() -> Iterator[None]:
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


# --- the traced graph ----------------------------------------------------------------------


@dataclass
class Node:
    """One node of a traced graph.

    ``kind`` is ``input`` (a number of the sample; ``slot`` says which), ``param``
    (``slot`` indexes the parameters), ``const`` (a number written in the code), ``dconst``
    (a number computed from ``.data``: ``expr``) or ``op`` (``rule`` applied to
    ``parents``; ``param`` is the op's constant, or an Expr when it was computed from data).
    """

    kind: str
    value: float
    op: str = ""
    rule: Rule | None = None
    parents: tuple[int, ...] = ()
    param: Any = None
    slot: int = -1
    expr: Expr | None = None
    label: str = ""
    frozen: bool = False  # a const that may come from data: an exact guard protects it


@dataclass
class Graph:
    """A traced program: nodes in a forward order, the loss and outputs, and guards.

    ``backward`` lists the op nodes in the order ``loss.backward()`` meets them (reversed
    topological order of the loss), which the compiled code follows so that every sum of
    gradients is added up in the same order as the engine adds it.
    """

    nodes: list[Node]
    root: int
    outputs: list[int]
    backward: list[int]
    guards: list[Guard]
    statics: tuple[Any, ...]
    n_inputs: int
    forward: list[int] = field(default_factory=list)

    def signature(self) -> tuple[Any, ...]:
        """What must not change when the data moves a little (for the second trace)."""
        nodes = tuple((n.kind, n.op, n.parents, n.slot, n.expr, _fixed(n.param),
                       _bits(n.value) if n.kind == "const" and not n.frozen else None)
                      for n in self.nodes)
        return nodes, self.root, tuple(self.outputs), self.statics, tuple(
            g.key() for g in self.guards)

    def decisions(self) -> tuple[str, ...]:
        """The outcomes of the traced comparisons (a flip makes two traces incomparable)."""
        return tuple(g.op for g in self.guards)


def _fixed(param: Any) -> Any:
    return _bits(param) if type(param) is float else param


# --- running a trace ---------------------------------------------------------------------


@dataclass
class _Run:
    root: Value
    outputs: list[Value]
    inputs: list[Traced]
    recorder: _Recorder


def _run(fn: Callable[..., Any], sample: Sample, values: Sequence[float]) -> _Run:
    inputs = [Traced(v) for v in values]
    args = sample.build(inputs)
    recorder = _Recorder()
    token = _ACTIVE.set(recorder)
    try:
        with trace_as(Traced), _followed_extremes():
            result = fn(*args)
    finally:
        _ACTIVE.reset(token)
    root, outputs = split_result(result)
    return _Run(root, outputs, inputs, recorder)


def split_result(result: Any) -> tuple[Value, list[Value]]:
    outputs: list[Value] = []
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], Value):
        result, extra = result
        items = extra if isinstance(extra, (list, tuple)) else [extra]
        for item in items:
            if not isinstance(item, Value):
                raise CompileError(f"compile: the outputs returned beside the loss must be "
                                   f"Values, got {item!r}")
            outputs.append(item)
    if not isinstance(result, Value):
        raise CompileError(f"compile: the function must return the sample's loss as a Value, "
                           f"got {result!r} of type {type(result).__name__}")
    return result, outputs


def _reachable(run: _Run) -> list[Value]:
    roots: list[Value] = [run.root, *run.outputs]
    for g in run.recorder.guards:
        roots += _expr_nodes(g.lhs) + _expr_nodes(g.rhs)
    for exprs in run.recorder.conversions.values():
        for e in exprs:
            roots += _expr_nodes(e)
    seen: set[int] = set()
    order: list[Value] = []
    for r in roots:
        for node in topological_order(r):
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
    return order


def _expr_nodes(e: Expr) -> list[Value]:
    kind = e[0]
    if kind == "node":
        return [e[1]]
    if kind == "const":
        return []
    if kind in ("max", "min"):
        return [n for part in e[1] for n in _expr_nodes(part)]
    return [n for part in e[1:] for n in _expr_nodes(part)]


def _map_expr(e: Expr, index: dict[int, int]) -> Expr:
    kind = e[0]
    if kind == "node":
        return ("node", index[id(e[1])])
    if kind == "const":
        return e
    if kind in ("max", "min"):
        return (kind, tuple(_map_expr(part, index) for part in e[1]))
    return (kind, *(_map_expr(part, index) for part in e[1:]))


@contextmanager
def _watched(params: Sequence[Value]) -> Iterator[list[Value]]:
    """Turn plain-Value parameters into Traced ones for the time of a trace."""
    swapped: list[Value] = []
    try:
        for p in params:
            if type(p) is Value:
                p.__class__ = Traced
                swapped.append(p)
        yield swapped
    finally:
        for p in swapped:
            p.__class__ = Value


def _build(run: _Run, external: set[int], params: list[Value],
           param_index: dict[int, int], statics: tuple[Any, ...]) -> Graph:
    order = _reachable(run)
    index = {id(node): i for i, node in enumerate(order)}
    input_slot = {id(node): s for s, node in enumerate(run.inputs)}
    nodes: list[Node] = []
    for node in order:
        value = raw_data(node)
        if id(node) in input_slot:
            nodes.append(Node("input", value, slot=input_slot[id(node)], label=node.label))
        elif id(node) in external:
            if node.parents:
                name = f" '{node.label}'" if node.label else ""
                raise CompileError(
                    f"compile: the function uses the value{name} = {value!r} ({node.op} of "
                    f"other values) that was computed outside it; compute it inside the "
                    f"function, or pass the Values it is made of")
            if id(node) not in param_index:
                param_index[id(node)] = len(params)
                params.append(node)
            nodes.append(Node("param", value, slot=param_index[id(node)], label=node.label))
        elif not node.parents:
            nodes.append(Node("const", value, label=node.label))
        else:
            nodes.append(Node("op", value, op=node.op, rule=node.rule,
                              parents=tuple(index[id(p)] for p in node.parents),
                              param=node.param, label=node.label))
    guards = [Guard(g.op, _map_expr(g.lhs, index), _map_expr(g.rhs, index), g.where)
              for g in run.recorder.guards]
    _link_constants(nodes, run.recorder.conversions, index, guards)
    _share_data_constants(nodes)
    root = index[id(run.root)]
    backward = [index[id(n)] for n in reversed(topological_order(run.root)) if n.parents
                and id(n) not in external]
    return Graph(nodes, root, [index[id(o)] for o in run.outputs], backward, guards, statics,
                 len(run.inputs), _forward_order(nodes))


def _share_data_constants(nodes: list[Node]) -> None:
    """One node per data constant: ``v - m`` for ten scores uses one ``m``."""
    first: dict[Any, int] = {}
    alias: dict[int, int] = {}
    for i, n in enumerate(nodes):
        if n.kind == "dconst":
            j = first.setdefault(n.expr, i)
            if j != i:
                alias[i] = j
                n.kind = "alias"
    if alias:
        for n in nodes:
            n.parents = tuple(alias.get(p, p) for p in n.parents)


def _needs(node: Node) -> list[int]:
    """The nodes whose values ``node`` is computed from."""
    found = list(node.parents)
    if node.kind == "dconst" and node.expr is not None:
        found += _expr_indices(node.expr)
    if isinstance(node.param, tuple):
        found += _expr_indices(node.param)
    return found


def _expr_indices(e: Expr) -> list[int]:
    kind = e[0]
    if kind == "node":
        return [e[1]]
    if kind == "const":
        return []
    parts = e[1] if kind in ("max", "min") else e[1:]
    return [i for part in parts for i in _expr_indices(part)]


def _forward_order(nodes: list[Node]) -> list[int]:
    """An order to compute the nodes in: inputs before the nodes computed from them,
    data constants included (a constant read from a node that comes later in the
    graph's order moves after it). Iterative depth-first, keeping the graph's order."""
    order: list[int] = []
    state = [0] * len(nodes)  # 0 new, 1 on the stack, 2 placed
    for start in range(len(nodes)):
        stack = [(start, False)]
        while stack:
            i, expanded = stack.pop()
            if expanded:
                state[i] = 2
                order.append(i)
                continue
            if state[i]:
                continue
            state[i] = 1
            stack.append((i, True))
            stack.extend((j, False) for j in reversed(_needs(nodes[i])) if not state[j])
    return [i for i in order if nodes[i].kind != "alias"]


def _link_constants(nodes: list[Node], conversions: dict[int, list[Expr]],
                    index: dict[int, int], guards: list[Guard]) -> None:
    """Constants made from followed floats become data constants; ambiguous ones are
    frozen, with an exact guard on each float that may have made them."""
    holders: dict[int, list[tuple[Node, str]]] = {}
    for n in nodes:
        if n.kind == "const":
            holders.setdefault(_bits(n.value), []).append((n, "value"))
        elif n.kind == "op" and type(n.param) is float:
            holders.setdefault(_bits(n.param), []).append((n, "param"))
    for bits, exprs in conversions.items():
        mapped = [_map_expr(e, index) for e in exprs]
        distinct = list(dict.fromkeys(mapped))
        found = holders.get(bits, [])
        if len(distinct) == 1 and len(found) == len(mapped):
            for n, what in found:
                if what == "value":
                    n.kind, n.expr = "dconst", distinct[0]
                else:
                    n.param = distinct[0]
        else:
            value = struct.unpack("<d", struct.pack("<q", bits))[0]
            guards += [Guard("is", e, ("const", value), "a number read from .data")
                       for e in distinct]
            for n, what in found:
                if what == "value":
                    n.frozen = True


# --- the whole procedure -------------------------------------------------------------------


@dataclass
class Sample:
    """One sample, split into traced numbers and static values by the arguments' layout."""

    values: list[float]
    statics: tuple[Any, ...]
    build: Callable[[Sequence[Value]], tuple[Any, ...]]
    eager_args: tuple[Any, ...]


def trace(fn: Callable[..., Any], sample: Sample, params: list[Value],
          param_index: dict[int, int], check: bool = True) -> Graph:
    """Trace ``fn`` on one sample and return its graph; new parameters found on the way
    are appended to ``params``. Raises CompileError when it cannot be done safely."""
    discovery = _run(fn, sample, sample.values)
    inputs = {id(i) for i in discovery.inputs}
    candidates = [n for n in _reachable(discovery) if not n.parents and id(n) not in inputs]
    found = {id(c) for c in candidates}
    candidates += [p for p in params if id(p) not in found]
    with _watched(candidates):
        main = _run(fn, sample, sample.values)
        known = {id(n) for n in _reachable(discovery)}
        external = {id(n) for n in _reachable(main) if id(n) in known}
        graph = _build(main, external, params, param_index, sample.statics)
        if check:
            _check_followed(fn, sample, graph, params, param_index, candidates)
    if check:
        _check_eager(fn, sample, graph)
    return graph


def _check_followed(fn: Callable[..., Any], sample: Sample, graph: Graph,
                    params: list[Value], param_index: dict[int, int],
                    watched: list[Value]) -> None:
    """Trace again with every input and parameter moved a little: the graph must be the
    same, except for numbers the tracer follows."""
    for factor in (1.0 + 2.0 ** -20, 1.0 - 2.0 ** -20):
        saved = [raw_data(p) for p in watched]
        moved = [_nudge(v, factor) for v in sample.values]
        try:
            for p, v in zip(watched, saved):
                _DATA.__set__(p, _nudge(v, factor))
            try:
                run = _run(fn, sample, moved)
            except Exception:
                continue
            known = {id(p) for p in watched}
            external = {id(n) for n in _reachable(run) if id(n) in known}
            try:
                other = _build(run, external, list(params), dict(param_index), sample.statics)
            except CompileError:
                continue
        finally:
            for p, v in zip(watched, saved):
                _DATA.__set__(p, v)
        if other.decisions() != graph.decisions():
            continue  # a decision flipped: the two traces are not comparable
        if other.signature() != graph.signature():
            raise CompileError(_difference(graph, other))
        return


def _nudge(v: float, factor: float) -> float:
    return v * factor if v != 0.0 else (factor - 1.0) * 1e-3


def _difference(a: Graph, b: Graph) -> str:
    for i, (x, y) in enumerate(zip(a.nodes, b.nodes)):
        if x.kind == y.kind == "const" and _bits(x.value) != _bits(y.value):
            return (f"compile: the constant {x.value!r} (node {i}) changed to {y.value!r} when "
                    "the inputs moved a little: it is computed from .data in a way the tracer "
                    "cannot follow (e.g. math.exp(x.data) or inside no_grad()); use Value "
                    "operations, or run the function eagerly")
    return ("compile: the function built a different graph for the same sample when the "
            "numbers moved a little and no traced comparison changed: it draws random "
            "numbers (Dropout or DropConnect in training mode?) or decides something from "
            "numbers the tracer cannot see; switch it to eval() or run it eagerly")


def _check_eager(fn: Callable[..., Any], sample: Sample, graph: Graph) -> None:
    result = fn(*sample.eager_args)
    root, _ = split_result(result)
    if _bits(raw_data(root)) != _bits(graph.nodes[graph.root].value):
        raise CompileError(
            f"compile: called eagerly on the same sample the function gives "
            f"{raw_data(root)!r}, but {graph.nodes[graph.root].value!r} when traced: it "
            f"treats the Values it is given differently from numbers (isinstance or type "
            f"checks on inputs?)")
