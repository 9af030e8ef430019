"""Issue 8: every consumer of the one reverse walk reports backward's gradients, bit for bit.

On hypothesis-generated graphs (shared sub-expressions, a node used twice by one op, fused
n-ary sum/dot/affine nodes, unary ops, numbers written into the expression), the gradient
of every node is read from each consumer and compared with ``==`` against what
``root.backward()`` leaves in ``.grad``: gradients, backprop, grad (also with
create_graph), explain (its ``grad`` and each step), backward_steps' last frame, and
check_answers' expected values. The oracle for the numbers themselves is elsewhere (central
differences, hand derivations); here the oracle is backward, and the claim is equality.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import (
    BackwardError,
    Value,
    backprop,
    backward_steps,
    check_answers,
    explain,
    grad,
    gradients,
    topological_order,
)
from autograd_lite import functional as F

UNARY: dict[str, Callable[[Value, float], Value]] = {
    "tanh": lambda v, c: v.tanh(),
    "exp": lambda v, c: v.tanh().exp(),  # bounded, so nothing overflows
    "sin": lambda v, c: v.sin(),
    "cos": lambda v, c: v.cos(),
    "relu": lambda v, c: v.relu(),
    "abs": lambda v, c: abs(v),
    "sigmoid": lambda v, c: v.sigmoid(),
    "softplus": lambda v, c: v.softplus(),
    "sqrt": lambda v, c: (v * v + 0.25).sqrt(),
    "log": lambda v, c: (abs(v) + 0.5).log(),
    "leaky": lambda v, c: v.leaky_relu(0.1),
    "powc": lambda v, c: v ** 2 if c > 0 else v ** 3,
    "neg": lambda v, c: -v,
    "scale": lambda v, c: v * c,  # a number written into the expression
    "shift": lambda v, c: c - v,
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,  # a * a when both picks are the same node
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a * a + 0.5) ** b.tanh(),
}
NARY = ("sum", "dot", "affine")
OPS = sorted(UNARY) + sorted(BINARY) + list(NARY)


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """A random graph: leaves x0.. (some exactly 0), then ops that read any earlier nodes."""
    leaves = draw(st.integers(1, 4))
    data = st.one_of(st.floats(-2, 2, allow_nan=False), st.just(0.0))
    pool = [Value(draw(data), label=f"x{i}") for i in range(leaves)]
    for _ in range(draw(st.integers(1, 14))):
        op = draw(st.sampled_from(OPS))
        picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=7))
        args = [pool[i] for i in picks]
        c = draw(st.floats(-2, 2, allow_nan=False))
        if op in UNARY:
            node = UNARY[op](args[0], c)
        elif op in BINARY:
            node = BINARY[op](args[0], args[-1])
        elif op == "sum":
            node = F.sum(args)
        else:
            half = max(1, len(args) // 2)
            ws, xs = args[:half], (args[half:] + args)[:half]
            node = F.dot(ws, xs, bias=args[0] if op == "affine" else None)
        if abs(node.data) > 1e6:  # keep magnitudes tame: products of products grow fast
            node = node.tanh()
        if draw(st.booleans()):
            node.label = f"n{len(pool)}"
        pool.append(node)
    return pool[-1]


@given(graphs())
def test_every_consumer_of_the_walk_matches_backward_bit_for_bit(root: Value) -> None:
    order = topological_order(root)
    try:
        gradients(root)
    except BackwardError:  # a derivative that does not exist here: backward refuses too
        try:
            root.backward()
        except BackwardError:
            return
        raise AssertionError("gradients refused a graph that backward accepted") from None

    # Every consumer first: none of them touches .grad, so backward still starts from 0.
    found: dict[str, dict[Value, Any]] = {}
    found["gradients"] = gradients(root)
    by_id = backprop(root)
    found["backprop"] = {n: by_id[id(n)] for n in order}
    found["grad"] = dict(zip(order, (g.data for g in grad(root, order, allow_unused=True))))
    found["grad create_graph"] = dict(zip(order, (
        g.data for g in grad(root, order, create_graph=True, allow_unused=True))))
    found["gradients create_graph"] = {n: g.data if isinstance(g, Value) else g
                                       for n, g in gradients(root, create_graph=True).items()}
    transcript = explain(root)
    found["explain"] = {n: transcript.grad(n) for n in order}
    found["explain steps"] = {s.node: s.grad for s in transcript}
    last = backward_steps(root)[-1].grads
    found["backward_steps"] = {n: last.get(id(n), 0.0) for n in order}
    assert all(n.grad == 0.0 for n in order)

    root.backward()
    expected = {n: n.grad for n in order}
    assert all(type(g) is float and math.isfinite(g) for g in expected.values())
    for consumer, grads in found.items():
        assert set(grads) == set(order), consumer
        for node in order:
            assert grads[node] == expected[node], (consumer, node, grads[node], expected[node])
    # every step of the transcript is one node, once
    assert len(found["explain steps"]) == len(transcript) == len(order)

    # answer checking: the right answers are graded right, against the same numbers
    answers = {n: expected[n] for n in order if n.label or n.parents}
    report = check_answers(root, answers)
    assert report.passed
    graded = {r.node: r for r in report.results}
    assert set(answers) <= set(graded)
    for node, result in graded.items():
        assert result.expected == expected[node], (node, result.expected, expected[node])


@given(graphs(), st.floats(-3, 3, allow_nan=False).filter(lambda s: s != 0.0))
def test_a_seed_scales_every_consumer_alike(root: Value, seed: float) -> None:
    order = topological_order(root)
    try:
        scaled = gradients(root, seed)
    except BackwardError:
        return
    steps = backward_steps(root, seed)[-1].grads
    by_id = backprop(root, seed)
    root.backward(seed)
    for node in order:
        assert scaled[node] == by_id[id(node)] == steps.get(id(node), 0.0) == node.grad


def test_the_generator_makes_what_the_test_claims() -> None:
    """The strategy does produce shared nodes, repeated inputs and every op kind."""
    seen_ops: set[str] = set()
    shared = repeated = 0

    @settings(max_examples=200, derandomize=True)  # the same graphs on every run
    @given(graphs())
    def collect(root: Value) -> None:
        nonlocal shared, repeated
        order = topological_order(root)
        users: dict[Value, int] = {}
        for n in order:
            seen_ops.add(n.op)
            repeated += len(set(n.parents)) < len(n.parents)
            for p in n.parents:
                users[p] = users.get(p, 0) + 1
        shared += any(k > 1 for k in users.values())

    collect()
    assert {"sum", "dot", "affine", "mul", "tanh", "pow", "powc"} <= seen_ops
    assert shared > 0 and repeated > 0
