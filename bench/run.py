"""make bench: autograd_lite against micrograd 0.1.0 and a pure-float floor, in one run.

Measures (medians over repeats, all in this process):
1. micrograd's demo step: MLP(2, [16, 16, 1]) with ReLU on 100 two-moons points, SVM
   max-margin loss + 1e-4 L2, full-batch forward + backward + SGD, written as a user
   writes it (the same source for both engines, only the import differs).
2. The same step hand-written on plain floats: the floor for pure Python.
3. A chain of n ops (x = x * c + d): time per node at 1e4 and 1e6 nodes, forward + backward.
4. Bytes per node (tracemalloc) for a graph of binary ops, vs micrograd.
5. Text views of the demo's full-batch loss: explain (the call, its steps, its text, its
   Jupyter display) and backward_steps, as multiples of that loss's backward.
6. Training to a target with nn.fit: moons to 100% (SGD + momentum, Adam) and three-class
   spirals to 95% (Adam, cross-entropy): steps and seconds.

Benchmarks, not tests: nothing here asserts a time. Targets from the engine issue are
printed next to the measured ratios.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import micrograd.engine as mg_engine
import micrograd.nn as mg_nn

import autograd_lite
import autograd_lite.nn as al_nn
from autograd_lite.datasets import make_moons, make_spirals

X, Y = make_moons(100, noise=0.1, seed=0)


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    # Start from a clean heap, so no engine pays for collecting another's garbage (micrograd's
    # graphs are reference cycles that wait for the collector), then run once untimed, so the
    # timed runs see the steady state of a training loop, previous step's garbage included.
    gc.collect()
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --- 1. the demo step, as a user writes it -----------------------------------------------


def make_step(nn: Any, sizes: Sequence[int] = (16, 16, 1), data: Any = None,
              lr: float | None = None) -> Callable[[], float]:
    """micrograd's demo step, as a user writes it, for ``nn`` (autograd_lite's or
    micrograd's): MLP(2, sizes) on ``data`` (the 100 moons), learning rate ``lr`` or
    micrograd's decaying one."""
    random.seed(1337)
    model = nn.MLP(2, list(sizes))
    X_, Y_ = (X, Y) if data is None else data
    k = [0]

    def step() -> float:
        scores = list(map(model, X_))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y_, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k[0] / 100 if lr is None else lr
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        k[0] += 1
        return float(total_loss.data)

    return step


# --- 2. the same step on plain floats (hand-derived backward) ------------------------------


def make_float_step(sizes: Sequence[int], X: Sequence[Sequence[float]],
                    Y: Sequence[float]) -> Callable[[], float]:
    """make_step's training step for an MLP of ``sizes`` (ReLU hidden layers), written on
    lists of floats with its backward derived by hand: the floor a scalar engine is held to.
    The same seed draws the same weights, so both steps compute the same losses."""
    random.seed(1337)
    L = len(sizes) - 1
    W = [[[random.uniform(-1, 1) for _ in range(sizes[i])] for _ in range(sizes[i + 1])]
         for i in range(L)]
    B = [[0.0] * sizes[i + 1] for i in range(L)]
    k = [0]

    def step() -> float:
        gW = [[[0.0] * len(row) for row in layer] for layer in W]
        gB = [[0.0] * len(b) for b in B]
        n = len(X)
        total = 0.0
        for x, yi in zip(X, Y):
            acts = [list(x)]
            pres = []
            for li in range(L):
                inp = acts[-1]
                pre = [B[li][j] + sum(w * v for w, v in zip(W[li][j], inp))
                       for j in range(len(W[li]))]
                pres.append(pre)
                acts.append([max(p, 0.0) for p in pre] if li < L - 1 else pre)
            margin = 1 - yi * acts[-1][0]
            if margin > 0:
                total += margin
                grad = [-yi / n]
                for li in reversed(range(L)):
                    if li < L - 1:
                        grad = [g if p > 0 else 0.0 for g, p in zip(grad, pres[li])]
                    inp = acts[li]
                    back = [0.0] * len(inp)
                    for j, g in enumerate(grad):
                        gB[li][j] += g
                        row, grow = W[li][j], gW[li][j]
                        for i, v in enumerate(inp):
                            grow[i] += g * v
                            back[i] += g * row[i]
                    grad = back
        reg = 0.0
        for li in range(L):
            for j in range(len(W[li])):
                for i, w in enumerate(W[li][j]):
                    reg += w * w
                    gW[li][j][i] += 2e-4 * w
                reg += B[li][j] ** 2
                gB[li][j] += 2e-4 * B[li][j]
        lr = 1.0 - 0.9 * k[0] / 100
        for li in range(L):
            for j in range(len(W[li])):
                W[li][j] = [w - lr * g for w, g in zip(W[li][j], gW[li][j])]
                B[li][j] -= lr * gB[li][j]
        k[0] += 1
        return total / n + 1e-4 * reg

    return step


# --- 3. deep chains ------------------------------------------------------------------------


