"""The picture of a graded answer: ``draw_dot``'s graph with every node marked right (green),
wrong (red) or unanswered (white), the node where the mistake was made drawn with a thick
border and its edges into the consumers (the step that went wrong) in red.

It is ``draw_dot``'s own picture (drawn with the correct gradients), each box styled through
draw_dot's ``node_style`` and ``edge_style``, so names and layout match every other picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..core import Value
from .graph import draw_dot
from .labels import esc, fmt
from .render import GradGraph

__all__ = ["mark_answers"]

FILL = {"right": "#c7e9c0", "wrong": "#fcbba1", "unanswered": "#ffffff"}
BORDER = {"right": "#238b45", "wrong": "#cb181d", "unanswered": "#969696"}
CARRIED_FILL = "#fee5d9"



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
    node_style: dict[int, dict[str, str]] = {}
    edge_style: dict[int, dict[str, str]] = {}
    for r in results:
        fill = CARRIED_FILL if r.mistake == "carried" else FILL[r.verdict]
        width = "4" if r.origin else "2" if r.verdict == "wrong" else "1.5"
        style = {"cells": _cells(r), "fillcolor": fill, "color": BORDER[r.verdict],
                 "penwidth": width, "tooltip": r.diagnosis or f"{r.name}: {r.verdict}"}
        if r.verdict == "unanswered":
            style["style"] = "filled,rounded,dashed"
        node_style[id(r.node)] = style
        if r.origin:  # the step that went wrong: the edges into the consumers' ops
            edge_style[id(r.node)] = {"color": BORDER["wrong"], "penwidth": "2.5",
                                      "fontcolor": BORDER["wrong"]}
    graph = draw_dot(root, grads={id(r.node): r.expected for r in results},
                     node_style=node_style, edge_style=edge_style, **options)
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
