"""DOT source, written by hand: the pictures need no package to be described, only (to be
drawn) a renderer such as graphviz's ``dot`` program or a WebAssembly Graphviz.

The builder speaks the part of ``graphviz.Digraph``'s language the pictures use (``node``,
``edge``, ``attr``, ``subgraph``, ``source``). Every text is written literally: quotes and
backslashes are escaped (``w\\N`` is drawn as typed, not as graphviz's node-name escape) and
control characters are shown as visible symbols, so no label can break the file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Digraph", "esc", "literal"]

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _visible(text: str) -> str:
    """Control characters (but newlines) as Unicode control pictures: ``\\x07`` -> ``␇``."""
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group(0)) % 0x80 if m.group(0) != "\x7f"
                                      else 0x2421), text)


def literal(text: str) -> str:
    """``text`` as a quoted DOT string shown exactly as written; newlines break lines.

    >>> print(literal('say "hi"\\\\N'))
    "say \\"hi\\"\\\\N"
    """
    body = _visible(str(text)).replace("&", "&amp;")  # graphviz reads entities here too
    body = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


def esc(text: str) -> str:
    r"""``text`` made safe inside an HTML-like label (``<b>``, ``&``, control characters),
    shown as written: graphviz expands ``\N``, ``\G``... even there (after reading
    entities), so a backslash is doubled; a newline breaks the line.

    >>> esc("a<b> & c")
    'a&lt;b&gt; &amp; c'
    >>> print(esc("w\\N"), esc("two\nlines"))
    w\\N two<br/>lines
    """
    body = html.escape(_visible(str(text)), quote=True)
    return body.replace("\\", "\\\\").replace("\n", "<br/>")


def _value(v: Any) -> str:
    text = str(v)
    if text.startswith("<") and text.endswith(">"):  # an HTML-like label, already escaped
        return text
    return literal(text)


def _attrs(attrs: dict[str, Any]) -> str:
    shown = [f"{k}={_value(v)}" for k, v in attrs.items() if v is not None]
    return f" [{' '.join(shown)}]" if shown else ""


class Digraph:
    """A directed graph described in DOT.

    >>> g = Digraph(graph_attr={"rankdir": "LR"})
    >>> g.node("a", label="x = 1"); g.edge("a", "b", label="∂")
    >>> print(g.source)
    digraph {
      graph [rankdir="LR"]
      "a" [label="x = 1"]
      "a" -> "b" [label="∂"]
    }
    """

    def __init__(self, name: str | None = None, *, graph_attr: dict[str, Any] | None = None,
                 node_attr: dict[str, Any] | None = None,
                 edge_attr: dict[str, Any] | None = None, **_: Any) -> None:
        self.name = name
        self.graph_attr = dict(graph_attr or {})
        self.node_attr = dict(node_attr or {})
        self.edge_attr = dict(edge_attr or {})
        self.body: list[str] = []

    def node(self, name: str, label: str | None = None, **attrs: Any) -> None:
        """Add a node (``label`` and graphviz attributes such as ``shape``)."""
        self.body.append(f"  {literal(name)}{_attrs({'label': label, **attrs})}")

    def edge(self, tail: str, head: str, **attrs: Any) -> None:
        """Add an edge ``tail -> head``."""
        self.body.append(f"  {literal(tail)} -> {literal(head)}{_attrs(attrs)}")

    def attr(self, **attrs: Any) -> None:
        """Set attributes of the graph itself (``label``, ``style`` of a cluster...)."""
        self.body.append(f"  graph{_attrs(attrs)}")

    @contextmanager
    def _open(self, name: str | None, attrs: dict[str, Any]) -> Iterator[Digraph]:
        sub = Digraph(name, **attrs)
        yield sub
        self.subgraph(sub)

    def subgraph(self, graph: Digraph | None = None, name: str | None = None,
                 **attrs: Any) -> Any:
        """Add ``graph`` as a subgraph, or (without it) open one in a ``with`` block."""
        if graph is None:
            return self._open(name, attrs)
        head = f"subgraph {literal(graph.name)} " if graph.name else "subgraph "
        inner = graph.lines(indent="    ")
        self.body.append(f"  {head}{{\n" + "\n".join(inner) + "\n  }")
        return None

    def lines(self, indent: str = "  ") -> list[str]:
        out = []
        for kind, attrs in (("graph", self.graph_attr), ("node", self.node_attr),
                            ("edge", self.edge_attr)):
            if attrs:
                out.append(f"{indent}{kind}{_attrs(attrs)}")
        out += [indent + line[2:] if line.startswith("  ") else line for line in self.body]
        return out

    @property
    def source(self) -> str:
        """The DOT text."""
        head = f"digraph {literal(self.name)} {{" if self.name else "digraph {"
        return "\n".join([head, *self.lines(), "}"]) + "\n"

    def __str__(self) -> str:
        return self.source
