"""The learners' formula parser: values against Python's math, and everything outside the
whitelist refused with a clear error (never eval)."""

from __future__ import annotations

import builtins
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite.formula_parser import (
    FUNCTIONS,
    FormulaError,
    FormulaEvaluationError,
    parse_formula,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("-2*(expected - output)*h1*(1 - h1)*input",
     -2 * (1.0 - 0.4) * 0.3 * (1 - 0.3) * 1.5),
    ("1 - tanh(n)**2", 1 - math.tanh(0.7) ** 2),
    ("1 - tanh(n)^2", 1 - math.tanh(0.7) ** 2),          # ^ is a power, as on paper
    ("sech(n)²", 1 / math.cosh(0.7) ** 2),
    ("2 × h1 · input ÷ 3", 2 * 0.3 * 1.5 / 3),
    ("−n", -0.7),                                        # a typographic minus
    ("sigmoid(n)*(1 - σ(n))", 1 / (1 + math.exp(-0.7)) * (1 - 1 / (1 + math.exp(-0.7)))),
    ("exp(n) + log(input) + ln(input) + sqrt(input)",
     math.exp(0.7) + 2 * math.log(1.5) + math.sqrt(1.5)),
    ("sin(n)*cos(n) - tan(n) + sinh(n) - cosh(n)",
     math.sin(0.7) * math.cos(0.7) - math.tan(0.7) + math.sinh(0.7) - math.cosh(0.7)),
    ("relu(n) + relu(-n) + abs(-n) + sign(-n) + softplus(n)",
     0.7 + 0 + 0.7 - 1 + math.log1p(math.exp(0.7))),
    ("leaky_relu(-n, 0.1) + leaky_relu(-n) + max(n, h1, 0) + min(n, h1) + pow(n, 3)",
     -0.07 - 0.007 + 0.7 + 0.3 + 0.7 ** 3),
    ("pi * e", math.pi * math.e),
    ("2**-1 + +n", 0.5 + 0.7),
])
def test_values_agree_with_pythons_math(text: str, expected: float) -> None:
    values = {"expected": 1.0, "output": 0.4, "h1": 0.3, "input": 1.5, "n": 0.7}
    assert parse_formula(text)(values) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("text", "says"), [
    ("a.__class__", "attribute access (.__class__) is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
    ("import os", "an expression, not a statement such as import"),
    ("__import__('os').system('true')", "attribute access (.system)"),
    ("__import__('os')", "the name '__import__' is not allowed"),
    ("__builtins__", "the name '__builtins__' is not allowed"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1+1')", "unknown function 'eval'"),
    ("exec('x=1')", "unknown function 'exec'"),
    ("getattr(a, 'b')", "unknown function 'getattr'"),
    ("lambda: 1", "lambda (lambda: 1) is not allowed"),
    ("[x for x in a]", "a comprehension"),
    ("a[0]", "indexing (a[0]) is not allowed"),
    ("'text'", "'text' is not a number"),
    ("b'x'", "is not a number"),
    ("f'{a}'", "an f-string"),
    ("True + 1", "True is not a number"),
    ("3j", "3j is not a number"),
    ("a < b", "a comparison"),
    ("a and b", "and/or"),
    ("a if b else 1", "if/else"),
    ("(a := 2)", "assignment (:=)"),
    ("a % 2", "the operator Mod is not allowed"),
    ("a // 2", "the operator FloorDiv is not allowed"),
    ("a @ b", "the operator MatMult is not allowed"),
    ("a << 2", "the operator LShift is not allowed"),
    ("~a", "syntax"),
    ("not a", "syntax"),
    ("tanh(x=1)", "keyword arguments are not allowed in tanh(...)"),
    ("tanh(*a)", "* unpacking"),
    ("exp(1, 2)", "exp takes 1 argument, got 2"),
    ("tanh(a)(b)", "is not allowed"),
    ("2x", "write products with *, as in 2*x"),
    ("2(a + b)", "write products with *, as in 2*(a + b)"),
    ("9**9**9**9", "exponent 3.8742e+08 is too large"),
    ("a**(10**10)", "exponent 1e+10 is too large"),
    ("a**1000", "exponent 1000 is too large"),
    ("1e400", "too large for a float"),
    ("(" * 300 + "a" + ")" * 300, "too deeply nested"),
    ("-" * 500 + "a", "nested more than 100 levels deep"),
    ("tanh(" * 150 + "a" + ")" * 150, "nested more than 100 levels deep"),
    ("a" + " + a" * 600, "too long"),
    ("a" * 3000, "too long (at most 2000)"),
    ("", "it is empty"),
    ("a\x00", "null bytes"),
    ("a; b", "cannot read it"),
])
def test_everything_outside_the_whitelist_is_refused(text: str, says: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def no_eval(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser must never call eval or exec")

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    with pytest.raises(FormulaError) as err:
        parse_formula(text, names={"a", "b"})
    assert says in str(err.value)
    assert str(err.value).startswith("formula ")


def test_names_must_be_the_graphs() -> None:
    with pytest.raises(FormulaError, match=r"unknown name 'q'; the names here are a, b"):
        parse_formula("a*q", names={"a", "b"})
    with pytest.raises(FormulaError, match=r"tanh is a function: call it, as in tanh\(x\)"):
        parse_formula("tanh * a", names={"a"})
    f = parse_formula("e * 2", names={"e"})             # a node e wins over Euler's number
    assert f.names == {"e"} and f({"e": 3.0}) == 6.0
    assert parse_formula("e", names={"a"})({}) == math.e


def test_evaluation_errors_are_clear() -> None:
    with pytest.raises(FormulaEvaluationError, match="log needs x > 0, got x = -2"):
        parse_formula("log(a)")({"a": -2.0})
    with pytest.raises(FormulaEvaluationError, match="division by zero"):
        parse_formula("1/a")({"a": 0.0})
    with pytest.raises(FormulaEvaluationError, match="too large for a float"):
        parse_formula("exp(a)")({"a": 1000.0})
    with pytest.raises(FormulaEvaluationError, match=r"\(-8\)\*\*0.5 is not a real|not a real"):
        parse_formula("a**0.5")({"a": -8.0})
    with pytest.raises(FormulaError, match="no value for b"):
        parse_formula("a + b")({"a": 1.0})


def test_the_function_table_is_what_the_docs_list() -> None:
    assert {"tanh", "exp", "log", "sigmoid", "sqrt", "sin", "cos", "relu", "abs"} <= set(FUNCTIONS)


@given(st.floats(-5, 5), st.floats(-5, 5), st.sampled_from(["+", "-", "*"]))
def test_arithmetic_is_pythons(x: float, y: float, op: str) -> None:
    expected = {"+": x + y, "-": x - y, "*": x * y}[op]
    assert parse_formula(f"a {op} b")({"a": x, "b": y}) == expected
