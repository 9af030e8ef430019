"""autograd_lite: a small, readable scalar reverse-mode automatic-differentiation engine.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x ** 3 + x.sin()
>>> y.backward()
>>> round(x.grad, 6)        # 3 x**2 + cos(x)
11.583853
"""

from .engine import (
    BackwardError,
    Value,
    apply,
    backprop,
    creation_site,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from .functional import (
    cos,
    dot,
    exp,
    leaky_relu,
    log,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    sum,
    tanh,
)
from .rules import RULES, DomainError, Rule, register
from .viz import draw_dot

__all__ = [
    "RULES",
    "BackwardError",
    "DomainError",
    "Rule",
    "Value",
    "apply",
    "backprop",
    "cos",
    "creation_site",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "enable_grad",
    "exp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "leaky_relu",
    "log",
    "no_grad",
    "register",
    "relu",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "sum",
    "tanh",
    "topological_order",
]

__version__ = "0.1.0"
