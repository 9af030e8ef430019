"""Backend (b): numpy over the whole batch, with the layers of a network fused.

Every node becomes an array with one entry per sample (``v12``), or a number when it
does not depend on the sample (a parameter, a constant: ``P[7]``, ``0.5``). Then the
graph is *fused*:

* ``affine`` nodes that read the same inputs, with parameters as weights and bias, are
  the neurons of one layer: one matrix product ``A = X @ W.T + b`` computes them all
  (``W`` and ``b`` are gathered from the parameter vector ``P`` by index);
* the same elementwise op applied to the columns of such a matrix (the layer's ReLU, the
  ``exp`` of a softmax) is one array op on the matrix;
* a ``sum`` (or ``max`` read from ``.data``) over all columns of a matrix is a row sum.

The backward pass mirrors it: a layer's weight gradient is one product ``G.T @ X``,
summed over the batch by BLAS. Results equal the engine's up to the order in which
floating-point sums are added (about 1e-16 relative, far inside 1e-12).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..core import Rule
from .codegen import comment, expr_code, guard_code, literal
from .fusion import Group, Lowering
from .table import NUMPY, forward_code, partials_code, rule_call
from .tracing import Expr, Graph, expr_indices

__all__ = ["generate_numpy"]



class _Emitter:
    """Writes one program's function."""

    def __init__(self, graph: Graph, number: int, names: Sequence[str],
                 scope: dict[str, Any], rules: list[Rule]) -> None:
        self.g = graph
        self.low = Lowering(graph, str(number))
        self.number = number
        self.names = names
        self.scope = scope
        self.rules = rules
        self.lines: list[str] = []
        self.have: set[str] = set()

    def add(self, text: str, note: str = "", indent: int = 1) -> None:
        line = "    " * indent + text
        self.lines.append(line + (f"  # {comment(note)}" if note else ""))

    # -- forward ------------------------------------------------------------------------
    def expr(self, e: Expr) -> str:
        if e[0] in ("max", "min") and all(part[0] == "node" for part in e[1]):
            matrix = self.low.matrix_of([part[1] for part in e[1]])
            if matrix is not None and not matrix.startswith("X"):
                return f"{matrix}.{e[0]}(axis=1)"
        return _rename(expr_code(self.g, e, numpy=True), self.g, self.low)

    def forward(self) -> None:
        g, low = self.g, self.low
        position = {i: k for k, i in enumerate(g.forward)}
        due: dict[int, list[Any]] = {}
        for guard in g.guards:
            used = expr_indices(guard.lhs) + expr_indices(guard.rhs)
            due.setdefault(max(used, key=position.__getitem__, default=-1), []).append(guard)
        done: set[int] = set()
        early = due.pop(-1, [])
        for i in [i for i in due if g.nodes[i].kind in ("input", "param", "const")]:
            early += due.pop(i)
        self._guards(early)
        for kind, what in low.steps:
            if kind == "group":
                group = low.groups[what]
                self._group_forward(group)
                done.update(group.members)
            else:
                self._node_forward(what)
                done.add(what)
            for i in [i for i in due if i in done]:
                self._guards(due.pop(i))

    def _guards(self, guards: list[Any]) -> None:
        for guard in guards:
            code = _rename(guard_code(self.g, guard, numpy=True), self.g, self.low)
            self.add(f"ok = np.broadcast_to({code}, (B,))", f"guard: {guard.where}")
            self.add("if not ok.all(): return None, None, None, 0.0, ok",
                     "some samples belong to another program")

    def _group_forward(self, group: Group) -> None:
        g, low = self.g, self.low
        if group.kind == "affine":
            first = g.nodes[group.members[0]]
            n = (len(first.parents) - 1) // 2
            weights = [g.nodes[m].parents[1:1 + n] for m in group.members]
            biases = [g.nodes[m].parents[0] for m in group.members]
            w = self._gather(f"W{group.name}", weights)
            b = self._gather(f"b{group.name}", [[x] for x in biases], flat=True)
            x = low.matrix_of(group.inputs) or self._stack(group.name, group.inputs)
            who = _neurons(g, group, self.names)
            self.add(f"{group.name} = {x} @ {w}.T + {b}",
                     f"{_count(len(group.members), 'affine node')} reading the same "
                     f"{_count(n, 'input')}{who}: one matrix product")
            self.add(f"chk += {group.name}.sum()", "a product may overflow unnoticed")
            return
        node = g.nodes[group.members[0]]
        xs = _operands(low, group, len(node.parents))
        code = forward_code(NUMPY, node.op, xs, _c(node.param))
        if group.cols is not None:
            self.scope[f"C{group.name}"] = _index(group.cols)
        self.add(f"{group.name} = {code}",
                 f"{node.op} of {len(group.members)} columns at once")

    def _gather(self, name: str, rows: list[Any], flat: bool = False) -> str:
        g = self.g
        if all(g.nodes[p].kind == "param" for row in rows for p in row):
            index = [[g.nodes[p].slot for p in row] for row in rows]
            self.scope[f"I{name}"] = _index([r[0] for r in index] if flat else index)
            self.add(f"{name} = P[I{name}]", "gathered from the parameter vector")
        else:
            cells = [[self.low.ref(p) for p in row] for row in rows]
            text = (", ".join(r[0] for r in cells) if flat else
                    ", ".join(f"[{', '.join(r)}]" for r in cells))
            self.add(f"{name} = np.array([{text}])")
        return name

    def _stack(self, name: str, nodes: list[int]) -> str:
        parts = ", ".join(_full(self.low.ref(n), n, self.low) for n in nodes)
        self.add(f"Xs{name} = np.column_stack(({parts},))", "the layer's inputs side by side")
        return f"Xs{name}"

    def _node_forward(self, i: int) -> None:
        g, low = self.g, self.low
        node = g.nodes[i]
        name = low.ref(i)
        if node.kind == "dconst":
            assert node.expr is not None
            self.add(f"{name} = {self.expr(node.expr)}", "computed from .data")
            return
        if node.op == "sum" and len(node.parents) > 1 and (
                matrix := low.matrix_of(list(node.parents))) is not None:
            self.add(f"{name} = {matrix}.sum(axis=1)", "sum over a layer's columns")
            return
        vector = self._param_reduction(i)
        if vector is not None:
            self.add(f"{name} = {vector[0]}", f"{node.op} of {len(node.parents)} parameters")
            return
        xs = [low.ref(p) for p in node.parents]
        code = forward_code(NUMPY, node.op, xs, _c(node.param, g, low))
        if code is None:
            assert node.rule is not None
            self.rules.append(node.rule)
            code = (f"per_sample(R[{len(self.rules) - 1}], {_c(node.param, g, low)}, B, "
                    f"{', '.join(xs)})")
        self.add(f"{name} = {code}", node.op + (f" '{node.label}'" if node.label else ""))
        if code.startswith("per_"):  # numpy raises on overflow; a rule's forward may not
            self.add(f"chk += np.sum({name})")

    # -- backward -----------------------------------------------------------------------
    def backward(self) -> None:
        g, low = self.g, self.low
        needed = set(g.backward)
        root = g.root
        if g.nodes[root].kind == "param":
            self.add(f"gP[{g.nodes[root].slot}] += c * B", "the loss is a parameter")
            return
        if root not in needed:
            return
        self._to(root, "np.full(B, c)", "d(loss)/d(loss) for each sample")
        for kind, what in reversed(low.steps):
            if kind == "group":
                group = low.groups[what]
                if any(m in needed for m in group.members) and f"G{what}" in self.have:
                    self._group_backward(group)
            elif what in needed:
                self._node_backward(what)

    def _grad(self, i: int) -> str:
        if i in self.low.col:
            name, j = self.low.col[i]
            return f"G{name}[:, {j}]"
        return f"gu{i}" if i in self.low.uniform else f"g{i}"

    def _to(self, i: int, term: str, note: str = "") -> None:
        """Add ``term`` (an array over the batch) to node i's gradient."""
        g, low = self.g, self.low
        node = g.nodes[i]
        if node.kind == "param":
            self.add(f"gP[{node.slot}] += np.sum({term})", note)
        elif node.kind in ("const", "input") or (node.kind == "dconst" and i in low.uniform):
            self.add(f"chk += np.sum({term})", note or "an input's gradient: checked, not kept")
        elif i in low.col:
            name, j = low.col[i]
            self._matrix(name)
            self.add(f"G{name}[:, {j}] += {term}", note)
        elif i in low.uniform:
            self._accumulate(f"gu{i}", f"np.sum({term})", note)
        elif node.kind == "dconst":
            self._accumulate(f"g{i}", term, note or "checked, not kept")
        else:
            self._accumulate(f"g{i}", term, note)

    def _accumulate(self, var: str, term: str, note: str) -> None:
        if var in self.have:
            self.add(f"{var} = {var} + {term}", note)
        else:
            self.have.add(var)
            self.add(f"{var} = {term} + 0.0" if term.isidentifier() else f"{var} = {term}", note)

    def _matrix(self, name: str) -> None:
        if f"G{name}" not in self.have:
            self.have.add(f"G{name}")
            k = len(self.low.groups[name].members)
            self.add(f"G{name} = np.zeros((B, {k}))")

    def _to_matrix(self, name: str, term: str, cols: str | None, note: str) -> None:
        """Add a (batch x k) term to a group's gradient matrix (or some of its columns)."""
        if cols is None:
            if f"G{name}" in self.have:
                self.add(f"G{name} = G{name} + {term}", note)
            else:
                self.have.add(f"G{name}")
                self.add(f"G{name} = {term} + 0.0" if term.isidentifier() else
                         f"G{name} = {term}", note)
        else:
            self._matrix(name)
            self.add(f"G{name}[:, C{cols}] += {term}", note)

    def _node_backward(self, i: int) -> None:
        g, low = self.g, self.low
        node = g.nodes[i]
        if node.kind != "op":
            return
        grad = self._grad(i)
        if grad not in self.have and i not in low.col:
            return
        if i in low.uniform:
            self._uniform_backward(i, grad)
            return
        if node.op == "sum" and len(node.parents) > 1 and (
                matrix := low.matrix_of(list(node.parents))) is not None and not matrix.startswith(
                    "X"):
            self._to_matrix(matrix, f"{grad}[:, None] * np.ones({len(node.parents)})", None,
                            "back through sum: every column gets it")
            return
        self._back_through(i, grad, per_sample=True)

    def _param_reduction(self, i: int) -> tuple[str, list[str]] | None:
        """A sum, dot or affine of many parameters (an L2 penalty) as vector code: the
        forward code and the backward statements (``{g}`` for the gradient)."""
        node = self.g.nodes[i]
        slots = [self.g.nodes[p].slot if self.g.nodes[p].kind == "param" else -1
                 for p in node.parents]
        if (node.op not in ("sum", "dot", "affine") or len(slots) < 8 or -1 in slots
                or i not in self.low.uniform):
            return None
        bias = slots[:1] if node.op == "affine" else []
        rest = slots[len(bias):]
        if node.op == "sum":
            self.scope[f"S{i}"] = _index(slots)
            return f"P[S{i}].sum()", [_add_at(f"S{i}", "{g}", self.scope)]
        half = len(rest) // 2
        self.scope[f"S{i}w"], self.scope[f"S{i}x"] = _index(rest[:half]), _index(rest[half:])
        code = f"P[S{i}w] @ P[S{i}x]" + (f" + P[{bias[0]}]" if bias else "")
        back = [_add_at(f"S{i}w", f"{{g}} * P[S{i}x]", self.scope),
                _add_at(f"S{i}x", f"{{g}} * P[S{i}w]", self.scope)]
        return code, back + [f"gP[{b}] += {{g}}" for b in bias]

    def _uniform_backward(self, i: int, grad: str) -> None:
        vector = self._param_reduction(i)
        if vector is not None:
            for line in vector[1]:
                self.add(line.format(g=grad), "back through a reduction of parameters")
            return
        self._back_through(i, grad, per_sample=False)

    def _back_through(self, i: int, grad: str, per_sample: bool) -> None:
        """``grad`` times each local derivative of node ``i``, sent to its inputs: numpy code
        from the op table, else the rule itself called (per sample, or once for a node whose
        value is the same for every sample)."""
        node, low = self.g.nodes[i], self.low
        xs, param = [low.ref(p) for p in node.parents], _c(node.param, self.g, low)
        parts = partials_code(NUMPY, node.op, xs, low.ref(i), param, node.param)
        if parts is None:
            assert node.rule is not None
            self.rules.append(node.rule)
            rule = f"R[{len(self.rules) - 1}]"
            self.add(f"d{i} = per_sample_partials({rule}, {param}, B, {low.ref(i)}, "
                     f"{', '.join(xs)})" if per_sample else
                     f"d{i} = rule_call({rule}, ({', '.join(xs)},), {param}, {low.ref(i)})")
            parts = [f"d{i}[{k}]" for k in range(len(xs))]
        for p, d in zip(node.parents, parts):
            self._to(p, _times(grad, d), f"back through {node.op}")

    def _group_backward(self, group: Group) -> None:
        g, low = self.g, self.low
        G = f"G{group.name}"
        if group.kind == "affine":
            w = f"W{group.name}"
            if f"I{w}" in self.scope:
                x = low.matrix_of(group.inputs) or f"Xs{group.name}"
                self.add(_add_at(f"I{w}", f"{G}.T @ {x}", self.scope),
                         "the layer's weight gradients, summed over the batch")
            else:
                self._scatter_uniform(group, G)
            b = f"b{group.name}"
            if f"I{b}" in self.scope:
                self.add(_add_at(f"I{b}", f"{G}.sum(axis=0)", self.scope), "bias gradients")
            else:
                for r, m in enumerate(group.members):
                    self._to(g.nodes[m].parents[0], f"{G}[:, {r}]", "back to a bias")
            matrix = low.matrix_of(group.inputs)
            # one neuron: its inputs' gradients are an outer product, by broadcasting
            back = f"{G} {'*' if len(group.members) == 1 else '@'} W{group.name}"
            if (matrix or "").startswith("X") or all(g.nodes[x].kind in ("input", "const")
                                    for x in group.inputs):
                self.add(f"chk += np.sum({back})", "the inputs' gradients: checked, not kept")
            elif matrix is not None:
                self._to_matrix(matrix, back, None, "back to the layer below")
            else:
                self.add(f"dX = {back}")
                for j, source in enumerate(group.inputs):
                    self._to(source, f"dX[:, {j}]")
            return
        node = g.nodes[group.members[0]]
        xs = _operands(low, group, len(node.parents))
        parts = partials_code(NUMPY, node.op, xs, group.name,
                              _c(node.param), node.param)
        assert parts is not None
        mine = parts[group.position]
        self._to_matrix(group.source, _times(G, mine),
                        None if group.cols is None else group.name, f"back through {node.op}")
        if group.other is not None:
            theirs = _times(G, parts[1 - group.position])
            self._to(group.other, f"({theirs}).sum(axis=1)" if group.other not in low.uniform
                     else f"np.sum({theirs})", f"back through {node.op}")

    def _scatter_uniform(self, group: Group, G: str) -> None:
        g = self.g
        first = g.nodes[group.members[0]]
        n = (len(first.parents) - 1) // 2
        x = self.low.matrix_of(group.inputs) or f"Xs{group.name}"
        self.add(f"dW = {G}.T @ {x}")
        for r, m in enumerate(group.members):
            for k, w in enumerate(g.nodes[m].parents[1:1 + n]):
                self._to(w, f"dW[{r}, {k}]")


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _add_at(index: str, term: str, scope: dict[str, Any]) -> str:
    if _repeats(scope[index]):
        return f"np.add.at(gP, {index}, {term})"
    return f"gP[{index}] += {term}"


