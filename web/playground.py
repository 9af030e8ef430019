"""The Python side of the browser playground (it runs in Pyodide, in a Web Worker).

The page sends the learner's code to :func:`run` and gets back, as JSON, everything it
shows: the gradient graph (``draw_dot``), the chain-rule transcript (``explain``), the
captions of the step-through player (``backward_steps``) and the rows of "check my
answer". :func:`frame` draws one frame of the player on demand and :func:`check` grades
the typed answers with ``autograd_lite.check_answers``.

Which node is differentiated (the *root*): the value of the code's last line when it is
a ``Value`` (as a notebook cell shows its last expression); otherwise the first variable
named ``L``, ``loss``, ``cost``, ``o`` or ``out`` that holds a ``Value``.

WebAssembly's stack is small: freeing a chain of about 1,300 nodes in a worker (2,500 on
a page's main thread), measured in headless chromium with Pyodide 314.0.7, overflows it,
because CPython frees a node's inputs recursively. So the page refuses graphs deeper than
:data:`MAX_DEPTH`, and before each run it takes the previous run's graphs apart
iteratively (:func:`dismantle`), so that no graph is ever freed recursively.

The module is plain Python: the tests import it in CPython too.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import linecache
import math
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import autograd_lite
from autograd_lite import Value, backward_order, backward_steps, draw_dot, explain
from autograd_lite.names import node_names
from autograd_lite.notation import d_of
from autograd_lite.viz.renderers import get_renderer, render, set_renderer, viz_js

__all__ = ["MAX_DEPTH", "ROOT_NAMES", "check", "depth", "dismantle", "find_root", "frame",
           "run"]

MAX_DEPTH = 500          # longest path of ops the page accepts (measured limit: ~1,300)
ROOT_NAMES = ("L", "loss", "cost", "o", "out")
MAX_OUTPUT = 20_000      # characters of printed output shown
FILENAME = "<your code>"


@dataclass
class _Session:
    """What the last run left for the player and the answer checker."""

    namespace: dict[str, Any] = field(default_factory=dict)
    root: Value | None = None
    steps: Any = None
    practise: bool = False       # frames show formulas, no numbers, until a step is shown
    rows: list[Value] = field(default_factory=list)   # nodes the learner can answer for


_SESSION = _Session()


# --- taking graphs apart without recursion ----------------------------------------------------


def cut_parents(node: Value) -> None:
    """Make ``node`` a leaf, so freeing it frees none of its inputs recursively.

    >>> y = Value(2.0) * 3
    >>> cut_parents(y); y.parents, y.data
    ((), 6.0)
    """
    node.parents = ()


# Objects whose attributes are code, not the learner's data (a module would lead into the
# whole library).
_NOT_DATA = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def _values_in(objects: Iterable[Any], limit: int = 1_000_000) -> list[Value]:
    """Every ``Value`` held by ``objects``, looking inside containers and objects' attributes
    (an nn model, a list of nodes, a dict...), iteratively and at most ``limit`` objects."""
    found: list[Value] = []
    seen: set[int] = set()
    stack = list(objects)
    while stack and len(seen) < limit:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, complex, type)):
            continue
        seen.add(id(obj))
        if isinstance(obj, Value):
            found.append(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif hasattr(obj, "__dict__") and not isinstance(obj, _NOT_DATA):
            with contextlib.suppress(TypeError):  # an object's own attributes, as an nn model
                stack.extend(vars(obj).values())
    return found


def dismantle(objects: Iterable[Any]) -> int:
    """Take apart every graph reachable from ``objects`` (through inputs and through
    ``.grad`` graphs made by ``backward(create_graph=True)``), without recursion: every node
    becomes a leaf, so dropping the last reference frees each node on its own. Returns the
    number of nodes taken apart.

    >>> x = Value(1.0)                  # a chain of 100,000 products by the constant 1.0
    >>> y = x
    >>> for _ in range(100_000): y = y * 1.0
    >>> dismantle([y]), y.parents
    (200001, ())
    """
    nodes: list[Value] = []
    seen: set[int] = set()
    stack = _values_in(objects)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(node.parents)
        if isinstance(node.grad, Value):
            stack.append(node.grad)
    for node in nodes:
        cut_parents(node)
        if isinstance(node.grad, Value):
            node.grad = 0.0
    return len(nodes)


def depth(root: Value) -> int:
    """The longest chain of ops below ``root`` (0 for a leaf), counting ``.grad`` graphs of
    ``backward(create_graph=True)`` too; iterative.

    >>> x = Value(2.0); y = (x * x).tanh() + x
    >>> depth(x), depth(y)
    (0, 3)
    """
    memo: dict[int, int] = {}
    extra: list[Value] = []
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            memo[id(node)] = 1 + max(memo[id(p)] for p in node.parents) if node.parents else 0
            continue
        if id(node) in memo:
            continue
        memo[id(node)] = 0  # provisional: a graph with a .grad cycle stops here
        if isinstance(node.grad, Value):
            extra.append(node.grad)
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in memo)
    deepest = memo[id(root)]
    for graph in extra:
        if graph is not root and id(graph) not in memo:
            deepest = max(deepest, depth(graph))
    return deepest


# --- running the learner's code ---------------------------------------------------------------


def find_root(last: Any, namespace: dict[str, Any]) -> tuple[Value | None, str]:
    """The node to differentiate and how it was found (see the module docstring).

    >>> a = Value(1.0); L = a * 2
    >>> find_root(a, {"L": L})[1], find_root(None, {"L": L})[1], find_root(3, {})
    ('the last line', 'the variable L', (None, ''))
    """
    if isinstance(last, Value):
        return last, "the last line"
    for name in ROOT_NAMES:
        if isinstance(namespace.get(name), Value):
            return namespace[name], f"the variable {name}"
    return None, ""


def _execute(code: str, namespace: dict[str, Any]) -> Any:
    """Run ``code`` as a notebook cell runs it: the value of a final expression is returned."""
    tree = ast.parse(code, FILENAME)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body[-1].value)
        tree.body.pop()
    exec(compile(tree, FILENAME, "exec"), namespace)  # the learner's own code, by design
    return eval(compile(last, FILENAME, "eval"), namespace) if last is not None else None


def _traceback(exc: BaseException) -> str:
    """The traceback from the learner's code down, without the playground's own frames and
    without those inside autograd_lite (its messages name the op and the values)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    if isinstance(exc, SyntaxError) or tb is None:
        return "".join(traceback.format_exception_only(type(exc), exc))
    report = traceback.TracebackException(type(exc), exc, tb)
    library = str(Path(autograd_lite.__file__).parent)
    frames = [f for f in report.stack if not f.filename.startswith(library)]
    hidden = len(report.stack) - len(frames)
    note = f"  ({hidden} frame{'s' * (hidden > 1)} inside autograd_lite not shown)\n"
    return ("Traceback (most recent call last):\n"
            + "".join(traceback.StackSummary.from_list(frames).format())
            + (note if hidden else "") + "".join(report.format_exception_only()))


