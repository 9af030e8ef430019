"""Accuracy metrics: each turns a batch of predictions and its targets into the fraction
predicted right. ``fit`` and ``evaluate`` pick one from the loss (``metric="auto"``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core import Value
from .losses import binary_cross_entropy, cross_entropy, hinge

__all__ = ["AUTO_METRICS", "Metric", "argmax_accuracy", "logit_accuracy", "metric_for",
           "sign_accuracy"]

Metric = Callable[[Sequence[Any], Sequence[Any]], float]


def _score(p: Any) -> float:
    if isinstance(p, (list, tuple)) and len(p) == 1:
        p = p[0]
    return float(p.data if isinstance(p, Value) else p)


def sign_accuracy(preds: Sequence[Any], labels: Sequence[Any]) -> float:
    """Fraction of samples whose score has the sign of its label (-1/+1 labels; hinge).

    >>> sign_accuracy([Value(0.3), Value(-2.0), Value(1.0)], [1, -1, -1])
    0.6666666666666666
    """
    hits = sum(1 for p, y in zip(preds, labels) if (_score(p) > 0) == (float(y) > 0))
    return hits / len(labels)


def logit_accuracy(preds: Sequence[Any], targets: Sequence[Any]) -> float:
    """Fraction where ``logit > 0`` agrees with ``target >= 0.5`` (0/1 targets; BCE).

    >>> logit_accuracy([Value(0.3), Value(-2.0)], [1, 1])
    0.5
    """
    hits = sum(1 for p, t in zip(preds, targets) if (_score(p) > 0) == (float(t) >= 0.5))
    return hits / len(targets)


def argmax_accuracy(preds: Sequence[Sequence[Any]], labels: Sequence[int]) -> float:
    """Fraction whose highest class score is at the label (cross-entropy).

    >>> argmax_accuracy([[Value(0.1), Value(2.0)], [Value(3.0), Value(0.0)]], [1, 1])
    0.5
    """
    hits = 0
    for row, label in zip(preds, labels):
        scores = [_score(s) for s in row]
        hits += scores.index(max(scores)) == label
    return hits / len(labels)


#: The metric ``metric="auto"`` picks for each built-in classification loss.
AUTO_METRICS: dict[Any, Metric] = {hinge: sign_accuracy, binary_cross_entropy: logit_accuracy,
                                   cross_entropy: argmax_accuracy}


def metric_for(metric: Metric | str | None, loss: Callable[..., Any],
               owner: str = "fit") -> Metric | None:
    """The metric to use: ``"auto"`` picks one for ``hinge``, ``binary_cross_entropy`` and
    ``cross_entropy`` (None for other losses); a function is used as given; None is none.

    >>> metric_for("auto", hinge) is sign_accuracy, metric_for(None, hinge)
    (True, None)
    """
    if metric == "auto":
        return AUTO_METRICS.get(loss)
    if metric is not None and (isinstance(metric, str) or not callable(metric)):
        raise ValueError(f"{owner}: metric must be a function, None or 'auto', got {metric!r}")
    return metric
