"""``draw_dot``: a graphviz picture of a gradient graph that teaches the chain rule.

Each value is a box (label | data | grad) fed by a small op node. Edges into an op carry
the local partial derivative from the rules table (formula and number) and, once gradients
are known, what flows back along them (``upstream x local``); a value read by several ops
shows its gradient as the sum of what each sent back (or, when ``.grad`` holds more, says
so). Boxes are coloured by |grad| on a log scale (with a legend); vanishing and exploding
gradients, kinks (``relu`` at 0) and points where a derivative is undefined are marked.
Numbers written into the expression are small plain constant nodes. Neurons and layers of
an ``nn`` model can be collapsed into single boxes, and a ``max_nodes`` guard refuses
unreadable pictures.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core import DomainError, Value, topological_order, walk
from ..names import node_names
from ..ops import info
from .groups import Neuron, find_neurons, layer_title
from .labels import (
    at_kink,
    contributions_text,
    edge_formulas,
    esc,
    factor,
    fmt,
)
from .layout import GraphTooLarge, Layout, choose_layout, consumers_of
from .render import GradGraph

__all__ = ["DrawOptions", "GraphTooLarge", "Scale", "constant_ids", "draw_dot"]

# Light to dark (ColorBrewer YlOrRd, stopping where black text stays readable).
PALETTE = ("#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a")
ZERO_FILL = "#e8e8e8"
UNKNOWN_FILL = "#ffffff"
VANISHING = "#1f77b4"
EXPLODING = "#d62728"
KINK_FILL = "#ffbb78"
UNDEFINED_FILL = "#ff9896"
HIGHLIGHT = "#7b2ff7"
CONSTANT_FILL = "#f4f4f4"
MISMATCH = "#b35806"
NOT_COMPUTED = "not yet computed"
_EDGE_LABEL_MODES = ("auto", "none", "local", "chain", "formula")
_COLLAPSE_MODES = ("auto", "none", "neurons", "layers")


@dataclass(frozen=True)
class DrawOptions:
    """Every setting of :func:`draw_dot`, checked once when made (see draw_dot for each).

    >>> DrawOptions(rankdir="TB").rankdir
    'TB'
    >>> DrawOptions(edge_labels="all")
    Traceback (most recent call last):
    ...
    ValueError: draw_dot: edge_labels must be one of auto, none, local, chain, formula, \
