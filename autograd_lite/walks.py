"""Graph walks: iterative, so graphs of any depth are fine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["backward_order", "topological_order"]


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    Iterative depth-first search: no recursion, so depth is unlimited. Inputs are placed
    first to last, so automatic names and pictures follow the order the user wrote.

    >>> from autograd_lite import Value
    >>> a = Value(1.0, label="a"); b = Value(2.0, label="b"); c = a * b + a
    >>> [n.label or n.op for n in topological_order(c)]
    ['a', 'b', 'mul', 'add']
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    # Bound methods as locals: this loop runs once per node of every backward.
    pop, push, mark, emit = stack.pop, stack.append, seen.add, order.append
    while stack:
        node, expanded = pop()
        if expanded:
            emit(node)
            continue
        if node in seen:
            continue
        mark(node)
        push((node, True))
        for p in reversed(node._prev):  # reversed, so the first input is placed first
            if p not in seen:
                push((p, False))
    return order


def backward_order(root: Value) -> list[Value]:
    """The nodes in an order a backward pass may visit them, for people to read: ``root``
    first, every node after all the nodes that use it, and a node's inputs first to last.

    (``backward`` itself walks ``reversed(topological_order(root))``: also valid, but it
    meets a node's inputs last to first.) Kahn's algorithm: iterative, any depth.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b; c.label = "c"
    >>> [n.label for n in backward_order(c)]
    ['c', 'a', 'b']
    """
    users: dict[Value, int] = {}
    for node in topological_order(root):
        for p in node._prev:
            users[p] = users.get(p, 0) + 1
    order: list[Value] = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for p in reversed(node._prev):  # reversed onto a stack: the first input comes out first
            left = users[p] - 1
            users[p] = left
            if left == 0:
                ready.append(p)
    return order
