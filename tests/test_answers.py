"""check_answers: hand-derived gradients graded node by node.

Every classic mistake is built by hand and the report must name the node where it was made
and the mistake; expected values come from hand derivations, Python's math and central
differences of an independent little interpreter (never from the engine's own output);
hypothesis checks that on random graphs right answers always pass and a perturbed answer is
always caught at its own node.
"""

from __future__ import annotations

import html
import math
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from graphs import lecture_graph
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, topological_order
from autograd_lite.answers import NodeResult, check_answers, replay
from autograd_lite.mistakes import KINDS

HAND = {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}
"""The lecture's L = (a*b + c) * f at a=2, b=-3, c=10, f=-2, by hand: dL/dd = f, dL/df = d =
a*b + c = 4, dL/de = dL/dc = dL/dd, dL/da = dL/de * b, dL/db = dL/de * a."""


def lecture_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = dict(HAND)
    answers.update(changes)
    return answers


def only_wrong(report: Any) -> list[tuple[str, str, bool]]:
    return [(r.name, r.mistake, r.origin) for r in report.results if r.verdict == "wrong"]


# --- independent oracle: a tiny interpreter and central differences -----------------------------

_MATH: dict[str, Callable[..., float]] = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "neg": lambda x: -x, "tanh": math.tanh, "exp": math.exp,
    "sin": math.sin, "cos": math.cos, "log": math.log, "sqrt": math.sqrt,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
}


def evaluate(root: Value, override: dict[int, float]) -> float:
    """root's value with some nodes' values replaced (their inputs ignored): Python's math."""
    value: dict[int, float] = {}
    for node in topological_order(root):
        if id(node) in override:
            value[id(node)] = override[id(node)]
        elif node.is_leaf:
            value[id(node)] = node.data
        elif node.op == "powc":
            value[id(node)] = value[id(node.parents[0])] ** node.param
        else:
            value[id(node)] = _MATH[node.op](*(value[id(p)] for p in node.parents))
    return value[id(root)]


def central(root: Value, node: Value, h: float = 1e-6) -> float:
    """d(root)/d(node) by central differences, moving the node's value alone."""
    step = h * max(1.0, abs(node.data))
    up = evaluate(root, {id(node): node.data + step})
    down = evaluate(root, {id(node): node.data - step})
    return (up - down) / (2 * step)


# --- the lecture, by hand --------------------------------------------------------------------


def test_right_hand_answers_pass_and_the_report_follows_backward_order() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, lecture_answers())
    assert report.passed and bool(report) and report.first_wrong is None
    assert [r.name for r in report.results] == ["L", "d", "e", "a", "b", "c", "f"]
    assert {r.name: r.expected for r in report.results} == HAND
    assert all(r.verdict == "right" and r.diagnosis == "" for r in report.results)


def test_results_contract_for_the_playground() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"a": -4, "d": "f"})
    for r in report.results:
        assert isinstance(r, NodeResult)
        assert isinstance(r.name, str) and r.verdict in ("right", "wrong", "unanswered")
        assert isinstance(r.expected, float) and isinstance(r.diagnosis, str)
    by = {r.name: r for r in report.results}
    assert (by["a"].answer, by["a"].verdict) == (-4, "wrong") and by["a"].diagnosis
    assert (by["d"].answer, by["d"].value, by["d"].verdict) == ("f", -2.0, "right")
    assert (by["e"].answer, by["e"].verdict, by["e"].diagnosis) == (None, "unanswered", "")


def test_unanswered_nodes_are_neither_right_nor_wrong() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"a": 6.0})
    assert report.passed and len(report.answered) == 1
    assert sum(r.verdict == "unanswered" for r in report.results) == 6
    empty = check_answers(L, {})
    assert not empty.passed and empty.first_wrong is None
    assert "nothing to grade" in str(empty)


# --- each classic mistake, built by hand --------------------------------------------------------


