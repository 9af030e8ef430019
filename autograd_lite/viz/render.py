"""Turning DOT source into SVG/PNG/PDF, and what happens when graphviz's ``dot`` is missing.

The Python ``graphviz`` package only writes DOT text; pictures need the ``dot`` program. When
it is missing, saving raises :class:`GraphvizNotFound` with one line saying how to install it,
after writing the ``.dot`` source, and Jupyter shows the source with a one-line warning.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import graphviz

__all__ = ["FORMATS", "GradGraph", "GraphvizNotFound", "dot_available", "save", "to_svg"]

FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = ("install graphviz's 'dot' program: sudo apt-get install graphviz "
                "(Debian/Ubuntu) or brew install graphviz (macOS)")


class GraphvizNotFound(RuntimeError):
    """graphviz's ``dot`` program is not on ``PATH``, so no picture can be rendered.

    >>> "apt-get install graphviz" in str(_missing("saving"))
    True
    """


def dot_available() -> bool:
    """Whether graphviz's ``dot`` program is on ``PATH``.

    >>> isinstance(dot_available(), bool)
    True
    """
    return shutil.which("dot") is not None


def _missing(what: str, saved: Any = None) -> GraphvizNotFound:
    """The one-line error, naming where the DOT source was ``saved`` if it was."""
    kept = f" (the DOT source is saved in {saved})" if saved is not None else ""
    return GraphvizNotFound(f"{what}: graphviz's 'dot' program is not on PATH{kept}; "
                            f"{INSTALL_HINT}")


class GradGraph(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A ``graphviz.Digraph`` whose rendering fails with one clear line when ``dot`` is missing.

    Everything a ``Digraph`` does still works (``.source``, ``.render()``, ``.pipe()``, inline
    display in Jupyter); :meth:`save_as` writes SVG, PNG or PDF chosen by the file suffix.

    >>> g = GradGraph(); g.node("a"); "a" in g.source
    True
    """

    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> Any:
        if not dot_available():
            raise _missing("rendering the graph")
        return super().pipe(format, *args, **kwargs)

    def render(self, filename: Any = None, directory: Any = None, *args: Any,
               **kwargs: Any) -> Any:
        if not dot_available():
            raise _missing("rendering the graph", super().save(filename, directory=directory))
        return super().render(filename, directory, *args, **kwargs)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any]:
        # Jupyter asks for the picture here; without dot, show the DOT text and say why once.
        if not dot_available():
            warnings.warn(str(_missing("showing the graph")), stacklevel=2)
            return {"text/plain": self.source}
        return dict(super()._repr_mimebundle_(include, exclude, **kwargs))

    def save_as(self, path: str | Path) -> Path:
        """Write the picture to ``path`` (``.svg``, ``.png`` or ``.pdf``); see :func:`save`."""
        return save(self, path)


def save(graph: Any, path: str | Path) -> Path:
    """Save ``graph`` as ``path``, the format chosen by its suffix (svg, png, pdf, dot).

    The DOT source is always written next to it (``name.dot``) first, so the graph is kept
    even when ``dot`` is missing, in which case :class:`GraphvizNotFound` is raised.

    >>> import tempfile, os
    >>> g = GradGraph(); g.edge("a", "b")
    >>> out = save(g, os.path.join(tempfile.mkdtemp(), "g.dot")); out.read_text().count("->")
    1
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in (*FORMATS, "dot", "gv"):
        raise ValueError(f"save: unknown picture format {path.suffix!r} in {str(path)!r}; "
                         f"use .svg, .png, .pdf or .dot")
    path.parent.mkdir(parents=True, exist_ok=True)
    source_path = path if fmt in ("dot", "gv") else path.with_suffix(".dot")
    source_path.write_text(graph.source, encoding="utf-8")
    if fmt in ("dot", "gv"):
        return path
    if not dot_available():
        raise _missing(f"saving {path}", source_path)
    path.write_bytes(graphviz.Source(graph.source).pipe(format=fmt))
    return path


def to_svg(graph: Any) -> str:
    """The graph as SVG text (needs ``dot``; raises :class:`GraphvizNotFound` otherwise).

    >>> g = GradGraph(); g.node("a")
    >>> to_svg(g).lstrip().startswith("<?xml") if dot_available() else True
    True
    """
    if not dot_available():
        raise _missing("rendering the graph as SVG")
    svg: bytes = graphviz.Source(graph.source).pipe(format="svg")
    return svg.decode("utf-8")