def _number(x: float) -> float | str:
    """JSON has no inf/nan: those travel as text."""
    return x if math.isfinite(x) else repr(x)


def _svg(dot: str) -> str | None:
    """The DOT source as SVG through the installed renderer (the WebAssembly Graphviz in the
    browser), or None without one (then the page shows the DOT text)."""
    return render(dot, "svg").decode("utf-8") if get_renderer() is not None else None


def _attempt(what: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One panel's content, or its error as text (one panel failing spoils no other)."""
    try:
        return what()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def _transcript(root: Value) -> dict[str, Any]:
    lines = []
    for step in explain(root):
        text, _, where = str(step).partition("    [")
        lines.append({"name": step.name, "text": text, "where": where.removesuffix("]"),
                      "grad": _number(step.grad)})
    return {"lines": lines}


def _graph(root: Value, practise: bool) -> dict[str, Any]:
    if practise:  # data and formulas only: no number gives a gradient away
        dot = draw_dot(root, show=("data",), edge_labels="formula", color_by=None).source
    else:
        dot = draw_dot(root).source
    return {"dot": dot, "svg": _svg(dot)}


def _rows(root: Value, names: dict[int, str]) -> list[dict[str, Any]]:
    """One row per node below the root, in backward order (as the transcript reads), for
    "check my answer"; ``d`` is the row's label (``do/d(x1*w1)``: names with operators are
    bracketed)."""
    _SESSION.rows = backward_order(root)[1:]
    top = d_of(names[id(root)])
    return [{"index": i, "name": names[id(node)], "d": f"d{top}/d{d_of(names[id(node)])}",
             "op": node.op, "data": _number(node.data)}
            for i, node in enumerate(_SESSION.rows)]


def run(code: str, practise: bool = False) -> str:
    """Run the learner's ``code`` and return, as JSON, what the page shows.

    >>> out = json.loads(run("from autograd_lite import Value\\n"
    ...                      "a = Value(3.0, label='a')\\nL = a * a; L.label = 'L'"))
    >>> out["ok"], out["root"]["name"], out["found"], out["steps"]["count"]
    (True, 'L', 'the variable L', 2)
    >>> [line["grad"] for line in out["transcript"]["lines"]]        # dL/da = 2a = 6
    [1.0, 6.0]
    """
    started = time.perf_counter()
    previous = [_SESSION.namespace, _SESSION.root, _SESSION.steps, _SESSION.rows]
    _SESSION.namespace, _SESSION.root, _SESSION.steps, _SESSION.rows = {}, None, None, []
    dismantle(previous)  # before anything of the last run can be freed
    del previous
    # Value and draw_dot are there already: a lecture snippet pasted without its import runs
    namespace: dict[str, Any] = {"__name__": "__main__", "Value": Value, "draw_dot": draw_dot}
    _SESSION.namespace = namespace
    out: dict[str, Any] = {"ok": False, "stdout": "", "check_available":
                           hasattr(autograd_lite, "check_answers")}
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            last = _execute(code, namespace)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the code's too
        out["stdout"] = printed.getvalue()[-MAX_OUTPUT:]
        out.update(error=_traceback(exc), error_kind="python")
        return json.dumps(out)
    out["stdout"] = printed.getvalue()[-MAX_OUTPUT:]
    root, found = find_root(last, namespace)
    if root is None:
        out.update(error_kind="root", error=(
            "Nothing to differentiate: end your code with the node to differentiate on a "
            f"line of its own (like o), or name it one of {', '.join(ROOT_NAMES)}."))
        return json.dumps(out)
    deep = depth(root)
    if deep > MAX_DEPTH:
        dismantle([namespace])
        out.update(error_kind="depth", depth=deep, error=(
            f"This graph is {deep} ops deep; the playground draws and explains graphs at most "
            f"{MAX_DEPTH} deep. (In the browser, Python's stack lives in WebAssembly and "
            "freeing a graph about 1,300 nodes deep overflows it.) Make the chain shorter, "
            "or run this code with autograd_lite on your own machine, where deep graphs "
            "are fine."))
        return json.dumps(out)
    try:  # the graph as the code left it: a label set to a number is the code's mistake
        names = node_names(root)
    except (TypeError, ValueError) as exc:
        out.update(error=_traceback(exc), error_kind="python")
        return json.dumps(out)
    _SESSION.root, _SESSION.practise = root, practise
    out.update(ok=True, found=found, depth=deep, practise=practise, nodes=len(names), root={
        "name": names[id(root)], "data": _number(root.data), "op": root.op})
    out["graph"] = _attempt(lambda: _graph(root, practise))
    out["transcript"] = _attempt(lambda: _transcript(root))

    def steps() -> dict[str, Any]:
        _SESSION.steps = backward_steps(root)
        return {"count": len(_SESSION.steps), "captions": [s.text for s in _SESSION.steps]}

    out["steps"] = _attempt(steps)
    out["rows"] = _attempt(lambda: {"rows": _rows(root, names)})
    out["ms"] = round(1000 * (time.perf_counter() - started), 1)
    return json.dumps(out)


def graph(practise: bool) -> str:
    """The last run's graph again, with or without its gradients (the practise switch)."""
    if _SESSION.root is None:
        return json.dumps({"error": "nothing has run yet"})
    return json.dumps(_attempt(lambda: _graph(_SESSION.root, practise)))  # type: ignore[arg-type]


def frame(k: int) -> str:
    """Frame ``k`` of the step-through player: its caption, DOT source and (with a renderer)
    SVG, as JSON. While practising, the edges of the steps not yet shown carry their
    formulas only (``edge_labels="formula"``): no number there gives an answer away."""
    steps = _SESSION.steps
    if steps is None or not 0 <= k < len(steps):
        return json.dumps({"error": f"there is no frame {k}"})

    def draw() -> dict[str, Any]:
        dot = steps.draw(k, edge_labels="formula" if _SESSION.practise else "chain").source
        return {"k": k, "caption": steps[k].text, "dot": dot, "svg": _svg(dot)}

    return json.dumps(_attempt(draw))


def _answer(text: str) -> float | str:
    """A typed answer: a finite number if it reads as one (a leading − counts as minus),
    else the text itself, which ``check_answers`` reads as a formula (one it cannot read,
    such as ``w1 *`` or ``1e999``, is graded wrong in its own row and says why).

    >>> _answer(" −0.5 "), _answer("b*f"), _answer("1e999"), _answer("nan")
    (-0.5, 'b*f', '1e999', 'nan')
    """
    text = text.strip().replace("−", "-")
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def check(answers: str) -> str:
    """Grade the typed answers (JSON ``{row index: text}``) with ``check_answers``."""
    checker = getattr(autograd_lite, "check_answers", None)
    if checker is None:
        return json.dumps({"available": False,
                           "error": "check_answers is not available in this build"})
    if _SESSION.root is None:
        return json.dumps({"available": True, "error": "run some code first"})
    given = {_SESSION.rows[int(i)]: _answer(t) for i, t in json.loads(answers).items()
             if t.strip() and 0 <= int(i) < len(_SESSION.rows)}
    try:
        report = checker(_SESSION.root, given)
    except Exception as exc:  # e.g. a formula it cannot read: say which, keep the page
        return json.dumps({"available": True, "error": f"{type(exc).__name__}: {exc}"})
    results = [{"name": r.name, "verdict": r.verdict, "expected": _number(float(r.expected)),
                "answer": None if r.answer is None else str(r.answer),
                "diagnosis": r.diagnosis} for r in report.results]
    html = report._repr_html_() if hasattr(report, "_repr_html_") else ""
    return json.dumps({"available": True, "passed": bool(report.passed),
                       "first_wrong": report.first_wrong, "text": str(report), "html": html,
                       "results": results})


def install_browser_renderer(viz: Any) -> None:
    """Render through the WebAssembly Graphviz (a ``@viz-js/viz`` instance) from now on."""
    set_renderer(viz_js(viz))


if __name__ == "__main__":  # python web/playground.py FILE: what the page would get
    with open(sys.argv[1], encoding="utf-8") as source:
        print(run(source.read()))
