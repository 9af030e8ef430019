"""Plot helpers: files are written, the pictures hold the data given, Jupyter displays them
(without pyplot), matplotlib loads on first use, a missing matplotlib gives a clear error."""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from autograd_lite.datasets import make_moons
from autograd_lite.nn import (
    MLP,
    SGD,
    History,
    decision_grid,
    fit,
    hinge,
    plot_decision_boundary,
    plot_grad_norms,
    plot_history,
)

pytestmark = pytest.mark.needs_module("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (read by hand, PNG spec section 11.2.2)."""
    assert png.startswith(PNG_MAGIC) and png[12:16] == b"IHDR"
    assert zlib.crc32(png[12:29]) == int.from_bytes(png[29:33], "big")  # the chunk's CRC
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.mark.needs_module("IPython")
def test_jupyter_displays_each_figure_as_a_png_without_pyplot() -> None:
    # IPython's own formatter, as a fresh kernel uses it: a plain matplotlib Figure made
    # without pyplot gets only text/plain there ("<Figure size 500x450 with 1 Axes>").
    from IPython.core.formatters import DisplayFormatter
    from matplotlib.figure import Figure

    formatter = DisplayFormatter()
    assert "image/png" not in formatter.format(Figure())[0]  # what the bug looked like
    X, y = make_moons(20, seed=0)
    figures = [plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0])),
               plot_grad_norms(History(loss=[1.0], grad_norms=[[0.1, 2.0]],
                                       layer_names=["layers.0", "layers.1"])),
               plot_decision_boundary(MLP(2, [4, 1], seed=0), X, y, resolution=10)]
    for fig in figures:
        data, _ = formatter.format(fig)
        assert set(data) == {"text/plain", "image/png"}, set(data)  # one picture
        width, height = fig.get_size_inches() * 100            # saved at 100 dpi
        assert png_size(data["image/png"]) == (round(width), round(height))


def test_matplotlib_loads_on_first_use_not_on_import() -> None:
    code = ("import sys, autograd_lite, autograd_lite.nn, autograd_lite.nn.plot\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
            "autograd_lite.nn.plot_history(autograd_lite.nn.History(loss=[1.0]))\n"
            "print('matplotlib.pyplot' in sys.modules, 'matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:2] == ["[]", "False True"], out  # loaded when plotting, and never pyplot


def test_plot_history_draws_the_recorded_curves(tmp_path: Path) -> None:
    history = History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0],
                      val_loss=[0.6, 0.3, 0.2])
    fig = plot_history(history, tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes().startswith(PNG_MAGIC)
    loss_ax, acc_ax = fig.axes
    assert list(loss_ax.get_lines()[0].get_ydata()) == history.loss
    assert list(loss_ax.get_lines()[1].get_ydata()) == history.val_loss
    assert list(acc_ax.get_lines()[0].get_ydata()) == history.accuracy
    assert loss_ax.get_yscale() == "log"
    assert len(plot_history(History(loss=[1.0, -1.0], accuracy=[None, None])).axes) == 1


def test_plot_history_marks_the_returned_model_of_a_run_stopped_at_target() -> None:
    # The axis counts steps made: the loss recorded before update k sits at k - 1, and the
    # returned model, measured after the last of n steps, at n (not n + 1).
    history = History(loss=[1.0, 0.5], accuracy=[0.5, 0.9], epoch_loss=[1.0, 0.5, 0.2],
                      epoch_accuracy=[0.5, 0.9, 1.0], epoch_steps=[1, 2, 2],
                      stopped_on_forward=True,
                      stop_reason="reached 100 % training accuracy after 2 steps")
    loss_ax, acc_ax = plot_history(history).axes
    assert list(loss_ax.get_lines()[0].get_xdata()) == [0, 1]
    marker = loss_ax.get_lines()[-1]
    assert (list(marker.get_xdata()), list(marker.get_ydata())) == ([2], [0.2])
    assert list(acc_ax.get_lines()[-1].get_xdata()) == [2]
    assert list(acc_ax.get_lines()[-1].get_ydata()) == [1.0]
    labels = [t.get_text() for t in acc_ax.get_legend().get_texts()]
    assert labels == ["training (per step)", "returned model"]
    plain = plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 0.9]))
    assert len(plain.axes[1].get_lines()) == 1  # no stop at a target: nothing extra
    assert [t.get_text() for t in plain.axes[1].get_legend().get_texts()] == [
        "training (per step)"]


