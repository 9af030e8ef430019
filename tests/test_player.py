"""Step-through backward: the frames (against the engine's rules and finite differences),
the offline HTML player in a real headless browser (Debian's chromium), and the widget."""

from __future__ import annotations

import html
import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from graphs import lecture_graph
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, backward_order, explain, topological_order
from autograd_lite.viz import backward_steps, play_backward, to_svg
from autograd_lite.viz.labels import fmt

SVG = "{http://www.w3.org/2000/svg}"




def shared() -> tuple[Value, Value]:
    """y = x*x + sin(x) * x: x is read four times, so its gradient is a sum of four parts."""
    x = Value(0.7, label="x")
    y = x * x + x.sin() * x
    y.label = "y"
    return y, x


# --- frames ---------------------------------------------------------------------------------


def test_one_frame_per_op_in_backward_order_without_touching_grad() -> None:
    L, v = lecture_graph()
    v["a"].grad = 5.0                    # a user's own value must survive
    steps = backward_steps(L)
    ops = [n for n in backward_order(L) if n.parents]
    assert len(steps) == 1 + len(ops)
    assert [s.node for s in steps] == [L, *ops]
    assert [s.index for s in steps] == list(range(len(steps)))
    assert v["a"].grad == 5.0 and all(n.grad == 0.0 for k, n in v.items() if k != "a")
    assert L.grad == 0.0


def test_frames_meet_nodes_in_the_reverse_of_the_order_they_were_made() -> None:
    y, _ = shared()
    square, product = y.parents          # y = x*x + sin(x)*x
    sine = product.parents[0]
    # by hand: the forward pass made x*x, sin(x), sin(x)*x, then y; backward meets them in
    # reverse (so sin(x) only once sin(x)*x, its one user, is done), after the seed
    assert [s.node for s in backward_steps(y)] == [y, y, product, sine, square]


def test_frames_name_nodes_as_the_transcript_does() -> None:
    a = Value(2.0, label="a")
    root = (a * 3.0).tanh() + a          # unlabelled: the 3, the product, the tanh, the root
    transcript = explain(root)
    name = {id(s.node): s.name for s in transcript.steps}
    # each op as the transcript defines it, for an input shown by its name
    definition = {(t.consumer, s.name): t.definition for s in transcript.steps
                  for t in s.terms}
    steps = backward_steps(root)
    for step in steps[1:]:
        head, sends = step.text.split(": ", 1)[1].split(". ", 1)
        named = next(p for p in step.node.parents if p.label or p.parents)
        assert head == definition[(name[id(step.node)], name[id(named)])]
        for node, _ in step.sent:
            assert f"{name[id(node)]} gets" in sends or f"{name[id(node)]} (= " in sends
    # by hand, as expression.node_names documents them: ops counted per op, x1 for the
    # unlabelled leaf, L for the unlabelled root; the 3 reads as a number where it is used
    assert [s.text.split(". ")[0] for s in steps] == [
        "step 0: seed dL/dL = 1", "step 1: L = tanh1 + a", "step 2: tanh1 = tanh(mul1)",
        "step 3: mul1 = a * 3"]
    assert "c1 (= 3) gets 2.458e-05 × 2 = 4.915e-05" in steps[3].text


def test_frames_accumulate_to_the_true_gradients() -> None:
    y, x = shared()
    steps = backward_steps(y)
    h = 1e-6
    f = lambda t: t * t + math.sin(t) * t  # noqa: E731
    numeric = (f(0.7 + h) - f(0.7 - h)) / (2 * h)
    assert math.isclose(steps[-1].grads[id(x)], numeric, rel_tol=1e-7)
    # Known gradients only grow, and each step adds exactly what it says it sent.
    for before, after in itertools.pairwise(steps):
        assert set(before.grads) <= set(after.grads)
        for node, amount in after.sent:
            grew = after.grads[id(node)] - before.grads.get(id(node), 0.0)
            assert math.isclose(grew, sum(a for n, a in after.sent if n is node), abs_tol=1e-12)
            assert amount == amount  # a finite float, not NaN