got 'all'
    """

    rankdir: str = "LR"
    show: tuple[str, ...] = ("data", "grad")
    edge_labels: str | bool = "auto"
    color_by: str | None = "grad"
    max_nodes: int = 200
    grads: str | Mapping[int, float] = "auto"
    collapse: str = "auto"
    model: Any = None
    vanishing: float = 1e-6
    exploding: float = 1e3
    legend: bool = True
    highlight: Value | None = None
    scale: tuple[int, int] | None = None
    sent_back: Collection[int] | None = None
    node_style: Mapping[int, Mapping[str, str]] | None = None
    edge_style: Mapping[int, Mapping[str, str]] | None = None

    def __post_init__(self) -> None:
        _choice("rankdir", self.rankdir, ("LR", "TB", "RL", "BT"))
        if isinstance(self.show, str) or not set(self.show) <= {"data", "grad"}:
            raise ValueError(f"draw_dot: show may hold 'data' and 'grad', got {self.show!r}")
        object.__setattr__(self, "show", tuple(self.show))
        if isinstance(self.edge_labels, bool):
            object.__setattr__(self, "edge_labels", "auto" if self.edge_labels else "none")
        _choice("edge_labels", self.edge_labels, _EDGE_LABEL_MODES)
        _choice("color_by", self.color_by, ("grad", None))
        _choice("collapse", self.collapse, _COLLAPSE_MODES)
        if isinstance(self.max_nodes, bool) or not isinstance(self.max_nodes, int) or \
                self.max_nodes < 1:
            raise ValueError(f"draw_dot: max_nodes must be a positive int, got "
                             f"{self.max_nodes!r}")
        for what in ("vanishing", "exploding"):
            v = getattr(self, what)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise ValueError(f"draw_dot: {what} must be a number >= 0, got {v!r}")
        if not isinstance(self.grads, Mapping):
            _choice("grads", self.grads, ("auto", "stored", "compute"))
        elif not all(_real(g) for g in self.grads.values()):
            bad = next(g for g in self.grads.values() if not _real(g))
            raise TypeError(f"draw_dot: grads maps id(node) to a gradient (a number), as "
                            f"backprop(root) gives; got {bad!r:.60}")
        if self.highlight is not None and not isinstance(self.highlight, Value):
            raise TypeError(f"draw_dot: highlight must be a node of the graph (a Value) or "
                            f"None, got {self.highlight!r:.60}")
        if self.scale is not None and not (
                isinstance(self.scale, (tuple, list)) and len(self.scale) == 2
                and all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                        for d in self.scale) and self.scale[0] < self.scale[1]):
            raise ValueError(f"draw_dot: scale must be (lo, hi), two ints (powers of ten) with "
                             f"lo < hi, got {self.scale!r:.60}")
        for what in ("node_style", "edge_style"):
            styles = getattr(self, what)
            if styles is not None and not (isinstance(styles, Mapping) and all(
                    isinstance(v, Mapping) for v in styles.values())):
                raise TypeError(f"draw_dot: {what} must map id(node) to a dict of graphviz "
                                f"attributes, got {styles!r:.60}")
        if self.sent_back is not None and (isinstance(self.sent_back, (str, bytes)) or
                                           not isinstance(self.sent_back, Collection)):
            raise TypeError(f"draw_dot: sent_back must be a collection of id(node), got "
                            f"{self.sent_back!r:.60}")


def _real(x: Any) -> bool:
    return isinstance(x, (numbers.Real, Value)) and not isinstance(x, bool)


def _choice(what: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        shown = ", ".join(str(a) for a in allowed)
        raise ValueError(f"draw_dot: {what} must be one of {shown}, got {value!r}")


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def gradient_colour(t: float) -> str:
    """The fill for position ``t`` in [0, 1] of the log |grad| scale.

    >>> gradient_colour(0.0), gradient_colour(1.0)
    ('#ffffcc', '#fc4e2a')
    """
    t = min(1.0, max(0.0, t)) * (len(PALETTE) - 1)
    i = min(int(t), len(PALETTE) - 2)
    a, b, f = _hex(PALETTE[i]), _hex(PALETTE[i + 1]), t - i
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


class Scale:
    """Maps |grad| to a colour: whole decades from the smallest to the largest |grad|."""

    def __init__(self, magnitudes: Iterable[float], span: tuple[int, int] | None = None):
        logs = [math.log10(m) for m in magnitudes if m > 0.0 and math.isfinite(m)]
        if span is not None:
            self.lo, self.hi = span
        elif logs:
            self.lo, self.hi = math.floor(min(logs)), math.ceil(max(logs))
        else:
            self.lo, self.hi = 0, 1
        if self.hi <= self.lo:
            self.hi = self.lo + 1

    def colour(self, g: float) -> str:
        if g == 0.0:
            return ZERO_FILL
        return gradient_colour((math.log10(abs(g)) - self.lo) / (self.hi - self.lo))

    def ticks(self) -> list[int]:
        step = max(1, math.ceil((self.hi - self.lo) / 5))
        return list(range(self.lo, self.hi + 1, step))


def _stored(node: Value) -> float:
    g = node.grad
    return float(g.data) if isinstance(g, Value) else float(g)


def _walk_partials(root: Value, compute: bool) -> tuple[dict[int, list[float | None] | None],
                                                         dict[int, float] | None]:
    """Every node's local derivatives (``None`` where undefined) from the one reverse
    walk, and, if ``compute``, d(root)/d(node) too (else the walk is seeded with 0, which
    visits every node and raises for nothing)."""
    partials: dict[int, list[float | None] | None] = {}

    def visit(node: Value, g: float, parts: Any) -> None:
        if not node.parents:
            return
        if isinstance(parts, DomainError) and parts.partials is not None:
            parts = parts.partials  # some are defined here (pow at x < 0: d/dx is)
        elif isinstance(parts, BaseException):
            partials[id(node)] = None
            return
        defined = [None if d is None else float(d) for d in parts]
        ok = any(d is not None for d in defined) and all(
            math.isfinite(d) for d in defined if d is not None)
        partials[id(node)] = defined if ok else None

    order, grads = walk(root, 1.0 if compute else 0.0, visit=visit)
    return partials, ({id(n): float(g) for n, g in zip(order, grads)} if compute else None)


def _resolve_grads(root: Value, order: Sequence[Value], grads: str | Mapping[int, float],
                   computed: dict[int, float] | None) -> dict[int, float] | None:
    """``{id(node): grad}`` for the nodes whose gradient is known, or ``None`` if none is.

    ``auto`` trusts ``.grad`` only once a backward pass has reached this root: the engine's
    backward always leaves ``root.grad`` equal to its non-zero seed, while a fresh node, or
    one after ``zero_grad()``, holds 0. So a zero root gradient means "not yet computed".
    """
    if isinstance(grads, Mapping):
        return {k: float(v) for k, v in grads.items()}
    if grads == "compute":
        return computed
    if grads == "stored" or (grads == "auto" and _stored(root) != 0.0):
        return {id(n): _stored(n) for n in order}
    return None


def draw_dot(root: Value, *options: Any, **settings: Any) -> GradGraph:
    """A graphviz picture of everything ``root`` depends on, with its gradients.

    Returns a :class:`GradGraph`: DOT source (``.source``) that displays inline in Jupyter;
    ``.save_as("g.svg")`` or ``.pipe("png")`` render it (graphviz's ``dot`` program, or the
    renderer installed with ``set_renderer``). Settings are keyword arguments, or one
    :class:`DrawOptions` (each is checked once, there).

    Boxes are named as ``explain`` and ``backward_steps`` name nodes
    (``autograd_lite.names.node_names``: labels, else ``mul1``, ``x1``..., ``L`` for the
    root, ``w1_2``/``b1`` for a neuron's unlabelled weights and bias, ``c1`` for constants). Edge
    formulas use those names too: ``∂c/∂a = b``.

    **Constants.** A leaf is drawn as a small plain constant node (``c1 = 3``; once
    collapsed, ``x1 = 3`` for a neuron's first input and just ``3`` for any other number; no
    gradient, colour or vanishing/exploding mark) when it has no label,
    is not ``root``, is not a weight or bias of a neuron found in the graph, and, when
    ``model`` is given, is not one of ``model.parameters()``. That covers the numbers
    written in an expression (the 3 in ``x * 3``) and the plain floats fed to a model. To
    draw a leaf as a full box with its gradient, give it a label.

    **Gradients that do not add up.** A box whose ``.grad`` is not the sum of what its edges
    send back in this picture says so, with both numbers: set by hand, accumulated over
    several ``backward()`` calls without ``zero_grad()``, or a node also used outside the
    drawn graph.

    Args:
        rankdir: ``"LR"`` (left to right), ``"TB"``, ``"RL"`` or ``"BT"``.
        show: which numbers each box shows: any of ``"data"``, ``"grad"``.
        edge_labels: ``"local"`` (the partial d(op)/d(input): formula and value),
            ``"chain"`` (also ``upstream x local``, what flows back), ``"formula"`` (the
            partial's formula in the graph's names and no number at all, so that no edge
            gives a gradient away: for practising; with ``sent_back``, the edges of the
            nodes that have passed their gradient back show the ``chain`` label, as the
            quiz player's revealed steps do), ``"none"``; ``"auto"`` is ``chain`` when
            gradients are known, else ``local``, and ``none`` past 60 nodes.
        color_by: ``"grad"`` (fill by log |grad|, with a legend) or ``None``.
        max_nodes: refuse (``GraphTooLarge``, with a hint) to draw more nodes than this.
        grads: where gradients come from: ``"auto"`` (``.grad`` once a backward pass reached
            ``root``, otherwise shown as "not yet computed", never as 0), ``"stored"``
            (``.grad`` as is), ``"compute"`` (d(root)/d(node) computed now, without touching
            ``.grad``) or a mapping ``{id(node): grad}`` such as ``backprop(root)`` returns.
        collapse: ``"neurons"`` or ``"layers"`` draws each neuron / layer of an ``nn`` model
            as one box; ``"none"`` draws every node; ``"auto"`` collapses only as far as
            needed to fit ``max_nodes``.
        model: the ``nn`` MLP, Layer or Neuron, so boxes get its numbering (optional).
        vanishing, exploding: |grad| below / above these is marked.
        legend: draw the colour legend.
        highlight: a node to emphasise (the step-through player uses it).
        scale: fixed ``(lo, hi)`` decades for the colours (so several pictures agree).
        sent_back: ids of the nodes that have already passed their gradient back (the
            player's frames); edges of other nodes show no ``back:`` product. Default: all
            (with ``edge_labels="formula"``: none).
        node_style: ``{id(node): {attribute: value}}``, graphviz attributes for a value's box
            (``fillcolor``, ``color``, ``penwidth``, ``tooltip``...); the key ``"cells"`` adds
            HTML table cells to its label (how answer checking marks right and wrong).
        edge_style: ``{id(node): {attribute: value}}`` for the edges from a value into the
            ops that use it.

    >>> from autograd_lite import Value
    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b"); c = a * b; c.label = "c"
    >>> NOT_COMPUTED in draw_dot(c).source            # before backward: not 0
    True
    >>> c.backward(); src = draw_dot(c).source
    >>> "∂c/∂a = b = -3" in src and "grad -3" in src  # dc/da = b = -3
    True
    >>> practise = draw_dot(c, show=("data",), edge_labels="formula").source
    >>> "∂c/∂a = b" in practise and "-3" not in practise.replace("data -3", "")
    True
    >>> y = a * 3; y.backward()                       # the 3 is a constant: no grad shown
    >>> const = [line for line in draw_dot(y).source.splitlines() if 'label="c1 = 3"' in line]
    >>> len(const), "grad" in const[0]
    (1, False)
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {root!r} of type "
                        f"{type(root).__name__}")
    opts = _options(options, settings)
    order = topological_order(root)
    partials, computed = _walk_partials(root, compute=opts.grads == "compute")
    known = _resolve_grads(root, order, opts.grads, computed)
    consumers = consumers_of(order)
    neurons = find_neurons(order, consumers, opts.model)
    layout = choose_layout(order, consumers, neurons, opts.collapse, opts.max_nodes)
    if opts.edge_labels == "auto":
        chosen = ("none" if layout.count(order) > 60 else
                  "chain" if known is not None else "local")
        opts = dataclasses.replace(opts, edge_labels=chosen)
    constants = constant_ids(root, order, neurons, opts.model)
    return _Drawing(root, order, known, consumers, layout, opts, partials, constants).graph


_POSITIONAL = ("rankdir", "show", "edge_labels", "color_by", "max_nodes")  # the old order


def _options(given: tuple[Any, ...], settings: dict[str, Any]) -> DrawOptions:
    """One DrawOptions from ``draw_dot(root, options)``, keywords, or the old positional
    settings (``draw_dot(root, "TB")``)."""
    if given and isinstance(given[0], DrawOptions):
        if len(given) > 1:
            raise TypeError("draw_dot: after a DrawOptions, pass settings by keyword")
        return dataclasses.replace(given[0], **settings) if settings else given[0]
    if len(given) > len(_POSITIONAL):
        raise TypeError(f"draw_dot: at most {len(_POSITIONAL)} settings by position "
                        f"({', '.join(_POSITIONAL)}), got {len(given)}")
    for name, value in zip(_POSITIONAL, given):
        if name in settings:
            raise TypeError(f"draw_dot: {name} given twice, by position and by keyword")
        settings[name] = value
    return DrawOptions(**settings)


def constant_ids(root: Value, order: Sequence[Value], neurons: Sequence[Neuron],
               model: Any) -> set[int]:
    """Ids of the leaves drawn as plain constants (the rule is in ``draw_dot``'s docstring)."""
    params = {id(p) for n in neurons for p in n.params}
    if model is not None and hasattr(model, "parameters"):
        params.update(id(p) for p in model.parameters())
    return {id(n) for n in order
            if not n.parents and not n.label and n is not root and id(n) not in params}


class _Drawing:
    """Builds one picture; split out of ``draw_dot`` so each part reads on its own."""

    def __init__(self, root: Value, order: Sequence[Value], known: dict[int, float] | None,
                 consumers: dict[int, list[tuple[Value, int]]], layout: Layout,
                 opts: DrawOptions, partials: dict[int, list[float | None] | None],
                 constants: set[int]):
        self.order, self.known, self.consumers = order, known, consumers
        self.names, self.constants = node_names(root), constants
        self.sent_back = None if opts.sent_back is None else set(opts.sent_back)
        self.layout, self.opts, self.partials = layout, opts, partials
        self.index = {id(n): i for i, n in enumerate(order)}
        self.highlight = (None if opts.highlight is None else
                          layout.rep.get(id(opts.highlight)))
        self.marks: set[str] = set()
        self.formulas: dict[int, list[str]] = {}
        shown = [] if known is None else [abs(known[id(n)]) for n in order
                                           if id(n) in known and id(n) not in constants
                                           and layout.rep[id(n)] is not None]
        self.scale = Scale(shown, opts.scale)
        self.graph = GradGraph(format="svg", graph_attr={
            "rankdir": opts.rankdir, "fontname": "DejaVu Sans", "fontsize": "11",
            "nodesep": "0.25", "ranksep": "0.35"},
            node_attr={"fontname": "DejaVu Sans", "fontsize": "11"},
            edge_attr={"fontname": "DejaVu Sans", "fontsize": "9", "color": "#555555"})
        self.clusters: dict[str, Any] = {}
        for node in order:
            if layout.rep[id(node)] != self._uid(node):
                continue
            if id(node) in constants:
                self._constant(node)
            else:
                self._value_box(node)
            if node.parents:
                self._op_node(node)
        for key, group in layout.boxes.items():
            self._group_box(key, group)
        self._group_edges()
        self._attach_clusters()
        self._caption(root)
        if opts.legend and opts.color_by == "grad" and known is not None:
            self._legend()

    # --- helpers -------------------------------------------------------------------------
    def _holder(self, name: str) -> Any:
        """The (sub)graph a drawn node goes in: its neuron's or layer's cluster, if any."""
        neuron = self.layout.owner.get(name)
        if neuron is None:
            return self.graph
        if self.layout.level == "neurons":
            return self._cluster(self.layout.layer_name(neuron), neuron)
        return self._cluster(f"neuron{id(neuron.affine)}", neuron)

    def _cluster(self, name: str, neuron: Neuron) -> Any:
        if name not in self.clusters:
            group = self.layout.layers[neuron.layer_key]
            title = (layer_title(neuron, len(group)) if name.startswith("layer") else
                     f"layer {neuron.layer} · neuron {neuron.index}")
            sub = GradGraph(name="cluster_" + name)
            sub.attr(label=title, style="rounded,dashed", color="#888888", fontsize="10",
                     fontcolor="#444444")
            self.clusters[name] = sub
        return self.clusters[name]

    def _attach_clusters(self) -> None:
        if self.layout.level != "none":
            for sub in self.clusters.values():
                self.graph.subgraph(sub)
            return
        # Neuron clusters sit inside a cluster for their layer.
        layers: dict[tuple[int, ...], Any] = {}
        for neuron in self.layout.owner.values():
            name = f"neuron{id(neuron.affine)}"
            if name in self.clusters and neuron.layer_key not in layers:
                layers[neuron.layer_key] = self._cluster(self.layout.layer_name(neuron), neuron)
        attached: set[str] = set()
        for neuron in self.layout.owner.values():
            name = f"neuron{id(neuron.affine)}"
            if name in self.clusters and name not in attached:
                attached.add(name)
                layers[neuron.layer_key].subgraph(self.clusters[name])
        for sub in layers.values():
            self.graph.subgraph(sub)

    def _uid(self, node: Value) -> str:
        return f"n{self.index[id(node)]}"

    def _grad(self, node: Value) -> float | None:
        return None if self.known is None else self.known.get(id(node))

    def _sent(self, node: Value) -> float | None:
        """The gradient ``node`` has passed back to its inputs, if it has yet."""
        if self.sent_back is not None and id(node) not in self.sent_back:
            return None
        return self._grad(node)

    def _style(self, g: float | None, name: str) -> dict[str, str]:
        """Fill, border and tooltip for a box whose gradient is ``g``."""
        attrs = {"shape": "box", "style": "filled,rounded", "fillcolor": UNKNOWN_FILL}
        if g is not None and self.opts.color_by == "grad":
            attrs["fillcolor"] = self.scale.colour(g)
        if g is not None and 0.0 < abs(g) < self.opts.vanishing:
            attrs.update(color=VANISHING, penwidth="2", style="filled,rounded,dashed",
                         tooltip=f"vanishing gradient: |grad| < {fmt(self.opts.vanishing)}")
            self.marks.add("vanishing")
        elif g is not None and abs(g) > self.opts.exploding:
            attrs.update(color=EXPLODING, penwidth="3",
                         tooltip=f"exploding gradient: |grad| > {fmt(self.opts.exploding)}")
            self.marks.add("exploding")
        if g == 0.0:
            self.marks.add("zero")
        if name == self.highlight:
            attrs.update(color=HIGHLIGHT, penwidth="4", id="current")
        return attrs

    def _grad_cell(self, node: Value, g: float | None) -> str:
        if g is None:
            return f'<font color="#777777"><i>grad: {NOT_COMPUTED}</i></font>'
        text = f"grad {esc(fmt(g))}"
        if 0.0 < abs(g) < self.opts.vanishing:
            text += " ▼ vanishing"
        elif abs(g) > self.opts.exploding:
            text += " ▲ exploding"
        parts = self._fan_in(node)
        if not parts:
            return text
        total = math.fsum(parts)
        if not math.isclose(total, g, rel_tol=1e-9, abs_tol=1e-12):
            self.marks.add("mismatch")
            sent = fmt(total) if len(parts) == 1 else (
                f"{fmt(total)} {contributions_text(parts)}")
            return (f'{text} <font color="{MISMATCH}">⚠</font><br/>'
                    f'<font point-size="9" color="{MISMATCH}">({esc(sent)} flows back here;'
                    f"<br/>.grad set by hand, or accumulated over backward() calls<br/>"
                    f"(zero_grad() between them), or used outside this graph?)</font>")
        if len(parts) > 1 and g != 0.0:
            text += f'<br/><font point-size="9">{esc(contributions_text(parts))}</font>'
        return text

    def _fan_in(self, node: Value) -> list[float]:
        """What each consumer sent back to ``node`` (the terms its gradient adds up)."""
        parts: list[float] = []
        for child, k in self.consumers.get(id(node), ()):
            gc, local = self._sent(child), self.partials.get(id(child))
            d = None if local is None else local[k]
            if gc is None or d is None:
                return []
            parts.append(gc * d)
        return parts

    def _table(self, title: str, cells: list[str], raw: str = "") -> str:
        row = "".join(f"<td>{c}</td>" for c in cells) + raw
        head = f"<td><b>{esc(title)}</b></td>" if title else ""
        return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="3" '
                f'columns="*"><tr>{head}{row}</tr></table>>')

    # --- parts of the picture --------------------------------------------------------------
    def _value_box(self, node: Value) -> None:
        uid, g = self._uid(node), self._grad(node)
        cells = []
        if "data" in self.opts.show:
            cells.append(f"data {esc(fmt(node.data))}")
        if "grad" in self.opts.show:
            cells.append(self._grad_cell(node, g))
        style = self._style(g, uid)
        extra = dict((self.opts.node_style or {}).get(id(node), {}))
        raw = extra.pop("cells", "")
        style.update(extra)
        self._holder(uid).node(uid, label=self._table(self._name(node), cells, raw), **style)

    def _name(self, node: Value) -> str:
        """The box's title: the node's name, as ``node_names`` gives it."""
        return self.names[id(node)]

    def _constant(self, node: Value) -> None:
        """A small plain node for a number written into the expression."""
        uid = self._uid(node)
        # Named as captions and transcripts name it; collapsed pictures have neither, and
        # there the automatic names count every hidden parameter (x38), so a neuron's input
        # is named by its position (x1 = 0.5), any other number is just shown.
        name = (self.names[id(node)] if self.layout.level == "none"
                else self.layout.input_names.get(id(node)))
        label = f"{name} = {fmt(node.data)}" if name else fmt(node.data)
        self._holder(uid).node(
            uid, label=label, shape="box",
            style="rounded,filled", fillcolor=CONSTANT_FILL, color="#aaaaaa", fontsize="9",
            fontcolor="#444444", height="0.2", margin="0.04,0.02",
            tooltip="a constant: an unlabelled number in the expression (label it to draw "
                    "it as a box)")

    def _op_node(self, node: Value) -> None:
        uid, rule = self._uid(node), node.rule
        assert rule is not None
        attrs = {"shape": "ellipse", "fontsize": "10", "margin": "0.03",
                 "tooltip": f"{rule.name}: {info(rule).formula}"}
        label = rule.symbol
        kink = at_kink(node)
        local = self.partials[id(node)]
        if local is None or None in local:
            label += "\n⚠ ∂ undefined"
            attrs.update(style="filled", fillcolor=UNDEFINED_FILL,
                         tooltip=f"{rule.name}: derivative undefined or infinite here "
                                 f"({self._partials_text(node)})")
            self.marks.add("undefined")
        elif kink is not None:
            label += f"\n⚠ kink x={fmt(kink)}"
            attrs.update(style="filled", fillcolor=KINK_FILL,
                         tooltip=f"{rule.name} at its kink x={fmt(kink)}: the derivative "
                                 f"there is a convention ({self._partials_text(node)})")
            self.marks.add("kink")
        self._holder(uid).node(uid + "op", label=label, **attrs)
        self.graph.edge(uid + "op", uid)
        drawn: dict[str, int] = {}
        for p in node.parents:
            src = self.layout.rep[id(p)]
            if src is not None:
                drawn[src] = drawn.get(src, 0) + 1
        multi = {s for s, c in drawn.items() if c > 1 and not s.startswith("n")}
        done: set[str] = set()
        for k, p in enumerate(node.parents):
            src = self.layout.rep[id(p)]
            if src is None or src in done:
                continue
            attrs = {}
            if src in multi:  # one edge from a layer box that feeds several inputs
                done.add(src)
                attrs["label"] = f"×{drawn[src]}"
            elif self.opts.edge_labels != "none":
                attrs["label"] = self._edge_label(node, k)
            if uid == self.highlight:
                attrs.update(color=HIGHLIGHT, penwidth="2.5", fontcolor=HIGHLIGHT)
            attrs.update((self.opts.edge_style or {}).get(id(p), {}))
            self.graph.edge(src, uid + "op", **attrs)

    def _edge_label(self, node: Value, k: int) -> str:
        local = self.partials[id(node)]
        d = None if local is None else local[k]
        text = self._formulas(node)[k]
        if self.opts.edge_labels == "formula" and (
                self.sent_back is None or id(node) not in self.sent_back):
            return text  # no number: nothing here gives a gradient away
        if d is None:
            return text + " = undefined"
        value = fmt(d)
        if text.rsplit("= ", 1)[-1] != value:  # skip "= 1 = 1"
            text += f" = {value}"
        g = self._sent(node)
        if self.opts.edge_labels in ("chain", "formula") and g is not None:
            text += f"\nback: {fmt(g)} × {factor(d)} = {fmt(g * d)}"
        return text

    def _partials_text(self, node: Value, most: int = 6) -> str:
        """The partials for a tooltip, in the graph's names (``∂p/∂x = y*x**(y - 1)``)."""
        shown = self._formulas(node)
        return "; ".join(shown[:most]) + ("; …" if len(shown) > most else "")

    def _formulas(self, node: Value) -> list[str]:
        """Each input's ``∂c/∂a = b``, worked out once per node (wide nodes are common)."""
        found = self.formulas.get(id(node))
        if found is None:
            found = self.formulas[id(node)] = edge_formulas(node, self.names)
        return found

    def _group_box(self, key: str, group: list[Neuron]) -> None:
        first = group[0]
        outs = [n.output for n in group]
        known_out = [g for g in (self._grad(o) for o in outs) if g is not None]
        param_grads = [abs(_stored(p)) for n in group for p in n.params]
        if len(group) == 1:  # a neuron box, inside its layer's cluster
            title = f"neuron {first.index} · {first.activation}"
            g = known_out[0] if known_out else None
            lines = [f"data {fmt(outs[0].data)}",
                     f"grad: {NOT_COMPUTED}" if g is None else f"grad {fmt(g)}"]
        else:  # a whole layer
            title = layer_title(first, len(group))
            g = max(known_out, key=abs) if known_out else None
            lines = [f"{len(first.inputs)} inputs → {len(group)} outputs",
                     f"data {fmt(min(o.data for o in outs))} … {fmt(max(o.data for o in outs))}",
                     f"grad: {NOT_COMPUTED}" if g is None else f"max |grad| {fmt(abs(g))}"]
        if g is not None and param_grads:
            lines.append(f"params: max |grad| {fmt(max(param_grads))}")
        label = "<" + f"<b>{esc(title)}</b>" + "".join(
            f"<br/>{esc(line)}" for line in lines) + ">"
        self._holder(key).node(key, label=label, **self._style(g, key))

    def _group_edges(self) -> None:
        """Edges into neuron/layer boxes. A layer reads all its inputs in every neuron, so
        a fully connected layer's edges meet at one small junction instead of n x m lines."""
        for i, group in enumerate(self.layout.layers.values()):
            keys = list(dict.fromkeys(self.layout.rep[id(n.affine)] for n in group))
            if not keys or keys[0] is None or keys[0].startswith("n"):
                continue
            srcs = [s for s in dict.fromkeys(self.layout.rep[id(x)] for x in group[0].inputs)
                    if s is not None]
            if len(keys) > 1 and len(srcs) > 1:
                bus = f"bus{i}"
                self.graph.node(bus, shape="point", width="0.08", color="#555555",
                                tooltip=f"fully connected: each of the {len(keys)} neurons "
                                        f"reads all {len(srcs)} inputs")
                for src in srcs:
                    self.graph.edge(src, bus, arrowhead="none")
                for key in keys:
                    self.graph.edge(bus, str(key))
            else:
                for src in srcs:
                    for key in keys:
                        self.graph.edge(src, str(key))

    def _caption(self, root: Value) -> None:
        notes = []
        if self.known is None and "grad" in self.opts.show:
            name = self.names[id(root)]
            notes.append(f"gradients not yet computed: call {name}.backward() "
                         f"(or draw_dot(..., grads='compute'))")
        if self.layout.level != "none":
            n = sum(len(g) for g in self.layout.boxes.values())
            notes.append(f"{n} neurons drawn as {len(self.layout.boxes)} boxes "
                         f"(collapse='none' draws every node)")
        if notes:
            self.graph.attr(label="\n".join(notes), labelloc="b", labeljust="l",
                            fontcolor="#444444")

    def _legend(self) -> None:
        rows = ['<tr><td colspan="2"><b>|grad|, log scale</b></td></tr>']
        for d in self.scale.ticks():
            rows.append(f'<tr><td bgcolor="{self.scale.colour(10.0 ** d)}" width="18"> </td>'
                        f"<td>{esc(fmt(10.0 ** d))}</td></tr>")
        # Each sample cell looks like what it explains: a fill, or a border and a glyph.
        extra = {
            "zero": (f'bgcolor="{ZERO_FILL}"', " ", "0: nothing flows back"),
            "vanishing": (f'color="{VANISHING}" border="2" style="dashed"', "▼",
                          f"vanishing, |grad| &lt; {fmt(self.opts.vanishing)}"),
            "exploding": (f'color="{EXPLODING}" border="3"', "▲",
                          f"exploding, |grad| &gt; {fmt(self.opts.exploding)}"),
            "kink": (f'bgcolor="{KINK_FILL}"', "⚠", "op at a kink: ∂ by convention"),
            "undefined": (f'bgcolor="{UNDEFINED_FILL}"', "⚠", "∂ undefined here"),
            "mismatch": ("", f'<font color="{MISMATCH}">⚠</font>',
                         "grad ≠ the sum flowing back here: set by hand? accumulated?"),
        }
        for mark, (cell, glyph, text) in extra.items():
            if mark in self.marks:
                rows.append(f'<tr><td {cell} width="18">{glyph}</td><td>{text}</td></tr>')
        label = ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
                 + "".join(rows) + "</table>>")
        with self.graph.subgraph(name="cluster_legend") as legend:
            legend.attr(label="legend", style="dashed", color="#999999", fontsize="10")
            legend.node("legend", label=label, shape="plain", fontsize="9")
