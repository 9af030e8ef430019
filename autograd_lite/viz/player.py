"""The step-through player: an offline HTML page, or an ipywidgets slider in Jupyter.

The HTML page holds one SVG per frame and a little script (no network, no libraries):
first / previous / play / next / last buttons, a slider, and the arrow keys. Its URL
fragment can drive it, which is how the headless-browser test steps it:
``#step=3`` opens frame 3, ``#clicks=2`` presses "next" twice, ``#play&interval=100`` plays.
The body's ``data-step`` and ``data-current`` attributes name the frame and node shown.

**Answer mode** (``answer_mode=True``, the "quiz me" box, or ``#answer`` in the URL): before
a step is revealed, the page asks for the gradients that step completes (``dL/da = ?``),
and no picture shows a number that gives that answer away: a page made with
``answer_mode=True`` draws the edges of steps not yet revealed with their formulas only
(``draw_dot(..., edge_labels="formula")``); on a page made without it, the edges' labels
are hidden while a question is open;
"check" grades each typed number against values computed in advance, offline, and says
why a wrong one is wrong, with the classic mistakes of :mod:`autograd_lite.mistakes` (the
same words ``check_answers`` uses). ``#answer&type=a:6,b:-4&clicks=3`` types answers as
the questions come and presses "step" three times; each graded answer is an
``<li data-node data-verdict data-mistake>`` in ``#log``.
"""

from __future__ import annotations

import html
import importlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..mistakes import candidates, correct_step, num
from ..notation import d_of
from ..transcript import explain
from .render import can_render, missing, render_many

if TYPE_CHECKING:
    from .steps import BackwardSteps

__all__ = ["grade", "iframe", "player_html", "questions", "save_player", "widget"]

_STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; margin: 1em; color: #222; }
#controls { display: flex; gap: .4em; align-items: center; flex-wrap: wrap; }
#controls button { font-size: 1em; padding: .25em .7em; cursor: pointer; }
#slider { flex: 1; min-width: 10em; }
#caption { font-family: 'DejaVu Sans Mono', monospace; min-height: 2.6em; }
.frame svg { max-width: 100%; height: auto; }
#quiz { border: 2px solid #7b2ff7; border-radius: 6px; padding: .5em .8em; margin: .5em 0;
        background: #f6f0ff; }
