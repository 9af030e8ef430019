"""gradcheck, gradgradcheck, check_graph and custom ops: they pass what is right (checked by
closed forms), and catch what is wrong (deliberately wrong derivatives, detach bugs, stale
graphs), naming the culprit."""

from __future__ import annotations

import inspect
import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given
from test_higher import points, programs, run

from autograd_lite import RULES, BackwardError, Value, apply, derivative, detect_anomaly
from autograd_lite.checks import (
    GradcheckError,
    StaleNode,
    check_graph,
    custom_op,
    gradcheck,
    gradgradcheck,
    register_op,
    unregister_op,
)
from autograd_lite.functional import dot
from autograd_lite.ops import info


@pytest.fixture(autouse=True)
def clean_rules() -> Iterator[None]:
    """Custom ops registered by a test are removed afterwards, so other tests that iterate
    over the rules table never see them."""
    before = set(RULES)
    yield
    for name in set(RULES) - before:
        del RULES[name]


def here() -> int:
    """The line number of the caller (to check that errors name the user's line)."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


# --- gradcheck --------------------------------------------------------------------------------


def test_gradcheck_rows_hold_the_analytic_and_numeric_numbers() -> None:
    report = gradcheck(lambda a, b: a * b.exp(), [1.5, -0.5])
    assert report.passed and bool(report)
    da, db = report.rows
    assert (da.wrt, db.wrt) == ("a", "b")
    assert da.analytic == pytest.approx(math.exp(-0.5), rel=1e-15)       # d/da = e^b
    assert db.analytic == pytest.approx(1.5 * math.exp(-0.5), rel=1e-15)  # d/db = a e^b
    assert da.numeric == pytest.approx(math.exp(-0.5), rel=1e-8)
    assert db.numeric == pytest.approx(1.5 * math.exp(-0.5), rel=1e-8)
    for row in report.rows:
        assert row.abs_err == abs(row.analytic - row.numeric) < 1e-8
        assert row.rel_err == pytest.approx(row.abs_err / abs(row.numeric))


@pytest.mark.parametrize("name", sorted(n for n, r in RULES.items() if r.arity == 1))
def test_gradcheck_passes_every_unary_op_of_the_table(name: str) -> None:
    rule = RULES[name]
    rng = random.Random(name)
    described = info(rule)
    for param in described.params:
        for _ in range(5):
            lo, hi = described.sample[0]
            x = rng.uniform(lo, hi)
            if any(abs(x - k) < 1e-3 for k in described.kinks):
                continue
            report = gradcheck(lambda v, p=param: apply(rule, [v], p), [x])
            assert report.passed, str(report)


def test_gradcheck_catches_a_detach_bug_with_the_right_numbers() -> None:
    # A classic bug: a value cut from the graph. d/dx (x * x) is 2x, but only x flows back.
    report = gradcheck(lambda x: x.detach() * x, [3.0])
    assert not report.passed
    (row,) = report.failures
    assert row.analytic == 3.0
    assert row.numeric == pytest.approx(6.0, rel=1e-8)
    assert "FAILED (1 of 1)" in str(report)
    with pytest.raises(GradcheckError, match=r"dfdx|df/dx"):
        gradcheck(lambda x: x.detach() * x, [3.0], raise_on_fail=True)


def test_report_prints_as_a_table_and_renders_as_markdown() -> None:
    report = gradcheck(lambda w, b: (w * 2.0 + b).tanh(), [0.3, -0.1])
    text = str(report).splitlines()
    assert text[0] == "gradcheck of f at w=0.3, b=-0.1: PASSED"
    assert text[1].split() == ["derivative", "at", "analytic", "numeric", "abs", "err",
                               "rel", "err", "ok"]
    assert text[3].startswith("df/dw") and text[4].startswith("df/db")
    t = math.tanh(0.5)
    assert float(text[3].split()[2]) == pytest.approx(2 * (1 - t * t), rel=1e-7)
    md = report._repr_markdown_().splitlines()
    assert md[0] == "**gradcheck of f at w=0.3, b=-0.1: PASSED**"
    assert md[2].startswith("| derivative |") and md[3].startswith("| --- |")
    assert len(md) == 4 + len(report.rows)
    assert repr(report) == str(report)


def test_input_names_come_from_labels_then_parameters_then_positions() -> None:
    assert [r.wrt for r in gradcheck(lambda *xs: xs[0] * xs[1], [1.0, 2.0]).rows] == ["x1", "x2"]
    w = Value(0.5, label="weight")
    rows = gradcheck(lambda a, b: a * b, [w, 2.0]).rows
    assert [r.wrt for r in rows] == ["weight", "b"]
    assert rows[0].analytic == 2.0 and rows[1].analytic == 0.5


def test_gradcheck_of_several_outputs() -> None:
    report = gradcheck(lambda r, t: [r * t.cos(), r * t.sin()], [2.0, 0.4])
    assert report.passed
    assert [(r.output, r.wrt) for r in report.rows] == [
        ("f[0]", "r"), ("f[0]", "t"), ("f[1]", "r"), ("f[1]", "t")]
    assert report.rows[1].analytic == pytest.approx(-2.0 * math.sin(0.4), rel=1e-15)


@given(programs(), points)
def test_gradcheck_passes_random_smooth_graphs(program: list[tuple[str, int, int]],
                                               p: list[float]) -> None:
    try:
        report = gradcheck(lambda a, b, c: run(program, [a, b, c]), p, rtol=1e-4)
    except (OverflowError, BackwardError):
        assume(False)
        raise
    assert report.passed, str(report)


def test_gradcheck_tolerances_decide_pass_and_fail() -> None:
    # |a - n| <= atol + rtol |n|: a deliberately 1% wrong derivative.
    op = register_op("scaled", lambda x: 2 * x, lambda x: 2.02)
    assert not gradcheck(lambda x: op(x), [1.0]).passed
    assert gradcheck(lambda x: op(x), [1.0], rtol=0.02).passed
    assert gradcheck(lambda x: op(x), [1.0], atol=0.05).passed


def test_gradcheck_errors_name_the_problem() -> None:
    with pytest.raises(TypeError, match=r"gradcheck: inputs\[1\] must be a finite number"):
        gradcheck(lambda a, b: a * b, [1.0, "2"])
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: "nope", [1.0])
    # sqrt at 1e-7: the point x - h is outside the domain.
    with pytest.raises(ValueError, match=r"central difference in x: f fails at x=-9e-07"):
        gradcheck(lambda x: x.sqrt(), [1e-7])


def test_a_failure_at_a_kink_is_explained() -> None:
    # relu at 0: the analytic derivative is the convention relu'(0) = 0 (README); a central
    # difference is (relu(h) - relu(-h)) / 2h = (h - 0) / 2h = 1/2.
    report = gradcheck(lambda x: x.relu(), [0.0])
    (row,) = report.rows
    assert (row.analytic, row.numeric, row.passed) == (0.0, 0.5, False)
    assert row.note == ("relu(x) sits on the kink of relu at 0: the analytic value uses "
                        "relu'(0) = 0 by convention, while central differences average the "
                        "slopes 0 and 1 on either side")
    text = str(report).splitlines()
    assert text[3].endswith("NO (note 1)") and text[4] == f"note 1: {row.note}"
    md = report._repr_markdown_()
    assert md.endswith(f"Notes:\n\n1. {row.note}")
    # leaky_relu(2x, 0.1) at 0: analytic 2 * 0.1; numeric (2h - 0.1 * (-2h)) / 2h = 1.1.
    (row,) = gradcheck(lambda x: (x * 2).leaky_relu(0.1), [0.0]).rows
    assert row.analytic == pytest.approx(0.2) and row.numeric == pytest.approx(1.1)
    assert "leaky_relu(x*2, 0.1) sits on the kink" in row.note
    assert "leaky_relu'(0) = 0.1 by convention" in row.note and "0.1 and 1" in row.note
    # Not on the kink, but within one step h = 1e-6 of it: (h - 1e-7 - 0) / 2h = 0.45.
    (row,) = gradcheck(lambda x: (x - 1e-7).relu(), [0.0]).rows
    assert row.numeric == pytest.approx(0.45) and not row.passed
    assert "within one step of the kink of relu at 0 (its input is -1e-07)" in row.note
    # Rows that pass, or kinks the input does not move, get no note.
    assert [r.note for r in gradcheck(lambda x, y: x.relu() * y, [1.0, 2.0]).rows] == ["", ""]
    report = gradcheck(lambda x, y: [x.relu() * y, y * 2], [0.0, 1.0])
    assert [bool(r.note) for r in report.rows] == [True, False, False, False]


def test_a_failure_where_a_derivative_is_undefined_is_explained() -> None:
    # sqrt(|x|) at 0: backward needs sqrt'(0), which is infinite; by hand the central
    # difference is (sqrt(h) - sqrt(h)) / 2h = 0.
    report = gradcheck(lambda x: abs(x).sqrt(), [0.0])
    (row,) = report.rows
    assert math.isnan(row.analytic) and row.numeric == 0.0 and not report.passed
    # sqrt's own input is abs(x): named so, not by the rule's placeholder "x"
    assert row.note.startswith("sqrt(abs(x)) at abs(x)=0: sqrt'(0) is undefined")
    with pytest.raises(GradcheckError, match="sqrt'\\(0\\) is undefined"):
        gradcheck(lambda x: abs(x).sqrt(), [0.0], raise_on_fail=True)


def test_gradgradcheck_explains_a_kink_too() -> None:
    # d/dx (x relu(x)) = 2x for x > 0 and 0 below: the second derivative jumps at 0,
    # and a central difference of the first derivative gives (2h - 0) / 2h = 1.
    (row,) = gradgradcheck(lambda x: x.relu() * x, [0.0]).rows
    assert row.numeric == pytest.approx(1.0) and not row.passed
    assert "relu(x) sits on the kink of relu at 0" in row.note


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_checks_reject_bad_arguments_naming_the_value(check: Any) -> None:
    name = check.__name__
    with pytest.raises(ValueError, match=f"{name}: no inputs to check"):
        check(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match=f"{name}: f must be a function, got 3 of type int"):
        check(3, [1.0])
    with pytest.raises(TypeError, match=rf"{name}: inputs must be a list of numbers or "
                                        rf"Values, got 1.0 of type float; for one, write \[1.0\]"):
        check(lambda x: x, 1.0)
    with pytest.raises(ValueError, match=f"{name}: eps must be a finite number > 0, got 0"):
        check(lambda x: x, [1.0], eps=0)
    with pytest.raises(ValueError, match=f"{name}: rtol must be a finite number >= 0, got -1"):
        check(lambda x: x, [1.0], rtol=-1)
    with pytest.raises(ValueError, match=f"{name}: f returned no outputs"):
        check(lambda x: [], [1.0])
    with pytest.raises(TypeError, match="check_graph: root must be a Value, got 3"):
        check_graph(3)  # type: ignore[arg-type]


# --- gradgradcheck --------------------------------------------------------------------------


def test_gradgradcheck_rows_are_the_closed_form_hessian() -> None:
    report = gradgradcheck(lambda x, y: x.sin() * y ** 2, [0.8, 1.5])
    assert report.passed
    expect = [-math.sin(0.8) * 2.25, math.cos(0.8) * 3.0, math.cos(0.8) * 3.0,
              2 * math.sin(0.8)]
    assert [r.analytic for r in report.rows] == pytest.approx(expect, rel=1e-14)
    assert [r.numeric for r in report.rows] == pytest.approx(expect, rel=1e-7)
    assert [r.wrt for r in report.rows] == ["x²", "x dy", "y dx", "y²"]
    assert "d²f/dx dy" in str(report)


def test_gradgradcheck_catches_a_derivative_that_is_right_only_on_floats() -> None:
    # math.cos needs a float: first derivatives are right, but the derivative cannot be
    # differentiated again. gradcheck cannot see it; gradgradcheck says so (never a silent 0).
    @custom_op(derivative=lambda x: math.cos(x))  # type: ignore[arg-type]
    def my_sin(x: float) -> float:
        return math.sin(x)

    assert gradcheck(lambda x: my_sin(x), [0.6]).passed
    report = gradgradcheck(lambda x: my_sin(x), [0.6])
    assert not report.passed
    (row,) = report.rows
    assert math.isnan(row.analytic) and "cannot be differentiated again" in row.note
    assert row.numeric == pytest.approx(-math.sin(0.6), rel=1e-7)
    with pytest.raises(BackwardError, match="my_sin uses a float-only function"):
        derivative(lambda t: my_sin(t), 0.6, n=2)

    @custom_op(derivative=lambda x: x.cos())  # Value methods: works on both
    def good_sin(x: float) -> float:
        return math.sin(x)

    assert gradgradcheck(lambda x: good_sin(x), [0.6]).passed


# --- custom ops -------------------------------------------------------------------------------


def test_a_wrong_hand_derivative_is_caught_and_the_fix_passes() -> None:
    # softsign(x) = x / (1 + |x|). On paper someone writes d/dx = 1 / (1 + |x|) (forgot the
    # square); the quotient rule gives 1 / (1 + |x|)**2.
    @custom_op(derivative=lambda x: 1 / (1 + abs(x)))
    def softsign(x: float) -> float:
        return x / (1 + abs(x))

    report = gradcheck(lambda x: softsign(x), [0.5])
    assert not report.passed
    (row,) = report.rows
    assert row.analytic == pytest.approx(1 / 1.5)
    assert row.numeric == pytest.approx(1 / 1.5 ** 2, rel=1e-8)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: softsign(x), [0.5], raise_on_fail=True)

    @custom_op(derivative=lambda x: 1 / (1 + abs(x)) ** 2)
    def softsign(x: float) -> float:  # noqa: F811 (re-registering replaces the rule)
        return x / (1 + abs(x))

    assert gradcheck(lambda x: softsign(x), [0.5]).passed
    assert gradgradcheck(lambda x: softsign(x), [0.5]).passed  # written with Value ops


def test_custom_op_with_two_inputs_and_out() -> None:
    # hypot(x, y): d/dx = x / out, d/dy = y / out.
    hypot = register_op("hypot", lambda x, y: math.hypot(x, y),
                        lambda x, y, out: (x / out, y / out),
                        formula="sqrt(x**2 + y**2)", partial_formulas=("x/out", "y/out"))
    rule = RULES["hypot"]
    assert (rule.arity, info(rule).formula, info(rule).partials) == (
        2, "sqrt(x**2 + y**2)", ("x/out", "y/out"))
    a, b = Value(3.0), Value(4.0)
    h = hypot(a, b)
    assert h.data == 5.0 and h.op == "hypot"
    h.backward()
    assert (a.grad, b.grad) == (0.6, 0.8)
    assert gradcheck(lambda x, y: hypot(x, y), [3.0, -4.0]).passed
    assert gradgradcheck(lambda x, y: hypot(x, y), [3.0, -4.0]).passed
    assert hypot(3, 4).data == 5.0  # numbers become constants


def test_custom_op_errors() -> None:
    with pytest.raises(ValueError, match="'mul' is a built-in op"):
        register_op("mul", lambda x: x, lambda x: 1.0)
    with pytest.raises(ValueError, match="'exp' is a built-in op"):
        unregister_op("exp")
    with pytest.raises(KeyError, match="no custom op named 'nothing'"):
        unregister_op("nothing")
    with pytest.raises(TypeError, match="at least one input"):
        register_op("konst", lambda: 1.0, lambda: ())
    with pytest.raises(ValueError, match="two's derivative must return 2 partials"):
        register_op("two", lambda x, y: x + y, lambda x, y: 1.0)  # one partial for two
    assert "two" not in RULES
    two = register_op("two", lambda x, y: x + y, lambda x, y: (1.0, 1.0))
    with pytest.raises(TypeError, match="two: takes 2 input"):
        two(Value(1.0))
    bad = register_op("bad", lambda x: complex(x, 1), lambda x: 1.0)
    with pytest.raises(TypeError, match="bad: forward must return a real number"):
        bad(Value(1.0))
    with pytest.raises(TypeError, match="cannot read the inputs of mylog's forward"):
        register_op("mylog", math.log, lambda x: 1 / x)
    with pytest.raises(ValueError, match="name must be an identifier like 'softsign', got 'a b'"):
        register_op("a b", lambda x: x, lambda x: 1.0)
    with pytest.raises(ValueError, match=r"name must be an identifier .*, got \['a'\]"):
        register_op(["a"], lambda x: x, lambda x: 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"derivative of twice must be a function, got 2\.0"):
        register_op("twice", lambda x: 2 * x, 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="arity of twice must be an int >= 1, got 0"):
        register_op("twice", lambda x: 2 * x, lambda x: 2.0, arity=0)
    assert "twice" not in RULES
    dom = register_op("mylog", math.log, lambda x: 1 / x, domain="x > 0", arity=1)
    with pytest.raises(ValueError, match=r"mylog: mylog\(x\) needs x > 0; got x = -1"):
        dom(Value(-1.0))


def test_custom_op_is_registered_then_removed() -> None:
    op = register_op("twice", lambda x: 2 * x, lambda x: 2.0)
    assert "twice" in RULES and op(Value(1.5)).data == 3.0
    unregister_op("twice")
    assert "twice" not in RULES


# --- check_graph ------------------------------------------------------------------------------


def test_check_graph_passes_a_network_graph() -> None:
    ws = [Value(0.3), Value(-0.7)]
    xs = [Value(1.0), Value(2.0)]
    b = Value(0.1)
    y = dot(ws, xs, bias=b).tanh() * ws[0].sigmoid() + (xs[1] ** 2.5).log()
    report = check_graph(y)
    assert report.passed and report.first_failure is None
    # affine: 5 partials, tanh 1, sigmoid 1, mul 2, powc 1, log 1, add 2
    assert len(report.checks) == 13
    assert all(c.status == "ok" for c in report.checks)
    assert "13 of 13 local partials agree" in str(report)


@given(programs(), points)
def test_check_graph_passes_random_graphs(program: list[tuple[str, int, int]],
                                          p: list[float]) -> None:
    try:
        root = run(program, [Value(x) for x in p])
    except OverflowError:
        assume(False)
        raise
    report = check_graph(root, rtol=1e-4)
    assert report.passed, str(report)


def test_check_graph_names_the_first_wrong_node_with_its_creation_site() -> None:
    # cube's hand-derived derivative forgot the factor 3.
    cube = register_op("cube", lambda x: x ** 3, lambda x: x ** 2)
    x = Value(1.5, label="x")
    with detect_anomaly():
        y = x.sin()
        line = here() + 1
        z = cube(y)
        z.label = "z"
        w = cube(z) + 1
    report = check_graph(w)
    assert not report.passed
    first = report.first_failure
    assert first is not None
    assert (first.node, first.name, first.op, first.status) == (z, "z", "cube", "wrong")
    assert first.analytic == pytest.approx(math.sin(1.5) ** 2)
    assert first.numeric == pytest.approx(3 * math.sin(1.5) ** 2, rel=1e-8)
    assert first.site is not None and first.site.endswith(f"test_check.py:{line} in "
                                                          "test_check_graph_names_the_first_"
                                                          "wrong_node_with_its_creation_site")
    text = str(report)
    # z's input is y = sin(x), unlabelled: named as every picture names it (sin1)
    assert f"FIRST DISAGREEMENT: node z = cube(sin1={math.sin(1.5):.6g}), created at" in text
    assert f"test_check.py:{line}" in text
    # The second cube node is wrong too, but comes later in forward order.
    assert sum(c.failed for c in report.checks) == 2
    with pytest.raises(GradcheckError, match="FIRST DISAGREEMENT: node z"):
        check_graph(w, raise_on_fail=True)


def test_check_graph_without_anomaly_mode_says_how_to_get_the_site() -> None:
    half = register_op("half", lambda x: x / 2, lambda x: 1.0)
    report = check_graph(half(Value(3.0)))
    assert report.first_failure is not None and report.first_failure.site is None
    assert "run under detect_anomaly()" in str(report)


def test_check_graph_skips_kinks_edges_and_missing_derivatives() -> None:
    report = check_graph(Value(0.0).relu() + Value(1e-7).log() + Value(0.0).sqrt() * 0)
    assert report.passed
    statuses = {c.op: c.status for c in report.checks}
    assert statuses["relu"] == "kink"
    assert statuses["log"] == "edge"
    assert statuses["sqrt"] == "undefined"
    assert "skipped" in str(report)


def test_check_graph_flags_a_graph_whose_inputs_changed() -> None:
    x = Value(0.5, label="x")
    y = x.sigmoid()
    y.label = "y"
    x.data = 2.0  # e.g. an optimiser step after the forward pass, before backward
    report = check_graph(y)
    stale = report.first_failure
    assert isinstance(stale, StaleNode) and stale.status == "stale" and stale.failed
    # The stored value is sigmoid(0.5); the inputs now give sigmoid(2).
    assert stale.stored == pytest.approx(1 / (1 + math.exp(-0.5)), rel=1e-15)
    assert stale.recomputed == pytest.approx(1 / (1 + math.exp(-2.0)), rel=1e-15)
    assert report.checks == [] and report.stale == [stale] and not report.passed
    assert "no longer equals sigmoid of its inputs" in str(report)
    assert str(report).startswith("check_graph: 1 node, 0 of 0 local partials agree with "
                                  "central differences; 1 stale")


def test_check_graph_markdown_wraps_the_text() -> None:
    md = check_graph(Value(1.0).exp())._repr_markdown_()
    assert md.startswith("```text\ncheck_graph: 1 node, 1 of 1")
