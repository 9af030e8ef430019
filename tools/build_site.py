"""Build the browser playground: a static site that runs autograd_lite offline.

    python tools/build_site.py [--out site]          (what ``make site`` runs)

Puts into ``site/`` (build output, git-ignored):

* the page (``web/index.html``, ``app.js``, ``worker.mjs``, ``style.css``) and its Python
  glue (``web/playground.py``);
* the Pyodide runtime (npm ``pyodide``) and the WebAssembly Graphviz (npm ``@viz-js/viz``),
  at the exact versions pinned in ``web/package.json`` and ``web/package-lock.json``
  (installed with ``npm ci`` into ``web/node_modules``);
* the project's own wheel, built from this checkout with pip, and the pure-Python wheels of
  the package's required dependencies (today graphviz's, which writes the DOT text);
* ``manifest.json``: the wheels, the examples (``web/examples/*.py``) and versions.

No file is fetched from anywhere but this site at run time, so the folder can be served by
any static web server, or opened with ``python -m http.server -d site``.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
NODE_MODULES = WEB / "node_modules"
CACHE = ROOT / "build" / "site-cache"   # downloaded dependency wheels, kept between builds

PAGE_FILES = ("index.html", "app.js", "worker.mjs", "style.css", "playground.py")
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
VIZ_FILE = Path("@viz-js", "viz", "dist", "viz.js")

# The examples menu, in order: (name used by ?example=NAME, title, file in web/examples).
EXAMPLES = (
    ("neuron", "Lecture neuron: o = tanh(x1*w1 + x2*w2 + b)", "neuron.py"),
    ("two_neurons", "Two sigmoid neurons and a squared error (notebook 03)", "two_neurons.py"),
    ("mlp", "One sample through a small MLP", "mlp.py"),
    ("fan_out", "Fan-out: b = a + a", "fan_out.py"),
)


class BuildError(RuntimeError):
    """A step of the build failed; the message says which and what to do."""


def say(message: str) -> None:
    print(f"build_site: {message}", flush=True)


def npm_install() -> None:
    """``npm ci`` in web/ when node_modules does not match package-lock.json."""
    lock = (WEB / "package-lock.json").read_bytes()
    stamp = NODE_MODULES / ".autograd-lite-lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm not found: install Node.js and npm ('sudo apt-get install npm' "
                         "on Debian/Ubuntu), or run 'make site', which installs it when it can")
    say("npm ci (pyodide and @viz-js/viz, as pinned in web/package-lock.json)")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                            cwd=WEB, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"npm ci failed in web/:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    stamp.write_text(digest + "\n")


def pinned_versions() -> dict[str, str]:
    """The npm packages' versions: pinned exactly in package.json, installed likewise."""
    wanted = json.loads((WEB / "package.json").read_text())["dependencies"]
    found = {}
    for name, version in wanted.items():
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise BuildError(f"web/package.json: pin {name} to an exact version, not {version!r}")
        installed = json.loads((NODE_MODULES / name / "package.json").read_text())["version"]
        if installed != version:
            raise BuildError(f"web/node_modules has {name} {installed}, package.json pins "
                             f"{version}: delete web/node_modules and build again")
        found[name] = version
    return found


