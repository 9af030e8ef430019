"""A safe parser for the formulas learners type: ``"b*f"``, ``"(1 - tanh(n)**2) * x1"``.

A formula is parsed with :mod:`ast` and then checked against a whitelist: numbers, names,
``+ - * / **`` (``^`` is read as ``**``), unary ``-``/``+``, parentheses and calls to the
functions in :data:`FUNCTIONS`. Everything else (attribute access, subscripts, strings,
comparisons, lambdas, keyword arguments, calls to any other name, names that start and end
with ``__``) is refused with a :class:`FormulaError` that says what and where. Nothing is
ever passed to ``eval``: a parsed formula is a small tree of tuples that :class:`Formula`
walks itself, on floats, with limits on length, size, nesting and constant exponents.

>>> f = parse_formula("-2*(expected - output)*h1*(1 - h1)*input")
>>> sorted(f.names)
['expected', 'h1', 'input', 'output']
>>> round(f({"expected": 1.0, "output": 0.5, "h1": 0.5, "input": 2.0}), 6)
-0.5
>>> parse_formula("a.__class__")
Traceback (most recent call last):
...
autograd_lite.formula_parser.FormulaError: formula 'a.__class__': attribute access \
(.__class__) is not allowed; a formula may use numbers, names, + - * / **, parentheses and \
the functions abs, cos, cosh, exp, leaky_relu, ln, log, max, min, pow, relu, sech, sigmoid, \
sign, sin, sinh, softplus, sqrt, tan, tanh, σ
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .core.rules import sigmoid, softplus  # the engine's own, overflow-safe

__all__ = ["CONSTANTS", "FUNCTIONS", "Formula", "FormulaError", "FormulaEvaluationError",
           "parse_formula"]

MAX_LENGTH = 2000       # characters in one formula
MAX_NODES = 500         # numbers, names, operators and calls in one formula
MAX_DEPTH = 100         # nesting of operators and calls
MAX_EXPONENT = 100.0    # largest |c| in a constant exponent x**c


class FormulaError(ValueError):
    """A formula that cannot be accepted: bad syntax, or something outside the whitelist."""


class FormulaEvaluationError(FormulaError):
    """A well-formed formula that has no finite value at the given point (``log(-1)``)."""


# --- the functions a formula may call ------------------------------------------------------


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log needs x > 0, got x = {x:.6g}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt needs x >= 0, got x = {x:.6g}")
    return math.sqrt(x)


def _pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except ValueError:
        raise ValueError(f"{x:.6g}**{y:.6g} is not a real number") from None
    except ZeroDivisionError:
        raise ValueError(f"0**{y:.6g} divides by zero") from None


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def _leaky_relu(x: float, slope: float = 0.01) -> float:
    return x if x > 0.0 else slope * x


@dataclass(frozen=True)
class _Function:
    fn: Callable[..., float]
    arity: tuple[int, int]  # least and most arguments


FUNCTIONS: dict[str, _Function] = {
    "exp": _Function(math.exp, (1, 1)),
    "log": _Function(_log, (1, 1)),
    "ln": _Function(_log, (1, 1)),
    "sqrt": _Function(_sqrt, (1, 1)),
    "tanh": _Function(math.tanh, (1, 1)),
    "sigmoid": _Function(sigmoid, (1, 1)),
    "σ": _Function(sigmoid, (1, 1)),
    "sin": _Function(math.sin, (1, 1)),
    "cos": _Function(math.cos, (1, 1)),
    "tan": _Function(math.tan, (1, 1)),
    "sinh": _Function(math.sinh, (1, 1)),
    "cosh": _Function(math.cosh, (1, 1)),
    "sech": _Function(lambda x: 1.0 / math.cosh(x), (1, 1)),
    "relu": _Function(lambda x: x if x > 0.0 else 0.0, (1, 1)),
    "leaky_relu": _Function(_leaky_relu, (1, 2)),
    "softplus": _Function(softplus, (1, 1)),
    "abs": _Function(abs, (1, 1)),
    "sign": _Function(_sign, (1, 1)),
    "pow": _Function(_pow, (2, 2)),
    "max": _Function(max, (2, 8)),
    "min": _Function(min, (2, 8)),
}
"""The functions a formula may call, by name (``ln`` is ``log``, ``σ`` is ``sigmoid``)."""

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
"""Names with a fixed value, unless a node of the graph has the same name (a node ``e``
wins over Euler's number)."""

_ALLOWED = ("numbers, names, + - * / **, parentheses and the functions "
            + ", ".join(sorted(FUNCTIONS)))

# Characters learners type for operators, read as Python's.
_SPELLINGS = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/",
              "^": "**", "²": "**2", "³": "**3"}

_BINARY: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                            ast.Pow: "**"}

# A parsed formula: ("num", value) | ("name", name) | ("neg", node) | (op, left, right)
# | ("call", function name, (args...)).
_Node = tuple[Any, ...]


