"""Checking derivatives against central differences, and adding ops of your own.

* :func:`gradcheck` / :func:`gradgradcheck`: analytic first / second derivatives of a whole
  function against central differences, as a report that prints as a table.
* :func:`check_graph`: every node's *local* rule against central differences of its own
  forward, naming the first node whose rule disagrees (:class:`NodeCheck`) or whose data no
  longer matches its inputs (:class:`StaleNode`).
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
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from .custom_ops import custom_op, register_op, unregister_op
from .engine import (
    BackwardError,
    Value,
    backprop,
    topological_order,
)
from .errors import _derivative_problem, _describe
from .expression import formula, node_names
from .higher import _check_callable, _check_outputs, _check_sequence, _forward_order, grad
from .modes import creation_site, enable_grad, no_grad
from .rules import Rule

__all__ = [
    "GradcheckError",
    "GradcheckReport",
    "GraphCheckReport",
    "NodeCheck",
    "Row",
    "StaleNode",
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

    ``note`` explains a failing row when the graph passes a kink of an op (``relu`` at 0,
    where the analytic value is a convention) or a point where a derivative is undefined
    (then ``analytic`` is NaN); it is ``""`` otherwise.

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


def _notes(rows: Sequence[Row]) -> list[str]:
    """The distinct notes of the rows, in order; a row refers to its note by number."""
    return list(dict.fromkeys(r.note for r in rows if r.note))


def _cells(row: Row, notes: list[str]) -> tuple[str, ...]:
    ok = "yes" if row.passed else "NO"
    return (f"d{row.output}/d{row.wrt}", row.point, f"{row.analytic:.8g}",
            f"{row.numeric:.8g}", f"{row.abs_err:.1e}", f"{row.rel_err:.1e}",
            ok + (f" (note {notes.index(row.note) + 1})" if row.note else ""))


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
    the numbers (``analytic``, ``numeric``, ``abs_err``, ``rel_err``, ``passed``) and, for a
    failing row at a kink or an undefined derivative, a ``note`` printed below the table.

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
        notes = _notes(self.rows)
        table = _text_table([_cells(r, notes) for r in self.rows])
        return "\n".join([self._headline(), table,
                          *(f"note {i}: {n}" for i, n in enumerate(notes, 1))])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        notes = _notes(self.rows)
        table = _markdown_table([_cells(r, notes) for r in self.rows])
        listed = "\n".join(f"{i}. {n}" for i, n in enumerate(notes, 1))
        return f"**{self._headline()}**\n\n{table}" + (f"\n\nNotes:\n\n{listed}" if notes else "")


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


def _arguments(f: Any, inputs: Any, eps: float, atol: float, rtol: float,
               fn: str) -> list[float]:
    """Check a checker's arguments; return the inputs as floats."""
    _check_callable(f, "f", fn)
    items = _check_sequence(inputs, "inputs", fn, "numbers or Values")
    if not items:
        raise ValueError(f"{fn}: no inputs to check; pass at least one, e.g. {fn}(f, [0.5])")
    _check_tolerances(eps, atol, rtol, fn)
    out = []
    for i, x in enumerate(items):
        v = x.data if isinstance(x, Value) else x
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise TypeError(f"{fn}: inputs[{i}] must be a finite number or Value, got {x!r}")
        out.append(float(v))
    return out


def _check_tolerances(eps: Any, atol: Any, rtol: Any, fn: str) -> None:
    for what, v, low in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        if (isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v)
                or v < 0 or (low == "> 0" and v == 0)):
            raise ValueError(f"{fn}: {what} must be a finite number {low}, got {v!r}")


def _outputs(result: Any, fn: str) -> list[Any]:
    outs = list(result) if isinstance(result, (list, tuple)) else [result]
    if not outs:
        raise ValueError(f"{fn}: f returned no outputs (an empty {type(result).__name__})")
    _check_outputs(outs, fn)
    return outs


def _step(x: float, eps: float) -> float:
    return eps * max(1.0, abs(x))


def _point(names: Sequence[str], xs: Sequence[float]) -> str:
    return ", ".join(f"{n}={x:.6g}" for n, x in zip(names, xs))


class _StepFailed(Exception):
    """A central difference needs a point where the function itself fails."""

    def __init__(self, x: float, exc: BaseException) -> None:
        super().__init__(str(exc))
        self.x = x
        self.exc = exc