def test_lecture_steps_by_hand() -> None:
    L, v = lecture_graph()
    steps = backward_steps(L)
    # Step 1 processes L = d * f: sends f = -2 to d and d = 4 to f.
    assert steps[1].text.startswith("step 1: L = d * f")
    # By hand: d = a*b + c = 4, dL/dd = f = -2, dL/de = dL/dc = -2, dL/da = -2 * b = 6.
    assert [s.text for s in steps] == [
        "step 0: seed dL/dL = 1",
        "step 1: L = d * f. dL/dL = 1 flows back: d gets 1 × (-2) = -2, f gets 1 × 4 = 4",
        "step 2: d = e + c. dL/dd = -2 flows back: e gets -2 × 1 = -2, c gets -2 × 1 = -2",
        "step 3: e = a * b. dL/de = -2 flows back: a gets -2 × (-3) = 6, b gets -2 × 2 = -4",
    ]
    assert dict((n.label, a) for n, a in steps[1].sent) == {"d": -2.0, "f": 4.0}
    final = steps[-1].grads
    assert [final[id(v[k])] for k in "abcf"] == [6.0, -4.0, -2.0, 4.0]


def test_frame_colours_ignore_constants() -> None:
    x = Value(500.0, label="x")
    y = x * 1e-9                          # the constant 1e-9 receives |grad| 500
    y.label = "y"
    # coloured: y (grad 1) and x (grad 1e-9), so whole decades -9 .. 0
    assert backward_steps(y).scale == (-9, 0)


def test_frame_colours_cover_the_unlabelled_parameters_of_neurons() -> None:
    from autograd_lite.nn import MLP, mse

    model = MLP(2, [3, 1], seed=0)
    loss = mse([model([1.0, 2.0])], [0.5])
    steps = backward_steps(loss)
    params = [abs(steps[-1].grads.get(id(p), 0.0)) for p in model.parameters()]
    biggest = max(g for g in params if g > 0.0)
    # the same colour scale as draw_dot's for the final frame: parameters are not constants
    assert 10.0 ** steps.scale[1] >= biggest


def test_an_overflowed_gradient_is_named_as_such_not_as_an_undefined_derivative() -> None:
    from autograd_lite import BackwardError

    x = Value(1e-200, label="x")
    z = (x * 1.0).log() * 1e200           # dz/d(x*1.0) = 1e200 / 1e-200 overflows
    with pytest.raises(BackwardError, match=r"backward through log .*does not fit in a float"):
        backward_steps(z)


def test_a_non_finite_seed_is_named_as_backward_names_it() -> None:
    with pytest.raises(ValueError, match="backward_steps: the seed must be finite, got inf"):
        backward_steps(Value(2.0) * 3, seed=math.inf)


def test_zero_gradient_step_sends_nothing() -> None:
    x = Value(-1.0, label="x")
    y = x.relu() * 0.0                   # the relu's gradient is 0 * ... = 0
    steps = backward_steps(y)
    relu_step = next(s for s in steps if s.node.op == "relu")
    assert relu_step.sent == () and "nothing flows back" in relu_step.text
    assert relu_step.text.endswith("dL/drelu1 = 0, so nothing flows back")


@pytest.mark.needs_program("dot")
def test_frame_pictures_highlight_the_processed_node() -> None:
    L, _ = lecture_graph()
    steps = backward_steps(L)
    for k, step in enumerate(steps):
        svg = ET.fromstring(to_svg(steps.draw(k)))
        current = [g for g in svg.iter(f"{SVG}g") if g.get("id") == "current"]
        assert len(current) == 1
        assert next(current[0].iter(f"{SVG}text")).text == step.node.label
        texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
        # leaves are known only once their op has been processed
        assert ("not yet computed" in texts) == (k < len(steps) - 1)


# --- the HTML player --------------------------------------------------------------------------


def player(tmp_path: Path) -> tuple[Path, object]:
    L, _ = lecture_graph()
    steps = backward_steps(L)
    return steps.save_html(tmp_path / "player.html"), steps


@pytest.mark.needs_program("dot")
def test_html_is_standalone_and_holds_every_frame(tmp_path: Path) -> None:
    path, steps = player(tmp_path)
    page = path.read_text()
    assert page.count('<div class="frame"') == len(steps) == 4  # type: ignore[arg-type]
    assert page.count("<svg") == 4
    assert not re.search(r"""(src|href)=["']https?:""", page)  # works offline
    for button in ("first", "prev", "play", "next", "last"):
        assert f'id="{button}"' in page
    assert len(set(re.findall(r'\bid="([^"]+)"', page))) == len(re.findall(r'\bid="', page))


