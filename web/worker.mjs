// The playground's Python: Pyodide and the WebAssembly Graphviz in one Web Worker, so a
// long run never freezes the page, and a crashed or stopped interpreter is replaced by a
// fresh worker. Everything is loaded from this site's own files: no CDN, no network.
//
// Messages in:  {id, fn, args}   fn is a function of playground.py (run, frame, check, graph)
// Messages out: {type: "booted", timings} | {type: "boot-failed", error}
//               {id, ok: true, json} | {id, ok: false, error, fatal}
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

const here = (path) => new URL(path, import.meta.url).href;
const bytes = async (path) => {
  const response = await fetch(here(path));
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
};

let pyodide = null;
let glue = null;

async function boot() {
  const t0 = performance.now();
  const manifest = await (await bytes("./manifest.json")).json();
  // Fetch the wheels and the glue while Pyodide and Graphviz start.
  const wheels = Promise.all(manifest.wheels.map(
    async (name) => (await bytes("./wheels/" + name)).arrayBuffer()));
  const glueSource = (async () => (await bytes("./playground.py")).text())();
  const done = {};
  const timed = (name, promise) => promise.then((value) => { done[name] = performance.now() - t0; return value; });
  const [py, viz] = await Promise.all([
    timed("pyodide_only_ms", loadPyodide({ indexURL: here("./pyodide/"), stdout: () => {}, stderr: () => {} })),
    timed("viz_only_ms", vizInstance()),
  ]);
  const t1 = performance.now();
  const site = py.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  for (const wheel of await wheels) {
    py.unpackArchive(wheel, "wheel", { extractDir: site });
  }
  py.FS.writeFile(site + "/playground.py", await glueSource);
  glue = py.pyimport("playground");
  glue.install_browser_renderer(viz);
  pyodide = py;
  const t2 = performance.now();
  return { worker_started_ms: t0, pyodide_ms: t1 - t0, import_ms: t2 - t1, ...done, python: py.runPython("import sys; sys.version.split()[0]"),
           pyodide: py.version, viz: viz.graphvizVersion };
}

function isDead() {
  try {
    pyodide.runPython("0");
    return false;
  } catch {
    return true;
  }
}

const booting = boot().then(
  (timings) => self.postMessage({ type: "booted", timings }),
  (error) => self.postMessage({ type: "boot-failed", error: String(error && error.stack || error) }));

self.onmessage = async (event) => {
  const { id, fn, args } = event.data;
  await booting;
  if (glue === null) {
    self.postMessage({ id, ok: false, fatal: true, error: "Python did not start" });
    return;
  }
  try {
    self.postMessage({ id, ok: true, json: glue[fn](...args) });
  } catch (error) {
    // The glue catches every Python error itself; what gets here is the interpreter dying
    // (e.g. the WebAssembly stack overflowing) or a bug in the glue.
    self.postMessage({ id, ok: false, fatal: isDead(), error: String(error && error.message || error) });
  }
};
