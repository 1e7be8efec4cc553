"""The agenda screen shows the earliest AGENDA_LIMIT follow-ups (the CLI lists every one):
on the 100,000-contact bench it built 36,000 rows before it showed. The counts still say how
many there are in all, and the overdue heading counts every overdue one."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static
from tuihelp import NOW, settle

from pocketcrm.core.services.activity import agenda, agenda_size, count_due
from pocketcrm.tui.app import make_app
from pocketcrm.tui.screens import agenda as agenda_screen
from pocketcrm.tui.widgets.virtual_table import Section, VirtualTable


async def test_the_agenda_shows_the_first_ones_and_counts_them_all(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(agenda_screen, "AGENDA_LIMIT", 3)
    everything = agenda_size(crm_store, "week")
    overdue = count_due(crm_store)[0]
    assert everything > 3 and overdue > 3  # the fixture's agenda is longer than the limit
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#agenda-list", VirtualTable)
        rows = [table.row_at(i) for i in range(table.total)]
        shown = [row.id for row in rows if not isinstance(row, Section)]
        assert shown == [v.id for v in agenda(crm_store, "week", limit=3)]
        assert rows[0] == Section(f"Overdue ({overdue})")
        status = str(app.screen.query_one("#agenda-status", Static).render())
        assert f"{everything} open follow-ups, {overdue} overdue" in status
        assert "the first 3 shown" in status
