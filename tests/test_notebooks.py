"""Every notebook in notebooks/ runs top to bottom, so none can rot.

Code cells are executed in order in one namespace, as Jupyter would, in a scratch working
directory. The last expression of a cell is "displayed" by asking it for its rich
representations, so objects that render in Jupyter (graphs, reports) are exercised too.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def display(obj: Any) -> None:
    """Stand-in for IPython's display: produce every rich representation the object has."""
    if hasattr(obj, "_repr_mimebundle_"):
        obj._repr_mimebundle_()
    for name in ("_repr_html_", "_repr_markdown_", "_repr_latex_", "_repr_svg_"):
        if hasattr(obj, name):
            getattr(obj, name)()
    repr(obj)


def run_cell(source: str, namespace: dict[str, Any], where: str) -> None:
    tree = ast.parse(source, filename=where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, where, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), where, "eval"), namespace)
        if value is not None:
            display(value)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ should hold at least one notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = json.loads(path.read_text())
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"display": display, "__name__": "__main__"}
    os.environ.setdefault("MPLBACKEND", "Agg")
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        assert not source.lstrip().startswith(("%", "!")), f"{path.name} cell {i}: no magics"
        run_cell(source, namespace, f"{path.name}[cell {i}]")


def test_notebooks_match_their_sources() -> None:
    """Each notebook is generated from notebooks/src/NAME.py by tools/py2nb.py: keep in sync."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "py2nb", Path(__file__).parent.parent / "tools" / "py2nb.py")
    assert spec and spec.loader
    py2nb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(py2nb)
    for nb_path in NOTEBOOKS:
        src = nb_path.parent / "src" / f"{nb_path.stem}.py"
        assert src.exists(), f"{nb_path.name} has no source {src}"
        assert json.loads(nb_path.read_text()) == py2nb.convert(src.read_text()), (
            f"{nb_path.name} is out of date: run python tools/py2nb.py {src} {nb_path}")
