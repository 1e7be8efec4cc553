"""Sorting the lists that are not plain tables: the pipeline's stage columns (s steps through
close date, value, age and name, S reverses), the agenda's sections (s, S, or a click on a
header) and the duplicate pairs (o, O, or a header; s stays "skip" there). The order is
core/sorting.py's; the title or the header says which order is shown, the cursor stays on
its row, and the key is in the help and the palette without taking another key's place."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from textual.binding import Binding
from textual.widgets import Static
from tuihelp import NOW, screen_text, settle

from pocketcrm.core.folding import fold
from pocketcrm.core.services import deals
from pocketcrm.core.services.contacts import ContactInput, create_contact
from pocketcrm.core.services.deals import DealInput
from pocketcrm.tui.app import PocketCRM, make_app, screen_commands
from pocketcrm.tui.screens.agenda import AgendaScreen
from pocketcrm.tui.screens.dupes import DuplicatesScreen
from pocketcrm.tui.screens.pipeline import PipelineScreen, StageColumn
from pocketcrm.tui.widgets.virtual_table import Section, VirtualTable

SIZE = (110, 32)


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def qualified(app: PocketCRM) -> StageColumn:
    return next(c for c in app.screen.query(StageColumn) if c.stage == "qualified")


def text_of(app: PocketCRM, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def keys_unique(app: PocketCRM) -> None:
    """No key of the screen is also another of its keys or one of the app's."""
    keys: Counter[str] = Counter()
    for binding in [*app.screen.BINDINGS, *app.BINDINGS]:
        assert isinstance(binding, Binding)
        keys.update(binding.key.split(","))
    assert [key for key, n in keys.items() if n > 1] == []


def palette(app: PocketCRM) -> set[str]:
    return {command.title for _owner, command in screen_commands(app, app.screen)}


async def test_the_pipeline_sorts_each_stage_and_reverses(crm_store: Any) -> None:
    made = {}
    for title, amount, days in (("Chairs", "4800", 20), ("Desks", "120000", 40), ("Art", "90", 5)):
        close = date(2026, 11, 20) + timedelta(days=days)
        made[title] = deals.create_deal(
            crm_store, "ann.lee@example.com", DealInput(title, amount, expected_close=close)
        )
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
        column = qualified(app)
        assert [d.title for d in column.deals] == ["Art", "Chairs", "Desks"]  # closing soonest
        assert "by soonest close" in text_of(app, "#pipeline-title")
        column.options.highlighted = 1  # Chairs: the cursor stays on it through each sort
        await pilot.press("s")
        await settle(pilot)
        assert [d.title for d in column.deals] == ["Desks", "Chairs", "Art"]
        assert "by largest value" in text_of(app, "#pipeline-title")
        await pilot.press("S")
        await settle(pilot)
        assert [d.title for d in column.deals] == ["Art", "Chairs", "Desks"]
        assert "by smallest value" in text_of(app, "#pipeline-title")
        assert column.highlighted is not None and column.highlighted.id == made["Chairs"].id
        await pilot.press("s", "s")  # age (oldest first: all made now, ties keep order), name
        await settle(pilot)
        assert "by name A to Z" in text_of(app, "#pipeline-title")
        await pilot.press("S")
        await settle(pilot)
        assert [d.title for d in column.deals] == ["Desks", "Chairs", "Art"]
        keys_unique(app)
        assert {"Sort deals by largest value", "Reverse the sort"} <= palette(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert "Sort each stage by close date, value, age or name" in screen_text(app)


def agenda_sections(table: VirtualTable) -> list[list[Any]]:
    found: list[list[Any]] = []
    for index in range(table.total):
        row = table.row_at(index)
        if isinstance(row, Section):
            found.append([])
        else:
            found[-1].append(row)
    return found


async def test_the_agenda_sorts_within_each_section_by_key_and_by_header(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        table = app.screen.query_one("#agenda-list", VirtualTable)
        before = agenda_sections(table)
        assert len(before) >= 2 and "by due date (s)" in text_of(app, "#agenda-title")
        table.move_to(2)
        kept = table.current
        await pilot.press("s")
        await settle(pilot)
        after = agenda_sections(table)
        assert [sorted(r.id for r in rows) for rows in after] == [
            sorted(r.id for r in rows) for rows in before
        ]  # each follow-up stays in its section
        for rows in after:
            names = [fold(r.contact_name) for r in rows]
            assert names == sorted(names)
        assert after != before and table.current is kept
        assert table.sorted_by == ("contact", False)
        assert "by contact (s)" in text_of(app, "#agenda-title")
        await pilot.press("S")
        await settle(pilot)
        for rows in agenda_sections(table):
            names = [fold(r.contact_name) for r in rows]
            assert names == sorted(names, reverse=True)
        assert "by contact, reversed" in text_of(app, "#agenda-title")
        assert "▼Contact" in screen_text(app)
        owner_x = table.scrollable_content_region.width - 5  # in the last column, Owner
        await pilot.click(table, offset=(owner_x, 0))  # the Owner header
        await settle(pilot)
        assert table.sorted_by == ("owner", False) and "▲Owner" in screen_text(app)
        for rows in agenda_sections(table):
            owners = [fold(r.owner) for r in rows if r.owner]
            assert owners == sorted(owners)
        await pilot.click(table, offset=(owner_x, 0))  # a second click reverses
        await settle(pilot)
        assert table.sorted_by == ("owner", True)
        keys_unique(app)
        assert {"Agenda: sort by owner", "Reverse the sort"} <= palette(app)


async def test_the_duplicate_pairs_sort_by_score_or_name(crm_store: Any) -> None:
    for name, email in (
        ("Ann Lee", "ann.lee@example.com"),  # same email and name: the most certain pair
        ("Grace Murphey", ""),  # a close name only
        ("Zoe Zeller", "zz@example.com"),
        ("Zoe Zeler", "zz@example.com"),
    ):
        create_contact(crm_store, ContactInput(name=name, emails=[email] if email else []))
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DuplicatesScreen)
        table = screen.query_one("#dupe-list", VirtualTable)
        assert table.total >= 3
        scores = [table.row_at(i).score for i in range(table.total)]
        assert scores == sorted(scores, reverse=True) and table.sorted_by == ("score", True)
        assert "most certain first (o)" in text_of(app, "#dupes-title")
        await pilot.press("o")
        await settle(pilot)
        lefts = [fold(table.row_at(i).a.display_name) for i in range(table.total)]
        assert lefts == sorted(lefts) and lefts[-1].startswith("zoe")
        assert "by left name (o)" in text_of(app, "#dupes-title") and "▲Left" in screen_text(app)
        await pilot.press("O")
        await settle(pilot)
        lefts = [fold(table.row_at(i).a.display_name) for i in range(table.total)]
        assert lefts == sorted(lefts, reverse=True)
        await pilot.click(table, offset=(3, 0))  # the Sure header: by score again
        await settle(pilot)
        assert table.sorted_by == ("score", False)
        scores = [table.row_at(i).score for i in range(table.total)]
        assert scores == sorted(scores)
        total = table.total
        await pilot.press("s")  # still skip here
        await settle(pilot)
        assert table.total == total - 1
        keys_unique(app)
        assert {"Duplicates: by left name", "Order the pairs by score or name"} <= palette(app)
