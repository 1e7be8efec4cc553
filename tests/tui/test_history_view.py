"""The card's History view (h): driven with Pilot, checked against the journal, and snapshots
at 80x24 and 120x40. A change made in the interface is attributed to the face "tui"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from tuihelp import NOW, build_crm, screen_text, settle, type_text

from pocketcrm.core import journal
from pocketcrm.core.services import contacts, history
from pocketcrm.core.services.contacts import ContactPatch
from pocketcrm.core.settings import Settings
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.history import HistoryModal
from pocketcrm.tui.screens.card import CardScreen

Compare = Callable[..., bool]


@pytest.fixture
def journaled_store(tmp_path: Path, settings: Settings) -> Iterator[Any]:
    """The interface tests' CRM, built as the library ('api'), and one edit of Ann's title
    made as the command line would: the same entries on every run, in any test order."""
    journal.set_face("api")
    store = build_crm(tmp_path / "crm.db", settings)
    journal.set_face("cli")
    contacts.update_contact(store, "ann.lee@example.com", ContactPatch(title="Head buyer"))
    journal.set_face("api")
    yield store
    store.close()
    journal.set_face("api")


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def open_ann(pilot: Any) -> CardScreen:
    await settle(pilot)
    await pilot.press("slash")
    await type_text(pilot, "ann lee")
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CardScreen)
    return screen


async def test_h_on_the_card_shows_who_changed_what(journaled_store: Any) -> None:
    app = app_for(journaled_store)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_ann(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryModal)
        shown = screen_text(app)
        assert "History of contact #" in shown and "Ann Lee" in shown
        assert "Robin (cli) title: Owner -> Head buyer" in shown
        assert "contact created: Ann Lee" in shown
        newest = history.history(journaled_store, "ann.lee@example.com").changes[0]
        assert f"[{newest.id}]" in str(app.screen.query_one("#history-text", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)


async def test_a_change_made_in_the_interface_is_attributed_to_it(journaled_store: Any) -> None:
    app = app_for(journaled_store)
    async with app.run_test(size=(110, 32)) as pilot:
        card = await open_ann(pilot)
        await pilot.press("x")  # the next follow-up done, through the interface
        await settle(pilot)
        assert card.card is not None
    faces = {c.face for c in history.history(journaled_store, "ann.lee@example.com").changes}
    assert "tui" in faces


def open_history(*keys: str) -> Callable[[Any], Any]:
    async def run(pilot: Any) -> None:
        await open_ann(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_history_snapshot_80x24(snap_compare: Compare, journaled_store: Any) -> None:
    assert snap_compare(
        app_for(journaled_store), terminal_size=(80, 24), run_before=open_history("h")
    )


def test_history_snapshot_120x40(snap_compare: Compare, journaled_store: Any) -> None:
    assert snap_compare(
        app_for(journaled_store), terminal_size=(120, 40), run_before=open_history("h")
    )
