// The playground page: the editor, the examples, the URL, and showing what the Python side
// (worker.mjs running playground.py) computed. No network beyond this site's own files.

const $ = (id) => document.getElementById(id);
const editor = $("editor");
const statusLine = $("status");

// --- talking to Python in the worker -------------------------------------------------------

let worker = null;
let booted = null;          // a promise: the worker's boot timings
let nextId = 0;
const pending = new Map();  // id -> {resolve, reject}

function startWorker() {
  worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  booted = new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "booted") { resolve(message.timings); return; }
      if (message.type === "boot-failed") { reject(new Error(message.error)); return; }
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.ok) waiting.resolve(JSON.parse(message.json));
      else waiting.reject(Object.assign(new Error(message.error), { fatal: message.fatal }));
    };
    worker.onerror = (event) => reject(new Error(event.message || "the worker failed to start"));
  });
}

function call(fn, ...args) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, fn, args });
  });
}

function restartWorker(reason) {
  worker.terminate();
  for (const waiting of pending.values()) waiting.reject(Object.assign(new Error(reason), { stopped: true }));
  pending.clear();
  startWorker();
}

// --- status ---------------------------------------------------------------------------------

function setStatus(state, text) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

function finishRun(text) {
  statusLine.dataset.runs = String(Number(statusLine.dataset.runs) + 1);
  setStatus(statusLine.dataset.state === "error" ? "error" : "ok", text);
}

// --- pictures -------------------------------------------------------------------------------

// Insert SVG made by Graphviz, keeping nothing that could run: no scripts, no event
// attributes, no links outside the picture.
function showSvg(container, svgText) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") {
    throw new Error(`the renderer did not return SVG: ${svg.textContent.slice(0, 300)}`);
  }
  for (const bad of svg.querySelectorAll("script, foreignObject")) bad.remove();
  for (const element of [svg, ...svg.querySelectorAll("*")]) {
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      const link = name === "href" || name === "xlink:href";
      if (name.startsWith("on") || (link && !attribute.value.startsWith("#"))) {
        element.removeAttribute(attribute.name);
      }
    }
  }
  container.replaceChildren(document.importNode(svg, true));
  fit(container);
}

// Graphviz's size is in points. A picture wider than its panel is shrunk to the panel's
// width, so all of it is in view (the highlighted node of a frame too); a click shows the
// actual size, which the panel then scrolls.
function fit(container) {
  const svg = container.querySelector("svg");
  if (!svg) return;
  const width = svg.getAttribute("width") || "";
  const natural = parseFloat(width) * (width.endsWith("pt") ? 4 / 3 : 1);
  if (!natural) return;
  const room = container.clientWidth - 4;
  if (room <= 0) return;  // not laid out yet: fitted again on resize
  const actual = container.classList.contains("actual-size");
  const scale = actual ? 1 : Math.min(1, room / natural);
  svg.style.width = `${Math.floor(natural * scale)}px`;
  svg.style.height = "auto";
  container.dataset.scale = scale.toFixed(3);
  container.title = scale < 1 ? "shrunk to fit: click for the actual size"
    : actual && natural > room ? "actual size: click to fit the panel" : "";
}

