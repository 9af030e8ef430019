"""Deprecated module: renamed :mod:`autograd_lite.checks`."""

import warnings

from .checks import (
    GradcheckError,
    GradcheckReport,
    GraphCheckReport,
    NodeCheck,
    Row,
    StaleNode,
    check_graph,
    custom_op,
    gradcheck,
    gradgradcheck,
    register_op,
    unregister_op,
)

__all__ = ["GradcheckError", "GradcheckReport", "GraphCheckReport", "NodeCheck", "Row",
           "StaleNode", "check_graph", "custom_op", "gradcheck", "gradgradcheck",
           "register_op", "unregister_op"]

warnings.warn("autograd_lite.check is deprecated: import from autograd_lite.checks",
              DeprecationWarning, stacklevel=2)
