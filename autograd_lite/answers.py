"""Check my answer: grade hand-derived gradients node by node, and say what went wrong.

:func:`check_answers` compares a learner's gradients with the chain-rule transcript of
``explain(root)`` (the one backward walk everything reads), in backward order, and names the
node where the mistake was made: the first wrong answer whose consumers' answers are right,
or unanswered and correct. Partial answers are fine; an unanswered node is neither right nor
wrong. Wrong answers are explained with the classic mistakes of :mod:`autograd_lite.mistakes`
in the graph's own names, with the correct step in numbers.

Answers are numbers, formula strings (``"b*f"``, parsed safely by
:mod:`autograd_lite.formula_parser`) or callables (``lambda b, f: b * f``). A formula or
callable is checked at the graph's values *and* at a few other points, found by replaying
the recorded graph with other leaf values: a formula right at one point and wrong elsewhere
is wrong, and the report shows the point where it fails.
"""

from __future__ import annotations

import inspect
import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .answer_report import AnswerReport, NodeResult
from .core import Rule, Value, apply, enable_grad, topological_order
from .formula_parser import Formula, FormulaError, parse_formula
from .mistakes import Mistake, candidates, correct_step, diagnose, num
from .notation import d_of
from .ops import info
from .transcript import Step, Transcript, explain

__all__ = ["MAX_POINTS", "AnswerReport", "NodeResult", "check_answers", "replay"]

MAX_POINTS = 100
"""The most other points ``check_answers`` checks a formula at."""


# --- replaying a graph at other leaf values ----------------------------------------------------


def _apply_op(rule: Rule, inputs: Sequence[Value], param: Any) -> Value:
    """Make one op node again (the one place this module calls into the rules)."""
    return apply(rule, inputs, param)


def replay(root: Value, values: Mapping[Value, float]) -> dict[int, Value]:
    """The graph of ``root`` rebuilt with new data for some leaves: ``{id(old): new}``.

    Every op node is made again with ``apply(node.rule, new_inputs, node.param)`` in
    topological order; leaves not in ``values`` keep their data; labels are kept, so the
    new graph's nodes have the same names. The original graph is not touched.

    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a
    >>> new = replay(c, {a: 5.0})
    >>> new[id(c)].data, c.data           # 5 * -3 + 5, and the original is unchanged
    (-10.0, -4.0)
    """
    made: dict[int, Value] = {}
    with enable_grad():
        for node in topological_order(root):
            if node.rule is None:
                data = float(values.get(node, node.data))
                made[id(node)] = Value(data, label=node.label)
                continue
            new = _apply_op(node.rule, [made[id(p)] for p in node.parents], node.param)
            new.label = node.label
            made[id(node)] = new
    return made


# --- the learner's answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    given: Any                      # as the learner gave it
    number: float | None = None     # a plain number (graded at the graph's values only)
    formula: Formula | None = None
    function: Callable[..., Any] | None = None
    reads: tuple[str, ...] | None = None   # names a callable reads (None: all of them)
    problem: tuple[str, str] | None = None  # (kind, why): a formula that cannot be graded

    @property
    def general(self) -> bool:
        """A formula or function: graded at other points too."""
        return self.number is None and self.problem is None

    def at(self, values: Mapping[str, float]) -> float:
        if self.problem is not None:
            raise ValueError(self.problem[1])
        if self.number is not None:
            return self.number
        if self.formula is not None:
            return self.formula(values)
        assert self.function is not None
        names = self.reads if self.reads is not None else tuple(values)
        try:
            result = self.function(**{n: values[n] for n in names})
        except Exception as exc:  # the learner's own code: its failure is this row's alone
            raise ValueError(f"your function raised {type(exc).__name__}: {exc}") from None
        value = result.data if isinstance(result, Value) else result
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"returned {result!r}, not a number")
        return float(value)


def _shown(x: Any, limit: int = 40) -> str:
    """``repr(x)``, shortened for a huge number (10**400 has 401 digits)."""
    text = repr(x)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _number(x: Any, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"check_answers: the answer for {where} must be a number, a formula "
                        f"string or a callable, got {_shown(x)} of type {type(x).__name__}")
    try:
        value = float(x)
    except (OverflowError, ValueError, TypeError):
        raise ValueError(f"check_answers: the answer for {where} is {_shown(x)}, too large "
                         "for a float; give a finite number") from None
    if not math.isfinite(value):
        raise ValueError(f"check_answers: the answer for {where} is {value!r}; give a finite "
                         "number")
    return value


