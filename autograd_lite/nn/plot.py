"""Pictures of training (needs matplotlib: ``pip install 'autograd-lite[train]'``).

Each helper returns a matplotlib ``Figure`` and saves it to ``path`` if given. Figures are
made without pyplot, so no GUI backend is needed and nothing is kept in pyplot's global list
of open figures; Jupyter shows them inline all the same, because they render themselves as
PNG (``_repr_png_``). matplotlib is imported on first use, not with the package.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core import Value, no_grad
from .modules import Module
from .train import History

__all__ = ["decision_grid", "plot_decision_boundary", "plot_grad_norms", "plot_history"]


# matplotlib's tab10 palette: distinct colours, none of them white or grey-on-white.
_QUALITATIVE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#bcbd22", "#17becf", "#7f7f7f"]


_FIGURE_CLASSES: dict[type, type] = {}  # matplotlib's Figure -> our subclass of it


def _figure_class() -> Any:
    """matplotlib's ``Figure`` plus ``_repr_png_``, made on first use (so importing this
    module does not import matplotlib)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("autograd_lite.nn.plot needs matplotlib: pip install matplotlib "
                          "(or pip install 'autograd-lite[train]')") from None
    if Figure in _FIGURE_CLASSES:
        return _FIGURE_CLASSES[Figure]

    class TrainingFigure(Figure):
        """A ``Figure`` that Jupyter displays as a PNG. Without pyplot, IPython sets up its
        display of figures only once pyplot is imported, so a plain Figure would show as
        ``<Figure size ... with 1 Axes>``; with pyplot imported, IPython's own display
        (registered for every Figure) is used instead, still one picture."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    TrainingFigure.__module__ = __name__
    _FIGURE_CLASSES[Figure] = TrainingFigure
    return TrainingFigure


def _figure(ncols: int = 1, size: tuple[float, float] = (6.0, 4.0)) -> tuple[Any, list[Any]]:
    fig = _figure_class()(figsize=(size[0] * ncols, size[1]), layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def _finish(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def _epoch_ends(history: History, count: int) -> list[float]:
    # Where each epoch ended on the axis of steps made (as recorded; else spread evenly).
    if len(history.epoch_steps) >= count:
        return [float(k) for k in history.epoch_steps[:count]]
    per_epoch = history.steps / count if count else 0.0
    return [per_epoch * (i + 1) for i in range(count)]


def plot_history(history: History, path: str | Path | None = None) -> Any:
    """Loss per step (log scale) and, if measured, accuracy per step, side by side.

    The horizontal axis counts the steps (updates) made: the loss recorded for step k was
    measured before its update, so it sits at k - 1, and the curves start at 0, the
    initial model. Validation numbers sit where their epoch ended. A run stopped by
    ``target_accuracy`` measured the returned model after its last step: a star at
    ``history.steps`` marks it (a 45-step run ends at 45).

    >>> fig = plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 1.0]))
    >>> [ax.get_title() for ax in fig.axes]
    ['loss', 'accuracy']
    >>> [line.get_label() for line in fig.axes[1].get_lines()]
    ['training (per step)']
    """
    has_acc = any(a is not None for a in [*history.accuracy, *history.val_accuracy])
    fig, axes = _figure(2 if has_acc else 1)
    made = range(history.steps)  # steps made before each recorded measurement
    xlabel = "steps made"
    axes[0].plot(made, history.loss, label="training (per step)")
    if history.val_loss:
        axes[0].plot(_epoch_ends(history, len(history.val_loss)), history.val_loss,
                     label="validation (per epoch)")
    # A run stopped right after a forward pass measured its returned model after the last
    # step: show that measurement too, or the curves would end one update short of it.
    final = (history.stopped_on_forward and history.epoch_loss
             and history.epoch_accuracy and history.epoch_accuracy[-1] is not None)
    if history.stopped_on_forward and history.epoch_loss:
        axes[0].plot([history.steps], [history.epoch_loss[-1]], "*", markersize=10,
                     label="returned model")
    if all(v > 0 for v in history.loss):
        axes[0].set_yscale("log")
    axes[0].set(title="loss", xlabel=xlabel)
    axes[0].legend()
    if has_acc:
        axes[1].plot(made, [a if a is not None else float("nan") for a in history.accuracy],
                     label="training (per step)")
        if any(a is not None for a in history.val_accuracy):
            axes[1].plot(_epoch_ends(history, len(history.val_accuracy)),
                         [a if a is not None else float("nan") for a in history.val_accuracy],
                         label="validation (per epoch)")
        if final:
            axes[1].plot([history.steps], [history.epoch_accuracy[-1]], "*",
                         markersize=10, label="returned model")
        axes[1].legend(loc="lower right")
        axes[1].set(title="accuracy", xlabel=xlabel, ylim=(0, 1.05))
    return _finish(fig, path)


def plot_grad_norms(history: History, path: str | Path | None = None) -> Any:
    """Euclidean norm of each layer's gradient per step (log scale): vanishing gradients
    show as early layers far below the last, exploding ones as a climb. As in
    :func:`plot_history`, the axis counts the steps made before each gradient was taken.

    >>> fig = plot_grad_norms(History(loss=[1.0], grad_norms=[[0.1, 2.0]],
    ...                               layer_names=["layers.0", "layers.1"]))
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['layers.0', 'layers.1']
    """
    fig, axes = _figure()
    ax = axes[0]
    made = range(len(history.grad_norms))
    for j, name in enumerate(history.layer_names):
        ax.plot(made, [norms[j] for norms in history.grad_norms], label=name)
    if history.grad_norms and all(v > 0 for norms in history.grad_norms for v in norms):
        ax.set_yscale("log")
    ax.set(title="gradient norm per layer", xlabel="steps made")
    if len(history.layer_names) > 4:  # many lines: keep the legend off them, on the right
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    else:
        ax.legend()
    return _finish(fig, path)


def _score(out: Any) -> list[float]:
    if isinstance(out, Value):
        return [out.data]
    return [v.data if isinstance(v, Value) else float(v) for v in out]


def decision_grid(model: Any, X: Sequence[Sequence[float]], resolution: int = 60,
                  margin: float = 0.25) -> tuple[list[float], list[float], list[list[float]]]:
    """The class ``model`` predicts on a ``resolution`` x ``resolution`` grid covering the
    2-D points ``X`` (plus ``margin``): ``(xs, ys, classes)`` with ``classes[row][col]`` for
    the point ``(xs[col], ys[row])``. One score: its sign (-1 or +1); several: the index of
    the largest. Computed in evaluation mode without building a graph.

    >>> from autograd_lite.nn import MLP
    >>> xs, ys, classes = decision_grid(MLP(2, [1], seed=0), [[0.0, 0.0], [1.0, 1.0]], 3)
    >>> xs, len(classes), sorted({c for row in classes for c in row}) <= [-1.0, 1.0]
    ([-0.25, 0.5, 1.25], 3, True)
    """
    if not X or any(len(x) != 2 for x in X):
        raise ValueError("plot_decision_boundary: needs 2-D points [x1, x2]")
    if resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be >= 2, got {resolution}")
    px, py = [x[0] for x in X], [x[1] for x in X]
    x0, x1 = min(px) - margin, max(px) + margin
    y0, y1 = min(py) - margin, max(py) + margin
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    was_training = isinstance(model, Module) and model.training
    if isinstance(model, Module):
        model.eval()
    try:
        with no_grad():
            grid = [[_classify(_score(model([a, b]))) for a in gx] for b in gy]
    finally:
        if was_training:
            model.train()
    return gx, gy, grid


def plot_decision_boundary(model: Any, X: Sequence[Sequence[float]], y: Sequence[Any],
                           path: str | Path | None = None, resolution: int = 60,
                           margin: float = 0.25) -> Any:
    """Colour the plane by the class ``model`` predicts (see :func:`decision_grid`) and
    scatter the data ``(X, y)`` on top. Two classes are blue and red; with more (labels
    0, 1, 2, ...) each class gets its own colour from a qualitative palette (tab10).

    >>> from autograd_lite.nn import MLP
    >>> fig = plot_decision_boundary(MLP(2, [4, 1], seed=0), [[0.0, 0.0], [1.0, 1.0]], [-1, 1],
    ...                              resolution=10)
    >>> fig.axes[0].get_title()
    'decision boundary'
    """
    gx, gy, grid = decision_grid(model, X, resolution, margin)
    fig, axes = _figure(size=(5.0, 4.5))
    ax = axes[0]
    labels = [float(v) for v in y]
    classes = sorted({c for row in grid for c in row} | set(labels))
    if len(classes) <= 2 and all(c in (-1.0, 0.0, 1.0) for c in classes):
        # Two classes (-1/+1 or 0/1): blue and red, as micrograd's demo draws them.
        ax.contourf(gx, gy, grid, alpha=0.35, cmap="coolwarm")
        ax.scatter([x[0] for x in X], [x[1] for x in X], c=labels, cmap="coolwarm",
                   edgecolors="k", s=25)
    else:
        # More classes: one distinct colour each (a diverging map would make the middle
        # class white). Class k is drawn in colour k whichever classes are present.
        from matplotlib.colors import BoundaryNorm, ListedColormap

        top = int(max(classes)) + 1
        cmap = ListedColormap([_QUALITATIVE[k % len(_QUALITATIVE)] for k in range(top)])
        norm = BoundaryNorm([k - 0.5 for k in range(top + 1)], top)
        ax.contourf(gx, gy, grid, levels=[k - 0.5 for k in range(top + 1)], alpha=0.35,
                    cmap=cmap, norm=norm)
        ax.scatter([x[0] for x in X], [x[1] for x in X], c=labels, cmap=cmap, norm=norm,
                   edgecolors="k", s=25)
    ax.set(title="decision boundary", xlim=(gx[0], gx[-1]), ylim=(gy[0], gy[-1]))
    return _finish(fig, path)


def _classify(scores: list[float]) -> float:
    if len(scores) == 1:
        return 1.0 if scores[0] > 0 else -1.0
    return float(scores.index(max(scores)))
