"""Deprecated module: renamed :mod:`autograd_lite.names`."""

import warnings

from .names import formula, latex, node_names

__all__ = ["formula", "latex", "node_names"]

warnings.warn("autograd_lite.expression is deprecated: import from autograd_lite.names",
              DeprecationWarning, stacklevel=2)