function showPicture(container, picture) {
  if (picture.error) {
    container.replaceChildren(paragraph(picture.error, "error"));
  } else if (picture.svg) {
    showSvg(container, picture.svg);
  } else {
    const pre = document.createElement("pre");
    pre.textContent = picture.dot;
    container.replaceChildren(pre);
  }
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

// --- the editor -----------------------------------------------------------------------------

const INDENT = "    ";

function replaceSelection(text, selectStart, selectEnd) {
  // execCommand keeps the browser's undo history; fall back to setRangeText.
  if (!document.execCommand("insertText", false, text)) {
    editor.setRangeText(text, editor.selectionStart, editor.selectionEnd, "end");
  }
  if (selectStart !== undefined) editor.setSelectionRange(selectStart, selectEnd);
}

function lineStart(position) {
  return editor.value.lastIndexOf("\n", position - 1) + 1;
}

let escaped = false;  // Esc then Tab leaves the editor

editor.addEventListener("keydown", (event) => {
  const { selectionStart: start, selectionEnd: end, value } = editor;
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
    event.preventDefault();
    runCode();
    return;
  }
  if (event.key === "Escape") { escaped = true; return; }
  if (event.key === "Tab" && !escaped && !event.altKey && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    const first = lineStart(start);
    const multiline = value.slice(start, end).includes("\n");
    if (!event.shiftKey && !multiline) {
      replaceSelection(INDENT.slice((start - first) % INDENT.length));
      return;
    }
    // Indent or dedent every selected line.
    editor.setSelectionRange(first, end);
    const lines = value.slice(first, end).split("\n");
    const changed = lines.map((line) => event.shiftKey
      ? line.replace(new RegExp(`^ {1,${INDENT.length}}`), "")
      : (line ? INDENT + line : line)).join("\n");
    replaceSelection(changed, first, first + changed.length);
    return;
  }
  escaped = false;
  if (event.key === "Enter" && !event.shiftKey && start === end) {
    // Keep the indentation; one more level after a line ending in a colon.
    event.preventDefault();
    const line = value.slice(lineStart(start), start);
    let indent = line.match(/^[ \t]*/)[0];
    if (/:\s*(#.*)?$/.test(line)) indent += INDENT;
    replaceSelection("\n" + indent);
    return;
  }
  if (event.key === "Backspace" && start === end) {
    // In leading spaces, go back to the previous indentation level.
    const before = value.slice(lineStart(start), start);
    if (before.length > 0 && /^ +$/.test(before)) {
      event.preventDefault();
      const remove = before.length % INDENT.length || INDENT.length;
      editor.setSelectionRange(start - remove, start);
      replaceSelection("");
    }
  }
});

// --- examples and the URL -------------------------------------------------------------------

let examples = [];

function exampleNamed(name) {
  const key = String(name).replace(/-/g, "_").toLowerCase();
  return examples.find((example) => example.name === key);
}

// What the page opens with: #code=, else ?code=, else ?example= (or #example=), else the
// first example. Both code forms are percent-encoded UTF-8 (encodeURIComponent).
function initialCode() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  for (const params of [fragment, query]) {
    if (params.has("code")) return { code: params.get("code"), example: "" };
  }
  const wanted = fragment.get("example") || query.get("example");
  if (wanted) {
    const example = exampleNamed(wanted);
    if (example) return { code: example.code, example: example.name };
    $("notice").textContent = `There is no example named "${wanted}"; the examples are `
      + `${examples.map((e) => e.name).join(", ")}. Showing ${examples[0].name}.`;
    $("notice").hidden = false;
  }
  return { code: examples[0].code, example: examples[0].name };
}

function fillExamples(selected) {
  const menu = $("examples");
  menu.replaceChildren();
  const custom = new Option("(your own code)", "");
  menu.add(custom);
  for (const example of examples) menu.add(new Option(example.title, example.name));
  menu.value = selected;
  menu.addEventListener("change", () => {
    const example = exampleNamed(menu.value);
    if (!example) return;
    editor.value = example.code;
    $("notice").hidden = true;
    history.replaceState(null, "", `${location.pathname}?example=${example.name}`);
    runCode();
  });
  editor.addEventListener("input", () => { menu.value = ""; }, { once: false });
}

function shareLink() {
  const url = `${location.origin}${location.pathname}#code=${encodeURIComponent(editor.value)}`;
  const box = $("share-box");
  box.hidden = false;
  $("share-url").value = url;
  $("share-url").select();
  const note = $("share-note");
  note.textContent = `${url.length} characters`;
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(url).then(
      () => { note.textContent = `copied to the clipboard (${url.length} characters)`; },
      () => {});
  }
}

// --- showing a run --------------------------------------------------------------------------

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = !text;
}

function clearPanels(why) {
  $("graph-note").textContent = "";
  $("graph").replaceChildren(paragraph(why, "placeholder"));
  $("transcript").replaceChildren();
  $("frame").replaceChildren(paragraph(why, "placeholder"));
  $("caption").textContent = "";
  player.count = 0;
  updateCounter();
  $("answers").replaceChildren();
  $("report").replaceChildren();
  $("check").disabled = true;
}

function showTranscript(transcript, practise) {
  const list = $("transcript");
  list.replaceChildren();
  if (practise) {
    list.append(paragraph("Hidden while you practise: untick \"hide the gradients\" to see it.", "placeholder"));
    return;
  }
  if (transcript.error) { list.append(paragraph(transcript.error, "error")); return; }
  for (const line of transcript.lines) {
    const item = document.createElement("li");
    item.dataset.node = line.name;
    const code = document.createElement("code");
    code.textContent = line.text;
    item.append(code);
    if (line.where) {
      const where = document.createElement("span");
      where.className = "where";
      where.textContent = line.where;
      item.append(where);
    }
    list.append(item);
  }
}