def test_own_value_instead_of_the_other_factor() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, lecture_answers(a=-4.0))   # dL/de * a instead of * b
    assert report.first_wrong == "a"
    assert only_wrong(report) == [("a", "own_value", True)]
    text = report["a"].diagnosis
    assert "∂e/∂a is the other factor, b = -3, not a itself (a = 2)" in text
    assert "dL/da = dL/de × ∂e/∂a = -2 × (-3) = 6" in text


def test_local_derivative_without_the_upstream_gradient() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, lecture_answers(a=-3.0))   # just ∂e/∂a = b
    assert only_wrong(report) == [("a", "local_only", True)]
    assert "local derivative ∂e/∂a = b = -3 alone" in report["a"].diagnosis
    assert "dL/de = -2" in report["a"].diagnosis


def test_upstream_gradient_without_the_local_derivative_the_issue_example() -> None:
    # L = tanh(w*x + b)**2 at w=0.5, x=2, b=-0.3; by hand dL/dw = 2 tanh(z)(1 - tanh(z)^2) x.
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-0.3, label="b")
    wx = w * x
    wx.label = "wx"
    L = (wx + b).tanh() ** 2
    L.label = "L"
    t = math.tanh(0.7)
    dz = 2 * t * (1 - t * t)
    assert round(dz * 2.0, 3) == 1.534 and round(dz, 3) == 0.767
    report = check_answers(L, {"w": 0.767})              # the factor x forgotten
    assert report.first_wrong == "w"
    assert only_wrong(report) == [("w", "upstream_only", True)]
    text = report["w"].diagnosis
    assert "You have 0.767; dL/dw is 1.534" in text
    assert "∂wx/∂w = x = 2" in text
    assert report.results[0].name == "L" and report["w"].expected == pytest.approx(2 * dz)


def test_sign_error_and_what_follows_from_it() -> None:
    L, _ = lecture_graph()
    # e wrong (+2), then a and b computed correctly from that wrong e: carried, not new.
    report = check_answers(L, lecture_answers(e=2.0, a=-6.0, b=4.0))
    assert report.first_wrong == "e"
    assert only_wrong(report) == [("e", "sign", True), ("a", "carried", False),
                                  ("b", "carried", False)]
    assert [r.name for r in report.mistakes] == ["e"]
    assert "from your dL/de = 2, which is wrong (see e)" in report["a"].diagnosis


def test_a_mistake_carried_through_unanswered_nodes_is_traced_to_its_origin() -> None:
    L, _ = lecture_graph()
    # d wrong (+2); e unanswered, so a learner who went on from d has dL/de = 2 and a = -6.
    report = check_answers(L, {"d": 2.0, "a": -6.0, "b": -4.0})
    assert report.first_wrong == "d"
    assert only_wrong(report) == [("d", "sign", True), ("a", "carried", False)]
    assert report["e"].verdict == "unanswered" and report["b"].verdict == "right"
    assert ("starts from your dL/de = 2, which is wrong (it follows from your answer at d)"
            in report["a"].diagnosis)


def test_sign_error_names_the_negative_local_derivative() -> None:
    a, b = Value(3.0, label="a"), Value(5.0, label="b")
    L = (a - b) * 2.0
    L.label = "L"
    report = check_answers(L, {"a": 2.0, "b": 2.0})      # dL/db = -2 by hand
    assert only_wrong(report) == [("b", "sign", True)]
    assert "is negative, in sub1 = a - b" in report["b"].diagnosis


def test_missing_sum_over_a_fan_out() -> None:
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    k = Value(-2.0, label="k")
    L = b * k
    L.label = "L"
    # By hand: dL/db = k = -2, dL/da = 2k = -4; the learner counts one use of a.
    report = check_answers(L, {"L": 1, "b": -2, "k": 6, "a": -2})
    assert report.first_wrong == "a"
    assert only_wrong(report) == [("a", "missing_sum", True)]
    text = report["a"].diagnosis
    assert "a is used 2 times (twice in b = a + a)" in text and "= -4" in text


