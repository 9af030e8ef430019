"""Pieces both code generators share: names, literals, expressions, guards, and the
dominator tree that lets the backward pass skip whatever a zero gradient cannot reach."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .tracing import Expr, Graph, Guard

__all__ = ["Dominators", "comment", "expr_code", "guard_code", "literal", "value_name"]

_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def literal(x: float) -> str:
    """A float as Python source that reads back the same float (negative in brackets).

    >>> literal(0.1), literal(-2.0)
    ('0.1', '(-2.0)')
    """
    if not math.isfinite(x):
        raise ValueError(f"compile: a constant must be finite, got {x!r}")
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def value_name(graph: Graph, i: int) -> str:
    """How code refers to node ``i``: ``x3`` (an input), ``p5`` (a parameter), a number
    (a constant) or ``v12``."""
    node = graph.nodes[i]
    if node.kind == "param":
        return f"p{node.slot}"
    if node.kind == "input":
        return f"x{node.slot}"
    if node.kind == "const":
        return literal(node.value)
    return f"v{i}"


def expr_code(graph: Graph, e: Expr, numpy: bool = False) -> str:
    """An expression over the sample's values as code (numpy: elementwise over arrays)."""
    kind = e[0]
    if kind == "node":
        return value_name(graph, e[1])
    if kind == "const":
        return literal(e[1])
    if kind in ("max", "min"):
        parts = ", ".join(expr_code(graph, part, numpy) for part in e[1])
        return f"e{kind}({parts})" if numpy else f"{kind}({parts})"
    if kind == "neg":
        return f"(-{expr_code(graph, e[1], numpy)})"
    if kind == "abs":
        return f"{'np.abs' if numpy else 'abs'}({expr_code(graph, e[1], numpy)})"
    a, b = (expr_code(graph, part, numpy) for part in e[1:])
    return f"({a} {_BINARY[kind]} {b})"


def guard_code(graph: Graph, guard: Guard, numpy: bool = False) -> str:
    """The guard's condition as code: true for a sample the traced program is valid for."""
    lhs = expr_code(graph, guard.lhs, numpy)
    if guard.op != "is":
        return f"{lhs} {guard.op} {expr_code(graph, guard.rhs, numpy)}"
    value = guard.rhs[1]
    if value != 0.0:
        return f"{lhs} == {literal(value)}"
    sign = "1.0" if math.copysign(1.0, value) > 0 else "(-1.0)"  # the same zero
    if numpy:
        return f"(({lhs}) == 0.0) & (np.copysign(1.0, {lhs}) == {sign})"
    return f"{lhs} == 0.0 and copysign(1.0, {lhs}) == {sign}"


_UNSAFE = re.compile(r"[^\w .,:;+\-*/()\[\]<>=!'\"@#%&|^~?]")


def comment(text: str) -> str:
    """Text made safe to put after ``#`` in generated code (a label with a newline in it
    must not end the comment)."""
    return _UNSAFE.sub("?", text.replace("\n", " "))[:120]


def guards_text(graph: Graph) -> list[str]:
    """Each guard as ``condition   (where it was decided)``.

    >>> from autograd_lite import Value
    >>> from autograd_lite.compiler import compile
    >>> w = Value(2.0)
    >>> f = compile(lambda x: w * x if x.data > 0 else w - x, 1.0)
    >>> guards_text(f.programs[0])      # x0 is the sample's first number  # doctest: +ELLIPSIS
    ['x0 > 0.0   (...)']
    """
    return [f"{guard_code(graph, g)}   ({g.where})" for g in graph.guards]


@dataclass
class Dominators:
    """The dominator tree of the backward pass: node ``d`` dominates ``v`` when every
    path along which the loss's gradient reaches ``v`` passes through ``d``. If ``d``'s
    gradient is 0, so is ``v``'s: the code for ``v`` is nested inside ``if g_d:``.

    ``idom[v]`` is ``v``'s immediate dominator, ``children[d]`` the op nodes it
    immediately dominates (in the order backward meets them) and ``leaves[d]`` the leaves.
    """

    idom: dict[int, int] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    leaves: dict[int, list[int]] = field(default_factory=dict)
    edges: dict[int, int] = field(default_factory=dict)  # gradient contributions per node

    @classmethod
    def of(cls, graph: Graph) -> Dominators:
        order = graph.backward
        pos = {n: k for k, n in enumerate(order)}
        depth = {graph.root: 0}
        dom = cls()
        for n in order:
            for p in graph.nodes[n].parents:
                dom.edges[p] = dom.edges.get(p, 0) + 1

        def lca(a: int, b: int) -> int:
            while a != b:
                if depth[a] < depth[b]:
                    a, b = b, a
                a = dom.idom[a]
            return a

        users: dict[int, list[int]] = {}
        for n in order:
            for p in dict.fromkeys(graph.nodes[n].parents):
                users.setdefault(p, []).append(n)
        for n in order:
            if n == graph.root:
                continue
            d = users[n][0]
            for u in users[n][1:]:
                d = lca(d, u)
            dom.idom[n] = d
            depth[n] = depth[d] + 1
            dom.children.setdefault(d, []).append(n)
        for p, us in users.items():
            if graph.nodes[p].kind == "op":
                continue
            d = us[0]
            for u in us[1:]:
                d = lca(d, u)
            dom.idom[p] = d
            dom.leaves.setdefault(d, []).append(p)
        for kids in dom.children.values():
            kids.sort(key=pos.__getitem__)
        return dom