function showRows(result) {
  const form = $("answers");
  const kept = {};
  for (const input of form.querySelectorAll("input")) kept[input.dataset.name] = input.value;
  form.replaceChildren();
  $("report").replaceChildren();
  const available = result.check_available;
  $("check-unavailable").hidden = available;
  $("check").disabled = !available || !result.rows || Boolean(result.rows.error);
  if (!result.rows || result.rows.error) {
    if (result.rows) form.append(paragraph(result.rows.error, "error"));
    return;
  }
  for (const row of result.rows.rows) {
    const line = document.createElement("div");
    line.className = "answer";
    line.dataset.name = row.name;
    const label = document.createElement("label");
    label.htmlFor = `answer-${row.index}`;
    label.textContent = row.d;
    label.title = row.op ? `${row.name} = the result of ${row.op} (value ${row.data})` : `${row.name} = ${row.data}`;
    const input = document.createElement("input");
    input.id = `answer-${row.index}`;
    input.dataset.index = row.index;
    input.dataset.name = row.name;
    input.inputMode = "decimal";
    input.value = kept[row.name] || "";
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); checkAnswers(); }
    });
    const verdict = document.createElement("span");
    verdict.className = "verdict";
    const diagnosis = document.createElement("div");
    diagnosis.className = "diagnosis";
    line.append(label, input, verdict, diagnosis);
    form.append(line);
  }
}

let lastResult = null;

async function runCode() {
  if (["loading", "running"].includes(statusLine.dataset.state)) return;  // one run at a time
  setStatus("running", "running…");
  $("run").disabled = true;
  const stopTimer = setTimeout(() => { $("stop").hidden = false; }, 1000);
  let result;
  try {
    result = await call("run", editor.value, $("practise").checked);
  } catch (error) {
    clearTimeout(stopTimer);
    $("stop").hidden = true;
    $("run").disabled = false;
    if (error.stopped) return;  // Stop was pressed: stopRun says what happened
    crashed(error);
    return;
  }
  clearTimeout(stopTimer);
  $("stop").hidden = true;
  $("run").disabled = false;
  lastResult = result;
  $("output").textContent = result.stdout;
  $("output-box").hidden = !result.stdout;
  if (!result.ok) {
    showError(result.error);
    clearPanels(result.error_kind === "python" ? "(fix the error and run again)" : "(nothing to draw)");
    statusLine.dataset.state = "error";
    finishRun(result.error_kind === "python" ? "ready: your code raised an error (shown below the editor)"
      : result.error_kind === "depth" ? `ready: the graph is ${result.depth} ops deep, too deep to show here`
        : "ready: nothing to differentiate (see below the editor)");
    return;
  }
  try {
    showError("");
    $("graph-note").textContent = `of ${result.root.name} (${result.found}; ${result.nodes} nodes)`;
    showPicture($("graph"), result.graph);
    showTranscript(result.transcript, result.practise);
    showRows(result);
    startPlayer(result);  // its first frame is drawn after the page says ready
  } catch (error) {  // a bug of the page's own: say so rather than leave a half-drawn page
    showError(`The page could not show the result: ${error.message}`);
    statusLine.dataset.state = "error";
    finishRun("ready: the page failed to show the result (see below the editor)");
    return;
  }
  finishRun(`ready: ran in ${Math.round(result.ms)} ms (root ${result.root.name}, ${result.nodes} nodes)`);
}

function crashed(error) {
  const why = error.fatal
    ? "Python crashed and has been restarted. This happens when the WebAssembly stack " +
      "overflows, for instance when your code frees a graph more than about 1,300 nodes " +
      "deep (deep graphs are fine in Python on your own machine)."
    : "The page could not talk to Python.";
  showError(`${why}\n\n${error.message}`);
  clearPanels("(run again)");
  statusLine.dataset.state = "error";
  if (error.fatal) {
    restartWorker("restarted");
    waitForPython("restarting Python…", "ready: Python was restarted after a crash (see below the editor)");
  } else {
    finishRun("ready: Python failed (see below the editor)");
  }
}

