"""WorkCounter: what fit and hand-written loops report (evaluations, backward passes, nodes
of each graph, counted independently here), peak memory against a known allocation, and
its own bookkeeping kept out of the measurement."""

from __future__ import annotations

import tracemalloc

import pytest

from autograd_lite import Value, no_grad, topological_order
from autograd_lite.datasets import make_moons
from autograd_lite.nn import MLP, SGD, WorkCounter, fit, hinge, l2_penalty
from autograd_lite.nn.work import active_work_counter


def test_fit_reports_one_forward_and_one_backward_per_step() -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with WorkCounter(memory=False) as work:
        history = fit(model, hinge, SGD(model.parameters(), lr=0.05), (X, y), epochs=3,
                      l2=1e-4, progress=False)
    # The graph of one step's objective, built here by hand; its size does not depend on
    # the weights, so a fresh model of the same shape has the same graph.
    probe = MLP(2, [4, 1], seed=5)
    objective = hinge([probe(x) for x in X], y) + l2_penalty(probe.parameters(), 1e-4)
    nodes = len(topological_order(objective))
    assert work.forward_evaluations == work.backward_passes == history.steps == 3
    assert work.samples == 3 * len(X)
    assert work.nodes_built == 3 * nodes
    assert work.seconds > 0 and work.peak_bytes is None


def test_a_forward_pass_that_stops_training_is_counted_but_not_stepped() -> None:
    X, y = make_moons(30, seed=0)
    model = MLP(2, [16, 1], seed=0)
    with WorkCounter(memory=False) as work:
        history = fit(model, hinge, SGD(model.parameters(), lr=0.1, momentum=0.9), (X, y),
                      epochs=60, target_accuracy=0.9, progress=False)
    assert history.stopped_early
    assert work.backward_passes == history.steps
    assert work.forward_evaluations == history.steps + 1        # the measuring forward pass


def test_a_hand_written_loop_counts_through_counted_and_record_backward() -> None:
    w, b = Value(0.5), Value(0.0)
    with WorkCounter(memory=False) as work:
        loss_fn = work.counted(lambda: (w * 2.0 + b - 1.0) ** 2)
        for _ in range(4):
            loss = loss_fn()
            w.grad = b.grad = 0.0
            loss.backward()
            work.record_backward(loss)
    # (w * 2.0 + b - 1.0) ** 2: leaves w, 2.0, b, 1.0 and mul, add, sub, powc: 8 nodes.
    assert (work.forward_evaluations, work.backward_passes, work.nodes_built) == (4, 4, 32)


def test_an_evaluation_without_a_graph_is_sized_once_per_key() -> None:
    x = Value(3.0)
    builds = 0

    def with_graph() -> Value:
        nonlocal builds
        builds += 1
        return x * x + x                                          # 4 nodes: x, mul, x, add

    with WorkCounter(memory=False) as work:
        for _ in range(5):
            with no_grad():
                value = x * x + x
            assert not value.parents                             # nothing to walk
            work.record_forward(value, recorded=with_graph, key="square")
        work.record_forward(12.0)
    assert builds == 1
    assert work.nodes_built == 5 * len(topological_order(x * x + x))
    assert work.forward_evaluations == 6 and work.unsized_evaluations == 1


def test_peak_memory_sees_a_known_allocation_and_tracing_is_left_as_found() -> None:
    was_tracing = tracemalloc.is_tracing()
    with WorkCounter() as work:
        block = [0.5] * 1_000_000                # a list of a million pointers: 8 MB
        del block
    assert work.peak_bytes is not None and 8_000_000 <= work.peak_bytes < 9_000_000
    assert tracemalloc.is_tracing() == was_tracing
    tracemalloc.start()
    try:
        with WorkCounter():
            pass
        assert tracemalloc.is_tracing()          # someone else's tracing is not stopped
    finally:
        tracemalloc.stop()


def test_the_counters_own_graph_walks_stay_out_of_the_memory_peak() -> None:
    x = Value(1.0)
    loss = x
    for _ in range(20_000):
        loss = loss * 1.0 + 0.0                  # a graph built before counting starts
    tracemalloc.start()
    try:
        topological_order(loss)
        walk_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert walk_bytes > 1_000_000                # walking it costs real memory ...
    with WorkCounter() as work:
        work.record_forward(loss)
    assert work.nodes_built == len(topological_order(loss))
    assert work.peak_bytes is not None and work.peak_bytes < walk_bytes / 10   # ... not here


def test_the_active_counter_is_the_innermost_block() -> None:
    assert active_work_counter() is None
    with WorkCounter(memory=False) as outer:
        assert active_work_counter() is outer
        with WorkCounter(memory=False) as inner:
            assert active_work_counter() is inner
        assert active_work_counter() is outer
        with pytest.raises(RuntimeError, match="already counting"), outer:
            pass
    assert active_work_counter() is None
