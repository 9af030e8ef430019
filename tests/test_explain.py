"""explain / formula / latex / node_names: transcripts checked against hand derivations and
the engine's backward, formulas checked by evaluating them with Python's math."""

from __future__ import annotations

import math
from typing import Any

import pytest
from graphs import lecture_graph
from hypothesis import assume, given
from test_higher import points, programs, run

from autograd_lite import BackwardError, Value, backprop, topological_order
from autograd_lite.functional import dot
from autograd_lite.functional import sum as vsum
from autograd_lite.transcript import explain, formula, latex, node_names


def test_transcript_of_the_lecture_example_matches_the_hand_derivation() -> None:
    L, nodes = lecture_graph()
    t = explain(L)
    lines = {s.name: str(s) for s in t}
    # By hand: dL/dd = f = -2, dL/df = d = 4, dL/de = dL/dd * 1, dL/da = dL/de * b = 6 ...
    assert lines["L"] == "dL/dL = 1.0"
    assert lines["d"] == "dL/dd = f = -2.0    [L = d * f, dL/dd = f]"
    assert lines["f"] == "dL/df = d = 4.0    [L = d * f, dL/df = d]"
    assert lines["e"] == "dL/de = dL/dd * dd/de = -2.0 * 1.0 = -2.0    [d = e + c, dd/de = 1]"
    assert lines["c"] == "dL/dc = dL/dd * dd/dc = -2.0 * 1.0 = -2.0    [d = e + c, dd/dc = 1]"
    assert lines["a"] == "dL/da = dL/de * de/da = -2.0 * (-3.0) = 6.0    [e = a * b, de/da = b]"
    assert lines["b"] == "dL/db = dL/de * de/db = -2.0 * 2.0 = -4.0    [e = a * b, de/db = a]"
    hand = {"L": 1.0, "d": -2.0, "f": 4.0, "e": -2.0, "c": -2.0, "a": 6.0, "b": -4.0}
    assert {s.name: s.grad for s in t} == hand
    assert all(n.grad == 0.0 for n in nodes.values())  # explain touches no .grad
    L.backward()
    assert {k: n.grad for k, n in nodes.items()} == {k: hand[k] for k in nodes}


def test_a_node_feeding_several_others_is_the_sum_of_its_uses() -> None:
    a = Value(3.0, label="a")
    b = a * a.sin()
    b.label = "b"
    L = a * b  # dL/da = b + a * (sin a + a cos a)
    L.label = "L"
    (step,) = [s for s in explain(L) if s.name == "a"]
    assert [t.consumer for t in step.terms] == ["L", "b", "sin1"]
    assert step.grad == pytest.approx(a.data * math.sin(3.0) + 3.0 * (math.sin(3.0)
                                      + 3.0 * math.cos(3.0)), rel=1e-14)
    assert step.grad == pytest.approx(sum(t.contribution for t in step.terms), rel=1e-15)
    text = str(step)
    assert text.startswith("dL/da = b + dL/db * db/da + dL/dsin1 * dsin1/da = ")
    assert "sin1 = sin(a), dsin1/da = cos(a)" in text


@given(programs(), points)
def test_transcript_gradients_equal_backprop_on_random_graphs(
        program: list[tuple[str, int, int]], p: list[float]) -> None:
    ins = [Value(x, label=n) for x, n in zip(p, "abc")]
    try:
        root = run(program, ins)
        expect = backprop(root)
    except (OverflowError, BackwardError):
        assume(False)
        raise
    t = explain(root)
    order = topological_order(root)
    assert len(t) == len(order)
    assert t.steps[0].node is root and t.steps[0].grad == 1.0
    position = {id(s.node): i for i, s in enumerate(t)}
    for node in order:
        assert t.grad(node) == pytest.approx(expect[id(node)], rel=1e-12, abs=1e-12)
        for parent in node.parents:  # a node's step comes after every step that uses it
            assert position[id(parent)] > position[id(node)]
    for step in t:
        if step.terms:
            assert step.grad == pytest.approx(math.fsum(x.contribution for x in step.terms),
                                              rel=1e-12, abs=1e-12)