function stopRun() {
  restartWorker("stopped");
  $("stop").hidden = true;
  $("run").disabled = false;
  showError("Stopped. Python was restarted, so everything your code had defined is gone.");
  clearPanels("(stopped)");
  statusLine.dataset.state = "error";
  waitForPython("stopped; restarting Python…", "ready: stopped, Python restarted");
}

async function waitForPython(waiting, done) {
  setStatus("loading", waiting);
  try {
    await booted;
    statusLine.dataset.state = "error";
    finishRun(done);
  } catch (error) {
    bootFailed(error);
  }
}

// --- the step-through player ------------------------------------------------------------------

const player = { count: 0, k: 0, captions: [], frames: new Map(), timer: null, run: 0 };

function updateCounter() {
  if (player.count === 0) player.k = 0;
  const last = Math.max(player.count - 1, 0);
  $("slider").max = String(last);
  $("slider").value = String(player.k);
  $("counter").textContent = `step ${player.k} of ${last}`;
  for (const id of ["first", "back", "play", "step", "last", "slider"]) $(id).disabled = player.count < 2;
}

async function startPlayer(result) {
  stopPlaying();
  player.run += 1;
  player.frames = new Map();
  if (!result.steps || result.steps.error) {
    player.count = 0;
    updateCounter();
    $("caption").textContent = "";
    $("frame").replaceChildren(paragraph(result.steps ? result.steps.error : "", "error"));
    return;
  }
  // While practising the player starts at step 0 and each step reveals one gradient.
  if (result.practise) player.k = 0;
  player.count = result.steps.count;
  player.captions = result.steps.captions;
  await showFrame(Math.min(player.k, player.count - 1));
}

async function frameAt(k) {
  if (!player.frames.has(k)) player.frames.set(k, call("frame", k));
  return player.frames.get(k);
}

async function showFrame(k) {
  if (player.count === 0) return;
  k = Math.max(0, Math.min(k, player.count - 1));
  player.k = k;
  updateCounter();
  $("caption").textContent = player.captions[k];
  const run = player.run;
  let picture;
  try {
    picture = await frameAt(k);
  } catch (error) {
    picture = { error: error.stopped ? "(stopped)" : `could not draw this step: ${error.message}` };
  }
  if (run !== player.run || player.k !== k) return;  // a newer run or frame came first
  try {
    showPicture($("frame"), picture);
  } catch (error) {
    $("frame").replaceChildren(paragraph(`could not show this step: ${error.message}`, "error"));
  }
  $("frame").dataset.k = String(k);
  if (k + 1 < player.count) frameAt(k + 1).catch(() => {});  // draw the next one ahead
}

function stopPlaying() {
  if (player.timer !== null) clearInterval(player.timer);
  player.timer = null;
  $("play").textContent = "▶ play";
}

function play() {
  if (player.timer !== null) { stopPlaying(); return; }
  if (player.k >= player.count - 1) showFrame(0);
  $("play").textContent = "❚❚ pause";
  player.timer = setInterval(() => {
    showFrame(player.k + 1);
    if (player.k >= player.count - 1) stopPlaying();  // the last frame: done
  }, 1200);
}

// --- check my answer --------------------------------------------------------------------------

async function checkAnswers() {
  const answers = {};
  for (const input of $("answers").querySelectorAll("input")) {
    if (input.value.trim()) answers[input.dataset.index] = input.value;
  }
  const report = $("report");
  let result;
  try {
    result = await call("check", JSON.stringify(answers));
  } catch (error) {
    if (!error.stopped) crashed(error);
    return;
  }
  if (!result.available || result.error) {
    report.replaceChildren(paragraph(result.error, "error"));
    return;
  }
  const byName = new Map(result.results.map((r) => [r.name, r]));
  for (const line of $("answers").querySelectorAll(".answer")) {
    const graded = byName.get(line.dataset.name);
    const verdict = graded ? graded.verdict : "unanswered";
    line.dataset.verdict = verdict;
    line.querySelector(".verdict").textContent =
      verdict === "right" ? "✓ right" : verdict === "wrong" ? "✗ wrong" : "";
    const first = verdict === "wrong" && result.first_wrong === line.dataset.name;
    line.classList.toggle("first-wrong", first);
    const why = graded && graded.diagnosis ? graded.diagnosis : `the right value is ${graded && graded.expected}`;
    line.querySelector(".diagnosis").textContent = verdict === "wrong"
      ? (first ? "The mistake starts here: " : "") + why
      : "";
  }
  const summary = paragraph(result.passed
    ? "All your answers are right."
    : result.first_wrong
      ? `First mistake: ${result.first_wrong}. Fix it first: the gradients of its inputs are built on it.`
      : "Some answers are missing.", result.passed ? "passed" : "failed");
  summary.id = "verdict";
  const details = document.createElement("details");
  const title = document.createElement("summary");
  title.textContent = "The full report";
  details.append(title, fullReport(result));
  report.replaceChildren(summary, details);
  report.dataset.firstWrong = result.first_wrong || "";
}