#quiz label { font-family: 'DejaVu Sans Mono', monospace; margin-right: .3em; }
#quiz input { width: 7em; font-size: 1em; margin-right: 1em; }
#feedback { margin: .4em 0; padding-left: 1.2em; font-weight: bold; }
#feedback .right, #log .right { color: #238b45; }
#feedback .wrong, #log .wrong { color: #cb181d; }
#log li { margin: .2em 0; }
body[data-asking]:not(.quiz-frames) .frame g.edge text { visibility: hidden; }
"""

_SCRIPT = """
(function () {
  var frames = Array.prototype.slice.call(document.querySelectorAll('.frame'));
  var $ = function (id) { return document.getElementById(id); };
  var slider = $('slider'), playButton = $('play'), current = 0, timer = null;
  var interval = 800;
  var quiz = JSON.parse($('quiz-data').textContent);
  var asking = null, asked = {}, typed = {}, score = {right: 0, wrong: 0};
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    frames.forEach(function (f, i) { f.hidden = (i !== current); });
    slider.value = current;
    $('counter').textContent = 'step ' + current + ' of ' + (frames.length - 1);
    $('caption').textContent = frames[current].getAttribute('data-caption');
    document.body.setAttribute('data-step', String(current));
    document.body.setAttribute('data-current', frames[current].getAttribute('data-node'));
  }
  function number(text) {
    var t = String(text).trim().replace(/\\u2212/g, '-').replace(/^\\+/, '');
    if (!/^-?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?$/.test(t)) { return NaN; }
    return parseFloat(t);
  }
  function close(x, ref) { return Math.abs(x - ref) <= quiz.atol + quiz.rtol * Math.abs(ref); }
  function grade(q, x) {
    if (isNaN(x)) {
      return {verdict: 'unreadable', mistake: '', text: 'Type a number, such as -0.5 or 1.2e-3.'};
    }
    var head = 'You have ' + x + '; ' + q.d + ' is ' + q.shown + '. ';
    if (close(x, q.expected)) {
      return {verdict: 'right', mistake: '', text: 'Right: ' + q.step + '.'};
    }
    for (var i = 0; i < q.mistakes.length; i++) {
      var m = q.mistakes[i];
      if (close(x, m.value)) { return {verdict: 'wrong', mistake: m.kind, text: head + m.text}; }
    }
    return {verdict: 'wrong', mistake: 'unknown', text: head + 'Correct step: ' + q.step + '.'};
  }
  function ask(k) {
    asking = k;
    document.body.setAttribute('data-asking', String(k));
    var box = $('questions');
    box.textContent = '';
    quiz.questions[k].forEach(function (q, i) {
      var label = document.createElement('label');
      label.textContent = q.d + ' =';
      label.htmlFor = 'answer' + i;
      var input = document.createElement('input');
      input.id = 'answer' + i;
      input.setAttribute('data-node', q.name);
      input.addEventListener('keydown', function (e) { if (e.key === 'Enter') { check(); } });
      box.appendChild(label);
      box.appendChild(input);
    });
    $('prompt').textContent = 'Step ' + k + ' takes ' + quiz.frames[k][0] + ', with ' +
      quiz.frames[k][1] + '. What gradient' + (quiz.questions[k].length > 1 ? 's does' : ' does') +
      ' it complete?';
    $('quiz').hidden = false;
    var first = box.querySelector('input');
    var auto = quiz.questions[k].some(function (q) { return typed.hasOwnProperty(q.name); });
    quiz.questions[k].forEach(function (q, i) {
      if (typed.hasOwnProperty(q.name)) { $('answer' + i).value = typed[q.name]; }
    });
    if (auto) { check(); } else if (first) { first.focus(); }
  }
  function reveal() {
    var k = asking;
    asking = null;
    asked[k] = true;
    $('quiz').hidden = true;
    document.body.removeAttribute('data-asking');
    show(k);
  }
  function check() {
    if (asking === null) { return; }
    var feedback = $('feedback');
    feedback.textContent = '';
    quiz.questions[asking].forEach(function (q, i) {
      var value = $('answer' + i).value;
      if (String(value).trim() === '') { return; }
      var result = grade(q, number(value));
      var item = document.createElement('li');
      item.className = result.verdict;
      item.setAttribute('data-node', q.name);
      item.setAttribute('data-verdict', result.verdict);
      item.setAttribute('data-mistake', result.mistake);
      var mark = result.verdict === 'right' ? '\\u2713 ' : '\\u2717 ';
      item.textContent = mark + q.d + ': ' + result.text;
      $('log').appendChild(item);
      var now = item.cloneNode(true);
      feedback.appendChild(now);
      if (result.verdict === 'right') { score.right++; }
      if (result.verdict === 'wrong') { score.wrong++; }
    });
    $('score').textContent = 'Your answers: ' + score.right + ' right, ' + score.wrong + ' wrong';
    document.body.setAttribute('data-right', String(score.right));
    document.body.setAttribute('data-wrong', String(score.wrong));
    reveal();
  }
  function request(k) {
    if (asking !== null) { reveal(); return; }   // "step" again: skip the question
    if ($('answer-mode').checked && k === current + 1 && quiz.questions[k] && !asked[k]) {
      ask(k);
      return;
    }
    show(k);
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
      if (current >= frames.length - 1 || asking !== null) { stop(); }
      else { request(current + 1); }
    }, interval);
  }
  $('first').onclick = function () { stop(); show(0); };
  $('prev').onclick = function () {
    stop();
    if (asking !== null) { asking = null; $('quiz').hidden = true; }
    show(current - 1);
  };
  $('next').onclick = function () { stop(); request(current + 1); };
  $('last').onclick = function () { stop(); show(frames.length - 1); };
  $('check').onclick = check;
  $('skip').onclick = function () { if (asking !== null) { reveal(); } };
  playButton.onclick = play;
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  document.addEventListener('keydown', function (e) {
    if (e.target && e.target.tagName === 'INPUT' && e.target.type !== 'range') { return; }
    if (e.key === 'ArrowRight') { $('next').click(); }
    if (e.key === 'ArrowLeft') { $('prev').click(); }
  });
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has('answer')) { $('answer-mode').checked = true; }
  (params.get('type') || '').split(',').forEach(function (pair) {
    var at = pair.lastIndexOf(':');
    if (at > 0) { typed[pair.slice(0, at)] = pair.slice(at + 1); }
  });
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


