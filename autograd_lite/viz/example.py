"""The example picture in the README and ``make demo``: one tanh neuron, after backward."""

from __future__ import annotations

from pathlib import Path

from ..core import Value
from .graph import draw_dot
from .render import GradGraph, save

__all__ = ["example_graph", "save_example_graph"]


def example_graph() -> GradGraph:
    """A tanh neuron ``o = tanh(x1*w1 + x2*w2 + b)`` after ``o.backward()``, drawn with
    chain-rule edge labels (the neuron from micrograd's lecture).

    >>> "back:" in example_graph().source
    True
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return draw_dot(o, edge_labels="chain")


def save_example_graph(directory: str | Path = "out") -> list[Path]:
    """Write the example as ``graph.svg`` and ``graph.png`` (and ``graph.dot``) in
    ``directory``; raises ``GraphvizNotFound`` (after writing the .dot) without ``dot``.

    >>> import tempfile
    >>> from autograd_lite.viz import dot_available
    >>> paths = save_example_graph(tempfile.mkdtemp()) if dot_available() else ["graph.svg"]
    >>> str(paths[0]).endswith("graph.svg")
    True
    """
    graph = example_graph()
    svg = save(graph, Path(directory) / "graph.svg")  # writes graph.dot once, then the svg
    png = svg.with_suffix(".png")
    png.write_bytes(graph.pipe(format="png"))
    return [svg, png]