def test_nary_nodes_show_their_actual_inputs() -> None:
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    y = dot(w, x, bias=Value(0.1, label="b"))
    y.label = "y"
    lines = {s.name: str(s) for s in explain(y)}
    # By hand: y = w1*x1 + w2*x2 + b, so dy/dw2 = x2 = 3, dy/dx1 = w1, dy/db = 1.
    assert lines["w2"] == "dy/dw2 = x2 = 3.0    [y = w1*x1 + w2*x2 + b, dy/dw2 = x2]"
    assert lines["x1"] == "dy/dx1 = w1 = 0.5    [y = w1*x1 + w2*x2 + b, dy/dx1 = w1]"
    assert lines["b"] == "dy/db = 1 = 1.0    [y = w1*x1 + w2*x2 + b, dy/db = 1]"
    (step,) = [st for st in explain(vsum([x[0], x[1], x[0]])) if st.name == "x1"]
    assert step.grad == 2.0 and len(step.terms) == 2  # used twice by one sum node
    assert str(step) == ("dL/dx1 = 1 + 1 = 1.0 + 1.0 = 2.0    [L = x1 + x2 + x1, dL/dx1 = 1; "
                         "L = x1 + x2 + x1, dL/dx1 = 1]")


def test_a_wide_neuron_is_shortened_but_names_the_right_partner() -> None:
    ws = [Value(0.1 * i, label=f"w{i}") for i in range(1, 7)]
    xs = [Value(float(i), label=f"x{i}") for i in range(1, 7)]
    y = dot(ws, xs, bias=Value(0.5, label="b"))
    y.label = "y"
    t = explain(y)
    (step,) = [s for s in t if s.name == "w5"]
    # By hand: dy/dw5 = x5 = 5.
    assert str(step) == ("dy/dw5 = x5 = 5.0    [y = w1*x1 + w2*x2 + ... + w6*x6 + b, "
                         "dy/dw5 = x5]")
    assert "wn" not in str(t) and "xn" not in str(t)


def test_unlabelled_constants_show_as_numbers_as_in_formula() -> None:
    a = Value(2.0, label="a")
    L = a * 4
    lines = [str(s) for s in explain(L)]
    # By hand: d(4a)/da = 4; d(a*c)/dc = a = 2 for the constant c = 4.
    assert lines[1] == "dL/da = 4 = 4.0    [L = a * 4, dL/da = 4]"
    assert lines[2] == "dL/dc1 = a = 2.0    [L = a * c1 with c1 = 4, dL/dc1 = a]"
    assert formula(L) == "a*4"
    (step,) = [s for s in explain(a / -4) if s.name == "a"]
    assert str(step) == "dL/da = 1/(-4) = -0.25    [L = a / (-4), dL/da = 1/(-4)]"
    (step,) = [s for s in explain(dot([Value(1.0), Value(2.0)], [3.0, a])) if s.name == "a"]
    assert str(step) == "dL/da = 2 = 2.0    [L = 1*3 + 2*a, dL/da = 2]"  # d(1*3 + 2a)/da


