"""Deprecated module: renamed :mod:`autograd_lite.derivatives` (it holds forward mode too)."""

import warnings

from .derivatives import derivative, grad, hessian, jacobian, jvp

__all__ = ["derivative", "grad", "hessian", "jacobian", "jvp"]

warnings.warn("autograd_lite.higher is deprecated: import from autograd_lite",
              DeprecationWarning, stacklevel=2)
