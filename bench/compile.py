"""make bench, compiled batch mode: autograd_lite.compile against the eager engine, the
pure-Python floor and (if installed) vectorised PyTorch, in one run.

Measures (medians of interleaved rounds, all in this process, BLAS pinned to one thread):
1. micrograd's demo step, MLP(2, [16, 16, 1]) on 100 moons, hinge loss + 1e-4 L2, full
   batch, forward + backward + SGD update of the parameters (which stay Values): eager,
   the same step on plain floats (the pure-Python floor), straight-line Python, fused
   numpy, and torch float64 on one thread.
2. The same on MLP(2, [64, 64, 1]) with 500 points.
   Compile times (tracing, generating and compiling the code) are printed with each.
3. Handwritten digits (UCI optdigits, 8x8): an MLP trained by the compiled numpy path to
   95% test accuracy: steps and seconds.

Benchmarks, not tests: nothing here asserts a time. Targets from the issue are printed next
to the measured ratios.
"""

from __future__ import annotations

import os

# One BLAS thread, set before numpy (or torch) is imported: on a shared 2-core machine a
# threaded BLAS turns a 1 ms step into 50 ms.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from run import X as MOONS_X  # noqa: E402
from run import Y as MOONS_Y  # noqa: E402
from run import make_float_step, make_step, median_time  # noqa: E402

import autograd_lite.nn as al_nn  # noqa: E402
from autograd_lite.compiler import compile, compile_loss  # noqa: E402
from autograd_lite.data import load_digits  # noqa: E402
from autograd_lite.datasets import make_moons, train_test_split  # noqa: E402

try:
    import torch
except ImportError:  # optional: pip install torch==2.13.0 into .venv for this line
    torch = None

Step = Callable[[], float]


# --- compiled steps ----------------------------------------------------------------------


def make_compiled_step(sizes: Sequence[int], X: Any, Y: Any, backend: str
                       ) -> tuple[Step, Any, Step, Step]:
    """The demo step with the loss compiled: (step with an SGD update of the Values, the
    compiled loss, the call alone, step with the update done in numpy and written back)."""
    random.seed(1337)
    model = al_nn.MLP(2, list(sizes))
    params = model.parameters()
    labels = [float(y) for y in Y]  # floats are traced: one program serves both classes
    Xs: Any = X
    Ys: Any = labels
    if backend == "numpy":
        Xs, Ys = np.array(X, dtype=float), np.array(labels)
    compiled = compile(lambda x, y: (1 + -y * model(x)).relu(), X[0], labels[0],
                       backend=backend, params=params,
                       penalty=lambda: al_nn.l2_penalty(params, 1e-4))
    k = [0]

    def step() -> float:
        loss = compiled(Xs, Ys, zero_grad=True)  # as model.zero_grad() then backward
        learning_rate = 1.0 - 0.9 * k[0] / 100
        for p in params:
            p.data -= learning_rate * p.grad
        k[0] += 1
        return loss

    def call() -> float:
        return compiled(Xs, Ys, zero_grad=True)

    def bulk_step() -> float:
        loss = compiled(Xs, Ys, zero_grad=True)
        learning_rate = 1.0 - 0.9 * k[0] / 100
        compiled.set_data(compiled.data - learning_rate * compiled.grads)
        k[0] += 1
        return loss

    return step, compiled, call, bulk_step


