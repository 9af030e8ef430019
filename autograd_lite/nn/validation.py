"""Argument checks shared by ``autograd_lite.nn``: a setting a user passes becomes a plain
``float``, ``int`` or ``bool``, or raises an error that names the owner, the setting and the
offending value, before anything is changed.

Numbers are accepted as any ``numbers.Real`` (so numpy scalars such as ``numpy.float32(0.1)``
work, without importing numpy); ``True``/``False`` are refused where a number is meant, and
numbers where a flag is meant, because both are almost always a slip.

>>> finite_number("SGD", "lr", 0.1, minimum=0.0)
0.1
>>> whole_number("Layer", "nout", 3, minimum=1)
3
>>> try: finite_number("SGD", "momentum", float("nan"), minimum=0.0)
... except ValueError as e: print(e)
SGD: momentum must be a finite number >= 0, got nan
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..core import Value

__all__ = ["MAX_STEPS", "Parameters", "checked_named_parameters", "checked_parameters",
           "finite_number", "flag", "is_finite_real", "is_real", "number_pair",
           "parameter_name", "short_repr", "state_owner", "step_count", "whole_number"]

#: What optimizers take as their parameters: Values (``model.parameters()``) or
#: ``(name, Value)`` pairs (``model.named_parameters()``), whose names errors then use.
Parameters = Iterable[Value] | Iterable[tuple[str, Value]]

#: The largest step count a state may hold: beyond 2**53 a count no longer fits a float
#: exactly, and bias corrections such as ``0.9 ** t`` would fail on it.
MAX_STEPS = 2 ** 53


def _is_bool(value: Any) -> bool:
    # numpy's bool is not a subclass of bool; recognise it by name, without importing numpy.
    kind = type(value)
    return isinstance(value, bool) or (kind.__module__ == "numpy" and kind.__name__
                                       in ("bool", "bool_"))


def is_real(value: Any) -> bool:
    """True for a real number that is not a bool (numpy scalars included), finite or not.

    >>> is_real(2), is_real(2.5), is_real(True), is_real("2")
    (True, True, False, False)
    """
    return isinstance(value, numbers.Real) and not _is_bool(value)


def is_finite_real(value: Any) -> bool:
    """True for a real number (not a bool) that is finite as a float; never raises, not
    even for an int too large for a float.

    >>> is_finite_real(1.5), is_finite_real(float("inf")), is_finite_real(10 ** 400)
    (True, False, False)
    """
    number = _as_float(value)
    return number is not None and math.isfinite(number)


def _as_float(value: Any) -> float | None:
    # A real number as a float, or None when it is not one (or is too large for a float).
    if not is_real(value):
        return None
    try:
        return float(value)
    except (OverflowError, ValueError, TypeError):
        return None


def finite_number(owner: str, name: str, value: Any, *, minimum: float | None = None,
                  maximum: float | None = None, above_minimum: bool = False,
                  below_maximum: bool = False) -> float:
    """``value`` as a finite float within the bounds, or a ``ValueError`` saying
    ``"<owner>: <name> must be ..., got <value>"``. ``above_minimum``/``below_maximum``
    make a bound strict.

    >>> finite_number("Dropout", "p", 0.5, minimum=0.0, maximum=1.0, below_maximum=True)
    0.5
    >>> try: finite_number("Dropout", "p", 1, minimum=0.0, maximum=1.0, below_maximum=True)
    ... except ValueError as e: print(e)
    Dropout: p must be a finite number in [0, 1), got 1
    """
    number = _as_float(value)
    ok = number is not None and math.isfinite(number)
    if ok and minimum is not None:
        ok = number > minimum if above_minimum else number >= minimum  # type: ignore[operator]
    if ok and maximum is not None:
        ok = number < maximum if below_maximum else number <= maximum  # type: ignore[operator]
    if not ok:
        raise ValueError(f"{owner}: {name} must be a finite number"
                         f"{_range(minimum, maximum, above_minimum, below_maximum)}, "
                         f"got {value!r}")
    return number  # type: ignore[return-value]


def _range(low: float | None, high: float | None, open_low: bool, open_high: bool) -> str:
    def show(x: float) -> str:
        return f"{x:g}"

    if low is not None and high is not None:
        return f" in {'(' if open_low else '['}{show(low)}, {show(high)}{')' if open_high else ']'}"
    if low is not None:
        return f" {'>' if open_low else '>='} {show(low)}"
    if high is not None:
        return f" {'<' if open_high else '<='} {show(high)}"
    return ""


def whole_number(owner: str, name: str, value: Any, *, minimum: int = 0,
                 maximum: int | None = None) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]`` (numpy integers accepted; floats,
    bools and strings refused), or a ``ValueError`` naming it.

    >>> try: whole_number("Neuron", "nin", 0, minimum=1)
    ... except ValueError as e: print(e)
    Neuron: nin must be an int >= 1, got 0
    """
    ok = isinstance(value, numbers.Integral) and not _is_bool(value)
    number = int(value) if ok else 0
    ok = ok and number >= minimum and (maximum is None or number <= maximum)
    if not ok:
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{owner}: {name} must be an int {bound}, got {_short(value)}")
    return number


