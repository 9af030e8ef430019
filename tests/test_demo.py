"""make demo: it finishes with and without graphviz's dot, says what it wrote and what to
open first, and without dot says in one line per picture what was skipped and how to get it.

The demo runs as make runs it, in a child process with a scratch output directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ["decision_boundary.png", "loss.png", "grad_norms.png"]
GRAPHS = ["neuron_backward.html", "neuron.svg", "graph.svg", "mlp_one_sample.svg"]

pytestmark = pytest.mark.needs_module("matplotlib")


def run_demo(tmp_path: Path, path: str) -> tuple[str, Path]:
    stdout, out, _ = run_demo_with_stderr(tmp_path, path)
    return stdout, out


def run_demo_with_stderr(tmp_path: Path, path: str) -> tuple[str, Path, str]:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "demo.py"), str(out)],
                            capture_output=True, text=True, env={**os.environ, "PATH": path},
                            cwd=tmp_path, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result.stdout, out, result.stderr


def index_links(out: Path) -> set[str]:
    page = (out / "index.html").read_text()
    return set(re.findall(r'(?:src|href)="([^"]+)"', page))


def test_without_dot_the_demo_finishes_and_says_what_it_skipped(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()                                  # a PATH on which no dot can be found
    stdout, out, stderr = run_demo_with_stderr(tmp_path, str(empty))
    # What the demo says about training agrees with its progress bar: as many epochs on
    # the bar as steps in the text, and the accuracy said as a percentage.
    said = re.search(r"reached 100 % training accuracy after (\d+) steps", stdout)
    assert said, stdout
    bar = stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert f" {said[1]}/100 " in bar and "acc=100.0%" in bar, bar
    skipped = [line for line in stdout.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == len(GRAPHS), stdout     # one line per picture, each on its own
    for name, line in zip(GRAPHS, skipped):
        assert f"skipped {out / name}:" in line and "apt-get install graphviz" in line
        source = out / Path(name).with_suffix(".dot").name
        assert f"DOT source saved: {source}" in line
        assert re.match(r"\s*(strict\s+)?digraph\b", source.read_text()), source
    for name in GRAPHS:
        assert not (out / name).exists()
    for name in PLOTS:
        assert (out / name).read_bytes().startswith(PNG_MAGIC)
        assert f"wrote {out / name}" in stdout
    assert index_links(out) == {*PLOTS, *(Path(n).with_suffix(".dot").name for n in GRAPHS)}
    assert stdout.splitlines()[-1].startswith(f"open first: {out / 'index.html'}")


@pytest.mark.needs_program("dot")
def test_with_dot_every_picture_is_drawn_and_on_the_index_page(tmp_path: Path) -> None:
    stdout, out = run_demo(tmp_path, os.environ["PATH"])
    assert "skipped" not in stdout
    for name in [*PLOTS, "graph.png"]:
        assert (out / name).read_bytes().startswith(PNG_MAGIC), name
    for name in ["neuron.svg", "graph.svg", "mlp_one_sample.svg"]:
        assert ET.parse(out / name).getroot().tag.endswith("svg"), name
    assert (out / "neuron_backward.html").read_text().count("<svg") > 1  # one per frame
    links = index_links(out)
    assert {*PLOTS, *GRAPHS, "graph.png"} <= links
    assert all((out / link).exists() for link in links), links
    assert stdout.splitlines()[-1].startswith(f"open first: {out / 'index.html'}")
