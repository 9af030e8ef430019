"""The compiler's interpreter tables: for each built-in op, the code that computes it and
its local partial derivatives, one table for straight-line Python and one for numpy.

Each entry is keyed by the op's name in the rules table (``rules.RULES``) and written in
the rules' vocabulary: inputs ``{x}`` and ``{y}``, the result ``{out}``, the op's constant
``{c}``. The Python entries compute exactly what the rules compute, operation for
operation (``tanh' = 1 - out*out``, ``sigmoid' = out*(1 - out)``, ``sqrt' = 0.5/out``,
additions of a fused node from left to right), so compiled results equal the engine's bit
for bit; ``tests/test_compile.py`` checks every entry against its rule. The n-ary ops
``sum``, ``dot`` and ``affine`` are functions of their argument list.

An op without an entry (your own ``register_op``) is computed by calling its rule
(:func:`rule_call`), so compiled code supports every op the engine does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core import Rule

__all__ = ["NUMPY", "PYTHON", "OpCode", "partials_code", "rule_call"]


@dataclass(frozen=True)
class OpCode:
    """How compiled code computes one op.

    ``forward`` and ``partials`` are templates (``"{x} * {y}"``), or for n-ary ops
    functions from the inputs' code to the code. ``partials`` gives one expression per
    input: d(out)/d(input), to be multiplied by the incoming gradient.
    """

    forward: str | Callable[[Sequence[str]], str]
    partials: tuple[str, ...] | Callable[[Sequence[str]], list[str]]


def _sum_py(xs: Sequence[str]) -> str:
    # The engine adds a sum node's inputs with math.fsum (exactly rounded).
    return f"fsum(({', '.join(xs)},))"


def _dot_py(xs: Sequence[str]) -> str:
    n = len(xs) // 2  # w1*x1 + w2*x2 + ..., added left to right as the rule does
    return " + ".join(f"{xs[i]} * {xs[n + i]}" for i in range(n))


def _affine_py(xs: Sequence[str]) -> str:
    n = (len(xs) - 1) // 2  # b + w1*x1 + ..., added left to right as the rule does
    return " + ".join([xs[0], *(f"{xs[1 + i]} * {xs[1 + n + i]}" for i in range(n))])


def _dot_partials(xs: Sequence[str]) -> list[str]:
    n = len(xs) // 2
    return [*xs[n:], *xs[:n]]  # d/dw_i = x_i, d/dx_i = w_i


def _affine_partials(xs: Sequence[str]) -> list[str]:
    n = (len(xs) - 1) // 2
    return ["1.0", *xs[1 + n:], *xs[1:1 + n]]  # d/db = 1, d/dw_i = x_i, d/dx_i = w_i


_SIGMOID_PY = "(1.0 / (1.0 + exp(-{x})) if {x} >= 0.0 else exp({x}) / (1.0 + exp({x})))"

#: Straight-line Python over floats. Names available to the code: the functions of
#: ``math`` used below, ``fsum``, ``pow_`` (math.pow: raises where ``**`` would turn
#: complex), ``pow_dx`` / ``pow_dy`` (the partials of ``x ** y``).
PYTHON: dict[str, OpCode] = {
    "add": OpCode("{x} + {y}", ("1.0", "1.0")),
    "sub": OpCode("{x} - {y}", ("1.0", "-1.0")),
    "mul": OpCode("{x} * {y}", ("{y}", "{x}")),
    "div": OpCode("{x} / {y}", ("1.0 / {y}", "-{out} / {y}")),
    "neg": OpCode("-{x}", ("-1.0",)),
    "powc": OpCode("pow_({x}, {c})", ("{c} * {x} ** ({c} - 1.0)",)),  # c = 0, 1: see below
    "pow": OpCode("pow_({x}, {y})", ("pow_dx({x}, {y})", "pow_dy({x}, {y}, {out})")),
    "exp": OpCode("exp({x})", ("{out}",)),
    "log": OpCode("log({x})", ("1.0 / {x}",)),
    "sqrt": OpCode("sqrt({x})", ("0.5 / {out}",)),
    "tanh": OpCode("tanh({x})", ("1.0 - {out} * {out}",)),
    "sigmoid": OpCode(_SIGMOID_PY, ("{out} * (1.0 - {out})",)),
    "relu": OpCode("({x} if {x} > 0.0 else 0.0)", ("(1.0 if {x} > 0.0 else 0.0)",)),
    "leaky_relu": OpCode("({x} if {x} > 0.0 else {c} * {x})",
                         ("(1.0 if {x} > 0.0 else {c})",)),
    "softplus": OpCode("(max({x}, 0.0) + log1p(exp(-abs({x}))))", (_SIGMOID_PY,)),
    "sin": OpCode("sin({x})", ("cos({x})",)),
    "cos": OpCode("cos({x})", ("-sin({x})",)),
    "abs": OpCode("abs({x})", ("(1.0 if {x} > 0.0 else -1.0 if {x} < 0.0 else 0.0)",)),
    "sum": OpCode(_sum_py, lambda xs: ["1.0"] * len(xs)),
    "dot": OpCode(_dot_py, _dot_partials),
    "affine": OpCode(_affine_py, _affine_partials),
}


def _sum_np(xs: Sequence[str]) -> str:
    return " + ".join(xs)


#: numpy over arrays with one entry per sample. Names available: ``np``, ``sigmoid``
#: (stable), ``pow_dx`` / ``pow_dy``. Domain errors surface as floating-point errors
#: (the code runs under ``np.errstate(all="raise")``), which send the batch to the engine.
NUMPY: dict[str, OpCode] = {
    "add": OpCode("{x} + {y}", ("1.0", "1.0")),
    "sub": OpCode("{x} - {y}", ("1.0", "-1.0")),
    "mul": OpCode("{x} * {y}", ("{y}", "{x}")),
    "div": OpCode("{x} / {y}", ("1.0 / {y}", "-{out} / {y}")),
    "neg": OpCode("-{x}", ("-1.0",)),
    "powc": OpCode("np.power({x}, {c})", ("{c} * np.power({x}, {c} - 1.0)",)),
    "pow": OpCode("np.power({x}, {y})", ("pow_dx({x}, {y})", "pow_dy({x}, {y}, {out})")),
    "exp": OpCode("np.exp({x})", ("{out}",)),
    "log": OpCode("np.log({x})", ("1.0 / {x}",)),
    "sqrt": OpCode("np.sqrt({x})", ("0.5 / {out}",)),
    "tanh": OpCode("np.tanh({x})", ("1.0 - {out} * {out}",)),
    "sigmoid": OpCode("sigmoid({x})", ("{out} * (1.0 - {out})",)),
    "relu": OpCode("np.maximum({x}, 0.0)", ("({x} > 0.0)",)),
    "leaky_relu": OpCode("np.where({x} > 0.0, {x}, {c} * {x})",
                         ("np.where({x} > 0.0, 1.0, {c})",)),
    "softplus": OpCode("(np.maximum({x}, 0.0) + np.log1p(np.exp(-np.abs({x}))))",
                       ("sigmoid({x})",)),
    "sin": OpCode("np.sin({x})", ("np.cos({x})",)),
    "cos": OpCode("np.cos({x})", ("-np.sin({x})",)),
    "abs": OpCode("np.abs({x})", ("np.sign({x})",)),
    "sum": OpCode(_sum_np, lambda xs: ["1.0"] * len(xs)),
    "dot": OpCode(_dot_py, _dot_partials),
    "affine": OpCode(_affine_py, _affine_partials),
}


def _fill(template: str, xs: Sequence[str], out: str, c: str) -> str:
    names = {"x": xs[0] if xs else "", "y": xs[1] if len(xs) > 1 else "", "out": out, "c": c}
    return template.format(**names)


def forward_code(table: dict[str, OpCode], op: str, xs: Sequence[str], c: str) -> str | None:
    """The code computing ``op`` of the inputs' code ``xs`` (None: no entry)."""
    entry = table.get(op)
    if entry is None:
        return None
    if callable(entry.forward):
        return entry.forward(xs)
    return _fill(entry.forward, xs, "", c)


