"""What the walk in ``value.py`` uses: the orders in which to visit a graph (iterative, so
depth is unlimited), a node's local partial derivatives, and the diagnosis of a gradient
that is not finite."""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar

from . import errors
from .errors import BackwardError

if TYPE_CHECKING:
    from .value import Value

__all__ = ["GradientWriter", "accumulated", "add_value_terms", "backward_order", "copied",
           "data_error", "inner_gradients_held", "local_forward", "local_partials", "local_step",
           "newest_first", "next_number", "not_finite", "set_grad", "store_gradients",
           "topological_order", "users_of", "walk_lock"]


# Traversals and walks use scratch slots of the nodes, so one runs at a time. An RLock: a
# walk that starts a traversal, or a custom derivative that walks, cannot deadlock.
walk_lock = threading.RLock()


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after its inputs, ``root`` last; a node's inputs
    are placed first to last, so names and pictures follow the order the user wrote.

    >>> from autograd_lite import Value
    >>> a = Value(1.0, label="a"); b = Value(2.0, label="b"); c = a * b + a
    >>> [n.label or n.op for n in topological_order(c)]
    ['a', 'b', 'mul', 'add']
    """
    order: list[Value] = []
    stack: list[Any] = [root]
    # Iterative depth-first post-order. A node's slot _mark holds this traversal's
    # ``opened`` token once its inputs are pushed and ``done`` once it is placed (cheaper
    # than sets; the lock keeps traversals from interleaving). A node pushed twice is placed
    # once.
    opened, done = object(), object()
    pop, push, emit = stack.pop, stack.append, order.append
    with walk_lock:
        while stack:
            node = stack[-1]
            mark = node._mark
            if mark is done:
                pop()
            elif mark is opened:  # its inputs are all placed: place it
                pop()
                node._mark = done
                emit(node)
            else:
                node._mark = opened
                for p in reversed(node.parents):
                    if p._mark is not done:
                        push(p)
    return order


def backward_order(root: Value) -> list[Value]:
    """The order the backward pass visits nodes (``newest_first`` of every node): the nodes
    made by ops in the reverse of the order they were made, so ``root`` first and each
    after all the nodes that use it, then the leaves (inputs, parameters) oldest first.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b + a; c.label = "c"
    >>> [n.label or n.op for n in backward_order(c)]
    ['c', 'mul', 'a', 'b']
    """
    with walk_lock:  # the walk's own order, so the two can never differ
        return list(newest_first(root, 0.0, 0.0, prune=False))


def newest_first(root: Value, seed: Any, start: Any, prune: bool) -> Iterator[Value]:
    """The walk's order, found as it goes: ``root`` (its ``_acc`` set to ``seed``), then each
    node made by an op after all its users (the reverse of the order they were made: a
    node's users were made after it), then the leaves, oldest first.

    A node's inputs are reached when it is taken: each starts at ``_acc = start`` and waits
    in a heap keyed by ``_seq`` (nodes are numbered as they are made) until its turn, when
    all its users have added to it. With ``prune``, a node whose ``_acc`` is 0 when taken
    reaches none of its inputs, so what only it leads to is never visited.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b + a; c.label = "c"
    >>> [n.label or n.op for n in newest_first(c, 1.0, 0.0, prune=False)]
    ['c', 'mul', 'a', 'b']
    """
    waiting, done = object(), object()
    root._mark, root._acc = waiting, seed
    heap: list[int] = []  # the waiting inner nodes' numbers, negated: the newest on top
    queued: dict[int, Value] = {}  # number -> node
    leaves = [] if root.parents else [root]
    node: Value | None = root if root.parents else None
    while node is not None:
        node._mark = done
        found = None  # the last inner input found: often the very next node (a chain's)
        if not (prune and node._acc == 0.0):
            for p in node.parents:
                if p._mark is not waiting:  # reached for the first time
                    if p._mark is done:  # made after a user: .parents was changed by hand
                        raise errors.wording.input_made_later(node, p)
                    p._mark, p._acc = waiting, start
                    if not p.parents:
                        leaves.append(p)
                        continue
                    if found is not None:
                        _push(heap, -found._seq)
                        queued[found._seq] = found
                    found = p
        yield node
        if found is not None:
            if not heap or -found._seq < heap[0]:
                node = found  # newer than every node waiting: it is next, no heap needed
                continue
            _push(heap, -found._seq)
            queued[found._seq] = found
        node = queued.pop(-_pop(heap)) if heap else None
    leaves.sort(key=_made)
    yield from leaves


_made = attrgetter("_seq")
next_number = itertools.count().__next__  # numbers nodes as they are made (one C call: atomic)
_pop, _push = heapq.heappop, heapq.heappush


class GradientWriter:
    """What gave inner nodes their ``.grad``: one per ``backward``, or an assignment by
    hand. An inner node keeps its writer while its gradient is not 0, so while any writer
    is alive an inner node somewhere may hold an old gradient, and ``backward``, which
    walks only the nodes its gradient reaches, also looks behind the nodes whose gradient
    is 0 and sets the inner nodes it finds there to 0.

    >>> from autograd_lite import Value
    >>> x = Value(2.0); w = x * 3; w.grad = 5.0        # an inner gradient, set by hand
    >>> L = (w + 1) * 0.0; L.backward(); w.grad        # behind a 0, and set to 0 all the same
    0.0
    """

    __slots__ = ("__weakref__",)
    _alive: ClassVar[weakref.WeakSet[GradientWriter]] = weakref.WeakSet()

    def __init__(self) -> None:
        GradientWriter._alive.add(self)

    def __copy__(self) -> GradientWriter:
        return self  # a copied node shares its original's writer (and keeps it alive)

    def __deepcopy__(self, memo: Any) -> GradientWriter:
        return self


def copied(node: Value, state: Any) -> None:
    """``Value.__setstate__``: a copy (``copy.copy``, ``copy.deepcopy``) is a node made now,
    so it gets a number of its own (the walk keys nodes by their numbers)."""
    for name, value in state[1].items():
        setattr(node, name, value)
    node._seq = next_number()


def inner_gradients_held() -> bool:
    """Whether some inner node may hold a gradient that is not 0 (see GradientWriter)."""
    return len(GradientWriter._alive) > 0


def store_gradients(order: Sequence[Value], grads: Iterable[Any],
                    behind_zeros: bool = False) -> None:
    """Set ``.grad`` of each node of a backward pass (inner nodes keep its writer); with
    ``behind_zeros``, also set to 0 the inner nodes a pruned pass left out, those it reaches
    only through nodes whose gradient is 0."""
    writer = GradientWriter()
    for node, g in zip(order, grads):
        node._grad, node._writer = g, writer if node.parents and g != 0.0 else None
    for node in _behind_zeros(order) if behind_zeros else ():
        node._grad, node._writer = 0.0, None


def _behind_zeros(order: Sequence[Value]) -> list[Value]:
    # The inner nodes a pruned walk left out: reached only through nodes whose gradient was
    # 0 (their _acc still says so). Iterative, each node once (marks, as in the orders).
    reached, seen = object(), object()
    for node in order:
        node._mark = reached
    found = []
    stack = [p for n in order if n.parents and n._acc == 0.0 for p in n.parents]
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        if node._mark is reached or node._mark is seen:
            continue
        node._mark = seen
        if node.parents:
            found.append(node)
            push(node.parents)
    return found


def set_grad(node: Value, g: Any) -> None:
    """``node.grad = g``, by hand: an inner node's gradient that is not 0 has a writer."""
    zero = not getattr(node, "parents", ()) or (type(g) in (int, float) and g == 0)
    node._grad, node._writer = g, None if zero else GradientWriter()


def users_of(order: list[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """``{node: [(user, input position), ...]}`` for the nodes of ``order``.

    >>> from autograd_lite import Value
    >>> x = Value(3.0); y = x * x
    >>> [k for _, k in users_of(topological_order(y))[x]]
    [0, 1]
    """
    users: dict[Value, list[tuple[Value, int]]] = {}
    for node in order:
        for k, p in enumerate(node.parents):
            users.setdefault(p, []).append((node, k))
    return users


def local_partials(node: Value, on: Value | None = None) -> Sequence[Any]:
    """d(node)/d(input) for each input, from the node's rule, on floats (or, ``on=node``,
    on the Values themselves, for gradients that can be differentiated again).

    >>> from autograd_lite import Value
    >>> local_partials(Value(2.0) * Value(3.0))
    (3.0, 2.0)
    """
    rule = node.rule
    if rule is None:
        return ()
    if on is not None:
        args: list[Any] = [node, *node.parents]
    else:
        args = [node.data, *[p.data for p in node.parents]]
    if rule.param is not None:
        args.append(node.param)
    return rule.partials(*args)


def local_step(node: Value) -> None:
    """One chain-rule step at ``node``, as micrograd's lecture steps backward by hand
    (``o._backward()``): add ``node.grad`` times each local derivative to the inputs' ``.grad``.

    >>> from autograd_lite import Value
    >>> a, b = Value(2.0), Value(-3.0); c = a * b; c.grad = 1.0
    >>> c._backward(); a.grad, b.grad                 # dc/da = b, dc/db = a
    (-3.0, 2.0)
    """
    for p, d in zip(node.parents, local_partials(node)):
        p.grad += node.grad * d


def local_forward(node: Value, inputs: Sequence[float] | None = None) -> float:
    """The node's op applied to ``inputs`` (default: its inputs' data now), as a float.

    >>> from autograd_lite import Value
    >>> y = Value(2.0) * Value(3.0)
    >>> local_forward(y), local_forward(y, [4.0, 0.5])
    (6.0, 2.0)
    """
    rule = node.rule
    if rule is None:
        return float(node.data)
    args = [p.data for p in node.parents] if inputs is None else list(inputs)
    if rule.param is not None:
        args.append(node.param)
    return float(rule.forward(*args))


def data_error(order: list[Value]) -> Exception | None:
    """The error naming the first node whose ``.data`` is no longer a float (set by hand
    after the forward pass), or None when that is not what went wrong."""
    for node in order:
        if type(node.data) is not float:
            return errors.wording.bad_data("backward", node)
    return None


def not_finite(order: list[Value], node: Value, g: Any) -> BackwardError:
    """Name the user whose ``grad * partial`` made ``node``'s gradient non-finite."""
    for user in order:
        if node not in user.parents or user is node:
            continue
        ug = user._acc if type(user._acc) is float else float(user._acc.data)
        for k, (p, d) in enumerate(zip(user.parents, local_partials(user))):
            if p is node and not math.isfinite(ug * d):
                return errors.wording.gradient_not_finite(node, g, user, k, ug)
    return errors.wording.gradient_not_finite(node, g, None, -1)


def add_value_terms(order: list[Value], parents: Sequence[Value], g: Value,
                    parts: Sequence[Any]) -> None:
    """The chain rule of ``backward(create_graph=True)``: gradients are Values (so they can
    be differentiated again), added into each input's ``_acc`` by ops that record nodes."""
    for p, d in zip(parents, parts):
        try:  # a Value op: an overflow here is p's gradient overflowing
            term = g if type(d) is float and d == 1.0 else g * d
            p._acc = term if p._acc is None else p._acc + term
        except OverflowError:
            raise not_finite(order, p, math.inf) from None


def accumulated(leaf: Value, g: Any) -> Any:
    """A leaf's new ``.grad``: what it held plus this backward's gradient."""
    try:
        total = leaf.grad + g
    except TypeError:
        raise errors.wording.bad_grad(leaf) from None
    if not math.isfinite(total if type(total) is float else total.data):
        raise errors.wording.gradient_not_finite(leaf, total, None, -1)
    return total