def make_torch_step(sizes: Sequence[int], X: Any, Y: Any) -> Step:
    assert torch is not None
    torch.set_num_threads(1)
    torch.manual_seed(1337)
    dims = [2, *sizes]
    layers: list[Any] = []
    for i in range(len(sizes)):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1], dtype=torch.float64))
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    xs = torch.tensor(X, dtype=torch.float64)
    ys = torch.tensor(Y, dtype=torch.float64)
    params = list(net.parameters())
    k = [0]

    def step() -> float:
        for p in params:
            p.grad = None
        scores = net(xs).squeeze(1)
        loss = torch.relu(1 - ys * scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
        loss.backward()
        learning_rate = 1.0 - 0.9 * k[0] / 100
        with torch.no_grad():
            for p in params:
                p -= learning_rate * p.grad
        k[0] += 1
        return float(loss.detach())

    return step


def check_against_eager(sizes: Sequence[int], X: Any, Y: Any) -> float:
    """Largest relative difference of compiled gradients from eager ones (both backends)."""
    worst = 0.0
    for backend in ("python", "numpy"):
        _, compiled, call, _ = make_compiled_step(sizes, X, Y, backend)
        call()
        got = [p.grad for p in compiled.params]
        for p in compiled.params:
            p.grad = 0.0
        compiled.eager(X, [float(y) for y in Y])
        scale = max(abs(p.grad) for p in compiled.params)
        for g, p in zip(got, compiled.params):
            worst = max(worst, abs(g - p.grad) / max(abs(p.grad), 1e-3 * scale))
    return worst


# --- the benchmark ---------------------------------------------------------------------------


def rounds(steps: dict[str, Step], reps: int) -> dict[str, float]:
    """Median time of each step, timed in interleaved rounds (this machine's speed drifts)."""
    for f in steps.values():
        f()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(reps):
        for name, f in steps.items():
            times[name].append(median_time(f, 3))
    return {name: statistics.median(t) for name, t in times.items()}


def table(title: str, sizes: Sequence[int], X: Any, Y: Any, reps: int,
          eager: Step | None) -> None:
    print(f"\n{title}")
    steps: dict[str, Step] = {"floor": make_float_step([2, *sizes], X, Y)}
    compiled: dict[str, Any] = {}
    for backend in ("python", "numpy"):
        start = time.perf_counter()
        step, c, call, bulk = make_compiled_step(sizes, X, Y, backend)
        call()
        first = time.perf_counter() - start
        compiled[backend] = (c, first)
        steps[backend] = step
        steps[f"{backend} call"] = call
        if backend == "numpy":
            steps["numpy bulk"] = bulk
    if torch is not None:
        steps["torch"] = make_torch_step(sizes, X, Y)
    t = rounds(steps, reps)
    if eager is not None:
        t["eager"] = statistics.median(median_time(eager, 1) for _ in range(max(reps // 2, 1)))
    floor, torch_t = t["floor"], t.get("torch")
    print(f"   {'step (forward + backward + SGD update)':<44}{'ms':>9}{'vs floor':>10}"
          f"{'vs torch':>10}")
    names = {"eager": "eager autograd_lite", "floor": "plain floats (the floor)",
             "python": "compiled, straight-line Python", "python call": "  its compiled call",
             "numpy": "compiled, fused numpy", "numpy call": "  its compiled call",
             "numpy bulk": "  with the SGD update in numpy, written back",
             "torch": "torch, vectorised (float64, 1 thread)"}
    for key in ("eager", "floor", "python", "python call", "numpy", "numpy call", "numpy bulk",
                "torch"):
        if key in t:
            vs_torch = f"{t[key] / torch_t:9.2f}x" if torch_t else "       -"
            print(f"   {names[key]:<44}{t[key] * 1e3:9.3f}{t[key] / floor:9.2f}x{vs_torch}")
    if torch is None:
        print("   (torch not installed: pip install torch==2.13.0 into .venv for that line)")
    for backend, (c, first) in compiled.items():
        print(f"   compile ({backend}): tracing {c.trace_seconds * 1e3:.1f} ms, generating and "
              f"compiling code {c.codegen_seconds * 1e3:.1f} ms, first call in all "
              f"{first * 1e3:.1f} ms; {len(c.programs)} program(s)")
    print(f"   straight-line Python / floor: {t['python'] / floor:.2f} (target <= 0.40)")
    if torch_t:
        print(f"   fused numpy / torch: {t['numpy bulk'] / torch_t:.2f} with the update in "
              f"numpy, {t['numpy'] / torch_t:.2f} with SGD on the Values in Python "
              f"(target: < 1 on the demo, <= 1.5 on MLP(2,[64,64,1]))")
    if eager is not None:
        print(f"   speed-up over eager: python {t['eager'] / t['python']:.0f}x, "
              f"numpy {t['eager'] / t['numpy']:.0f}x")


def digits(target: float = 0.95) -> None:
    print("\n3. handwritten digits (UCI optdigits, 8x8), compiled numpy, mini-batches of 64, "
          "Adam")
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.25, seed=0)
    start = time.perf_counter()
    model = al_nn.MLP(64, [32, 10], init="he", seed=0)
    params = model.parameters()
    optimizer = al_nn.Adam(params, lr=0.01)
    compiled = compile_loss(model, al_nn.cross_entropy, Xtr[:1], ytr[:1], backend="numpy")
    Xa, ya, Xt, yt = np.array(Xtr), np.array(ytr), np.array(Xte), np.array(yte)
    rng = np.random.default_rng(0)
    steps, accuracy, epoch = 0, 0.0, 0
    while accuracy < target and epoch < 100:
        order = rng.permutation(len(Xa))
        for k in range(0, len(order), 64):
            batch = order[k:k + 64]
            optimizer.zero_grad()
            compiled.step(Xa[batch], ya[batch])
            optimizer.step()
            steps += 1
        epoch += 1
        _, predictions = compiled.evaluate(Xt, yt)
        accuracy = al_nn.argmax_accuracy(predictions, yte)
    seconds = time.perf_counter() - start
    print(f"   MLP(64, [32, 10]): {accuracy:.1%} test accuracy after {epoch} epochs ({steps} "
          f"steps) in {seconds:.1f} s, compiling included (target >= 95% in < 30 s); "
          f"{len(compiled.compiled.programs)} programs (one per digit)")
    for backend in (True, "numpy"):  # the same through fit, test images as validation
        model = al_nn.MLP(64, [32, 10], init="he", seed=0)
        start = time.perf_counter()
        history = al_nn.fit(model, al_nn.cross_entropy, al_nn.Adam(model.parameters(), lr=0.01),
                            (Xtr, ytr), epochs=12, batch_size=64, validation=(Xte, yte),
                            compile=backend, progress=False)
        seconds = time.perf_counter() - start
        print(f"   fit(..., compile={backend!r}), 12 epochs: {history.val_accuracy[-1]:.1%} "
              f"test accuracy in {seconds:.1f} s, compiling and validation included")
    one = al_nn.MLP(64, [32, 10], init="he", seed=0)
    t0 = time.perf_counter()
    one.zero_grad()
    al_nn.cross_entropy([one(x) for x in Xtr[:64]], ytr[:64]).backward()
    eager = time.perf_counter() - t0
    print(f"   for scale: one eager step on 64 images takes {eager * 1e3:.0f} ms "
          f"(an epoch {eager * len(Xtr) / 64:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    reps = 3 if args.quick else 7
    worst = check_against_eager([16, 16, 1], MOONS_X, MOONS_Y)
    print("compiled batch mode (autograd_lite.compile); BLAS pinned to one thread")
    print(f"compiled gradients vs eager on the demo: largest relative difference {worst:.1e} "
          f"(must be <= 1e-12)")
    random.seed(1337)
    table("1. micrograd's demo step: MLP(2, [16, 16, 1]), 100 moons, hinge + L2, full batch",
          [16, 16, 1], MOONS_X, MOONS_Y, reps, make_step(al_nn))
    X, Y = make_moons(500, noise=0.1, seed=0)
    table("2. MLP(2, [64, 64, 1]), 500 moons, hinge + L2, full batch", [64, 64, 1], X, Y,
          reps, make_step(al_nn, [64, 64, 1], (X, Y), lr=0.01) if not args.quick else None)
    digits()


if __name__ == "__main__":
    main()
