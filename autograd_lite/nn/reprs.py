"""Short text for people: reprs of big models with repeated parts counted."""

from __future__ import annotations

import re

__all__ = ["compact_repr"]


def compact_repr(text: str) -> str:
    """Count runs of repeated items: ``"A(2), A(2), A(2)"`` becomes ``"3 x A(2)"``.

    >>> compact_repr("Layer of [ReLUNeuron(2), ReLUNeuron(2), LinearNeuron(2)]")
    'Layer of [2 x ReLUNeuron(2), LinearNeuron(2)]'
    """
    def runs(match: re.Match[str]) -> str:
        return f"{match.group(0).count(', ') + 1} x {match.group(1)}"

    return re.sub(r"(\w+\(\d+\))(?:, \1)+", runs, text)
