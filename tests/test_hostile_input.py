"""Issue 9, section 3: hard edges found by hostile testing, as classes, each with cases.

Oracles: hand derivations and hand-computed totals, ``fractions.Fraction`` for exact sums,
graphviz's own SVG (what it draws), a CommonMark renderer (markdown-it-py: what Jupyter
would show), counted work (trace events inside the package, at two sizes) and tracemalloc
(bytes held, against the graph's own size). Nothing here asserts a time.
"""

from __future__ import annotations

import asyncio
import contextvars
import html
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite
import autograd_lite.nn as nn
from autograd_lite import (
    Value,
    backprop,
    backward_steps,
    check_answers,
    check_graph,
    draw_dot,
    explain,
    formula,
    grad,
    gradcheck,
    gradgradcheck,
    gradients,
    is_grad_enabled,
    latex,
    no_grad,
    node_names,
    topological_order,
)
from autograd_lite.core.modes import trace_as
from autograd_lite.datasets import make_moons
from autograd_lite.notation import d_of
from autograd_lite.viz import GraphTooLarge, to_svg
from autograd_lite.viz.steps import BackwardSteps

PACKAGE = os.path.dirname(autograd_lite.__file__)


# --- threads: the read-only consumers never touch .grad ---------------------------------------


_GRAD = Value.grad  # the slot itself, under the property below


class Spy(Value):
    """A node that records every read and write of its ``.grad``."""

    __slots__ = ()
    touched: ClassVar[list[str]] = []

    @property  # type: ignore[override]
    def grad(self) -> Any:
        Spy.touched.append("read")
        return _GRAD.__get__(self)

    @grad.setter
    def grad(self, value: Any) -> None:
        Spy.touched.append("write")
        _GRAD.__set__(self, value)


def spied_graph() -> tuple[Value, list[Value]]:
    a, b, c = Spy(2.0, label="a"), Spy(-3.0, label="b"), Spy(0.5, label="c")
    with trace_as(Spy):  # every node an op makes is a Spy too
        e = a * b + c.tanh()
        L = autograd_lite.dot([e, a], [c, e]) + e.exp() * b
    assert all(type(n) is Spy for n in topological_order(L))
    Spy.touched.clear()
    return L, [a, b, c]


@pytest.mark.parametrize("consumer", [
    lambda L, xs: grad(L, xs),
    lambda L, xs: grad(L, xs, create_graph=True),
    lambda L, xs: gradients(L),
    lambda L, xs: gradients(L, create_graph=True),
    lambda L, xs: backprop(L),
    lambda L, xs: str(explain(L)),
    lambda L, xs: explain(L)._repr_markdown_(),
    lambda L, xs: [s.grads for s in backward_steps(L)],
], ids=["grad", "grad create_graph", "gradients", "gradients create_graph", "backprop",
        "explain", "explain markdown", "backward_steps"])
def test_grad_gradients_backprop_explain_and_steps_never_touch_grad(
        consumer: Callable[[Value, list[Value]], Any]) -> None:
    L, xs = spied_graph()
    consumer(L, xs)
    assert Spy.touched == []


