"""Import on screen (before: only `pocketcrm import`): pick a file, see the importer's own
preview, import it with a progress bar, undo the batch; read back through the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input
from tuihelp import NOW, screen_text, settle

from pocketcrm.core.services.contacts import count_contacts
from pocketcrm.core.transfer.importer.undo import list_batches
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.imports import ImportScreen

CSV = (
    "name,email,phone,company\n"
    "Nina Berg,nina@example.com,+44 7700 900555,Fjord Foods\n"
    "Omar Haddad,omar@example.com,,\n"
    "Ann Lee,ann.lee@example.com,+44 7700 900999,Harbor Lights Ltd\n"
)


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with one file to import, the current directory (the picker starts there)."""
    where = tmp_path / "imports"
    where.mkdir()
    (where / "people.csv").write_text(CSV)
    monkeypatch.chdir(where)
    return where


async def test_preview_import_and_undo(crm_store: Any, folder: Path) -> None:
    from pocketcrm.core.queries import ContactQuery

    before = count_contacts(crm_store, ContactQuery())
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await pilot.press("ctrl+o")  # the picker lists the folder's importable files
        await settle(pilot)
        assert "people.csv" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#import-path", Input).value == str(folder / "people.csv")
        text = screen_text(app)
        assert "Would import: 2 new, 1 updated" in text
        assert "phone" in text and "+44 7700 900999" in text  # the field it adds to Ann Lee
        assert count_contacts(crm_store, ContactQuery()) == before  # a preview writes nothing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Import people.csv?" in screen_text(app)
        await pilot.press("y")
        for _ in range(100):
            await settle(pilot)
            if not screen.importing:
                break
        assert count_contacts(crm_store, ContactQuery()) == before + 2
        [batch] = list_batches(crm_store)
        assert batch.created == 3 and f"#{batch.id}" in screen_text(app)  # 2 people, 1 company
        app.screen.query_one("#import-batches").focus()
        await pilot.press("U")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert count_contacts(crm_store, ContactQuery()) == before
        assert list_batches(crm_store)[0].undone_at is not None


async def test_a_file_that_is_not_there_is_said_in_the_preview(
    crm_store: Any, folder: Path
) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        app.screen.query_one("#import-path", Input).value = str(folder / "nope.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert "nope.csv" in screen_text(app) and isinstance(app.screen, ImportScreen)
        assert app.screen.preview is None


async def test_the_number_keys_still_switch_screens_from_the_import(crm_store: Any) -> None:
    # The path box once took the focus: "1" was typed into it instead of going back.
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert app.current_mode == "contacts"
