"""Where nodes were made: under ``detect_anomaly()`` each new node records the user's
file and line, so errors can point at it. Weak keys: recording never keeps a graph alive.
"""

from __future__ import annotations

import os
import sys
import weakref

from .core import Value
from .core.modes import on_anomaly

__all__ = ["creation_site"]

_sites: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()
# The package's folder with a separator, so a user's folder whose name merely starts with
# the package's (``autograd_lite_homework/``) is not taken for the package.
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def creation_site(node: Value) -> str | None:
    """Where ``node`` was made (``"file.py:12 in f"``), if made under ``detect_anomaly``.

    >>> from autograd_lite import Value
    >>> creation_site(Value(1.0) + 1) is None
    True
    """
    return _sites.get(node)


def caller_site() -> str:
    """The first frame outside this package: the user's line.

    >>> caller_site().startswith("<doctest")
    True
    """
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _record(node: Value) -> None:
    _sites[node] = caller_site()


on_anomaly.append(_record)
