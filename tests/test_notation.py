"""Names after ∂ and d: micrograd's lecture labels nodes with expressions (``x1*w1``,
``x1*w1 + x2*w2``), and every text that writes a derivative brackets them.

The oracle is the notation itself: ``d(x1*w1)``, never ``dx1*w1`` (which reads as
``(dx1)*w1``). Each text is searched for the bare form after ``d`` or ``∂``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pytest

from autograd_lite import Value, check_answers, draw_dot, explain
from autograd_lite.notation import d_of
from autograd_lite.viz import backward_steps
from autograd_lite.viz.player import questions

ROOT = Path(__file__).resolve().parent.parent
OPERATOR_LABELS = ("x1*w1", "x2*w2", "x1*w1 + x2*w2")


def lecture_neuron() -> Value:
    """micrograd's lecture neuron with its labels: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def bare(text: str) -> list[str]:
    """Every place ``text`` writes d or ∂ right before an operator label, unbracketed."""
    found = []
    for label in OPERATOR_LABELS:
        for m in re.finditer(r"(?<![A-Za-z0-9_])[d∂]" + re.escape(label), text):
            found.append(text[max(0, m.start() - 20): m.end() + 5])
    return found


@pytest.mark.parametrize(("name", "shown"), [
    ("w1", "w1"), ("x_2", "x_2"), ("L", "L"), ("3", "3"), ("0.5", "0.5"), ("1e-3", "1e-3"),
    ("x1*w1", "(x1*w1)"), ("x1*w1 + x2*w2", "(x1*w1 + x2*w2)"), ("-3", "(-3)"),
    ("a b", "(a b)"), ("y[0]", "(y[0])")])
def test_d_of_brackets_anything_but_a_plain_name_or_number(name: str, shown: str) -> None:
    assert d_of(name) == shown


def test_d_of_refuses_what_is_not_a_name() -> None:
    with pytest.raises(TypeError, match=r"d_of: name must be a str, got None"):
        d_of(None)  # type: ignore[arg-type]


def test_the_transcript_brackets_the_lecture_labels() -> None:
    text = str(explain(lecture_neuron()))
    assert not bare(text), bare(text)
    assert "do/d(x1*w1) = do/d(x1*w1 + x2*w2) * d(x1*w1 + x2*w2)/d(x1*w1)" in text
    assert "do/dx1 = do/d(x1*w1) * d(x1*w1)/dx1" in text
    markdown = explain(lecture_neuron())._repr_markdown_()
    assert not bare(markdown), bare(markdown)


def test_the_pictures_bracket_the_lecture_labels() -> None:
    o = lecture_neuron()
    o.backward()
    source = draw_dot(o).source
    assert not bare(source), bare(source)
    assert "∂(x1*w1)/∂x1 = w1" in source
    assert "∂(x1*w1 + x2*w2)/∂(x1*w1) = 1" in source
    captions = "\n".join(step.text for step in backward_steps(o))
    assert not bare(captions), bare(captions)
    assert "do/d(x1*w1 + x2*w2) = 0.5" in captions


def test_diagnoses_and_the_player_bracket_the_lecture_labels() -> None:
    o = lecture_neuron()
    n = 2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432
    do_dn = 1 - math.tanh(n) ** 2                  # by hand: tanh' = 1 - tanh**2
    # dx1: the own value x1 = 2 instead of w1 (own_value); d(x1*w1): the sign flipped.
    own = check_answers(o, {"x1": do_dn * 2.0, "x1*w1": do_dn})
    sign = check_answers(o, {"x1*w1": -do_dn, "x1*w1 + x2*w2": do_dn})
    for report in (own, sign):
        text = str(report) + report._repr_html_() + report._repr_markdown_()
        assert not bare(text), bare(text)
    assert own["x1"].mistake == "own_value" and sign["x1*w1"].mistake == "sign"
    assert "∂(x1*w1)/∂x1 is the other factor" in own["x1"].diagnosis
    assert "dx1 = do/d(x1*w1) × ∂(x1*w1)/∂x1" in own["x1"].diagnosis
    assert f"do/d(x1*w1) is {do_dn:.4g}" in sign["x1*w1"].diagnosis
    asked = questions(backward_steps(o))
    shown = json.dumps(asked, ensure_ascii=False)
    assert not bare(shown), bare(shown)
    assert {q["d"] for qs in asked.values() for q in qs} >= {"do/d(x1*w1)", "do/d(x2*w2)",
                                                             "do/d(x1*w1 + x2*w2)"}


def test_a_formula_for_a_bracketed_name_puts_it_in_brackets_as_an_operand() -> None:
    """The tanh slip of the diagnosis writes ``1 - (x1*w1)**2``, not ``1 - x1*w1**2``."""
    x1, w1 = Value(0.5, label="x1"), Value(0.8, label="w1")
    p = x1 * w1
    p.label = "x1*w1"
    o = p.tanh()
    o.label = "o"
    z = 0.5 * 0.8
    slip = 1 - z ** 2                              # the input squared, not the output
    report = check_answers(o, {"x1*w1": slip})
    assert report["x1*w1"].mistake == "tanh_input"
    assert f"(1 - (x1*w1)**2 = {slip:.4g})" in report["x1*w1"].diagnosis


def test_the_playground_labels_its_answer_rows_with_brackets() -> None:
    sys.path.insert(0, str(ROOT / "web"))
    try:
        import playground
    finally:
        sys.path.remove(str(ROOT / "web"))
    code = (ROOT / "web" / "examples" / "neuron.py").read_text(encoding="utf-8")
    out = json.loads(playground.run(code))
    labels = {row["name"]: row["d"] for row in out["rows"]["rows"]}
    assert labels["x1*w1"] == "do/d(x1*w1)"
    assert labels["x1*w1 + x2*w2"] == "do/d(x1*w1 + x2*w2)"
    assert labels["x1"] == "do/dx1"
    assert "row.d" in (ROOT / "web" / "app.js").read_text(encoding="utf-8")


@pytest.mark.parametrize(("c", "shown"), [
    (2, "2 * f"), (3, "3 * f**2"), (0.5, "0.5 * f**(-0.5)"), (-1, "(-1) * f**(-2)"),
    (1.5, "1.5 * f**0.5")])
def test_the_power_rule_is_written_with_its_exponent_worked_out(c: float, shown: str) -> None:
    """d(f**c)/df = c * f**(c-1), with c - 1 worked out by hand, in the transcript and on
    the picture's edge; the value is the power rule's, by hand."""
    f = Value(1.5, label="f")
    L = f ** c
    L.label = "L"
    step = explain(L).steps[1]
    assert step.terms[0].local_formula == shown
    assert math.isclose(step.grad, c * 1.5 ** (c - 1))
    L.backward()
    assert f"∂L/∂f = {shown} = " in draw_dot(L).source