def test_missing_sum_over_two_different_consumers() -> None:
    x = Value(2.0, label="x")
    y = Value(5.0, label="y")
    p = x * y
    p.label = "p"
    s = x + 1.0
    s.label = "s"
    L = p + s
    L.label = "L"
    # dL/dx = y + 1 = 6 by hand; only the path through p gives 5.
    report = check_answers(L, {"x": 5.0})
    assert only_wrong(report) == [("x", "missing_sum", True)]
    # the uses in the order backward adds them: the one made last first
    assert "in s = x + 1 and in p = x * y" in report["x"].diagnosis


@pytest.mark.parametrize(("answer", "wrong"), [(4.0 * 1.5, "x**2 without the factor 3"),
                                               (3 * 8.0 * 1.5, "not 3*x**3")])
def test_power_rule_off_by_a_factor(answer: float, wrong: str) -> None:
    x = Value(2.0, label="x")
    y = x ** 3
    y.label = "y"
    L = y * Value(1.5, label="s")
    L.label = "L"
    report = check_answers(L, {"x": answer})              # by hand 1.5 * 3 * 2**2 = 18
    assert report["x"].expected == 18.0
    assert only_wrong(report) == [("x", "power_rule", True)]
    assert wrong in report["x"].diagnosis


def test_power_rule_of_a_square_root_and_of_a_quotient() -> None:
    x = Value(4.0, label="x")
    r = x.sqrt()
    r.label = "r"
    report = check_answers(r, {"x": 0.5})                # 1/sqrt(4), not 1/(2*sqrt(4))
    assert only_wrong(report) == [("x", "power_rule", True)]
    a, b = Value(3.0, label="a"), Value(2.0, label="b")
    q = a / b
    q.label = "q"
    report = check_answers(q, {"b": -1.5})               # -a/b, not -a/b**2 = -0.75
    assert report["b"].expected == -0.75
    assert only_wrong(report) == [("b", "power_rule", True)]


def test_tanh_derivative_written_with_the_input() -> None:
    n = Value(0.8814, label="n")
    o = n.tanh()
    o.label = "o"
    report = check_answers(o, {"n": 1 - 0.8814 ** 2})
    assert only_wrong(report) == [("n", "tanh_input", True)]
    text = report["n"].diagnosis
    assert "1 - tanh(n)**2 = 1 - o**2" in text and "not the input n = 0.8814" in text
    formula = check_answers(o, {"n": "1 - n**2"})        # the same slip as a formula
    assert only_wrong(formula) == [("n", "tanh_input", True)]
    assert check_answers(o, {"n": "1 - o**2"}).passed
    assert check_answers(o, {"n": "1 - tanh(n)^2"}).passed


def test_a_slip_in_a_step_left_unanswered_is_found_below_it() -> None:
    # Only dL/dw is answered, computed with 1 - z**2 for tanh'(z): the slip is at z's step.
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-0.3, label="b")
    wx = w * x
    wx.label = "wx"
    z = wx + b
    z.label = "z"
    L = z.tanh() ** 2
    L.label = "L"
    t = math.tanh(0.7)
    report = check_answers(L, {"w": 2 * t * (1 - 0.7 ** 2) * 2.0})
    assert only_wrong(report) == [("w", "tanh_input", True)]
    text = report["w"].diagnosis
    assert "fits a slip at z, which you did not write down" in text
    assert "Carried on to w: dL/dw = dL/dwx × ∂wx/∂w = 0.7672 × 2 = 1.534" in text


def test_sigmoid_derivative_written_with_the_input() -> None:
    z = Value(0.5, label="z")
    h = z.sigmoid()
    h.label = "h"
    report = check_answers(h, {"z": 0.5 * (1 - 0.5)})
    assert only_wrong(report) == [("z", "sigmoid_input", True)]


