"""Practising without the answers in view: ``draw_dot(edge_labels="formula")``, the quiz
frames of the step-through player, and the playground's practise switch.

Oracles: the local derivatives of micrograd's lecture neuron written out by hand, the
formula on each edge evaluated at the graph's values against a central difference of the
op, and the gradients by hand (no number that equals an unrevealed answer may be shown).
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
from pathlib import Path

import pytest
from test_notation import lecture_neuron

from autograd_lite import Value, draw_dot, exercise
from autograd_lite.formula_parser import parse_formula
from autograd_lite.names import node_names
from autograd_lite.viz import backward_steps
from autograd_lite.viz.player import player_html, questions

ROOT = Path(__file__).resolve().parent.parent

# The lecture neuron's local derivatives, by hand: products give the other factor, sums 1,
# tanh gives 1 - tanh**2.
NEURON_FORMULAS = {
    "∂(x1*w1)/∂x1 = w1", "∂(x1*w1)/∂w1 = x1", "∂(x2*w2)/∂x2 = w2", "∂(x2*w2)/∂w2 = x2",
    "∂(x1*w1 + x2*w2)/∂(x1*w1) = 1", "∂(x1*w1 + x2*w2)/∂(x2*w2) = 1",
    "∂n/∂(x1*w1 + x2*w2) = 1", "∂n/∂b = 1", "∂o/∂n = 1 - tanh(n)**2"}


def edge_labels(dot: str) -> list[str]:
    """Every edge label of a DOT source, unescaped, lines joined by `` | ``."""
    found = re.findall(r'->\s*"?\w+"?\s*\[[^\]]*?label="((?:[^"\\]|\\.)*)"', dot)
    return [label.replace("\\n", " | ").replace('\\"', '"') for label in found]


def svg_edge_texts(svg: str) -> list[str]:
    """The text of each edge of an SVG made by graphviz, lines joined by `` | ``."""
    edges = re.findall(r'class="edge">(.*?)</g>', svg, re.S)
    texts = [" | ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", e))
             for e in edges]
    return [t for t in texts if t]


def test_formula_labels_are_the_hand_derived_formulas_and_nothing_more() -> None:
    o = lecture_neuron()
    before = set(edge_labels(draw_dot(o, edge_labels="formula").source))
    assert before == NEURON_FORMULAS
    o.backward()                                # known gradients change nothing
    after = edge_labels(draw_dot(o, edge_labels="formula", show=("data",)).source)
    assert set(after) == NEURON_FORMULAS and len(after) == 9
    # the other modes do show the numbers (here do/dn = 1 - tanh(n)**2 = 0.5, by hand)
    n = 2.0 * -3.0 + 6.8813735870195432
    assert f"∂o/∂n = 1 - tanh(n)**2 = {1 - math.tanh(n) ** 2:.4g}" in draw_dot(
        o, edge_labels="local").source


def test_formula_mode_reveals_only_the_nodes_that_have_sent_back() -> None:
    o = lecture_neuron()
    o.backward()
    labels = edge_labels(draw_dot(o, edge_labels="formula", sent_back={id(o)}).source)
    revealed = [x for x in labels if x.startswith("∂o/∂n")]
    assert revealed == ["∂o/∂n = 1 - tanh(n)**2 = 0.5 | back: 1 × 0.5 = 0.5"]
    assert set(labels) - set(revealed) == NEURON_FORMULAS - {"∂o/∂n = 1 - tanh(n)**2"}


@pytest.mark.parametrize("level", ["op", "chain", "fan-out", "neuron", "network"])
def test_every_formula_on_an_edge_is_the_local_derivative(level: str) -> None:
    """On exercises of every level: the label is ``∂c/∂a = formula`` with no number after
    it, and the formula, evaluated at the graph's values, is d(c)/d(a) by central
    differences of the op alone (the other inputs held fixed)."""
    for seed in range(6):
        root = exercise(level, seed).root
        names = node_names(root)
        values = {names[id(v)]: v.data for v in _nodes(root)}
        dot = draw_dot(root, edge_labels="formula").source
        labels = edge_labels(dot)
        assert labels and not any("back:" in x for x in labels)
        by_edge = {}
        for node in _nodes(root):
            for p in node.parents:
                by_edge.setdefault(f"∂{names[id(node)]}/∂{names[id(p)]}", (node, p))
        for label in labels:
            head, _, rhs = label.partition(" = ")
            assert " = " not in rhs, label           # no "= number" after the formula
            node, p = by_edge[head]
            local = parse_formula(rhs, names=list(values))(values)
            assert math.isclose(local, _central(node, p), rel_tol=1e-5, abs_tol=1e-7), label


def _nodes(root: Value) -> list[Value]:
    seen: dict[int, Value] = {}
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen[id(v)] = v
            stack.extend(v.parents)
    return list(seen.values())


def _central(node: Value, p: Value, h: float = 1e-6) -> float:
    """d(node)/d(p) for the op alone, by central differences (the op made again on floats
    through the Value operators, so no rule of the engine's is read)."""
    def at(x: float) -> float:
        inputs = [Value(x) if q is p else Value(q.data) for q in node.parents]
        assert node.rule is not None
        return _op(node.op, inputs, node.param)

    return (at(p.data + h) - at(p.data - h)) / (2 * h)


def _op(op: str, xs: list[Value], param: object) -> float:
    """The ops exercises use, from Python's math (an independent forward)."""
    a = [x.data for x in xs]
    table = {"add": lambda: a[0] + a[1], "sub": lambda: a[0] - a[1],
             "mul": lambda: a[0] * a[1], "div": lambda: a[0] / a[1],
             "tanh": lambda: math.tanh(a[0]), "exp": lambda: math.exp(a[0]),
             "sigmoid": lambda: 1 / (1 + math.exp(-a[0])),
             "powc": lambda: a[0] ** float(param)}  # type: ignore[arg-type]
    return float(table[op]())


def test_draw_dot_refuses_an_unknown_mode_naming_formula_among_the_choices() -> None:
    with pytest.raises(ValueError, match=r"edge_labels must be one of auto, none, local, "
                                         r"chain, formula, got 'numbers'"):
        draw_dot(Value(1.0) * 2, edge_labels="numbers")


# --- the quiz frames of the player --------------------------------------------------------------


def test_quiz_frames_show_no_number_on_a_step_not_yet_revealed() -> None:
    """While step k is asked, frame k - 1 is shown: no edge of step k or later carries a
    number, so neither the local derivative's value nor the product (the answer) shows."""
    o = lecture_neuron()
    steps = backward_steps(o)
    names = steps.names
    frames = [steps.draw(k, edge_labels="formula") for k in range(len(steps))]
    for k, frame in enumerate(frames):
        revealed = {names[id(s.node)] for s in steps[1: k + 1]}
        for label in edge_labels(frame.source):
            top = label[1:].split("/∂", 1)[0].strip("()")
            if top in revealed:
                assert "| back: " in label, (k, label)
            else:
                assert label in NEURON_FORMULAS, (k, label)


@pytest.mark.needs_program("dot")
def test_the_quiz_page_draws_its_frames_with_formulas() -> None:
    o = lecture_neuron()
    steps = backward_steps(o)
    page = player_html(steps, answer_mode=True)
    assert '<body data-step="0" data-current="o" class="quiz-frames">' in page
    frames = re.findall(r'<div class="frame".*?</svg>', page, re.S)
    assert len(frames) == len(steps)
    names = steps.names
    for k in questions(steps):                  # frame k - 1 is in view while k is asked
        revealed = {names[id(s.node)] for s in steps[1:k]}
        for text in svg_edge_texts(frames[k - 1]):
            top = text[1:].split("/∂", 1)[0].strip("()")
            if "back:" in text:
                assert top in revealed, (k, text)
            else:
                assert text in NEURON_FORMULAS, (k, text)
    plain = player_html(steps)
    assert "quiz-frames" not in plain.split("<body", 1)[1][:120]
    assert "body[data-asking]:not(.quiz-frames) .frame g.edge text" in plain


# --- the playground's practise switch (its Python side) ------------------------------------------


def _playground():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "web"))
    try:
        import playground
    finally:
        sys.path.remove(str(ROOT / "web"))
    return playground


