"""``check_graph``: every node's local rule against central differences of its own
forward, naming the first node whose rule disagrees or whose data has gone stale."""

from __future__ import annotations

import math
from typing import Any

from ..anomaly import creation_site
from ..core import Value, topological_order, walk
from ..core.graph import local_forward
from ..names import node_names
from ..ops import info
from .numeric import StepFailed, check_tolerances, close, difference, inputs_text, step
from .reports import GraphCheckReport, NodeCheck, StaleNode, finish

__all__ = ["check_graph"]


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
    check_tolerances(eps, atol, rtol, "check_graph")
    names = node_names(root)
    position = {node: i for i, node in enumerate(topological_order(root))}
    # The walk's own local derivatives: with a seed of 0 every node is visited and an
    # undefined derivative is reported (not raised), as nothing flows back.
    partials: dict[Value, Any] = {}
    walk(root, 0.0, visit=lambda node, g, parts: partials.__setitem__(node, parts))
    checks: list[NodeCheck] = []
    stale: list[StaleNode] = []
    for node in sorted((n for n in partials if n.rule is not None), key=position.__getitem__):
        rule = node.rule
        assert rule is not None
        args = [p.data for p in node.parents]
        shown = inputs_text(rule, args, node.param, [names[id(p)] for p in node.parents])
        site = creation_site(node)

        def forward(xs: list[float], node: Value = node) -> list[float]:
            return [local_forward(node, xs)]

        try:
            fresh = forward(args)[0]
        except (ArithmeticError, ValueError):
            fresh = math.nan
        if not close(node.data, fresh, 1e-12, 1e-9):
            stale.append(StaleNode(node, names[id(node)], rule.name, shown, node.data, fresh,
                                   site, position[node]))
            continue
        found = partials[node]
        parts = ([math.nan] * len(args) if isinstance(found, BaseException) else
                 [float(d) for d in found])
        kinks = info(rule).kinks
        for i, (x, a) in enumerate(zip(args, parts)):
            h = step(x, eps)
            n = math.nan
            if math.isnan(a):
                status = "undefined"
            elif rule.arity == 1 and any(abs(x - k) <= 2 * h for k in kinks):
                status = "kink"
            else:
                try:
                    n = difference(forward, args, i, h)[0]
                    status = "ok" if close(a, n, atol, rtol) else "wrong"
                except StepFailed:
                    status = "edge"
            checks.append(NodeCheck(node, names[id(node)], rule.name, i, shown, a, n, status,
                                    site, position[node]))
    return finish(GraphCheckReport(checks, stale), raise_on_fail)