def test_gradient_accumulated_from_an_earlier_backward() -> None:
    L, v = lecture_graph()
    L.backward()
    L.backward()                                          # forgot zero_grad: leaves doubled
    before = {k: n.grad for k, n in v.items()}
    report = check_answers(L)
    assert {k: n.grad for k, n in v.items()} == before   # grading changed no .grad
    assert report.first_wrong == "a"
    assert {r.name: r.mistake for r in report.wrong} == dict.fromkeys("abcf", "accumulated")
    assert "2 times the right value" in report["a"].diagnosis


def test_an_unknown_mistake_still_gets_the_correct_step_in_numbers() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, lecture_answers(a=7.5))
    assert only_wrong(report) == [("a", "unknown", True)]
    assert report["a"].diagnosis == ("You have 7.5; dL/da is 6. Correct step: dL/da = dL/de × "
                                     "∂e/∂a = -2 × (-3) = 6, where e = a * b and ∂e/∂a = b = -3.")


def test_the_seed_is_one() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"L": 0.5})
    assert only_wrong(report) == [("L", "seed", True)]


# --- manual backpropagation on .grad ---------------------------------------------------------


def test_grades_grad_set_by_hand_without_changing_it() -> None:
    L, v = lecture_graph()
    L.grad = 1.0
    v["d"].grad, v["f"].grad = -2.0, 4.0
    v["e"].grad, v["c"].grad = -2.0, -2.0
    v["a"].grad, v["b"].grad = -2.0 * 2.0, -2.0 * 2.0    # a: own value (a) instead of b
    before = {k: n.grad for k, n in v.items()}
    report = check_answers(L)
    assert {k: n.grad for k, n in v.items()} == before
    assert report.first_wrong == "a" and report["a"].mistake == "own_value"
    assert report["b"].verdict == "right"


def test_a_zero_grad_is_not_an_answer() -> None:
    L, v = lecture_graph()
    v["f"].grad = 4.0
    report = check_answers(L)
    assert report.passed and [r.name for r in report.answered] == ["f"]


# --- formulas and callables ----------------------------------------------------------------------


def test_formulas_in_the_graphs_names_are_checked_at_several_points() -> None:
    L, _ = lecture_graph()
    hand = {"L": "1", "d": "f", "f": "d", "e": "f", "c": "f", "a": "b*f", "b": "a*f"}
    report = check_answers(L, hand)
    assert report.passed and len(report.points) == 3
    for point in report.points:      # other points move every labelled leaf
        assert set(point) == {"a", "b", "c", "f"}


def test_a_formula_right_at_one_point_only_is_wrong_and_the_point_is_shown() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"a": "-2*b"})             # dL/de = -2 written as a number
    r = report["a"]
    assert r.verdict == "wrong" and r.value == 6.0 and r.point is not None
    assert report.first_wrong == "a"
    assert r.diagnosis.startswith("Right at the graph's values, but not in general: at a = ")
    f = r.point["f"]
    assert f != -2.0 and f"f = {f:.4g}" in r.diagnosis
    # moving f alone breaks it (the -2 stands for dL/de = f); moving a, b or c does not
    assert r.diagnosis.endswith("Moving f alone already breaks it: the formula does not "
                                "follow how dL/da depends on f.")


def test_e_in_a_formula_is_the_node_e_when_there_is_one() -> None:
    L, _ = lecture_graph()          # the lecture names a*b "e"
    assert check_answers(L, {"f": "e + c"}).passed
    x = Value(1.0, label="x")
    y = x.exp()
    y.label = "y"
    assert check_answers(y, {"x": "e**x"}).passed        # no node e: Euler's number


def test_callables_take_node_names() -> None:
    L, _ = lecture_graph()
    assert check_answers(L, {"a": lambda b, f: b * f, "b": lambda **v: v["a"] * v["f"]}).passed
    report = check_answers(L, {"a": lambda b: b * -2.0})
    assert report["a"].verdict == "wrong" and report["a"].point is not None
    with pytest.raises(ValueError, match=r"asks for q, which the graph does not have"):
        check_answers(L, {"a": lambda q: q})