def questions(steps: BackwardSteps, rtol: float = 1e-2,
              atol: float = 1e-6) -> dict[int, list[dict[str, Any]]]:
    """What answer mode asks before each frame: ``{k: [question, ...]}``.

    Frame ``k`` completes the gradient of each input of its node that no later frame
    sends to (the node is its last consumer); constants (unlabelled leaves) are not asked.
    A question holds the node's ``name``, ``d`` (``dL/da``), the ``expected`` gradient, the
    correct ``step`` in numbers and the classic ``mistakes`` that give a different number
    (``value``, ``kind``, ``text``), all from ``explain`` and :mod:`autograd_lite.mistakes`.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> a = Value(3.0, label="a"); b = a + a; b.label = "b"; L = b * 2.0; L.label = "L"
    >>> q = questions(backward_steps(L))
    >>> [(k, x["d"], x["expected"]) for k in q for x in q[k]]
    [(1, 'dL/db', 2.0), (2, 'dL/da', 4.0)]
    >>> [m["kind"] for m in q[2][0]["mistakes"]][:2]            # the sum over a's two uses
    ['missing_sum', 'sign']
    """
    transcript = explain(steps.root)
    by_node = {id(s.node): s for s in transcript.steps}
    nodes = {s.name: s.node for s in transcript.steps}
    uses: dict[int, int] = {}
    for step in steps[1:]:
        for p in step.node.parents:
            uses[id(p)] = uses.get(id(p), 0) + 1
    asked: dict[int, list[dict[str, Any]]] = {}
    for k, step in enumerate(steps):
        if k == 0:
            continue
        for p in dict.fromkeys(step.node.parents):
            uses[id(p)] -= step.node.parents.count(p)
            if uses[id(p)] or (p.is_leaf and not p.label):
                continue
            s = by_node[id(p)]
            expected = s.grad
            seen: list[float] = []
            mistakes = []
            for m in candidates(s, nodes):
                if _close(m.value, expected, rtol, atol) or any(
                        _close(m.value, v, rtol, atol) for v in seen):
                    continue
                seen.append(m.value)
                mistakes.append({"value": m.value, "kind": m.kind, "text": m.text})
            asked.setdefault(k, []).append({
                "name": s.name, "d": f"d{d_of(s.root)}/d{d_of(s.name)}", "expected": expected,
                "shown": num(expected), "step": correct_step(s), "mistakes": mistakes})
    return asked


def _close(x: float, ref: float, rtol: float, atol: float) -> bool:
    return abs(x - ref) <= atol + rtol * abs(ref)


def grade(question: dict[str, Any], answer: float, rtol: float = 1e-2,
          atol: float = 1e-6) -> tuple[str, str, str]:
    """``(verdict, mistake kind, words)`` for a typed answer to one of :func:`questions`'
    questions: what the page's script says, in Python (the widget uses it).

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> a = Value(3.0, label="a"); b = a + a; b.label = "b"; L = b * 2.0; L.label = "L"
    >>> q = questions(backward_steps(L))[2][0]
    >>> grade(q, 4.0)[0], grade(q, 2.0)[:2]
    ('right', ('wrong', 'missing_sum'))
    """
    if _close(answer, question["expected"], rtol, atol):
        return "right", "", f"Right: {question['step']}."
    head = f"You have {num(answer)}; {question['d']} is {question['shown']}. "
    for m in question["mistakes"]:
        if _close(answer, m["value"], rtol, atol):
            return "wrong", m["kind"], head + m["text"]
    return "wrong", "unknown", head + f"Correct step: {question['step']}."


