"""make demo: train a small MLP on two moons and draw one neuron's gradient graph.

Written the way micrograd's demo is written, with autograd_lite swapped in.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from autograd_lite import Value, draw_dot
from autograd_lite.datasets import make_moons
from autograd_lite.nn import MLP

OUT = Path("out")


def main(steps: int = 20) -> None:
    random.seed(1337)
    X, y = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1])
    print(f"model: MLP(2, [16, 16, 1]), {len(model.parameters())} parameters")
    for k in range(steps):
        scores = [model(x) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
        accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        print(f"step {k:3d}  loss {loss.data:.4f}  accuracy {accuracy:.0%}")

    OUT.mkdir(exist_ok=True)
    neuron = model.layers[0].neurons[0]
    x = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X[0])]
    for i, w in enumerate(neuron.w):
        w.label = f"w{i + 1}"
    neuron.b.label = "b"
    out = neuron(x)
    out.label = "out"
    out.backward()
    dot = draw_dot(out)
    dot.save(OUT / "neuron.dot")
    if shutil.which("dot"):
        path = dot.render(OUT / "neuron", format="svg", cleanup=True)
        print(f"wrote {path}")
    else:
        print(f"wrote {OUT / 'neuron.dot'} (install graphviz to render it as SVG)")


if __name__ == "__main__":
    main()
