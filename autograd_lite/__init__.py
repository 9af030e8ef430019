"""autograd_lite: a small, readable scalar reverse-mode automatic-differentiation engine.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x ** 3 + x.sin()
>>> y.backward()
>>> round(x.grad, 6)        # 3 x**2 + cos(x)
11.583853
>>> str(y)
'x**3 + sin(x)'
"""

from .check import GradcheckError, check_graph, gradcheck, gradgradcheck
from .custom_ops import custom_op, register_op, unregister_op
from .engine import Value, apply, backprop
from .errors import BackwardError
from .explain import explain
from .expression import formula, latex
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
from .higher import derivative, grad, hessian, jacobian, jvp
from .modes import (
    creation_site,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from .rules import RULES, DomainError, Rule, register
from .viz import backward_steps, draw_dot
from .walks import backward_order, topological_order

__all__ = [
    # the engine
    "Value", "apply", "backprop", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled", "creation_site", "topological_order",
    "backward_order",
    "BackwardError", "DomainError",
    # the rules table and custom ops
    "Rule", "RULES", "register", "register_op", "unregister_op", "custom_op",
    # ops as functions
    "sum", "dot", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu",
    "softplus", "sin", "cos",
    # checking derivatives by hand
    "grad", "derivative", "jacobian", "hessian", "jvp", "gradcheck", "gradgradcheck",
    "GradcheckError", "check_graph", "explain", "formula", "latex",
    # pictures
    "draw_dot", "backward_steps",
]

__version__ = "0.1.0"
