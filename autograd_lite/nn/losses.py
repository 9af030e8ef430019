"""Loss functions over a batch of predictions, each returning one scalar Value (the mean).

Sums over the batch are fused n-ary nodes (``sum``, ``dot``), so a loss adds a handful of
nodes per sample rather than a chain as long as the batch. A prediction may be a Value, a
number, or a one-element list (what a ``Sequential`` ending in a 1-unit layer returns).

Numerically stable forms: ``binary_cross_entropy`` takes logits and uses
``softplus(z) - t * z`` (softplus is computed as ``max(z, 0) + log1p(exp(-|z|))``);
``cross_entropy`` subtracts the largest score before exponentiating (log-sum-exp).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from ..core import Value
from ..functional import dot, softplus
from ..functional import sum as vsum
from .validation import finite_number, is_finite_real

__all__ = ["binary_cross_entropy", "cross_entropy", "hinge", "l1_penalty", "l2_penalty",
           "mae", "mse"]


def _scalar(p: Any, op: str) -> Value:
    if isinstance(p, (list, tuple)):
        if len(p) != 1:
            raise ValueError(f"{op}: expected one score per sample, got a list of {len(p)} "
                             f"(use cross_entropy for several class scores)")
        p = p[0]
    return p if isinstance(p, Value) else Value(p)


def _pairs(preds: Sequence[Any], targets: Sequence[Any], op: str
           ) -> tuple[list[Value], list[float]]:
    if len(preds) != len(targets):
        raise ValueError(f"{op}: got {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{op}: needs at least one prediction, got none")
    ts: list[float] = []
    for t in targets:
        # Any real number (numpy scalars included); never a bool, inf, nan or an int too
        # large for a float.
        if not is_finite_real(t):
            raise ValueError(f"{op}: targets must be finite numbers, got {t!r}")
        ts.append(float(t))
    return [_scalar(p, op) for p in preds], ts


def mse(preds: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error ``(1/n) sum (p_i - t_i)^2``.

    >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data    # (1 + 4) / 2
    2.5
    """
    ps, ts = _pairs(preds, targets, "mse")
    residuals = [p - t for p, t in zip(ps, ts)]
    return dot(residuals, residuals) * (1.0 / len(ps))


def mae(preds: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean absolute error ``(1/n) sum |p_i - t_i|``.

    >>> mae([Value(1.0), Value(3.0)], [0.0, 1.0]).data    # (1 + 2) / 2
    1.5
    """
    ps, ts = _pairs(preds, targets, "mae")
    return vsum([(p - t).abs() for p, t in zip(ps, ts)]) * (1.0 / len(ps))


def _check_signs(ts: Sequence[float], op: str) -> None:
    for t in ts:
        if t not in (-1.0, 1.0):
            raise ValueError(f"{op}: labels must be -1 or +1, got {t!r}")


def hinge(scores: Sequence[Any], labels: Sequence[Any]) -> Value:
    """SVM max-margin loss ``(1/n) sum max(0, 1 - y_i * s_i)`` for labels -1/+1, as in
    micrograd's demo. Each term is one fused ``1 + (-y) * s`` node and a ReLU.

    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data     # (0 + 0.5) / 2
    0.25
    """
    ss, ys = _pairs(scores, labels, "hinge")
    _check_signs(ys, "hinge")
    margins = [dot([s], [-y], bias=1.0).relu() for s, y in zip(ss, ys)]
    return vsum(margins) * (1.0 / len(ss))


def binary_cross_entropy(logits: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean binary cross-entropy of sigmoid(logit) against targets in [0, 1].

    ``-t log(sigmoid(z)) - (1 - t) log(1 - sigmoid(z))`` simplifies to
    ``softplus(z) - t * z``, which never takes the log of 0 or exp of a large number. For
    z >= 0 it is written ``softplus(-z) + (1 - t) * z`` (the same number): a confident,
    correct logit then gives a tiny loss instead of cancelling to 0.
    Labels -1/+1 are refused (map them with ``(y + 1) / 2``).

    >>> round(binary_cross_entropy([Value(0.0)], [1]).data, 6)   # log 2
    0.693147
    >>> binary_cross_entropy([Value(800.0)], [1]).data           # no overflow
    0.0
    >>> binary_cross_entropy([Value(40.0)], [1]).data            # log(1 + e**-40)
    4.248354255291589e-18
    """
    zs, ts = _pairs(logits, targets, "binary_cross_entropy")
    for t in ts:
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {t!r} "
                             f"(for labels -1/+1 use (y + 1) / 2, or the hinge loss)")
    terms = [softplus(-z) + (1.0 - t) * z if z.data >= 0.0 else softplus(z) - t * z
             for z, t in zip(zs, ts)]
    return vsum(terms) * (1.0 / len(zs))


def cross_entropy(scores: Sequence[Sequence[Any]], labels: Sequence[int]) -> Value:
    """Mean softmax cross-entropy: ``(1/n) sum (logsumexp(s_i) - s_i[y_i])`` for class
    scores ``s_i`` (one list per sample) and integer labels ``y_i``.

    The largest score ``m`` is subtracted before ``exp`` (``logsumexp(s) = m +
    log sum exp(s_j - m)``), so large scores cannot overflow. ``m`` enters as a constant,
    which is exact: the result does not depend on it.

    >>> round(cross_entropy([[Value(1.0), Value(1.0)]], [0]).data, 6)   # log 2
    0.693147
    >>> cross_entropy([[Value(1000.0), Value(0.0)]], [0]).data          # no overflow
    0.0
    """
    if len(scores) != len(labels):
        raise ValueError(f"cross_entropy: got {len(scores)} score lists but {len(labels)} labels")
    if not scores:
        raise ValueError("cross_entropy: needs at least one sample, got none")
    terms: list[Value] = []
    picked: list[Value] = []
    for row, label in zip(scores, labels):
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__") or len(row) < 2:
            raise ValueError(f"cross_entropy: each sample needs a list of >= 2 class scores, "
                             f"got {row!r}")
        if isinstance(label, bool) or not isinstance(label, numbers.Integral) or type(
                label).__name__ in ("bool", "bool_") or not 0 <= label < len(row):
            raise ValueError(f"cross_entropy: label must be an int in [0, {len(row)}), "
                             f"got {label!r}")
        label = int(label)
        vs = [s if isinstance(s, Value) else Value(s) for s in row]
        m = max(v.data for v in vs)
        terms.append(vsum([(v - m).exp() for v in vs]).log() + m)
        picked.append(vs[label])
    return (vsum(terms) - vsum(picked)) * (1.0 / len(scores))


def l2_penalty(params: Sequence[Value], weight: float = 1.0) -> Value:
    """``weight * sum p^2`` (weight decay as a loss term) as one fused ``dot`` node.

    >>> l2_penalty([Value(1.0), Value(-2.0)], 0.5).data
    2.5
    """
    weight = finite_number("l2_penalty", "weight", weight, minimum=0.0)
    return dot(params, params) * weight


def l1_penalty(params: Sequence[Value], weight: float = 1.0) -> Value:
    """``weight * sum |p|`` (pushes weights to exactly 0: sparse models).

    >>> l1_penalty([Value(1.0), Value(-2.0)], 0.5).data
    1.5
    """
    weight = finite_number("l1_penalty", "weight", weight, minimum=0.0)
    return vsum([p.abs() for p in params]) * weight
