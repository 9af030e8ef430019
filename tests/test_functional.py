"""The function forms: ``autograd_lite.sum``, ``dot`` and the unary functions.

Oracles: Python's math and hand derivations.
"""

from __future__ import annotations

import math

import pytest

import autograd_lite as al
from autograd_lite import Value


def test_sum_accepts_any_iterable_and_numbers() -> None:
    xs = [Value(0.5), Value(-1.5)]
    s = al.sum(x for x in [*xs, 3, 0.25, True])      # a generator, ints, floats, a bool
    assert s.data == 0.5 - 1.5 + 3 + 0.25 + 1
    assert len(s.parents) == 5
    s.backward()
    assert [x.grad for x in xs] == [1.0, 1.0]


def test_sum_of_one_value_is_a_node_of_its_own() -> None:
    x = Value(2.0)
    s = al.sum([x])
    assert s is not x and s.op == "sum" and s.data == 2.0


def test_sum_is_exactly_rounded() -> None:
    # fsum: 1e16 + 1 - 1e16 is 1, where left-to-right float addition gives 0
    assert al.sum([1e16, 1.0, -1e16]).data == 1.0


def test_sum_rejects_non_numbers_naming_the_type() -> None:
    with pytest.raises(TypeError, match=r"sum.*str"):
        al.sum([Value(1.0), "2"])


def test_dot_mixes_values_and_numbers() -> None:
    w = [Value(1.5), 2.0]
    x = [3, Value(-0.5)]
    y = al.dot(w, x)
    assert y.data == 1.5 * 3 + 2.0 * -0.5
    y.backward()
    assert w[0].grad == 3.0 and x[1].grad == 2.0


def test_dot_bias_can_be_a_number() -> None:
    w = [Value(1.0), Value(2.0)]
    y = al.dot(w, [0.5, 0.25], bias=-1)
    assert y.op == "affine" and y.data == 0.0
    y.backward()
    assert [v.grad for v in w] == [0.5, 0.25]


def test_dot_accepts_tuples_and_reports_lengths() -> None:
    assert al.dot((Value(2.0),), (3.0,)).data == 6.0
    with pytest.raises(ValueError, match=r"1 and 2"):
        al.dot((1.0,), (1.0, 2.0))


@pytest.mark.parametrize(("name", "reference", "slope"), [
    ("exp", math.exp, math.exp),
    ("log", math.log, lambda x: 1 / x),
    ("sqrt", math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    ("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    ("sigmoid", lambda x: 1 / (1 + math.exp(-x)),
     lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
    ("relu", lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    ("softplus", lambda x: math.log1p(math.exp(x)), lambda x: 1 / (1 + math.exp(-x))),
    ("sin", math.sin, math.cos),
    ("cos", math.cos, lambda x: -math.sin(x)),
])
def test_unary_functions_match_math(name: str, reference: object, slope: object) -> None:
    fn = getattr(al, name)
    for x0 in (0.3, 1.7, 4.0):
        x = Value(x0)
        y = fn(x)
        assert y.data == pytest.approx(reference(x0), rel=1e-13)  # type: ignore[operator]
        y.backward()
        assert x.grad == pytest.approx(slope(x0), rel=1e-12)  # type: ignore[operator]
        assert fn(x0).data == y.data          # a plain number works too
    assert fn.__name__ == name and ">>>" in (fn.__doc__ or "")


def test_leaky_relu_function_default_and_custom_slope() -> None:
    x = Value(-3.0)
    y = al.leaky_relu(x)
    assert y.data == pytest.approx(-0.03) and y.param == 0.01
    y.backward()
    assert x.grad == 0.01
    assert al.leaky_relu(2.0, 0.5).data == 2.0
    assert al.leaky_relu(-2.0, 0.5).data == -1.0


def test_function_forms_reject_non_numbers() -> None:
    with pytest.raises(TypeError, match=r"exp.*NoneType"):
        al.exp(None)
    with pytest.raises(TypeError, match=r"log.*str"):
        al.log("1")


def test_sum_takes_a_start_like_the_builtin() -> None:
    # micrograd's neuron: sum((wi*xi for ...), b); by hand d/dwi = xi, d/db = 1.
    w = [Value(0.5), Value(-2.0)]
    x = [3.0, 4.0]
    b = Value(0.25)
    out = al.sum((wi * xi for wi, xi in zip(w, x)), b)
    assert out.data == sum((wi.data * xi for wi, xi in zip(w, x)), b.data)
    out.backward()
    assert [wi.grad for wi in w] == x and b.grad == 1.0
    assert al.sum([Value(1.0)], 2).data == 3.0
