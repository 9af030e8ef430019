"""``gradcheck`` and ``gradgradcheck``: a function's derivatives against central
differences, as a report; a failing row at a kink or an undefined point says why."""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..arguments import check_callable, check_outputs, check_sequence
from ..core import BackwardError, Rule, Value, apply, enable_grad, topological_order
from ..core.graph import local_partials
from ..derivatives import grad, gradients
from ..names import formula, short_name
from ..ops import info
from .numeric import StepFailed, check_tolerances, close, difference, inputs_text, step
from .reports import GradcheckReport, Row, finish

__all__ = ["gradcheck", "gradgradcheck"]


def _input_names(f: Callable[..., Any], inputs: Sequence[Any]) -> list[str]:
    """Labels of Value inputs, else f's parameter names, else x1..xn."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value) and x.label:
            names.append(x.label)
        elif len(params) == len(inputs):
            names.append(params[i])
        else:
            names.append(f"x{i + 1}")
    return names


def _arguments(f: Any, inputs: Any, eps: float, atol: float, rtol: float,
               fn: str) -> list[float]:
    """Check a checker's arguments; return the inputs as floats."""
    check_callable(f, "f", fn)
    items = check_sequence(inputs, "inputs", fn, "numbers or Values")
    if not items:
        raise ValueError(f"{fn}: no inputs to check; pass at least one, e.g. {fn}(f, [0.5])")
    check_tolerances(eps, atol, rtol, fn)
    out = []
    for i, x in enumerate(items):
        v = x.data if isinstance(x, Value) else x
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise TypeError(f"{fn}: inputs[{i}] must be a finite number or Value, got {x!r}")
        out.append(float(v))
    return out


def _outputs(result: Any, fn: str) -> list[Any]:
    outs = list(result) if isinstance(result, (list, tuple)) else [result]
    if not outs:
        raise ValueError(f"{fn}: f returned no outputs (an empty {type(result).__name__})")
    check_outputs(outs, fn)
    return outs


def _point(names: Sequence[str], xs: Sequence[float]) -> str:
    return ", ".join(f"{n}={x:.6g}" for n, x in zip(names, xs))


def _central(g: Callable[[list[float]], list[float]], xs: list[float], j: int, eps: float,
             names: Sequence[str], fn: str) -> list[float]:
    """Central differences of every output of ``g`` in direction ``j``, or a ValueError
    that says which point failed and what to do."""
    try:
        return difference(g, xs, j, step(xs[j], eps))
    except StepFailed as failed:
        raise ValueError(f"{fn}: cannot take a central difference in {names[j]}: f fails at "
                         f"{names[j]}={failed.x!r} ({failed.exc}); move the point away from "
                         "the edge of the domain or lower eps") from failed.exc


def _inputs(xs: Sequence[float], names: Sequence[str] | None) -> list[Value]:
    """Leaves for ``f``, labelled with the inputs' names when known, so an error inside
    ``f`` names them as the report does (``sqrt(x*2)``, not the rule's own ``x``)."""
    if names is None:
        return [Value(x) for x in xs]
    return [Value(x, label=n) for x, n in zip(xs, names)]


def _value_of(f: Callable[..., Any], fn: str,
              names: Sequence[str] | None = None) -> Callable[[list[float]], list[float]]:
    def evaluate(xs: list[float]) -> list[float]:
        with enable_grad():  # f may itself take gradients (grad(..., create_graph=True))
            outs = _outputs(f(*_inputs(xs, names)), fn)
        return [o.data if isinstance(o, Value) else float(o) for o in outs]
    return evaluate


def _grads_of(f: Callable[..., Any], fn: str,
              names: Sequence[str] | None = None) -> Callable[[list[float]], list[float]]:
    """Analytic first derivatives, flattened as [d out_k / d x_i for k, i]."""
    def analytic(xs: list[float]) -> list[float]:
        with enable_grad():
            ins = _inputs(xs, names)
            outs = _outputs(f(*ins), fn)
            flat: list[float] = []
            for out in outs:
                g = gradients(out) if isinstance(out, Value) else {}
                flat.extend(float(g.get(x, 0.0)) for x in ins)
        return flat
    return analytic


def _output_names(count: int) -> list[str]:
    return ["f"] if count == 1 else [f"f[{k}]" for k in range(count)]