def _refusal(node: ast.AST, source: str) -> str:
    """What a forbidden piece of syntax is, in words, quoting it."""
    piece = ast.get_source_segment(source, node) or type(node).__name__
    kinds: dict[type, str] = {
        ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Compare: "a comparison",
        ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.Lambda: "lambda",
        ast.NamedExpr: "assignment (:=)", ast.Starred: "* unpacking", ast.JoinedStr: "an f-string",
        ast.Tuple: "a tuple", ast.List: "a list", ast.Dict: "a dict", ast.Set: "a set",
        ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension",
        ast.SetComp: "a comprehension", ast.DictComp: "a comprehension", ast.Await: "await",
        ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "a slice",
    }
    kind = kinds.get(type(node), f"{type(node).__name__} syntax")
    if isinstance(node, ast.Attribute):
        piece = f".{node.attr}"
    return f"{kind} ({piece}) is not allowed"


def _normalise(text: str) -> str:
    for old, new in _SPELLINGS.items():
        text = text.replace(old, new)
    return text


@dataclass(frozen=True)
class Formula:
    """A parsed, checked formula; call it with ``{name: value}`` to evaluate it.

    Attributes:
        text: the formula as typed.
        names: the names it reads (not counting functions, nor ``pi``/``e`` when they are
            Euler's number and pi).

    >>> f = parse_formula("1 - tanh(n)^2")
    >>> f.names, round(f({"n": 0.5}), 6)
    (frozenset({'n'}), 0.786448)
    >>> parse_formula("3 × 2").is_constant
    True
    """

    text: str
    names: frozenset[str]
    tree: _Node = field(repr=False)

    @property
    def is_constant(self) -> bool:
        """True when the formula reads no names (``"-2 * 3"``): a number, in effect."""
        return not self.names

    def __call__(self, values: Mapping[str, float]) -> float:
        """The formula's value where each name has the value in ``values``.

        Raises :class:`FormulaEvaluationError` when it has no finite value there (``log``
        of a negative number, a division by zero, an overflow), and ``KeyError``-free
        :class:`FormulaError` naming a missing name.
        """
        missing = sorted(n for n in self.names if n not in values)
        if missing:
            raise FormulaError(f"formula {self.text!r}: no value for {', '.join(missing)}")
        try:
            result = _evaluate(self.tree, values)
        except (ArithmeticError, ValueError) as exc:
            raise FormulaEvaluationError(f"formula {self.text!r} has no value here: "
                                         f"{_reason(exc)}") from None
        if not math.isfinite(result):
            raise FormulaEvaluationError(f"formula {self.text!r} is {result!r} here")
        return result


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):
        return "a number too large for a float"
    return str(exc)


def _evaluate(node: _Node, values: Mapping[str, float]) -> float:
    """Walk the parsed tree (its depth is at most MAX_DEPTH, so recursion is safe)."""
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "name":
        return float(values[node[1]] if node[1] in values else CONSTANTS[node[1]])
    if kind == "neg":
        return -_evaluate(node[1], values)
    if kind == "call":
        args = [_evaluate(a, values) for a in node[2]]
        return float(FUNCTIONS[node[1]].fn(*args))
    left, right = _evaluate(node[1], values), _evaluate(node[2], values)
    if kind == "+":
        return left + right
    if kind == "-":
        return left - right
    if kind == "*":
        return left * right
    if kind == "/":
        return left / right
    return _pow(left, right)


