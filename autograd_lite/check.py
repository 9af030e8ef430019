"""Checking derivatives against central differences, and adding ops of your own.

* :func:`gradcheck` / :func:`gradgradcheck`: analytic first / second derivatives of a whole
  function against central differences, as a report that prints as a table.
* :func:`check_graph`: every node's *local* rule against central differences of its own
  forward, naming the first node whose rule disagrees.
* :func:`custom_op` / :func:`register_op` / :func:`unregister_op` (from ``custom_ops.py``,
  re-exported here): a new op with a hand-derived derivative, added to the rules table, so
  the checks above can confirm or refute it.

The test is PyTorch's: an analytic value ``a`` passes against a numeric one ``n`` when
``|a - n| <= atol + rtol * |n|``. Steps are relative, ``h = eps * max(1, |x|)``, so large
inputs are not perturbed below their float resolution.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .custom_ops import custom_op, register_op, unregister_op
from .engine import (
    Value,
    _describe,
    backprop,
    creation_site,
    enable_grad,
    no_grad,
    topological_order,
)
from .expression import node_names
from .higher import grad
from .rules import Rule

__all__ = [
    "GradcheckError",
    "GradcheckReport",
    "GraphCheckReport",
    "NodeCheck",
    "Row",
    "check_graph",
    "custom_op",
    "gradcheck",
    "gradgradcheck",
    "register_op",
    "unregister_op",
]


class GradcheckError(AssertionError):
    """Raised by the checks when ``raise_on_fail=True`` and a derivative disagrees.

    >>> gradcheck(lambda x: x.detach() * x, [3.0], raise_on_fail=True)
    Traceback (most recent call last):
    ...
    autograd_lite.check.GradcheckError: gradcheck of f at x=3: FAILED (1 of 1)
    ...
    """


# --- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One compared derivative: ``d output / d wrt`` at ``point``.

    >>> row = gradcheck(lambda x: x * x, [3.0]).rows[0]
    >>> row.wrt, row.analytic, round(row.numeric, 6), row.passed
    ('x', 6.0, 6.0, True)
    """

    output: str
    wrt: str
    point: str
    analytic: float
    numeric: float
    passed: bool
    note: str = ""

    @property
    def abs_err(self) -> float:
        """``|analytic - numeric|``."""
        return abs(self.analytic - self.numeric)

    @property
    def rel_err(self) -> float:
        """``abs_err / |numeric|`` (inf when numeric is 0 but analytic is not)."""
        if self.numeric != 0.0:
            return self.abs_err / abs(self.numeric)
        return 0.0 if self.abs_err == 0.0 else math.inf


_HEADERS = ("derivative", "at", "analytic", "numeric", "abs err", "rel err", "ok")


def _cells(row: Row) -> tuple[str, ...]:
    ok = "yes" if row.passed else "NO"
    return (f"d{row.output}/d{row.wrt}", row.point, f"{row.analytic:.8g}",
            f"{row.numeric:.8g}", f"{row.abs_err:.1e}", f"{row.rel_err:.1e}",
            ok + (f" ({row.note})" if row.note else ""))


