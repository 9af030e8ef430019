"""Answer mode of the step-through player: the questions and their grading (against hand
derivations), the offline HTML page driven in headless chromium, and the widget."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest
from graphs import lecture_graph
from test_player import browser, dump_dom  # noqa: F401  (browser is a fixture)

from autograd_lite import Value
from autograd_lite.viz import backward_steps
from autograd_lite.viz.player import grade, player_html, questions


def lecture_questions() -> dict[int, list[dict[str, object]]]:
    L, _ = lecture_graph()
    return questions(backward_steps(L))


def test_each_step_asks_for_the_gradients_it_completes() -> None:
    asked = lecture_questions()
    # Step 1 takes L = d * f (d and f are done), step 2 d = e + c, step 3 e = a * b.
    assert {k: [(q["name"], q["expected"]) for q in qs] for k, qs in asked.items()} == {
        1: [("d", -2.0), ("f", 4.0)], 2: [("e", -2.0), ("c", -2.0)],
        3: [("a", 6.0), ("b", -4.0)]}
    assert asked[3][0]["d"] == "dL/da"
    assert asked[3][0]["step"] == ("dL/da = dL/de × ∂e/∂a = -2 × (-3) = 6, where e = a * b "
                                   "and ∂e/∂a = b = -3")


def test_a_fan_out_is_asked_once_at_its_last_use_and_constants_never() -> None:
    x = Value(2.0, label="x")
    y = x * 3.0                       # the 3 is a constant: not asked
    z = y.tanh() + y + x              # y used twice, x twice
    z.label = "z"
    asked = questions(backward_steps(z))
    names = [q["name"] for qs in asked.values() for q in qs]
    assert sorted(names) == sorted(["add1", "tanh1", "mul1", "x"])
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("typed", "verdict", "kind"), [
    (6.0, "right", ""), (6.02, "right", ""), (-4.0, "wrong", "own_value"),
    (-6.0, "wrong", "sign"), (-2.0, "wrong", "upstream_only"), (-3.0, "wrong", "local_only"),
    (12.0, "wrong", "accumulated"), (7.5, "wrong", "unknown")])
def test_grading_a_typed_answer(typed: float, verdict: str, kind: str) -> None:
    question = lecture_questions()[3][0]              # dL/da = dL/de * b = -2 * -3 = 6
    got = grade(question, typed)
    assert got[:2] == (verdict, kind)
    assert got[2].endswith("= 6, where e = a * b and ∂e/∂a = b = -3.")


@pytest.mark.needs_program("dot")
def test_the_page_carries_the_questions_safely() -> None:
    x = Value(2.0, label="</script><b>x")
    y = x * x
    y.label = "y"
    page = player_html(backward_steps(y), answer_mode=True)
    data = re.search(r'<script type="application/json" id="quiz-data">(.*?)</script>', page,
                     re.S)
    assert data is not None
    quiz = json.loads(data.group(1))
    assert quiz["questions"]["1"][0]["name"] == "</script><b>x"
    assert quiz["questions"]["1"][0]["expected"] == 4.0
    assert "</script><b>" not in data.group(1)      # inside the data block: <\/script>
    outside = page.replace(data.group(0), "")
    assert "<b>x" not in outside                    # escaped wherever it is shown
    assert 'id="answer-mode" checked' in page
    assert 'id="answer-mode" checked' not in player_html(backward_steps(y))


# --- in a real browser -------------------------------------------------------------------------


def lecture_page(tmp_path: Path) -> Path:
    L, _ = lecture_graph()
    return backward_steps(L).save_html(tmp_path / "answers.html", answer_mode=False)


def log(dom: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<li class="\w+" data-node="([^"]*)" data-verdict="(\w+)" '
                      r'data-mistake="(\w*)">', dom.split('id="log"', 1)[1])


def test_answer_mode_asks_before_revealing_a_step(browser: str, tmp_path: Path) -> None:  # noqa: F811
    page = lecture_page(tmp_path)
    dom = dump_dom(browser, page, "answer&clicks=1", tmp_path / "p0")
    body = re.search(r"<body[^>]*>", dom)
    assert body and 'data-step="0"' in body.group(0) and 'data-asking="1"' in body.group(0)
    assert re.search(r'<div id="quiz">', dom)                    # shown, not hidden
    prompt = re.search(r'<p id="prompt">([^<]*)</p>', dom)
    assert prompt and prompt.group(1) == ("Step 1 takes L = d * f, with dL/dL = 1. What "
                                          "gradients does it complete?")
    assert 'data-node="d"' in dom and 'data-node="f"' in dom      # one box each
    # without answer mode the same click just steps
    plain = dump_dom(browser, page, "clicks=1", tmp_path / "p1")
    opened = re.search(r"<body[^>]*>", plain)
    assert opened and 'data-step="1"' in opened.group(0) and "data-asking" not in opened.group(0)


def test_typed_answers_are_graded_offline_as_python_grades_them(browser: str,  # noqa: F811
                                                                tmp_path: Path) -> None:
    page = lecture_page(tmp_path)
    typed = {"d": -2.0, "f": 4.0, "e": -2.0, "c": 2.0, "a": -4.0, "b": -4.0}
    fragment = "answer&type=" + ",".join(f"{k}:{v:g}" for k, v in typed.items()) + "&clicks=3"
    dom = dump_dom(browser, page, fragment, tmp_path / "p2")
    body = re.search(r"<body[^>]*>", dom)
    assert body and 'data-step="3"' in body.group(0)
    assert 'data-right="4"' in body.group(0) and 'data-wrong="2"' in body.group(0)
    asked = {q["name"]: q for qs in lecture_questions().values() for q in qs}
    expected = [(name, *grade(asked[name], value)[:2]) for name, value in typed.items()]
    assert log(dom) == expected
    assert ("c", "wrong", "sign") in expected and ("a", "wrong", "own_value") in expected
    text = html.unescape(dom)
    assert "∂e/∂a is the other factor, b = -3, not a itself (a = 2)" in text


def test_step_again_skips_a_question(browser: str, tmp_path: Path) -> None:  # noqa: F811
    page = lecture_page(tmp_path)
    dom = dump_dom(browser, page, "answer&clicks=2", tmp_path / "p3")
    assert re.search(r'<body[^>]*data-step="1"', dom) and log(dom) == []


# --- the widget --------------------------------------------------------------------------------


@pytest.mark.needs_program("dot")
def test_widget_answer_mode_grades_and_reveals() -> None:
    ipywidgets = pytest.importorskip("ipywidgets")
    L, _ = lecture_graph()
    box = backward_steps(L).player(answer_mode=True)
    assert isinstance(box, ipywidgets.VBox)
    controls, caption, _view, prompt, row, feedback = box.children
    slider = controls.children[1]
    assert prompt.value == "Step 1 completes dL/dd, dL/df: your answers?"
    row.children[0].value = "-2, 5"
    box.on_check()
    assert slider.value == 1 and caption.value.startswith("step 1: L = d * f")
    assert "✓ dL/dd" in feedback.value and "✗ dL/df: You have 5; dL/df is 4." in feedback.value
    assert prompt.value == "Step 2 completes dL/de, dL/dc: your answers?"


@pytest.mark.needs_program("dot")
def test_without_ipywidgets_answer_mode_is_the_html_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    L, _ = lecture_graph()
    page = backward_steps(L).player(answer_mode=True)._repr_html_()
    assert page.startswith("<iframe srcdoc=") and "id=&quot;answer-mode&quot; checked" in page