def test_a_formula_with_no_value_is_wrong_and_says_why() -> None:
    x = Value(-2.0, label="x")
    y = x * x
    y.label = "y"
    report = check_answers(y, {"x": "log(x)"})
    assert report["x"].mistake == "not_evaluable" and "log needs x > 0" in report["x"].diagnosis


def test_other_points_stay_on_the_same_piece_of_relu() -> None:
    w, x = Value(1.5, label="w"), Value(2.0, label="x")
    h = (w * x - 1.0).relu()
    h.label = "h"
    # Where relu is on, dh/dw = x; a point that switched it off would call this wrong.
    report = check_answers(h, {"w": "x"}, points=8)
    assert report.passed and len(report.points) == 8


def test_other_points_are_reproducible_and_depend_on_the_seed() -> None:
    L, _ = lecture_graph()
    first = check_answers(L, {"a": "b*f"}, seed=1).points
    assert first == check_answers(L, {"a": "b*f"}, seed=1).points
    assert first != check_answers(L, {"a": "b*f"}, seed=2).points
    state = random.getstate()
    check_answers(L, {"a": "b*f"})
    assert random.getstate() == state                    # a private generator


# --- tolerances ------------------------------------------------------------------------------


def test_hand_rounding_to_three_digits_passes_and_tolerances_are_configurable() -> None:
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    L = (w * x - 0.3).tanh() ** 2
    L.label = "L"
    t = math.tanh(0.7)
    exact = 2 * t * (1 - t * t) * 2.0
    assert check_answers(L, {"w": float(f"{exact:.3g}")}).passed   # 1.53
    assert not check_answers(L, {"w": float(f"{exact:.3g}")}, rtol=1e-4).passed
    assert check_answers(L, {"w": 1.6}, rtol=0.05).passed
    with pytest.raises(ValueError, match="rtol must be a finite number >= 0"):
        check_answers(L, {}, rtol=-1)


# --- bad input -------------------------------------------------------------------------------


def test_bad_answers_are_refused_with_the_node_named() -> None:
    L, v = lecture_graph()
    for text, why in (("b.__class__", r"attribute access \(\.__class__\) is not allowed"),
                      ("q*2", r"unknown name 'q'")):
        row = check_answers(L, {"a": text})["a"]   # refused, in its own row: never evaluated
        assert (row.verdict, row.mistake, row.value) == ("wrong", "unreadable", None)
        assert re.search(rf"cannot be read as a formula: formula '{re.escape(text)}': {why}",
                         row.diagnosis), row.diagnosis
    with pytest.raises(ValueError, match=r"no node is named 'zz'; the names are L, d, e"):
        check_answers(L, {"zz": 1.0})
    with pytest.raises(ValueError, match="does not depend on"):
        check_answers(L, {Value(1.0): 1.0})
    with pytest.raises(TypeError, match="answer for a must be a number"):
        check_answers(L, {"a": True})
    for bad, shown in ((math.nan, "nan"), (-math.inf, "-inf"), (10**400, "(401 characters)")):
        report = check_answers(L, {"a": bad, "b": -4.0})   # its own row only, as a formula's
        row = report["a"]
        assert (row.verdict, row.mistake, row.value) == ("wrong", "not_evaluable", None)
        assert f"the answer for a is {shown}" in row.diagnosis or shown in row.diagnosis
        assert "give a finite number" in row.diagnosis
        assert report["b"].verdict in ("right", "wrong") and report["b"].mistake != "unreadable"
    L.grad, v["a"].grad = 1.0, math.inf                    # a .grad set by hand, the same
    assert check_answers(L)["a"].mistake == "not_evaluable"
    L.grad, v["a"].grad = 0.0, 0.0
    with pytest.raises(ValueError, match="two answers for a"):
        check_answers(L, {"a": 6.0, v["a"]: 6.0})
    with pytest.raises(TypeError, match="root must be a Value"):
        check_answers(3.0, {})  # type: ignore[arg-type]


