"""Issue 9, section 2: what a learner meets first, as classes, each with several cases.

Oracles: Python's own ``repr``/``format`` of floats, hand derivations (the chain rule written
out, ``math.tanh``), the math formulas of each op written here with the user's names, the
state of every node before and after a refused call, and ``builtins`` itself.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd_lite
from autograd_lite import (
    BackwardError,
    Value,
    backward_steps,
    custom_op,
    detect_anomaly,
    draw_dot,
    explain,
    formula,
    gradcheck,
    gradgradcheck,
    register_op,
    topological_order,
    unregister_op,
)
from autograd_lite.nn import MLP, SGD, fit, mse
from autograd_lite.viz import GraphTooLarge

# Labels a learner might use, the rules' own placeholder names (x, y, c) included.
NAMES = ["x", "y", "c", "a", "b", "w", "out", "L"]
SMALL = st.integers(-9, 9).filter(lambda k: k != 0).map(float)


def edge_formulas(source: str) -> list[str]:
    """The first line of every edge label in DOT source (the ``∂c/∂a = b = -3`` part)."""
    found = []
    for line in source.splitlines():
        m = re.search(r'->.*\blabel="((?:[^"\\]|\\.)*)"', line)
        if m:
            found.append(m.group(1).split("\\n")[0])
    return found


def state(root: Value) -> list[tuple[Any, Any]]:
    """Every node's (data, grad): what a refused call must leave as it was."""
    return [(n.data, n.grad) for n in topological_order(root)]


# --- str() and print show the number; formula() shows the expression ----------------------


@given(st.floats(-1e300, 1e300), st.sampled_from(["", *NAMES]))
def test_str_and_print_of_a_value_show_its_number_as_repr_does(x: float, label: str) -> None:
    v = Value(x, label=label)
    for node in (v, v * 2.0, (v * 0.5).tanh() + 1.0):
        assert str(node) == repr(node)  # as micrograd and PyTorch print
        assert str(node).startswith(f"Value(data={node.data!r}")  # the float, as Python prints it
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            print(node)
        assert out.getvalue() == repr(node) + "\n"
        assert f"{node:.3f}" == format(node.data, ".3f")


def test_the_lectures_mlp_loss_prints_a_value_and_formula_gives_the_expression() -> None:
    n = MLP(3, [4, 4, 1], seed=0)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))  # the builtin sum

    def forward(x: list[float]) -> float:  # the same network on plain floats
        for layer in n.layers:
            outs = []
            for neuron in layer.neurons:
                z = neuron.b.data + math.fsum(w.data * v for w, v in zip(neuron.w, x))
                outs.append(max(z, 0.0) if neuron.nonlin else z)
            x = outs
        return x[0]

    expected = math.fsum((forward(x) - y) ** 2 for x, y in zip(xs, ys))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(loss)
        print(ypred[0])
    printed = out.getvalue().splitlines()
    assert printed == [repr(loss), repr(ypred[0])]
    assert printed[0].startswith("Value(data=") and math.isclose(loss.data, expected,
                                                                 rel_tol=1e-12)
    assert "**2" in formula(loss) and "Value" not in formula(loss)


# --- formulas shown for a node use that node's own inputs -------------------------------------


# (op, how to apply it, d/d(first input), d/d(second input)) written with the user's names
BINARY = [
    ("mul", lambda a, b: a * b, lambda A, B: B, lambda A, B: A),
    ("add", lambda a, b: a + b, lambda A, B: "1", lambda A, B: "1"),
    ("sub", lambda a, b: a - b, lambda A, B: "1", lambda A, B: "-1"),
    ("div", lambda a, b: a / b, lambda A, B: f"1/{B}", lambda A, B: f"-{A}/{B}**2"),
]