def _numeric_answer(given: Any, x: Any, where: str) -> _Answer:
    """A number given as an answer. Not a number at all is the caller's mistake (raised);
    nan, an infinity or one too large for a float is the learner's: that row is wrong."""
    try:
        return _Answer(given, number=_number(x, where))
    except ValueError as exc:
        return _Answer(given, problem=("not_evaluable", str(exc).split(": ", 1)[-1]))


def _parse_answer(given: Any, where: str, names: Sequence[str]) -> _Answer:
    if isinstance(given, Value):
        return _numeric_answer(given, given.data, where)
    if isinstance(given, str):
        # A formula that cannot be read, or a constant one with no value, is this row's
        # problem alone: it is graded wrong and says why, and every other row is graded.
        try:
            formula = parse_formula(given, names=[n for n in names if n.isidentifier()])
        except FormulaError as exc:
            return _Answer(given, problem=("unreadable", str(exc)))
        if formula.is_constant:
            try:
                value = formula({})
            except FormulaError as exc:
                return _Answer(given, problem=("not_evaluable", str(exc)))
            return _numeric_answer(given, value, where)
        return _Answer(given, formula=formula)
    if callable(given):
        return _Answer(given, function=given, reads=_callable_names(given, where, names))
    return _numeric_answer(given, given, where)


def _callable_names(fn: Callable[..., Any], where: str,
                    names: Sequence[str]) -> tuple[str, ...] | None:
    """The node names a callable's parameters ask for (None if it takes ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"check_answers: cannot read the parameters of the callable answer "
                        f"for {where}; use a function whose parameters are node names, "
                        "such as lambda b, f: b * f") from None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    wanted = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL,)]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise ValueError(f"check_answers: the callable answer for {where} asks for "
                         f"{', '.join(unknown)}, which the graph does not have; its "
                         f"parameters must be node names: {', '.join(names)}")
    return tuple(wanted)


def _resolve(root: Value, transcript: Transcript, answers: Mapping[Any, Any] | None
             ) -> tuple[dict[int, _Answer], bool]:
    """``{id(node): answer}``, and whether the answers are the graph's ``.grad`` values."""
    names = [s.name for s in transcript.steps]
    if answers is None:
        found = {}
        for s in transcript.steps:
            g = s.node.grad
            g = g.data if isinstance(g, Value) else g
            answer = _numeric_answer(g, g, f"{s.name} (its .grad)")
            if answer.number != 0.0:  # 0 is what every .grad starts as: not an answer
                found[id(s.node)] = answer
        return found, True
    if not isinstance(answers, Mapping):
        raise TypeError(f"check_answers: answers must be a mapping from nodes or names to "
                        f"answers (or None to grade .grad), got {type(answers).__name__}")
    by_id = {id(s.node): s.name for s in transcript.steps}
    by_name = {s.name: s.node for s in transcript.steps}
    by_label: dict[str, list[Value]] = {}
    for s in transcript.steps:
        if s.node.label:
            by_label.setdefault(s.node.label, []).append(s.node)
    found = {}
    blank: set[int] = set()
    for key, given in answers.items():
        if isinstance(key, Value):
            if id(key) not in by_id:
                raise ValueError(f"check_answers: an answer is for {key!r}, which "
                                 f"{names[0]} does not depend on")
            node = key
        elif isinstance(key, str):
            if key in by_label and len(by_label[key]) > 1:
                named = ", ".join(by_id[id(n)] for n in by_label[key])
                raise ValueError(f"check_answers: the label {key!r} names {len(by_label[key])}"
                                 f" nodes ({named}); key the answer by the node or by one of "
                                 "these names")
            if key in by_name:
                node = by_name[key]
            elif key in by_label:
                node = by_label[key][0]
            else:
                raise ValueError(f"check_answers: no node is named {key!r}; the names are "
                                 f"{', '.join(names)}")
        else:
            raise TypeError(f"check_answers: answers are keyed by nodes or their names, got "
                            f"the key {key!r}")
        name = by_id[id(node)]
        if id(node) in found or id(node) in blank:
            raise ValueError(f"check_answers: two answers for {name}")
        if given is None or (isinstance(given, str) and not given.strip()):
            blank.add(id(node))  # a blank on the worksheet: not answered
            continue
        found[id(node)] = _parse_answer(given, name, names)
    return found, False