def _difference(g: Callable[[list[float]], list[float]], xs: Sequence[float], j: int,
                h: float) -> list[float]:
    """``(g(x + h e_j) - g(x - h e_j)) / 2h`` for every output of ``g``: the one central
    difference that gradcheck, gradgradcheck and check_graph all use."""
    values = []
    for sign in (1.0, -1.0):
        moved = list(xs)
        moved[j] += sign * h
        try:
            values.append(g(moved))
        except (ArithmeticError, ValueError) as exc:
            raise _StepFailed(moved[j], exc) from exc
    return [(p - m) / (2.0 * h) for p, m in zip(*values)]


def _central(g: Callable[[list[float]], list[float]], xs: list[float], j: int, eps: float,
             names: Sequence[str], fn: str) -> list[float]:
    """Central differences of every output of ``g`` in direction ``j``, or a ValueError
    that says which point failed and what to do."""
    try:
        return _difference(g, xs, j, _step(xs[j], eps))
    except _StepFailed as failed:
        raise ValueError(f"{fn}: cannot take a central difference in {names[j]}: f fails at "
                         f"{names[j]}={failed.x!r} ({failed.exc}); move the point away from "
                         "the edge of the domain or lower eps") from failed.exc


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


_Report = TypeVar("_Report", "GradcheckReport", "GraphCheckReport")


def _finish(report: _Report, raise_on_fail: bool) -> _Report:
    if raise_on_fail and not report.passed:
        raise GradcheckError(str(report))
    return report


def _close(a: float, n: float, atol: float, rtol: float) -> bool:
    return abs(a - n) <= atol + rtol * abs(n)


def _output_names(count: int) -> list[str]:
    return ["f"] if count == 1 else [f"f[{k}]" for k in range(count)]


# --- why a row fails: kinks and undefined derivatives -------------------------------------


def _graphs(f: Callable[..., Any], xs: list[float], names: Sequence[str]) -> list[list[Value]]:
    """The graph of each output of ``f`` at ``xs`` (inputs labelled), in forward order."""
    with enable_grad():
        outs = _outputs(f(*[Value(x, label=n) for x, n in zip(xs, names)]), "gradcheck")
    return [_forward_order([o]) if isinstance(o, Value) else [] for o in outs]


def _short(node: Value) -> str:
    text = formula(node, max_length=40)
    return text if len(text) <= 40 else node.op


def _kink_note(node: Value, rule: Rule, moved: tuple[float, float] | None) -> str:
    """A sentence if ``node``'s input sits on a kink of its op, or (``moved``: its input at
    x - h and x + h) a central difference steps across one."""
    x = node._prev[0].data
    lo, hi = (min(x, *moved), max(x, *moved)) if moved else (x, x)
    for k in rule.kinks:
        if not lo <= k <= hi:
            continue
        p = node._param
        slopes = [float(rule.partials([k + d], rule.forward([k + d], p), p)[0])
                  for d in (-1e-3, 1e-3)]
        convention = float(rule.partials([k], rule.forward([k], p), p)[0])
        where = (f"sits on the kink of {rule.name} at {k:g}" if x == k else
                 f"is within one step of the kink of {rule.name} at {k:g} (its input is "
                 f"{x:.3g})")
        return (f"{_short(node)} {where}: the analytic value uses {rule.name}'({k:g}) = "
                f"{convention:g} by convention, while central differences average the slopes "
                f"{slopes[0]:g} and {slopes[1]:g} on either side")
    return ""


def _failure_note(f: Callable[..., Any], xs: list[float], names: Sequence[str], k: int,
                  j: int, eps: float) -> str:
    """Why output ``k``'s derivative in input ``j`` may disagree: an op of the graph at a
    kink, or at a point where its derivative is undefined; ``""`` when none is found."""
    h = _step(xs[j], eps)
    try:
        center = _graphs(f, xs, names)[k]
        plus = _graphs(f, [x + h * (i == j) for i, x in enumerate(xs)], names)[k]
        minus = _graphs(f, [x - h * (i == j) for i, x in enumerate(xs)], names)[k]
    except (ArithmeticError, ValueError):
        return ""
    # The three graphs match node for node unless f branches on the data.
    same = len(center) == len(plus) == len(minus) and all(
        a.op == b.op == c.op for a, b, c in zip(center, plus, minus))
    undefined, kinks = [], []
    for pos, node in enumerate(center):
        rule = node._rule
        if rule is None:
            continue
        args = [p.data for p in node._prev]
        try:
            rule.partials(args, node.data, node._param)
        except (ArithmeticError, ValueError) as exc:
            what = (f"{rule.name}'({args[0]:g}) is undefined" if len(args) == 1 else
                    f"a derivative of {rule.name} is undefined")
            undefined.append(f"{_short(node)} at {_describe(rule, args, node._param)}: {what} "
                         f"({_derivative_problem(rule, exc)})")
            continue
        if rule.kinks and len(args) == 1:
            moved = None
            if same:
                moved = (minus[pos]._prev[0].data, plus[pos]._prev[0].data)
                if moved[0] == moved[1] == args[0]:
                    continue  # this node does not move with input j
            note = _kink_note(node, rule, moved)
            if note:
                kinks.append(note)
    return "; ".join(dict.fromkeys(undefined + kinks))