def _times(grad: str, d: str) -> str:
    if d == "1.0":
        return grad
    if d == "-1.0":
        return f"-{grad}"
    return f"{grad} * ({d})"


def _repeats(index: Any) -> bool:
    flat = list(index.ravel())
    return len(set(flat)) != len(flat)


def _index(values: Any) -> Any:
    import numpy as np

    return np.array(values, dtype=np.intp)


def _full(code: str, node: int, low: Lowering) -> str:
    return f"np.full(B, {code})" if node in low.uniform else code


def _c(param: Any, graph: Graph | None = None, low: Lowering | None = None) -> str:
    if param is None:
        return "None"
    if isinstance(param, tuple):
        assert graph is not None and low is not None
        return _rename(expr_code(graph, param, numpy=True), graph, low)
    return literal(float(param))


def _rename(code: str, graph: Graph, low: Lowering) -> str:
    """Expressions name values as the Python backend does (v3, p5, x1): use the numpy
    program's storage instead."""
    def sub(match: re.Match[str]) -> str:
        kind, number = match.group(1), int(match.group(2))
        if kind == "v":
            return low.ref(number)
        if kind == "p":
            return f"P[{number}]"
        return f"X[:, {number}]"

    return re.sub(r"\b([vpx])(\d+)\b", sub, code)


