"""Checking derivatives: a function's gradients against central differences
(``gradcheck``, ``gradgradcheck``) and every node's local rule (``check_graph``).

>>> from autograd_lite import Value
>>> gradcheck(lambda a, b: a * b.sin(), [2.0, 0.5]).passed
True
"""

from ..ops import custom_op, register_op, unregister_op
from .gradcheck import gradcheck, gradgradcheck
from .graph_check import check_graph
from .reports import GradcheckError, GradcheckReport, GraphCheckReport, NodeCheck, Row, StaleNode

__all__ = ["GradcheckError", "GradcheckReport", "GraphCheckReport", "NodeCheck", "Row",
           "StaleNode", "check_graph", "custom_op", "gradcheck", "gradgradcheck",
           "register_op", "unregister_op"]
