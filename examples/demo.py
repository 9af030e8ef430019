"""make demo: train a small MLP on two moons and draw pictures of it.

Writes to out/: the learned decision boundary, the loss and accuracy curves, the per-layer
gradient norms, the gradient graph of one neuron, the README's example graph, the whole MLP
for one sample with each neuron collapsed to a box (graphviz), and an offline HTML player
that steps through the neuron's backward pass.
"""

from __future__ import annotations

import shutil
import time
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
from autograd_lite.viz import backward_steps, draw_dot, save, save_example_graph

OUT = Path("out")


def train() -> MLP:
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1337)
    print(f"model: {model.summary()}")
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    start = time.perf_counter()
    history = fit(model, hinge, optimizer, (X, y), epochs=100, l2=1e-4, target_accuracy=1.0)
    seconds = time.perf_counter() - start
    print(f"{history.steps} full-batch steps in {seconds:.2f} s "
          f"({1000 * seconds / history.steps:.1f} ms a step); final accuracy "
          f"{history.epoch_accuracy[-1]:.0%}" + (f"; {history.stop_reason}" if history.stop_reason
                                           else ""))
    OUT.mkdir(exist_ok=True)
    pictures = {"decision_boundary.png": plot_decision_boundary(model, X, y, resolution=100),
                "loss.png": plot_history(history),
                "grad_norms.png": plot_grad_norms(history)}
    for name, fig in pictures.items():
        fig.savefig(OUT / name, dpi=100)
        print(f"wrote {OUT / name}")
    return model


def draw_neuron(model: MLP) -> None:
    X, _ = make_moons(100, noise=0.1, seed=0)
    neuron = model.layers[0].neurons[0]
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X[0])]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i + 1}"
    neuron.b.label = "b"
    out = neuron(x)
    out.label = "out"
    model.zero_grad()  # fit leaves no gradients, but start the pictures from a clean slate
    steps = backward_steps(out)  # frames computed before .grad is filled, from the rules
    player = steps.save_html(OUT / "neuron_backward.html")
    print(f"wrote {player} (open it in a browser and step through backward)")
    out.backward()
    if not shutil.which("dot"):
        draw_dot(out).save(OUT / "neuron.dot")
        print(f"wrote {OUT / 'neuron.dot'} (install graphviz to render pictures as SVG)")
        return
    print(f"wrote {save(draw_dot(out, model=model), OUT / 'neuron.svg')}")
    for path in save_example_graph(OUT):
        print(f"wrote {path}")
    whole = model(X[0])
    model.zero_grad()  # the neuron's backward above filled some of these
    whole.backward()
    picture = draw_dot(whole, model=model, collapse="neurons")
    print(f"wrote {save(picture, OUT / 'mlp_one_sample.svg')}")


def main() -> None:
    model = train()
    draw_neuron(model)


if __name__ == "__main__":
    main()