def partials_code(table: dict[str, OpCode], op: str, xs: Sequence[str], out: str,
                  c: str, c_value: Any = None) -> list[str] | None:
    """The local partials of ``op`` as code, one per input (None: no entry). ``c_value``
    is the op's constant when known, for the cases the rule treats apart (``x ** 0``)."""
    entry = table.get(op)
    if entry is None:
        return None
    if op == "powc" and type(c_value) is float and c_value in (0.0, 1.0):
        return ["0.0" if c_value == 0.0 else "1.0"]  # as rules.py: no x ** -1 at c = 0
    if callable(entry.partials):
        return entry.partials(xs)
    return [_fill(p, xs, out, c) for p in entry.partials]


def rule_call(rule: Rule, args: Sequence[float], param: Any, out: float | None = None) -> Any:
    """The one place compiled code calls a rule's own functions (ops without a table
    entry, such as your own ``register_op``): the forward value when ``out`` is None, else
    the local partials. Rule signatures are the engine's; adapt them here only.

    >>> from autograd_lite import RULES
    >>> rule_call(RULES["mul"], [2.0, 3.0], None), rule_call(RULES["mul"], [2.0, 3.0], None, 6.0)
    (6.0, (3.0, 2.0))
    """
    extra = [param] if rule.param is not None else []
    if out is None:
        return rule.forward(*args, *extra)
    return rule.partials(out, *args, *extra)