def test_blanks_are_unanswered_and_a_constant_formula_with_no_value_is_wrong() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"a": None, "b": "  ", "c": "-2"})
    assert report.passed and [r.name for r in report.answered] == ["c"]
    row = check_answers(L, {"a": "1/0", "b": "a*f"})["a"]     # its own row only
    assert (row.verdict, row.mistake) == ("wrong", "not_evaluable")
    assert "formula '1/0' has no value here: division by zero" in row.diagnosis


BAD_FORMULAS = [("b *", "unreadable", "cannot read it"), ("q*2", "unreadable", "unknown name 'q'"),
                ("b.__class__", "unreadable", "attribute access"),
                ("__import__('os')", "unreadable", "'__import__' is not allowed"),
                ("2b", "unreadable", "write products with \\*"),
                ("nan", "unreadable", "unknown name 'nan'"),
                ("1e400", "unreadable", "too large for a float"),
                ("1/0", "not_evaluable", "division by zero"),
                ("log(-1)", "not_evaluable", "no value here")]


@pytest.mark.parametrize(("bad", "kind", "why"), BAD_FORMULAS)
def test_a_formula_that_cannot_be_graded_spoils_only_its_own_row(bad: str, kind: str,
                                                                 why: str) -> None:
    """Every other row is graded exactly as without the bad one (by hand: dL/dd = f = -2,
    dL/de = -2, dL/db = a*f = -4; the answer -4 for a is b instead of the factor b*f)."""
    L, _ = lecture_graph()
    others = {"d": "f", "e": -2, "b": "a*f", "a": -4}
    alone = check_answers(L, others)
    report = check_answers(L, {**others, "c": bad})
    row = report["c"]
    assert (row.verdict, row.mistake, row.answer, row.value) == ("wrong", kind, bad, None)
    assert re.search(why, row.diagnosis), row.diagnosis
    assert row.expected == -2.0                                  # dL/dc = f, by hand
    for name in others:
        assert (report[name].verdict, report[name].mistake, report[name].diagnosis) == (
            alone[name].verdict, alone[name].mistake, alone[name].diagnosis), name
    assert [report[n].verdict for n in ("d", "e", "b", "a")] == ["right", "right", "right",
                                                                 "wrong"]
    assert report["a"].mistake == "own_value" and not report.passed
    assert report.first_wrong in ("c", "a")            # both are where a mistake was made
    assert "c" in str(report) and bad in str(report)


def test_a_callable_that_raises_spoils_only_its_own_row() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"a": lambda b, f: undefined_name * b,  # type: ignore[name-defined]  # noqa: F821
                               "b": lambda a, f: a * f})
    assert report["b"].verdict == "right"                         # dL/db = a*f, by hand
    assert (report["a"].verdict, report["a"].mistake) == ("wrong", "not_evaluable")
    assert "your function raised NameError" in report["a"].diagnosis


@pytest.mark.parametrize(("settings", "error", "message"), [
    ({"seed": "x"}, TypeError, "check_answers: seed must be an int, got 'x' of type str"),
    ({"seed": 1.5}, TypeError, "check_answers: seed must be an int, got 1.5"),
    ({"seed": True}, TypeError, "check_answers: seed must be an int, got True"),
    ({"points": "3"}, TypeError, "check_answers: points must be an int, got '3'"),
    ({"points": -1}, ValueError, "check_answers: points must be from 0 to 100, got -1"),
    ({"points": 10**9}, ValueError, "check_answers: points must be from 0 to 100, got "
                                    "1000000000"),
    ({"rtol": "0.01"}, TypeError, "check_answers: rtol must be a number, got '0.01'"),
    ({"atol": math.inf}, ValueError, "check_answers: atol must be a finite number >= 0, "
                                     "got inf"),
    ({"rtol": 10**400}, ValueError, "check_answers: rtol must be a finite number >= 0, got "
                                    "10000000000")])
