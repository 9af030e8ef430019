"""make bench (part 2): the browser playground's size and time to ready, in headless chromium.

    python bench/site.py [--loads 3] [--screenshots DIR] [--depth]

Builds the site (tools/build_site.py) into a temporary folder, serves it on 127.0.0.1 only
and opens it in headless chromium with a fresh profile each time (a learner's first visit):

* size of the site, raw and gzipped, by part (Pyodide, Graphviz, wheels, page);
* time to ready: from navigation to ``#status`` reading "ready" (the default example run and
  drawn), median over ``--loads``, split into Pyodide's start, the import of autograd_lite,
  and the first run; then the time of a Run of each example (run + draw);
* ``--screenshots DIR``: PNGs of the page when ready, after a Run and after a wrong answer;
* ``--depth``: the deepest chain the page's interpreter can free (recursively, as CPython
  does) before WebAssembly's stack overflows, found by bisection, plain and after
  ``backward(create_graph=True)``: the measurement behind playground.MAX_DEPTH.

Without npm or chromium it says so in one line and exits 0. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "web")]
import chromium  # noqa: E402  (tools/chromium.py)
import playground  # noqa: E402  (web/playground.py)

READY = ("(s => s.textContent.startsWith('ready') && s.dataset.state !== 'running'"
         " ? Number(s.dataset.runs) : 0)(document.getElementById('status'))")
TARGET_READY_S = 4.0


def sizes(site: Path) -> None:
    parts: dict[str, list[int]] = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            part = path.relative_to(site).parts[0] if path.parent != site else "page"
            content = path.read_bytes()
            entry = parts.setdefault(part, [0, 0])
            entry[0] += len(content)
            entry[1] += len(gzip.compress(content, compresslevel=6))
    total = [sum(v[0] for v in parts.values()), sum(v[1] for v in parts.values())]
    print(f"   {'part':<10}{'MB':>8}{'MB gzipped':>13}")
    for part, (raw, packed) in [*sorted(parts.items(), key=lambda kv: -kv[1][0]),
                                ("total", total)]:
        print(f"   {part:<10}{raw / 1e6:>8.2f}{packed / 1e6:>13.2f}")


def run_code(page: chromium.Page, code: str) -> float:
    runs = page.eval(READY)
    started = time.perf_counter()
    page.eval(f"document.getElementById('editor').value = {json.dumps(code)};"
              "document.getElementById('run').click()")
    page.wait_for(f"({READY}) > {runs}", timeout=120, poll=0.01)
    return time.perf_counter() - started


def load(page: chromium.Page, url: str) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for(READY, timeout=120, poll=0.01)
    return time.perf_counter() - started


def time_to_ready(url: str, loads: int) -> None:
    ready, again, parts = [], [], []
    for _ in range(loads):
        with chromium.Browser() as browser:
            page = browser.open()
            ready.append(load(page, url))       # a first visit: empty caches
            parts.append(page.eval("window.playgroundTimings"))
            again.append(load(page, url))       # a later visit: the browser's caches
    t = statistics.median(ready)
    print(f"   time to ready (navigation to 'ready', default example drawn): median {t:.2f} s "
          f"over {loads} first visits (min {min(ready):.2f}, max {max(ready):.2f}); "
          f"target < {TARGET_READY_S:.0f} s: {'met' if t < TARGET_READY_S else 'NOT met'}")
    print(f"   a later visit (cached files and compiled WebAssembly): median "
          f"{statistics.median(again):.2f} s")
    med = {k: statistics.median(p[k] for p in parts)
           for k in ("pyodide_ms", "import_ms", "first_run_ms")}
    print(f"   of which: Pyodide + Graphviz start {med['pyodide_ms'] / 1e3:.2f} s, wheels + "
          f"import {med['import_ms'] / 1e3:.2f} s, first run (Python side) "
          f"{med['first_run_ms']:.0f} ms")
    with chromium.Browser() as browser:
        page = browser.open(url)
        page.wait_for(READY, timeout=120)
        for example in sorted((ROOT / "web" / "examples").glob("*.py")):
            code = example.read_text()
            times = [run_code(page, code) for _ in range(3)]
            result = page.eval("document.getElementById('status').textContent")
            print(f"   Run {example.stem:<12} {statistics.median(times) * 1e3:6.0f} ms "
                  f"(run + draw + transcript + first frame)   [{result}]")


def screenshots(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with chromium.Browser(width=1280, height=900) as browser:
        page = browser.open(url)
        page.wait_for(READY, timeout=120)
        (out / "1-ready.png").write_bytes(page.screenshot())
        code = (ROOT / "web" / "examples" / "two_neurons.py").read_text()
        run_code(page, code.replace("Value(1.5, ", "Value(0.5, "))
        page.eval("document.getElementById('step').click()")
        page.wait_for("document.getElementById('frame').dataset.k === '1'")
        (out / "2-after-run.png").write_bytes(page.screenshot())
        page.eval("(i => { i.value = '-0.5'; })(document.querySelector('#answers input'));"
                  "document.getElementById('check').click()")
        time.sleep(1.0)
        (out / "3-after-answer.png").write_bytes(page.screenshot())
        page.eval("document.getElementById('practise').click()")
        page.wait_for(f"({READY}) > 2")
        (out / "4-practise.png").write_bytes(page.screenshot())
    print(f"   screenshots in {out}")


CHAIN = ("from autograd_lite import Value\nimport gc\nx = Value(1.0)\ny = x\n"
         "for _ in range({n}): y = y * 1.0001\n{extra}y = None\ngc.collect()\n")
# After backward(create_graph=True) every .grad is a graph that refers back to the nodes:
# zero_grad() breaks those cycles (then freeing is recursive again), or the cyclic garbage
# collector frees them (piece by piece).
SCENARIOS = (
    ("a plain chain", ""),
    ("after create_graph and zero_grad()", "y.backward(create_graph=True)\ny.zero_grad()\n"),
    ("after create_graph, left to gc", "y.backward(create_graph=True)\nx = None\n"),
)


def crashes(page: chromium.Page, n: int, extra: str) -> bool:
    """Whether freeing an ``n``-deep chain inside the learner's code kills the interpreter."""
    run_code(page, CHAIN.format(n=n, extra=extra))
    text: str = page.eval("document.getElementById('status').textContent")
    return text.startswith("ready: Python was restarted")