@pytest.fixture(scope="module")
def browser(program: Callable[[str], str]) -> str:
    return program("chromium")  # conftest: skips without it, fails with CI=true


def dump_dom(browser: str, path: Path, fragment: str, profile: Path) -> str:
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
         "--dump-dom", f"{path.as_uri()}#{fragment}"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def shown(dom: str) -> tuple[int, str, str]:
    """(data-step, data-current, label of the highlighted node in the visible frame)."""
    body = re.search(r'<body[^>]*data-step="(\d+)"[^>]*data-current="([^"]*)"', dom)
    assert body, dom[:500]
    visible = [f for f in dom.split('<div class="frame"')[1:] if " hidden" not in f[:300]]
    assert len(visible) == 1
    current = re.search(r'id="s\d+-current".*?<text[^>]*>([^<]*)</text>', visible[0], re.S)
    assert current
    return int(body.group(1)), body.group(2), current.group(1)


@pytest.mark.needs_program("dot")
def test_player_in_a_headless_browser_steps_and_plays(browser: str, tmp_path: Path) -> None:
    path, steps = player(tmp_path)
    expected = [s.node.label for s in steps]  # type: ignore[attr-defined]
    first = shown(dump_dom(browser, path, "clicks=0", tmp_path / "p0"))
    assert first == (0, "L", "L")
    stepped = shown(dump_dom(browser, path, "clicks=2", tmp_path / "p1"))
    assert stepped == (2, expected[2], expected[2]) and stepped[2] != first[2]
    played = shown(dump_dom(browser, path, "play&interval=50", tmp_path / "p2"))
    assert played == (3, expected[3], expected[3])


# --- in Jupyter -------------------------------------------------------------------------------


@pytest.mark.needs_program("dot")
def test_without_ipywidgets_the_player_is_html(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails, as if not installed
    y, _ = shared()
    fallback = play_backward(y)
    page = fallback._repr_html_()
    assert page.startswith("<iframe srcdoc=") and page.count("&lt;svg") == len(fallback)


@pytest.mark.needs_program("dot")
@pytest.mark.needs_module("ipywidgets")
def test_ipywidgets_player_follows_the_slider() -> None:
    import ipywidgets

    L, _ = lecture_graph()
    box = play_backward(L)
    assert isinstance(box, ipywidgets.VBox)
    controls, caption, view = box.children
    play, slider = controls.children
    assert (play.max, slider.max) == (3, 3)
    slider.value = 2
    steps = backward_steps(L)
    assert caption.value == steps[2].text
    picture = html.unescape(view.value)  # graphviz writes "-" as &#45;
    assert 'id="s2-current"' in picture and f"grad {fmt(-2.0)}" in picture


# --- any expression ------------------------------------------------------------------------

_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "tanh": lambda a, b: a.tanh(),
    "sin": lambda a, b: a.sin(),
    "square": lambda a, b: a ** 2,
}


@st.composite
def expressions(draw: st.DrawFn) -> Value:
    """Random graphs with shared sub-expressions: each op reads any earlier node."""
    pool = [Value(draw(st.floats(-2, 2, allow_nan=False)), label=f"x{i}") for i in range(3)]
    for _ in range(draw(st.integers(1, 12))):
        op = _OPS[draw(st.sampled_from(sorted(_OPS)))]
        a = pool[draw(st.integers(0, len(pool) - 1))]
        b = pool[draw(st.integers(0, len(pool) - 1))]
        out = op(a, b)
        pool.append(out.tanh() if abs(out.data) > 10 else out)  # keep values bounded
    return pool[-1]


@given(expressions())
def test_last_frame_equals_backward_and_grad_is_untouched(root: Value) -> None:
    steps = backward_steps(root)
    order = topological_order(root)
    assert all(n.grad == 0.0 for n in order)        # frames never write .grad
    assert len(steps) == 1 + sum(1 for n in order if n.parents)
    root.backward()                                  # the engine's own pass as the reference
    for node in order:
        assert math.isclose(steps[-1].grads.get(id(node), 0.0), node.grad,
                            rel_tol=1e-12, abs_tol=1e-12)