def step_count(owner: str, name: str, value: Any) -> int:
    """A saved step count: an int in ``[0, MAX_STEPS]`` (a count beyond 2**53 cannot be
    reached, and would break float arithmetic such as Adam's ``0.9 ** t``).

    >>> try: step_count("Adam.load_state_dict", "'steps'", 2 ** 60)
    ... except ValueError as e: print(e)
    Adam.load_state_dict: 'steps' must be an int in [0, 9007199254740992], got \
1152921504606846976
    """
    return whole_number(owner, name, value, minimum=0, maximum=MAX_STEPS)


def number_pair(owner: str, name: str, value: Any) -> tuple[float, float]:
    """Two finite real numbers (a tuple or list), as floats, or a ``ValueError``.

    >>> number_pair("Adam", "betas", [0.9, 0.999])
    (0.9, 0.999)
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2 \
            or not all(is_finite_real(v) for v in value):
        raise ValueError(f"{owner}: {name} must be two finite numbers, got {_short(value)}")
    return float(value[0]), float(value[1])


def flag(owner: str, name: str, value: Any) -> bool:
    """``value`` as a bool; anything but ``True``/``False`` (numpy's included) raises.

    >>> try: flag("SGD", "nesterov", "yes")
    ... except ValueError as e: print(e)
    SGD: nesterov must be True or False, got 'yes'
    """
    if not _is_bool(value):
        raise ValueError(f"{owner}: {name} must be True or False, got {_short(value)}")
    return bool(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def short_repr(values: Any, limit: int = 80) -> str:
    """``repr(values)``, cut to ``limit`` characters for error messages.

    >>> short_repr(list(range(100)), 20)
    '[0, 1, 2, 3, 4, 5...'
    """
    text = repr(values)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def state_owner(owner: Any, state: Any) -> str:
    """``"Name.load_state_dict"`` for error messages, once ``state`` is checked to be a
    mapping saved by the same class (optimizers and schedules tag their state with ``type``).

    >>> try: state_owner(3.0, {"type": "int"})
    ... except ValueError as e: print(e)
    float.load_state_dict: state is for 'int', not float
    """
    name = type(owner).__name__
    where = f"{name}.load_state_dict"
    if not isinstance(state, Mapping) or state.get("type") != name:
        got = state.get("type") if isinstance(state, Mapping) else type(state).__name__
        raise ValueError(f"{where}: state is for {got!r}, not {name}")
    return where


def parameter_name(params: list[Value], i: int, names: Sequence[str | None] = ()) -> str:
    """How errors call parameter number ``i``: by its name in the model when known
    (``"parameter 'layers.0.neurons.3.w.1'"``), else by its label (``"parameter 3 ('w')"``),
    else by its position (``"parameter 3"``).

    >>> w = Value(1.0, label="w")
    >>> parameter_name([w], 0), parameter_name([w], 0, ["layers.0.neurons.0.w.0"])
    ("parameter 0 ('w')", "parameter 'layers.0.neurons.0.w.0'")
    >>> parameter_name([Value(2.0)], 0)
    'parameter 0'
    """
    name = names[i] if i < len(names) else None
    if name:
        return f"parameter {name!r}"
    label = params[i].label
    return f"parameter {i} ({label!r})" if label else f"parameter {i}"


def checked_parameters(owner: str, params: Parameters) -> list[Value]:
    """The parameters an optimizer will update, as a list: at least one, each a leaf
    ``Value`` (an interior node's ``.data`` is recomputed by the next forward pass, so
    updating it would be lost, and it has no place in ``model.parameters()``), each once
    (a Value listed twice would be updated twice per step). ``(name, Value)`` pairs, as
    ``model.named_parameters()`` gives, are accepted too (see
    :func:`checked_named_parameters`, which keeps the names).

    >>> a = Value(1.0); checked_parameters("SGD", [a]) == [a]
    True
    >>> try: checked_parameters("SGD", [a, a * 2])
    ... except ValueError as e: print(e)
    SGD: parameter 1 is the result of 'mul', not a leaf: optimizers update leaves such as \
model.parameters() (an interior node is recomputed by the next forward pass)
    """
    return checked_named_parameters(owner, params)[0]


def checked_named_parameters(owner: str, params: Parameters
                             ) -> tuple[list[Value], list[str | None]]:
    """:func:`checked_parameters`, for a list of Values or of ``(name, Value)`` pairs
    (``model.named_parameters()``): the Values and, for each, its name (None when given
    bare). Errors name a parameter by its name when it has one.

    >>> from autograd_lite.nn import MLP
    >>> values, names = checked_named_parameters("SGD", MLP(1, [1], seed=0).named_parameters())
    >>> names
    ['layers.0.neurons.0.w.0', 'layers.0.neurons.0.b']
    >>> try: checked_named_parameters("SGD", [("w", Value(1.0)), ("w2", 2.0)])
    ... except TypeError as e: print(e)
    SGD: parameters must be Values, got float for 'w2' at position 1
    """
    if isinstance(params, Value):
        raise TypeError(f"{owner}: expected a list of parameters, got one Value; "
                        f"pass [value] (or model.parameters())")
    if isinstance(params, (str, bytes, Mapping)):
        raise TypeError(f"{owner}: expected a list of parameters (Values), got "
                        f"{type(params).__name__} {short_repr(params, 60)}; pass "
                        f"model.parameters() or model.named_parameters()")
    try:
        given = list(params)
    except TypeError:
        raise TypeError(f"{owner}: expected a list of parameters (Values), got "
                        f"{type(params).__name__}") from None
    if not given:
        raise ValueError(f"{owner}: got no parameters to optimise")
    found: list[Value] = []
    names: list[str | None] = []
    for i, item in enumerate(given):
        name = None
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, item = item
        if not isinstance(item, Value):
            named = f" for {name!r}" if name else ""
            raise TypeError(f"{owner}: parameters must be Values, got "
                            f"{type(item).__name__}{named} at position {i}")
        found.append(item)
        names.append(name)
    first_seen: dict[int, int] = {}
    for i, p in enumerate(found):
        if not p.is_leaf:
            raise ValueError(f"{owner}: {parameter_name(found, i, names)} is the result of "
                             f"{p.op!r}, not a leaf: optimizers update leaves such as "
                             f"model.parameters() (an interior node is recomputed by the "
                             f"next forward pass)")
        if id(p) in first_seen:
            j = first_seen[id(p)]
            raise ValueError(f"{owner}: {parameter_name(found, i, names)} is the same Value "
                             f"as {parameter_name(found, j, names)}; list each parameter "
                             f"once (it would be updated twice per step)")
        first_seen[id(p)] = i
    return found, names