_QUIZ_HTML = """<label><input type="checkbox" id="answer-mode"{checked}> quiz me: ask for each
gradient before the step that computes it is revealed</label>
<div id="quiz" hidden><p id="prompt"></p><div id="questions"></div>
<p><button id="check">check</button> <button id="skip">skip (show the step)</button></p></div>
<ul id="feedback"></ul><p id="score"></p>"""


def player_html(steps: BackwardSteps, title: str | None = None, answer_mode: bool = False,
                rtol: float = 1e-2, atol: float = 1e-6, **options: Any) -> str:
    """The standalone HTML player for ``steps`` (needs ``dot`` to draw the frames).

    With ``answer_mode`` the page starts in answer mode (it can be switched on in the page
    too): before each step it asks for the gradients the step completes and grades what is
    typed (``rtol``/``atol`` as in ``check_answers``), offline. Its frames then draw the
    edges of the steps not yet revealed with their formulas only (``edge_labels``
    ``"formula"``), so no picture gives an answer away; a page made without
    ``answer_mode`` hides the edges' labels while a question is open.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> y = Value(2.0, label="x") * 3; y.label = "y"
    >>> from autograd_lite.viz import dot_available
    >>> page = player_html(backward_steps(y)) if dot_available() else '<div class="frame"'
    >>> page.count('<div class="frame"') >= 1
    True
    """
    name = steps.names[id(steps.root)]
    title = title or f"Backward through {name}, step by step"
    if answer_mode:  # steps not yet revealed show formulas, no number on their edges
        options.setdefault("edge_labels", "formula")
    steps.draw(len(steps) - 1, **options)  # too large to draw? say so before drawing all
    frames = []
    for k, (step, svg) in enumerate(zip(steps, _frame_svgs(steps, options))):
        frames.append(f'<div class="frame" data-node="{html.escape(steps.names[id(step.node)])}" '
                      f'data-caption="{html.escape(step.text)}"{" hidden" if k else ""}>'
                      f"{svg}</div>")
    last = len(steps) - 1
    root = steps.names[id(steps.root)]
    final = steps[-1].grads
    quiz = {"rtol": rtol, "atol": atol, "questions": questions(steps, rtol, atol),
            "frames": {k: [step.text.split(": ", 1)[1].split(". ", 1)[0],
                           f"d{d_of(root)}/d{d_of(steps.names[id(step.node)])} = "
                           f"{num(final.get(id(step.node), 0.0))}"]
                       for k, step in enumerate(steps) if k}}
    data = json.dumps(quiz, ensure_ascii=False).replace("</", "<\\/")
    answers = _QUIZ_HTML.replace("{checked}", " checked" if answer_mode else "")
    quiz_frames = ' class="quiz-frames"' if answer_mode else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head>
