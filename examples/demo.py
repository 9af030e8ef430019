"""make demo: train a small MLP on two moons and draw pictures of it.

Writes to out/ (or the directory given as the first argument): the learned decision
boundary, the loss and accuracy curves, the per-layer gradient norms (matplotlib), and,
with graphviz's ``dot`` program, the gradient graph of one neuron, an offline HTML player
that steps through that neuron's backward pass, the README's example graph and the whole
MLP for one sample with each neuron drawn as a box. ``index.html`` shows them all on one
page: open it first.

Without ``dot`` the demo still finishes: it writes each graph's DOT source instead of its
picture and says, in one line per picture, what was skipped and how to get it.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from pathlib import Path

from autograd_lite import Value
from autograd_lite.datasets import make_moons
from autograd_lite.nn import (
    MLP,
    SGD,
    fit,
    hinge,
    plot_decision_boundary,
    plot_grad_norms,
    plot_history,
)
from autograd_lite.nn.callbacks import percent
from autograd_lite.viz import (
    GradGraph,
    GraphvizNotFound,
    backward_steps,
    dot_available,
    draw_dot,
    example_graph,
    save,
    save_example_graph,
)

GET_DOT = ("to draw it, get dot: sudo apt-get install graphviz (or brew install graphviz), "
           "then make demo")


class Report:
    """What the demo wrote (file, what it shows) and what it skipped, printed as it goes."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.wrote: list[tuple[str, str]] = []
        self.skipped: list[tuple[str, str, str]] = []  # (name, what, its DOT source)

    def add(self, path: Path, what: str) -> None:
        self.wrote.append((path.name, what))
        print(f"wrote {path!s:30s} {what}")

    def picture(self, name: str, what: str, make: Callable[[Path], list[Path]],
                graph: Callable[[], GradGraph]) -> None:
        """Write the picture(s) ``make(out / name)``, which need dot. Without dot, write
        ``graph()``'s DOT source instead and say in one line what was skipped and how to
        get it."""
        path = self.out / name
        try:
            if not dot_available():
                raise GraphvizNotFound(f"saving {path}: graphviz's 'dot' is not on PATH")
            paths = make(path)
        except GraphvizNotFound:
            source = path.with_suffix(".dot")
            source.write_text(graph().source, encoding="utf-8")
            self.skipped.append((name, what, source.name))
            print(f"skipped {path}: needs graphviz's dot (DOT source saved: {source}); {GET_DOT}")
            return
        self.wrote.append((", ".join(p.name for p in paths), what))
        print(f"wrote {', '.join(str(p) for p in paths):30s} {what}")


def train(report: Report) -> tuple[MLP, list[list[float]], list[float]]:
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1337)
    print(f"model: {model.summary()}")
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    start = time.perf_counter()
    history = fit(model, hinge, optimizer, (X, y), epochs=100, l2=1e-4, target_accuracy=1.0)
    seconds = time.perf_counter() - start
    accuracy = history.epoch_accuracy[-1]
    outcome = history.stop_reason or (f"{history.steps} full-batch steps, training accuracy "
                                      f"{percent(accuracy) if accuracy is not None else '?'}")
    print(f"trained in {seconds:.2f} s ({1000 * seconds / max(history.steps, 1):.1f} ms a "
          f"full-batch step): {outcome}")
    plots = [("decision_boundary.png", "the plane coloured by the class the network predicts, "
              "with the data", lambda: plot_decision_boundary(model, X, y, resolution=100)),
             ("loss.png", "loss and accuracy per training step", lambda: plot_history(history)),
             ("grad_norms.png", "each layer's gradient norm per step",
              lambda: plot_grad_norms(history))]
    for name, what, plot in plots:
        plot().savefig(report.out / name, dpi=100)
        report.add(report.out / name, what)
    return model, X, y


def draw(report: Report, model: MLP, X: list[list[float]]) -> None:
    neuron = model.layers[0].neurons[0]
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X[0])]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i + 1}"
    neuron.b.label = "b"
    out = neuron(x)
    out.label = "out"
    model.zero_grad()  # fit leaves no gradients, but start the pictures from a clean slate
    steps = backward_steps(out)  # frames computed before .grad is filled, from the rules
    report.picture("neuron_backward.html", "step through one neuron's backward pass "
                   "(buttons, slider, arrow keys)", lambda path: [steps.save_html(path)],
                   lambda: steps.draw(len(steps) - 1))
    out.backward()
    neuron_graph = draw_dot(out, model=model)
    report.picture("neuron.svg", "that neuron's gradient graph: each edge shows its local "
                   "derivative", lambda path: [save(neuron_graph, path)], lambda: neuron_graph)
    report.picture("graph.svg", "the README's example: micrograd's tanh neuron after "
                   "backward", lambda path: save_example_graph(path.parent), example_graph)
    whole = model(X[0])
    model.zero_grad()  # the neuron's backward above filled some of these
    whole.backward()
    collapsed = draw_dot(whole, model=model, collapse="neurons")
    report.picture("mlp_one_sample.svg", "the whole MLP for one sample, one box per neuron",
                   lambda path: [save(collapsed, path)], lambda: collapsed)


def index_page(report: Report) -> str:
    """One page showing every picture written, linking the player, listing what was
    skipped."""
    parts = []
    for names, what in report.wrote:
        links = names.split(", ")
        shown = [n for n in links if n.endswith((".png", ".svg", ".html"))][:1]
        body = "".join(f'<iframe src="{html.escape(n)}" title="{html.escape(what)}"></iframe>'
                       if n.endswith(".html") else
                       f'<img src="{html.escape(n)}" alt="{html.escape(what)}">' for n in shown)
        anchors = " ".join(f'<a href="{html.escape(n)}">{html.escape(n)}</a>' for n in links)
        parts.append(f"<section><h2>{html.escape(what)}</h2><p>{anchors}</p>{body}</section>")
    for name, what, source in report.skipped:
        parts.append(f"<section><h2>{html.escape(what)}</h2><p>not drawn: {html.escape(name)} "
                     f"needs graphviz's <code>dot</code> program (its DOT source: <a href="
                     f'"{html.escape(source)}">{html.escape(source)}</a>); '
                     f"{html.escape(GET_DOT)}.</p></section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>autograd_lite demo</title><style>body{font-family:sans-serif;margin:2em;"
            "max-width:75em} img{max-width:100%;border:1px solid #ddd} "
            "iframe{width:100%;height:40em;border:1px solid #ddd} section{margin:2em 0}"
            "</style></head><body><h1>autograd_lite demo: an MLP learns two moons</h1>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "out")
    out.mkdir(parents=True, exist_ok=True)
    report = Report(out)
    model, X, _ = train(report)
    draw(report, model, X)
    index = out / "index.html"
    index.write_text(index_page(report), encoding="utf-8")
    report.add(index, "every picture above on one page")
    print(f"open first: {index} in a browser ({index.resolve().as_uri()}), every picture "
          f"on one page")


if __name__ == "__main__":
    main(sys.argv[1:])
