"""``Value``: a number that remembers how it was made, and ``backward``: the chain rule.

Read this file first. It follows micrograd's order: the node, how an op makes a node, then
backward. The math of each op (forward and local derivatives) is one line of ``rules.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from . import errors, graph
from .errors import number
from .modes import apply_modes, mode
from .rules import RULES, Rule

__all__ = ["Value", "apply", "constant", "make_node", "walk"]

class Value:
    """A scalar that records the operations applied to it.

    ``data`` is the number, ``grad`` is d(root)/d(this) after ``root.backward()``,
    ``label`` names it in pictures and messages. A node made by an op also knows its
    ``parents`` (its inputs), its ``rule`` (the op) and ``param`` (a constant of the op).
    Each operator and method (``exp log sqrt tanh sigmoid relu leaky_relu softplus sin cos
    abs``) applies the op of that name in ``rules.py``.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a.exp()
    >>> c.backward()
    >>> a.grad == b.data + math.exp(2.0), b.grad == a.data     # dc/da, dc/db
    (True, True)
    """

    __slots__ = ("data", "_grad", "label", "parents", "rule", "param", "_seq", "_acc", "_mark",
                 "_writer", "__weakref__")

    def __init__(self, data: float, _children: Any = (), _op: str = "", label: str = ""):
        # _children and _op are micrograd's (it passes them positionally); ignored here.
        self.data = errors.leaf_data(data, _children, label)
        self._grad: Any = 0.0
        self.label = label
        self.parents: tuple[Value, ...] = ()
        self.rule: Rule | None = None
        self.param: Any = None
        self._seq = _next_seq()  # nodes are numbered as they are made: graph.newest_first
        # the walk's gradient so far, the last traversal here, graph.GradientWriter
        self._acc: Any = None; self._mark: Any = None; self._writer: Any = None  # noqa: E702

    # --- what people (and micrograd's code) read ----------------------------------------
    grad = property(lambda self: self._grad, graph.set_grad, doc="d(root)/d(this node).")
    __setstate__ = graph.copied  # copy.copy(v): a node made now, numbered as such
    op = property(lambda self: self.rule.name if self.rule else "", doc="The op's name.")
    is_leaf = property(lambda self: not self.parents, doc="Made by the user, not by an op.")
    _prev = property(lambda self: set(self.parents))  # micrograd's name and type
    _op = property(lambda self: self.rule.symbol if self.rule else "")  # micrograd's "*"

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __format__(self, spec: str) -> str: return format(self.data, spec) if spec else repr(self)
    def __float__(self) -> float: raise errors.wording.float_of_value(self)  # math.exp(v)
    def __int__(self) -> int: raise errors.wording.float_of_value(self, "int()")
    def __round__(self, n: Any = None) -> Any: raise errors.wording.float_of_value(self, "round()")

    # Comparisons read data (``if loss < 0.01``); equality stays identity, so nodes can be
    # dict keys and set members, as micrograd's code expects.
    def __lt__(self, other: Value | float) -> bool: return self.data < _data(other, "<")
    def __le__(self, other: Value | float) -> bool: return self.data <= _data(other, "<=")
    def __gt__(self, other: Value | float) -> bool: return self.data > _data(other, ">")
    def __ge__(self, other: Value | float) -> bool: return self.data >= _data(other, ">=")

    # --- operators: each makes one node through apply ------------------------------------
    def __add__(self, other: Value | float) -> Value: return binary(ADD, self, other)
    def __radd__(self, other: Value | float) -> Value: return binary(ADD, other, self)
    def __sub__(self, other: Value | float) -> Value: return binary(SUB, self, other)
    def __rsub__(self, other: Value | float) -> Value: return binary(SUB, other, self)
    def __mul__(self, other: Value | float) -> Value: return binary(MUL, self, other)
    def __rmul__(self, other: Value | float) -> Value: return binary(MUL, other, self)
    def __truediv__(self, other: Value | float) -> Value: return binary(DIV, self, other)
    def __rtruediv__(self, other: Value | float) -> Value: return binary(DIV, other, self)
    def __rpow__(self, other: Value | float) -> Value: return binary(POW, other, self)
    def __neg__(self) -> Value: return unary(NEG, self)
    def __pos__(self) -> Value: return self
    def __abs__(self) -> Value: return unary(ABS, self)

    def __pow__(self, other: Value | float) -> Value:
        """``x ** 3`` (a number exponent: ``powc``) or ``x ** y`` (a Value: ``pow``)."""
        if isinstance(other, Value):
            return binary(POW, self, other)
        return unary(POWC, self, number(other, "pow", "the exponent"))

    # --- functions: see rules.py for each one's math -------------------------------------
    def exp(self) -> Value: return unary(EXP, self)
    def log(self) -> Value: return unary(LOG, self)
    def sqrt(self) -> Value: return unary(SQRT, self)
    def tanh(self) -> Value: return unary(TANH, self)
    def sigmoid(self) -> Value: return unary(SIGMOID, self)
    def relu(self) -> Value: return unary(RELU, self)
    def softplus(self) -> Value: return unary(SOFTPLUS, self)
    def sin(self) -> Value: return unary(SIN, self)
    def cos(self) -> Value: return unary(COS, self)
    def abs(self) -> Value: return unary(ABS, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return unary(LEAKY_RELU, self, number(slope, "leaky_relu", "slope"))

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on this node and every node it depends on."""
        for node in graph.topological_order(self):
            node.grad = 0.0

    # micrograd's manual step, o._backward(); setting a closure is refused (register_op)
    _backward = property(lambda self: partial(graph.local_step, self), errors.refuse_backward)

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self.data, label=self.label)

    # --- gradients -----------------------------------------------------------------------
    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Set ``.grad`` of every node this one depends on to d(self)/d(node).

        As in PyTorch, leaves *accumulate* into ``.grad`` across calls (``zero_grad()``
        between steps); other nodes are recomputed. If backward fails, no ``.grad`` changes.
        ``create_graph=True`` records the gradients as Values, to differentiate again.

        >>> x = Value(3.0); y = x * x
        >>> y.backward(); x.grad
        6.0
        >>> y.backward(); x.grad                  # accumulated, as in PyTorch
        12.0
        """
        seed = number(grad, "backward", "the seed (grad)")
        with graph.walk_lock:  # two threads' backwards into one leaf must not lose a sum
            # Only nodes a gradient reaches are walked; if an inner node somewhere may hold an
            # earlier gradient, those behind a 0 are then found and set to 0 (GradientWriter)
            held = not create_graph and graph.inner_gradients_held()
            order, grads = walk(self, Value(seed) if create_graph else seed, create_graph,
                                prune=not create_graph)
            new = [g if n.parents else graph.accumulated(n, g) for n, g in zip(order, grads)]
            graph.store_gradients(order, new, behind_zeros=held)


# --- backward: one walk, the chain rule at each node -------------------------------------


def _reverse(root: Value, seed: Any, create_graph: bool, prune: bool,
             visit: Callable[[Value, Any, Any], None] | None, order: list[Value]) -> None:
    """Each node, after all its users, passes grad x local derivative to its inputs."""
    skip_zeros = visit is None and not create_graph  # else every node is visited
    # newest first (a node's users are all made after it), then the leaves: graph.py
    for node in graph.newest_first(root, seed, None if create_graph else 0.0, prune):
        order.append(node)
        g, parents = node._acc, node.parents
        if g is None or (skip_zeros and g == 0.0):
            continue  # nothing flows back (so an undefined derivative here does no harm)
        if not _isfinite(g.data if create_graph else g):
            raise graph.not_finite(order, node, g)
        if not parents:
            if visit is not None:
                visit(node, g, ())
            continue
        try:  # the local derivatives; on floats, written out (local_partials) for speed
            if create_graph:
                parts: Any = graph.local_partials(node, node)
            elif node.param is None:
                parts = node.rule.partials(node.data, *[p.data for p in parents])  # type: ignore[union-attr]
            else:
                parts = node.rule.partials(node.data, *[p.data for p in parents], node.param)  # type: ignore[union-attr]
        except (ArithmeticError, ValueError) as exc:
            if (g.data if create_graph else g) != 0.0:
                raise errors.wording.undefined_derivative(node, exc) from None
            parts = exc
        else:
            if create_graph:
                graph.add_value_terms(order, parents, g, parts)
            elif g != 0.0:
                for p, d in zip(parents, parts):
                    p._acc += g * d  # the chain rule: upstream gradient x local derivative
        if visit is not None:
            visit(node, g, parts)


def walk(root: Value, seed: Any, create_graph: bool = False,
         visit: Callable[[Value, Any, Any], None] | None = None, prune: bool = False
         ) -> tuple[list[Value], list[Any]]:
    """The one reverse walk that ``backward``, ``grad``, ``explain``, the player, the
    pictures and answer checking all read: the nodes in ``backward_order`` and d(root)/d(node)
    for each. ``visit(node, grad, partials)`` is called at every node: its local derivatives,
    ``()`` for a leaf, or the exception where one is undefined but nothing flows back.
    ``prune`` leaves out the nodes no gradient reaches (``backward`` does; see its comment).

    >>> x = Value(3.0); y = x * x + x
    >>> order, grads = walk(y, 1.0); grads[order.index(x)]       # 2x + 1
    7.0
    """
    with graph.walk_lock:  # one walk at a time uses the nodes' scratch slots
        order: list[Value] = []
        try:
            _reverse(root, seed, create_graph, prune, visit, order)
            return order, [n._acc if n._acc is not None else 0.0 for n in order]
        except TypeError as exc:  # a .data set to a non-number after the forward pass?
            raise graph.data_error(graph.backward_order(root)) or exc from None
        finally:  # gradient graphs refer back to their nodes: keep no reference cycles
            for node in order if create_graph else ():
                node._acc = None


# --- how an op makes a node --------------------------------------------------------------


def apply(rule: Rule, inputs: Sequence[Any], param: Any = None) -> Value:
    """Apply ``rule`` to ``inputs`` (Values or numbers) and record the new node.

    >>> apply(RULES["mul"], (Value(2.0), 3)).data
    6.0
    """
    parents = tuple(inputs)
    if not all(type(x) is Value for x in parents):  # numbers become constants
        parents = tuple([_as_value(x, rule.name) for x in parents])
    args = [p.data for p in parents]
    if rule.param is not None:
        args.append(param)
    return _make(rule, parents, param, args)


def _make(rule: Rule, parents: tuple[Value, ...], param: Any, args: Sequence[Any]) -> Value:
    try:
        data = rule.forward(*args)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise errors.wording.forward_failed(rule, parents, param, exc) from None
    return make_node(rule, parents, data, param)


def make_node(rule: Rule, parents: tuple[Value, ...], data: Any, param: Any = None) -> Value:
    """Record a node whose ``data`` the caller computed with ``rule``'s math (nn's neurons
    do, from their lists of weights); refused, naming the op, if not a finite number.
    >>> make_node(RULES["relu"], (Value(2.0),), 2.0).op
    'relu'"""
    try:
        if data - data != 0.0:  # NaN or inf
            raise errors.wording.forward_failed(rule, parents, param, None)
    except TypeError as exc:  # not a number at all (or an input's .data is not)
        raise errors.wording.forward_failed(rule, parents, param, exc) from None
    node = _new(Value)  # (groups of at most three assignments build no tuple: faster)
    node.data, node._grad, node.label = data, 0.0, ""
    node.parents, node.rule, node.param = parents, rule, param
    node._seq, node._mark = _next_seq(), None
    if mode.get():  # no_grad, detect_anomaly or a tracer: rare, kept off the fast path
        apply_modes(node)
    return node


_new, _isfinite = object.__new__, math.isfinite
_next_seq = graph.next_number


def constant(x: Any, op: str) -> Value:
    """A number used as an operand: a constant leaf."""
    node = _new(Value)
    node.data, node._grad, node.label = number(x, op, "an operand"), 0.0, ""
    node.parents, node.rule, node.param = (), None, None
    node._seq, node._mark = _next_seq(), None
    return node


def _as_value(x: Any, op: str) -> Value:
    return x if isinstance(x, Value) else constant(x, op)  # a Value subclass, or a number


def _data(x: Value | float, op: str) -> float:
    return x.data if isinstance(x, Value) else number(x, op, "an operand")


# --- speed: the operators' own front ends to _make (no list, no loop for one or two inputs)


def unary(rule: Rule, x: Value, param: Any = None) -> Value:
    return _make(rule, (x,), param, (x.data,) if param is None else (x.data, param))


def binary(rule: Rule, x: Any, y: Any) -> Value:
    if type(x) is not Value:
        x = _as_value(x, rule.name)
    if type(y) is not Value:
        y = _as_value(y, rule.name)
    return _make(rule, (x, y), None, (x.data, y.data))


ADD, SUB, MUL, DIV, NEG = (RULES[k] for k in ("add", "sub", "mul", "div", "neg"))
POW, POWC, ABS, EXP, LOG = (RULES[k] for k in ("pow", "powc", "abs", "exp", "log"))
SQRT, TANH, SIGMOID, RELU = (RULES[k] for k in ("sqrt", "tanh", "sigmoid", "relu"))
LEAKY_RELU, SOFTPLUS, SIN, COS = (RULES[k] for k in ("leaky_relu", "softplus", "sin", "cos"))