def _analytic(compute: Callable[[], list[float]], size: int) -> tuple[list[float], str]:
    """Analytic derivatives, or NaNs and the reason when backward cannot compute them."""
    try:
        return compute(), ""
    except BackwardError as err:
        return [math.nan] * size, str(err)


def _explained(rows: list[Row], notes: Callable[[int, int], str], reason: str,
               m: int) -> list[Row]:
    """Give every failing row its note (``notes(output, input)``), else ``reason``."""
    out = []
    for idx, row in enumerate(rows):
        if not row.passed:
            k, j = divmod(idx, m)
            row = replace(row, note=notes(k, j) or reason)
        out.append(row)
    return out


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3,
              raise_on_fail: bool = False) -> GradcheckReport:
    """Compare reverse-mode gradients of ``f(*inputs)`` with central differences.

    ``f`` takes Values and returns a Value (or a sequence of them); ``inputs`` are numbers
    or Values. Returns a :class:`GradcheckReport` (true when everything agrees); with
    ``raise_on_fail=True`` a disagreement raises :class:`GradcheckError` instead. A failing
    row at a kink (``relu`` at 0) or where a derivative is undefined says so in its note.

    >>> report = gradcheck(lambda a, b: a * b.sin(), [2.0, 0.5])
    >>> report.passed
    True
    >>> print(report)                                       # doctest: +NORMALIZE_WHITESPACE
    gradcheck of f at a=2, b=0.5: PASSED
    derivative  at  analytic  numeric  abs err  rel err  ok
    ...
    df/da  a=2  0.47942554  0.47942554 ...  yes
    df/db  b=0.5  1.7551651  1.7551651 ...  yes
    >>> row = gradcheck(lambda x: x.relu(), [0.0]).rows[0]     # relu at its kink
    >>> row.analytic, row.numeric, row.passed
    (0.0, 0.5, False)
    >>> print(row.note)
    relu(x) sits on the kink of relu at 0: the analytic value uses relu'(0) = 0 by
    convention, while central differences average the slopes 0 and 1 on either side
    """
    xs = _arguments(f, inputs, eps, atol, rtol, "gradcheck")
    names = _input_names(f, inputs)
    m = len(xs)
    n_out = len(_value_of(f, "gradcheck")(xs))
    analytic, reason = _analytic(lambda: _grads_of(f, "gradcheck")(xs), n_out * m)
    numeric = [_central(_value_of(f, "gradcheck"), xs, j, eps, names, "gradcheck")
               for j in range(m)]
    outs = _output_names(n_out)
    rows = []
    for k in range(n_out):
        for j, name in enumerate(names):
            a, n = analytic[k * m + j], numeric[j][k]
            rows.append(Row(outs[k], name, f"{name}={xs[j]:.6g}", a, n,
                            _close(a, n, atol, rtol)))
    rows = _explained(rows, lambda k, j: _failure_note(f, xs, names, k, j, eps), reason, m)
    title = f"gradcheck of f at {_point(names, xs)}"
    return _finish(GradcheckReport(title, rows), raise_on_fail)


def _second(f: Callable[..., Any], xs: list[float]) -> list[float]:
    """Analytic second derivatives, flattened as [d2 out_k / d x_i d x_j for k, i, j]."""
    m = len(xs)
    with enable_grad():
        ins = [Value(x) for x in xs]
        second: list[float] = []
        for out in _outputs(f(*ins), "gradgradcheck"):
            firsts = (grad(out, ins, create_graph=True, allow_unused=True)
                      if isinstance(out, Value) else [Value(0.0)] * m)
            for g in firsts:
                row = backprop(g)
                second.extend(float(row.get(id(x), 0.0)) for x in ins)
    return second


def gradgradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3,
                  raise_on_fail: bool = False) -> GradcheckReport:
    """Compare second derivatives (gradients of gradients, ``create_graph=True``) with
    central differences of the first derivatives, for every pair of inputs.

    >>> report = gradgradcheck(lambda x, y: x ** 3 * y, [2.0, 1.5])
    >>> report.passed, [round(r.analytic, 6) for r in report.rows]   # 6xy, 3x^2, 3x^2, 0
    (True, [18.0, 12.0, 12.0, 0.0])
    """
    xs = _arguments(f, inputs, eps, atol, rtol, "gradgradcheck")
    names = _input_names(f, inputs)
    m = len(xs)
    n_out = len(_value_of(f, "gradgradcheck")(xs))
    second, reason = _analytic(lambda: _second(f, xs), n_out * m * m)
    numeric = [_central(_grads_of(f, "gradgradcheck"), xs, j, eps, names, "gradgradcheck")
               for j in range(m)]
    outs = _output_names(n_out)
    rows = []
    for k in range(n_out):
        for i in range(m):
            for j in range(m):
                a, n = second[(k * m + i) * m + j], numeric[j][k * m + i]
                wrt = f"{names[i]}²" if i == j else f"{names[i]} d{names[j]}"
                rows.append(Row(f"²{outs[k]}", wrt,
                                f"{names[i]}={xs[i]:.6g}, {names[j]}={xs[j]:.6g}"
                                if i != j else f"{names[i]}={xs[i]:.6g}",
                                a, n, _close(a, n, atol, rtol)))
    # Row (k, i, j) differentiates in input j: a kink there is what central differences see.
    rows = _explained(rows, lambda ki, j: _failure_note(f, xs, names, ki // m, j, eps),
                      reason, m)
    title = f"gradgradcheck of f at {_point(names, xs)}"
    return _finish(GradcheckReport(title, rows), raise_on_fail)


# --- per-node check -------------------------------------------------------------------------


def _where(site: str | None) -> str:
    return (f", created at {site}" if site else
            " (run under detect_anomaly() to record where nodes are created)")


@dataclass(frozen=True)
class NodeCheck:
    """One local partial of one node, checked against its rule's own forward.

    ``analytic`` is the rule's partial d(node)/d(input ``index``), ``numeric`` a central
    difference of the rule's forward (NaN where the check was skipped).

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
    status: str  # "ok", "wrong", or skipped: "kink", "edge", "undefined"
    site: str | None
    position: int = 0  # the node's place in forward order

    @property
    def failed(self) -> bool:
        """Whether the rule disagrees with the central difference."""
        return self.status == "wrong"

    def describe(self) -> str:
        """A sentence naming the node, its op, inputs, the numbers and where it was made."""
        head = f"node {self.name} = {self.op}({self.inputs}){_where(self.site)}"
        if self.status != "ok" and not self.failed:
            return f"{head}: input {self.index + 1} skipped ({_SKIPPED[self.status]})"
        return (f"{head}: the rule gives d/d(input {self.index + 1}) = {self.analytic:.8g}, "
                f"a central difference gives {self.numeric:.8g}")


_SKIPPED = {"kink": "it sits on a kink of the op", "undefined": "the derivative is undefined",
            "edge": "a central difference would leave the op's domain"}


@dataclass(frozen=True)
class StaleNode:
    """A node whose stored data no longer equals its op applied to its inputs' data: an
    input's ``.data`` changed after the graph was built, so its gradients would be wrong.

    >>> x = Value(0.5); y = x.exp(); x.data = 1.0
    >>> stale = check_graph(y).first_failure
    >>> stale.status, stale.stored == math.exp(0.5), stale.recomputed == math.exp(1.0)
    ('stale', True, True)
    """

    node: Value
    name: str
    op: str
    inputs: str
    stored: float
    recomputed: float  # NaN if the op now fails on its inputs
    site: str | None
    position: int = 0
    status: str = "stale"

    @property
    def failed(self) -> bool:
        """Always true: a stale graph cannot be trusted."""
        return True

    def describe(self) -> str:
        """A sentence naming the node, both numbers and the likely cause."""
        return (f"node {self.name} = {self.op}({self.inputs}){_where(self.site)}: its data "
                f"{self.stored!r} no longer equals {self.op} of its inputs "
                f"({self.recomputed!r}); was an input's .data changed after the graph was "
                "built?")


class GraphCheckReport:
    """Result of :func:`check_graph`: the checked partials, the stale nodes, and the first
    failure in forward order, if any.

    >>> report = check_graph(Value(0.5).sin() * 2)
    >>> print(report)
    check_graph: 2 nodes, 3 of 3 local partials agree with central differences
    >>> report.first_failure is None
    True
    """

    def __init__(self, checks: list[NodeCheck], stale: list[StaleNode] | None = None) -> None:
        self.checks = checks
        self.stale = stale or []

    @property
    def failures(self) -> list[NodeCheck | StaleNode]:
        """Every wrong partial and stale node, in forward order."""
        found: list[NodeCheck | StaleNode] = [c for c in self.checks if c.failed]
        return sorted(found + list(self.stale), key=lambda c: c.position)

    @property
    def passed(self) -> bool:
        """Whether every checked rule agrees and no node is stale."""
        return not self.failures

    @property
    def first_failure(self) -> NodeCheck | StaleNode | None:
        """The earliest node (in forward order) whose rule disagrees or that is stale."""
        failures = self.failures
        return failures[0] if failures else None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        nodes = len({id(c.node) for c in self.checks} | {id(c.node) for c in self.stale})
        ok = sum(c.status == "ok" for c in self.checks)
        lines = [f"check_graph: {nodes} node{'s' if nodes != 1 else ''}, {ok} of "
                 f"{len(self.checks)} local partials agree with central differences"]
        if self.stale:
            lines[0] += f"; {len(self.stale)} stale"
        failures = self.failures
        if failures:
            lines.append(f"FIRST DISAGREEMENT: {failures[0].describe()}")
            lines += [f"  also: {c.describe()}" for c in failures[1:11]]
        skipped = [c for c in self.checks if c.status in _SKIPPED]
        lines += [f"  skipped {c.name} = {c.op}({c.inputs}), input {c.index + 1}: "
                  f"{_SKIPPED[c.status]}" for c in skipped[:10]]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return "```text\n" + str(self) + "\n```"


def check_graph(root: Value, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                raise_on_fail: bool = False) -> GraphCheckReport:
    """Check every node's local partials (from its rule) against central differences of
    the rule's forward at that node's inputs, in forward order.

    Inputs at a kink of their op, at the edge of its domain, or where the derivative does
    not exist are skipped (and listed). A node whose data no longer matches its inputs (an
    input changed after the forward pass) is reported as stale. The report's
    ``first_failure`` names the first node that disagrees: its op, inputs, and, under
    ``detect_anomaly()``, where it was made.

    >>> x = Value(0.7, label="x")
    >>> report = check_graph((x * x).tanh() + x.exp())
    >>> report.passed, len(report.checks)      # mul (2 inputs), tanh, exp, add (2 inputs)
    (True, 6)
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_graph: root must be a Value, got {root!r}")
    _check_tolerances(eps, atol, rtol, "check_graph")
    names = node_names(root)
    checks: list[NodeCheck] = []
    stale: list[StaleNode] = []
    for position, node in enumerate(topological_order(root)):
        rule = node._rule
        if rule is None:
            continue
        args = [p.data for p in node._prev]
        shown = _describe(rule, args, node._param)
        site = creation_site(node)

        def forward(xs: list[float], rule: Rule = rule, param: Any = node._param
                    ) -> list[float]:
            return [rule.forward(xs, param)]

        try:
            fresh = forward(args)[0]
        except (ArithmeticError, ValueError):
            fresh = math.nan
        if not _close(node.data, fresh, 1e-12, 1e-9):
            stale.append(StaleNode(node, names[id(node)], rule.name, shown, node.data, fresh,
                                   site, position))
            continue
        try:
            parts = [float(d) for d in rule.partials(args, node.data, node._param)]
        except (ArithmeticError, ValueError):
            parts = [math.nan] * len(args)
        for i, (x, a) in enumerate(zip(args, parts)):
            h = _step(x, eps)
            n = math.nan
            if math.isnan(a):
                status = "undefined"
            elif rule.arity == 1 and any(abs(x - k) <= 2 * h for k in rule.kinks):
                status = "kink"
            else:
                try:
                    n = _difference(forward, args, i, h)[0]
                    status = "ok" if _close(a, n, atol, rtol) else "wrong"
                except _StepFailed:
                    status = "edge"
            checks.append(NodeCheck(node, names[id(node)], rule.name, i, shown, a, n, status,
                                    site, position))
    return _finish(GraphCheckReport(checks, stale), raise_on_fail)
