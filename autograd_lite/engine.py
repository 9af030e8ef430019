"""Deprecated module: ``Value`` and the walk live in :mod:`autograd_lite.core`; import
them from ``autograd_lite``."""

import warnings

from .core import BackwardError, Value, apply, backward_order, topological_order
from .derivatives import backprop

__all__ = ["BackwardError", "Value", "apply", "backprop", "backward_order", "topological_order"]

warnings.warn("autograd_lite.engine is deprecated: import from autograd_lite",
              DeprecationWarning, stacklevel=2)
