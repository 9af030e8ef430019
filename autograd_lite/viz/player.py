"""The step-through player: an offline HTML page, or an ipywidgets slider in Jupyter.

The HTML page holds one SVG per frame and a little script (no network, no libraries):
first / previous / play / next / last buttons, a slider, and the arrow keys. Its URL
fragment can drive it, which is how the headless-browser test steps it:
``#step=3`` opens frame 3, ``#clicks=2`` presses "next" twice, ``#play&interval=100`` plays.
The body's ``data-step`` and ``data-current`` attributes name the frame and node shown.
"""

from __future__ import annotations

import html
import importlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .render import dot_available, missing, render_many

if TYPE_CHECKING:
    from .steps import BackwardSteps

__all__ = ["iframe", "player_html", "save_player", "widget"]

_STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 1em; color: #222; }
#controls { display: flex; gap: .4em; align-items: center; flex-wrap: wrap; }
#controls button { font-size: 1em; padding: .25em .7em; cursor: pointer; }
#slider { flex: 1; min-width: 10em; }
#caption { font-family: 'DejaVu Sans Mono', monospace; min-height: 2.6em; }
.frame svg { max-width: 100%; height: auto; }
"""

_SCRIPT = """
(function () {
  var frames = Array.prototype.slice.call(document.querySelectorAll('.frame'));
  var $ = function (id) { return document.getElementById(id); };
  var slider = $('slider'), playButton = $('play'), current = 0, timer = null;
  var interval = 800;
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (f, i) { f.hidden = (i !== current); });
    slider.value = current;
    $('counter').textContent = 'step ' + current + ' of ' + (frames.length - 1);
    $('caption').textContent = frames[current].getAttribute('data-caption');
    document.body.setAttribute('data-step', String(current));
    document.body.setAttribute('data-current', frames[current].getAttribute('data-node'));
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.textContent = '\\u25B6 play';
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (current >= frames.length - 1) { show(0); }
    playButton.textContent = '\\u2016 pause';
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, interval);
  }
  $('first').onclick = function () { stop(); show(0); };
  $('prev').onclick = function () { stop(); show(current - 1); };
  $('next').onclick = function () { stop(); show(current + 1); };
  $('last').onclick = function () { stop(); show(frames.length - 1); };
  playButton.onclick = play;
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { $('next').click(); }
    if (e.key === 'ArrowLeft') { $('prev').click(); }
  });
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has('interval')) { interval = parseInt(params.get('interval'), 10) || interval; }
  show(parseInt(params.get('step') || '0', 10) || 0);
  var clicks = parseInt(params.get('clicks') || '0', 10) || 0;
  for (var i = 1; i <= clicks; i++) { setTimeout(function () { $('next').click(); }, 20 * i); }
  if (params.has('play')) { play(); }
})();
"""


def _frame_svgs(steps: BackwardSteps, options: dict[str, Any],
                which: range | None = None) -> list[str]:
    """The frames' pictures as SVG, rendered in one run of ``dot`` (not one per frame)."""
    which = which if which is not None else range(len(steps))
    svgs = render_many([steps.draw(k, **options).source for k in which])
    # Each frame's ids must be unique in the page: graphviz numbers nodes the same way in
    # every frame, and the highlighted node is id="current".
    return [re.sub(r'\bid="', f'id="s{k}-', svg[svg.index("<svg"):])
            for k, svg in zip(which, svgs)]