def _neurons(graph: Graph, group: Group, names: Sequence[str]) -> str:
    first, last = (graph.nodes[graph.nodes[m].parents[0]] for m in (group.members[0],
                                                                     group.members[-1]))
    if first.kind == "param" and last.kind == "param" and names[first.slot].endswith(".b"):
        return f" ({names[first.slot][:-2]} ... {names[last.slot][:-2]})"
    return ""


def namespace() -> dict[str, Any]:
    import numpy as np

    def sigmoid(x: Any) -> Any:
        e = np.exp(-np.abs(x))
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def pow_dx(x: Any, y: Any) -> Any:
        safe = np.where((x == 0.0) & (y == 0.0), 1.0, x)
        return np.where((x == 0.0) & (y == 0.0), 0.0, y * np.power(safe, y - 1.0))

    def pow_dy(x: Any, y: Any, out: Any) -> Any:
        if np.any((x < 0.0) | ((x == 0.0) & (y <= 0.0))):
            raise ValueError("d(x**y)/dy needs x > 0")
        return np.where(x > 0.0, out * np.log(np.where(x > 0.0, x, 1.0)), 0.0)

    def per_sample(rule: Rule, param: Any, n: int, *xs: Any) -> Any:
        columns = [np.broadcast_to(x, (n,)).tolist() for x in xs]
        return np.array([rule_call(rule, list(args), param) for args in zip(*columns)])

    def per_sample_partials(rule: Rule, param: Any, n: int, out: Any, *xs: Any) -> Any:
        columns = [np.broadcast_to(x, (n,)).tolist() for x in xs]
        outs = np.broadcast_to(out, (n,)).tolist()
        rows = [rule_call(rule, list(args), param, o) for args, o in zip(zip(*columns), outs)]
        return [np.array([float(r[k]) for r in rows]) for k in range(len(xs))]

    def extreme(fn: Any) -> Any:
        return lambda *xs: functools.reduce(fn, xs)

    return {"np": np, "sigmoid": sigmoid, "pow_dx": pow_dx, "pow_dy": pow_dy,
            "per_sample": per_sample, "per_sample_partials": per_sample_partials,
            "rule_call": rule_call, "emax": extreme(np.maximum), "emin": extreme(np.minimum)}