def _graphs(f: Callable[..., Any], xs: list[float], names: Sequence[str]) -> list[list[Value]]:
    """The graph of each output of ``f`` at ``xs`` (inputs labelled), in forward order."""
    with enable_grad():
        outs = _outputs(f(*[Value(x, label=n) for x, n in zip(xs, names)]), "gradcheck")
    return [topological_order(o) if isinstance(o, Value) else [] for o in outs]


def _short(node: Value) -> str:
    text = formula(node, max_length=40)
    return text if len(text) <= 40 else node.op


def _slope(rule: Rule, x: float, param: Any) -> float:
    """The op's derivative at ``x`` as its rule gives it (a convention at a kink)."""
    with enable_grad():
        return float(local_partials(apply(rule, [x], param))[0])


def _kink_note(node: Value, rule: Rule, moved: tuple[float, float] | None) -> str:
    """A sentence if ``node``'s input sits on a kink of its op, or (``moved``: its input at
    x - h and x + h) a central difference steps across one."""
    x = node.parents[0].data
    lo, hi = (min(x, *moved), max(x, *moved)) if moved else (x, x)
    for k in info(rule).kinks:
        if not lo <= k <= hi:
            continue
        slopes = [_slope(rule, k + d, node.param) for d in (-1e-3, 1e-3)]
        convention = _slope(rule, k, node.param)
        where = (f"sits on the kink of {rule.name} at {k:g}" if x == k else
                 f"is within one step of the kink of {rule.name} at {k:g} (its input is "
                 f"{x:.3g})")
        return (f"{_short(node)} {where}: the analytic value uses {rule.name}'({k:g}) = "
                f"{convention:g} by convention, while central differences average the slopes "
                f"{slopes[0]:g} and {slopes[1]:g} on either side")
    return ""


def _failure_note(f: Callable[..., Any], xs: list[float], names: Sequence[str], k: int,
                  j: int, eps: float) -> str:
    """Why output ``k``'s derivative in input ``j`` may disagree: an op of the graph at a
    kink, or at a point where its derivative is undefined; ``""`` when none is found."""
    h = step(xs[j], eps)
    try:
        center = _graphs(f, xs, names)[k]
        plus = _graphs(f, [x + h * (i == j) for i, x in enumerate(xs)], names)[k]
        minus = _graphs(f, [x - h * (i == j) for i, x in enumerate(xs)], names)[k]
    except (ArithmeticError, ValueError):
        return ""
    # The three graphs match node for node unless f branches on the data.
    same = len(center) == len(plus) == len(minus) and all(
        a.op == b.op == c.op for a, b, c in zip(center, plus, minus))
    undefined, kinks = [], []
    for pos, node in enumerate(center):
        rule = node.rule
        if rule is None:
            continue
        args = [p.data for p in node.parents]
        try:
            local_partials(node)
        except (ArithmeticError, ValueError) as exc:
            what = (f"{rule.name}'({args[0]:g}) is undefined" if len(args) == 1 else
                    f"a derivative of {rule.name} is undefined")
            at = inputs_text(rule, args, None, [short_name(p) for p in node.parents])
            undefined.append(f"{_short(node)} at {at}: {what} ({exc})")
            continue
        if info(rule).kinks and len(args) == 1:
            moved = None
            if same:
                moved = (minus[pos].parents[0].data, plus[pos].parents[0].data)
                if moved[0] == moved[1] == args[0]:
                    continue  # this node does not move with input j
            note = _kink_note(node, rule, moved)
            if note:
                kinks.append(note)
    return "; ".join(dict.fromkeys(undefined + kinks))


def _analytic(compute: Callable[[], list[float]], size: int) -> tuple[list[float], str]:
    """Analytic derivatives, or NaNs and the reason when backward cannot compute them."""
    try:
        return compute(), ""
    except BackwardError as err:
        return [math.nan] * size, str(err)


def _explained(rows: list[Row], notes: Callable[[int, int], str], reason: str,
               m: int) -> list[Row]:
    """Give every failing row its note (``notes(output, input)``), else ``reason``."""
    out = []
    for idx, row in enumerate(rows):
        if not row.passed:
            k, j = divmod(idx, m)
            row = replace(row, note=notes(k, j) or reason)
        out.append(row)
    return out


def gradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3,
              raise_on_fail: bool = False) -> GradcheckReport:
    """Compare reverse-mode gradients of ``f(*inputs)`` with central differences.

    ``f`` takes Values and returns a Value (or a sequence of them); ``inputs`` are numbers
    or Values. Returns a :class:`GradcheckReport` (true when everything agrees); with
    ``raise_on_fail=True`` a disagreement raises :class:`GradcheckError` instead. A failing
    row at a kink (``relu`` at 0) or where a derivative is undefined says so in its note.

    >>> report = gradcheck(lambda a, b: a * b.sin(), [2.0, 0.5])
    >>> report.passed
    True
    >>> print(report)                                       # doctest: +NORMALIZE_WHITESPACE
    gradcheck of f at a=2, b=0.5: PASSED
    derivative  at  analytic  numeric  abs err  rel err  ok
    ...
    df/da  a=2  0.47942554  0.47942554 ...  yes
    df/db  b=0.5  1.7551651  1.7551651 ...  yes
    >>> row = gradcheck(lambda x: x.relu(), [0.0]).rows[0]     # relu at its kink
    >>> row.analytic, row.numeric, row.passed
    (0.0, 0.5, False)
    >>> print(row.note)
    relu(x) sits on the kink of relu at 0: the analytic value uses relu'(0) = 0 by
    convention, while central differences average the slopes 0 and 1 on either side
    """
    xs = _arguments(f, inputs, eps, atol, rtol, "gradcheck")
    names = _input_names(f, inputs)
    m = len(xs)
    n_out = len(_value_of(f, "gradcheck")(xs))
    analytic, reason = _analytic(lambda: _grads_of(f, "gradcheck")(xs), n_out * m)
    numeric = [_central(_value_of(f, "gradcheck", names), xs, j, eps, names, "gradcheck")
               for j in range(m)]
    outs = _output_names(n_out)
    rows = []
    for k in range(n_out):
        for j, name in enumerate(names):
            a, n = analytic[k * m + j], numeric[j][k]
            rows.append(Row(outs[k], name, f"{name}={xs[j]:.6g}", a, n,
                            close(a, n, atol, rtol)))
    rows = _explained(rows, lambda k, j: _failure_note(f, xs, names, k, j, eps), reason, m)
    title = f"gradcheck of f at {_point(names, xs)}"
    return finish(GradcheckReport(title, rows), raise_on_fail)


def _second(f: Callable[..., Any], xs: list[float]) -> list[float]:
    """Analytic second derivatives, flattened as [d2 out_k / d x_i d x_j for k, i, j]."""
    m = len(xs)
    with enable_grad():
        ins = [Value(x) for x in xs]
        second: list[float] = []
        for out in _outputs(f(*ins), "gradgradcheck"):
            firsts = (grad(out, ins, create_graph=True, allow_unused=True)
                      if isinstance(out, Value) else [Value(0.0)] * m)
            for g in firsts:
                row = gradients(g)
                second.extend(float(row.get(x, 0.0)) for x in ins)
    return second


def gradgradcheck(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3,
                  raise_on_fail: bool = False) -> GradcheckReport:
    """Compare second derivatives (gradients of gradients, ``create_graph=True``) with
    central differences of the first derivatives, for every pair of inputs.

    >>> report = gradgradcheck(lambda x, y: x ** 3 * y, [2.0, 1.5])
    >>> report.passed, [round(r.analytic, 6) for r in report.rows]   # 6xy, 3x^2, 3x^2, 0
    (True, [18.0, 12.0, 12.0, 0.0])
    """
    xs = _arguments(f, inputs, eps, atol, rtol, "gradgradcheck")
    names = _input_names(f, inputs)
    m = len(xs)
    n_out = len(_value_of(f, "gradgradcheck")(xs))
    second, reason = _analytic(lambda: _second(f, xs), n_out * m * m)
    numeric = [_central(_grads_of(f, "gradgradcheck", names), xs, j, eps, names,
                        "gradgradcheck")
               for j in range(m)]
    outs = _output_names(n_out)
    rows = []
    for k in range(n_out):
        for i in range(m):
            for j in range(m):
                a, n = second[(k * m + i) * m + j], numeric[j][k * m + i]
                wrt = f"{names[i]}²" if i == j else f"{names[i]} d{names[j]}"
                rows.append(Row(f"²{outs[k]}", wrt,
                                f"{names[i]}={xs[i]:.6g}, {names[j]}={xs[j]:.6g}"
                                if i != j else f"{names[i]}={xs[i]:.6g}",
                                a, n, close(a, n, atol, rtol)))
    # Row (k, i, j) differentiates in input j: a kink there is what central differences see.
    rows = _explained(rows, lambda ki, j: _failure_note(f, xs, names, ki // m, j, eps),
                      reason, m)
    title = f"gradgradcheck of f at {_point(names, xs)}"
    return finish(GradcheckReport(title, rows), raise_on_fail)
