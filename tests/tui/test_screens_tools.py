"""The tab bar (every screen named, clickable), the trash screen and the reminders screen,
driven with Pilot against real SQLite files; what they did is read back through the core."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.tabs import TABS
from pocketcrm.tui.widgets.top_bar import TopBar


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def top_line(app: PocketCRM) -> str:
    return screen_text(app).splitlines()[0]


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_the_tab_bar_names_every_screen(crm_store: Any, width: int) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        line = top_line(app)
        for tab in TABS:
            if not tab.key:  # palette-only: named while shown
                assert tab.label not in line, line
                continue
            assert f"{tab.key} {tab.short}" in line or f"{tab.key} {tab.label}" in line, line
        # The due counts stay: beside the tabs, or on a second line when they do not fit.
        assert "overdue" in "\n".join(screen_text(app).splitlines()[:2])


async def test_a_click_on_a_tab_opens_its_screen(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(TopBar)
        x = top_line(app).index("3 Comp")
        await pilot.click(bar, offset=(x + 2, 0))
        await settle(pilot)
        assert app.current_mode == "companies"
        x = top_line(app).index("7 Case")
        await pilot.click(app.screen.query_one(TopBar), offset=(x + 1, 0))
        await settle(pilot)
        assert app.current_mode == "cases"


async def test_every_screen_is_a_key_or_a_palette_entry_away(crm_store: Any) -> None:
    from pocketcrm.tui.app import screen_commands

    app = app_for(crm_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        titles = {command.title for _owner, command in screen_commands(app, app.screen)}
        for tab in TABS:
            assert f"Go to {tab.tooltip}" in titles
            if tab.key:
                await pilot.press(tab.key)
            else:
                await app.run_action(f"switch_mode({tab.mode!r})")
            await settle(pilot)
            assert app.current_mode == tab.mode
            assert app.screen.query_one(TopBar).active == tab.mode


async def test_the_trash_restores_and_purges(crm_store: Any) -> None:
    from pocketcrm.core.services.contacts import list_contacts
    from pocketcrm.core.services.trash import list_trash, trash_contact

    trash_contact(crm_store, "Ann Lee")
    trash_contact(crm_store, "Grace Murphy")
    app = app_for(crm_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.app.run_action("switch_mode('trash')")
        await settle(pilot)
        text = screen_text(app)
        assert "Grace Murphy" in text and "Ann Lee" in text and "Trash (2)" in text
        await pilot.press("r")  # the newest first: Grace
        await settle(pilot)
        assert [i.label for i in list_trash(crm_store)] == ["Ann Lee"]
        assert any(r.display_name == "Grace Murphy" for r in list_contacts(crm_store))
        assert "Grace Murphy" not in screen_text(app).split("Trash (1)")[1]
        await pilot.press("P")
        await settle(pilot)
        assert "Delete 1 record for good?" in screen_text(app)
        await pilot.press("n")  # keep it
        await settle(pilot)
        assert len(list_trash(crm_store)) == 1
        await pilot.press("P", "y")
        await settle(pilot)
        assert list_trash(crm_store) == []
        assert "The trash is empty" in screen_text(app)


async def test_the_reminders_screen_says_what_remind_status_says(
    tmp_path: Path, settings: Any
) -> None:
    from pocketcrm.core.reminders import engine
    from pocketcrm.core.reminders.health import reminder_health
    from pocketcrm.core.services.activity import schedule_follow_up
    from pocketcrm.core.services.contacts import ContactInput, create_contact
    from pocketcrm.core.settings import ReminderConfig
    from pocketcrm.core.store import open_store

    script = tmp_path / "fail.sh"  # a program that runs and fails: that attempt counts
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    failing = replace(settings, reminders=ReminderConfig(command=str(script), max_attempts=2))
    store = open_store(tmp_path / "failing.db", failing)
    dan = create_contact(store, ContactInput(name="Dan Weiss"))
    schedule_follow_up(store, f"#{dan.id}", NOW - timedelta(hours=2), note="Call about the van")
    for minutes in (0, 15, 30):  # tried on every run until it is given up
        engine.run(
            store, channels=["command"], stream=io.StringIO(), now=NOW + timedelta(minutes=minutes)
        )
    assert reminder_health(store).gave_up == 1
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.app.run_action("switch_mode('reminders')")
        await settle(pilot)
        text = screen_text(app)
        assert "last run" in text and "Dan Weiss" in text and "gave up" in text
        assert "given up 1" in text
        await pilot.press("R")
        await settle(pilot)
        assert reminder_health(store).gave_up == 0
        assert "given up 0" in screen_text(app)
    store.close()


async def test_a_slow_load_shows_a_loading_sign_until_it_ends(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from pocketcrm.core.services import trash

    gate = threading.Event()
    real = trash.list_trash

    def slow(store: Any) -> Any:
        gate.wait(30)  # held until the test has looked
        return real(store)

    monkeypatch.setattr(trash, "list_trash", slow)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "loading" not in top_line(app)
        await pilot.app.run_action("switch_mode('trash')")
        for _ in range(100):  # past LOADING_AFTER (0.2 s), the top bar says so
            await pilot.pause(0.05)
            if "loading" in top_line(app):
                break
        assert "⟳ loading" in top_line(app)
        gate.set()
        for _ in range(100):
            await pilot.pause(0.05)
            if "loading" not in top_line(app):
                break
        assert "loading" not in top_line(app) and "The trash is empty" in screen_text(app)


async def test_the_palette_itself_offers_every_screen(crm_store: Any) -> None:
    """Typed into the real palette (ctrl+p), not only listed: while the palette is up it is
    the modal on top, and screen switches were once disabled under any modal, so the palette
    showed none of them."""
    from textual.command import CommandPalette

    app = app_for(crm_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "Go to the trash")
        await settle(pilot, rounds=6)
        assert "Go to the trash" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "trash"