def generate_numpy(programs: Sequence[Graph], penalty: Graph | None, params: int,
                   names: Sequence[str], title: str) -> tuple[str, Callable[..., Any]]:
    """The source, and ``runner(params, F, S, c)`` as for the Python backend (here ``F``
    is a (batch x numbers) array and ``S`` the samples' static values; gradients come
    back as an array)."""
    import numpy as np

    scope = namespace()
    rules: list[Rule] = []
    scope["R"] = rules
    text = [f"# {title}",
            "# numpy generated by autograd_lite.compile: the scalar graph of one sample's loss,",
            "# traced once, run for the whole batch at once. X = the batch's numbers (one row",
            "# per sample), P = all parameters, v12 = node 12 for every sample, A0_1 = a matrix",
            "# whose columns are several nodes (a layer), G... = gradients, gP = the batch",
            "# gradient of every parameter.", "", "import numpy as np", ""]
    for k, graph in enumerate(programs):
        emitter = _Emitter(graph, k, names, scope, rules)
        emitter.add(f"def program{k}(P, X, c):", "", 0)
        statics = ", ".join(repr(s) for s in graph.statics)
        if statics:
            emitter.add(f"# for samples whose static inputs are ({statics})")
        emitter.add("B = len(X); chk = 0.0; gP = np.zeros(len(P))")
        emitter.forward()
        low = emitter.low
        outputs = ", ".join(_full(low.ref(o), o, low) for o in graph.outputs)
        emitter.add(f"loss = {_full(low.ref(graph.root), graph.root, low)}", "each sample's loss")
        emitter.add(f"out = np.column_stack(({outputs},))" if outputs else "out = None")
        emitter.add("if c == 0.0: return loss, out, gP, chk, None", "no gradient wanted")
        emitter.backward()
        emitter.add("return loss, out, gP, chk, None")
        text += [*emitter.lines, ""]
    if penalty is not None:
        emitter = _Emitter(penalty, len(programs), names, scope, rules)
        emitter.add("def penalty(P):", "", 0)
        emitter.add("# once per batch; it reads only the parameters")
        emitter.add("B = 1; chk = 0.0; gP = np.zeros(len(P)); c = 1.0")
        emitter.forward()
        emitter.add(f"pen = float({emitter.low.ref(penalty.root)})")
        emitter.backward()
        emitter.add("return pen, gP, chk, None")
        text += [*emitter.lines, ""]
    source = "\n".join(text) + "\n"
    exec(compile(source, "<autograd_lite.compile numpy>", "exec"), scope)
    functions = [scope[f"program{k}"] for k in range(len(programs))]
    keys = [_typed(g.statics) for g in programs]
    penalty_fn = scope.get("penalty") if penalty is not None else None

    def runner(ps: Sequence[Any], inputs: tuple[Any, list[Any]], c: float, zero: bool
               ) -> tuple[Any, ...]:
        F, S = inputs
        n = len(F)
        P = np.fromiter([p.data for p in ps], float, len(ps))
        total = np.zeros(len(ps)) if zero else np.array([p.grad for p in ps])
        if total.dtype != np.float64:
            raise TypeError("a parameter's .grad is not a float")
        pen, chk = None, 0.0
        losses = np.zeros(n)
        outputs: list[Any] = [None] * n
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            if penalty_fn is not None:
                pen, gP, chk, ok = penalty_fn(P)
                if ok is not None:
                    return total, [], [], [], chk, None, P
                total += gP
            left = _groups(S)
            for fn, key in zip(functions, keys):
                idx = left.pop(key, None)
                while idx is not None and len(idx):
                    rows = F if len(idx) == len(F) else np.asfortranarray(F[idx])
                    loss, out, gP, more, ok = fn(P, rows, c)
                    if ok is not None:  # some samples failed a guard: they wait for another
                        left[key] = np.concatenate([left.get(key, idx[:0]), idx[~ok]])
                        idx = idx[ok]
                        continue
                    losses[idx] = loss
                    total += gP
                    chk += more
                    if out is not None:
                        for i, row in zip(idx.tolist(), out.tolist()):
                            outputs[i] = row[0] if len(row) == 1 else tuple(row)
                    break
        pending = sorted(i for rest in left.values() for i in rest.tolist())
        chk += float(total.sum())  # non-finite if any gradient is
        return total, losses.tolist(), outputs, pending, chk, pen, P

    return source, runner


