"""The README stays true: its Python examples run, and its op table matches the rules table."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def _op_table() -> str:
    spec = importlib.util.spec_from_file_location("op_table", ROOT / "tools" / "op_table.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.op_table())


def test_op_table_matches_rules() -> None:
    table = README.split("<!-- op-table:start -->")[1].split("<!-- op-table:end -->")[0]
    assert table.strip() == _op_table().strip(), "run: python tools/op_table.py"


# A block that renders a picture needs graphviz's dot (see conftest.py: skipped without it).
RENDERS = re.compile(r"\.(save_as|render|pipe)\(|\b(to_svg|save|save_html|save_example_graph)\(")


@pytest.mark.parametrize("index", [
    pytest.param(i, marks=[pytest.mark.needs_program("dot")] if RENDERS.search(block) else [])
    for i, block in enumerate(BLOCKS)])
def test_readme_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCKS[index], f"README.md[python block {index}]", "exec"), {})


def test_ten_line_example_numbers() -> None:
    """The numbers in the README's first example, against a hand derivation with math."""
    namespace: dict[str, object] = {}
    exec(BLOCKS[0], namespace)
    t = math.tanh(-3.0 * 2.0 + 1.0)
    y, x, w = namespace["y"], namespace["x"], namespace["w"]
    assert y.data == pytest.approx(t)  # type: ignore[attr-defined]
    assert x.grad == pytest.approx((1 - t * t) * -3.0)  # type: ignore[attr-defined]
    assert w.grad == pytest.approx((1 - t * t) * 2.0)  # type: ignore[attr-defined]
    shown = re.search(r"# (-?[\d.]+) (-?[\d.]+) (-?[\d.]+)", BLOCKS[0])
    assert shown is not None
    assert [float(v) for v in shown.groups()] == pytest.approx(
        [t, (1 - t * t) * -3.0, (1 - t * t) * 2.0], rel=1e-4)