def test_backward_in_one_thread_while_others_read_gradients_of_a_shared_leaf() -> None:
    w = Value(0.5, label="w")
    L1 = (w * w) * 3.0          # dL1/dw = 6w = 3, exactly
    L2 = w * 4.0 + w * w         # dL2/dw = 4 + 2w = 5, exactly
    steps, errors = 1500, []
    done = threading.Event()

    def backward_loop() -> None:
        try:
            for _ in range(steps):
                L1.backward()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    def reader(check: Callable[[], float]) -> None:
        try:
            while not done.is_set():
                got = check()
                if got != 5.0:
                    errors.append(AssertionError(f"read {got}, not 5"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    checks: list[Callable[[], float]] = [
        lambda: grad(L2, w)[0].data,
        lambda: explain(L2).grad(w),
        lambda: gradients(L2)[w],
        lambda: backward_steps(L2)[-1].grads[id(w)],
    ]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=backward_loop)] + [
            threading.Thread(target=reader, args=(c,)) for c in checks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert errors == []
    assert w.grad == steps * 3.0  # every backward's 3 accumulated, none lost or doubled
    assert L1.parents[0].grad == 3.0 and L1.grad == 1.0  # interior nodes: recomputed


class SlowFloat(float):
    """A ``.grad`` whose addition takes a while: another thread runs in the meantime."""

    def __add__(self, other: Any) -> Any:
        time.sleep(0.05)
        return float(self) + other


def test_two_threads_backward_into_one_leaf_lose_nothing() -> None:
    w = Value(0.5, label="w")
    w.grad = SlowFloat(0.0)
    roots = [(w * w) * 3.0, w * 5.0]  # 3 and 5
    threads = [threading.Thread(target=r.backward) for r in roots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert w.grad == 8.0


# --- text views and the player take work linear in the graph ---------------------------------


def work(fn: Callable[[], Any]) -> int:
    """Trace events (calls, lines, loop iterations) inside the package while ``fn`` runs:
    the work done, counted, not timed."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename.startswith(PACKAGE):
            count += 1
            return local
        return None

    sys.settrace(calls)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def size(root: Value) -> int:
    """Nodes plus edges: what a linear walk visits."""
    order = topological_order(root)
    return len(order) + sum(len(n.parents) for n in order)


def chain(n: int) -> Value:
    x = Value(1.0, label="h")
    for _ in range(n):
        x = x * 1.0
        x.label = "h"  # every node shares the label
    return x


def wide(n: int) -> Value:
    return autograd_lite.functional.sum([Value(float(i), label=f"x{i}") for i in range(n)])


def demo_loss(points: int) -> Value:
    """The demo's full-batch loss: MLP(2, [16, 16, 1]) on moons, hinge + 1e-4 L2."""
    X, Y = make_moons(points, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    scores = list(map(model, X))
    losses = [(1 + -yi * s).relu() for yi, s in zip(Y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


VIEWS: list[tuple[str, Callable[[int], Value], tuple[int, int], Callable[[Value], Any]]] = [
    ("formula of a chain", chain, (2000, 8000), formula),
    ("latex of a chain", chain, (2000, 8000), latex),
    ("node_names of a chain", chain, (2000, 8000), node_names),
    ("explain of a wide sum", wide, (1000, 4000), lambda r: str(explain(r))),
    ("explain markdown of a wide sum", wide, (1000, 4000), lambda r: explain(r)._repr_markdown_()),
    ("draw_dot of a wide sum", wide, (1000, 4000),
     lambda r: draw_dot(r, max_nodes=10**6).source),
    ("backward_steps of a wide sum", wide, (1000, 4000), backward_steps),
    ("explain of the demo loss", demo_loss, (20, 60), lambda r: str(explain(r))),
    ("backward_steps of the demo loss", demo_loss, (20, 60), backward_steps),
]


@pytest.mark.parametrize(("make", "sizes", "view"), [v[1:] for v in VIEWS],
                         ids=[v[0] for v in VIEWS])
def test_text_views_take_work_linear_in_the_graph(make: Callable[[int], Value],
                                                  sizes: tuple[int, int],
                                                  view: Callable[[Value], Any]) -> None:
    small, large = (make(n) for n in sizes)
    grows = size(large) / size(small)  # about 3 to 4; quadratic work would grow 9 to 16x
    ratio = work(lambda: view(large)) / work(lambda: view(small))
    assert ratio < 1.5 * grows, (ratio, grows)


def test_backward_steps_hold_memory_proportional_to_the_graph() -> None:
    held = []
    for points in (25, 100):
        tracemalloc.start()
        root = demo_loss(points)
        graph_bytes = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        steps = backward_steps(root)
        assert len(steps) > 100
        kept, peak = (m - before for m in tracemalloc.get_traced_memory())
        tracemalloc.stop()
        # a few times the graph itself, not nodes x gradients (1.2 GB at 100 points)
        assert kept < 8 * graph_bytes and peak < 10 * graph_bytes, (kept, peak, graph_bytes)
        held.append(kept / size(root))
        del steps, root
    assert held[1] < 1.5 * held[0]  # bytes per node and edge do not grow with the graph


def test_save_html_refuses_a_large_graph_before_drawing_frames(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps = backward_steps(demo_loss(20))
    drawn: list[int] = []
    real_draw = BackwardSteps.draw

    def counting_draw(self: BackwardSteps, k: int, **options: Any) -> Any:
        drawn.append(k)
        return real_draw(self, k, **options)

    monkeypatch.setattr(BackwardSteps, "draw", counting_draw)
    runs: list[Any] = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: runs.append(a))
    with pytest.raises(GraphTooLarge):
        steps.save_html(tmp_path / "player.html")
    assert len(drawn) <= 1 and runs == []  # one frame tried, nothing rendered
    assert not (tmp_path / "player.html").exists()


@pytest.mark.needs_program("dot")
def test_save_html_runs_dot_once_for_all_frames(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    x, b = Value(0.5, label="x"), Value(-1.0, label="b")
    y = ((x * 3.0 + b).tanh() * x).exp()
    y.label = "y"
    steps = backward_steps(y)
    assert len(steps) >= 5
    runs: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args: list[str], *rest: Any, **kwargs: Any) -> Any:
        runs.append(list(args))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    page = steps.save_html(tmp_path / "player.html").read_text(encoding="utf-8")
    assert len(runs) == 1 and os.path.basename(runs[0][0]) == "dot"
    assert page.count('<div class="frame"') == len(steps) == page.count("<svg")


# --- gradcheck of a function that returns a gradient ----------------------------------------


@given(st.floats(-2, 2))
def test_gradcheck_of_a_function_returning_grad_with_create_graph(x0: float) -> None:
    def slope(x: Value) -> Value:  # f(x) = x**3 + sin(x): returns f'(x) = 3x**2 + cos(x)
        (g,) = grad(x ** 3 + x.sin(), x, create_graph=True)
        return g

    report = gradcheck(slope, [x0])
    assert report.passed
    assert math.isclose(report.rows[0].analytic, 6 * x0 - math.sin(x0),  # f'' by hand
                        rel_tol=1e-12, abs_tol=1e-12)
    assert gradgradcheck(slope, [x0]).passed  # f''' = 6 - cos(x)


@given(st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_gradcheck_of_a_gradient_of_two_inputs(x0: float, y0: float) -> None:
    def field(x: Value, y: Value) -> list[Value]:  # grad of x*y**2 + exp(x): (y**2 + e^x, 2xy)
        gx, gy = grad(x * y * y + x.exp(), [x, y], create_graph=True)
        return [gx, gy]

    report = gradcheck(field, [x0, y0])
    assert report.passed
    hessian = {("x", "x"): math.exp(x0), ("x", "y"): 2 * y0, ("y", "x"): 2 * y0,
               ("y", "y"): 2 * x0}
    for row, key in zip(report.rows, [("x", "x"), ("x", "y"), ("y", "x"), ("y", "y")]):
        assert math.isclose(row.analytic, hessian[key], rel_tol=1e-12, abs_tol=1e-12)
    assert gradgradcheck(field, [x0, y0]).passed


# --- labels drawn and displayed as typed --------------------------------------------------------


HOSTILE = ["w\\N", "loss\\G", "x\\", "\\\\", "\\l", "<b>", "a&b", "&amp;", "</td>", "`x`",
           "```", 'q"uote', "tab\there", "bell\x07", "esc\x1b[0m", "del\x7f", "{a|b}", "[x]",
           "$x$", "*a*", "_u_", "<img src=x onerror=alert(1)>", "a|b"]


def visible(label: str) -> str:
    """How a label is drawn: a control character as its Unicode control picture."""
    return "".join(chr(0x2400 + ord(ch)) if ord(ch) < 32 else "\u2421" if ord(ch) == 127 else ch
                   for ch in label)


def svg_text(svg: str) -> str:
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


@pytest.mark.needs_program("dot")
@pytest.mark.parametrize("label", HOSTILE, ids=repr)
def test_hostile_labels_render_with_dot_and_read_as_typed(label: str) -> None:
    def picture(name: str, backward: bool, grads: str) -> str:
        a, b = Value(2.0, label=name), Value(-3.0, label="b")
        c = a * b + a
        c.label = name + "!"
        if backward:
            c.backward()
        return to_svg(draw_dot(c, grads=grads))  # a failure of dot raises here

    for backward, grads in ((False, "auto"), (False, "compute"), (True, "auto")):
        svg = picture(label, backward, grads)
        shown = svg_text(svg)
        assert visible(label) in shown and visible(label + "!") in shown
        assert f"∂mul1/∂{d_of(visible(label))}" in shown  # the edge label names it too
        # the label adds no element: the same SVG elements as with a plain label
        elements = sorted(e.tag for e in ET.fromstring(svg).iter())
        assert elements == sorted(e.tag for e in ET.fromstring(
            picture("q", backward, grads)).iter())


@pytest.mark.needs_program("dot")
def test_a_newline_in_a_label_breaks_the_line() -> None:
    a = Value(2.0, label="two\nlines")
    shown = svg_text(to_svg(draw_dot(a * 3.0)))
    assert "two" in shown and "lines" in shown and "two\nlines" not in shown


def displays(label: str) -> dict[str, str]:
    """Every Jupyter display of a report about a graph whose leaf is labelled ``label``."""
    a, b = Value(2.0, label=label), Value(-3.0, label="b")
    L = a * b
    L.label = "L"
    shown = {
        "explain": explain(L)._repr_markdown_(),
        "gradcheck": gradcheck(lambda a, b: a * b, [a, b])._repr_markdown_(),
        "check_answers": check_answers(L, {label: 1.0, "b": 2.0})._repr_markdown_(),
        "check_answers html": check_answers(L, {label: 1.0, "b": 2.0})._repr_html_(),
    }
    a.data = 5.0  # L is stale now: check_graph names it and its inputs
    shown["check_graph"] = check_graph(L)._repr_markdown_()
    shown["check_graph text"] = str(check_graph(L))
    return shown


def tags(page: str) -> list[str]:
    return re.findall(r"</?[a-zA-Z][a-zA-Z0-9]*", page)


@pytest.mark.needs_module("markdown_it")
@pytest.mark.parametrize("label", HOSTILE, ids=repr)
def test_markdown_and_html_reprs_show_labels_as_text_never_as_markup(label: str) -> None:
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark").enable("table").render
    hostile, plain = displays(label), displays("q")
    for what in ("explain", "gradcheck", "check_answers", "check_graph"):
        page = render(hostile[what])
        if what == "explain":  # a step naming such a label is plain text, not math
            assert set(tags(page)) <= {"<ul", "</ul", "<li", "</li", "<code", "</code"}
            assert tags(page).count("<li") == 3  # one item per step, as with any label
        else:  # the label changes no structure: the same elements as with a plain label
            assert tags(page) == tags(render(plain[what])), what
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        assert label.replace("\n", " ") in text, (what, hostile[what])
    page = hostile["check_answers html"]
    assert tags(page) == tags(plain["check_answers html"])
    assert label in html.unescape(re.sub(r"<[^>]+>", "", page))
    # check_graph's Markdown is its text in a code block, every character kept
    (inside,) = re.findall(r"<code[^>]*>(.*)</code>", render(hostile["check_graph"]),
                           flags=re.DOTALL)
    assert html.unescape(inside) == hostile["check_graph text"] + "\n"
    assert label in hostile["check_graph text"]


# --- detect_anomaly: the user's line, in a folder named like the package ---------------------


def test_anomaly_reports_the_users_line_in_a_folder_named_like_the_package(
        tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "autograd_lite",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("autograd_lite_homework", "autograd_lite2", "autograd_lite.old"):
        script = tmp_path / folder / "hw.py"
        script.parent.mkdir()
        script.write_text(textwrap.dedent("""\
            import autograd_lite
            from autograd_lite import Value, creation_site, detect_anomaly
            print(autograd_lite.__file__)
            with detect_anomaly():
                x = Value(0.0, label="x")
                y = (x * 2.0).sqrt()
            print(creation_site(y))
            try:
                y.backward()
            except autograd_lite.BackwardError as error:
                print(error)
            """), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tmp_path)}
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=True)
        package_file, site, error = done.stdout.splitlines()
        assert package_file.startswith(str(tmp_path / "autograd_lite") + os.sep)
        assert site == f"{script}:6 in <module>"
        assert error.endswith(f"(created at {script}:6 in <module>)")


# --- messages: exact sums that fit, and overflow called overflow -----------------------------


def test_a_sum_whose_partial_sums_overflow_but_whose_total_fits() -> None:
    xs = [1e308, 1e308, -1e308]
    exact = float(sum(map(Fraction, xs)))
    assert autograd_lite.functional.sum(xs).data == exact == 1e308
    assert autograd_lite.functional.sum([Value(x) for x in xs]).data == exact


@given(st.lists(st.sampled_from([1e308, -1e308, 1.7e308, -1.7e308, 5e307, 3.0, -0.5]),
                min_size=1, max_size=8))
def test_sum_is_the_exact_total_rounded_once_or_an_overflow_naming_sum(xs: list[float]) -> None:
    exact = sum(map(Fraction, xs))
    try:
        expected: float | None = float(exact)
    except OverflowError:
        expected = None
    if expected is not None and math.isfinite(expected):
        assert autograd_lite.functional.sum(xs).data == expected
    else:
        with pytest.raises(OverflowError) as info:
            autograd_lite.functional.sum(xs)
        assert str(info.value).startswith("sum: ") and "overflows" in str(info.value)


@pytest.mark.parametrize(("make", "start"), [
    (lambda: Value(1e200) ** 2, "powc: x ** 2 overflows"),
    (lambda: Value(1e200, label="big") ** 2.0, "powc: big ** 2 overflows"),
    (lambda: Value(1e200) ** Value(2.0), "pow: x ** y overflows"),
    (lambda: Value(-1e200) ** 3, "powc: x ** 3 overflows"),
    (lambda: Value(10.0) ** Value(400.0), "pow: x ** y overflows"),
    (lambda: Value(1e200) * 1e200, "mul: x * y overflows"),
    (lambda: Value(1000.0).exp(), "exp: exp(x) overflows"),
    (lambda: Value(1e308) + 1e308, "add: x + y overflows"),
    (lambda: Value(1e300) / 1e-300, "div: x / y overflows"),
])
def test_a_result_too_large_for_a_float_is_called_an_overflow(make: Callable[[], Value],
                                                              start: str) -> None:
    with pytest.raises(OverflowError) as info:
        make()
    message = str(info.value)
    assert message.startswith(start) and "needs" not in message
    assert "does not fit in a float" in message


# --- no_grad in a generator finished elsewhere --------------------------------------------------


def paused_in_no_grad() -> Iterator[bool]:
    with no_grad():
        yield is_grad_enabled()
        yield is_grad_enabled()


def isolated(test: Callable[[], None]) -> Callable[[], None]:
    """Run ``test`` in a copy of this thread's context: a block it leaves open (a paused
    generator's) must not leak into the tests after it."""
    def run() -> None:
        contextvars.copy_context().run(test)
    run.__name__ = test.__name__
    return run


@isolated
def test_no_grad_in_a_generator_finished_by_another_thread_does_not_raise() -> None:
    gen = paused_in_no_grad()
    assert next(gen) is False
    results: dict[str, Any] = {}

    def finish() -> None:
        try:
            results["rest"] = list(gen)
            results["after"] = is_grad_enabled()
        except Exception as exc:  # pragma: no cover - reported below
            results["error"] = exc

    t = threading.Thread(target=finish)
    t.start()
    t.join()
    assert "error" not in results
    assert results["after"] is True  # the finishing thread records graphs as before
    with no_grad():  # this thread's own block, opened here, closes here as usual
        pass
    assert is_grad_enabled() is False  # this thread is still inside the generator's block


@isolated
def test_finishing_such_a_generator_leaves_the_finishing_threads_own_no_grad_on() -> None:
    gen = paused_in_no_grad()
    next(gen)
    results: dict[str, Any] = {}

    def finish() -> None:
        with no_grad():
            list(gen)
            results["inside"] = is_grad_enabled()
        results["after"] = is_grad_enabled()

    t = threading.Thread(target=finish)
    t.start()
    t.join()
    assert results == {"inside": False, "after": True}


@isolated
def test_no_grad_in_a_generator_finished_by_another_task_does_not_raise() -> None:
    async def main() -> dict[str, Any]:
        gen = paused_in_no_grad()

        async def start() -> bool:
            return next(gen)

        async def finish() -> tuple[list[bool], bool]:
            return list(gen), is_grad_enabled()

        first = await asyncio.create_task(start())
        rest, after = await asyncio.create_task(finish())
        return {"first": first, "rest": rest, "after": after, "main": is_grad_enabled()}

    got = asyncio.run(main())
    # the first part ran in no_grad; the task that finished it, and the caller, record
    assert got == {"first": False, "rest": [True], "after": True, "main": True}


# --- accepted but wrong: clear errors naming the function and the value -----------------------


@pytest.mark.parametrize(("call", "kind", "words"), [
    (lambda r: Value(1.0, label=5), TypeError, ["Value", "label", "5"]),
    (lambda r: Value(1.0, "x"), TypeError, ["Value", "label='x'"]),
    (lambda r: Value("2"), TypeError, ["Value", "'2'"]),
    (lambda r: Value(math.nan), ValueError, ["Value", "nan"]),
    (lambda r: draw_dot(3.0), TypeError, ["draw_dot", "3.0"]),
    (lambda r: draw_dot(r, max_nodes=0), ValueError, ["draw_dot", "max_nodes", "0"]),
    (lambda r: draw_dot(r, max_nodes=-5), ValueError, ["draw_dot", "max_nodes", "-5"]),
    (lambda r: draw_dot(r, max_nodes=2.5), ValueError, ["draw_dot", "max_nodes", "2.5"]),
    (lambda r: draw_dot(r, max_nodes=True), ValueError, ["draw_dot", "max_nodes", "True"]),
    (lambda r: draw_dot(r, rankdir="up"), ValueError, ["draw_dot", "rankdir", "'up'"]),
    (lambda r: draw_dot(r, show="data"), ValueError, ["draw_dot", "show", "'data'"]),
    (lambda r: draw_dot(r, edge_labels="all"), ValueError, ["draw_dot", "edge_labels"]),
    (lambda r: draw_dot(r, vanishing=math.nan), ValueError, ["draw_dot", "vanishing", "nan"]),
    (lambda r: draw_dot(r, highlight=3), TypeError, ["draw_dot", "highlight", "3"]),
    (lambda r: draw_dot(r, grads={1: "a"}), TypeError, ["draw_dot", "grads", "'a'"]),
    (lambda r: draw_dot(r, scale=(1,)), ValueError, ["draw_dot", "scale", "(1,)"]),
    (lambda r: draw_dot(r, node_style=3), TypeError, ["draw_dot", "node_style", "3"]),
    (lambda r: draw_dot(r, model=3), TypeError, ["draw_dot", "model", "3"]),
    (lambda r: explain(3.0), TypeError, ["explain", "3.0"]),
    (lambda r: formula("y"), TypeError, ["formula", "'y'"]),
    (lambda r: latex(None), TypeError, ["latex", "None"]),
    (lambda r: node_names([r]), TypeError, ["node_names", "list"]),
    (lambda r: backward_steps(2), TypeError, ["backward_steps", "2"]),
    (lambda r: gradients(3.0), TypeError, ["gradients", "3.0"]),
    (lambda r: gradients(r, seed="1"), TypeError, ["gradients", "'1'"]),
    (lambda r: grad(3.0, r), TypeError, ["grad", "3.0"]),
    (lambda r: r.backward(grad=math.inf), ValueError, ["backward", "inf"]),
    (lambda r: check_answers(3.0, {}), TypeError, ["check_answers", "float"]),
    (lambda r: r.leaky_relu("a"), TypeError, ["leaky_relu", "'a'"]),
    (lambda r: r ** "2", TypeError, ["pow", "'2'"]),
])
def test_bad_arguments_get_errors_naming_the_function_and_the_value(
        call: Callable[[Value], Any], kind: type[Exception], words: list[str]) -> None:
    x = Value(2.0, label="x")
    root = x * 3.0
    with pytest.raises(kind) as info:
        call(root)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert x.grad == 0.0 and root.grad == 0.0


def test_a_label_set_later_to_a_non_string_is_named_by_every_view() -> None:
    """Value() refuses a non-str label; one assigned afterwards is refused, by name and
    value, by everything that names nodes (not a TypeError from deep inside a regex)."""
    a = Value(2.0, label="a")
    y = a * a
    y.backward()
    a.label = 5  # type: ignore[assignment]
    for view in (lambda: str(explain(y)), lambda: draw_dot(y), lambda: node_names(y)):
        with pytest.raises(TypeError, match=r"label must be a str, got 5 of type int"):
            view()
    a.label = "5"
    assert "5" in node_names(y).values()


@pytest.mark.parametrize("bad", ["x", None, [1.0]])
def test_data_set_later_to_a_non_number_is_named_by_the_next_op(bad: Any) -> None:
    """Python's own + accepts 'x' + 'x' and [1.0] + [1.0]: the node is still refused,
    naming the op, the input's label and the value (not a bare TypeError, not a node)."""
    a = Value(2.0, label="a")
    a.data = bad
    for make, op in ((lambda: a + a, "add"), (lambda: a * 2.0, "mul"), (lambda: a.exp(), "exp")):
        with pytest.raises(TypeError, match=rf"^{op}: the \.data of a is {re.escape(repr(bad))}"):
            make()
    neuron = nn.Neuron(1, seed=0)
    neuron.w[0].data = bad
    with pytest.raises(TypeError, match=r"^affine: the \.data of an input is"):
        neuron([1.0])


def test_a_label_set_to_none_gets_the_hint_to_clear_it() -> None:
    a = Value(2.0)
    a.label = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"got None .* write node\.label = ''"):
        node_names(a * a)


def test_an_overflow_message_writes_a_call_without_extra_brackets() -> None:
    a = Value(709.0, label="a")      # exp(709) ~ 8.2e307 fits; ten times it does not
    with pytest.raises(OverflowError, match=r"^mul: exp\(a\) \* 10 overflows"):
        a.exp() * 10
    with pytest.raises(OverflowError, match=r"^mul: \(exp\(a\) \+ a\) \* 10 overflows"):
        (a.exp() + a) * 10
