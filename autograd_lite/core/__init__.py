"""The core: ``Value``, the rules table, the one reverse walk. Standard library only; it
imports nothing else from the package, and every other module builds on it."""

from .errors import BackwardError, DomainError
from .graph import backward_order, local_partials, topological_order, users_of
from .modes import detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .rules import RULES, Rule, define
from .value import Value, apply, walk

__all__ = ["RULES", "BackwardError", "DomainError", "Rule", "Value", "apply", "backward_order",
           "define", "detect_anomaly", "enable_grad", "is_anomaly_enabled", "is_grad_enabled",
           "local_partials", "no_grad", "topological_order", "users_of", "walk"]
