"""The classic mistakes of hand backpropagation, as numbers a learner's answer can match.

For one node's step of the chain rule (a :class:`~autograd_lite.explain.Step` of
``explain(root)``: its terms ``upstream x local``, one per use of the node), each mistake
model says what the answer would be had the learner made that mistake, and says so in the
graph's own names (``∂e/∂a = b = -3``), with the correct step in numbers:

============== ===========================================================================
kind           the answer it predicts
============== ===========================================================================
own_value      in a product, the node's own value instead of the other input's
power_rule     ``x**c``, ``sqrt``, ``1/y``: the power rule off by a factor
tanh_input     ``1 - x**2`` for tanh' (the input squared) instead of ``1 - tanh(x)**2``
sigmoid_input  ``x*(1 - x)`` for sigmoid' with ``x`` the input instead of the output
missing_sum    a node used several times: only some of its uses summed (fan-out)
sign           the right size with the wrong sign (or one use's sign flipped)
upstream_only  the gradient arriving from the consumer, without the local derivative
local_only     the local derivative, without the gradient arriving from the consumer
accumulated    k times the right value: ``.grad`` added up over k backward passes
============== ===========================================================================

A model that predicts the right value (``local_only`` where the upstream is 1) is dropped:
it cannot be told from a right answer. :func:`diagnose` picks the first model, in the order
above, that matches an answer; nothing here decides whether an answer is right.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .core import Value
from .notation import d_of
from .transcript import Step, Term

__all__ = ["KINDS", "Mistake", "candidates", "correct_step", "diagnose", "num"]

KINDS = ("own_value", "power_rule", "tanh_input", "sigmoid_input", "missing_sum", "sign",
         "upstream_only", "local_only", "accumulated")
"""Mistake kinds in the order :func:`diagnose` tries them."""

_MAX_SUBSETS = 8  # a node with more uses than this is checked for one use missing or alone


def num(x: float) -> str:
    """A number as the reports write it: 4 significant digits, no ``-0``.

    >>> num(6.0), num(-0.76712), num(2.4576e-05)
    ('6', '-0.7671', '2.458e-05')
    """
    return format(x + 0.0, ".4g")


def _factor(x: float) -> str:
    text = num(x)
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True)
class Mistake:
    """One way to get a node's gradient wrong, and the answer it leads to.

    Attributes:
        kind: one of :data:`KINDS`.
        value: the answer this mistake gives.
        text: the mistake in words with the numbers, ending with the correct step.
    """

    kind: str
    value: float
    text: str


def _d(top: str, bottom: str) -> str:
    return f"d{d_of(top)}/d{d_of(bottom)}"


def _p(top: str, bottom: str) -> str:
    return f"∂{d_of(top)}/∂{d_of(bottom)}"


def _partial(t: Term, name: str) -> str:
    """``∂e/∂a = b = -3`` (the value is left out when the formula already is it)."""
    head = f"{_p(t.consumer, name)} = {t.local_formula}"
    value = num(t.local)
    return head if t.local_formula.replace(" ", "") == value else f"{head} = {value}"


def _upstreams(step: Step, upstream: Mapping[str, float] | None) -> list[float]:
    if upstream is None:
        return [t.upstream for t in step.terms]
    return [upstream.get(t.consumer, t.upstream) for t in step.terms]


def _contributions(step: Step, u: Sequence[float]) -> list[float] | None:
    """upstream x local per term (0 where nothing flows in); None if a local derivative
    is undefined where something does flow in."""
    out = []
    for t, ui in zip(step.terms, u):
        if ui == 0.0:
            out.append(0.0)
        elif math.isfinite(t.local):
            out.append(ui * t.local)
        else:
            return None
    return out


def correct_step(step: Step, upstream: Mapping[str, float] | None = None) -> str:
    """The chain rule for ``step``'s node with numbers, in the graph's names.

    ``upstream`` replaces the gradients arriving from consumers (by consumer name), to
    show the step taken from a learner's own upstream values.

    >>> from autograd_lite import Value
    >>> from autograd_lite.explain import explain
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> e = a * b; e.label = "e"; L = e * -2.0; L.label = "L"
    >>> print(correct_step(explain(L).steps[2]))
    dL/da = dL/de × ∂e/∂a = -2 × (-3) = 6, where e = a * b and ∂e/∂a = b = -3
    """
    name, root = step.name, step.root
    if not step.terms:
        return f"{_d(root, name)} = {num(step.grad)} (the seed: {root} changes one for one " \
               f"with itself)"
    u = _upstreams(step, upstream)
    parts = _contributions(step, u)
    total = math.fsum(parts) if parts is not None else math.nan
    symbolic = " + ".join(f"{_d(root, t.consumer)} × {_p(t.consumer, name)}"
                          for t in step.terms)
    numbers = " + ".join(f"{num(ui) if i == 0 else _factor(ui)} × {_factor(t.local)}"
                         for i, (t, ui) in enumerate(zip(step.terms, u)))
    where = []
    for t in dict.fromkeys((t.definition, _partial(t, name)) for t in step.terms):
        where.append(f"{t[0]} and {t[1]}")
    uses = ""
    if len(step.terms) > 1:
        uses = f" ({name} is used {len(step.terms)} times, so its gradient is the sum)"
    return (f"{_d(root, name)} = {symbolic} = {numbers} = {num(total)}{uses}, "
            f"where {'; '.join(where)}")


# --- mistakes in one local derivative -------------------------------------------------------

_LocalSlip = tuple[str, float, str]  # (kind, the wrong local derivative, what was done)


def _local_slips(node: Value, name: str, t: Term, consumer: Value | None) -> list[_LocalSlip]:
    """Classic wrong versions of the local derivative ``t.local`` = d(consumer)/d(node)."""
    if consumer is None or not math.isfinite(t.local):
        return []
    x = node.data
    ins = consumer.parents
    slips: list[_LocalSlip] = []
    c = t.consumer
    dc = _p(c, name)           # ∂c/∂name
    nm, cc = d_of(name), d_of(c)  # as operands in a formula
    try:
        if t.op in ("mul", "dot", "affine") and t.local_formula != "1":
            slips.append(("own_value", x,
                          f"In {t.definition}, {dc} is the other factor, "
                          f"{t.local_formula} = {num(t.local)}, not {name} itself "
                          f"({name} = {num(x)})."))
        elif t.op == "powc" or (t.op == "pow" and ins[0] is node and ins[1] is not node):
            k = float(consumer.param) if t.op == "powc" else ins[1].data
            slips.append(("power_rule", math.pow(x, k - 1.0),
                          f"In {t.definition}, the power rule brings the exponent down as a "
                          f"factor: {dc} = {num(k)}*{nm}**{num(k - 1.0)} = "
                          f"{num(t.local)}, not {nm}**{num(k - 1.0)} without the factor "
                          f"{num(k)}."))
            slips.append(("power_rule", k * math.pow(x, k),
                          f"In {t.definition}, the power rule lowers the exponent by one: "
                          f"{dc} = {num(k)}*{nm}**{num(k - 1.0)} = {num(t.local)}, "
                          f"not {num(k)}*{nm}**{num(k)}."))
        elif t.op == "sqrt":
            slips.append(("power_rule", 1.0 / math.sqrt(x),
                          f"In {t.definition} = {nm}**0.5, the power rule brings down the "
                          f"factor 1/2: {dc} = 1/(2*sqrt({name})) = {num(t.local)}, "
                          f"not 1/sqrt({name})."))
            slips.append(("power_rule", 0.5 * math.sqrt(x),
                          f"In {t.definition} = {nm}**0.5, the power rule lowers the exponent "
                          f"to -0.5: {dc} = 1/(2*sqrt({name})) = {num(t.local)}, not "
                          f"sqrt({name})/2."))
        elif t.op == "div" and len(ins) == 2 and ins[1] is node and ins[0] is not node:
            top = ins[0].data
            slips.append(("power_rule", -top / x,
                          f"In {t.definition}, the quotient is the numerator times "
                          f"{nm}**-1, and the power rule lowers the exponent to -2: "
                          f"{dc} = {t.local_formula} = {num(t.local)}, not "
                          f"-(numerator)/{nm} = {num(-top / x)}."))
        elif t.op == "tanh":
            slips.append(("tanh_input", 1.0 - x * x,
                          f"In {t.definition}, {dc} = 1 - tanh({name})**2 = "
                          f"1 - {cc}**2 = {num(t.local)}: square the output {c} = "
                          f"{num(consumer.data)}, not the input {name} = {num(x)} "
                          f"(1 - {nm}**2 = {num(1.0 - x * x)})."))
        elif t.op == "sigmoid":
            slips.append(("sigmoid_input", x * (1.0 - x),
                          f"In {t.definition}, {dc} = sigmoid({name})*(1 - "
                          f"sigmoid({name})) = {cc}*(1 - {cc}) = {num(t.local)}: use the output "
                          f"{c} = {num(consumer.data)}, not the input {name} = {num(x)}."))
    except (ArithmeticError, ValueError):
        return slips
    return [s for s in slips if math.isfinite(s[1])]


# --- the models -----------------------------------------------------------------------------


def candidates(step: Step, nodes: Mapping[str, Value],
               upstream: Mapping[str, float] | None = None) -> list[Mistake]:
    """Every classic mistake for ``step``'s node with the answer it would give, in the
    order of :data:`KINDS` (models that predict the right value included; :func:`diagnose`
    drops those).

    ``nodes`` maps the transcript's names to nodes (for the consumers' ops and values);
    ``upstream`` replaces the gradients arriving from consumers, by consumer name.

    >>> from autograd_lite import Value
    >>> from autograd_lite.explain import explain
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> e = a * b; e.label = "e"; L = e * -2.0; L.label = "L"
    >>> t = explain(L); nodes = {s.name: s.node for s in t}
    >>> [(m.kind, m.value) for m in candidates(t.steps[2], nodes)][:3]
    [('own_value', -4.0), ('sign', -6.0), ('upstream_only', -2.0)]
    """
    name = step.name
    if not step.terms:
        return []
    u = _upstreams(step, upstream)
    parts = _contributions(step, u)
    if parts is None:
        return []
    total = math.fsum(parts)
    right = correct_step(step, upstream)
    found: list[Mistake] = []

    def add(kind: str, value: float, text: str) -> None:
        if math.isfinite(value):
            found.append(Mistake(kind, value, f"{text} Correct step: {right}."))

    for k, t in enumerate(step.terms):
        for kind, wrong, text in _local_slips(step.node, name, t, nodes.get(t.consumer)):
            add(kind, total - parts[k] + u[k] * wrong, text)

    n = len(step.terms)
    if n > 1:
        for subset in _subsets(n):
            kept = [step.terms[i] for i in subset]
            add("missing_sum", math.fsum(parts[i] for i in subset),
                f"{name} is used {n} times ({_uses(step.terms)}), and its gradient is the "
                f"sum over all its uses; your answer counts only {_count(len(kept))} "
                f"({_uses(kept)}: {' + '.join(num(parts[i]) for i in subset)}).")

    consumers = _consumer_list(step.terms)
    arriving = ", ".join(f"{_d(step.root, c)} = {num(ui)}"
                         for c, ui in dict(zip((t.consumer for t in step.terms), u)).items())
    locals_ = "; ".join(dict.fromkeys(_partial(t, name) for t in step.terms))
    add("upstream_only", math.fsum(u),
        f"That is the gradient arriving from {consumers} ({arriving}) passed on unchanged; the "
        f"chain rule multiplies it by the local derivative {locals_}.")
    add("local_only", math.fsum(t.local for t in step.terms),
        f"That is the local derivative {locals_} alone; the chain rule multiplies it by the "
        f"gradient arriving from {consumers} ({arriving}).")
    add("sign", -total, "The size is right but the sign is wrong" + _sign_hint(step) + ".")
    if n > 1:
        for k, t in enumerate(step.terms):
            if parts[k] != 0.0:
                add("sign", total - 2.0 * parts[k],
                    f"The part from {t.definition} has the wrong sign: it is "
                    f"{num(u[k])} × {_factor(t.local)} = {num(parts[k])}.")
    for times in (2, 3, 4):
        add("accumulated", times * total,
            f"That is {times} times the right value: the gradient was added up {times} "
            f"times, as .grad is across backward() calls until it is reset (zero_grad(), "
            f"or set .grad = 0 before each backward).")
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda m: order[m.kind])


def _subsets(n: int) -> list[tuple[int, ...]]:
    """Proper, non-empty subsets of n uses (all of them for few uses; for many, each use
    alone and all but one)."""
    if n <= _MAX_SUBSETS:
        return [s for r in range(1, n) for s in itertools.combinations(range(n), r)]
    alone = [(i,) for i in range(n)]
    return alone + [tuple(j for j in range(n) if j != i) for i in range(n)]


def _uses(terms: Sequence[Term]) -> str:
    """``twice in b = a + a`` or ``in c = a * b and in d = a + 1``."""
    counts: dict[str, int] = {}
    for t in terms:
        counts[t.definition] = counts.get(t.definition, 0) + 1
    words = {1: "in", 2: "twice in"}
    parts = [f"{words.get(k, f'{k} times in')} {d}" for d, k in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _count(k: int) -> str:
    return {1: "one use", 2: "two uses", 3: "three uses"}.get(k, f"{k} uses")


def _consumer_list(terms: Sequence[Term]) -> str:
    names = list(dict.fromkeys(t.consumer for t in terms))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sign_hint(step: Step) -> str:
    negative = [t for t in step.terms if math.isfinite(t.local) and t.local < 0.0]
    if not negative:
        return ""
    t = negative[0]
    return f" (note {_partial(t, step.name)} is negative, in {t.definition})"


def diagnose(step: Step, answer: float, nodes: Mapping[str, Value],
             close: Callable[[float, float], bool],
             upstream: Mapping[str, float] | None = None,
             prefer: Sequence[str] = ()) -> Mistake | None:
    """The first classic mistake (kinds in ``prefer`` first, then :data:`KINDS` order) that
    gives ``answer`` and not the right value, or ``None``; ``close(answer, value)`` is the
    tolerance.

    >>> from autograd_lite import Value
    >>> from autograd_lite.explain import explain
    >>> a = Value(3.0, label="a"); b = a + a; b.label = "b"; L = b * 1.0; L.label = "L"
    >>> t = explain(L); nodes = {s.name: s.node for s in t}
    >>> same = lambda x, y: abs(x - y) <= 1e-9
    >>> diagnose(t.steps[2], 1.0, nodes, same).kind       # dL/da = 1 + 1 = 2, not 1
    'missing_sum'
    """
    found = candidates(step, nodes, upstream)
    parts = _contributions(step, _upstreams(step, upstream))
    if parts is None:
        return None
    total = math.fsum(parts)
    rank = {kind: i for i, kind in enumerate(prefer)}
    found.sort(key=lambda m: rank.get(m.kind, len(rank)))  # stable: KINDS order otherwise
    for mistake in found:
        if close(answer, mistake.value) and not close(total, mistake.value):
            return mistake
    return None
