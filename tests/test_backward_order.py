"""The order of the one reverse walk, and what backward may leave out.

Backward takes the nodes made by ops in the reverse of the order they were made (every user
of a node is made after it, so its gradient is complete when it is taken), then the leaves.
``backward`` leaves out what no gradient reaches (behind a ReLU that is off, a product with
0, ...), unless an inner node somewhere may still hold an earlier gradient. The oracles:
hand derivations, the order the test itself made the nodes in, and the full walk (every
node visited), which must give the same numbers bit for bit.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import BackwardError, Value, backward_order, topological_order
from autograd_lite.core import users_of, walk

# Ops that often pass a gradient of exactly 0: a ReLU that is off, a product with 0, a
# leaky ReLU, plus ordinary ones.
OPS: dict[str, Callable[[Value, Value], Value]] = {
    "relu": lambda a, b: a.relu(),
    "relu_neg": lambda a, b: (a - 3.0).relu(),  # off for inputs below 3
    "zero": lambda a, b: a * 0.0,
    "mul": lambda a, b: a * b,
    "add": lambda a, b: a + b,
    "tanh": lambda a, b: a.tanh(),
    "sub": lambda a, b: a - b,
    "leaky": lambda a, b: a.leaky_relu(0.1),
}


@st.composite
def made(draw: st.DrawFn) -> list[Value]:
    """Every node of a random graph, in the order it was made; the last is the root."""
    data = st.one_of(st.floats(-2, 2, allow_nan=False), st.just(0.0))
    pool = [Value(draw(data), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    nodes = list(pool)
    for _ in range(draw(st.integers(1, 16))):
        a, b = (pool[draw(st.integers(0, len(pool) - 1))] for _ in range(2))
        node = OPS[draw(st.sampled_from(sorted(OPS)))](a, b)
        # what the op made (constants, a node inside (a - 3).relu()), inputs first: the
        # order it made them in
        nodes += [n for n in topological_order(node) if n not in nodes]
        pool.append(node)
    return nodes


@given(made())
def test_backward_meets_inner_nodes_newest_first_then_the_leaves_oldest_first(
        nodes: list[Value]) -> None:
    root = nodes[-1]
    order, _ = walk(root, 1.0)
    made_at = {n: k for k, n in enumerate(nodes)}
    inner = [n for n in order if n.parents]
    leaves = [n for n in order if not n.parents]
    assert order == inner + leaves == backward_order(root)
    assert [made_at[n] for n in inner] == sorted((made_at[n] for n in inner), reverse=True)
    assert [made_at[n] for n in leaves] == sorted(made_at[n] for n in leaves)
    position = {n: k for k, n in enumerate(order)}
    for node, users in users_of(order).items():  # each node after every node that uses it
        assert all(position[u] < position[node] for u, _ in users)


@given(made())
def test_leaving_out_what_no_gradient_reaches_changes_no_number(nodes: list[Value]) -> None:
    root = nodes[-1]
    order, grads = walk(root, 1.0)
    full = dict(zip(order, grads))
    kept_order, kept_grads = walk(root, 1.0, prune=True)
    kept = dict(zip(kept_order, kept_grads))
    assert kept_order == [n for n in order if n in kept]  # the same order, some left out
    for node, g in kept.items():
        assert g == full[node] and str(g) == str(full[node])  # bit for bit, sign of 0 too
    for node in set(full) - set(kept):  # left out: every user passed it nothing
        assert full[node] == 0.0
        users = [u for u, _ in users_of(order).get(node, [])]
        assert all(u not in kept or kept[u] == 0.0 for u in users)


@given(made(), st.floats(0.5, 9.0))
def test_backward_over_old_gradients_leaves_what_the_full_walk_gives(
        nodes: list[Value], old: float) -> None:
    root = nodes[-1]
    order, grads = walk(root, 1.0)                 # every node, no pruning: the reference
    full = dict(zip(order, grads))
    for k, node in enumerate(order):               # earlier gradients everywhere, by hand
        node.grad = old + k
    before = {n: n.grad for n in order}
    root.backward()
    for node in order:
        if node.parents:                           # inner nodes: recomputed (0 behind a 0)
            assert node.grad == full[node], (node, node.grad, full[node])
        else:                                      # leaves: accumulated
            assert node.grad == before[node] + full[node]


def test_a_hinge_loss_met_with_margin_visits_nothing_behind_it() -> None:
    w = Value(0.5, label="w")
    b = Value(0.1, label="b")
    score = (w * 2.0 + b).tanh()         # one sample, x = 2, y = +1
    loss = (1 - score * 1.0).relu() * 0.5 + (w * w) * 1e-4
    hidden = score.parents[0]            # w * 2 + b
    kept, grads = walk(loss, 1.0, prune=True)
    # by hand: 1 - tanh(1.1) = 0.1995 > 0, so the hinge is on and everything is reached
    assert hidden in kept
    w.data = 2.0                         # a margin of 0.5 this time: 0.5 - tanh(4.1) < 0
    big = (w * 2.0 + b).tanh()
    off = (0.5 - big * 1.0).relu() * 0.5 + (w * w) * 1e-4
    kept, grads = walk(off, 1.0, prune=True)
    behind = [big, big.parents[0]]
    assert not any(n in kept for n in behind)
    g = dict(zip(kept, grads))
    assert g[w] == 2e-4 * 2.0            # only the penalty reaches w: d(1e-4 w^2)/dw = 2e-4 w


def test_an_earlier_gradient_behind_a_zero_is_set_to_zero() -> None:
    x = Value(1.5, label="x")
    h = x * x
    h.label = "h"
    (h + 1.0).backward()
    assert h.grad == 1.0 and x.grad == 3.0            # by hand: dh/dx = 2x
    # h is now behind a ReLU that is off: d/dh = 0, though h.grad still holds 1.0
    off = (h - 10.0).relu()
    off.backward()
    assert h.grad == 0.0 and x.grad == 3.0            # inner: recomputed; leaf: += 0


def test_a_gradient_set_by_hand_behind_a_zero_is_set_to_zero() -> None:
    x = Value(-2.0, label="x")
    k = x * 3.0
    h = k + 1.0
    r = h.relu()                                      # off: h = -5
    L = r * 1.0
    k.grad = 7.0                                      # a learner's guess, written by hand
    L.backward()                                      # dL/dh = 0: k lies behind it
    assert (L.grad, r.grad, h.grad, k.grad, x.grad) == (1.0, 1.0, 0.0, 0.0, 0.0)


def test_gradients_of_another_graph_are_left_alone() -> None:
    a = Value(2.0, label="a")
    first = a * a
    first.backward()
    other = Value(3.0) * 0.0
    other.backward()
    assert first.grad == 1.0 and a.grad == 4.0        # not reachable from other: untouched


@pytest.mark.parametrize("edit", ["cycle", "newer input"])
def test_inputs_edited_by_hand_are_refused_and_nothing_changes(edit: str) -> None:
    x = Value(1.0, label="x")
    y = x * 2.0
    y.label = "y"
    z = y + 1.0
    z.label = "z"
    if edit == "cycle":
        y.parents = (z, y.parents[1])                 # y now reads z, which reads y
        root = z
    else:  # an input made after its user y, and also used by root: its gradient from y
        later = x * 5.0                               # would come after it was passed on
        y.parents = (later, y.parents[1])
        root = later + y
    with pytest.raises(BackwardError, match="was made after it"):
        root.backward()
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)


def test_a_copy_of_a_node_is_a_node_of_its_own() -> None:
    x = Value(2.0, label="x")
    h = x * 3.0
    twin = copy.copy(h)                               # same parents, made later
    L = h * twin
    L.backward()
    assert x.grad == 2 * (3.0 * 2.0) * 3.0            # by hand: L = 9 x^2, dL/dx = 18 x
    assert (h.grad, twin.grad) == (twin.data, h.data)


def test_a_deep_copy_keeps_its_earlier_gradient_known() -> None:
    x = Value(2.0, label="x")
    h = x * 3.0
    (h * 5.0).backward()
    kept = copy.deepcopy(h)                           # holds h's gradient, 5.0
    assert kept.grad == 5.0
    del x, h
    gc.collect()
    ((kept + 1.0) * 0.0).backward()                   # behind a 0: set to 0 all the same
    assert kept.grad == 0.0