def test_the_playground_practises_with_formulas_and_reveals_step_by_step() -> None:
    playground = _playground()
    code = (ROOT / "web" / "examples" / "neuron.py").read_text(encoding="utf-8")
    out = json.loads(playground.run(code, practise=True))
    assert out["practise"] and out["steps"]["count"] == 6
    dot = out["graph"]["dot"]
    assert set(edge_labels(dot)) == NEURON_FORMULAS
    assert "grad" not in dot.replace("|grad|", "")       # no gradient in any box
    first = json.loads(playground.frame(0))
    assert set(edge_labels(first["dot"])) == NEURON_FORMULAS
    second = json.loads(playground.frame(1))             # step 1 revealed: o sent back
    assert [x for x in edge_labels(second["dot"]) if x not in NEURON_FORMULAS] == [
        "∂o/∂n = 1 - tanh(n)**2 = 0.5 | back: 1 × 0.5 = 0.5"]      # 1 - (1/sqrt 2)**2
    normal = json.loads(playground.run(code))            # not practising: all the numbers
    assert "∂(x1*w1)/∂x1 = w1 = -3" in " ".join(edge_labels(json.loads(
        playground.frame(0))["dot"]))
    assert not normal["practise"]


@pytest.mark.needs_program("dot")
@pytest.mark.needs_program("chromium")
def test_a_page_made_without_answer_mode_hides_the_edge_labels_while_asking(
        tmp_path: Path) -> None:
    """The quiz can be switched on in any page; where the frames were drawn with numbers,
    the edges' labels are hidden while a question is open (looked at in chromium)."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import chromium
    finally:
        sys.path.remove(str(ROOT / "tools"))
    path = backward_steps(lecture_neuron()).save_html(tmp_path / "player.html")
    shown = ("[...document.querySelectorAll('.frame:not([hidden]) g.edge text')]"
             ".map(t => getComputedStyle(t).visibility)")
    with chromium.Browser() as browser:
        page = browser.open(path.as_uri() + "#answer&clicks=1")
        page.wait_for("document.body.getAttribute('data-asking') === '1'")
        assert page.eval("document.getElementById('prompt').textContent").startswith(
            "Step 1 takes o = tanh(n)")
        asking = page.eval(shown)
        assert len(asking) == 9 and set(asking) == {"hidden"}   # the neuron's nine edges
        page.eval("document.getElementById('skip').click()")     # reveal step 1
        page.wait_for("!document.body.hasAttribute('data-asking')")
        assert set(page.eval(shown)) == {"visible"}
        assert page.eval("document.body.dataset.step") == "1"
