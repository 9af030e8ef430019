"""Pictures of computation graphs with graphviz.

``draw_dot(root)`` returns a ``graphviz.Digraph``: it displays inline in Jupyter, and
``.render()`` / ``.pipe()`` save SVG, PNG or PDF (rendering needs graphviz's ``dot`` program).
"""

from __future__ import annotations

from typing import Any

from .engine import Value, topological_order

__all__ = ["draw_dot"]


def _record(node: Value) -> str:
    label = node.label.replace("|", "/") if node.label else ""
    return f"{{ {label} | data {node.data:.4f} | grad {node.grad:.4f} }}"


def draw_dot(root: Value, rankdir: str = "LR") -> Any:
    """A graphviz picture of everything ``root`` depends on.

    Each value is a record (label | data | grad); each op is a small node feeding it.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(3.0, label="b"); c = a * b; c.label = "c"
    >>> dot = draw_dot(c)
    >>> "data 6.0000" in dot.source and "grad" in dot.source
    True
    """
    import graphviz

    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": rankdir})
    for node in topological_order(root):
        uid = str(id(node))
        dot.node(uid, label=_record(node), shape="record")
        if node._prev:
            dot.node(uid + "op", label=node._op, shape="circle", fontsize="10")
            dot.edge(uid + "op", uid)
            for p in node._prev:
                dot.edge(str(id(p)), uid + "op")
    return dot
