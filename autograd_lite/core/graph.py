"""What the walk in ``value.py`` uses: the orders in which to visit a graph (iterative, so
depth is unlimited), a node's local partial derivatives, and the diagnosis of a gradient
that is not finite."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import errors
from .errors import BackwardError

if TYPE_CHECKING:
    from .value import Value

__all__ = ["accumulated", "backward_order", "data_error", "local_forward", "local_partials",
           "local_step", "not_finite", "topological_order", "users_of", "walk_lock"]


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
    return _depth_first(root, first_input_first=True)


def backward_order(root: Value) -> list[Value]:
    """The order the backward pass visits nodes: ``root`` first, every node after all the
    nodes that use it (so its gradient is complete), a node's inputs first to last.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b; c.label = "c"
    >>> [n.label for n in backward_order(c)]
    ['c', 'a', 'b']
    """
    order = _depth_first(root, first_input_first=False)
    order.reverse()
    return order


def _depth_first(root: Value, first_input_first: bool) -> list[Value]:
    """Depth-first post-order: each node after all its inputs. With ``first_input_first``
    inputs are explored first to last; otherwise last to first, which, reversed, gives
    ``backward_order``'s "inputs first to last"."""
    order: list[Value] = []
    stack: list[Any] = [root]
    # This loop runs once per edge of every backward pass, so it is written for speed:
    # bound methods as locals; a node's slot _mark holds this traversal's ``opened`` token
    # once its inputs are pushed and ``done`` once it is placed (cheaper than sets; the
    # lock keeps traversals from interleaving). A node pushed twice is placed once.
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
                for p in (reversed(node.parents) if first_input_first else node.parents):
                    if p._mark is not done:
                        push(p)
    return order


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


def accumulated(leaf: Value, g: Any) -> Any:
    """A leaf's new ``.grad``: what it held plus this backward's gradient."""
    try:
        total = leaf.grad + g
    except TypeError:
        raise errors.wording.bad_grad(leaf) from None
    if not math.isfinite(total if type(total) is float else total.data):
        raise errors.wording.gradient_not_finite(leaf, total, None, -1)
    return total
