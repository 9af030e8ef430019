"""autograd_lite: a small, readable scalar reverse-mode automatic-differentiation engine.

Read ``autograd_lite/core/value.py`` first: ``Value``, how an op makes a node, and
``backward``. Everything else is a layer on that core.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x ** 3 + x.sin()
>>> y.backward()
>>> round(x.grad, 6)        # 3 x**2 + cos(x)
11.583853
>>> formula(y)
'x**3 + sin(x)'
"""

import sys as _sys

from . import messages as _messages  # noqa: F401  (installs the error wording)
from . import transcript as _transcript
from .anomaly import creation_site
from .answers import AnswerReport, check_answers
from .checks import GradcheckError, check_graph, gradcheck, gradgradcheck
from .compiler import (
    CompileError,
    compile,  # noqa: F401  (autograd_lite.compile; import * keeps the builtin)
    compile_loss,
)
from .core import (
    RULES,
    BackwardError,
    DomainError,
    Rule,
    Value,
    apply,
    backward_order,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    topological_order,
    walk,
)
from .derivatives import backprop, derivative, grad, gradients, hessian, jacobian, jvp
from .exercises import exercise
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
    sum,  # noqa: F401  (autograd_lite.sum; not in __all__, which must not hide the builtin)
    tanh,
)
from .names import formula, latex, node_names
from .ops import custom_op, register_op, unregister_op
from .transcript import explain
from .viz import backward_steps, draw_dot

# ``autograd_lite.explain`` is the function; the module it lives in is ``transcript``. Old
# code that imports ``from autograd_lite.explain import ...`` still finds that module.
_sys.modules[__name__ + ".explain"] = _transcript

__all__ = [
    # the core
    "Value", "apply", "walk", "no_grad", "enable_grad", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled", "creation_site", "topological_order",
    "backward_order", "BackwardError", "DomainError", "Rule", "RULES",
    # your own op
    "register_op", "unregister_op", "custom_op",
    # ops as functions (``sum`` is left out of ``import *``: it would hide the builtin)
    "dot", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "softplus",
    "sin", "cos",
    # checking derivatives by hand
    "grad", "gradients", "backprop", "derivative", "jacobian", "hessian", "jvp",
    "gradcheck", "gradgradcheck", "GradcheckError", "check_graph", "explain", "formula",
    "latex", "node_names", "check_answers", "AnswerReport", "exercise",
    # pictures
    "draw_dot", "backward_steps",
    # compiled batch mode
    "compile_loss", "CompileError",  # ``compile`` is left out of import *: it is a builtin
]

__version__ = "0.2.0"


def __getattr__(name: str) -> object:
    """Old names kept for a while: ``register`` was the rules table's own registration."""
    if name == "register":
        from .rules import register

        return register
    raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
