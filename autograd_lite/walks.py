"""Deprecated module: the graph orders live in :mod:`autograd_lite.core`."""

import warnings

from .core import backward_order, topological_order

__all__ = ["backward_order", "topological_order"]

warnings.warn("autograd_lite.walks is deprecated: import from autograd_lite",
              DeprecationWarning, stacklevel=2)