def _text_table(rows: Sequence[tuple[str, ...]]) -> str:
    table = [_HEADERS, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(_HEADERS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(rows: Sequence[tuple[str, ...]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(_HEADERS), line(["---"] * len(_HEADERS)), *map(line, rows)])


class GradcheckReport:
    """Analytic against numeric derivatives, one row each; true when all pass.

    ``print(report)`` shows a table; Jupyter renders it as Markdown. ``report.rows`` holds
    the numbers (``analytic``, ``numeric``, ``abs_err``, ``rel_err``, ``passed``).

    >>> report = gradcheck(lambda a, b: a / b, [1.0, 2.0])
    >>> bool(report), [r.analytic for r in report.rows], report.failures
    (True, [0.5, -0.25], [])
    """

    def __init__(self, title: str, rows: list[Row]) -> None:
        self.title = title
        self.rows = rows

    @property
    def passed(self) -> bool:
        """Whether every derivative agrees within tolerance."""
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        """The rows that disagree."""
        return [r for r in self.rows if not r.passed]

    def __bool__(self) -> bool:
        return self.passed

    def _headline(self) -> str:
        verdict = "PASSED" if self.passed else f"FAILED ({len(self.failures)} of {len(self.rows)})"
        return f"{self.title}: {verdict}"

    def __str__(self) -> str:
        return f"{self._headline()}\n{_text_table([_cells(r) for r in self.rows])}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"**{self._headline()}**\n\n{_markdown_table([_cells(r) for r in self.rows])}"


# --- gradcheck ------------------------------------------------------------------------------


def _input_names(f: Callable[..., Any], inputs: Sequence[Any]) -> list[str]:
    """Labels of Value inputs, else f's parameter names, else x1..xn."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value) and x.label:
            names.append(x.label)
        elif len(params) == len(inputs):
            names.append(params[i])
        else:
            names.append(f"x{i + 1}")
    return names


def _floats(inputs: Sequence[Any], fn: str) -> list[float]:
    out = []
    for i, x in enumerate(inputs):
        v = x.data if isinstance(x, Value) else x
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise TypeError(f"{fn}: inputs[{i}] must be a finite number or Value, got {x!r}")
        out.append(float(v))
    return out


def _outputs(result: Any, fn: str) -> list[Any]:
    outs = list(result) if isinstance(result, (list, tuple)) else [result]
    for i, o in enumerate(outs):
        if not isinstance(o, (Value, numbers.Real)):
            raise TypeError(f"{fn}: f must return a Value or a sequence of Values, "
                            f"got {o!r} at position {i}")
    return outs


def _step(x: float, eps: float) -> float:
    return eps * max(1.0, abs(x))


def _point(names: Sequence[str], xs: Sequence[float]) -> str:
    return ", ".join(f"{n}={x:.6g}" for n, x in zip(names, xs))


def _central(g: Callable[[list[float]], list[float]], xs: list[float], j: int, eps: float,
             names: Sequence[str], fn: str) -> list[float]:
    """Central differences of every output of ``g`` in direction ``j``."""
    h = _step(xs[j], eps)
    values = []
    for sign in (1.0, -1.0):
        moved = list(xs)
        moved[j] += sign * h
        try:
            values.append(g(moved))
        except (ArithmeticError, ValueError) as exc:
            raise ValueError(f"{fn}: cannot take a central difference in {names[j]}: "
                             f"f fails at {names[j]}={moved[j]!r} ({exc}); move the point "
                             "away from the edge of the domain or lower eps") from exc
    return [(p - m) / (2.0 * h) for p, m in zip(*values)]


def _value_of(f: Callable[..., Any], fn: str) -> Callable[[list[float]], list[float]]:
    def evaluate(xs: list[float]) -> list[float]:
        with no_grad():
            outs = _outputs(f(*[Value(x) for x in xs]), fn)
        return [o.data if isinstance(o, Value) else float(o) for o in outs]
    return evaluate


def _grads_of(f: Callable[..., Any], fn: str) -> Callable[[list[float]], list[float]]:
    """Analytic first derivatives, flattened as [d out_k / d x_i for k, i]."""
    def gradients(xs: list[float]) -> list[float]:
        with enable_grad():
            ins = [Value(x) for x in xs]
            outs = _outputs(f(*ins), fn)
            flat: list[float] = []
            for out in outs:
                g = backprop(out) if isinstance(out, Value) else {}
                flat.extend(float(g.get(id(x), 0.0)) for x in ins)
        return flat
    return gradients


def _finish(report: GradcheckReport, raise_on_fail: bool) -> GradcheckReport:
    if raise_on_fail and not report.passed:
        raise GradcheckError(str(report))
    return report


def _close(a: float, n: float, atol: float, rtol: float) -> bool:
    return abs(a - n) <= atol + rtol * abs(n)


def _output_names(count: int) -> list[str]:
    return ["f"] if count == 1 else [f"f[{k}]" for k in range(count)]


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3,
              raise_on_fail: bool = False) -> GradcheckReport:
    """Compare reverse-mode gradients of ``f(*inputs)`` with central differences.

    ``f`` takes Values and returns a Value (or a sequence of them); ``inputs`` are numbers
    or Values. Returns a :class:`GradcheckReport` (true when everything agrees); with
    ``raise_on_fail=True`` a disagreement raises :class:`GradcheckError` instead.

    >>> report = gradcheck(lambda a, b: a * b.sin(), [2.0, 0.5])
    >>> report.passed
    True
    >>> print(report)                                       # doctest: +NORMALIZE_WHITESPACE
    gradcheck of f at a=2, b=0.5: PASSED
    derivative  at  analytic  numeric  abs err  rel err  ok
    ...
    df/da  a=2  0.47942554  0.47942554 ...  yes
    df/db  b=0.5  1.7551651  1.7551651 ...  yes
    """
    xs = _floats(inputs, "gradcheck")
    names = _input_names(f, inputs)
    analytic = _grads_of(f, "gradcheck")(xs)
    n_out = len(analytic) // max(len(xs), 1)
    outs = _output_names(n_out)
    numeric = [_central(_value_of(f, "gradcheck"), xs, j, eps, names, "gradcheck")
               for j in range(len(xs))]
    rows = []
    for k in range(n_out):
        for j, name in enumerate(names):
            a, n = analytic[k * len(xs) + j], numeric[j][k]
            rows.append(Row(outs[k], name, f"{name}={xs[j]:.6g}", a, n,
                            _close(a, n, atol, rtol)))
    title = f"gradcheck of f at {_point(names, xs)}"
    return _finish(GradcheckReport(title, rows), raise_on_fail)


def gradgradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3,
                  raise_on_fail: bool = False) -> GradcheckReport:
    """Compare second derivatives (gradients of gradients, ``create_graph=True``) with
    central differences of the first derivatives, for every pair of inputs.

    >>> report = gradgradcheck(lambda x, y: x ** 3 * y, [2.0, 1.5])
    >>> report.passed, [round(r.analytic, 6) for r in report.rows]   # 6xy, 3x^2, 3x^2, 0
    (True, [18.0, 12.0, 12.0, 0.0])
    """
    xs = _floats(inputs, "gradgradcheck")
    names = _input_names(f, inputs)
    m = len(xs)
    with enable_grad():
        ins = [Value(x) for x in xs]
        results = _outputs(f(*ins), "gradgradcheck")
        second: list[float] = []
        for out in results:
            firsts = (grad(out, ins, create_graph=True, allow_unused=True)
                      if isinstance(out, Value) else [Value(0.0)] * m)
            for g in firsts:
                row = backprop(g)
                second.extend(float(row.get(id(x), 0.0)) for x in ins)
    numeric = [_central(_grads_of(f, "gradgradcheck"), xs, j, eps, names, "gradgradcheck")
               for j in range(m)]
    outs = _output_names(len(results))
    rows = []
    for k in range(len(results)):
        for i in range(m):
            for j in range(m):
                a, n = second[(k * m + i) * m + j], numeric[j][k * m + i]
                wrt = f"{names[i]}²" if i == j else f"{names[i]} d{names[j]}"
                rows.append(Row(f"²{outs[k]}", wrt,
                                f"{names[i]}={xs[i]:.6g}, {names[j]}={xs[j]:.6g}"
                                if i != j else f"{names[i]}={xs[i]:.6g}",
                                a, n, _close(a, n, atol, rtol)))
    title = f"gradgradcheck of f at {_point(names, xs)}"
    return _finish(GradcheckReport(title, rows), raise_on_fail)


# --- per-node check -------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeCheck:
    """One local partial of one node, checked against its rule's own forward.

    >>> check = check_graph(Value(2.0).exp()).checks[0]
    >>> check.op, check.status, round(check.analytic, 6), round(check.numeric, 6)
    ('exp', 'ok', 7.389056, 7.389056)
    """

    node: Value
    name: str
    op: str
    index: int
    inputs: str
    analytic: float
    numeric: float
    status: str  # "ok", "wrong", "stale", or skipped: "kink", "edge", "undefined"
    site: str | None

    @property
    def failed(self) -> bool:
        """A rule that disagrees, or a node whose data no longer matches its inputs."""
        return self.status in ("wrong", "stale")

    def describe(self) -> str:
        """A sentence naming the node, its op, inputs, the numbers and where it was made."""
        where = (f", created at {self.site}" if self.site else
                 " (run under detect_anomaly() to record where nodes are created)")
        head = f"node {self.name} = {self.op}({self.inputs}){where}"
        if self.status == "stale":
            return (f"{head}: its data {self.analytic!r} no longer equals {self.op} of its "
                    f"inputs ({self.numeric!r}); was an input's .data changed after the "
                    "graph was built?")
        return (f"{head}: the rule gives d/d(input {self.index + 1}) = {self.analytic:.8g}, "
                f"a central difference gives {self.numeric:.8g}")


class GraphCheckReport:
    """Result of :func:`check_graph`: the checked partials and the first failure, if any.

    >>> report = check_graph(Value(0.5).sin() * 2)
    >>> print(report)
    check_graph: 2 nodes, 3 of 3 local partials agree with central differences
    >>> report.first_failure is None
    True
    """

    def __init__(self, checks: list[NodeCheck]) -> None:
        self.checks = checks

    @property
    def passed(self) -> bool:
        """Whether every checked rule agrees."""
        return self.first_failure is None

    @property
    def first_failure(self) -> NodeCheck | None:
        """The earliest node (in forward order) whose rule disagrees, or None."""
        return next((c for c in self.checks if c.failed), None)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        nodes = len({id(c.node) for c in self.checks})
        ok = sum(c.status == "ok" for c in self.checks)
        skipped = [c for c in self.checks if not c.failed and c.status != "ok"]
        lines = [f"check_graph: {nodes} nodes, {ok} of {len(self.checks)} local partials "
                 f"agree with central differences"]
        first = self.first_failure
        if first is not None:
            lines.append(f"FIRST DISAGREEMENT: {first.describe()}")
            lines += [f"  also: {c.describe()}" for c in self.checks[1:] if c.failed
                      and c is not first][:10]
        for c in skipped[:10]:
            lines.append(f"  skipped {c.name} = {c.op}({c.inputs}), input {c.index + 1}: "
                         f"{c.status}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return "```text\n" + str(self) + "\n```"


def _perturbed(rule: Rule, args: list[float], param: Any, i: int, h: float) -> float:
    moved = list(args)
    moved[i] += h
    return rule.forward(moved, param)


def check_graph(root: Value, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                raise_on_fail: bool = False) -> GraphCheckReport:
    """Check every node's local partials (from its rule) against central differences of
    the rule's forward at that node's inputs, in forward order.

    Inputs at a kink of their op, at the edge of its domain, or where the derivative does
    not exist are skipped (and listed). The report's ``first_failure`` names the first node
    whose rule disagrees: its op, inputs, and, under ``detect_anomaly()``, where it was made.

    >>> x = Value(0.7, label="x")
    >>> report = check_graph((x * x).tanh() + x.exp())
    >>> report.passed, len(report.checks)      # mul (2 inputs), tanh, exp, add (2 inputs)
    (True, 6)
    """
    names = node_names(root)
    checks: list[NodeCheck] = []
    for node in topological_order(root):
        rule = node._rule
        if rule is None:
            continue
        args = [p.data for p in node._prev]
        shown = _describe(rule, args, node._param)
        site = creation_site(node)

        def record(i: int, a: float, n: float, status: str, node: Value = node,
                   rule: Rule = rule, shown: str = shown, site: str | None = site) -> None:
            checks.append(NodeCheck(node, names[id(node)], rule.name, i, shown, a, n, status,
                                    site))

        try:
            fresh = rule.forward(args, node._param)
        except (ArithmeticError, ValueError):
            fresh = math.nan
        if not _close(node.data, fresh, 1e-12, 1e-9):
            record(0, node.data, fresh, "stale")
            continue
        try:
            parts = [float(d) for d in rule.partials(args, node.data, node._param)]
        except (ArithmeticError, ValueError):
            for i in range(len(args)):
                record(i, math.nan, math.nan, "undefined")
            continue
        for i, (x, a) in enumerate(zip(args, parts)):
            h = _step(x, eps)
            if rule.arity == 1 and any(abs(x - k) <= 2 * h for k in rule.kinks):
                record(i, a, math.nan, "kink")
                continue
            try:
                n = (_perturbed(rule, args, node._param, i, h)
                     - _perturbed(rule, args, node._param, i, -h)) / (2 * h)
            except (ArithmeticError, ValueError):
                record(i, a, math.nan, "edge")
                continue
            record(i, a, n, "ok" if _close(a, n, atol, rtol) else "wrong")
    report = GraphCheckReport(checks)
    if raise_on_fail and not report.passed:
        raise GradcheckError(str(report))
    return report