@given(st.sampled_from(BINARY), st.permutations(NAMES), SMALL, SMALL)
def test_edge_labels_transcripts_and_captions_use_the_nodes_own_inputs(
        op: Any, names: list[str], a_data: float, b_data: float) -> None:
    name, apply_op, d_first, d_second = op
    A, B, C = names[:3]
    a, b = Value(a_data, label=A), Value(b_data, label=B)
    c = apply_op(a, b)
    c.label = C
    da, db = d_first(A, B), d_second(A, B)
    # the partials' values, by hand
    values = {"mul": (b_data, a_data), "add": (1.0, 1.0), "sub": (1.0, -1.0),
              "div": (1.0 / b_data, -a_data / b_data**2)}[name]
    shown = [format(v + 0.0, ".4g") for v in values]
    expected = [f"∂{C}/∂{A} = {da}", f"∂{C}/∂{B} = {db}"]
    expected = [e if e.endswith(f"= {s}") else f"{e} = {s}" for e, s in zip(expected, shown)]
    assert edge_formulas(draw_dot(c).source) == expected
    # explain: one term per input, its local derivative written with the same names
    steps = {s.name: s for s in explain(c)}
    assert [t.local_formula for t in steps[A].terms] == [da]
    assert [t.local_formula for t in steps[B].terms] == [db]
    symbol = {"mul": "*", "add": "+", "sub": "-", "div": "/"}[name]
    assert steps[A].terms[0].definition == f"{C} = {A} {symbol} {B}"
    # the player's caption of the one op step
    assert backward_steps(c)[1].text.startswith(f"step 1: {C} = {A} {symbol} {B}. ")


@given(st.sampled_from(NAMES), st.sampled_from(NAMES), SMALL)
def test_a_repeated_input_gets_one_edge_and_one_term_per_use(X: str, Y: str,
                                                              x_data: float) -> None:
    assume(X != Y)
    x = Value(x_data, label=X)
    y = x * x + x  # d/dx = 2x + 1
    y.label = Y
    y.backward()
    assert x.grad == 2 * x_data + 1
    labels = edge_formulas(draw_dot(y, edge_labels="local").source)
    # two edges from x into the product, each d(x*x)/dx = x; one into the sum
    assert labels.count(f"∂mul1/∂{X} = {X} = {x_data:.4g}") == 2
    assert f"∂{Y}/∂{X} = 1" in labels
    (step,) = [s for s in explain(y) if s.name == X]
    assert sorted(t.local_formula for t in step.terms) == sorted([X, X, "1"])
    assert step.grad == 2 * x_data + 1
    caption = backward_steps(y)[2].text
    assert f"mul1 = {X} * {X}." in caption and caption.count(f"{X} gets") == 2


def test_powc_with_a_label_named_like_its_constant() -> None:
    c = Value(2.0, label="c")  # the rule writes x ** c; the user's c is the base here
    y = c ** 3
    y.label = "y"
    assert edge_formulas(draw_dot(y).source) == ["∂y/∂c = 3 * c**2 = 12"]
    (term,) = next(s for s in explain(y) if s.name == "c").terms
    assert term.local_formula == "3 * c**2" and term.local == 12.0  # 3 c**2


@given(st.sampled_from(NAMES), st.integers(1, 9), st.integers(1, 9))
def test_forward_errors_name_the_input_expression_not_a_placeholder(
        X: str, k: int, magnitude: int) -> None:
    x = Value(-float(magnitude), label=X)
    product = -magnitude * k
    with pytest.raises(ValueError) as info:
        (x * k).log()
    message = str(info.value)
    assert message.startswith(f"log: log({X}*{k}) needs {X}*{k} > 0; got {X}*{k} = {product}")
    with pytest.raises(ValueError) as info:
        (x * k).sqrt()
    assert f"sqrt({X}*{k})" in str(info.value) and f"{X}*{k} = {product}" in str(info.value)
    with pytest.raises(ZeroDivisionError) as zero:
        k / (x - x)
    assert str(zero.value).startswith(f"div: {k} / ({X} - {X}) divides by zero; got "
                                      f"{X} - {X} = 0")


