"""The interface's modules import one way: no circle of imports inside pocketcrm.tui.

import-linter's layers contract (pyproject.toml) says which floor may import which; this test
also catches a circle inside one floor (two screens importing each other), counting every
import grimp sees: at module level, inside functions, and under TYPE_CHECKING.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import grimp

from pocketcrm.tui.host import CrmApp


def tui_imports() -> dict[str, set[str]]:
    """Each module of pocketcrm.tui, and the modules of pocketcrm.tui it imports."""
    graph = grimp.build_graph("pocketcrm", exclude_type_checking_imports=False, cache_dir=None)
    modules = {"pocketcrm.tui", *graph.find_descendants("pocketcrm.tui")}
    return {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}


def find_cycle(imports: Mapping[str, set[str]]) -> list[str]:
    """One circle of imports (its modules in order, the first repeated at the end), or []."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(module: str) -> list[str]:
        path.append(module)
        on_path.add(module)
        for imported in sorted(imports.get(module, ())):
            if imported in on_path:
                return [*path[path.index(imported) :], imported]
            if imported not in done:
                found = visit(imported)
                if found:
                    return found
        path.pop()
        on_path.discard(module)
        done.add(module)
        return []

    for module in sorted(imports):
        if module not in done:
            found = visit(module)
            if found:
                return found
    return []


def test_find_cycle_finds_a_circle_and_nothing_else() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_no_import_cycle_inside_the_interface() -> None:
    imports = tui_imports()
    assert "pocketcrm.tui.jobs" in imports and "pocketcrm.tui.screens.base" in imports
    cycle = find_cycle(imports)
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_the_bottom_floor_imports_nothing_above_it() -> None:
    """Workers, failure reporting and the app's Protocol serve every floor; they use none."""
    imports = tui_imports()
    above = ("pocketcrm.tui.app", "pocketcrm.tui.screens", "pocketcrm.tui.flows")
    for module in ("pocketcrm.tui.jobs", "pocketcrm.tui.host"):
        assert not {m for m in imports[module] if m.startswith(above)}, module


def test_the_app_keeps_to_the_protocol_the_layers_below_use(tmp_path: Path) -> None:
    """Screens, flows and modals reach the app only through CrmApp; mypy checks that PocketCRM
    matches it (the annotated assignment), this checks the members are really there."""
    from pocketcrm.tui.app import make_app

    app: CrmApp = make_app(tmp_path / "crm.db")
    assert app.store is None and app.data_version == 0
    assert app.status_text == "" and app.reminder_warning == ()
    for name in ("data_written", "remember_undo", "use_store", "first_frame_shown"):
        assert callable(getattr(app, name)), name
