"""make loc: the package as a reading guide, layer by layer, with each module's size.

    python tools/loc.py

Read the core first; every other layer imports it (and never the reverse).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_lite"

LAYERS = [
    ("1. the core: read first (standard library only; imports nothing else from the package)",
     ["core/value.py", "core/rules.py", "core/graph.py", "core/modes.py", "core/errors.py",
      "core/__init__.py"]),
    ("2. ops, names and words: what people read about a graph",
     ["ops.py", "names.py", "messages.py", "anomaly.py", "functional.py", "arguments.py",
      "markup.py", "notation.py", "__init__.py"]),
    ("3. checking derivatives, and the learner's own",
     ["derivatives.py", "transcript.py", "checks/", "answers.py", "answer_report.py",
      "mistakes.py", "formula_parser.py", "exercises.py"]),
    ("4. pictures", ["viz/"]),
    ("5. training toy networks", ["nn/", "datasets.py", "data/"]),
    ("6. compiled batch mode", ["compiler/"]),
    ("old module names, kept importable with a DeprecationWarning",
     ["engine.py", "rules.py", "walks.py", "errors.py", "modes.py", "higher.py", "check.py",
      "custom_ops.py", "expression.py"]),
]


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def report() -> str:
    out, seen = [], set()
    for title, parts in LAYERS:
        files: list[Path] = []
        for part in parts:
            target = PACKAGE / part
            files += sorted(target.glob("*.py")) if part.endswith("/") else [target]
        rows = [(str(f.relative_to(PACKAGE.parent)), lines(f)) for f in files]
        seen.update(f.resolve() for f in files)
        out.append(f"{title}: {sum(n for _, n in rows)} lines")
        out += [f"  {n:5d}  {name}" for name, n in rows]
    missed = sorted(p for p in PACKAGE.rglob("*.py") if p.resolve() not in seen)
    if missed:
        out.append("not in a layer yet: " + ", ".join(str(p.relative_to(PACKAGE)) for p in missed))
    return "\n".join(out)


if __name__ == "__main__":
    print(report())