def test_a_missing_derivative_with_no_gradient_flowing_is_skipped_like_backward() -> None:
    z = Value(0.0, label="z")
    L = z.sqrt() * 0.0 + z * 3  # sqrt'(0) does not exist, but dL/dsqrt1 = 0; dL/dz = 3
    t = explain(L)
    assert t.grad(z) == 3.0
    (step,) = [s for s in t if s.name == "z"]
    (through_sqrt,) = [term for term in step.terms if term.consumer == "sqrt1"]
    assert math.isnan(through_sqrt.local) and through_sqrt.contribution == 0.0
    # the terms in the order backward adds them: z * 3 was made after sqrt(z)
    assert str(step) == (
        "dL/dz = dL/dmul2 * dmul2/dz + dL/dsqrt1 * dsqrt1/dz = 1.0 * 3.0 + 0.0 = 3.0    "
        "[mul2 = z * 3, dmul2/dz = 3; sqrt1 = sqrt(z): nothing flows back (dL/dsqrt1 = 0), "
        "so sqrt'(0), which is undefined, is not needed]")
    assert "nan" not in str(t) and "nan" not in t._repr_markdown_()
    # (-2)**v is fine for v = 3, but d/dv = (-2)**3 * log(-2) is not real; nothing needs it.
    u, v = Value(-2.0, label="u"), Value(3.0, label="v")
    (step,) = [s for s in explain((u ** v) * 0.0) if s.name == "v"]
    assert str(step) == (
        "dL/dv = dL/dpow1 * dpow1/dv = 0.0    [pow1 = u ** v: nothing flows back "
        "(dL/dpow1 = 0), so its local derivatives are not needed (here one is undefined: "
        "the derivative for v, u**v * log(u), needs u > 0 (or u = 0 with v > 0))]")
    with pytest.raises(BackwardError, match=r"backward through sqrt \(sqrt\(z\)\) at z = 0"):
        explain(z.sqrt() * 2.0)


def test_markdown_and_latex_renderings() -> None:
    L, _ = lecture_graph()
    t = explain(L)
    md = t._repr_markdown_().splitlines()
    assert len(md) == len(t)
    assert md[0] == r"- $\frac{d L}{d L} = 1.0$"
    (line_a,) = [m for m in md if r"{d a}" in m.split("=")[0]]
    assert line_a.startswith(r"- $\frac{d L}{d a} = \frac{d L}{d e} \cdot "
                             r"\frac{\partial e}{\partial a} = -2.0 \cdot (-3.0) = 6.0$")
    assert "`e = a * b`, `de/da = b`" in line_a
    tex = t._repr_latex_()
    assert tex.startswith(r"$$\begin{gathered}") and tex.endswith(r"\end{gathered}$$")
    assert tex.count(r"\\") == len(t) - 1
    assert repr(t).startswith(f"<Transcript of {len(t)} steps>")


def test_long_transcripts_are_shortened_only_in_rich_displays() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(250):
        y = y * 1.0
    t = explain(y)
    assert len(str(t).splitlines()) == len(t) == 501
    assert t._repr_markdown_().endswith("... and 301 more steps (print the transcript to see all)")


# --- names ---------------------------------------------------------------------------------


def test_node_names_are_labels_or_readable_and_unique() -> None:
    w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    c = Value(3.0)
    y = (w1 * w2 + c).tanh() + c.exp()
    names = node_names(y)
    assert len(set(names.values())) == len(names)
    assert (names[id(w1)], names[id(w2)]) == ("w", "w_2") or (
        names[id(w2)], names[id(w1)]) == ("w", "w_2")
    assert names[id(c)] == "c1" and names[id(y)] == "L"  # an unlabelled leaf: c1
    assert sorted(v for v in names.values() if v[:-1] in ("mul", "add", "tanh", "exp")) == [
        "add1", "exp1", "mul1", "tanh1"]  # the root (an add) is L
    taken = Value(1.0, label="L")
    assert node_names(taken * 2)[id(taken)] == "L"
    assert node_names(taken * 2).get(id(taken)) == "L"
    root = taken * 2
    assert node_names(root)[id(root)] == "mul1"
    x1 = Value(1.0, label="x1")
    names = node_names(x1 + Value(2.0) + 0)
    assert sorted(names.values()) == ["L", "add1", "c1", "c2", "x1"]


# --- formulas -------------------------------------------------------------------------------