# --- points ------------------------------------------------------------------------------------


@dataclass
class _Point:
    """The graph at one set of leaf values: its transcript and every node's value by name."""

    transcript: Transcript
    values: dict[str, float]
    leaves: dict[str, float]   # the leaves that differ from the graph's own values


def _kink_sides(order: Sequence[Value], made: Mapping[int, Value] | None) -> list[float]:
    """On which side of its kinks each piecewise op's input is (relu: x > 0 or not)."""
    sides: list[float] = []
    for node in order:
        rule = node.rule
        kinks = info(rule).kinks if rule is not None else ()
        if not kinks or len(node.parents) != 1:
            continue
        x = node.parents[0] if made is None else made[id(node.parents[0])]
        sides.extend(math.copysign(1.0, x.data - k) if x.data != k else 0.0 for k in kinks)
    return sides


def _other_points(root: Value, transcript: Transcript, vary: Sequence[Value], count: int,
                  seed: int) -> list[_Point]:
    """Up to ``count`` other points: the ``vary`` leaves moved at random (a private RNG),
    keeping every op inside its domain and every piecewise op on the same piece."""
    if not vary or count <= 0:
        return []
    rng = random.Random(seed)
    order = topological_order(root)
    sides = _kink_sides(order, None)
    names = {id(s.node): s.name for s in transcript.steps}
    points: list[_Point] = []
    for _ in range(count * 20):
        if len(points) == count:
            break
        moved = {leaf: _move(leaf.data, rng) for leaf in vary}
        try:
            made = replay(root, moved)
            if _kink_sides(order, made) != sides:
                continue
            there = explain(made[id(root)])
        except (ArithmeticError, ValueError):
            continue
        points.append(_Point(there, {s.name: s.node.data for s in there.steps},
                             {names[id(leaf)]: x for leaf, x in moved.items()}))
    return points


def _move(x: float, rng: random.Random) -> float:
    """A nearby but clearly different value, with the same sign (domains are mostly
    about signs: log, sqrt, powers)."""
    if x == 0.0:
        return rng.choice((-1.0, 1.0)) * rng.uniform(0.3, 1.0)
    return x * rng.uniform(0.55, 1.45) + math.copysign(rng.uniform(0.05, 0.3), x)


# --- grading -----------------------------------------------------------------------------------


def _d(top: str, bottom: str) -> str:
    return f"d{d_of(top)}/d{d_of(bottom)}"


def _close(rtol: float, atol: float) -> Callable[[float, float], bool]:
    def close(answer: float, reference: float) -> bool:
        return abs(answer - reference) <= atol + rtol * abs(reference)
    return close


@dataclass
class _World:
    """Grading at one point: each node's answer there, and the learner's own gradients
    (their answer, or what correct steps from their upstream answers give)."""

    value: dict[int, float | None]       # the answer's value here (None: unanswered here)
    error: dict[int, str]                # an answer with no value here, and why
    implied: dict[str, float]            # the learner's gradient by name, answered or implied
    wrong: set[int]
    origin: set[int]
    source: dict[str, tuple[str, ...]]   # the wrong answers a wrong gradient comes from
    given: set[str] = field(default_factory=set)   # names with an answer here


def _grade_point(point: Transcript, originals: Sequence[Step], answers: Mapping[int, _Answer],
                 values: Mapping[str, float], first: bool,
                 close: Callable[[float, float], bool]) -> _World:
    world = _World({}, {}, {}, set(), set(), {})
    implied = world.implied
    sound: dict[str, bool] = {}
    for step, original in zip(point.steps, originals):
        key = id(original.node)
        answer = answers.get(key)
        value: float | None = None
        if answer is not None and (first or answer.general):
            try:
                value = answer.at(values)
            except (FormulaError, ArithmeticError, ValueError, TypeError) as exc:
                world.error[key] = str(exc)
        world.value[key] = value
        if value is not None or key in world.error:
            world.given.add(step.name)
        mine = _implied(step, implied)
        if key in world.error:
            world.wrong.add(key)
            world.origin.add(key)  # nothing upstream explains a formula with no value
            implied[step.name] = step.grad if mine is None else mine
        elif value is not None:
            implied[step.name] = value
            if not close(value, step.grad):
                world.wrong.add(key)
                if all(sound[t.consumer] for t in step.terms):
                    world.origin.add(key)
        else:
            implied[step.name] = step.grad if mine is None else mine
        sound[step.name] = close(implied[step.name], step.grad)
        if sound[step.name]:
            world.source[step.name] = ()
        elif key in world.wrong:
            world.source[step.name] = (step.name,)
        else:  # unanswered, but following from wrong answers upstream
            world.source[step.name] = tuple(dict.fromkeys(
                s for t in step.terms for s in world.source[t.consumer]))
    return world


