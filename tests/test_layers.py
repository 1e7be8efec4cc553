"""The architecture is checked on every test run, not only by `make check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_heavy_module_level_imports_in_the_faces() -> None:
    """Ruff's TID253: commands/ and cli.py import no SQLModel, Textual or core services at load."""
    done = subprocess.run(
        [str(BIN / "ruff"), "check", "--select", "TID253", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(edges[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_the_core_has_no_import_cycle() -> None:
    """No two core modules import each other, however indirectly, TYPE_CHECKING imports
    included: the layers contract keeps the floors apart, this keeps each floor acyclic."""
    import grimp  # import-linter's own graph builder

    graph = grimp.build_graph("pocketcrm", exclude_type_checking_imports=False, cache_dir=None)
    core = {m for m in graph.modules if m == "pocketcrm.core" or m.startswith("pocketcrm.core.")}
    edges = {m: graph.find_modules_directly_imported_by(m) & core for m in core}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set[str]()}
    assert _cycles(edges) == [["a", "b", "c"]]
