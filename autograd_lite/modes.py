"""Deprecated module: the recording modes live in :mod:`autograd_lite.core`."""

import warnings

from .anomaly import creation_site
from .core import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad

__all__ = ["creation_site", "detect_anomaly", "enable_grad", "is_anomaly_enabled",
           "is_grad_enabled", "no_grad"]

warnings.warn("autograd_lite.modes is deprecated: import from autograd_lite",
              DeprecationWarning, stacklevel=2)