def test_arguments_are_checked_naming_the_argument_and_the_value(
        settings: dict[str, Any], error: type[Exception], message: str) -> None:
    L, _ = lecture_graph()
    with pytest.raises(error, match=re.escape(message)):
        check_answers(L, {"a": 6.0}, **settings)


def test_a_number_too_large_for_a_float_is_refused_naming_it() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"a": 10**400})
    assert re.search(r"the answer for a is 1000000000\d*\.\.\. \(401 characters\), too large "
                     r"for a float", report["a"].diagnosis)
    assert max(len(line) for line in str(report).splitlines()[:6]) < 100  # the table stays narrow
    with pytest.raises(TypeError, match=r"check_answers: root must be a Value, got 'L' of "
                                        r"type str"):
        check_answers("L", {})  # type: ignore[arg-type]


def test_a_shared_label_must_be_disambiguated() -> None:
    w1, w2 = Value(2.0, label="w"), Value(3.0, label="w")
    L = w1 * w2
    with pytest.raises(ValueError, match=r"the label 'w' names 2 nodes \(w, w_2\)"):
        check_answers(L, {"w": 3.0})
    assert check_answers(L, {w1: 3.0, "w_2": 2.0, "L": 1}).passed


def test_big_graphs_show_the_answered_rows_only() -> None:
    from autograd_lite.nn import MLP

    model = MLP(3, [4, 4, 1], activation="tanh", seed=0)
    y = model([1.0, -2.0, 0.5])
    y.label = "y"
    loss = (y - 1.0) ** 2
    report = check_answers(loss, {"y": "2*(y - 1)"})
    assert report.passed and len(report.results) > 30
    text = str(report)
    assert "the one answer given is right" in text
    assert f"({len(report.results) - 2} unanswered nodes not shown" in text
    assert len(text.splitlines()) == 5                   # headline, header, L, y, note


def test_unlabelled_nodes_go_by_their_automatic_names() -> None:
    a = Value(2.0, label="a")
    L = (a * 3.0).tanh()
    report = check_answers(L, {"mul1": 1 - math.tanh(6.0) ** 2})
    assert report.passed and [r.name for r in report.results][:2] == ["L", "mul1"]


# --- displays --------------------------------------------------------------------------------


def test_text_markdown_and_html_name_the_mistake_and_escape_labels() -> None:
    x = Value(2.0, label="<x|*>")
    y = Value(3.0, label="y")
    L = x * y
    L.label = "L"
    report = check_answers(L, {x: 2.0, "y": 2.0})        # dL/dx = y = 3
    text = str(report)
    assert "mistake was made at <x|*>" in text and "<- mistake made here" in text
    page = report._repr_html_()
    assert "<x|*>" not in page and html.escape("<x|*>") in page and "<table" in page
    md = report._repr_markdown_()
    assert "<x" not in md and "\\|" in md and "| --- | --- | --- | --- |" in md


def test_the_picture_marks_right_wrong_and_where_the_mistake_was_made() -> None:
    L, _ = lecture_graph()
    report = check_answers(L, {"L": 1, "d": -2, "e": 2, "a": -6})
    src = report.draw().source
    boxes = {line.split("<b>")[1].split("</b>")[0]: line for line in src.splitlines()
             if "<b>" in line and "label=<<table" in line and "answers_legend" not in line}
    assert 'fillcolor="#c7e9c0"' in boxes["d"] and "grad -2 ✓" in boxes["d"]
    assert 'penwidth="4"' in boxes["e"] and "mistake made here" in boxes["e"]
    assert "carried from above" in boxes["a"] and 'penwidth="2"' in boxes["a"]
    assert "not answered" in boxes["b"] and "dashed" in boxes["b"]
    red = [line for line in src.splitlines() if "->" in line and "#cb181d" in line]
    assert len(red) == 1                                  # e -> the + that makes d


