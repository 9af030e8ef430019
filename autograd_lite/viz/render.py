"""Turning DOT source into SVG/PNG/PDF through a pluggable renderer.

By default the renderer is graphviz's ``dot`` program, run as a subprocess. Where it is
missing (a browser running Pyodide, a machine without graphviz), ``set_renderer`` installs
another, e.g. a WebAssembly Graphviz. Without any, saving raises :class:`GraphvizNotFound`
after writing the ``.dot`` source, and Jupyter shows the source with a one-line warning.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import renderers
from .dot import Digraph
from .renderers import Renderer, set_renderer

__all__ = ["FORMATS", "GradGraph", "GraphvizNotFound", "Renderer", "can_render", "dot_available",
           "render", "render_many", "save", "set_renderer", "to_svg"]

FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = ("install graphviz's 'dot' program: sudo apt-get install graphviz "
                "(Debian/Ubuntu) or brew install graphviz (macOS)")

class GraphvizNotFound(RuntimeError):
    """No renderer: graphviz's ``dot`` program is not on ``PATH`` and none was installed.

    >>> "apt-get install graphviz" in str(missing("saving"))
    True
    """


def dot_available() -> bool:
    """Whether graphviz's ``dot`` program is on ``PATH``.

    >>> isinstance(dot_available(), bool)
    True
    """
    return shutil.which("dot") is not None


def can_render() -> bool:
    """Whether pictures can be rendered: a renderer is plugged in, or ``dot`` is on ``PATH``.

    >>> with renderers.using(lambda source, fmt: b"<svg/>"):
    ...     can_render()
    True
    """
    return renderers.get_renderer() is not None or dot_available()


def missing(what: str, saved: Any = None) -> GraphvizNotFound:
    """The one-line error, naming where the DOT source was ``saved`` if it was."""
    kept = f" (the DOT source is saved in {saved})" if saved is not None else ""
    return GraphvizNotFound(f"{what}: graphviz's 'dot' program is not on PATH{kept}; "
                            f"{INSTALL_HINT}")


def _run_dot(source: str, fmt: str) -> bytes:
    program = shutil.which("dot")
    if program is None:
        raise missing("rendering the graph")
    done = subprocess.run([program, f"-T{fmt}"], input=source.encode("utf-8"),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"graphviz's dot failed on this picture: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()[:500]}")
    return done.stdout


def render(source: str, fmt: str = "svg") -> bytes:
    """``source`` rendered as ``fmt`` by the installed renderer, else by ``dot``."""
    if fmt not in FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if renderers.get_renderer() is not None:
        return renderers.render(source, fmt)
    return _run_dot(source, fmt)


def render_many(sources: Sequence[str]) -> list[str]:
    """Several graphs as SVG texts. With the ``dot`` program, one run for all of them
    (``dot`` reads any number of graphs from one input and writes one SVG for each).

    >>> a, b = GradGraph(), GradGraph(); a.node("x"); b.node("y")
    >>> len(render_many([a.source, b.source])) if dot_available() else 2
    2
    """
    if renderers.get_renderer() is not None or len(sources) < 2:
        return [render(s).decode("utf-8") for s in sources]
    out = _run_dot("".join(sources), "svg").decode("utf-8")
    svgs = [part for part in out.split("<?xml") if part.strip()]
    if len(svgs) != len(sources):  # not one per graph: render them one by one instead
        return [render(s).decode("utf-8") for s in sources]
    return ["<?xml" + part for part in svgs]


class GradGraph(Digraph):
    """A picture: DOT source that renders on demand, and displays inline in Jupyter.

    ``.source`` is the DOT text; ``.pipe("svg")`` the rendered bytes; :meth:`save_as`
    writes SVG, PNG or PDF chosen by the file suffix (and the ``.dot`` source beside it).

    >>> g = GradGraph(); g.node("a"); '"a"' in g.source
    True
    """

    def pipe(self, format: str = "svg", **_: Any) -> bytes:
        """The picture rendered as ``format`` (needs a renderer; see ``set_renderer``)."""
        if not can_render():
            raise missing("rendering the graph")
        return render(self.source, format)

    def render(self, filename: str | Path = "graph", directory: str | Path | None = None,
               format: str = "svg", **_: Any) -> str:
        """As graphviz's ``render``: write the DOT source to ``filename``, the picture to
        ``filename.<format>``, and return the picture's path."""
        source = Path(directory or ".") / str(filename)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(self.source, encoding="utf-8")
        if not can_render():
            raise missing("rendering the graph", source)
        picture = source.with_name(f"{source.name}.{format}")
        picture.write_bytes(render(self.source, format))
        return str(picture)

    def to_graphviz(self) -> Any:
        """This picture as a ``graphviz.Source`` (``pip install graphviz``), for its
        ``view()``, ``unflatten()`` and friends.

        >>> g = GradGraph(); g.node("a")
        >>> g.to_graphviz().source == g.source
        True
        """
        import graphviz  # optional: the pictures need only DOT text and a renderer

        return graphviz.Source(self.source)

    def save_as(self, path: str | Path) -> Path:
        """Write the picture to ``path`` (``.svg``, ``.png`` or ``.pdf``); see :func:`save`."""
        return save(self, path)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict[str, Any]:
        # Jupyter asks for the picture here; without a renderer show the DOT text, say why.
        if not can_render():
            warnings.warn(str(missing("showing the graph")), stacklevel=2)
            return {"text/plain": self.source}
        return {"image/svg+xml": render(self.source).decode("utf-8"),
                "text/plain": f"<{type(self).__name__}: {len(self.body)} statements>"}


def save(graph: Any, path: str | Path) -> Path:
    """Save ``graph`` as ``path``, the format chosen by its suffix (svg, png, pdf, dot).

    The DOT source is always written next to it (``name.dot``) first, so the graph is kept
    even when no renderer is available, in which case :class:`GraphvizNotFound` is raised.

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
    if not can_render():
        raise missing(f"saving {path}", source_path)
    path.write_bytes(render(graph.source, fmt))
    return path


def to_svg(graph: Any) -> str:
    """The graph as SVG text (needs a renderer; raises :class:`GraphvizNotFound` otherwise).

    >>> g = GradGraph(); g.node("a")
    >>> "<svg" in to_svg(g) if dot_available() else True
    True
    """
    if not can_render():
        raise missing("rendering the graph as SVG")
    return render(graph.source).decode("utf-8")
