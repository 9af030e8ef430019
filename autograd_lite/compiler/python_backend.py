"""Backend (a): straight-line Python over floats, one line per node, no dependency.

The generated function adds the penalty's gradient, then loops over the batch (last
sample first: ``loss.backward()`` meets nodes in the reverse of the order they were made)
and, for each sample, runs the traced program:
the forward pass line by line, the guards right after the values they read, then the
backward pass. The backward pass is nested along the dominator tree of the graph, so a
node whose gradient is 0 skips everything only it feeds: for a hinge loss, a sample that
is classified with margin skips its whole backward pass, as the engine would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..core import Rule
from .codegen import Dominators, comment, expr_code, guard_code, literal, value_name
from .table import PYTHON, forward_code, partials_code, rule_call
from .tracing import Graph, Guard, expr_indices

__all__ = ["generate_python"]

_CHECKED = frozenset({"add", "sub", "mul", "div", "dot", "affine"})  # may overflow silently
_MAX_DEPTH = 60  # nesting of `if` blocks (Python allows 100 levels of indentation)
_CHUNK = 150  # terms per line of a long sum (deep expressions strain Python's compiler)


def _pow_dx(x: float, y: float) -> float:
    return 0.0 if y == 0.0 and x == 0.0 else y * x ** (y - 1.0)


def _pow_dy(x: float, y: float, out: float) -> float:
    if x > 0.0:
        return out * math.log(x)
    if x == 0.0 and y > 0.0:
        return 0.0
    raise ValueError("d(x**y)/dy needs x > 0")


def namespace() -> dict[str, Any]:
    """The names generated Python code may use."""
    names: dict[str, Any] = {name: getattr(math, name) for name in (
        "exp", "log", "log1p", "sqrt", "tanh", "sin", "cos", "fsum", "copysign")}
    names.update(pow_=math.pow, pow_dx=_pow_dx, pow_dy=_pow_dy, rule_call=rule_call)
    return names


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, indent: int, text: str, note: str = "") -> None:
        line = "    " * indent + text
        if note:
            line += f"  # {comment(note)}"
        self.lines.append(line)


def _op_note(graph: Graph, i: int, names: Sequence[str]) -> str:
    node = graph.nodes[i]
    note = node.op
    if node.label:
        note += f" '{node.label}'"
    if node.op == "affine" and node.parents:
        bias = graph.nodes[node.parents[0]]
        if bias.kind == "param" and names[bias.slot].endswith(".b"):
            note += f": neuron {names[bias.slot][:-2]}"
    return note


def _c_code(graph: Graph, param: Any) -> str:
    if param is None:
        return "None"
    if isinstance(param, tuple):  # computed from data while tracing
        return expr_code(graph, param)
    return literal(float(param))


def _forward(w: _Writer, graph: Graph, indent: int, names: Sequence[str],
             rules: list[Rule]) -> list[str]:
    """Emit the forward pass with its guards; return the names to check for overflow."""
    ready: dict[int, list[Guard]] = {}
    position = {i: k for k, i in enumerate(graph.forward)}
    for g in graph.guards:
        used = expr_indices(g.lhs) + expr_indices(g.rhs)
        last = max(used, key=position.__getitem__, default=-1)
        ready.setdefault(last, []).append(g)

    def guards_after(i: int) -> None:
        for g in ready.get(i, []):
            w.add(indent, f"if not ({guard_code(graph, g)}): break", f"guard: {g.where}")

    guards_after(-1)
    checked: list[str] = []
    for i in graph.forward:
        node = graph.nodes[i]
        name = value_name(graph, i)
        if node.kind == "dconst":
            assert node.expr is not None
            w.add(indent, f"{name} = {expr_code(graph, node.expr)}", "computed from .data")
        elif node.kind == "op":
            xs = [value_name(graph, p) for p in node.parents]
            code = forward_code(PYTHON, node.op, xs, _c_code(graph, node.param))
            if code is None:
                assert node.rule is not None
                rules.append(node.rule)
                code = (f"rule_call(R[{len(rules) - 1}], ({', '.join(xs)},), "
                        f"{_c_code(graph, node.param)})")
                checked.append(name)
            elif node.op in _CHECKED:
                checked.append(name)
            if node.op in ("dot", "affine") and len(xs) > 2 * _CHUNK:
                _long_sum(w, indent, name, code.split(" + "), _op_note(graph, i, names))
            else:
                w.add(indent, f"{name} = {code}", _op_note(graph, i, names))
        guards_after(i)
    return checked


def _long_sum(w: _Writer, indent: int, name: str, terms: list[str], note: str) -> None:
    """A sum of many terms over several lines, still added from left to right."""
    w.add(indent, f"{name} = {' + '.join(terms[:_CHUNK])}", note)
    for k in range(_CHUNK, len(terms), _CHUNK):
        w.add(indent, f"{name} = {name} + {' + '.join(terms[k:k + _CHUNK])}")




def _simple(code: str) -> bool:
    return code.replace(".", "").replace("_", "").isalnum() or (
        code.startswith("(-") and code[2:-1].replace(".", "").isalnum())


def _backward(w: _Writer, graph: Graph, indent: int, seed: str,
              rules: list[Rule]) -> None:
    """Emit the backward pass, nested along the dominator tree."""
    dom = Dominators.of(graph)
    root = graph.root
    if graph.nodes[root].kind != "op":
        if graph.nodes[root].kind == "param":
            w.add(indent, f"gp{graph.nodes[root].slot} += {seed}", "the loss is a parameter")
        return
    w.add(indent, f"g{root} = {seed}", "d(loss)/d(loss), for this sample")
    assigned: set[int] = set()
    stack: list[tuple[int, int, int, bool]] = [(root, indent, 0, False)]
    while stack:
        u, ind, depth, closing = stack.pop()
        if closing:
            for leaf in dom.leaves.get(u, []):
                if dom.edges.get(leaf, 0) > 1 and graph.nodes[leaf].kind != "param":
                    w.add(ind, f"chk += g{leaf}", "an input's gradient: checked, not kept")
            continue
        inner, nested = ind, depth
        if depth < _MAX_DEPTH:
            w.add(ind, f"if g{u}:")
            inner, nested = ind + 1, depth + 1
        node = graph.nodes[u]
        consumers_here = set(node.parents)
        starts = [v for v in dom.children.get(u, []) + dom.leaves.get(u, [])
                  if v not in consumers_here and (graph.nodes[v].kind != "param")
                  and not (graph.nodes[v].kind != "op" and dom.edges.get(v, 0) == 1)]
        if starts:
            w.add(inner, " = ".join(f"g{v}" for v in starts) + " = 0.0",
                  "gradients gathered below")
            assigned.update(starts)
        _contributions(w, graph, u, inner, dom, assigned, rules)
        stack.append((u, inner, nested, True))
        for child in reversed(dom.children.get(u, [])):
            stack.append((child, inner, nested, False))


def _contributions(w: _Writer, graph: Graph, u: int, indent: int, dom: Dominators,
                   assigned: set[int], rules: list[Rule]) -> None:
    node = graph.nodes[u]
    xs = [value_name(graph, p) for p in node.parents]
    out = value_name(graph, u)
    parts = partials_code(PYTHON, node.op, xs, out, _c_code(graph, node.param), node.param)
    if parts is None:
        assert node.rule is not None
        rules.append(node.rule)
        w.add(indent, f"d{u} = rule_call(R[{len(rules) - 1}], ({', '.join(xs)},), "
                      f"{_c_code(graph, node.param)}, {out})", f"{node.op}: its rule's partials")
        parts = [f"d{u}[{k}]" for k in range(len(xs))]
    statements: list[str] = []
    for p, d in zip(node.parents, parts):
        g = f"g{u}"
        if d == "1.0":
            term, negated = g, False
        elif d == "-1.0":
            term, negated = g, True
        else:
            term, negated = f"{g} * {d if _simple(d) else f'({d})'}", False
        target = graph.nodes[p]
        if target.kind == "param":
            statements.append(f"gp{target.slot} {'-=' if negated else '+='} {term}")
        elif target.kind != "op" and dom.edges.get(p, 0) == 1:
            statements.append(f"chk {'-=' if negated else '+='} {term}")
        elif p in assigned:
            statements.append(f"g{p} {'-=' if negated else '+='} {term}")
        else:
            statements.append(f"g{p} = {'-' if negated else ''}{term}")
            assigned.add(p)
    w.add(indent, "; ".join(statements), f"back through {node.op}")


def _program(w: _Writer, graph: Graph, number: int, total: int, names: Sequence[str],
             rules: list[Rule], static_code: str, indent: int, seed: str,
             store: str) -> None:
    head = f"program {number} of {total}"
    if static_code:
        w.add(indent, f"if not done and {static_code}:", head)
    else:
        w.add(indent, "if not done:", head)
    w.add(indent + 1, "while True:", "leaving this loop early: a guard failed")
    ind = indent + 2
    checked = _forward(w, graph, ind, names, rules)
    outputs = [value_name(graph, o) for o in graph.outputs]
    root = value_name(graph, graph.root)
    checked = list(dict.fromkeys([*checked, root, *outputs]))
    for k in range(0, len(checked), _CHUNK):
        w.add(ind, f"chk += {' + '.join(checked[k:k + _CHUNK])}",
              "finite exactly when every term is (else the engine decides)" if not k else "")
    w.add(ind, store.format(loss=root, outputs=_tuple(outputs)) + "; done = True")
    _backward(w, graph, ind, seed, rules)
    w.add(ind, "break")


def _tuple(items: list[str]) -> str:
    if not items:
        return "None"
    return items[0] if len(items) == 1 else f"({', '.join(items)})"


def _static_code(graph: Graph, consts: list[Any]) -> str:
    """The test that a sample's static inputs are the traced ones (values that are not
    plain literals are compared with ``K[k]``, appended to ``consts``)."""
    parts: list[str] = []
    for j, value in enumerate(graph.statics):
        if value is None:
            parts.append(f"s{j} is None")
        elif type(value) in (int, bool, str) or (type(value) is float
                                                  and math.isfinite(value) and value != 0.0):
            parts.append(f"type(s{j}) is {type(value).__name__} and s{j} == {value!r}")
        else:
            consts.append(value)
            k = len(consts) - 1
            parts.append(f"type(s{j}) is type(K[{k}]) and s{j} == K[{k}]")
    return " and ".join(parts)


def generate_python(programs: Sequence[Graph], penalty: Graph | None, params: int,
                    names: Sequence[str], title: str, unpack: str = ""
                    ) -> tuple[str, Callable[..., Any]]:
    """The source of the compiled batch loss, and a runner
    ``runner(params, A, c, zero) -> (grads, losses, outputs, pending, chk, penalty)``.

    ``A``: the batch's columns, read per sample by the code ``unpack`` (see
    ``Layout.unpack_code``); ``c``: d(batch loss)/d(one sample's loss); ``zero``: start
    from gradients 0 instead of ``.grad``. The generated ``run(D, G, A, c, L, O,
    pending)`` reads the parameters' data ``D`` and gradients so far ``G``, fills
    ``L``/``O`` with each sample's loss and outputs, and lists in ``pending`` the samples
    no program accepts.
    """
    w = _Writer()
    rules: list[Rule] = []
    consts: list[Any] = []
    w.add(0, f"# {title}")
    w.add(0, "# Straight-line Python generated by autograd_lite.compile: the scalar graph of one")
    w.add(0, "# sample's loss, traced once, written out one line per node, then run for each")
    w.add(0, "# sample of the batch. Names: x3 = the sample's 4th number, p5 = a parameter's")
    w.add(0, "# data, v12 = a node's value, g12 = d(loss)/d(that node) for this sample,")
    w.add(0, "# gp5 = the batch gradient of p5, added up in the order loss.backward() adds it.")
    if any(name != f"p{k}" for k, name in enumerate(names)):
        w.add(0, "# Parameters:")
        shown = [f"p{k} = {name}" for k, name in enumerate(names)]
        for k in range(0, min(len(shown), 24), 3):
            w.add(0, "#   " + comment(", ".join(shown[k:k + 3])))
        if len(shown) > 24:
            w.add(0, f"#   ... ({len(shown)} parameters)")
    w.add(0, "")
    w.add(0, "def run(D, G, A, c, L, O, pending):")
    if unpack:
        columns = sorted({int(k) for k in re.findall(r"A(\d+)\[i\]", unpack)})
        w.add(1, "; ".join(f"A{k} = A[{k}]" for k in columns), "the batch, column by column")
    if params:
        w.add(1, f"{', '.join(f'p{k}' for k in range(params))}, = D", "parameter values")
        w.add(1, f"{', '.join(f'gp{k}' for k in range(params))}, = G",
              "gradients so far: backward adds to them")
    w.add(1, "chk = 0.0", "a sum of every value that could overflow unnoticed")
    w.add(1, "pen = None")
    if penalty is not None:
        w.add(1, "done = False", "the penalty first: made after the samples, backward meets it "
              "before them")
        _program(w, penalty, 1, 1, names, rules, "", 1, "1.0", "pen = {loss}")
        w.add(1, "", "")
    w.add(1, "for i in reversed(range(len(L))):",
          "last sample first: backward meets the samples in this order")
    w.add(2, f"{unpack + '; ' if unpack else ''}done = False", "this sample's inputs")
    for k, graph in enumerate(programs):
        static_code = _static_code(graph, consts)
        _program(w, graph, k + 1, len(programs), names, rules, static_code, 2, "c",
                 "L[i] = {loss}; O[i] = {outputs}")
    w.add(2, "if not done:")
    w.add(3, "pending.append(i)", "no program fits this sample")
    grads = f"({', '.join(f'gp{k}' for k in range(params))},)" if params else "()"
    w.add(1, f"return {grads}, chk, pen")
    source = "\n".join(w.lines) + "\n"
    scope = namespace()
    scope.update(R=rules, K=consts)
    code = compile(source, "<autograd_lite.compile>", "exec")
    exec(code, scope)
    run = scope["run"]

    def runner(ps: Sequence[Any], A: list[Any], c: float, zero: bool = False
               ) -> tuple[Any, ...]:
        n = len(A[0]) if A else 0
        losses: list[float] = [0.0] * n
        outputs: list[Any] = [None] * n
        pending: list[int] = []
        data = [p.data for p in ps]
        grad = [0.0] * len(ps) if zero else [p.grad for p in ps]
        if not set(map(type, data)) | set(map(type, grad)) <= {float}:
            raise TypeError("a parameter's .data or .grad is not a float")
        grads, chk, pen = run(data, grad, A, c, losses, outputs, pending)
        return list(grads), losses, outputs, pending, chk + sum(grads), pen, data

    return source, runner