def chain(value_cls: Any, n: int) -> None:
    x = value_cls(0.5)
    y = x
    for _ in range(n // 2):
        y = y * 0.999999 + 0.000001
    y.backward()


# --- 4. bytes per node -----------------------------------------------------------------------


def bytes_per_node(value_cls: Any, n: int = 20000) -> float:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    xs = [value_cls(float(i) + 0.5) for i in range(64)]
    nodes = []
    for i in range(n):
        nodes.append(xs[i % 64] * xs[(i * 7 + 3) % 64])
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del nodes, xs
    return used / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    reps = 3 if args.quick else 7

    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()}")
    al_step, mg_step = make_step(al_nn), make_step(mg_nn)
    fl_step = make_float_step([2, 16, 16, 1], X, Y)
    for f in (al_step, mg_step, fl_step):
        f()  # warm up
    # Interleaved rounds: this machine's speed drifts, so each round times every engine
    # back to back and the ratios compare like with like.
    rounds: dict[str, list[float]] = {"al": [], "mg": [], "fl": [], "mg_nogc": []}
    for _ in range(reps):
        for key, f in (("al", al_step), ("mg", mg_step), ("fl", fl_step)):
            rounds[key].append(median_time(f, 1))
        gc.disable()
        rounds["mg_nogc"].append(median_time(mg_step, 1))
        gc.enable()
    t_al, t_mg, t_fl, t_mg_nogc = (statistics.median(rounds[k])
                                   for k in ("al", "mg", "fl", "mg_nogc"))

    print("\n1. micrograd demo step (MLP(2,[16,16,1]), 100 moons, full batch), median")
    print(f"   {'engine':<28}{'ms/step':>10}{'vs autograd_lite':>20}")
    rows = [("autograd_lite", t_al), ("micrograd 0.1.0", t_mg),
            ("micrograd 0.1.0, gc off", t_mg_nogc), ("plain floats (floor)", t_fl)]
    for name, t in rows:
        print(f"   {name:<28}{t * 1e3:>10.1f}{t / t_al:>19.2f}x")
    print(f"   speed-up over micrograd: {t_mg / t_al:.1f}x (target >= 10x)")

    print("\n2. chain of n nodes (x = x*c + d), forward + backward, median time per node")
    t_al_800 = median_time(lambda: chain(autograd_lite.Value, 800), reps * 3)
    t_mg_800 = median_time(lambda: chain(mg_engine.Value, 800), reps * 3)
    print(f"   at n=800 (micrograd's recursive topological sort fails near 1,000): "
          f"autograd_lite {t_al_800 / 800 * 1e9:.0f} ns, micrograd {t_mg_800 / 800 * 1e9:.0f} ns,"
          f" ratio {t_mg_800 / t_al_800:.2f}x")
    for n in (10_000, 1_000_000):
        r = 1 if n >= 1_000_000 else reps
        t = median_time(partial(chain, autograd_lite.Value, n), r)
        print(f"   autograd_lite n={n:>9,}: {t / n * 1e9:8.0f} ns/node")

    b_al, b_mg = bytes_per_node(autograd_lite.Value), bytes_per_node(mg_engine.Value)
    print("\n3. memory per binary-op node (tracemalloc)")
    print(f"   autograd_lite {b_al:6.0f} B   micrograd {b_mg:6.0f} B   "
          f"ratio {b_al / b_mg:.2f} (target <= 0.50)")
    text_views(reps)
    train_to_target()


def text_views(reps: int) -> None:
    """explain and backward_steps of the demo's full-batch loss, against its backward."""
    random.seed(1337)
    model = al_nn.MLP(2, [16, 16, 1])
    scores = list(map(model, X))
    losses = [(1 + -yi * s).relu() for yi, s in zip(Y, scores)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    nodes = len(autograd_lite.topological_order(loss))
    t_back = median_time(loss.backward, reps)
    rows = [
        ("explain(loss)", lambda: autograd_lite.explain(loss)),
        ("  + every step", lambda: autograd_lite.explain(loss).steps),
        ("  + the text (str)", lambda: str(autograd_lite.explain(loss))),
        ("  Jupyter display (200 steps)", lambda: autograd_lite.explain(loss)._repr_markdown_()),
        ("backward_steps(loss)", lambda: autograd_lite.backward_steps(loss)),
    ]
    print(f"\n4. text views of the demo's full-batch loss ({nodes:,} nodes), median; "
          f"backward {t_back * 1e3:.1f} ms")
    for name, fn in rows:
        t = median_time(fn, max(1, reps // 2))
        print(f"   {name:<32}{t * 1e3:>9.1f} ms {t / t_back:>7.1f}x backward")
    print("   (target: explain within 10x of backward)")


def train_to_target() -> None:
    print("\n5. training with nn.fit (full batch) to a target accuracy")
    moons_model = lambda: al_nn.MLP(2, [16, 16, 1], seed=0)  # noqa: E731
    runs: list[tuple[str, Callable[[], Any], Callable[..., Any], Any, float,
                     Callable[[Any], Any]]] = [
        ("moons 100, SGD momentum 0.9", moons_model, al_nn.hinge, (X, Y), 1.0,
         lambda m: al_nn.SGD(m.parameters(), lr=0.1, momentum=0.9)),
        ("moons 100, Adam", moons_model, al_nn.hinge, (X, Y), 1.0,
         lambda m: al_nn.Adam(m.parameters(), lr=0.05)),
        ("spirals 3x100, Adam, CE",
         lambda: al_nn.MLP(2, [16, 16, 3], init="he", seed=0), al_nn.cross_entropy,
         make_spirals(300, classes=3, seed=0), 0.95,
         lambda m: al_nn.Adam(m.parameters(), lr=0.02)),
    ]
    for name, make_model, loss, data, target, make_opt in runs:
        goal = " in < 100 steps and < 10 s" if name.startswith("moons") else ""
        model = make_model()
        t0 = time.perf_counter()
        history = al_nn.fit(model, loss, make_opt(model), data, epochs=300,
                            target_accuracy=target, progress=False)
        seconds = time.perf_counter() - t0
        print(f"   {name:<30} {history.epoch_accuracy[-1]:>5.0%} after {history.steps:>3} steps, "
              f"{seconds:5.2f} s (target {target:.0%}{goal})")


if __name__ == "__main__":
    main()