def _typed(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((type(v), v) for v in key)  # 1, 1.0 and True are different statics


def _groups(S: list[Any]) -> dict[Any, Any]:
    """Sample indices by their static values."""
    import numpy as np

    if not S or not S[0]:
        return {(): np.arange(len(S))}
    if len(S[0]) == 1:
        column = [s[0] for s in S]
        kinds = set(map(type, column))
        if len(kinds) == 1 and kinds <= {int, float, str}:  # one label per sample
            values = np.asarray(column)
            kind = kinds.pop()
            return {((kind, kind(v)),): np.flatnonzero(values == v) for v in np.unique(values)}
    found: dict[Any, list[int]] = {}
    for i, key in enumerate(S):
        found.setdefault(_typed(key), []).append(i)
    return {k: np.array(v, dtype=np.intp) for k, v in found.items()}


def _operands(low: Lowering, group: Group, arity: int) -> list[str]:
    """The code of an element-wise group's inputs, in the op's order: the group's own
    column block and, for a binary op, the other operand (one column, or one number)."""
    xs = [low.group_ref(group), ""]
    if group.other is not None:
        other = low.ref(group.other)
        xs[1] = other if group.other in low.uniform else f"{other}[:, None]"
    if group.position == 1:
        xs.reverse()
    return xs[:arity]
