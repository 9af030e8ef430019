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
    cell = _jupyter_cell(frame.f_code.co_filename)
    if cell:  # as IPython's own tracebacks say it
        return f"cell {cell}, line {frame.f_lineno}"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _jupyter_cell(filename: str) -> str | None:
    # A Jupyter cell's code runs from a temporary file (/tmp/ipykernel_812/3370361757.py);
    # IPython, when it runs, knows which cell that is: In[5].
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    label = name(filename) if callable(name) else None
    return str(label[1]) if isinstance(label, tuple) and len(label) == 2 else None


def _record(node: Value) -> None:
    _sites[node] = caller_site()


on_anomaly.append(_record)