<body data-step="0" data-current="{html.escape(name)}"{quiz_frames}>
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
{answers}
<p id="caption">{html.escape(steps[0].text)}</p>
<p style="color:#555">The highlighted box is the node being processed; its gradient is
multiplied by each edge's local derivative and added to its inputs. Grey text: gradients
not yet computed.</p>
<div id="frames">
{chr(10).join(frames)}
</div>
<ol id="log"></ol>
<script type="application/json" id="quiz-data">{data}</script>
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
    >>> from autograd_lite.viz import dot_available
    >>> save_player(steps, out).name if dot_available() else "p.html"
    'p.html'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not can_render():
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
    >>> from autograd_lite.viz import dot_available
    >>> iframe(steps).startswith("<iframe srcdoc=") if dot_available() else True
    True
    """
    page = player_html(steps, **options)
    heights = [float(h) for h in re.findall(r'<svg[^>]*height="([\d.]+)pt"', page)]
    height = int(max(heights, default=300) * 4 / 3) + 220
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;'
            f'height:{height}px;border:1px solid #ddd"></iframe>')


class _AnswerPage:
    """What Jupyter shows without ipywidgets in answer mode: the HTML player, quizzing."""

    def __init__(self, steps: BackwardSteps, options: dict[str, Any]) -> None:
        self.steps, self.options = steps, options

    def _repr_html_(self) -> str:
        return iframe(self.steps, answer_mode=True, **self.options)


def widget(steps: BackwardSteps, answer_mode: bool = False, rtol: float = 1e-2,
           atol: float = 1e-6, **options: Any) -> Any:
    """An ipywidgets player (play button, slider, caption, picture); without ipywidgets,
    ``steps`` itself, which Jupyter displays as the HTML player.

    With ``answer_mode``, a row below asks for the gradients the next step completes; "check"
    grades them (:func:`grade`) and reveals the step.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import backward_steps
    >>> steps = backward_steps(Value(2.0) * 3)
    >>> w = widget(steps); w is steps or len(w.children) == 3
    True
    """
    try:  # optional and untyped: imported by name so type checking needs no stubs
        ipywidgets = importlib.import_module("ipywidgets")
    except ImportError:
        return _AnswerPage(steps, dict(options, rtol=rtol, atol=atol)) if answer_mode else steps
    if answer_mode:  # steps not yet revealed show formulas, no number on their edges
        options.setdefault("edge_labels", "formula")
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
    asked = questions(steps, rtol, atol) if answer_mode else {}
    prompt = ipywidgets.Label()
    entry = ipywidgets.Text(placeholder="your answers, separated by commas")
    check = ipywidgets.Button(description="check")
    feedback = ipywidgets.HTML()

    def upcoming(k: int) -> None:
        """Ask for what frame k + 1 completes (the first later frame that completes any)."""
        later = [j for j in sorted(asked) if j > k]
        if not later:
            prompt.value, entry.disabled, check.disabled = "No more questions.", True, True
            return
        j = later[0]
        wanted = ", ".join(q["d"] for q in asked[j])
        prompt.value = f"Step {j} completes {wanted}: your answer{'s' if ',' in wanted else ''}?"
        entry.disabled = check.disabled = False

    def on_check(_: Any = None) -> None:
        later = [j for j in sorted(asked) if j > slider.value]
        if not later:
            return
        j = later[0]
        typed = [t.strip() for t in entry.value.split(",")]
        lines = []
        for q, text in zip(asked[j], typed):
            try:
                verdict, _kind, words = grade(q, float(text.replace("\u2212", "-")), rtol, atol)
            except ValueError:
                verdict, words = "unreadable", f"{text!r} is not a number"
            colour = "#238b45" if verdict == "right" else "#cb181d"
            mark = "\u2713" if verdict == "right" else "\u2717"
            lines.append(f'<li style="color:{colour}">{mark} {html.escape(q["d"])}: '
                         f"{html.escape(words)}</li>")
        feedback.value = f"<ul>{''.join(lines)}</ul>"
        entry.value = ""
        slider.value = j  # reveal the step

    def on_step(change: dict[str, Any]) -> None:
        k = int(change["new"])
        caption.value = steps[k].text
        view.value = picture(k)
        if answer_mode:
            upcoming(k)

    slider.observe(on_step, names="value")
    parts = [ipywidgets.HBox([play, slider]), caption, view]
    if answer_mode:
        check.on_click(on_check)
        upcoming(0)
        parts += [prompt, ipywidgets.HBox([entry, check]), feedback]
    box = ipywidgets.VBox(parts)
    box.on_step = on_step  # handy for tests and for driving it from code
    box.on_check = on_check
    return box
