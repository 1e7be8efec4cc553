"""The agenda screen shows the earliest AGENDA_LIMIT follow-ups (the CLI lists every one):
on the 100,000-contact bench it built 36,000 rows before it showed. The counts still say how
many there are in all, and the last heading's count ends in "+" (more are not shown)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static
from tuihelp import NOW, settle

from pocketcrm.core.services.activity import agenda, agenda_size
from pocketcrm.tui.app import make_app
from pocketcrm.tui.screens import agenda as agenda_screen
from pocketcrm.tui.widgets.virtual_table import Section, VirtualTable


async def test_the_agenda_shows_the_first_ones_and_counts_them_all(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agenda_screen, "AGENDA_LIMIT", 3)
    everything = agenda_size(crm_store, "week")
    first = agenda(crm_store, "week", limit=3)
    assert everything > 3 and all(v.overdue for v in first)  # more than the limit, overdue
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#agenda-list", VirtualTable)
        rows = [table.row_at(i) for i in range(table.total)]
        shown = [row.id for row in rows if not isinstance(row, Section)]
        assert shown == [v.id for v in first]
        assert rows[0] == Section("Overdue (3+)")
        status = str(app.screen.query_one("#agenda-status", Static).render())
        assert f"{everything} open follow-ups, the first 3 shown" in status
