"""The graph machinery: ``Value`` nodes, recording, and the backward passes.

Nothing here names a specific operation: every op is a :class:`~autograd_lite.rules.Rule`
looked up in the rules table, and ``_make`` is the one place an op's node is made.
Recording modes live in ``modes.py``, error messages in ``errors.py``, graph walks in
``walks.py`` (``BackwardError`` and the walks are re-exported here).

Design notes (why it looks like this):

* ``__slots__`` and no per-node closure: a node refers only to its parents, never to itself,
  so a dropped graph is freed at once by reference counting (micrograd's closures make every
  node a reference cycle that waits for the cyclic garbage collector).
* Graph walks are iterative; a chain of a million nodes needs no recursion limit.
* A single context variable holds the recording mode (grad on/off, anomaly detection), read
  once per op: safe across threads and asyncio tasks, and one cheap lookup when off.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Union

from .errors import (
    BackwardError,
    _backward_error,
    _derivative_problem,
    _describe,
    _fmt,
    _forward_error,
)
from .modes import (
    _ANOMALY,
    _NO_GRAD,
    _TRACE,
    _trace_class,
    _caller_site,
    _mode,
    _sites,
)
from .rules import RULES, Rule
from .walks import backward_order, topological_order

__all__ = [
    "BackwardError",
    "Value",
    "apply",
    "backprop",
    "backward_order",
    "topological_order",
]

Number = int | float
Operand = Union["Value", int, float]


def _to_float(x: Any, op: str) -> float:
    """Convert a user number to float, or raise a TypeError naming ``op`` and ``x``."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        try:
            return float(x)
        except OverflowError:  # an int or Fraction beyond 1.8e308
            raise OverflowError(f"{op}: the {type(x).__name__} {x!r:.20}... is too large for"
                                " a float (max about 1.8e308)") from None
    if isinstance(x, Value):
        raise TypeError(f"{op}: got a Value where a number was expected; use .data or .detach()")
    raise TypeError(f"{op}: expected a Value, int or float, got {x!r} of type {_type_name(x)}")


def _type_name(x: Any) -> str:
    """``x``'s type for error messages, qualified unless built in: numpy's ``bool_`` is
    also called "bool", which reads as a lie."""
    kind = type(x)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _constant(x: Any, op: str, what: str = "operands and parameters") -> float:
    """A number used as data, operand or op parameter: a finite float, or an error naming op."""
    c = x if type(x) is float else _to_float(x, op)
    if math.isfinite(c):
        return c
    raise ValueError(f"{op}: {what} must be finite, got {c!r}")