def build_wheel(into: Path) -> Path:
    """The project's own wheel, built from this checkout."""
    say("pip wheel . (the project's own wheel)")
    # setuptools reuses build/lib: a module deleted since the last build would stay in it.
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                             "-w", str(into), str(ROOT)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"pip wheel failed:\n{result.stderr[-3000:]}")
    wheels = sorted(into.glob("autograd_lite-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"pip wheel made {[w.name for w in wheels]}, expected one wheel")
    return wheels[0]


def required(wheel: Path) -> list[tuple[str, str]]:
    """The wheel's required dependencies (no extras) as (name, version installed here)."""
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(meta).decode("utf-8")
    names = [re.split(r"[\s<>=!~;\[(]", line.split(":", 1)[1].strip())[0]
             for line in text.splitlines()
             if line.startswith("Requires-Dist:") and "extra ==" not in line]
    try:
        return [(name, metadata.version(name)) for name in names]
    except metadata.PackageNotFoundError as exc:
        raise BuildError(f"{exc.name} is not installed in {sys.executable}: run the build "
                         f"from the project's .venv (make site)") from None


def dependency_wheel(name: str, version: str) -> Path:
    """A pure-Python wheel of ``name==version`` (pip download, cached in build/)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    cached = sorted(CACHE.glob(pattern))
    if not cached:
        say(f"pip download {name}=={version} (pure-Python wheel)")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--platform", "any", "--python-version", "3.12", "-q", "-d", str(CACHE),
             f"{name}=={version}"],
            capture_output=True, text=True, check=False)
        cached = sorted(CACHE.glob(pattern))
        if result.returncode != 0 or not cached:
            raise BuildError(f"pip download {name}=={version} failed:\n{result.stderr[-2000:]}")
    wheel = cached[-1]
    if not wheel.name.endswith("-none-any.whl"):
        raise BuildError(f"{wheel.name} is not a pure-Python wheel; Pyodide cannot load it")
    return wheel


def max_depth() -> int:
    """playground.MAX_DEPTH, read without importing the glue."""
    tree = ast.parse((WEB / "playground.py").read_text())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MAX_DEPTH"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int)):
            return node.value.value
    raise BuildError("web/playground.py defines no MAX_DEPTH")


def build(out: Path) -> dict[str, object]:
    """Build the site into ``out`` (replacing a previous build there)."""
    started = time.perf_counter()
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.json").exists():
            raise BuildError(f"{out} exists and is not a site built here; not replacing it")
        shutil.rmtree(out)
    npm_install()
    versions = pinned_versions()
    with tempfile.TemporaryDirectory() as tmp:
        own = build_wheel(Path(tmp))
        deps = [dependency_wheel(name, version) for name, version in required(own)]
        (out / "wheels").mkdir(parents=True)
        wheels = []
        for wheel in (own, *deps):
            shutil.copy2(wheel, out / "wheels" / wheel.name)
            wheels.append(wheel.name)
    for name in PAGE_FILES:
        shutil.copy2(WEB / name, out / name)
    (out / "pyodide").mkdir()
    for name in PYODIDE_FILES:
        shutil.copy2(NODE_MODULES / "pyodide" / name, out / "pyodide" / name)
    (out / "viz").mkdir()
    shutil.copy2(NODE_MODULES / VIZ_FILE, out / "viz" / "viz.js")
    licences = {name: json.loads((NODE_MODULES / name / "package.json").read_text())
                .get("license", "?") for name in versions}
    manifest = {
        "version": _wheel_version(own.name),
        "wheels": wheels,
        "max_depth": max_depth(),
        "npm": versions,
        "examples": [{"name": name, "title": title,
                      "code": (WEB / "examples" / file).read_text(encoding="utf-8")}
                     for name, title, file in EXAMPLES],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (out / "NOTICE.txt").write_text(
        "The autograd_lite playground. Built from:\n"
        + "".join(f"- npm {name} {version} (licence {licences[name]})\n"
                  for name, version in versions.items())
        + "".join(f"- {w}\n" for w in wheels)
        + "viz.js contains Graphviz (EPL-1.0) and Expat (MIT) in object code form.\n",
        encoding="utf-8")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    say(f"built {out} ({size / 1e6:.1f} MB, {len(list(out.rglob('*')))} files) in "
        f"{time.perf_counter() - started:.1f} s; open it with: python -m http.server -d {out}")
    return manifest


def _wheel_version(name: str) -> str:
    """``autograd_lite-0.1.0-py3-none-any.whl`` -> ``0.1.0``."""
    return name.split("-")[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site",
                        help="where to build the site (default: site/)")
    args = parser.parse_args(argv)
    try:
        build(args.out.resolve())
    except BuildError as exc:
        print(f"build_site: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