def depth_limit(url: str) -> None:
    with chromium.Browser() as browser:
        page = browser.open(url)
        page.wait_for(READY, timeout=120)
        for name, extra in SCENARIOS:
            lo, hi = 200, 8000  # lo frees fine, hi overflows (checked first)
            if crashes(page, lo, extra) or not crashes(page, hi, extra):
                print(f"   {name}: no overflow between {lo} and {hi}")
                continue
            while hi - lo > 50:
                mid = (lo + hi) // 2
                lo, hi = (lo, mid) if crashes(page, mid, extra) else (mid, hi)
            print(f"   {name}: freeing a chain of {lo} nodes works, {hi} overflows the stack")
    print(f"   the page refuses graphs deeper than playground.MAX_DEPTH = "
          f"{playground.MAX_DEPTH} ops")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3,
                        help="first visits to time (0: none)")
    parser.add_argument("--screenshots", type=Path, help="write PNGs of the page here")
    parser.add_argument("--depth", action="store_true", help="measure the stack limit")
    args = parser.parse_args()
    print("\nbrowser playground (make site), in headless chromium")
    missing = [name for name, found in (("npm", shutil.which("npm")),
                                        ("chromium", chromium.find_chromium())) if not found]
    if missing:
        print(f"   skipped: no {' and no '.join(missing)} (make site installs npm; "
              f"make browser installs chromium)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build = subprocess.run([sys.executable, str(ROOT / "tools" / "build_site.py"),
                                "--out", str(site)], capture_output=True, text=True,
                               check=False)
        if build.returncode != 0:
            print(f"   skipped: the site did not build:\n{build.stderr[-1500:]}")
            return 1
        sizes(site)
        with chromium.serve(site) as served:
            if args.loads > 0:
                time_to_ready(served.url, args.loads)
            if args.screenshots:
                screenshots(served.url, args.screenshots)
            if args.depth:
                depth_limit(served.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
