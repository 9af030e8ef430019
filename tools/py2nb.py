"""Build a Jupyter notebook from a percent-format script (``# %%`` code cells and
``# %% [markdown]`` cells whose lines start with ``# ``), with no outputs.

    python tools/py2nb.py notebooks/src/foo.py notebooks/foo.ipynb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def convert(text: str) -> dict[str, object]:
    cells: list[dict[str, object]] = []
    kind, lines = None, []  # type: ignore[var-annotated]

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if kind is None or not body:
            return
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                             for line in body.split("\n"))
            cells.append({"cell_type": "markdown", "metadata": {},
                          "source": body.splitlines(keepends=True)})
        else:
            cells.append({"cell_type": "code", "metadata": {}, "execution_count": None,
                          "outputs": [], "source": body.splitlines(keepends=True)})

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


if __name__ == "__main__":
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    dst.write_text(json.dumps(convert(src.read_text()), indent=1) + "\n")
    print(f"wrote {dst}")
