"""Tracing: run one sample's loss on watching Values and record the graph it builds.

:func:`trace` runs the function three times on one sample: once to find the parameters
(the Values it uses but did not make), once with those parameters watched too (see
``watch.py``) to record the graph and its guards, and once more with every input and
parameter moved a little, to check that nothing in the graph depends on a number the
tracer could not follow (a random draw, a constant computed inside ``no_grad``). Then the
traced loss is compared with an eager call on the same sample.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..core import Rule, Value, backward_order, topological_order
from ..core.modes import trace_as
from .watch import (
    CompileError,
    Expr,
    Guard,
    Recorder,
    Traced,
    bits,
    followed_extremes,
    raw_data,
    recording,
)

__all__ = ["CompileError", "Expr", "Graph", "Guard", "Node", "Sample", "expr_indices",
           "raw_data", "split_result", "trace"]

_DATA = Value.__dict__["data"]  # the slot that holds a Value's number


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

    ``backward`` lists the op nodes in the order ``loss.backward()`` meets them (the reverse
    of the order they were made), which the compiled code follows so that every sum of
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
                       bits(n.value) if n.kind == "const" and not n.frozen else None)
                      for n in self.nodes)
        return nodes, self.root, tuple(self.outputs), self.statics, tuple(
            g.key() for g in self.guards)

    def decisions(self) -> tuple[str, ...]:
        """The outcomes of the traced comparisons (a flip makes two traces incomparable)."""
        return tuple(g.op for g in self.guards)


def _fixed(param: Any) -> Any:
    return bits(param) if type(param) is float else param


# --- running a trace ---------------------------------------------------------------------


@dataclass
class _Run:
    root: Value
    outputs: list[Value]
    inputs: list[Traced]
    recorder: Recorder


def _run(fn: Callable[..., Any], sample: Sample, values: Sequence[float]) -> _Run:
    inputs = [Traced(v) for v in values]
    args = sample.build(inputs)
    recorder = Recorder()
    with recording(recorder), trace_as(Traced), followed_extremes():
        result = fn(*args)
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
    """Every node the loss, the outputs, the guards and the data constants need, parents
    before children; the loss's own nodes first, in ``topological_order``'s order."""
    order = topological_order(run.root)
    seen = {id(n) for n in order}
    roots: list[Value] = list(run.outputs)
    for g in run.recorder.guards:
        roots += expr_indices(g.lhs) + expr_indices(g.rhs)
    for exprs in run.recorder.conversions.values():
        for e in exprs:
            roots += expr_indices(e)
    for r in roots:  # the same iterative walk, sharing what was seen
        stack: list[tuple[Value, bool]] = [(r, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


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
    for node in order:  # new parameters are numbered as the ops first use them
        for p in node.parents:
            if id(p) in external and not p.parents and id(p) not in param_index:
                param_index[id(p)] = len(params)
                params.append(p)
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
    backward = [index[id(n)] for n in backward_order(run.root) if n.parents
                and id(n) not in external]  # the engine's own walk order: the same sums
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
        found += expr_indices(node.expr)
    if isinstance(node.param, tuple):
        found += expr_indices(node.param)
    return found


def expr_indices(e: Expr) -> list[Any]:
    """The nodes an expression (of a guard or a constant) reads, first to last: indices
    once the graph is numbered, the Values themselves while tracing. Iterative: a number
    followed through many operations makes a deep expression.

    >>> expr_indices(("add", ("node", 3), ("max", (("node", 1), ("const", 0.0)))))
    [3, 1]
    """
    found: list[Any] = []
    stack = [e]
    while stack:
        e = stack.pop()
        kind = e[0]
        if kind == "node":
            found.append(e[1])
        elif kind != "const":
            stack.extend(reversed(e[1] if kind in ("max", "min") else e[1:]))
    return found


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
            holders.setdefault(bits(n.value), []).append((n, "value"))
        elif n.kind == "op" and type(n.param) is float:
            holders.setdefault(bits(n.param), []).append((n, "param"))
    for key, exprs in conversions.items():
        mapped = [_map_expr(e, index) for e in exprs]
        distinct = list(dict.fromkeys(mapped))
        found = holders.get(key, [])
        if len(distinct) == 1 and len(found) == len(mapped):
            for n, what in found:
                if what == "value":
                    n.kind, n.expr = "dconst", distinct[0]
                else:
                    n.param = distinct[0]
        else:
            value = struct.unpack("<d", struct.pack("<q", key))[0]
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


def trace(fn: Callable[..., Any], sample: Sample, params: list[Value],
          param_index: dict[int, int], check: bool = True) -> Graph:
    """Trace ``fn`` on one sample and return its graph; new parameters found on the way
    are appended to ``params``. Raises CompileError when it cannot be done safely.

    >>> from autograd_lite.compiler.layout import Layout
    >>> w = Value(2.0)
    >>> params: list[Value] = []
    >>> g = trace(lambda x: (w * x).relu() if x.data > 0 else w - x,
    ...           Layout([1.0]).sample([1.0]), params, {})
    >>> [n.op or n.kind for n in g.nodes], [guard.op for guard in g.guards], params == [w]
    (['param', 'input', 'mul', 'relu'], ['>'], True)
    """
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
        if x.kind == y.kind == "const" and bits(x.value) != bits(y.value):
            return (f"compile: the constant {x.value!r} (node {i}) changed to {y.value!r} when "
                    "the inputs moved a little: it is computed from .data in a way the tracer "
                    "cannot follow (e.g. math.exp(x.data) or inside no_grad()); use Value "
                    "operations, or run the function eagerly")
    return ("compile: the function built a different graph for the same sample when the "
            "numbers moved a little and no traced comparison changed: it draws random "
            "numbers (Dropout or DropConnect in training mode?) or decides something from "
            "numbers the tracer cannot see; switch it to eval() or run it eagerly")


def _check_eager(fn: Callable[..., Any], sample: Sample, graph: Graph) -> None:
    result = fn(*sample.build([Value(v) for v in sample.values]))
    root, _ = split_result(result)
    if bits(raw_data(root)) != bits(graph.nodes[graph.root].value):
        raise CompileError(
            f"compile: called eagerly on the same sample the function gives "
            f"{raw_data(root)!r}, but {graph.nodes[graph.root].value!r} when traced: it "
            f"treats the Values it is given differently from numbers (isinstance or type "
            f"checks on inputs?)")