def parse_formula(text: str, names: Collection[str] | None = None) -> Formula:
    """Parse and check ``text``; with ``names``, every name it reads must be one of them.

    ``^`` means a power (as on paper), and ``×``, ``·``, ``÷``, ``−``, ``²``, ``³`` are
    read as ``*``, ``*``, ``/``, ``-``, ``**2``, ``**3``. ``pi`` and ``e`` are constants
    unless ``names`` holds them.

    >>> parse_formula("b * f", names={"a", "b", "f"})({"b": -3.0, "f": -2.0})
    6.0
    >>> parse_formula("__import__('os')")
    Traceback (most recent call last):
    ...
    autograd_lite.formula_parser.FormulaError: formula "__import__('os')": the name \
'__import__' is not allowed (names that start and end with __ are never formula names)
    >>> parse_formula("q * 2", names={"a", "b"})
    Traceback (most recent call last):
    ...
    autograd_lite.formula_parser.FormulaError: formula 'q * 2': unknown name 'q'; the \
names here are a, b
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula {text[:40]!r}...: {len(text)} characters is too long "
                           f"(at most {MAX_LENGTH})")
    source = _normalise(text).strip()
    if not source:
        raise FormulaError("formula '': it is empty")
    if "\x00" in source:  # Python versions differ in how ast.parse refuses these
        raise FormulaError(f"formula {text!r}: it contains null bytes")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(_syntax_message(text, source, exc)) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(f"formula {text!r}: too deeply nested or malformed "
                           f"(at most {MAX_DEPTH} levels)") from None
    known = None if names is None else {unicodedata.normalize("NFKC", n): n for n in names}
    used: set[str] = set()
    count = [0]

    def convert(node: ast.AST, depth: int) -> _Node:
        count[0] += 1
        if count[0] > MAX_NODES:
            raise FormulaError(f"formula {text!r}: too long (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise FormulaError(f"formula {text!r}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise FormulaError(f"formula {text!r}: {value!r} is not a number; "
                                   f"a formula may use {_ALLOWED}")
            try:
                number = float(value)
            except OverflowError:
                number = math.inf
            if not math.isfinite(number):
                raise FormulaError(f"formula {text!r}: the number "
                                   f"{ast.get_source_segment(source, node)} is too "
                                   "large for a float") from None
            return ("num", number)
        if isinstance(node, ast.Name):
            return ("name", name(node.id))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = convert(node.operand, depth + 1)
            return ("neg", inner) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            op = _BINARY[type(node.op)]
            left, right = convert(node.left, depth + 1), convert(node.right, depth + 1)
            if op == "**" and not _reads_names(right):
                c = _evaluate_constant(right, text)
                if abs(c) > MAX_EXPONENT:
                    raise FormulaError(f"formula {text!r}: the exponent {c:.6g} is too large "
                                       f"(at most {MAX_EXPONENT:g} in size)")
            return (op, left, right)
        if isinstance(node, ast.BinOp):
            symbol = type(node.op).__name__
            raise FormulaError(f"formula {text!r}: the operator {symbol} is not allowed; "
                               f"a formula may use {_ALLOWED}")
        if isinstance(node, ast.Call):
            return call(node, depth)
        raise FormulaError(f"formula {text!r}: {_refusal(node, source)}; a formula may use "
                           f"{_ALLOWED}")

    def name(raw: str) -> str:
        if raw.startswith("__") and raw.endswith("__"):
            raise FormulaError(f"formula {text!r}: the name {raw!r} is not allowed (names that "
                               "start and end with __ are never formula names)")
        if known is not None:
            if raw in known:
                used.add(known[raw])
                return known[raw]
            if raw in CONSTANTS:
                return raw
            hint = (f"; {raw} is a function: call it, as in {raw}(x)" if raw in FUNCTIONS
                    else f"; the names here are {', '.join(sorted(known.values()))}")
            raise FormulaError(f"formula {text!r}: unknown name {raw!r}{hint}")
        if raw not in CONSTANTS:
            used.add(raw)
        return raw

    def call(node: ast.Call, depth: int) -> _Node:
        func = node.func
        if isinstance(func, ast.Constant):
            raise FormulaError(f"formula {text!r}: {_refusal(func, source)} before "
                               f"parentheses; write products with *, as in 2*(a + b)")
        if isinstance(func, ast.Name) and func.id.startswith("__") and func.id.endswith("__"):
            name(func.id)  # refuses it, with the reason
        if not isinstance(func, ast.Name):
            raise FormulaError(f"formula {text!r}: {_refusal(func, source)}; a formula may "
                               f"use {_ALLOWED}")
        if func.id not in FUNCTIONS:
            raise FormulaError(f"formula {text!r}: unknown function {func.id!r}; a formula may "
                               f"use {_ALLOWED}")
        if node.keywords:
            raise FormulaError(f"formula {text!r}: keyword arguments are not allowed in "
                               f"{func.id}(...)")
        least, most = FUNCTIONS[func.id].arity
        if not least <= len(node.args) <= most:
            want = str(least) if least == most else f"{least} to {most}"
            raise FormulaError(f"formula {text!r}: {func.id} takes {want} argument"
                               f"{'' if want == '1' else 's'}, got {len(node.args)}")
        args = tuple(convert(a, depth + 1) for a in node.args)
        return ("call", func.id, args)

    parsed = convert(tree.body, 0)
    return Formula(text, frozenset(used), parsed)


def _reads_names(node: _Node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "name" and n[1] not in CONSTANTS:
            return True
        if n[0] == "call":
            stack.extend(n[2])
        elif n[0] != "num" and n[0] != "name":
            stack.extend(n[1:])
    return False


def _evaluate_constant(node: _Node, text: str) -> float:
    try:
        return _evaluate(node, {})
    except (ArithmeticError, ValueError) as exc:
        raise FormulaError(f"formula {text!r}: {_reason(exc)}") from None


_STATEMENTS = {"import", "from", "def", "class", "del", "global", "nonlocal", "with", "for",
               "while", "if", "try", "raise", "return", "assert", "pass", "async"}


def _syntax_message(text: str, source: str, exc: SyntaxError) -> str:
    where = exc.offset or 0
    head = f"formula {text!r}: cannot read it"
    first = source.split(maxsplit=1)[0] if source.split() else ""
    if first in _STATEMENTS:
        return head + f"; a formula is an expression, not a statement such as {first}"
    if where:
        head += f" (at character {where})"
    # A number glued to a name is the commonest slip: 2x.
    glued = re.search(r"(?<![\w.])(\d+\.?\d*(?:[eE][-+]?\d+)?)([^\W\d]\w*)", source)
    if glued and not re.fullmatch(r"[jJ]", glued.group(2)):
        return head + f"; write products with *, as in {glued.group(1)}*{glued.group(2)}"
    if "nested" in str(exc.msg):
        return head + f"; too deeply nested (at most {MAX_DEPTH} levels)"
    return head + f": {exc.msg}"
