"""Deprecated module: ``register_op`` and ``custom_op`` live in :mod:`autograd_lite.ops`."""

import warnings

from .ops import custom_op, register_op, unregister_op

__all__ = ["custom_op", "register_op", "unregister_op"]

warnings.warn("autograd_lite.custom_ops is deprecated: import from autograd_lite",
              DeprecationWarning, stacklevel=2)
