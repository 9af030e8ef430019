"""Deprecated module: ``BackwardError`` lives in :mod:`autograd_lite.core`; error wording
in :mod:`autograd_lite.messages`."""

import warnings

from .core import BackwardError

__all__ = ["BackwardError"]

warnings.warn("autograd_lite.errors is deprecated: import BackwardError from autograd_lite",
              DeprecationWarning, stacklevel=2)