@given(st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_backward_errors_name_the_nodes_own_inputs(X: str, Y: str) -> None:
    assume(X != Y)
    x = Value(0.0, label=X)
    y = (x * 2.0).sqrt()  # sqrt'(0) is infinite: backward must refuse, naming x*2
    y.label = Y
    with pytest.raises(BackwardError) as info:
        y.backward()
    message = str(info.value)
    assert message.startswith(f"backward through sqrt ({Y} = sqrt({X}*2)) at {X}*2 = 0: ")
    assert f"1/(2*sqrt({X}*2))" in message
    assert x.grad == 0.0


@pytest.mark.parametrize(("Y", "C"), [("y", "c"), ("x", "y"), ("c", "x"), ("L", "w")])
def test_anomaly_messages_name_the_nodes_own_inputs(Y: str, C: str) -> None:
    # d(1/c)/dc = -1/c**2 = -1e400: the gradient reaching c overflows
    with detect_anomaly():
        c = Value(1e-200, label=C)
        y = 1 / c
        y.label = Y
    with pytest.raises(BackwardError) as info:
        y.backward()
    message = str(info.value)
    assert message.startswith(f"backward through div ({Y} = 1 / {C}) at {C} = 1e-200: the "
                              f"gradient it sends to {C}, 1 * (-1/{C}**2) = 1 * -inf = -inf")
    assert f"{__file__}:" in message  # where y was made
    assert c.grad == 0.0


# --- node._backward(), as micrograd's lecture steps it ----------------------------------------


def lecture_neuron(x1: float, x2: float, w1: float, w2: float, b: float) -> dict[str, Value]:
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b), every node labelled."""
    v = {k: Value(d, label=k) for k, d in
         (("x1", x1), ("x2", x2), ("w1", w1), ("w2", w2), ("b", b))}
    v["x1w1"] = v["x1"] * v["w1"]
    v["x2w2"] = v["x2"] * v["w2"]
    v["x1w1x2w2"] = v["x1w1"] + v["x2w2"]
    v["n"] = v["x1w1x2w2"] + v["b"]
    v["o"] = v["n"].tanh()
    for k, node in v.items():
        node.label = k
    return v


def test_the_lectures_manual_backward_steps_give_the_lectures_numbers() -> None:
    v = lecture_neuron(2.0, 0.0, -3.0, 1.0, 6.8813735870195432)
    o = v["o"]
    o.grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):  # the lecture's order
        v[name]._backward()
    do = 1 - math.tanh(v["n"].data) ** 2  # ~0.5 in the lecture
    assert math.isclose(v["n"].grad, do, rel_tol=1e-15) and math.isclose(do, 0.5, rel_tol=1e-6)
    assert math.isclose(v["x1"].grad, -3.0 * do, rel_tol=1e-15)  # w1 * do = -1.5
    assert math.isclose(v["w1"].grad, 2.0 * do, rel_tol=1e-15)   # x1 * do = 1.0
    assert v["x2"].grad == 1.0 * do and v["w2"].grad == 0.0      # w2 * do, x2 * do


@given(*[st.floats(-2, 2, allow_nan=False)] * 5)
def test_stepping_backward_by_hand_in_reverse_topological_order_equals_backward(
        x1: float, x2: float, w1: float, w2: float, b: float) -> None:
    by_hand, auto = lecture_neuron(x1, x2, w1, w2, b), lecture_neuron(x1, x2, w1, w2, b)
    o = by_hand["o"]
    topo: list[Value] = []  # the lecture's own topological sort
    visited: set[Value] = set()

    def build(node: Value) -> None:
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                build(child)
            topo.append(node)

    build(o)
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    auto["o"].backward()
    for k in by_hand:
        assert by_hand[k].grad == auto[k].grad, k
    # and the hand derivation: do/dn = 1 - tanh(n)**2, then products and sums
    do = 1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2
    for k, expected in (("x1", w1 * do), ("w1", x1 * do), ("x2", w2 * do), ("w2", x2 * do),
                        ("b", do)):
        assert math.isclose(by_hand[k].grad, expected, rel_tol=1e-9, abs_tol=1e-12), k


def test_backward_on_a_leaf_does_nothing_and_shared_nodes_accumulate() -> None:
    x = Value(3.0, label="x")
    x.grad = 5.0
    x._backward()  # micrograd's leaf: a no-op
    assert x.grad == 5.0
    x.grad = 0.0
    y = x * x  # one node, x twice: both uses add up
    y.grad = 1.0
    y._backward()
    assert x.grad == 6.0  # 2x


# --- classic mistakes: named where detected, nothing changed ---------------------------------


def graph() -> tuple[Value, Value, Value]:
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    L = (w * x + 1.0).tanh()
    L.label = "L"
    return w, x, L


def test_a_value_put_into_data_is_named_with_the_likely_mistake() -> None:
    w, x, L = graph()
    L.backward()
    before = state(L)
    w.data -= 0.05 * w  # meant: 0.05 * w.grad
    assert isinstance(w.data, Value)
    with pytest.raises(TypeError) as info:
        w * x
    message = str(info.value)
    assert "the .data of w is Value(" in message and "lr * p.grad" in message
    assert [g for _, g in state(L)] == [g for _, g in before]


@pytest.mark.parametrize("bad", ["0.3", [0.3], None, b"1"])
def test_a_non_number_put_into_data_is_named_at_the_next_op(bad: object) -> None:
    w, x, _ = graph()
    w.data = bad
    for use in (lambda: w * x, lambda: x + w, lambda: w.tanh(), lambda: autograd_lite.dot(
            [w], [x])):
        with pytest.raises(TypeError) as info:
            use()
        message = str(info.value)
        assert f"the .data of w is {bad!r}" in message and type(bad).__name__ in message
    if isinstance(bad, str):
        assert "float('0.3')" in message


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_nan_or_inf_put_into_data_is_named_in_forward_and_backward(bad: float) -> None:
    w, x, L = graph()
    w.data = bad
    with pytest.raises(ValueError) as info:
        w * x
    assert f"the .data of w is {bad!r}, not a finite number" in str(info.value)
    before = state(L)
    with pytest.raises(BackwardError) as back:
        L.backward()  # the graph made before: d(w*x)/dx = w is not finite
    assert f"the .data of w is {bad!r}" in str(back.value)
    assert [g for _, g in state(L)] == [g for _, g in before]


@pytest.mark.parametrize("bad", ["0.3", None, Value(0.3)])
def test_a_non_number_put_into_data_after_forward_is_named_by_backward(bad: object) -> None:
    w, _, L = graph()
    w.data = bad
    before = state(L)
    with pytest.raises(TypeError) as info:
        L.backward()
    assert "the .data of w is" in str(info.value)
    assert [g for _, g in state(L)] == [g for _, g in before]


@pytest.mark.parametrize("bad", [None, "0", [0.0], Value(0.0)])
def test_a_grad_set_to_a_non_number_is_named_and_backward_changes_nothing(bad: object) -> None:
    w, _, L = graph()
    L.backward()  # every .grad now holds a gradient
    w.grad = bad
    before = state(L)
    if isinstance(bad, Value):  # a Value is a number to add to: accepted, as a Value
        L.backward()
        return
    with pytest.raises(TypeError) as info:
        L.backward()
    message = str(info.value)
    assert f"the .grad of w is {bad!r}" in message and "zero_grad()" in message
    after = state(L)
    assert after[0][1] is bad and [s for s in after[1:]] == before[1:]  # all or nothing


# --- numpy inputs ------------------------------------------------------------------------------


NUMPY_SCALARS = [np.float64(0.25), np.float32(0.5), np.int64(3), np.int8(-2), np.float16(1.5),
                 np.uint16(7)]


@pytest.mark.parametrize("k", NUMPY_SCALARS, ids=lambda k: type(k).__name__)
def test_numpy_scalars_work_as_data_operands_exponents_and_seeds(k: Any) -> None:
    f = float(k)
    x = Value(2.0, label="x")
    assert Value(k).data == f and type(Value(k).data) is float
    for y, dy in ((x * k, f), (k * x, f), (x + k, 1.0), (k - x, -1.0), (x / k, 1 / f),
                  (x ** k, f * 2.0 ** (f - 1)), (x.leaky_relu(k), 1.0)):
        x.grad = 0.0
        y.backward(k)  # a numpy seed
        assert math.isclose(x.grad, f * dy, rel_tol=1e-15), y
        assert type(x.grad) is float and type(y.data) is float


def test_numpy_labels_rows_and_learning_rates() -> None:
    v = Value(1.0, label=np.str_("w"))
    assert v.label == "w" and formula(v * 2) == "w*2"
    model = MLP(3, [4, 1], seed=0)
    row = np.array([0.5, -1.0, 2.0])
    assert model(row).data == model(row.tolist()).data
    assert model(row.astype(np.float32)).data == model([float(t) for t in
                                                        row.astype(np.float32)]).data
    ws = [Value(0.5), Value(-2.0)]
    assert autograd_lite.dot(ws, np.array([2.0, 3.0])).data == 0.5 * 2.0 - 2.0 * 3.0
    # a numpy learning rate updates exactly as the same float does
    (p,) = [Value(1.0)]
    q = Value(1.0)
    for param, lr in ((p, np.float32(0.1)), (q, float(np.float32(0.1)))):
        (param * param).backward()
        SGD([param], lr=lr).step()
    assert p.data == q.data == 1.0 - float(np.float32(0.1)) * 2.0


def test_fit_takes_numpy_arrays_as_lists() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = X[:, 0] - 2 * X[:, 1]
    runs = []
    for data in ((X, y), (X.tolist(), y.tolist())):
        model = MLP(2, [3, 1], seed=1)
        history = fit(model, mse, SGD(model.parameters(), lr=0.05), data, epochs=3,
                      progress=False)
        runs.append((history.epoch_loss, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]


# --- draw_dot: a .grad that does not add up; pictures too large to draw -----------------------


def grad_notes(source: str) -> list[str]:
    return re.findall(r"flows back here;(.*?)</font>", source)


def test_a_hand_set_wrong_grad_is_not_blamed_on_accumulation_only() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.grad, a.grad, b.grad = 1.0, 5.0, 2.0  # the lecture's manual backward, b's done right
    (note,) = grad_notes(draw_dot(c).source)  # a's: dc/da = b = -3, not 5
    assert "set by hand" in note and "accumulated" in note
    c.grad, a.grad, b.grad = 1.0, -3.0, 2.0  # all right by hand: nothing flagged
    assert grad_notes(draw_dot(c).source) == []
    for n in (a, b, c):
        n.grad = 0.0
    c.backward()
    c.backward()  # twice without zero_grad: a.grad = -6 but -3 flows back
    assert len(grad_notes(draw_dot(c).source)) == 2


def suggestions(error: GraphTooLarge) -> list[str]:
    hint = str(error).split("Hint:", 1)[1]
    return re.findall(r"collapse='(\w+)'", hint)


@pytest.mark.parametrize("max_nodes", [5, 12, 20, 40, 60, 100, 150])
def test_graph_too_large_suggests_only_collapses_that_fit(max_nodes: int) -> None:
    model = MLP(2, [8, 8, 1], seed=0)
    root = model([0.5, -1.0])
    root.backward()
    fits = {}
    for level in ("neurons", "layers"):
        try:
            draw_dot(root, collapse=level, max_nodes=max_nodes)
            fits[level] = True
        except GraphTooLarge:
            fits[level] = False
    with pytest.raises(GraphTooLarge) as info:
        draw_dot(root, collapse="none", max_nodes=max_nodes)
    assert sorted(suggestions(info.value)) == sorted(k for k, ok in fits.items() if ok)
    for level in suggestions(info.value):
        draw_dot(root, collapse=level, max_nodes=max_nodes)  # the suggested call works
    if not any(fits.values()):
        with pytest.raises(GraphTooLarge) as auto:
            draw_dot(root, max_nodes=max_nodes)
        assert suggestions(auto.value) == [] and "max_nodes" in str(auto.value)


# --- your own op, with a derivative written like the docs say ----------------------------------


@pytest.fixture
def custom() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        unregister_op(name)


@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_a_derivative_written_with_value_methods_works_in_backward_and_second_order(
        w0: float, x0: float, b0: float) -> None:
    def d_neuron(w: Value, x: Value, b: Value) -> tuple[Value, Value, Value]:
        t = 1 - (w * x + b).tanh() ** 2  # written the way the docs show
        return t * x, t * w, t

    neuron = register_op("neuron_t", lambda w, x, b: math.tanh(w * x + b), d_neuron)
    try:
        w, x, b = Value(w0), Value(x0), Value(b0)
        neuron(w, x, b).backward()
        t = 1 - math.tanh(w0 * x0 + b0) ** 2  # by hand
        for got, want in ((w.grad, t * x0), (x.grad, t * w0), (b.grad, t)):
            assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15)
        assert gradcheck(neuron, [w0, x0, b0]).passed
        assert gradgradcheck(neuron, [w0, x0, b0]).passed
    finally:
        unregister_op("neuron_t")


def test_derivatives_with_exp_and_with_math_functions(custom: list[str]) -> None:
    softplus = register_op("my_softplus", lambda x: math.log1p(math.exp(x)),
                           lambda x: x.exp() / (1 + x.exp()))
    sine = register_op("my_sin", math.sin, lambda x: math.cos(x))  # math on a Value: a float
    custom += ["my_softplus", "my_sin"]
    for x0 in (-1.5, 0.0, 0.7, 2.0):
        x = Value(x0)
        (softplus(x) + sine(x)).backward()
        assert math.isclose(x.grad, 1 / (1 + math.exp(-x0)) + math.cos(x0), rel_tol=1e-12)
        assert gradcheck(softplus, [x0]).passed and gradgradcheck(softplus, [x0]).passed
        assert gradcheck(sine, [x0]).passed  # first order is right with math.cos
    # second order through math.cos is not recorded: gradgradcheck finds that out
    assert not gradgradcheck(sine, [0.7]).passed


@pytest.mark.parametrize("bad", [None, "2", True, math.inf, math.nan, 1j, {}],
                         ids=repr)
def test_a_derivative_returning_a_non_number_is_named_by_its_op(bad: Any,
                                                                 custom: list[str]) -> None:
    op = custom_op(derivative=lambda x: bad, name="shaky")(lambda x: 2.0 * x)
    custom.append("shaky")
    x, z = Value(1.5, label="x"), Value(2.0, label="z")
    L = op(x) + z * x
    with pytest.raises((TypeError, ValueError, ArithmeticError)) as info:
        L.backward()
    message = str(info.value)
    assert "shaky" in message and "float()" not in message
    assert x.grad == 0.0 and z.grad == 0.0  # all or nothing


@pytest.mark.parametrize(("forward", "derivative", "n", "got"), [
    (lambda x, y: x * y, lambda x, y: (y,), 2, 1),
    (lambda x, y: x * y, lambda x, y: y, 2, 1),
    (lambda x, y: x * y, lambda x, y: (y, x, 1.0), 2, 3),
    (lambda x: x, lambda x: (1.0, 1.0), 1, 2),
    (lambda x, y, z: x * y * z, lambda x, y, z: [y * z, x * z], 3, 2),
])
def test_a_wrong_number_of_partials_is_refused_at_registration(forward: Any, derivative: Any,
                                                               n: int, got: int) -> None:
    with pytest.raises(ValueError) as info:
        register_op("miscounted", forward, derivative)
    assert str(info.value) == (f"register_op: miscounted's derivative must return {n} "
                               f"partials (one per input), got {got}")
    assert "miscounted" not in autograd_lite.RULES


# --- from autograd_lite import * keeps the builtins ------------------------------------------


@pytest.mark.parametrize("module", ["autograd_lite", "autograd_lite.nn", "autograd_lite.viz",
                                    "autograd_lite.checks", "autograd_lite.functional",
                                    "autograd_lite.compiler", "autograd_lite.datasets"])
def test_import_star_replaces_no_builtin(module: str) -> None:
    namespace: dict[str, Any] = {}
    exec(f"from {module} import *", namespace)  # our own module's name, not user text
    exported = set(namespace) - {"__builtins__"}
    assert exported  # it exports something
    assert not exported & set(dir(builtins))
    assert namespace["__builtins__"]["sum"] is builtins.sum  # the real one still there
