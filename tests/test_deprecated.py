"""Old module names still work, with a DeprecationWarning that says where the names went."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

import autograd_lite as al

OLD = {  # old module -> (names it must still give, where they live now)
    "engine": (["Value", "apply", "backprop", "topological_order", "BackwardError"], al),
    "walks": (["backward_order", "topological_order"], al),
    "errors": (["BackwardError"], al),
    "modes": (["no_grad", "enable_grad", "detect_anomaly", "creation_site"], al),
    "higher": (["grad", "derivative", "jacobian", "hessian", "jvp"], al),
    "check": (["gradcheck", "gradgradcheck", "check_graph", "custom_op"], al.checks),
    "custom_ops": (["register_op", "custom_op", "unregister_op"], al),
    "expression": (["formula", "latex", "node_names"], al),
}


@pytest.mark.parametrize("old", sorted(OLD))
def test_an_old_module_warns_and_gives_the_same_objects(old: str) -> None:
    sys.modules.pop(f"autograd_lite.{old}", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(f"autograd_lite.{old}")
    assert any(issubclass(w.category, DeprecationWarning) and old in str(w.message)
               for w in caught), [str(w.message) for w in caught]
    names, home = OLD[old]
    for name in names:
        assert getattr(module, name) is getattr(home, name), (old, name)


def test_the_old_explain_module_path_still_imports_the_transcript() -> None:
    from autograd_lite.explain import Transcript, explain  # the module is transcript.py

    x = al.Value(2.0, label="x")
    y = x * x
    assert isinstance(explain(y), Transcript) and explain(y).grad(x) == 4.0  # 2x, by hand
    assert al.explain is explain  # and the package's name is the function


def test_old_style_rule_registration_still_works_with_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from autograd_lite.rules import Rule, register
    with pytest.warns(DeprecationWarning, match="register_op"):
        rule = register(Rule("cube_old", "³", "x**3", lambda xs, p: xs[0] ** 3,
                             lambda xs, out, p: (3 * xs[0] * xs[0],), ("3*x**2",)))
    try:
        x = al.Value(2.0)
        y = al.apply(rule, [x])
        y.backward()
        assert (y.data, x.grad) == (8.0, 12.0)  # x**3 and 3x**2 at 2, by hand
    finally:
        al.unregister_op("cube_old")