def test_plot_history_of_a_real_run_ends_where_the_run_ends() -> None:
    # A run of n full-batch steps stopped at its target: the star sits at n on both panels;
    # validation points sit where their epochs ended (after 1, 2, ... n steps).
    X, y = make_moons(40, noise=0.1, seed=0)
    Xv, yv = make_moons(20, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, hinge, SGD(model.parameters(), lr=0.1, momentum=0.9), (X, y),
                  epochs=200, target_accuracy=0.95, validation=(Xv, yv), progress=False)
    n = history.steps
    assert history.stopped_on_forward and 0 < n < 200
    loss_ax, acc_ax = plot_history(history).axes
    for ax in (loss_ax, acc_ax):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert list(lines["training (per step)"].get_xdata()) == list(range(n))
        assert list(lines["returned model"].get_xdata()) == [n]
        assert list(lines["validation (per epoch)"].get_xdata()) == [*range(1, n + 1), n]
    assert list(acc_ax.get_lines()[-1].get_ydata()) == [history.epoch_accuracy[-1]]
    assert history.epoch_accuracy[-1] >= 0.95


def test_plot_grad_norms_one_line_per_layer(tmp_path: Path) -> None:
    history = History(loss=[1.0, 1.0], grad_norms=[[0.1, 1.0], [0.2, 2.0]],
                      layer_names=["layers.0", "layers.1"])
    fig = plot_grad_norms(history, tmp_path / "g.png")
    lines = fig.axes[0].get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[0.1, 0.2], [1.0, 2.0]]
    assert (tmp_path / "g.png").read_bytes().startswith(PNG_MAGIC)


def test_decision_boundary_colours_the_predicted_class(tmp_path: Path) -> None:
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    fig = plot_decision_boundary(model, X, y, tmp_path / "b.png", resolution=12)
    assert (tmp_path / "b.png").read_bytes().startswith(PNG_MAGIC)
    ax = fig.axes[0]
    scattered = ax.collections[-1].get_offsets()
    assert [list(map(float, p)) for p in scattered] == X
    xs, ys, classes = decision_grid(model, X, resolution=7, margin=0.5)
    assert xs[0] == min(x[0] for x in X) - 0.5 and ys[-1] == pytest.approx(
        max(x[1] for x in X) + 0.5)
    for row, b in zip(classes, ys):
        for c, a in zip(row, xs):
            assert c == (1.0 if model([a, b]).data > 0 else -1.0)
    assert model.training                      # the mode is restored as it was
    model.eval()
    decision_grid(model, X, resolution=3)
    assert not model.training
    with pytest.raises(ValueError, match="2-D"):
        plot_decision_boundary(model, [[1.0, 2.0, 3.0]], [1])


def test_decision_grid_uses_argmax_for_several_scores() -> None:
    X, _ = make_moons(10, seed=0)
    model = MLP(2, [3, 3], seed=1)
    xs, ys, classes = decision_grid(model, X, resolution=5)
    for row, b in zip(classes, ys):
        for c, a in zip(row, xs):
            scores = [v.data for v in model([a, b])]
            assert c == scores.index(max(scores))


def test_missing_matplotlib_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_history(History(loss=[1.0]))


def _pixel(fig: Any, x: float, y: float) -> tuple[int, int, int]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    width, height = canvas.get_width_height()
    rgba = bytes(canvas.buffer_rgba())
    px, py = fig.axes[0].transData.transform((x, y))
    row, col = height - 1 - round(float(py)), round(float(px))
    i = 4 * (row * width + col)
    return rgba[i], rgba[i + 1], rgba[i + 2]


def _far(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return sum(abs(u - v) for u, v in zip(a, b)) > 60


def test_three_classes_get_three_distinct_colours_none_white() -> None:
    def thirds(p: list[float]) -> list[float]:     # class 0 left, 1 middle, 2 right
        k = 0 if p[0] < -0.4 else 1 if p[0] < 0.4 else 2
        return [1.0 if i == k else 0.0 for i in range(3)]

    X, y = [[-1.0, -1.0], [0.0, -1.0], [1.0, 1.0]], [0, 1, 2]
    fig = plot_decision_boundary(thirds, X, y, resolution=41)
    colours = [_pixel(fig, x, 0.2) for x in (-0.8, 0.0, 0.8)]
    white = (255, 255, 255)
    assert all(_far(c, white) for c in colours), colours
    assert _far(colours[0], colours[1]) and _far(colours[1], colours[2]) \
        and _far(colours[0], colours[2]), colours


def test_two_classes_keep_blue_and_red() -> None:
    def sign(p: list[float]) -> list[float]:
        return [p[0]]

    fig = plot_decision_boundary(sign, [[-1.0, -1.0], [1.0, 1.0]], [-1, 1], resolution=21)
    (r0, _, b0), (r1, _, b1) = _pixel(fig, -0.6, 0.2), _pixel(fig, 0.6, 0.2)
    assert b0 > r0 + 20 and r1 > b1 + 20               # negative blue, positive red
