"""exercise(level, seed): reproducible, labelled, printable worksheets graded by check_answers."""

from __future__ import annotations

import math
import random
import re

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
        assert sorted(ex.nodes) == sorted(n.label for n in order)
        listed = list(ex.nodes)                         # each node after its inputs
        assert all(listed.index(p.label) < listed.index(n.label)
                   for n in order for p in n.parents)
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


def test_the_key_is_one_chain_rule_step_a_line_written_like_the_diagnoses() -> None:
    for seed in range(40):
        ex = exercise("chain", seed)
        lines = ex.solution().splitlines()
        assert lines[0] == "dL/dL = 1 (the seed: L changes one for one with itself)"
        assert len(lines) == len(ex.nodes)
        for line, (name, grad) in zip(lines[1:], list(ex.answers.items())[1:]):
            assert line.startswith(f"dL/d{name} = ")
            shown = float(line.split(", where", 1)[0].rsplit("= ", 1)[1].split(" (")[0])
            assert shown == pytest.approx(grad, rel=5e-4)   # 4 significant digits
        key = ex.solution()
        assert "**(2-1)" not in key and "= 1.0" not in key and " = 1 = " not in key
        for number in re.findall(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?", key):
            digits = number.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
            assert len(digits) <= 4, (seed, number)     # 0.16, never 0.159999
        if "**2" in str(ex):
            assert re.search(r"∂L/∂\w+ = 2 \* \w+ = ", key), key   # the power rule, simplified


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


# --- a worksheet a learner can trust ------------------------------------------------------------

SHEET_SEEDS = range(200)


@pytest.mark.parametrize("level", LEVELS)
def test_every_seed_gives_a_different_sheet(level: str) -> None:
    sheets = [str(exercise(level, s)).split("\n", 1)[1] for s in SHEET_SEEDS]  # no title
    assert len(set(sheets)) == len(sheets)
    assert str(exercise(level, 7)) == str(exercise(level, 7))


def _sheet_values(text: str) -> dict[str, tuple[str, float]]:
    """Each node's value as the sheet prints it: (``"="`` or ``"≈"``, the number)."""
    found = {}
    for line in text.split("Forward pass", 1)[1].split("\n\n", 1)[0].splitlines()[1:]:
        m = re.fullmatch(r"  (\w+) = (?:.* )?([=≈]) (\S+)|  (\w+) = (\S+)", line)
        assert m, line
        if m.group(1):
            found[m.group(1)] = (m.group(2), float(m.group(3)))
        else:
            found[m.group(4)] = ("=", float(m.group(5)))
    return found


def _sig4(x: float) -> float:
    return float(f"{x:.4g}")


def _local(op: str, ins: list[float], out: float, c: float | None) -> list[float]:
    """Each op's local derivatives, by hand (from the sheet's numbers)."""
    if op in ("add", "sub"):
        return [1.0, 1.0 if op == "add" else -1.0]
    if op == "mul":
        return [ins[1], ins[0]]
    if op == "div":
        return [1 / ins[1], -ins[0] / ins[1] ** 2]
    if op == "powc":
        assert c is not None
        return [c * ins[0] ** (c - 1)]
    if op == "tanh":
        return [1 - out ** 2]
    if op == "sigmoid":
        return [out * (1 - out)]
    assert op in ("exp", ""), op
    return [out] if op else []


def _by_hand(ex: object, values: dict[str, tuple[str, float]]) -> dict[str, float]:
    """A learner's answers: worked backward from the sheet's printed values with the
    derivatives of each op written out here, every step rounded to 4 significant digits."""
    nodes = ex.nodes  # type: ignore[attr-defined]
    v = {name: x for name, (_, x) in values.items()}
    grads: dict[str, float] = {ex.root.label: 1.0}  # type: ignore[attr-defined]
    for name in reversed(list(nodes)):
        node = nodes[name]
        g = grads[name] = _sig4(grads.get(name, 0.0))
        local = _local(node.op, [v[p.label] for p in node.parents], v[name], node.param)
        for p, d in zip(node.parents, local):
            grads[p.label] = grads.get(p.label, 0.0) + _sig4(g * _sig4(d))
    return {k: _sig4(x) for k, x in grads.items()}


@pytest.mark.parametrize("level", LEVELS)
def test_the_sheet_says_how_it_is_graded_and_hand_work_to_4_digits_passes(level: str) -> None:
    for seed in range(0, 200, 4):
        ex = exercise(level, seed)
        text = str(ex)
        said = re.search(r"Give 4 significant digits: answers within ([\d.]+)% of the exact "
                         r"value are marked right\.", text)
        assert said, text
        rtol = float(said.group(1)) / 100
        assert rtol == ex.rtol
        mine = _by_hand(ex, _sheet_values(text))
        report = ex.check(mine)
        assert report.passed, (seed, str(report))
        exact = ex.answers
        for name, g in exact.items():             # 1% off is wrong, as the sheet says
            if name != ex.root.label:
                assert not ex.check({name: g * 1.01}).passed, (seed, name)
                assert ex.check({name: g * (1 + rtol / 2)}).passed, (seed, name)
    assert "%" in ex.latex() and f"{rtol:.1%}" in ex.latex()


def test_values_are_printed_so_a_learner_can_reproduce_them() -> None:
    """A value marked = is exact (L = f**2 = 156.25, not 156.2); one marked ≈ is the exact
    value to 4 significant digits, and the sheet says what ≈ means."""
    exact_long = 0
    for level in LEVELS:
        for seed in SHEET_SEEDS[:60]:
            ex = exercise(level, seed)
            text = str(ex)
            shown = _sheet_values(text)
            assert set(shown) == set(ex.nodes)
            for name, (mark, x) in shown.items():
                data = ex.nodes[name].data
                if mark == "=":
                    assert x == pytest.approx(data, rel=1e-12, abs=1e-15), (name, text)
                    exact_long += len(f"{abs(x):g}".replace(".", "").strip("0")) > 4
                else:
                    assert x == float(f"{data:.4g}") and x != data, (name, text)
            assert ("≈: rounded to 4 significant digits" in text) == any(
                m == "≈" for m, _ in shown.values())
    assert exact_long > 0           # such as 156.25: shown whole


def test_the_sheet_never_names_a_placeholder_that_is_a_node() -> None:
    for seed in range(20):
        ex = exercise("network", seed)
        text = str(ex)
        assert "x" in ex.nodes and "every node x" not in text and "dL/dx for" not in text
        assert "Find the gradient of L with respect to every node" in text
        assert r"\partial x$ for every node $x$" not in ex.latex()


def test_inputs_are_listed_in_the_order_the_expression_reads_them() -> None:
    for seed in range(20):
        net = list(exercise("network", seed).nodes)
        leaves = [n for n in net if not exercise("network", seed).nodes[n].parents]
        assert leaves == ["x", "w1", "b1", "w2", "b2", "t"], leaves
        assert net.index("w1") < net.index("w2") and net.index("x") < net.index("w2")
        neuron = list(exercise("neuron", seed).nodes)
        assert neuron[:4] == ["x1", "x2", "w1", "w2"], neuron


def test_latex_escapes_a_backslash_as_text_not_a_line_break() -> None:
    ex = exercise("chain", 3)
    first = next(n for n in ex.nodes.values() if n.is_leaf)
    first.label = "a\\b"                       # a teacher's own label
    tex = ex.latex()
    assert r"\mathrm{a\textbackslash{}b}" in tex
    assert "a\\\\b" not in tex                  # \\ would break the line in LaTeX
    assert tex.count("{") == tex.count("}")
