"""Without graphviz's ``dot`` program: one clear line on how to install it, and the DOT
source is still saved. PATH is pointed at an empty directory so ``dot`` cannot be found."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.viz import (
    GraphvizNotFound,
    backward_steps,
    dot_available,
    draw_dot,
    save,
    save_example_graph,
    to_svg,
)


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert not dot_available()
    return tmp_path


def graph() -> tuple[Value, object]:
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    return y, draw_dot(y)


def one_clear_line(message: str) -> None:
    assert "\n" not in message
    assert "sudo apt-get install graphviz" in message and "brew install graphviz" in message


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_save_raises_one_line_and_keeps_the_dot_source(no_dot: Path, suffix: str) -> None:
    _, g = graph()
    with pytest.raises(GraphvizNotFound) as err:
        save(g, no_dot / f"out/graph{suffix}")
    one_clear_line(str(err.value))
    source = (no_dot / "out" / "graph.dot").read_text()
    assert source == g.source and "grad 6" in source       # dy/dx = 2x = 6
    assert not (no_dot / "out" / f"graph{suffix}").exists()


def test_digraph_render_and_pipe(no_dot: Path) -> None:
    _, g = graph()
    with pytest.raises(GraphvizNotFound) as err:
        g.render(no_dot / "r", format="svg")
    one_clear_line(str(err.value))
    assert (no_dot / "r").read_text() == g.source
    with pytest.raises(GraphvizNotFound):
        g.pipe(format="svg")
    with pytest.raises(GraphvizNotFound):
        to_svg(g)


def test_jupyter_display_warns_once_and_shows_the_source(no_dot: Path) -> None:
    _, g = graph()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bundle = g._repr_mimebundle_()
    assert bundle == {"text/plain": g.source}
    assert len(caught) == 1
    one_clear_line(str(caught[0].message))


def test_player_and_example_keep_the_dot_source(no_dot: Path) -> None:
    y, _ = graph()
    with pytest.raises(GraphvizNotFound) as err:
        backward_steps(y).save_html(no_dot / "player.html")
    one_clear_line(str(err.value))
    assert "digraph" in (no_dot / "player.dot").read_text()
    with pytest.raises(GraphvizNotFound):
        save_example_graph(no_dot / "ex")
    assert "tanh" in (no_dot / "ex" / "graph.dot").read_text()


def test_dot_source_needs_no_binary(no_dot: Path) -> None:
    _, g = graph()
    assert save(g, no_dot / "only.dot").read_text() == g.source