# --- the replay --------------------------------------------------------------------------------


def test_replay_recomputes_every_node_with_new_leaf_values() -> None:
    L, v = lecture_graph()
    made = replay(L, {v["a"]: 1.5, v["f"]: 3.0})
    assert made[id(L)].data == (1.5 * -3.0 + 10.0) * 3.0   # by hand
    assert made[id(v["e"])].label == "e" and L.data == -8.0


# --- random graphs ---------------------------------------------------------------------------

_OPS: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b,
    "tanh": lambda a, b: a.tanh(), "sin": lambda a, b: a.sin(), "square": lambda a, b: a ** 2,
    "sigmoid": lambda a, b: a.sigmoid(), "div": lambda a, b: a / (b * b + 1.0),
}


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """Small random graphs with shared sub-expressions; leaves labelled x0..x2."""
    pool = [Value(draw(st.floats(-2, 2, allow_nan=False)), label=f"x{i}") for i in range(3)]
    for _ in range(draw(st.integers(1, 8))):
        op = _OPS[draw(st.sampled_from(sorted(_OPS)))]
        a = pool[draw(st.integers(0, len(pool) - 1))]
        b = pool[draw(st.integers(0, len(pool) - 1))]
        out = op(a, b)
        pool.append(out.tanh() if abs(out.data) > 10 else out)
    return pool[-1]


@given(graphs())
def test_right_answers_from_central_differences_always_pass(root: Value) -> None:
    order = topological_order(root)
    answers = {node: central(root, node) for node in order if node is not root}
    answers[root] = 1.0
    report = check_answers(root, answers)
    assert report.passed, str(report)
    for r in report.results:  # and the expected values are the central differences
        assert r.expected == pytest.approx(answers[r.node], rel=1e-5, abs=1e-6)


@given(graphs(), st.data())
def test_a_perturbed_answer_is_caught_at_its_own_node(root: Value, data: st.DataObject) -> None:
    order = [n for n in reversed(topological_order(root))]
    report = check_answers(root, {})
    exact = {id(r.node): r.expected for r in report.results}
    target = data.draw(st.sampled_from(order))
    given_ = [n for n in order if n is target or data.draw(st.booleans())]
    size = data.draw(st.floats(0.05, 3.0)) * data.draw(st.sampled_from((-1.0, 1.0)))
    wrong = exact[id(target)] + size * max(1.0, abs(exact[id(target)]))
    answers = {n: (wrong if n is target else exact[id(n)]) for n in given_}
    report = check_answers(root, answers)
    name = report[target].name
    assert report.first_wrong == name
    assert [r.name for r in report.wrong] == [name] and report[target].origin
    assert report[target].diagnosis.startswith("You have ")


@given(graphs(), st.data())
@settings(max_examples=40)
def test_a_named_mistake_predicts_the_answer_given(root: Value, data: st.DataObject) -> None:
    """Build a classic mistake at a random node: whatever kind the report names, its own
    model gives the answer, and the correct step's number is the true gradient."""
    from autograd_lite import explain
    from autograd_lite.mistakes import candidates

    t = explain(root)
    nodes = {s.name: s.node for s in t}
    steps = [s for s in t.steps if s.terms]
    assume(steps)
    step = data.draw(st.sampled_from(steps))
    found = candidates(step, nodes)
    assume(found)
    made = data.draw(st.sampled_from(found))
    assume(abs(made.value - step.grad) > 1e-3 + 0.02 * abs(step.grad))
    report = check_answers(root, {step.node: made.value})
    r = report[step.node]
    assert r.verdict == "wrong" and r.origin and r.mistake in KINDS
    same = [m for m in found if m.kind == r.mistake
            and abs(m.value - made.value) <= 1e-6 + 1e-2 * abs(made.value)]
    assert same, (r.mistake, made)
