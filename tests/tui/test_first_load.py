"""Until the first page of contacts arrives, the list says it is opening the database, never
"No contact matches." (on a big file or a busy disk the first load takes a moment)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.widgets import Static
from tuihelp import NOW

from pocketcrm.core.services import browse
from pocketcrm.tui.app import make_app
from pocketcrm.tui.screens.contacts import ContactsScreen


async def test_no_false_empty_state_while_the_first_page_loads(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real_count = browse.contact_count

    def slow_count(*args: Any, **kwargs: Any) -> int:
        gate.wait(30)  # the first load is held back until the test has looked
        return real_count(*args, **kwargs)

    monkeypatch.setattr(browse, "contact_count", slow_count)
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):  # the screen is up, its first load held at the gate
            await pilot.pause(0.05)
            if isinstance(app.screen, ContactsScreen) and app.screen.is_mounted:
                break
        await pilot.pause(0.2)
        assert isinstance(app.screen, ContactsScreen)
        status = app.screen.query_one("#contacts-status", Static)
        shown = str(status.render())
        assert "No contact" not in shown and "Opening the database" in shown
        gate.set()
        for _ in range(200):
            await pilot.pause(0.05)
            if "contacts" in str(status.render()):
                break
        assert "of" in str(status.render())


async def test_the_first_load_fetches_only_the_rows_on_screen_and_the_rest_on_demand(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At start the list asks the core for what the frame draws, not a whole page; a row
    past them (End, or scrolling) fetches its page then."""
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    for number in range(60):
        create_contact(crm_store, ContactInput(name=f"Zed Extra {number:02}"))
    asked: list[tuple[int, int]] = []
    real_rows_at = browse.contact_rows_at

    def recorded(store: Any, query: Any, offset: int, limit: int) -> list[Any]:
        asked.append((offset, limit))
        return real_rows_at(store, query, offset, limit)

    monkeypatch.setattr(browse, "contact_rows_at", recorded)
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        table = screen.table
        assert table.total > 60 and asked[0] == (0, 30)  # the screen's 30 lines, not 100
        await pilot.press("G")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        rows = [table.row_at(i) for i in range(table.total)]
        assert all(row is not None for row in rows) and table.cursor == table.total - 1
        wanted = browse.contact_rows_at(crm_store, screen.current_query(), 0, table.total)
        assert [r.id for r in rows] == [r.id for r in wanted]