// check_answers' own HTML report, in a sandboxed frame (no script runs in it), or its text.
function fullReport(result) {
  if (!result.html) {
    const text = document.createElement("pre");
    text.textContent = result.text;
    return text;
  }
  const frame = document.createElement("iframe");
  frame.className = "report-frame";
  frame.title = "check_answers report";
  frame.sandbox = "allow-same-origin";
  frame.srcdoc = `<!DOCTYPE html><meta charset="utf-8"><style>body{font:13px system-ui,sans-serif;margin:4px}</style>${result.html}`;
  // Its height is known only once it is laid out: when loaded and when its <details> opens.
  const resize = () => {
    const page = frame.contentDocument && frame.contentDocument.documentElement;
    if (page && page.scrollHeight) frame.style.height = `${page.scrollHeight + 8}px`;
  };
  frame.addEventListener("load", resize);
  queueMicrotask(() => frame.closest("details").addEventListener("toggle", resize));
  return frame;
}

// --- start ------------------------------------------------------------------------------------

function bootFailed(error) {
  setStatus("failed", "failed: Python could not start (see below the editor)");
  showError(`The page could not start Python or Graphviz:\n\n${error.message}`);
}

async function main() {
  let timings = null;
  startWorker();
  $("run").addEventListener("click", runCode);
  $("stop").addEventListener("click", stopRun);
  $("share").addEventListener("click", shareLink);
  $("check").addEventListener("click", checkAnswers);
  $("clear-answers").addEventListener("click", () => {
    for (const input of $("answers").querySelectorAll("input")) input.value = "";
    for (const line of $("answers").querySelectorAll(".answer")) {
      delete line.dataset.verdict;
      line.classList.remove("first-wrong");
      line.querySelector(".verdict").textContent = "";
      line.querySelector(".diagnosis").textContent = "";
    }
    $("report").replaceChildren();
  });
  $("practise").addEventListener("change", () => { if (lastResult) runCode(); });
  $("first").addEventListener("click", () => { stopPlaying(); showFrame(0); });
  $("back").addEventListener("click", () => { stopPlaying(); showFrame(player.k - 1); });
  $("step").addEventListener("click", () => { stopPlaying(); showFrame(player.k + 1); });
  $("last").addEventListener("click", () => { stopPlaying(); showFrame(player.count - 1); });
  $("play").addEventListener("click", play);
  $("slider").addEventListener("input", () => { stopPlaying(); showFrame(Number($("slider").value)); });
  $("player-pane").addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT" && event.target.type !== "range") return;
    if (event.key === "ArrowRight") { event.preventDefault(); $("step").click(); }
    if (event.key === "ArrowLeft") { event.preventDefault(); $("back").click(); }
  });
  window.addEventListener("resize", () => { fit($("graph")); fit($("frame")); });
  for (const id of ["graph", "frame"]) {
    $(id).addEventListener("click", () => { $(id).classList.toggle("actual-size"); fit($(id)); });
  }
  updateCounter();
  try {
    const manifest = await (await fetch("./manifest.json")).json();
    examples = manifest.examples;
    $("max-depth").textContent = String(manifest.max_depth);
    const start = initialCode();
    editor.value = start.code;
    fillExamples(start.example);
    timings = await booted;
    $("versions").textContent = `Python ${timings.python}, Pyodide ${timings.pyodide}, ` +
      `Graphviz ${timings.viz}, autograd_lite ${manifest.version}.`;
  } catch (error) {
    bootFailed(error);
    return;
  }
  setStatus("idle", "running your code…");
  $("run").disabled = false;
  await runCode();
  // For bench/site.py: when the page was first ready, and how long Python took to start.
  window.playgroundTimings = { ready_ms: performance.now(), ...timings,
    first_run_ms: lastResult ? lastResult.ms : null };
}

main();