def player_html(steps: BackwardSteps, title: str | None = None, **options: Any) -> str:
    """The standalone HTML player for ``steps`` (needs ``dot`` to draw the frames).

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> y = Value(2.0, label="x") * 3; y.label = "y"
    >>> page = player_html(backward_steps(y)) if dot_available() else '<div class="frame"'
    >>> page.count('<div class="frame"') >= 1
    True
    """
    name = steps.names[id(steps.root)]
    title = title or f"Backward through {name}, step by step"
    steps.draw(len(steps) - 1, **options)  # too large to draw? say so before drawing all
    frames = []
    for k, (step, svg) in enumerate(zip(steps, _frame_svgs(steps, options))):
        frames.append(f'<div class="frame" data-node="{html.escape(steps.names[id(step.node)])}" '
                      f'data-caption="{html.escape(step.text)}"{" hidden" if k else ""}>'
                      f"{svg}</div>")
    last = len(steps) - 1
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head>
<body data-step="0" data-current="{html.escape(name)}">
<h2>{html.escape(title)}</h2>
<div id="controls">
<button id="first" title="first step">|&#x25C0; first</button>
<button id="prev" title="previous step (left arrow)">&#x25C0; back</button>
<button id="play" title="play / pause">&#x25B6; play</button>
<button id="next" title="next step (right arrow)">step &#x25B6;</button>
<button id="last" title="last step">last &#x25B6;|</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<span id="counter">step 0 of {last}</span>
</div>
<p id="caption">{html.escape(steps[0].text)}</p>
<p style="color:#555">The highlighted box is the node being processed; its gradient is
multiplied by each edge's local derivative and added to its inputs. Grey text: gradients
not yet computed.</p>
<div id="frames">
{chr(10).join(frames)}
</div>
<script>{_SCRIPT}</script>
</body></html>
"""


def save_player(steps: BackwardSteps, path: str | Path, **options: Any) -> Path:
    """Write the HTML player to ``path``. Without ``dot``, write the last frame's DOT source
    (``name.dot``) and raise :class:`GraphvizNotFound` with how to install graphviz.

    >>> import tempfile, os
    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> steps = backward_steps(Value(2.0) * 3)
    >>> out = os.path.join(tempfile.mkdtemp(), "p.html")
    >>> save_player(steps, out).name if dot_available() else "p.html"
    'p.html'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not dot_available():
        source = path.with_suffix(".dot")
        source.write_text(steps.draw(len(steps) - 1, **options).source, encoding="utf-8")
        raise missing(f"saving {path}", source)
    path.write_text(player_html(steps, **options), encoding="utf-8")
    return path


def iframe(steps: BackwardSteps, **options: Any) -> str:
    """The player inside an ``<iframe srcdoc>``, so notebooks run its script in isolation.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> steps = backward_steps(Value(2.0) * 3)
    >>> iframe(steps).startswith("<iframe srcdoc=") if dot_available() else True
    True
    """
    page = player_html(steps, **options)
    heights = [float(h) for h in re.findall(r'<svg[^>]*height="([\d.]+)pt"', page)]
    height = int(max(heights, default=300) * 4 / 3) + 220
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;'
            f'height:{height}px;border:1px solid #ddd"></iframe>')


def widget(steps: BackwardSteps, **options: Any) -> Any:
    """An ipywidgets player (play button, slider, caption, picture); without ipywidgets,
    ``steps`` itself, which Jupyter displays as the HTML player.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> steps = backward_steps(Value(2.0) * 3)
    >>> w = widget(steps); w is steps or len(w.children) == 3
    True
    """
    try:  # optional and untyped: imported by name so type checking needs no stubs
        ipywidgets = importlib.import_module("ipywidgets")
    except ImportError:
        return steps
    svgs: dict[int, str] = {}

    def picture(k: int) -> str:
        if k not in svgs:
            svgs[k] = _frame_svgs(steps, options, range(k, k + 1))[0]
        return svgs[k]

    last = len(steps) - 1
    play = ipywidgets.Play(min=0, max=last, value=0, interval=800, description="play")
    slider = ipywidgets.IntSlider(min=0, max=last, value=0, description="step")
    ipywidgets.jslink((play, "value"), (slider, "value"))
    caption = ipywidgets.Label(value=steps[0].text)
    view = ipywidgets.HTML(value=picture(0))

    def on_step(change: dict[str, Any]) -> None:
        k = int(change["new"])
        caption.value = steps[k].text
        view.value = picture(k)

    slider.observe(on_step, names="value")
    box = ipywidgets.VBox([ipywidgets.HBox([play, slider]), caption, view])
    box.on_step = on_step  # handy for tests and for driving it from code
    return box
