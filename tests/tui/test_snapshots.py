"""Snapshots of the key screens: fixed clock, fixed data, fixed terminal size, no blinking.

Regenerate after an intended change with `pytest tests/tui/test_snapshots.py
--snapshot-update` and look at the report before committing the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.widgets import Input, TextArea
from tuihelp import NOW, settle, type_text

from pocketcrm.tui.app import PocketCRM, make_app

Compare = Callable[..., bool]


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def steps(*keys: str, text: str = "") -> Callable[[Any], Awaitable[None]]:
    """Wait for the data, press KEYS (then type TEXT), wait again, stop every cursor blinking."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if text:
            await type_text(pilot, text)
            await settle(pilot)
        for widget in pilot.app.screen.query("Input, TextArea"):
            if isinstance(widget, Input | TextArea):
                widget.cursor_blink = False
        await settle(pilot)

    return run


def test_contact_list(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(100, 30), run_before=steps())


def test_contact_list_80x24(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=steps())


def test_search_results(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(
        app_for(crm_store), terminal_size=(100, 30), run_before=steps("slash", text="lee")
    )


def test_card(snap_compare: Compare, crm_store: Any) -> None:
    run = steps("slash", "a", "n", "n", "space", "l", "e", "e", "enter", "enter")
    assert snap_compare(app_for(crm_store), terminal_size=(100, 30), run_before=run)


def test_card_in_a_large_terminal(snap_compare: Compare, crm_store: Any) -> None:
    run = steps("slash", "a", "n", "n", "space", "l", "e", "e", "enter", "enter")
    assert snap_compare(app_for(crm_store), terminal_size=(140, 40), run_before=run)


def test_agenda(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(100, 30), run_before=steps("2"))


def test_report(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(120, 40), run_before=steps("4"))


def test_log_form_80x24(snap_compare: Compare, crm_store: Any) -> None:
    run = steps("l", text="Agreed on 40 units")
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=run)


def test_welcome_on_an_empty_database(
    snap_compare: Compare, empty_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The welcome names the demo database's path: keep it the same on every machine.
    monkeypatch.setenv("POCKETCRM_DATA_DIR", "/home/you/.local/share/pocketcrm")
    assert snap_compare(app_for(empty_store), terminal_size=(80, 24), run_before=steps())


def test_agenda_with_drifting_contacts(snap_compare: Compare, crm_store: Any) -> None:
    from pocketcrm.core.services.cadence import set_cadence

    set_cadence(crm_store, ideal_days=14, tag="vip")
    set_cadence(crm_store, ideal_days=30, max_days=45, tag="wholesale")
    assert snap_compare(app_for(crm_store), terminal_size=(100, 30), run_before=steps("2"))


def add_twins(store: Any) -> None:
    """Two likely duplicates made through the core: Ann Lee again, and a misspelt Grace."""
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    create_contact(
        store,
        ContactInput(
            name="Ann Lee",
            emails=["ann.lee@example.com"],
            phones=["+44 7700 900123"],
            title="Buyer",
        ),
    )
    create_contact(store, ContactInput(name="Grace Murphey", company="Northwind Foods"))


def test_duplicates(snap_compare: Compare, crm_store: Any) -> None:
    add_twins(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(110, 32), run_before=steps("5"))


def test_duplicates_80x24(snap_compare: Compare, crm_store: Any) -> None:
    add_twins(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=steps("5"))
