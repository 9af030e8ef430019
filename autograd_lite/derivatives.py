"""Derivatives as values: gradients of any order, Jacobians, Hessians and forward mode.

* :func:`grad` is ``torch.autograd.grad`` for scalars: gradients as Values, differentiable
  again with ``create_graph=True``, to any order.
* :func:`derivative`, :func:`jacobian` and :func:`hessian` wrap it and return plain floats.
* :func:`jvp` is forward mode: the directional derivative in one walk *forward* through the
  graph, using the same local partials that reverse mode uses.
* :func:`gradients` is the reverse walk's answer as a mapping, touching no ``.grad``.

No derivative is written here: every number comes from the rules table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any

from .arguments import as_values, check_callable, check_outputs, check_sequence, type_name
from .core import Value, enable_grad, errors, topological_order, walk
from .core.errors import BackwardError, number
from .core.graph import local_partials

__all__ = ["backprop", "derivative", "grad", "gradients", "hessian", "jacobian", "jvp"]


def gradients(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[Value, Any]:
    """d(root)/d(node) for every node ``root`` depends on, keyed by node, touching no
    ``.grad``: the one reverse walk that ``backward`` uses, so the numbers are the same.

    >>> x = Value(3.0); y = x * x
    >>> gradients(y)[x]
    6.0
    """
    return _gradients(root, seed, create_graph, "gradients")


def _gradients(root: Value, seed: Any, create_graph: bool, fn: str) -> dict[Value, Any]:
    if not isinstance(root, Value):
        raise TypeError(f"{fn}: root must be a Value, got {root!r}")
    if not isinstance(seed, Value):
        seed = number(seed, fn, "the seed")
        if create_graph:
            seed = Value(seed)
    elif not create_graph:
        seed = seed.data
    with enable_grad() if create_graph else nullcontext():
        return dict(zip(*walk(root, seed, create_graph)))


def backprop(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[int, Any]:
    """Like :func:`gradients`, keyed by ``id(node)`` (the older spelling).

    >>> x = Value(3.0); y = x * x
    >>> backprop(y)[id(x)]
    6.0
    """
    return {id(n): g for n, g in _gradients(root, seed, create_graph, "backprop").items()}


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Any = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Value, ...]:
    """Gradients of ``sum(grad_outputs[i] * outputs[i])`` with respect to each input.

    Like ``torch.autograd.grad``: returns a tuple with one Value per input and leaves every
    ``.grad`` untouched. With ``create_graph=True`` the gradients are recorded in a graph,
    so they can be differentiated again (to any order). An input the outputs do not depend
    on raises ``ValueError`` unless ``allow_unused=True``, in which case its gradient is 0.

    >>> from autograd_lite import Value
    >>> x = Value(2.0)
    >>> y = x ** 3
    >>> (dy,) = grad(y, x, create_graph=True)      # 3 x**2
    >>> (d2y,) = grad(dy, x)                       # 6 x
    >>> dy.data, d2y.data
    (12.0, 12.0)
    """
    outs = as_values(outputs, "outputs", "grad")
    ins = as_values(inputs, "inputs", "grad")
    if not outs:
        raise ValueError("grad: outputs is empty; pass the Value to differentiate")
    if grad_outputs is None:
        seeds: list[Any] = [1.0] * len(outs)
    else:
        seeds = [grad_outputs] if not isinstance(grad_outputs, (list, tuple)) else list(
            grad_outputs)
        if len(seeds) != len(outs):
            raise ValueError(f"grad: got {len(outs)} outputs but {len(seeds)} grad_outputs")
    totals: dict[Value, Any] = {}
    for out, seed in zip(outs, seeds):
        for node, g in gradients(out, seed, create_graph).items():
            totals[node] = g if node not in totals else totals[node] + g
    result: list[Value] = []
    for i, x in enumerate(ins):
        g = totals.get(x)
        if g is None:
            if not allow_unused:
                raise ValueError(
                    f"grad: the outputs do not depend on inputs[{i}] ({x!r}); "
                    "pass allow_unused=True to get 0 for it")
            g = 0.0
        result.append(g if isinstance(g, Value) else Value(g))
    return tuple(result)


def derivative(f: Callable[[Value], Any], x: float, n: int = 1) -> float:
    """The n-th derivative of the one-argument function ``f`` at ``x`` (``n = 0``: f(x)).

    ``f`` receives a Value and may use any op; each order differentiates the gradient
    graph of the previous one.

    >>> derivative(lambda t: t ** 4, 2.0, n=3)      # 24 t
    48.0
    >>> derivative(lambda t: t.sin(), 0.0, n=5)     # sin''''' = cos
    1.0
    """
    check_callable(f, "f", "derivative")
    if type(n) is not int or n < 0:
        raise ValueError(f"derivative: n must be an int >= 0, got {n!r}")
    with enable_grad():
        v = Value(number(x, "derivative", "x"))
        y = f(v)
        check_outputs([y], "derivative")
        for k in range(n):
            if not isinstance(y, Value):
                return 0.0  # f (or a lower derivative) is a constant
            (y,) = grad(y, v, create_graph=k < n - 1, allow_unused=True)
    return y.data if isinstance(y, Value) else number(y, "derivative", "the result")


def _build(fs: Any, xs: Sequence[Any], fn: str) -> tuple[list[Any], list[Value]]:
    """Outputs and inputs: call ``fs(*leaves)`` or take an already-built graph."""
    if callable(fs):
        ins = [Value(number(x, fn, "xs")) for x in check_sequence(xs, "xs", fn, "numbers")]
        out = fs(*ins)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        check_outputs(outs, fn)
        return outs, ins
    if not isinstance(fs, (Value, list, tuple)):
        raise TypeError(f"{fn}: expected a function, or the output Value(s) of a graph already "
                        f"built, got {fs!r} of type {type_name(fs)}")
    outs = list(fs) if isinstance(fs, (list, tuple)) else [fs]
    check_outputs(outs, fn)
    return outs, as_values(xs, "xs", fn)


def jacobian(fs: Any, xs: Sequence[Any]) -> list[list[float]]:
    """``J[i][j] = d fs[i] / d xs[j]`` as nested lists of floats.

    ``fs`` is either a function (called as ``fs(*values)``, returning a Value or a sequence
    of Values) with ``xs`` numbers, or outputs of a graph already built, with ``xs`` its
    input Values.

    >>> jacobian(lambda a, b: [a * b, a + b], [2.0, 3.0])
    [[3.0, 2.0], [1.0, 1.0]]
    """
    with enable_grad():
        outs, ins = _build(fs, xs, "jacobian")
        rows = []
        for out in outs:
            if not isinstance(out, Value):
                rows.append([0.0] * len(ins))  # a constant output
                continue
            g = gradients(out)
            rows.append([float(g.get(x, 0.0)) for x in ins])
    return rows


def hessian(f: Any, xs: Sequence[Any]) -> list[list[float]]:
    """``H[i][j] = d2 f / (d xs[i] d xs[j])`` of a scalar function, as nested float lists.

    ``f`` is a function called as ``f(*values)`` with ``xs`` numbers, or a Value already
    built from the input Values ``xs``.

    >>> hessian(lambda x, y: x * x * y, [3.0, 2.0])     # [[2y, 2x], [2x, 0]]
    [[4.0, 6.0], [6.0, 0.0]]
    """
    with enable_grad():
        outs, ins = _build(f, xs, "hessian")
        if len(outs) != 1:
            raise ValueError(f"hessian: f must return one Value, got {len(outs)} outputs")
        if not isinstance(outs[0], Value):
            return [[0.0] * len(ins) for _ in ins]
        first = grad(outs[0], ins, create_graph=True, allow_unused=True)
        return jacobian(list(first), ins)


def jvp(f: Callable[..., Any], primals: Sequence[Any],
        tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(primals), J(primals) @ tangents)`` in one forward walk.

    Each node's tangent is ``sum_i partial_i * tangent(input_i)``, with the partials taken
    from the same rules table that reverse mode uses. ``f`` is called as ``f(*values)``; if
    it returns a sequence of Values, both results are lists.

    >>> jvp(lambda x, y: x * y + y.sin(), [2.0, 0.0], [1.0, 0.0])   # d/dx = y
    (0.0, 0.0)
    >>> jvp(lambda x, y: x * y + y.sin(), [2.0, 0.0], [0.0, 1.0])   # d/dy = x + cos(y)
    (0.0, 3.0)
    """
    check_callable(f, "f", "jvp")
    primals = check_sequence(primals, "primals", "jvp", "numbers")
    tangents = check_sequence(tangents, "tangents", "jvp", "numbers")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    tangent_of: dict[Value, float] = {}
    with enable_grad():
        ins = [Value(number(p, "jvp", "primals")) for p in primals]
        for x, t in zip(ins, tangents):
            tangent_of[x] = number(t, "jvp", "tangents")
        out = f(*ins)
    many = isinstance(out, (list, tuple))
    outs = list(out) if many else [out]
    check_outputs(outs, "jvp")
    for node in _forward_order([o for o in outs if isinstance(o, Value)]):
        if node.parents:
            t = _tangent(node, tangent_of)
            if t is not None:
                tangent_of[node] = t
    values = [o.data if isinstance(o, Value) else number(o, "jvp", "f's result") for o in outs]
    ts = [tangent_of.get(o, 0.0) if isinstance(o, Value) else 0.0 for o in outs]
    return (values, ts) if many else (values[0], ts[0])


def _tangent(node: Value, tangent_of: dict[Value, float]) -> float | None:
    """``sum_i partial_i * tangent_i`` for one node, or None when no input carries one."""
    incoming = [tangent_of.get(p) for p in node.parents]
    if all(t is None or t == 0.0 for t in incoming):
        return None  # nothing flows in, so a partial that may not exist here is not needed
    try:
        parts = local_partials(node)
    except (ArithmeticError, ValueError) as exc:  # worded as backward words it
        said = str(errors.wording.undefined_derivative(node, exc))
        raise BackwardError(said.replace("backward through", "jvp through", 1)) from None
    total = 0.0
    for d, t in zip(parts, incoming):
        if t:
            total += d * t
    if not math.isfinite(total):
        raise BackwardError(f"jvp through {node.op}: the tangent is {total!r}")
    return total


def _forward_order(roots: list[Value]) -> list[Value]:
    """Every node the roots depend on, each once, inputs before the nodes using them."""
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order
