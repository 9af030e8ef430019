"""What the checks return: reports that print as tables and render as Markdown in Jupyter,
and the error ``raise_on_fail=True`` raises."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from .. import markup
from ..core import Value

__all__ = ["GradcheckError", "GradcheckReport", "GraphCheckReport", "NodeCheck", "Row",
           "SKIPPED", "StaleNode", "finish"]


class GradcheckError(AssertionError):
    """Raised by the checks when ``raise_on_fail=True`` and a derivative disagrees.

    >>> from autograd_lite.checks import gradcheck
    >>> gradcheck(lambda x: x.detach() * x, [3.0], raise_on_fail=True)
    Traceback (most recent call last):
    ...
    autograd_lite.checks.reports.GradcheckError: gradcheck of f at x=3: FAILED (1 of 1)
    ...
    """


@dataclass(frozen=True)
class Row:
    """One compared derivative: ``d output / d wrt`` at ``point``.

    ``note`` explains a failing row when the graph passes a kink of an op (``relu`` at 0,
    where the analytic value is a convention) or a point where a derivative is undefined
    (then ``analytic`` is NaN); it is ``""`` otherwise.

    >>> from autograd_lite.checks import gradcheck
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
    def line(cells: Sequence[str]) -> str:  # labels are the user's: shown, never markup
        return "| " + " | ".join(markup.text(c) for c in cells) + " |"
    return "\n".join([line(_HEADERS), line(["---"] * len(_HEADERS)), *map(line, rows)])


class GradcheckReport:
    """Analytic against numeric derivatives, one row each; true when all pass.

    ``print(report)`` shows a table; Jupyter renders it as Markdown. ``report.rows`` holds
    the numbers (``analytic``, ``numeric``, ``abs_err``, ``rel_err``, ``passed``) and, for a
    failing row at a kink or an undefined derivative, a ``note`` printed below the table.

    >>> from autograd_lite.checks import gradcheck
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
        listed = "\n".join(f"{i}. {markup.text(n)}" for i, n in enumerate(notes, 1))
        return (f"**{markup.text(self._headline())}**\n\n{table}"
                + (f"\n\nNotes:\n\n{listed}" if notes else ""))


Report = TypeVar("Report", "GradcheckReport", "GraphCheckReport")


def finish(report: Report, raise_on_fail: bool) -> Report:
    """``report``, or GradcheckError when it failed and ``raise_on_fail`` is set."""
    if raise_on_fail and not report.passed:
        raise GradcheckError(str(report))
    return report


def _where(site: str | None) -> str:
    return (f", created at {site}" if site else
            " (run under detect_anomaly() to record where nodes are created)")


@dataclass(frozen=True)
class NodeCheck:
    """One local partial of one node, checked against its rule's own forward.

    ``analytic`` is the rule's partial d(node)/d(input ``index``), ``numeric`` a central
    difference of the rule's forward (NaN where the check was skipped).

    >>> from autograd_lite.checks import check_graph
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
            return f"{head}: input {self.index + 1} skipped ({SKIPPED[self.status]})"
        return (f"{head}: the rule gives d/d(input {self.index + 1}) = {self.analytic:.8g}, "
                f"a central difference gives {self.numeric:.8g}")


SKIPPED = {"kink": "it sits on a kink of the op", "undefined": "the derivative is undefined",
            "edge": "a central difference would leave the op's domain"}


@dataclass(frozen=True)
class StaleNode:
    """A node whose stored data no longer equals its op applied to its inputs' data: an
    input's ``.data`` changed after the graph was built, so its gradients would be wrong.

    >>> from autograd_lite.checks import check_graph
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

    >>> from autograd_lite.checks import check_graph
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
        skipped = [c for c in self.checks if c.status in SKIPPED]
        lines += [f"  skipped {c.name} = {c.op}({c.inputs}), input {c.index + 1}: "
                  f"{SKIPPED[c.status]}" for c in skipped[:10]]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return markup.fence(str(self), "text")
