"""The package's shape: no import circles, and importing a module does nothing else.

The import graph is read from the source (every ``import`` of a ``claimdesk`` module, at the
top of a file or inside a function; imports under ``if TYPE_CHECKING:`` only name types and
are left out). A circle means two parts cannot be understood, tested or changed apart.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "claimdesk"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts  # run by alembic, imported by nothing
    }


def _type_checking_block(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name | ast.Attribute)
        and ast.unparse(node.test).endswith("TYPE_CHECKING")
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if _type_checking_block(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _targets(node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in modules)
        return
    if node.module is None or not node.module.startswith("claimdesk"):
        return
    for alias in node.names:
        submodule = f"{node.module}.{alias.name}"
        if submodule in modules:
            yield submodule
        elif node.module in modules:
            yield node.module


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {t for node in _imports(tree) for t in _targets(node, modules)} - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_package_imports_itself_round_a_circle() -> None:
    graph = import_graph()
    assert len(graph) > 200  # the walk found the package
    assert circles(graph) == []


def test_importing_every_module_has_no_side_effects(tmp_path: Path) -> None:
    """With no settings at all (no environment, an empty working folder), importing every
    module creates no file, reads no settings, and attaches no database listener."""
    script = """
import importlib, pkgutil, sys
import claimdesk
from sqlalchemy.orm import Session
for info in pkgutil.walk_packages(claimdesk.__path__, "claimdesk."):
    if ".migrations." in info.name or info.name == "claimdesk.__main__":
        continue
    importlib.import_module(info.name)
from claimdesk.config import get_settings
assert get_settings.cache_info().currsize == 0, "settings were read on import"
session = Session()
assert not list(session.dispatch.after_commit), "a listener was attached to every session"
assert not list(session.dispatch.after_rollback), "a listener was attached to every session"
assert not list(session.dispatch.before_flush), "a listener was attached to every session"
print("imported", len(sys.modules))
"""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("CLAIMDESK_") and name not in ("PYTHONSTARTUP",)
    }
    env["HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imported" in result.stdout
    assert list(tmp_path.iterdir()) == [], "importing created files"
