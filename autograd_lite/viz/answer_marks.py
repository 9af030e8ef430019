"""The picture of a graded answer: ``draw_dot``'s graph with every node marked right (green),
wrong (red) or unanswered (white), the node where the mistake was made drawn with a thick
border and its edges into the consumers (the step that went wrong) in red.

It starts from ``draw_dot``'s own DOT (drawn with the correct gradients) and restyles the
value boxes, found by the title ``draw_dot`` gives them, so names and layout match every
other picture.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from ..engine import Value, topological_order
from .graph import draw_dot
from .labels import esc, fmt
from .render import GradGraph

__all__ = ["mark_answers"]

FILL = {"right": "#c7e9c0", "wrong": "#fcbba1", "unanswered": "#ffffff"}
BORDER = {"right": "#238b45", "wrong": "#cb181d", "unanswered": "#969696"}
CARRIED_FILL = "#fee5d9"

_BOX = re.compile(r'^(\s*)(\w+) \[label=<(<table.*?</table>)>(.*)\]$', re.S)
_TITLE = re.compile(r"<b>(.*?)</b>")


class Marked(Protocol):
    """What the picture needs from one graded node (``answers.NodeResult`` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def verdict(self) -> str: ...
    @property
    def node(self) -> Value: ...
    @property
    def value(self) -> float | None: ...
    @property
    def expected(self) -> float: ...
    @property
    def origin(self) -> bool: ...
    @property
    def mistake(self) -> str: ...
    @property
    def diagnosis(self) -> str: ...


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _cells(r: Marked) -> str:
    """The table cells added to a node's box: the answer and its verdict."""
    if r.verdict == "unanswered":
        return (f'<td><font color="#777777"><i>not answered</i> (grad '
                f"{esc(fmt(r.expected))})</font></td>")
    yours = "?" if r.value is None else fmt(r.value)
    if r.verdict == "right":
        return f'<td><font color="{BORDER["right"]}"><b>grad {esc(yours)} ✓</b></font></td>'
    cells = (f'<td><font color="{BORDER["wrong"]}"><b>yours {esc(yours)} ✗</b></font></td>'
             f"<td>correct {esc(fmt(r.expected))}</td>")
    if r.origin:
        cells += f'<td><font color="{BORDER["wrong"]}"><b>mistake made here</b></font></td>'
    elif r.mistake == "carried":
        cells += '<td><font color="#777777"><i>carried from above</i></font></td>'
    return cells


def _boxes(graph: Any) -> dict[str, list[int]]:
    """Box title -> indexes of the body lines that draw a value box with that title."""
    found: dict[str, list[int]] = {}
    for i, line in enumerate(graph.body):
        m = _BOX.match(line)
        if m is None:
            continue
        title = _TITLE.search(m.group(3))
        if title:
            found.setdefault(title.group(1), []).append(i)
    return found


def mark_answers(root: Value, results: Sequence[Marked], headline: str = "",
                 **options: Any) -> GradGraph:
    """``draw_dot(root)`` with each node in ``results`` marked by its verdict.

    Options are ``draw_dot``'s; by default boxes show data only (the verdict cell adds the
    gradient), every node is drawn (``collapse="none"``) and edges carry local derivatives.

    >>> from autograd_lite import Value
    >>> from autograd_lite.answers import check_answers
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b"); c = a * b; c.label = "c"
    >>> report = check_answers(c, {"a": 2.0, "b": 2.0})       # dc/da = b = -3: a is wrong
    >>> src = report.draw().source
    >>> "mistake made here" in src and src.count("✓") == 1
    True
    """
    options.setdefault("show", ("data",))
    options.setdefault("color_by", None)
    options.setdefault("legend", False)
    options.setdefault("collapse", "none")
    options.setdefault("edge_labels", "local")
    graph = draw_dot(root, grads={id(r.node): r.expected for r in results}, **options)
    boxes = _boxes(graph)
    index = {id(n): i for i, n in enumerate(topological_order(root))}
    lines: dict[int, str] = {}
    for i, line in enumerate(graph.body):
        m = _BOX.match(line)
        if m:
            lines[i] = m.group(2)
    uid_line = {uid: i for i, uid in lines.items()}
    origins = []
    for r in results:
        where = boxes.get(esc(r.name), [])
        if len(where) != 1:  # repeated titles (a network's w1, b): the box drawn for the node
            fallback = uid_line.get(f"n{index[id(r.node)]}")
            where = [fallback] if fallback is not None else []
        if not where:
            continue
        i = where[0]
        m = _BOX.match(graph.body[i])
        assert m is not None
        indent, uid, table, attrs = m.groups()
        table = table.replace("</tr></table>", _cells(r) + "</tr></table>", 1)
        fill = CARRIED_FILL if r.mistake == "carried" else FILL[r.verdict]
        attrs = re.sub(r'fillcolor="[^"]*"', f'fillcolor="{fill}"', attrs)
        width = "4" if r.origin else "2" if r.verdict == "wrong" else "1.5"
        style = ' style="filled,rounded,dashed"' if r.verdict == "unanswered" else ""
        if style:
            attrs = re.sub(r'style="[^"]*"|style=\S+', "", attrs)
        tip = r.diagnosis or f"{r.name}: {r.verdict}"
        graph.body[i] = (f"{indent}{uid} [label=<{table}>{attrs} color=\"{BORDER[r.verdict]}\""
                         f" penwidth={width}{style} tooltip={_quote(tip)}]\n")
        if r.origin:
            origins.append(uid)
    for uid in origins:  # the step that went wrong: the edges into the consumers' ops
        for i, line in enumerate(graph.body):
            if re.match(rf"^\s*{uid} -> \w+op\b", line):
                red = f'color="{BORDER["wrong"]}" penwidth=2.5 fontcolor="{BORDER["wrong"]}"'
                stripped = line.rstrip("\n")
                graph.body[i] = (stripped[:-1] + f" {red}]\n" if stripped.endswith("]")
                                 else f"{stripped} [{red}]\n")
    _legend(graph)
    if headline:
        graph.attr(label=headline, labelloc="t", labeljust="l", fontsize="12")
    return graph


def _legend(graph: Any) -> None:
    rows = [("right", FILL["right"], BORDER["right"], "1", "right"),
            ("wrong", FILL["wrong"], BORDER["wrong"], "1", "wrong"),
            ("origin", FILL["wrong"], BORDER["wrong"], "3", "wrong: the mistake was made here"),
            ("carried", CARRIED_FILL, BORDER["wrong"], "1", "wrong: carried from above"),
            ("unanswered", FILL["unanswered"], BORDER["unanswered"], "1", "not answered")]
    cells = "".join(f'<tr><td bgcolor="{fill}" color="{border}" border="{width}" width="18">'
                    f"</td><td>{text}</td></tr>" for _, fill, border, width, text in rows)
    label = ('<<table border="0" cellborder="0" cellspacing="3" cellpadding="3">'
             f'<tr><td colspan="2"><b>your answers</b></td></tr>{cells}</table>>')
    with graph.subgraph(name="cluster_answers_legend") as legend:
        legend.attr(label="", style="dashed", color="#999999")
        legend.node("answers_legend", label=label, shape="plain", fontsize="9")
