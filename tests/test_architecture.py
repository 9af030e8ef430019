"""The package's shape, checked: the core imports nothing else from the package, no module
imports another's underscore names or reads a node's private slots, there is no import cycle
(also none hidden in a function body), and ``import autograd_lite`` needs only the standard
library.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_lite"
# A node's private slots and micrograd's names for its parts: only the core reads them.
PRIVATE_NODE_PARTS = {"_prev", "_op", "_acc", "_mark", "_rule", "_param"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rsplit(".", 1)[0]


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = _package_of(module).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (never executed)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        lines.add(sub.lineno)
    return lines


def _imports(module: str) -> list[tuple[str, list[str], int]]:
    """Every import the module runs, wherever it is (function bodies included):
    (imported module, names taken from it, line)."""
    tree = ast.parse(MODULES[module].read_text())
    skip = _type_checking_only(tree)
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            found.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
    return found


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for target, names, _ in _imports(module):
            submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in MODULES]
            graph[module].update(submodules)  # ``from . import messages`` imports a module
            if target in MODULES and (not names or len(submodules) < len(names)):
                graph[module].add(target)
    return graph


def test_no_module_imports_another_modules_underscore_names() -> None:
    bad = [f"{module}:{line} imports {name} from {target}"
           for module in MODULES for target, names, line in _imports(module)
           for name in names if name.startswith("_") and not name.startswith("__")]
    assert not bad, "\n".join(bad)


def test_only_the_core_reads_a_nodes_private_slots() -> None:
    bad = []
    for module, path in MODULES.items():
        if module.startswith("autograd_lite.core"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE_NODE_PARTS:
                bad.append(f"{module}:{node.lineno} reads .{node.attr}")
    assert not bad, "\n".join(bad)


def test_the_core_imports_nothing_else_from_the_package() -> None:
    bad = [f"{module}:{line} imports {target}"
           for module in MODULES if module.startswith("autograd_lite.core")
           for target, _, line in _imports(module)
           if target.startswith("autograd_lite") and not target.startswith("autograd_lite.core")]
    assert not bad, "\n".join(bad)


def test_there_is_no_import_cycle() -> None:
    """Tarjan's strongly connected components, iteratively: any with two or more modules,
    or a module importing itself, is a cycle."""
    graph = _edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    cycles.append(sorted(component))
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The checks above would pass vacuously if they saw no imports at all."""
    graph = _edges()
    assert "autograd_lite.core.value" in graph["autograd_lite.core"]
    assert "autograd_lite.core" in graph["autograd_lite.ops"]
    assert sum(len(targets) for targets in graph.values()) > 100


def test_importing_the_package_needs_only_the_standard_library() -> None:
    """With graphviz, matplotlib, numpy, tqdm and ipywidgets made unimportable, the package
    and its nn still import, and none of them is loaded by the import."""
    code = (
        "import sys\n"
        "for name in ('graphviz', 'matplotlib', 'numpy', 'tqdm', 'ipywidgets', 'IPython'):\n"
        "    sys.modules[name] = None\n"
        "import autograd_lite, autograd_lite.nn, autograd_lite.viz, autograd_lite.checks\n"
        "from autograd_lite import Value, draw_dot, explain\n"
        "x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()\n"
        "assert 'digraph' in draw_dot(y).source and len(explain(y)) == 3\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "                ('graphviz', 'matplotlib', 'numpy', 'tqdm', 'ipywidgets') and\n"
        "                sys.modules[m] is not None)\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_file_that_defines_value_reads_in_one_sitting() -> None:
    """At most 300 lines, and the chain rule within one screen (60 lines) of backward."""
    lines = (PACKAGE / "core" / "value.py").read_text().splitlines()
    assert len(lines) <= 300, len(lines)
    backward = next(i for i, line in enumerate(lines) if "def backward(" in line)
    chain_rule = next(i for i, line in enumerate(lines) if "the chain rule" in line and
                      "+=" in line)
    assert 0 < chain_rule - backward <= 60, (backward, chain_rule)
