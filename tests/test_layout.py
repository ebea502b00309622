"""The package's shape: imports go one way along the data path, the pure core imports no pytest, and
no function is too complex or too long.

Every import of a ``living_checklist`` module counts (at module level or inside a function), except
those under ``if TYPE_CHECKING:``; importing ``a.b`` is an arrow to ``a.b`` (not to the package ``a``).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import living_checklist

PACKAGE = Path(living_checklist.__file__).parent
FOREIGN_TO_CORE = ("pytest", "_pytest", "pytest_bdd", "pluggy", "xdist")


def module_name(path: Path) -> str:
    parts = ["living_checklist", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "skeleton" not in p.parts}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(name: str) -> set[str]:
    """The modules ``name`` imports, run-time imports only."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):  # a name defined by the module (or package) itself
                found.add(base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    return {name: {t for t in imports_of(name) if t in MODULES and t != name} for name in MODULES}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = dfs(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = dfs(node)
            if found:
                return found
    return None


def test_the_import_graph_has_no_circle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_under_core_imports_pytest_or_what_does() -> None:
    core = sorted(name for name in MODULES if name.startswith("living_checklist.core"))
    assert "living_checklist.core.plan" in core and "living_checklist.core.status" in core
    edges = graph()
    for name in core:
        direct = {t.split(".")[0] for t in imports_of(name)}
        assert not direct & set(FOREIGN_TO_CORE), (name, direct & set(FOREIGN_TO_CORE))
        outside = {t for t in edges[name] if not t.startswith("living_checklist.core")}
        assert not outside, f"{name} imports {sorted(outside)} from outside core"
    # And at run time: importing every core module loads none of them.
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in core)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FOREIGN_TO_CORE!r})\n"
        + "print(' '.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_no_module_is_over_500_lines() -> None:
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    long = {name: n for name, n in lines.items() if n > 500}
    assert not long, long


def _blocks() -> list[tuple[str, Any]]:
    """Every class, function and method of the package, as ``radon cc`` lists them."""
    from radon.complexity import cc_visit, sorted_results

    return [
        (name, block)
        for name, path in MODULES.items()
        for block in sorted_results(cc_visit(path.read_text(encoding="utf-8")))
    ]


def test_complexity_stays_within_the_layout_targets() -> None:
    """Issue 19: no function over cyclomatic complexity 15 or 80 lines; the average at most 3.5
    (the measure of ``radon cc -a living_checklist``: classes, functions and methods alike)."""
    blocks = _blocks()
    assert len(blocks) > 1000  # the whole package was read
    complex_ = {f"{name}.{b.name}": b.complexity for name, b in blocks if b.complexity > 15}
    assert not complex_, complex_
    long = {
        f"{name}.{b.name}": b.endline - b.lineno + 1
        for name, b in blocks
        if not hasattr(b, "methods") and b.endline - b.lineno + 1 > 80
    }
    assert not long, long
    average = sum(b.complexity for _, b in blocks) / len(blocks)
    assert average <= 3.5, f"average cyclomatic complexity {average:.3f} over {len(blocks)} blocks (at most 3.5)"
