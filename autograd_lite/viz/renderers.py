"""Who turns DOT source into a picture: graphviz's ``dot`` program, or a renderer you plug in.

``draw_dot`` and the step-through player only write DOT text; a *renderer* turns it into
SVG (or another format). By default there is none and graphviz's ``dot`` program does the
work. Where ``dot`` cannot run, as in the browser (Pyodide, JupyterLite), plug in another:
a renderer is any function ``(source, format) -> bytes``, for instance the WebAssembly
Graphviz of the npm package ``@viz-js/viz`` through :func:`viz_js`. Standard library only.

>>> def shout(source: str, format: str) -> bytes:   # a toy renderer
...     return f"<{format}>{source.upper()}</{format}>".encode()
>>> with using(shout):
...     render("digraph { a }", "svg")
b'<svg>DIGRAPH { A }</svg>'
>>> get_renderer() is None                          # back to the dot program
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Renderer", "RendererError", "get_renderer", "render", "set_renderer", "using",
           "viz_js"]

Renderer = Callable[[str, str], bytes]
"""``renderer(source, format)``: the DOT ``source`` as a picture in ``format`` (``"svg"``...)."""

_current: list[Renderer | None] = [None]


class RendererError(RuntimeError):
    """The plugged-in renderer could not render the graph (the message says why)."""


def set_renderer(renderer: Renderer | None) -> Renderer | None:
    """Render every picture with ``renderer`` from now on (``None``: graphviz's ``dot``
    program again). Returns the renderer it replaces.

    >>> old = set_renderer(lambda source, format: b"<svg/>")
    >>> render("digraph {}")
    b'<svg/>'
    >>> set_renderer(old) is not None
    True
    """
    if renderer is not None and not callable(renderer):
        raise TypeError(f"set_renderer: a renderer is a function (source, format) -> bytes, "
                        f"got {renderer!r}")
    previous = _current[0]
    _current[0] = renderer
    return previous


def get_renderer() -> Renderer | None:
    """The renderer in use, or ``None`` when graphviz's ``dot`` program renders.

    >>> get_renderer() is None
    True
    """
    return _current[0]


@contextmanager
def using(renderer: Renderer | None) -> Iterator[None]:
    """Use ``renderer`` inside a ``with`` block only.

    >>> with using(lambda source, format: b"x"):
    ...     get_renderer() is not None
    True
    """
    previous = set_renderer(renderer)
    try:
        yield
    finally:
        set_renderer(previous)


def render(source: str, format: str = "svg") -> bytes:
    """``source`` rendered by the plugged-in renderer (:class:`RendererError` when there is
    none: then graphviz's ``dot`` program is the way).

    >>> with using(lambda source, format: source.encode()):
    ...     render("digraph {}", "svg")
    b'digraph {}'
    """
    renderer = _current[0]
    if renderer is None:
        raise RendererError("render: no renderer is plugged in (set_renderer); without one, "
                            "graphviz's 'dot' program renders")
    picture = renderer(source, format)
    if isinstance(picture, str):  # a renderer written for text formats may return str
        picture = picture.encode("utf-8")
    if not isinstance(picture, bytes):
        raise RendererError(f"render: the renderer {renderer!r} returned "
                            f"{type(picture).__name__}, not bytes")
    return picture


# Formats the WebAssembly Graphviz writes (no PNG or PDF: those need cairo).
VIZ_JS_FORMATS = ("svg", "dot", "json", "xdot", "plain", "canon")


def viz_js(viz: Any) -> Renderer:
    """A renderer over a ``@viz-js/viz`` instance (what its ``instance()`` resolves to),
    for Python in the browser: ``set_renderer(viz_js(js.viz))`` in Pyodide.

    Anything with viz-js's ``renderString(source, options)`` works:

    >>> class FakeViz:
    ...     def renderString(self, source: str, options: dict[str, str]) -> str:
    ...         return f"<{options['format']}>{source}</{options['format']}>"
    >>> viz_js(FakeViz())("digraph {}", "svg")
    b'<svg>digraph {}</svg>'
    >>> viz_js(FakeViz())("digraph {}", "png")
    Traceback (most recent call last):
    ...
    autograd_lite.viz.renderers.RendererError: viz.js renders svg, ..., not 'png'; ...
    """
    def render_with_viz(source: str, format: str) -> bytes:
        if format not in VIZ_JS_FORMATS:
            raise RendererError(f"viz.js renders {', '.join(VIZ_JS_FORMATS)}, not {format!r}; "
                                f"save as .svg in the browser")
        try:
            text = viz.renderString(source, _js_options(format))  # viz.js's default is dot
        except Exception as exc:  # a JavaScript Error surfaces as pyodide's JsException
            raise RendererError(f"viz.js could not render the graph: {exc}") from exc
        return str(text).encode("utf-8")

    return render_with_viz


def _js_options(format: str) -> Any:
    """``{format: ...}`` as a JavaScript object in Pyodide, a dict elsewhere."""
    try:
        from pyodide.ffi import to_js  # type: ignore[import-not-found]  # only in Pyodide
    except ImportError:
        return {"format": format}
    from js import Object  # type: ignore[import-not-found]

    return to_js({"format": format}, dict_converter=Object.fromEntries)