def test_formula_examples() -> None:
    w1, x1, b = Value(0.5, label="w1"), Value(2.0, label="x1"), Value(-1.0, label="b")
    assert formula((w1 * x1 + b).tanh()) == "tanh(w1*x1 + b)"
    assert formula(w1 - (x1 - b)) == "w1 - (x1 - b)"
    assert formula((w1 - x1) - b) == "w1 - x1 - b"
    assert formula(w1 / (x1 * b)) == "w1/(x1*b)"
    assert formula((w1 + x1) * -b) == "(w1 + x1)*(-b)"
    assert formula((-w1) ** 2) == "(-w1)**2"
    assert formula(-(w1 ** 2)) == "-w1**2"
    assert formula(w1 ** -1.5) == "w1**(-1.5)"
    assert formula((w1 ** 2) ** 3) == "(w1**2)**3"
    assert formula(w1 ** x1) == "w1**x1"
    assert formula(2 ** (x1 + 1)) == "2**(x1 + 1)"
    assert formula(w1 * 3 - 0.25) == "w1*3 - 0.25"
    assert formula(w1 * -3) == "w1*(-3)"
    assert formula(w1.leaky_relu(0.1)) == "leaky_relu(w1, 0.1)"
    assert formula(abs(w1).sigmoid()) == "sigmoid(abs(w1))"
    assert formula(dot([w1], [x1], bias=b)) == "w1*x1 + b"
    assert formula(vsum([w1, x1, b])) == "w1 + x1 + b"


def test_latex_examples() -> None:
    w1, x1, b = Value(0.5, label="w1"), Value(2.0, label="x1"), Value(-1.0, label="b")
    assert latex((w1 * x1 + b).tanh()) == r"\tanh\left(w_{1} \cdot x_{1} + b\right)"
    assert latex(w1 / (x1 + b)) == r"\frac{w_{1}}{x_{1} + b}"
    assert latex((w1 + b) ** 2) == r"{\left(w_{1} + b\right)}^{2}"
    assert latex(x1.sqrt() + abs(b) + w1.sigmoid()) == (
        r"\sqrt{x_{1}} + \left|b\right| + \sigma\left(w_{1}\right)")
    assert latex(w1.relu()) == r"\operatorname{relu}\left(w_{1}\right)"
    assert latex(w1.leaky_relu(0.2)) == r"\operatorname{leaky\_relu}\left(w_{1}, 0.2\right)"
    loss = Value(1.0, label="loss")
    assert latex(loss * 2) == r"\mathrm{loss} \cdot 2"


MATH = {"tanh": math.tanh, "sin": math.sin, "cos": math.cos, "exp": math.exp,
        "log": math.log, "sqrt": math.sqrt, "abs": abs,
        "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
        "softplus": lambda v: math.log1p(math.exp(v))}


@given(programs(), points)
def test_formula_evaluated_by_python_gives_the_value(program: list[tuple[str, int, int]],
                                                    p: list[float]) -> None:
    ins = [Value(x, label=n) for x, n in zip(p, "abc")]
    try:
        root = run(program, ins)
    except OverflowError:
        assume(False)
        raise
    text = formula(root, max_length=10 ** 7)
    namespace: dict[str, Any] = {**MATH, "a": p[0], "b": p[1], "c": p[2]}
    got = eval(text, {"__builtins__": {}}, namespace)
    assert got == pytest.approx(root.data, rel=1e-9, abs=1e-12), text


@given(programs(), points)
def test_latex_braces_balance(program: list[tuple[str, int, int]], p: list[float]) -> None:
    try:
        root = run(program, [Value(x, label=n) for x, n in zip(p, "abc")])
    except OverflowError:
        assume(False)
        raise
    tex = latex(root, max_length=10 ** 7)
    depth = 0
    for ch in tex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert tex.count(r"\left") == tex.count(r"\right")


def test_formula_of_an_exponentially_shared_graph_stays_short() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(40):  # 2**40 leaves if expanded
        y = y * y
    text = formula(y, max_length=200)
    assert len(text) < 500
    assert text.startswith("mul")  # sub-expressions too long print as their names


def test_a_conditional_local_derivative_is_bracketed() -> None:
    a = Value(1.0, label="a")
    (step,) = [s for s in explain(a.relu()) if s.name == "a"]
    # relu'(1) = 1; the rule's formula is a conditional, bracketed so "= 1.0" reads right.
    assert str(step) == ("dL/da = (1 if a > 0 else 0) = 1.0    "
                         "[L = relu(a), dL/da = 1 if a > 0 else 0]")
