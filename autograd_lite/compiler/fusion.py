"""Layer fusion for the numpy backend: which nodes of a traced graph are computed
together, as the columns of one (batch x k) matrix.

* ``affine`` nodes that read the same inputs, with weights and bias that do not depend on
  the sample (parameters), are the neurons of one layer: one matrix product;
* the same elementwise op (and constant) applied to the columns of such a matrix, with at
  most one other operand shared by all of them, is one array op on the matrix;
* everything else is an array per node (``v12``), or a number when it does not depend on
  the sample at all (``u12``: parameters, constants and what is computed from them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .codegen import literal
from .table import NUMPY
from .tracing import Graph, expr_indices

__all__ = ["Group", "Lowering"]


@dataclass
class Group:
    """Nodes computed together as the columns of one (batch x k) matrix."""

    name: str
    kind: str  # "affine" or "lane"
    members: list[int]
    inputs: list[int] = field(default_factory=list)  # affine: the shared x1..xn
    source: str = ""  # lane: the group its inputs are columns of
    cols: list[int] | None = None  # lane: which columns (None: all, in order)
    other: int | None = None  # lane: the operand shared by all members
    position: int = 0  # lane: where the group's operand sits (0: x, 1: y)


class Lowering:
    """Assign each node a storage (number, array, or matrix column) and fuse groups."""

    def __init__(self, graph: Graph, tag: str) -> None:
        self.g = graph
        self.tag = tag
        self.uniform: set[int] = set()
        self.col: dict[int, tuple[str, int]] = {}
        self.groups: dict[str, Group] = {}
        self.steps: list[tuple[str, Any]] = []  # ("node", i) or ("group", name)
        self._plan()

    # -- storage ------------------------------------------------------------------------
    def ref(self, i: int) -> str:
        """How code refers to node i's value."""
        node = self.g.nodes[i]
        if node.kind == "param":
            return f"P[{node.slot}]"
        if node.kind == "const":
            return literal(node.value)
        if node.kind == "input":
            return f"X[:, {node.slot}]"
        if i in self.col:
            name, j = self.col[i]
            return f"{name}[:, {j}]"
        return f"u{i}" if i in self.uniform else f"v{i}"

    def _plan(self) -> None:
        g = self.g
        for i in g.forward:
            node = g.nodes[i]
            if node.kind in ("param", "const") or (
                    node.kind in ("op", "dconst") and all(
                        p in self.uniform for p in needs(node))):
                self.uniform.add(i)
        placed: set[int] = set()
        for i in g.forward:
            if i in placed:
                continue
            node = g.nodes[i]
            if node.kind in ("param", "const", "input") or i in self.uniform:
                if i in self.uniform and node.kind in ("op", "dconst"):
                    self.steps.append(("node", i))
                continue
            group = self._affine_group(i) or self._lane_group(i)
            if group is not None and (len(group.members) > 1 or group.kind == "affine"):
                self.groups[group.name] = group
                for j, m in enumerate(group.members):
                    self.col[m] = (group.name, j)
                    placed.add(m)
                self.steps.append(("group", group.name))
            else:
                self.steps.append(("node", i))

    def _affine_group(self, i: int) -> Group | None:
        node = self.g.nodes[i]
        if node.op != "affine" or node.param is not None:
            return None
        n = (len(node.parents) - 1) // 2
        xs = node.parents[1 + n:]
        if not all(p in self.uniform for p in node.parents[:1 + n]):
            return None
        members = [j for j in self.g.forward if self._same_layer(j, xs)]
        return Group(f"A{self.tag}_{len(self.groups)}", "affine", members, list(xs))

    def _same_layer(self, j: int, xs: tuple[int, ...]) -> bool:
        node = self.g.nodes[j]
        if node.kind != "op" or node.op != "affine" or j in self.col:
            return False
        n = (len(node.parents) - 1) // 2
        return node.parents[1 + n:] == xs and all(
            p in self.uniform for p in node.parents[:1 + n])

    def _lane_group(self, i: int) -> Group | None:
        key = self._lane_key(i)
        if key is None:
            return None
        members = [j for j in self.g.forward if j not in self.col and self._lane_key(j) == key]
        source = key[2]
        cols = [self.col[self._lane_operand(j)][1] for j in members]
        k = len([m for m in self.col.values() if m[0] == source])
        return Group(f"A{self.tag}_{len(self.groups)}", "lane", members, source=source,
                      cols=None if cols == list(range(k)) else cols, other=key[3],
                      position=key[4])

    def _lane_operand(self, j: int) -> int:
        node = self.g.nodes[j]
        return next(p for p in node.parents if p in self.col)

    def _lane_key(self, j: int) -> tuple[Any, ...] | None:
        """(op, param, source group, shared operand, position) of an elementwise op on a
        column of a group, or None."""
        node = self.g.nodes[j]
        if node.kind != "op" or node.op not in NUMPY or node.op in ("sum", "dot", "affine"):
            return None
        if isinstance(node.param, tuple) or len(node.parents) > 2:
            return None
        in_group = [k for k, p in enumerate(node.parents) if p in self.col]
        if len(in_group) != 1:
            return None
        position = in_group[0]
        other = node.parents[1 - position] if len(node.parents) == 2 else None
        if other is not None and other in self.col:
            return None
        return (node.op, node.param, self.col[node.parents[position]][0], other, position)

    def group_ref(self, group: Group) -> str:
        """The matrix a lane group reads: its source, or some of its columns."""
        if group.cols is None:
            return group.source
        return f"{group.source}[:, C{group.name}]"

    def matrix_of(self, nodes: Sequence[int]) -> str | None:
        """Code for the (batch x n) matrix of these nodes when they are a group's columns
        in order (or inputs in order); None otherwise."""
        first = self.col.get(nodes[0])
        if first is not None:
            name = first[0]
            k = sum(1 for m in self.col.values() if m[0] == name)
            if [self.col.get(n) for n in nodes] == [(name, j) for j in range(k)]:
                return name
        slots = [self.g.nodes[n].slot if self.g.nodes[n].kind == "input" else -1 for n in nodes]
        if slots == list(range(self.g.n_inputs)):
            return "X"
        if slots[0] >= 0 and slots == list(range(slots[0], slots[0] + len(slots))):
            return f"X[:, {slots[0]}:{slots[0] + len(slots)}]"
        return None


def needs(node: Any) -> list[int]:
    found = list(node.parents)
    if node.kind == "dconst" and node.expr is not None:
        found += expr_indices(node.expr)
    return found


