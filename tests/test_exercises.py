"""exercise(level, seed): reproducible, labelled, printable worksheets graded by check_answers."""

from __future__ import annotations

import math
import random

import pytest
from test_answers import central

from autograd_lite import topological_order
from autograd_lite.exercises import LEVELS, exercise

SEEDS = range(12)


@pytest.mark.parametrize("level", LEVELS)
def test_same_seed_same_exercise_and_no_global_random_state(level: str) -> None:
    state = random.getstate()
    texts = [str(exercise(level, s)) for s in SEEDS]
    assert random.getstate() == state
    assert texts == [str(exercise(level, s)) for s in SEEDS]
    assert len(set(texts)) >= 4                    # seeds do vary the exercise
    assert str(exercise(LEVELS.index(level) + 1, 3)) == texts[3]   # levels by number too


@pytest.mark.parametrize("level", LEVELS)
def test_every_node_is_labelled_and_the_answer_key_matches_central_differences(
        level: str) -> None:
    for seed in SEEDS:
        ex = exercise(level, seed)
        order = topological_order(ex.root)
        assert all(n.label for n in order) and len({n.label for n in order}) == len(order)
        assert list(ex.nodes) == [n.label for n in order]
        key = ex.answers
        for node in order:
            if node is not ex.root:
                assert key[node.label] == pytest.approx(central(ex.root, node), rel=1e-6,
                                                        abs=1e-8)
        assert ex.check(key).passed


def uses(root: object) -> dict[str, int]:
    count: dict[str, int] = {}
    for node in topological_order(root):  # type: ignore[arg-type]
        for p in node.parents:
            count[p.label] = count.get(p.label, 0) + 1
    return count


def test_levels_build_what_they_say() -> None:
    for seed in SEEDS:
        op = exercise("op", seed)
        assert sum(not n.is_leaf for n in topological_order(op.root)) == 1
        assert max(uses(exercise("chain", seed).root).values()) == 1
        assert max(uses(exercise("fan-out", seed).root).values()) >= 2   # a sum of uses
        neuron = exercise("neuron", seed)
        assert neuron.root.label == "o" and neuron.root.op in ("tanh", "sigmoid")
        # the bias is chosen so the activation is a round number (to 4 digits)
        assert round(neuron.root.data, 3) in (-0.8, -0.6, 0.6, 0.8, 0.2, 0.25, 0.75)
        net = exercise("network", seed)
        ops = [n.op for n in topological_order(net.root)]
        assert ops.count("tanh") + ops.count("sigmoid") == 2 and net.root.op == "powc"


def test_values_make_mistakes_visible() -> None:
    """No leaf is 0 or +-1 and no two leaves have the same size, so x*1 or a swapped factor
    cannot hide a mistake; every gradient is non-zero."""
    for level in LEVELS:
        for seed in SEEDS:
            ex = exercise(level, seed)
            sizes = [abs(n.data) for n in ex.nodes.values() if n.is_leaf]
            assert len(set(sizes)) == len(sizes) and not {0.0, 1.0} & set(sizes)
            assert all(g != 0.0 for g in ex.answers.values())


def test_the_worksheet_text_and_latex() -> None:
    ex = exercise("network", 4)
    text = str(ex)
    assert text.startswith("Exercise: network (level 5, seed 4)")
    for name, node in ex.nodes.items():
        assert text.count(f"\n  {name} = ") == 1         # each node defined once
        assert text.count(f"dL/d{name} ") + text.count(f"dL/d{name}=") >= 1
        if node.is_leaf:                                  # leaves exactly as in the graph
            assert f"  {name} = {node.data:.10g}\n" in text
    tex = ex.latex()
    assert tex.count(r"\begin{align*}") == 2 and tex.count(r"\rule{4cm}") == len(ex.nodes)
    assert tex.count("{") == tex.count("}")
    assert r"\sigma\left(z_{1}\right)" in tex or r"\tanh\left(z_{1}\right)" in tex
    assert ex._repr_markdown_().startswith("```\nExercise: network")


def test_solution_is_the_transcript() -> None:
    ex = exercise("chain", 2)
    lines = ex.solution().splitlines()
    assert lines[0] == "dL/dL = 1.0" and len(lines) == len(ex.nodes)


def test_check_grades_answers_and_grad_set_on_the_nodes() -> None:
    ex = exercise("neuron", 5)
    key = ex.answers
    wrong = dict(key, w1=key["w1"] * -1)                  # a sign error at w1
    report = ex.check(wrong)
    assert report.first_wrong == "w1" and report["w1"].mistake == "sign"
    for name, node in ex.nodes.items():                   # manual backprop on .grad
        node.grad = key[name]
    assert ex.check().passed


def test_neuron_answers_by_hand() -> None:
    ex = exercise("neuron", 0)
    v = {k: n.data for k, n in ex.nodes.items()}
    if ex.root.op == "tanh":
        dn = 1 - math.tanh(v["n"]) ** 2
    else:
        s = 1 / (1 + math.exp(-v["n"]))
        dn = s * (1 - s)
    key = ex.answers
    assert key["n"] == pytest.approx(dn) and key["b"] == pytest.approx(dn)
    assert key["w1"] == pytest.approx(dn * v["x1"]) and key["x2"] == pytest.approx(dn * v["w2"])


def test_bad_levels_and_seeds() -> None:
    with pytest.raises(ValueError, match="unknown level 'hard'; the levels are op, chain"):
        exercise("hard")
    with pytest.raises(ValueError, match="level must be 1-5, got 6"):
        exercise(6)
    with pytest.raises(TypeError, match="seed must be an int"):
        exercise(1, seed=1.5)  # type: ignore[arg-type]
