"""The report of :func:`autograd_lite.answers.check_answers`: one :class:`NodeResult` per
node, in backward order, as text, Markdown/HTML in Jupyter, and a picture."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from .core import Value
from .mistakes import num

__all__ = ["VERDICTS", "AnswerReport", "NodeResult"]

VERDICTS = ("right", "wrong", "unanswered")


@dataclass(frozen=True)
class NodeResult:
    """How one node's answer fared.

    Attributes:
        name: the node's name (``autograd_lite.expression.node_names``: its label, else
            ``mul1``, ``x1``..., ``L`` for an unlabelled root).
        verdict: ``"right"``, ``"wrong"`` or ``"unanswered"``.
        expected: the correct d(root)/d(node) at the graph's values.
        answer: the answer as given (a number, a formula string, a callable), or ``None``.
        diagnosis: what went wrong, in words with the correct step in numbers (``""`` if
            the answer is right or missing).
        node: the node itself.
        value: the answer's value at the graph's values (``None`` if unanswered, or if a
            formula has no value there).
        mistake: the kind of mistake (``autograd_lite.mistakes.KINDS``, or ``"carried"``:
            the step is right but starts from a wrong upstream answer; ``"seed"``: the root's
            own gradient; ``"not_general"``; ``"not_evaluable"``: a formula with no value;
            ``"unreadable"``: a formula that cannot be read; ``"unknown"``), else ``""``.
        origin: the mistake was made here: the answer is wrong and every consumer's answer is
            right, or unanswered and correct.
        point: for a formula wrong only away from the graph's values, the leaf values where
            it fails (``{name: value}``), else ``None``.
        step: the correct chain-rule step in numbers.
    """

    name: str
    verdict: str
    expected: float
    answer: Any
    diagnosis: str
    node: Value = field(repr=False)
    value: float | None = None
    mistake: str = ""
    origin: bool = False
    point: dict[str, float] | None = None
    step: str = ""

    @property
    def right(self) -> bool:
        return self.verdict == "right"


_FILL = {"right": "#c7e9c0", "wrong": "#fcbba1", "unanswered": "#ffffff"}
_BORDER = {"right": "#238b45", "wrong": "#cb181d", "unanswered": "#969696"}
_MARK = {"right": "✓", "wrong": "✗", "unanswered": "–"}


class AnswerReport:
    """The grading of one set of answers, in backward order (root first).

    ``report.passed`` (also ``bool(report)``), ``report.first_wrong`` (a name or ``None``),
    ``report.results`` (one :class:`NodeResult` per node), ``report["a"]`` (a node's result
    by name or node), ``print(report)`` for text, Markdown/HTML in Jupyter, and
    ``report.draw()`` for the graph with right, wrong and unanswered nodes marked.

    >>> from autograd_lite import Value
    >>> from autograd_lite.answers import check_answers
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> report = check_answers(y, {"x": 3.0})          # dy/dx = x + x = 6
    >>> bool(report), report.first_wrong, report["x"].mistake
    (False, 'x', 'missing_sum')
    >>> print(report)                                   # doctest: +ELLIPSIS
    check_answers for y: 1 of 1 answers wrong; the mistake was made at x
    node  your answer  correct  verdict
    y     -            1        unanswered
    x     3            6        WRONG  <- mistake made here
    <BLANKLINE>
    x: You have 3; dy/dx is 6. x is used 2 times (twice in y = x * x), ...
    """

    def __init__(self, root: Value, results: list[NodeResult], rtol: float, atol: float,
                 points: list[dict[str, float]], from_grad: bool) -> None:
        self.root = root
        self.results = results
        self.rtol, self.atol = rtol, atol
        self.points = points
        self.from_grad = from_grad

    @property
    def answered(self) -> list[NodeResult]:
        return [r for r in self.results if r.verdict != "unanswered"]

    @property
    def wrong(self) -> list[NodeResult]:
        return [r for r in self.results if r.verdict == "wrong"]

    @property
    def mistakes(self) -> list[NodeResult]:
        """The wrong answers where a mistake was made (not merely carried from upstream)."""
        return [r for r in self.results if r.verdict == "wrong" and r.origin]

    @property
    def passed(self) -> bool:
        """True when at least one answer was given and every answer given is right."""
        return bool(self.answered) and not self.wrong

    @property
    def first_wrong(self) -> str | None:
        """The name of the node where the (first, in backward order) mistake was made."""
        first = self.mistakes[:1] or self.wrong[:1]
        return first[0].name if first else None

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, key: str | Value) -> NodeResult:
        for r in self.results:
            if (r.node is key) if isinstance(key, Value) else (r.name == key):
                return r
        raise KeyError(f"check_answers report: no node {key!r}; the names are "
                       f"{', '.join(r.name for r in self.results)}")

    def _headline(self) -> str:
        n, wrong = len(self.answered), len(self.wrong)
        root = self.results[0].name
        if not n:
            source = "no .grad was set (all are 0)" if self.from_grad else "no answers given"
            return f"check_answers for {root}: {source}; nothing to grade"
        if not wrong:
            return (f"check_answers for {root}: the one answer given is right" if n == 1 else
                    f"check_answers for {root}: all {n} answers right")
        return (f"check_answers for {root}: {wrong} of {n} answers wrong; the mistake was "
                f"made at {self.first_wrong}")

    def _answer_text(self, r: NodeResult) -> str:
        if r.answer is None:
            return "-"
        if isinstance(r.answer, str):
            shown = r.answer if r.value is None else f"{r.answer} = {num(r.value)}"
        elif callable(r.answer):
            shown = "(function)" if r.value is None else f"(function) = {num(r.value)}"
        else:
            shown = num(r.value) if r.value is not None else str(r.answer)
        # a long formula or a 400-digit number would stretch every row of the table
        return shown if len(shown) <= self._WIDTH else shown[:self._WIDTH - 3] + "..."

    _WIDTH = 40  # the "your answer" column's widest entry

    _ROWS = 30  # past this many nodes, tables show the root and the answered nodes only

    def _shown(self) -> tuple[list[NodeResult], str]:
        if len(self.results) <= self._ROWS:
            return self.results, ""
        shown = [r for i, r in enumerate(self.results) if i == 0 or r.verdict != "unanswered"]
        hidden = len(self.results) - len(shown)
        return shown, f"({hidden} unanswered nodes not shown; report.results has them all)"

    def __str__(self) -> str:
        rows = [("node", "your answer", "correct", "verdict")]
        shown, note = self._shown()
        for r in shown:
            verdict = r.verdict.upper() if r.verdict == "wrong" else r.verdict
            if r.origin:
                verdict += "  <- mistake made here"
            elif r.mistake == "carried":
                verdict += "  (carried from above)"
            rows.append((r.name, self._answer_text(r), num(r.expected), verdict))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [self._headline()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3]
                  for row in rows]
        if note:
            lines.append(note)
        for r in self.wrong:
            lines.append(f"\n{r.name}: {r.diagnosis}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<AnswerReport: {self._headline()}>"

    def _repr_markdown_(self) -> str:
        def md(text: str) -> str:
            escaped = html.escape(text, quote=False)
            for ch in "\\`*_{}[]()#+!|~":
                escaped = escaped.replace(ch, "\\" + ch)
            return escaped

        lines = [f"**{md(self._headline())}**", "",
                 "| node | your answer | correct | verdict |", "| --- | --- | --- | --- |"]
        shown, note = self._shown()
        for r in shown:
            verdict = f"{_MARK[r.verdict]} {r.verdict}"
            if r.origin:
                verdict += " **(mistake made here)**"
            lines.append(f"| {md(r.name)} | {md(self._answer_text(r))} | {num(r.expected)} "
                         f"| {verdict} |")
        if note:
            lines += ["", md(note)]
        for r in self.wrong:
            lines += ["", f"- **{md(r.name)}**: {md(r.diagnosis)}"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def e(text: str) -> str:
            return html.escape(text, quote=True)

        rows = []
        shown, note = self._shown()
        for r in shown:
            style = f'background:{_FILL[r.verdict]}'
            verdict = f"{_MARK[r.verdict]} {r.verdict}" + (
                " <b>(mistake made here)</b>" if r.origin else "")
            rows.append(f'<tr style="{style}"><td><code>{e(r.name)}</code></td>'
                        f"<td>{e(self._answer_text(r))}</td><td>{e(num(r.expected))}</td>"
                        f"<td>{verdict}</td></tr>")
        notes = "".join(f"<li><b><code>{e(r.name)}</code></b>: {e(r.diagnosis)}</li>"
                        for r in self.wrong)
        return (f'<div class="autograd-lite-answers"><p><b>{e(self._headline())}</b></p>'
                '<table><tr><th>node</th><th>your answer</th><th>correct</th>'
                f'<th>verdict</th></tr>{"".join(rows)}</table>'
                + (f"<p>{e(note)}</p>" if note else "")
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")

    def draw(self, **options: Any) -> Any:
        """The graph with each node marked: right (green), wrong (red; a thick border and
        red edges where the mistake was made), unanswered (white). Takes ``draw_dot``'s
        options; returns its graphviz graph (it displays in Jupyter, ``.save_as("x.png")``)."""
        from .viz.answer_marks import mark_answers

        headline = self._headline() if self.answered else ""
        return mark_answers(self.root, self.results, headline, **options)
