"""Build Jupyter notebooks from percent-format scripts, with no outputs.

    python tools/py2nb.py notebooks/src/foo.py notebooks/foo.ipynb
    python tools/py2nb.py --all        # every notebooks/src/NAME.py into notebooks/NAME.ipynb

A script is a sequence of cells, each opened by a header line (the jupytext percent format):

    # %%                         a code cell
    # %% [markdown]              a Markdown cell: its lines start with "# "
    # %% tags=["figure"]         a cell with tags (a JSON list), kept in its metadata

Tags say what a reader must see in the cell's output, and the notebook tests check it:
``figure`` (a plot: a PNG or SVG image), ``graph`` (a gradient graph: graphviz's SVG).
Every cell gets a stable id (nbformat 4.5), made from the notebook's name and the cell's
position, so regenerating a notebook changes nothing that its source did not change.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HEADER = re.compile(r"# %%(?P<markdown>\s+\[markdown\])?(?:\s+tags=(?P<tags>\[.*\]))?\s*")
TAG = re.compile(r"[A-Za-z0-9_-]+")


def cell_id(name: str, index: int) -> str:
    """The id of cell ``index`` of notebook ``name``: letters, digits, - and _ (nbformat's
    rule), at most 64 characters."""
    return f"{re.sub(r'[^A-Za-z0-9_-]', '-', name)[:56]}-{index:03d}"


def _tags(text: str | None, where: str) -> list[str]:
    if text is None:
        return []
    try:
        tags = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: tags must be a JSON list of strings, got {text}: "
                         f"{err}") from None
    if not (isinstance(tags, list) and all(isinstance(t, str) and TAG.fullmatch(t)
                                           for t in tags)):
        raise ValueError(f"{where}: tags must be a JSON list of names (letters, digits, - "
                         f"and _), got {text}")
    return tags


def convert(text: str, name: str) -> dict[str, Any]:
    """The notebook (as nbformat 4.5 JSON data) for the percent-format script ``text``;
    ``name`` (the notebook's file name without suffix) makes the cell ids."""
    cells: list[dict[str, Any]] = []
    header: re.Match[str] | None = None
    where = ""
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if header is None or not body:
            return
        metadata: dict[str, Any] = {}
        tags = _tags(header["tags"], where)
        if tags:
            metadata["tags"] = tags
        cell: dict[str, Any] = {"cell_type": "code", "execution_count": None,
                                "id": cell_id(name, len(cells)), "metadata": metadata,
                                "outputs": []}
        if header["markdown"]:
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                             for line in body.split("\n"))
            cell = {"cell_type": "markdown", "id": cell["id"], "metadata": metadata}
        cell["source"] = body.splitlines(keepends=True)
        cells.append(cell)

    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# %%"):
            flush()
            where, lines = f"{name} line {number}", []
            header = HEADER.fullmatch(line)
            if header is None:
                raise ValueError(f"{where}: a cell header is '# %%', '# %% [markdown]' or "
                                 f"either followed by tags=[...], got {line!r}")
        elif header is not None:
            lines.append(line)
    flush()
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


def write(src: Path, dst: Path) -> Path:
    notebook = convert(src.read_text(encoding="utf-8"), dst.stem)
    dst.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return dst


def main(argv: list[str]) -> int:
    if argv == ["--all"]:
        notebooks = Path(__file__).resolve().parent.parent / "notebooks"
        for src in sorted((notebooks / "src").glob("*.py")):
            print(f"wrote {write(src, notebooks / f'{src.stem}.ipynb')}")
        return 0
    if len(argv) == 2:
        print(f"wrote {write(Path(argv[0]), Path(argv[1]))}")
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