class Value:
    """A scalar that records the operations applied to it, for reverse-mode autodiff.

    Attributes:
        data: the float value.
        grad: d(root)/d(this node) after ``root.backward()``; 0.0 before.
        label: an optional name shown in pictures, transcripts and errors.

    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a.exp()
    >>> round(c.data, 4)
    1.3891
    >>> c.backward()
    >>> round(a.grad, 4), b.grad       # dc/da = b + exp(a), dc/db = a
    (4.3891, 2.0)
    """

    __slots__ = ("__weakref__", "_param", "_prev", "_rule", "data", "grad", "label")

    data: float
    grad: Any
    _prev: tuple[Value, ...]
    _rule: Rule | None
    _param: Any
    label: str

    def __init__(self, data: Number, _children: Iterable[Value] = (), _op: str = "",
                 label: str = "") -> None:
        # _children and _op are accepted (and ignored) so code written for micrograd,
        # which passes them positionally, keeps working.
        if isinstance(_children, str):
            raise TypeError(f"Value: the second argument is micrograd's _children, got "
                            f"{_children!r}; pass a label by keyword: label={_children!r}")
        self.data = _constant(data, "Value", "data")
        self.grad = 0.0
        self._prev = ()
        self._rule = None
        self._param = None
        self.label = label

    # --- read-only views --------------------------------------------------------------
    @property
    def _op(self) -> str:
        """The op's symbol (``"*"``, ``"tanh"``), or ``""`` for a leaf; as in micrograd."""
        return self._rule.symbol if self._rule is not None else ""

    @property
    def op(self) -> str:
        """The op's name in the rules table (``"mul"``), or ``""`` for a leaf."""
        return self._rule.name if self._rule is not None else ""

    @property
    def rule(self) -> Rule | None:
        """The op's entry in the rules table, or ``None`` for a leaf."""
        return self._rule

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs this node was computed from (empty for a leaf)."""
        return self._prev

    @property
    def param(self) -> Any:
        """The op's constant parameter (the exponent of ``x ** 3``), or ``None``."""
        return self._param

    @property
    def is_leaf(self) -> bool:
        """True for a node made by the user (or under ``no_grad``), not by an op."""
        return not self._prev

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __str__(self) -> str:
        """The expression this node computes, e.g. ``tanh(w*x + 1)`` (see ``formula``);
        the repr for a leaf, or when the expression would not fit on a few lines.

        >>> w, x = Value(0.5, label="w"), Value(2.0, label="x")
        >>> print((w * x + 1).tanh())
        tanh(w*x + 1)
        >>> print(w)
        Value(data=0.5, grad=0.0, label='w')
        """
        if not self._prev:
            return repr(self)
        from .expression import formula  # the printer builds on the engine, not vice versa

        text = formula(self, max_length=_STR_MAX)
        # A bare name means the whole expression was too long and got abbreviated.
        return repr(self) if text.isidentifier() or len(text) > _STR_MAX else text

    def __format__(self, spec: str) -> str:
        """Format specs apply to ``data``: ``f"{loss:.4f}"``; an empty spec is ``str``.

        >>> f"{Value(2.0) / 3:.3f}"
        '0.667'
        """
        return format(self.data, spec) if spec else str(self)

    def __float__(self) -> float:
        return self.data

    # Comparisons look at data (handy in `if loss < 0.01:`); equality stays identity so that
    # nodes can be dict keys and set members, as micrograd code expects.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other, ">=")

    # --- operators: one-line wrappers around the rules table ----------------------------
    def __add__(self, other: Operand) -> Value:
        return _apply2(_ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _apply2(_ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _apply2(_SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _apply2(_SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _apply2(_MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _apply2(_MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _apply2(_DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _apply2(_DIV, other, self)

    def __neg__(self) -> Value:
        return _apply1(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _apply2(_POW, self, other)
        return _apply1(_POWC, self, _constant(other, "pow"))

    def __rpow__(self, other: Operand) -> Value:
        return _apply2(_POW, other, self)

    def __abs__(self) -> Value:
        return _apply1(_ABS, self)

    # --- elementary functions ---------------------------------------------------------
    def exp(self) -> Value:
        """e ** self.

        >>> round(Value(1.0).exp().data, 6)
        2.718282
        """
        return _apply1(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm; raises ``DomainError`` (a ValueError) for data <= 0.

        >>> Value(-1.0).log()
        Traceback (most recent call last):
        ...
        autograd_lite.rules.DomainError: log: log(x) needs x > 0; got x=-1
        """
        return _apply1(_LOG, self)

    def sqrt(self) -> Value:
        """Square root; data must be >= 0.

        >>> Value(9.0).sqrt().data
        3.0
        """
        return _apply1(_SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent.

        >>> Value(0.0).tanh().data
        0.0
        """
        return _apply1(_TANH, self)

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e**-x), computed without overflow.

        >>> Value(0.0).sigmoid().data
        0.5
        """
        return _apply1(_SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0); the derivative at 0 is taken as 0.

        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        return _apply1(_RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, ``slope * x`` otherwise; the derivative at 0 is ``slope``.

        >>> Value(-2.0).leaky_relu(0.1).data
        -0.2
        """
        return _apply1(_LEAKY_RELU, self, _constant(slope, "leaky_relu"))

    def softplus(self) -> Value:
        """log(1 + e**x), stable for large |x|.

        >>> round(Value(0.0).softplus().data, 6)
        0.693147
        """
        return _apply1(_SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine (radians).

        >>> Value(0.0).sin().data
        0.0
        """
        return _apply1(_SIN, self)

    def cos(self) -> Value:
        """Cosine (radians).

        >>> Value(0.0).cos().data
        1.0
        """
        return _apply1(_COS, self)

    def abs(self) -> Value:
        """|x|; the derivative at 0 is taken as 0.

        >>> Value(-2.5).abs().data
        2.5
        """
        return _apply1(_ABS, self)

    # --- gradients --------------------------------------------------------------------
    def backward(self, grad: Number = 1.0, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node this one depends on with d(self)/d(node).

        Semantics follow PyTorch: leaves *accumulate* into ``.grad`` across calls (call
        ``zero_grad`` between steps); gradients of interior nodes are recomputed from zero
        on each call. The walk is iterative, so graph depth is unlimited. With
        ``create_graph=True`` the gradients are themselves Values recorded in a graph, so
        they can be differentiated again (as in PyTorch, each ``.grad`` then refers back
        into the graph: call ``zero_grad()`` when done so the graph can be freed at once).

        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward(); x.grad
        6.0
        >>> y.backward(); x.grad      # accumulates, like PyTorch
        12.0
        """
        seed = _constant(grad, "backward", "the seed (grad)")
        order = topological_order(self)
        if create_graph:
            grads = _backprop_values(order, Value(seed))
            # Every new .grad first (a leaf's sum may overflow), then all at once.
            new = [grads.get(id(node), 0.0) if node._prev else
                   node.grad + grads[id(node)] if id(node) in grads else node.grad
                   for node in order]
            for node, g in zip(order, new):
                node.grad = g
            return
        saved = [node.grad for node in order]
        try:
            for node in order:
                if node._prev:
                    node.grad = 0.0
            self.grad += seed
            _accumulate(order)
        except BaseException:
            # All or nothing: a failed backward leaves every .grad as it was.
            for node, g in zip(order, saved):
                node.grad = g
            raise

    def _backward(self) -> None:
        """One local step of the chain rule, as in micrograd's lecture: add
        ``self.grad * d(self)/d(input)`` to each input's ``.grad``. A leaf does nothing.

        >>> a, b = Value(2.0), Value(-3.0); c = a * b
        >>> c.grad = 1.0; c._backward(); a.grad, b.grad
        (-3.0, 2.0)
        """
        rule = self._rule
        if rule is None:
            return
        parts = rule.partials([p.data for p in self._prev], self.data, self._param)
        for p, d in zip(self._prev, parts):
            p.grad += self.grad * d

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this node and every node it depends on.

        >>> x = Value(2.0); y = x * x; y.backward(); y.zero_grad(); x.grad
        0.0
        """
        for node in topological_order(self):
            node.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data, cut from the graph (gradients stop here).

        >>> x = Value(2.0); y = (x * x).detach() * x; y.backward(); x.grad
        4.0
        """
        return Value(self.data, label=self.label)


def _data(x: Operand, op: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, op)


def _as_value(x: Any, op: str) -> Value:
    if isinstance(x, Value):
        return x
    return _leaf(_constant(x, op))


def _leaf(data: float) -> Value:
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node._prev = ()
    node._rule = None
    node._param = None
    node.label = ""
    return node


def apply(rule: Rule, inputs: Sequence[Any], param: Any = None) -> Value:
    """Apply ``rule`` to ``inputs`` (Values or numbers) and record the result in the graph.

    This is how every op is made (the dunders use two fast front-ends of the same path).
    Numbers become constant leaves. Errors name the op and the offending values.

    >>> from autograd_lite.rules import RULES
    >>> apply(RULES["mul"], (Value(2.0), 3)).data
    6.0
    """
    parents = tuple([x if type(x) is Value else _as_value(x, rule.name) for x in inputs])
    return _make(rule, parents, [p.data for p in parents], param)


def _apply1(rule: Rule, x: Value, param: Any = None) -> Value:
    return _make(rule, (x,), (x.data,), param)


def _apply2(rule: Rule, x: Any, y: Any) -> Value:
    if type(x) is not Value:
        x = _as_value(x, rule.name)
    if type(y) is not Value:
        y = _as_value(y, rule.name)
    return _make(rule, (x, y), (x.data, y.data), None)


def _make(rule: Rule, parents: tuple[Value, ...], args: Sequence[float], param: Any) -> Value:
    """Run the forward rule, check the result, and make the node (the only place nodes of
    ops are made)."""
    try:
        data = rule.forward(args, param)
    except (ArithmeticError, ValueError) as exc:
        raise _forward_error(rule, args, param, exc) from None
    if not _isfinite(data):
        site = f" (at {_caller_site()})" if _mode.get() & _ANOMALY else ""
        raise OverflowError(
            f"{rule.name}: {rule.formula} is {data!r} for {_describe(rule, args, param)}"
            f" (the result does not fit in a float){site}"
        )
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    mode = _mode.get()
    if mode & _NO_GRAD:
        node._prev = ()
        node._rule = None
        node._param = None
        return node
    node._prev = parents
    node._rule = rule
    node._param = param
    if mode & _ANOMALY:
        _sites[node] = _caller_site()
    if mode & _TRACE:
        node.__class__ = _trace_class.get()
    return node


_new = object.__new__
_isfinite = math.isfinite
_STR_MAX = 400  # longest formula str() prints before it falls back to the repr


# --- differentiable gradients (create_graph) ---------------------------------------------


def _accumulate(order: list[Value]) -> None:
    """The reverse pass on floats: each node, children before parents, adds
    ``grad * partial`` into each parent's ``.grad`` (local partials from the rules table)."""
    isfinite = math.isfinite
    for node in reversed(order):
        prev = node._prev
        if not prev:
            continue
        g = node.grad
        if g == 0.0:
            continue  # nothing flows back; also skips partials that may not exist here
        if not isfinite(g):
            raise _gradient_error(order, node)  # name the op that produced it, not this one
        rule = node._rule
        try:
            parts = rule.partials([p.data for p in prev], node.data, node._param)  # type: ignore[union-attr]
        except (ArithmeticError, ValueError) as exc:
            raise _backward_error(node, _derivative_problem(rule, exc)) from None  # type: ignore[arg-type]
        for p, d in zip(prev, parts):
            p.grad += g * d
    # Interior gradients were checked above as they were used; leaves are never "used", so
    # an overflowing g * d (1/x at x = 1e-200) would otherwise end there silently as inf.
    for node in order:
        if not node._prev and not isfinite(node.grad):
            raise _gradient_error(order, node)


def _gradient_error(order: list[Value], leaf: Value) -> BackwardError:
    """Name the op whose local derivative made the gradient of ``leaf`` (a leaf or an
    interior node) non-finite."""
    for node in reversed(order):
        if node._rule is None or node.grad == 0.0 or not any(p is leaf for p in node._prev):
            continue
        parts = node._rule.partials([p.data for p in node._prev], node.data, node._param)
        n = len(parts)
        names = node._rule.input_names(n)
        for i, (p, d) in enumerate(zip(node._prev, parts)):
            if p is leaf and not math.isfinite(node.grad * d):
                formula = node._rule.partial_formula(i, n)
                which = f"{names[i]} ('{p.label}')" if p.label else names[i]
                return _backward_error(node, f"the gradient for {which}, grad * ({formula})"
                                       f" = {node.grad * d!r}, does not fit in a float")
    if leaf._prev:  # every use gave a finite gradient, but their sum overflows
        return _backward_error(leaf, f"its gradient is {leaf.grad!r}")
    label = f" '{leaf.label}'" if leaf.label else ""
    return BackwardError(f"backward: the gradient reaching leaf{label} (data={_fmt(leaf.data)})"
                         f" is {leaf.grad!r}; is the seed or the leaf's old .grad finite?")


def _backprop_values(order: list[Value], seed: Value) -> dict[int, Any]:
    """Reverse pass where gradients are Values: the same rules, evaluated on the nodes
    themselves, so the result is a graph that can be differentiated again.

    ``order`` is ``topological_order(root)``; returns ``{id(node): gradient}`` for every
    node reached (leaves included) without touching any ``.grad``.
    """
    grads: dict[int, Any] = {id(order[-1]): seed}
    for node in reversed(order):
        prev = node._prev
        g = grads.get(id(node))
        if not prev or g is None:
            continue
        if not math.isfinite(g.data):
            raise _backward_error(node, f"its gradient is {g.data!r}")
        rule = node._rule
        assert rule is not None
        try:
            parts = rule.partials(prev, node, node._param)
        except (ArithmeticError, ValueError) as exc:
            if g.data == 0.0:
                continue  # as in the float pass: a zero gradient needs no derivative here
            raise _backward_error(node, _derivative_problem(rule, exc)) from None
        try:
            for p, d in zip(prev, parts):
                contribution = g if (type(d) is float and d == 1.0) else g * d
                old = grads.get(id(p))
                grads[id(p)] = contribution if old is None else old + contribution
        except OverflowError as exc:  # name this node (and its site), not the gradient's op
            raise _backward_error(node, f"a gradient does not fit in a float ({exc})") from None
    return grads


def backprop(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[int, Any]:
    """Gradients of ``root`` w.r.t. every node it depends on, keyed by ``id(node)``.

    Unlike ``backward`` this touches no ``.grad``. With ``create_graph`` the gradients are
    Values (differentiable again); otherwise floats. ``seed`` is d(loss)/d(root).

    >>> x = Value(3.0); y = x * x
    >>> backprop(y)[id(x)]
    6.0
    >>> g = backprop(y, create_graph=True)[id(x)]; g.backward(); x.grad   # d2y/dx2 = 2
    2.0
    """
    order = topological_order(root)
    if create_graph:
        seed_value = seed if isinstance(seed, Value) else Value(
            _constant(seed, "backprop", "the seed"))
        return _backprop_values(order, seed_value)
    seed = _constant(seed, "backprop", "the seed")  # as backward checks it
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        root.grad = seed
        _accumulate(order)
        return {id(node): node.grad for node in order}
    finally:
        for node, g in zip(order, saved):
            node.grad = g


_ADD, _SUB, _MUL, _DIV = RULES["add"], RULES["sub"], RULES["mul"], RULES["div"]
_NEG, _POW, _POWC, _ABS = RULES["neg"], RULES["pow"], RULES["powc"], RULES["abs"]
_EXP, _LOG, _SQRT, _TANH = RULES["exp"], RULES["log"], RULES["sqrt"], RULES["tanh"]
_SIGMOID, _RELU, _LEAKY_RELU = RULES["sigmoid"], RULES["relu"], RULES["leaky_relu"]
_SOFTPLUS, _SIN, _COS = RULES["softplus"], RULES["sin"], RULES["cos"]