def _implied(step: Step, implied: Mapping[str, float]) -> float | None:
    """The step taken from the learner's upstream gradients (None where undefined)."""
    if not step.terms:
        return None
    total = []
    for t in step.terms:
        u = implied[t.consumer]
        if u == 0.0:
            continue
        if not math.isfinite(t.local):
            return None
        total.append(u * t.local)
    return math.fsum(total)


def check_answers(root: Value, answers: Mapping[Any, Any] | None = None, *,
                  rtol: float = 1e-2, atol: float = 1e-6, points: int = 3,
                  seed: int = 0) -> AnswerReport:
    """Grade hand-derived gradients d(root)/d(node), node by node, and explain mistakes.

    Args:
        root: the node whose gradients were derived (``L``).
        answers: ``None`` grades the ``.grad`` values set by hand on the graph (as in
            micrograd's manual backpropagation; a ``.grad`` of 0, where every gradient
            starts, counts as not answered) and changes none of them. Otherwise a mapping
            from nodes, or their names or labels, to a number, a formula string in the
            graph's names (``"b*f"``, ``"1 - tanh(n)**2"``) or a callable whose parameters
            are node names (``lambda b, f: b * f``); ``None`` or a blank string is a blank
            on the worksheet: not answered. A formula that cannot be read (``"w1 *"``, an
            unknown name, anything outside the formula whitelist) or has no value (``"1/0"``),
            and a number that is not finite (nan, an infinity), spoils only its own row:
            that row is ``"wrong"`` (mistake ``"unreadable"`` or ``"not_evaluable"``) and
            says why; every other row is graded.
        rtol, atol: an answer ``x`` is right when ``|x - correct| <= atol + rtol*|correct|``.
            The defaults mark answers within 1% right (hand arithmetic rounded to 3
            significant digits passes; ``exercise`` sheets grade at 4 digits).
        points: how many other points (0 to :data:`MAX_POINTS`) a formula or callable is
            also checked at.
        seed: the seed (an int) of the private random generator that picks those points.

    Returns an :class:`AnswerReport` (true when every answer given is right). Arguments of
    the wrong type or out of range raise ``TypeError``/``ValueError`` naming the argument
    and its value; so does an answer that is not a number, a string or a callable, or a
    number that is not finite as a float (``10**400``).

    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    >>> e = a * b; e.label = "e"; d = e + c; d.label = "d"; L = d * f; L.label = "L"
    >>> report = check_answers(L, {"d": "f", "f": "d", "e": -2, "a": -4})
    >>> report.passed, report.first_wrong
    (False, 'a')
    >>> print(report["a"].diagnosis)
    You have -4; dL/da is 6. In e = a * b, ∂e/∂a is the other factor, b = -3, not a itself \
(a = 2). Correct step: dL/da = dL/de × ∂e/∂a = -2 × (-3) = 6, where e = a * b and ∂e/∂a = b = -3.
    >>> typo = check_answers(L, {"a": "b *", "b": "a*f"})      # one row cannot be read
    >>> [(r.name, r.verdict, r.mistake) for r in typo.answered]
    [('a', 'wrong', 'unreadable'), ('b', 'right', '')]
    >>> check_answers(L, {"a": 6}, seed="x")
    Traceback (most recent call last):
    ...
    TypeError: check_answers: seed must be an int, got 'x' of type str
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_answers: root must be a Value, got {_shown(root)} of type "
                        f"{type(root).__name__}")
    for what, tol in (("rtol", rtol), ("atol", atol)):
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
            raise TypeError(f"check_answers: {what} must be a number, got {_shown(tol)} of "
                            f"type {type(tol).__name__}")
        try:
            finite = math.isfinite(tol) and tol >= 0
        except OverflowError:
            finite = False
        if not finite:
            raise ValueError(f"check_answers: {what} must be a finite number >= 0, got "
                             f"{_shown(tol)}")
    if isinstance(points, bool) or not isinstance(points, int):
        raise TypeError(f"check_answers: points must be an int, got {_shown(points)} of type "
                        f"{type(points).__name__}")
    if not 0 <= points <= MAX_POINTS:
        raise ValueError(f"check_answers: points must be from 0 to {MAX_POINTS}, got "
                         f"{_shown(points)}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"check_answers: seed must be an int, got {_shown(seed)} of type "
                        f"{type(seed).__name__}")
    close = _close(float(rtol), float(atol))
    transcript = explain(root)
    given, from_grad = _resolve(root, transcript, answers)
    steps = transcript.steps
    here = {s.name: s.node.data for s in steps}

    # Other points, for formulas and callables: move the labelled leaves and those read.
    read: set[str] = set()
    for one in given.values():
        if one.formula is not None:
            read.update(one.formula.names)
        elif one.function is not None:
            read.update(one.reads if one.reads is not None else here)
    general = any(a.general for a in given.values())
    vary = [s.node for s in steps if s.node.is_leaf and (s.node.label or s.name in read)]
    others = _other_points(root, transcript, vary, points if general else 0, seed)

    problems = {k: a.problem for k, a in given.items() if a.problem is not None}
    worlds = [_grade_point(transcript, steps, given, here, True, close)]
    worlds += [_grade_point(p.transcript, steps, given, p.values, False, close) for p in others]
    all_points = [_Point(transcript, here, {}), *others]

    results = []
    for i, step in enumerate(steps):
        key = id(step.node)
        answer = given.get(key)
        if answer is None:
            results.append(NodeResult(step.name, "unanswered", step.grad, None, "", step.node,
                                      step=correct_step(step)))
            continue
        value = worlds[0].value[key]
        failing = next((j for j, w in enumerate(worlds) if key in w.wrong), None)
        if failing is None:
            results.append(NodeResult(step.name, "right", step.grad, answer.given, "",
                                      step.node, value, step=correct_step(step)))
            continue
        world, point = worlds[failing], all_points[failing]
        there = point.transcript.steps[i]
        kind, text = _explain_wrong(there, world, key, _nodes_at(point), close,
                                    ("accumulated",) if from_grad else (), problems)
        yours = world.value[key]
        if failing:
            where = ", ".join(f"{n} = {num(x)}" for n, x in point.leaves.items())
            shown = "no value" if yours is None else num(yours)
            text = (f"Right at the graph's values, but not in general: at {where}, your "
                    f"formula gives {shown} where {_d(step.root, step.name)} is "
                    f"{num(there.grad)}. " + text.replace("Correct step:", "Correct step there:"))
            alone = _culprits(root, steps, i, answer, point.leaves, close)
            if alone:
                moved = " or ".join(alone)
                text += (f" Moving {moved} alone already breaks it: the formula does not follow"
                         f" how {_d(step.root, step.name)} depends on {moved}.")
            kind = kind if kind != "unknown" else "not_general"
        elif yours is not None:
            text = f"You have {num(yours)}; {_d(step.root, step.name)} is {num(step.grad)}. " + text
        results.append(NodeResult(
            step.name, "wrong", step.grad, answer.given, text, step.node, value, kind,
            key in world.origin, dict(point.leaves) if failing else None, correct_step(step)))
    return AnswerReport(root, results, float(rtol), float(atol),
                        [dict(p.leaves) for p in others], from_grad)


def _culprits(root: Value, steps: Sequence[Step], i: int, answer: _Answer,
              moved: Mapping[str, float], close: Callable[[float, float], bool]) -> list[str]:
    """The leaves that, moved alone (to their value at a failing point), break a formula."""
    leaves = {s.name: s.node for s in steps if s.node.is_leaf}
    found = []
    for name, x in moved.items():
        try:
            there = explain(replay(root, {leaves[name]: x})[id(root)])
            value = answer.at({s.name: s.node.data for s in there.steps})
        except (ArithmeticError, ValueError, TypeError):
            continue
        if not close(value, there.steps[i].grad):
            found.append(name)
    return found


def _nodes_at(point: _Point) -> dict[str, Value]:
    return {s.name: s.node for s in point.transcript.steps}


def _explain_wrong(step: Step, world: _World, key: int, nodes: Mapping[str, Value],
                   close: Callable[[float, float], bool], prefer: Sequence[str],
                   answer_problem: Mapping[int, tuple[str, str]]) -> tuple[str, str]:
    """(kind, words) for a wrong answer at one point."""
    problem = answer_problem.get(key)
    if problem is not None and problem[0] == "unreadable":
        return "unreadable", (f"Your answer cannot be read as a formula: {problem[1]}. Type "
                              "a number, or a formula in the graph's names such as 2*a*b "
                              "or 1 - tanh(n)**2.")
    if problem is not None:
        return problem[0], (f"Your answer cannot be evaluated: {problem[1]}. "
                            f"Correct step: {correct_step(step)}.")
    if key in world.error:
        return "not_evaluable", (f"Your answer has no value here: {world.error[key]}. "
                                 f"Correct step: {correct_step(step)}.")
    answer = world.value[key]
    assert answer is not None
    if not step.terms:
        return "seed", (f"The gradient of {step.root} with respect to itself is 1: "
                               f"the seed that backward starts from.")
    upstream = {t.consumer: world.implied[t.consumer] for t in step.terms}
    unsound = [t.consumer for t in step.terms
               if not close(upstream[t.consumer], t.upstream)]
    if key not in world.origin and unsound:
        theirs = _implied(step, upstream)
        if theirs is not None and close(answer, theirs):
            yours = ", ".join(f"{_d(step.root, c)} = {num(upstream[c])}"
                              for c in dict.fromkeys(unsound))
            sources = list(dict.fromkeys(x for c in unsound for x in world.source[c]))
            where = (f"see {', '.join(sources)}" if sources == list(dict.fromkeys(unsound))
                     else f"it follows from your answer at {', '.join(sources)}")
            return "carried", (
                f"The step here is right, but it starts from your {yours}, which is wrong "
                f"({where}); from the right upstream: {correct_step(step)}.")
        mistake = diagnose(step, answer, nodes, close, upstream, prefer)
    else:
        mistake = diagnose(step, answer, nodes, close, None, prefer)
    if mistake is None and key in world.origin:
        return _earlier_slip(step, answer, world, nodes, close, prefer)
    if mistake is None:
        return "unknown", f"Correct step: {correct_step(step)}."
    return mistake.kind, mistake.text


def _earlier_slip(step: Step, answer: float, world: _World, nodes: Mapping[str, Value],
                  close: Callable[[float, float], bool],
                  prefer: Sequence[str]) -> tuple[str, str]:
    """A wrong answer below nodes left unanswered may hide a slip made in one of them:
    d(root)/d(node) is linear in each such node's gradient, so a slip there moves this
    answer by (slip - right) * d(there)/d(node)."""
    steps = {s.name: s for s in explain(nodes[step.root]).steps}
    above: list[str] = []
    todo = [t.consumer for t in step.terms]
    while todo:
        name = todo.pop(0)
        if name in above or name in world.given or name == step.root:
            continue
        above.append(name)
        todo += [t.consumer for t in steps[name].terms]
    for name in above:  # nearest first
        there = steps[name]
        carry = explain(there.node).grad(step.node)     # d(there)/d(node)
        if carry == 0.0:
            continue
        for m in _candidates_sorted(there, nodes, prefer):
            moved = step.grad + (m.value - there.grad) * carry
            if close(answer, moved) and not close(step.grad, moved):
                return m.kind, (f"Your answer fits a slip at {name}, which you did not write "
                                f"down: {m.text} Carried on to {step.name}: "
                                f"{correct_step(step)}.")
    return "unknown", f"Correct step: {correct_step(step)}."


def _candidates_sorted(step: Step, nodes: Mapping[str, Value],
                       prefer: Sequence[str]) -> list[Mistake]:
    rank = {kind: i for i, kind in enumerate(prefer)}
    return sorted(candidates(step, nodes), key=lambda m: rank.get(m.kind, len(rank)))
