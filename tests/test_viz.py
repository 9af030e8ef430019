"""draw_dot: real SVGs rendered by graphviz, checked for nodes, edges, labels, numbers, colours.

Oracles: hand derivations, central finite differences, the model's own forward pass, and
the rules table's formula strings; numbers are looked for as the picture prints them (fmt).
"""

from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from graphs import lecture_graph

from autograd_lite import RULES, BackwardError, Value
from autograd_lite.nn import MLP
from autograd_lite.viz import GraphTooLarge, draw_dot, save, save_example_graph, to_svg
from autograd_lite.viz.graph import (
    EXPLODING,
    HIGHLIGHT,
    KINK_FILL,
    PALETTE,
    UNDEFINED_FILL,
    VANISHING,
    ZERO_FILL,
)
from autograd_lite.viz.labels import fmt

pytestmark = pytest.mark.needs_program("dot")  # every picture here is rendered by dot

SVG = "{http://www.w3.org/2000/svg}"


def parse(graph: object) -> ET.Element:
    return ET.fromstring(to_svg(graph))


def groups(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


def text_of(g: ET.Element) -> str:
    return " ".join(t.text or "" for t in g.iter(f"{SVG}text"))


def value_boxes(svg: ET.Element) -> dict[str, str]:
    """{node label: all text in its box}, for boxes whose first text is a label."""
    boxes = {}
    for g in groups(svg, "node"):
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if len(texts) >= 2 and texts[1].startswith("data"):
            boxes[texts[0]] = " ".join(texts)
    return boxes


def fills(g: ET.Element) -> set[str]:
    return {e.get("fill", "").lower() for e in g.iter() if e.get("fill")}


def strokes(g: ET.Element) -> set[str]:
    return {e.get("stroke", "").lower() for e in g.iter() if e.get("stroke")}


def central_difference(f, x: Value, h: float = 1e-6) -> float:  # type: ignore[no-untyped-def]
    old = x.data
    x.data = old + h
    up = f()
    x.data = old - h
    down = f()
    x.data = old
    return (up - down) / (2 * h)




# --- structure and numbers -------------------------------------------------------------


def test_lecture_graph_counts_labels_and_hand_derived_gradients() -> None:
    L, v = lecture_graph()
    L.backward()
    svg = parse(draw_dot(L))
    # 7 values + 3 ops + the legend; edges: 3 op->value and 6 input->op.
    assert len(groups(svg, "node")) == 7 + 3 + 1
    assert len(groups(svg, "edge")) == 3 + 6
    boxes = value_boxes(svg)
    assert set(boxes) == set(v)
    # By hand: dL/da = b*f = 6, dL/db = a*f = -4, dL/dc = f = -2, dL/df = a*b + c = 4,
    # dL/de = dL/dd = f = -2.
    hand = {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "e": -2.0, "d": -2.0, "L": 1.0}
    for name, grad in hand.items():
        assert f"grad {fmt(grad)}" in boxes[name], (name, boxes[name])
        assert f"data {fmt(v[name].data)}" in boxes[name]


def test_old_signatures_keep_working() -> None:
    L, _ = lecture_graph()
    assert len(groups(parse(draw_dot(L)), "node")) == 10          # no legend before backward
    top_down = parse(draw_dot(L, rankdir="TB"))
    assert len(groups(top_down, "edge")) == 9
    assert 'rankdir="TB"' in draw_dot(L, "TB").source or "rankdir=TB" in draw_dot(L, "TB").source


def test_before_backward_grads_are_not_yet_computed_not_zero() -> None:
    L, _ = lecture_graph()
    svg = parse(draw_dot(L))
    boxes = value_boxes(svg)
    assert all("not yet computed" in text and "grad 0" not in text for text in boxes.values())
    assert "call L.backward()" in text_of(svg)
    L.backward()
    assert all("not yet computed" not in t for t in value_boxes(parse(draw_dot(L))).values())
    L.zero_grad()  # back to "no backward has reached this root"
    assert all("not yet computed" in t for t in value_boxes(parse(draw_dot(L))).values())


def test_grads_compute_shows_gradients_without_touching_grad() -> None:
    L, v = lecture_graph()
    boxes = value_boxes(parse(draw_dot(L, grads="compute")))
    f = lambda: ((v["a"].data * v["b"].data + v["c"].data) * v["f"].data)  # noqa: E731
    for name in "abcf":
        numeric = central_difference(f, v[name])
        assert f"grad {fmt(numeric)}" in boxes[name]
    assert all(node.grad == 0.0 for node in v.values())


def test_show_data_only() -> None:
    L, _ = lecture_graph()
    L.backward()
    boxes = value_boxes(parse(draw_dot(L, show=("data",))))
    assert all("grad" not in t for t in boxes.values())


@pytest.mark.parametrize("bad", [{"rankdir": "XY"}, {"show": ("data", "hessian")},
                                 {"edge_labels": "loud"}, {"color_by": "data"},
                                 {"collapse": "all"}, {"max_nodes": 0}, {"grads": "maybe"}])
def test_bad_options_are_named(bad: dict[str, object]) -> None:
    L, _ = lecture_graph()
    with pytest.raises(ValueError) as err:
        draw_dot(L, **bad)  # type: ignore[arg-type]
    assert "draw_dot" in str(err.value) and repr(next(iter(bad.values()))) in str(err.value)


# --- chain rule on the edges ---------------------------------------------------------------


def edge_texts(svg: ET.Element) -> list[str]:
    return [text_of(g) for g in groups(svg, "edge")]


def test_local_edge_labels_use_the_rules_table_formula_and_value() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    labels = edge_texts(parse(draw_dot(c, edge_labels="local")))
    # d(a*b)/da = b = -3 and d(a*b)/db = a = 2: the rule's formula in the graph's names
    assert any("∂c/∂a = b = -3" in t for t in labels), labels
    assert any("∂c/∂b = a = 2" in t for t in labels), labels
    assert not any("back:" in t for t in labels)


def test_chain_edge_labels_show_upstream_times_local() -> None:
    x = Value(0.5, label="x")
    t = x.tanh()
    t.label = "t"
    y = t * 3.0
    y.label = "y"
    y.backward()
    labels = edge_texts(parse(draw_dot(y, edge_labels="chain")))
    upstream = 3.0                                  # dy/dt
    local = 1 - math.tanh(0.5) ** 2                 # tanh'(x), by hand
    assert any(f"back: {fmt(upstream)} × {fmt(local)} = {fmt(upstream * local)}" in t
               for t in labels), labels
    assert any("∂t/∂x = 1 - tanh(x)**2" in t for t in labels), labels
    L, _ = lecture_graph()
    L.backward()
    # dL/dd = f = -2, written as a product with a negative factor in parentheses
    assert "∂L/∂d = f = -2 back: 1 × (-2) = -2" in edge_texts(parse(draw_dot(L)))


def test_fan_in_shows_that_gradients_add() -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    y.backward()
    box = value_boxes(parse(draw_dot(y)))["x"]
    numeric = central_difference(lambda: x.data * x.data + x.data, x)
    assert f"grad {fmt(numeric)}" in box                       # 2x + 1 = 7
    assert "= 3 + 3 + 1" in box                                # x*x sends x twice, + sends 1


def test_n_ary_edge_labels_fill_in_the_index() -> None:
    from autograd_lite.functional import dot

    ws = [Value(2.0, label="w1"), Value(-1.0, label="w2")]
    xs = [Value(5.0, label="x1"), Value(7.0, label="x2")]
    y = dot(ws, xs, bias=Value(0.5, label="b"))
    y.label = "y"
    labels = " | ".join(edge_texts(parse(draw_dot(y, edge_labels="local"))))
    for text in ("∂y/∂b = 1", "∂y/∂w2 = x2 = 7", "∂y/∂x1 = w1 = 2", "∂y/∂x2 = w2 = -1"):
        assert text in labels


def test_a_neurons_edges_name_each_weight_and_input() -> None:
    from autograd_lite.nn import Neuron

    random.seed(3)
    neuron = Neuron(2)
    w1 = neuron.w[0]
    x1, x2 = Value(-2.0, label="x1"), Value(3.0, label="x2")
    out = neuron([x1, x2])
    labels = " | ".join(edge_texts(parse(draw_dot(out, edge_labels="local"))))
    # affine(b, w1, w2, x1, x2): d/dw2 = x2 = 3, d/dx1 = w1, d/db = 1 (by hand); the
    # neuron's unlabelled parameters are named b1, w1_1, w1_2 (node_names)
    assert "∂affine1/∂w1_2 = x2 = 3" in labels and "∂affine1/∂w1_1 = x1 = -2" in labels
    assert f"∂affine1/∂x1 = w1_1 = {fmt(w1.data)}" in labels and "∂affine1/∂b1 = 1" in labels


def test_edge_labels_follow_a_rules_own_input_groups() -> None:
    """A user rule whose single input comes last: s * (x1 + ... + xn)."""
    from autograd_lite import apply
    from autograd_lite.rules import Rule, register  # the old registration, still working

    rule = register(Rule(
        "scaled_sum", "s·Σ", "s * (x1 + ... + xn)",
        lambda xs, p: xs[-1] * math.fsum(xs[:-1]),
        lambda xs, out, p: [*[xs[-1]] * (len(xs) - 1), sum(xs[:-1])],
        ("s", "x1 + ... + xn"), arity=-1, groups=("x_i", "s")))
    try:
        a, b, c = Value(2.0, label="a"), Value(3.0, label="b"), Value(4.0, label="c")
        y = apply(rule, (a, b, c))
        labels = edge_texts(parse(draw_dot(y, edge_labels="local")))
    finally:
        del RULES["scaled_sum"]
    # d/dx1 = d/dx2 = s = 4, d/ds = x1 + x2 = 5 (by hand)
    assert sorted(labels) == sorted(["", "∂L/∂a = c = 4", "∂L/∂b = c = 4",
                                     "∂L/∂c = x1 + ... + xn = 5"])


# --- names -----------------------------------------------------------------------------------


def test_boxes_frames_and_transcripts_use_the_same_names() -> None:
    from autograd_lite import explain
    from autograd_lite.viz import backward_steps

    a = Value(2.0, label="a")
    y = (a * 3.0).tanh() + a            # unlabelled: the 3, the product, the tanh, the root
    y.backward()
    svg = parse(draw_dot(y))
    shown = {text_of(g).split()[0] for g in groups(svg, "node") if text_of(g)}
    # by hand, as names.node_names documents: labels, c1 for the unlabelled leaf,
    # op names counted per op, L for the unlabelled root
    assert {"a", "c1", "mul1", "tanh1", "L"} <= shown
    captions = " ".join(s.text for s in backward_steps(y))
    transcript = str(explain(y))
    for name in ("c1", "mul1", "tanh1", "dL/d"):
        assert name in captions and name in transcript, name
    assert not any(word in captions for word in ("leaf", " mul ", "tanh +="))


# --- colours and marks ---------------------------------------------------------------------


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_colours_follow_log_gradient_magnitude_with_a_legend() -> None:
    x = Value(1.0, label="small")
    big = Value(1.0, label="big")
    y = x * 0.01 + big * 100.0
    y.label = "y"
    y.backward()
    svg = parse(draw_dot(y))
    node_fill = {}
    for g in groups(svg, "node"):
        texts = [t.text for t in g.iter(f"{SVG}text")]
        if texts and texts[0] in ("small", "big", "y"):
            node_fill[texts[0]] = (fills(g) - {"none", "black"}).pop()
    # |grad| 0.01 < 1 < 100: darker fill for bigger gradients
    assert luminance(node_fill["small"]) > luminance(node_fill["y"]) > luminance(node_fill["big"])
    legend = next(g for g in groups(svg, "node") if "log scale" in text_of(g))
    for tick in ("0.01", "1", "100"):
        assert tick in text_of(legend).split()
    assert node_fill["small"] in fills(legend) and node_fill["big"] in fills(legend)


def test_vanishing_exploding_and_zero_gradients_are_marked() -> None:
    tiny, huge, dead = Value(2.0, label="tiny"), Value(2.0, label="huge"), Value(-1.0,
                                                                                label="dead")
    y = tiny * 1e-9 + huge * 1e5 + dead.relu()
    y.label = "y"
    y.backward()
    svg = parse(draw_dot(y))
    by_label = {text_of(g).split()[0]: g for g in groups(svg, "node") if text_of(g)}
    assert "▼ vanishing" in text_of(by_label["tiny"]) and VANISHING in strokes(by_label["tiny"])
    assert "▲ exploding" in text_of(by_label["huge"]) and EXPLODING in strokes(by_label["huge"])
    assert ZERO_FILL in fills(by_label["dead"]) and "vanishing" not in text_of(by_label["dead"])
    legend = text_of(next(g for g in groups(svg, "node") if "log scale" in text_of(g)))
    assert "vanishing" in legend and "exploding" in legend and "nothing flows back" in legend


def borders(g: ET.Element, colour: str) -> list[dict[str, str]]:
    """The outlines drawn in ``colour`` with a set width (not table cell separators)."""
    return [dict(e.attrib) for e in g.iter()
            if (e.get("stroke") or "").lower() == colour and e.get("stroke-width")]


def test_legend_samples_look_like_the_boxes_they_explain() -> None:
    tiny, huge = Value(2.0, label="tiny"), Value(2.0, label="huge")
    y = tiny * 1e-9 + huge * 1e5 + Value(0.0, label="k").relu() + Value(0.0, label="s").sqrt() * 0
    y.label = "y"
    svg = parse(draw_dot(y, grads="compute"))
    legend = next(g for g in groups(svg, "node") if "log scale" in text_of(g))
    by_label = {text_of(g).split()[0]: g for g in groups(svg, "node") if text_of(g)}
    # boxes: a thick coloured border (dashed when vanishing) and a glyph, not a fill of
    # that colour; the legend's sample cell the same
    for name, colour, glyph in (("tiny", VANISHING, "▼"), ("huge", EXPLODING, "▲")):
        box, sample = borders(by_label[name], colour), borders(legend, colour)
        assert len(box) == len(sample) == 1
        assert box[0]["fill"] != colour and sample[0]["fill"] != colour
        assert box[0]["stroke-width"] == sample[0]["stroke-width"]
        assert bool(box[0].get("stroke-dasharray")) == bool(sample[0].get("stroke-dasharray"))
        assert glyph in text_of(by_label[name]) and glyph in text_of(legend)
    assert borders(legend, VANISHING)[0].get("stroke-dasharray")
    ops = {t.split()[0]: g for g in groups(svg, "node") if (t := text_of(g))}
    assert KINK_FILL in fills(ops["ReLU"]) and KINK_FILL in fills(legend)
    assert UNDEFINED_FILL in fills(ops["sqrt"]) and UNDEFINED_FILL in fills(legend)


def test_kinks_and_undefined_derivatives_are_marked() -> None:
    at_zero = Value(0.0, label="z").relu() + Value(0.0, label="s").sqrt()
    ops = [text_of(g) for g in groups(parse(draw_dot(at_zero)), "node")]
    assert any("ReLU" in t and "kink x=0" in t for t in ops)       # RULES["relu"].kinks
    assert any("sqrt" in t and "undefined" in t for t in ops)      # sqrt'(0) is infinite
    away = Value(1.0).relu()
    assert not any("kink" in text_of(g) for g in groups(parse(draw_dot(away)), "node"))


def test_pow_at_a_negative_base_labels_only_the_exponents_derivative_undefined() -> None:
    """x ** p at x = -3, p = 3: d/dx = p * x**(p-1) = 3 * 9 = 27 exists; d/dp needs
    log(x) and does not. The picture says exactly that, and backward names p."""
    x, p = Value(-3.0, label="x"), Value(3.0, label="p")
    L = x ** p
    L.label = "L"
    source = draw_dot(L).source
    edge_x = re.search(r'label="(∂L/∂x[^"]*)"', source)
    edge_p = re.search(r'label="(∂L/∂p[^"]*)"', source)
    assert edge_x is not None and edge_x.group(1).endswith("= 27")
    assert edge_p is not None and edge_p.group(1).endswith("= undefined")
    assert "∂ undefined" in source                       # the op is still marked
    # its tooltip writes the partials in the graph's names, not the rule's (x, y)
    tip = re.search(r'tooltip="(pow: derivative undefined[^"]*)"', source)
    assert tip is not None and "∂L/∂p = x**p * log(x)" in tip.group(1), source
    with pytest.raises(BackwardError, match=r"the derivative for p, x\*\*p \* log\(x\)"):
        L.backward()
    assert x.grad == 0.0 and p.grad == 0.0


def test_numbers_in_an_expression_are_plain_constants() -> None:
    w = Value(0.9, label="w")
    h = w
    for _ in range(4):
        h = (h * 6.0).tanh()            # saturates: w's gradient vanishes, the 6s' too
    h.label = "h"
    h.backward()
    svg = parse(draw_dot(h))
    constants = [g for g in groups(svg, "node") if " = 6" in text_of(g)]
    # names by hand (node_names): the four unlabelled leaves are c1..c4
    assert sorted(text_of(g) for g in constants) == [f"c{i} = 6" for i in range(1, 5)]
    for g in constants:
        assert "grad" not in text_of(g) and "▼" not in text_of(g)
        assert VANISHING not in strokes(g) and not fills(g) & {c.lower() for c in PALETTE}
    assert "▼ vanishing" in value_boxes(svg)["w"]          # a labelled leaf keeps its box
    # the colour scale ignores the constants: y = big * 1e-9 sends |grad| 500 to the 1e-9
    big = Value(500.0, label="big")
    y = big * 1e-9
    y.label = "y"
    y.backward()
    legend = next(text_of(g) for g in groups(parse(draw_dot(y)), "node")
                  if "log scale" in text_of(g)).split()
    ticks = [float(t) for t in legend if t[0].isdigit()]
    assert min(ticks) == 1e-9 and max(ticks) <= 1.0        # |grad| of big and y only


def test_model_parameters_stay_boxes_and_its_inputs_are_constants() -> None:
    model, loss = mlp_loss([2, 1])
    loss.backward()
    plain = model([0.5, -1.0])            # inputs given as plain floats
    plain.backward()
    svg = parse(draw_dot(plain, model=model, collapse="none"))
    boxes = [text_of(g) for g in groups(svg, "node") if "grad" in text_of(g)]
    # 2 neurons x (b, w1, w2) + 1 x (b, w1, w2) parameters, each a box with its gradient,
    # named by neuron: b1, w1_1, w1_2, b2, ... (node_names)
    params = [t for t in boxes if re.fullmatch(r"b\d|w\d_\d", t.split()[0])]
    assert len(params) == len(model.parameters()) == 9
    constants = [text_of(g) for g in groups(svg, "node") if " = " in text_of(g)
                 and "grad" not in text_of(g)]
    assert sorted(c.split(" = ")[1] for c in constants) == ["-1", "0.5"]
    collapsed = parse(draw_dot(plain, model=model, collapse="neurons"))
    plain_nodes = [text_of(g) for g in groups(collapsed, "node")
                   if text_of(g) and "grad" not in text_of(g)]
    # named by their position in the neurons' inputs, as the lecture names them
    assert sorted(plain_nodes) == ["x1 = 0.5", "x2 = -1"]


def test_one_neuron_of_a_layer_says_how_big_the_layer_is() -> None:
    random.seed(2)
    model = MLP(2, [16, 1])
    out = model.layers[0].neurons[0]([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    titles = [text_of(g) for g in groups(parse(draw_dot(out, model=model)), "cluster")]
    assert "layer 1 (16 ReLU neurons; 1 drawn)" in titles
    titles = [text_of(g) for g in groups(parse(draw_dot(out)), "cluster")]
    assert "layer 1 (1 ReLU neuron in this graph)" in titles


# --- gradients accumulated over several backward calls ----------------------------------------


def test_accumulated_leaf_gradient_is_marked_not_hidden() -> None:
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    y.backward()
    y.backward()                        # x accumulates: 2 * (2x + 1) = 14
    box = value_boxes(parse(draw_dot(y)))["x"]
    # this backward sends x*... = 3, 3 and 1 (by hand): 7, not the 14 stored
    assert "grad 14" in box and "⚠" in box and "7 = 3 + 3 + 1 flows back here" in box
    assert "zero_grad()" in box
    legend = next(text_of(g) for g in groups(parse(draw_dot(y)), "node")
                  if "log scale" in text_of(g))
    assert "accumulated" in legend
    x.grad = 0.0
    y.zero_grad()
    y.backward()
    box = value_boxes(parse(draw_dot(y)))["x"]
    assert "grad 7" in box and "⚠" not in box and "zero_grad" not in box
    z = x * 4.0                          # one consumer: the mismatch is still shown
    z.label = "z"
    z.backward()
    z.backward()
    assert "(4 flows back here" in value_boxes(parse(draw_dot(z)))["x"]


# --- large graphs ----------------------------------------------------------------------------


def mlp_loss(sizes: list[int], seed: int = 1) -> tuple[MLP, Value]:
    random.seed(seed)
    model = MLP(2, sizes)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    out = model(x)
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return model, loss


def test_mlp_2_16_16_1_renders_readably_collapsed_into_neurons() -> None:
    model, loss = mlp_loss([16, 16, 1])
    loss.backward()
    graph = draw_dot(loss, model=model)                     # auto: too big, so collapsed
    svg = parse(graph)
    nodes = groups(svg, "node")
    neuron_boxes = [g for g in nodes if text_of(g).startswith("neuron ")]
    assert len(neuron_boxes) == 16 + 16 + 1
    assert len(nodes) <= 60
    assert len(groups(svg, "cluster")) == 1 + 3            # legend + one cluster per layer
    titles = {text_of(g) for g in groups(svg, "cluster")}
    assert {"layer 1 (16 ReLU neurons)", "layer 2 (16 ReLU neurons)",
            "layer 3 (1 linear neuron)"} <= titles
    # Fully connected layers meet at a junction: far fewer than 16*16 edges.
    assert len(groups(svg, "edge")) < 120
    # Each box shows its neuron's output: compare with a separate forward pass.
    numbers = sorted(int(text_of(g).split()[1]) for g in neuron_boxes)
    assert numbers == sorted([*range(1, 17), *range(1, 17), 1])   # the model's numbering
    h1 = model.layers[0]([0.5, -1.0])
    h2 = model.layers[1](h1)
    out = model.layers[2](h2)
    last = next(text_of(g) for g in neuron_boxes if "linear" in text_of(g))
    assert f"data {fmt(out.data)}" in last
    height = float(svg.get("height", "0pt").rstrip("pt"))
    assert height < 1500                                    # fits on a screen or two


def test_collapsed_boxes_show_the_engines_gradients() -> None:
    model, loss = mlp_loss([3, 1])
    loss.backward()
    svg = parse(draw_dot(loss, model=model, collapse="neurons"))
    for j, neuron in enumerate(model.layers[0].neurons):
        out_value = neuron([0.5, -1.0]).data
        box = next(text_of(g) for g in groups(svg, "node")
                   if text_of(g).startswith(f"neuron {j + 1} · ReLU"))
        assert f"data {fmt(out_value)}" in box


def test_layers_collapse_to_one_box_each() -> None:
    _, loss = mlp_loss([16, 16, 1])
    loss.backward()
    svg = parse(draw_dot(loss, collapse="layers"))
    layer_boxes = [text_of(g) for g in groups(svg, "node") if text_of(g).startswith("layer ")]
    assert sorted(t.split(" (")[0] for t in layer_boxes) == ["layer 1", "layer 2"]
    # no model given: the count is what the graph holds, said as such
    assert all("(16 ReLU neurons in this graph)" in t for t in layer_boxes)
    assert any(t.startswith("neuron 1 · linear") for t in map(text_of, groups(svg, "node")))


def test_uncollapsed_small_mlp_groups_neurons_in_clusters() -> None:
    _, loss = mlp_loss([3, 1])
    svg = parse(draw_dot(loss, collapse="none"))
    titles = [text_of(g) for g in groups(svg, "cluster")]
    assert sum(t.startswith("layer 1 · neuron") for t in titles) == 3
    assert sum(t.startswith("layer 2 · neuron") for t in titles) == 1
    assert titles.count("layer 1 (3 ReLU neurons in this graph)") == 1
    # the loss's square is not mistaken for the last neuron's activation; "1 neuron"
    assert titles.count("layer 2 (1 linear neuron in this graph)") == 1
    labels = [text_of(g).split()[0] for g in groups(svg, "node")]
    # 4 neurons: b1..b4, each with w_k_1, and w_k_3 for the first layer's only (3 inputs?)
    assert sum(bool(re.fullmatch(r"b\d", t)) for t in labels) == 4
    assert sum(bool(re.fullmatch(r"w\d_1", t)) for t in labels) == 4


def test_max_nodes_guard_gives_a_clear_message_and_a_hint() -> None:
    _, loss = mlp_loss([16, 16, 1])
    with pytest.raises(GraphTooLarge) as err:
        draw_dot(loss, collapse="none")
    message = str(err.value)
    assert "max_nodes=200" in message and "collapse='neurons'" in message
    chain = Value(1.0)
    for _ in range(150):
        chain = chain * 1.01
    with pytest.raises(GraphTooLarge, match="raise max_nodes"):
        draw_dot(chain)
    # x, then per step a constant leaf, a product and its op node
    assert len(groups(parse(draw_dot(chain, max_nodes=500)), "node")) == 1 + 3 * 150


# --- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix,magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                          (".pdf", b"%PDF")])
def test_save_writes_each_format_and_the_dot_source(tmp_path: Path, suffix: str,
                                                    magic: bytes) -> None:
    L, _ = lecture_graph()
    path = save(draw_dot(L), tmp_path / f"g{suffix}")
    assert path.read_bytes().startswith(magic)
    assert "digraph" in (tmp_path / "g.dot").read_text()
    with pytest.raises(ValueError, match="unknown picture format"):
        save(draw_dot(L), tmp_path / "g.gif")


def test_example_graph_writes_its_dot_source_once(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    original = Path.write_text

    def counting(self: Path, *args: object, **kwargs: object) -> int:
        written.append(self.name)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", counting)
    paths = save_example_graph(tmp_path)
    assert written.count("graph.dot") == 1
    assert [p.name for p in paths] == ["graph.svg", "graph.png"]
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")


def test_example_graph_and_readme_asset(tmp_path: Path) -> None:
    svg_path, png_path = save_example_graph(tmp_path)
    svg = ET.fromstring(svg_path.read_text())
    boxes = value_boxes(svg)
    # o = tanh(n), n = 0.8814: do/dn = 1 - tanh(n)**2 = 0.5; do/dw1 = x1 * 0.5 = 1
    assert "grad 0.5" in boxes["n"] and "grad 1" in boxes["w1"]
    assert png_path.read_bytes().startswith(b"\x89PNG")
    asset = Path(__file__).parent.parent / "docs" / "assets" / "graph.png"
    assert asset.read_bytes().startswith(b"\x89PNG") and asset.stat().st_size < 150_000


def test_highlight_marks_one_node() -> None:
    L, v = lecture_graph()
    L.backward()
    svg = parse(draw_dot(L, highlight=v["d"]))
    current = [g for g in groups(svg, "node") if g.get("id") == "current"]
    assert len(current) == 1 and text_of(current[0]).startswith("d ")
    assert HIGHLIGHT in strokes(current[0])
