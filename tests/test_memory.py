"""Cheap nodes: __slots__, no reference cycles, graphs freed by reference counting alone."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator

import pytest

import autograd_lite as al
from autograd_lite import Value, backprop, detect_anomaly, no_grad
from autograd_lite.nn import MLP, paused_cyclic_gc


@pytest.fixture
def gc_disabled() -> Iterator[None]:
    gc.collect()
    with paused_cyclic_gc():
        yield


def _mixed_graph() -> tuple[Value, list[Value]]:
    """A graph using every kind of op, shared sub-expressions, fused nodes, and numbers."""
    x, y = Value(0.7, label="x"), Value(1.3, label="y")
    s = x * y                       # shared
    parts = [s + 1, 2 - s, s / y, 2 / x, x ** 3, x ** y, 2 ** y, -s, abs(s), s.exp(),
             y.log(), y.sqrt(), s.tanh(), s.sigmoid(), s.relu(), s.leaky_relu(0.1),
             s.softplus(), s.sin(), s.cos(), al.dot([x, y], [s, 2.0]),
             al.dot([x], [y], bias=s)]
    root = al.sum(parts)
    return root, [x, y, s, *parts]


GRAPH_USES: list[tuple[str, Callable[[Value], object]]] = [
    ("built", lambda root: None),
    ("after backward", lambda root: root.backward()),
    ("after backward twice", lambda root: (root.backward(), root.backward())),
    ("after zero_grad", lambda root: (root.backward(), root.zero_grad())),
    ("after backprop", lambda root: backprop(root)),
    ("after create_graph backprop", lambda root: backprop(root, create_graph=True)),
    # backward(create_graph=True) stores gradient graphs in .grad, and those refer back to
    # the nodes (as in PyTorch, a cycle node -> .grad -> node); zero_grad breaks it.
    ("after create_graph backward and zero_grad",
     lambda root: (root.backward(create_graph=True), root.zero_grad())),
]


@pytest.mark.parametrize(("case", "use"), GRAPH_USES, ids=[c[0] for c in GRAPH_USES])
def test_dropped_graph_is_freed_by_reference_counting(gc_disabled: None, case: str,
                                                      use: Callable[[Value], object]) -> None:
    root, nodes = _mixed_graph()
    use(root)
    refs = [weakref.ref(n) for n in [root, *nodes]]
    del root, nodes
    dead = [r() is None for r in refs]
    assert all(dead), f"{dead.count(False)} nodes still alive after dropping the graph"


def test_graph_made_under_anomaly_mode_is_freed(gc_disabled: None) -> None:
    with detect_anomaly():
        root, nodes = _mixed_graph()
    refs = [weakref.ref(n) for n in nodes]
    del root, nodes
    assert all(r() is None for r in refs)


def test_failed_backward_keeps_nothing_alive(gc_disabled: None) -> None:
    x = Value(0.0)
    y = x.sqrt() * 3
    refs = [weakref.ref(x), weakref.ref(y)]
    with pytest.raises(al.BackwardError):
        y.backward()
    del x, y
    assert all(r() is None for r in refs)


def test_mlp_training_step_is_freed_without_the_cycle_collector(gc_disabled: None) -> None:
    model = MLP(2, [4, 4, 1])
    loss = al.sum([(1 + -yi * model([a, b])).relu()
                   for (a, b), yi in [((0.1, 0.2), 1), ((-0.3, 0.5), -1)]])
    loss.backward()
    root = weakref.ref(loss)
    interior = [weakref.ref(n) for n in al.topological_order(loss) if not n.is_leaf]
    del loss
    assert root() is None and all(r() is None for r in interior)
    assert all(isinstance(p, Value) for p in model.parameters())   # parameters survive


def _values_left_for_the_collector(build: Callable[[], None], kind: type) -> list[object]:
    """Run ``build`` with the collector off, then collect: the objects of type ``kind`` that
    only the cycle collector could free (they were in reference cycles)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)   # keep whatever the collector finds, so we can look
    gc.disable()
    try:
        build()
        gc.collect()
        return [o for o in gc.garbage if isinstance(o, kind)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_building_and_dropping_graphs_leaves_no_cycles_for_the_collector() -> None:
    def build() -> None:
        for use in (lambda r: r.backward(), lambda r: backprop(r, create_graph=True)):
            root, _ = _mixed_graph()
            use(root)

    values = _values_left_for_the_collector(build, Value)
    assert values == [], f"{len(values)} Values were only reachable through reference cycles"


def test_the_cycle_detector_does_see_micrograds_cycles() -> None:
    """Sanity check of the method above: micrograd's closures make every node a cycle."""
    from micrograd.engine import Value as MicroValue

    def build() -> None:
        x = MicroValue(2.0)
        (x * x + x).backward()

    assert len(_values_left_for_the_collector(build, MicroValue)) >= 2


def test_nodes_have_slots_and_no_dict() -> None:
    x = Value(1.0)
    y = x * 2
    z = Value(3.0)
    with no_grad():
        w = z * 2
    for node in (x, y, w):
        assert not hasattr(node, "__dict__")
        with pytest.raises(AttributeError):
            node.some_new_attribute = 1  # type: ignore[attr-defined]
    assert "__slots__" in Value.__dict__
