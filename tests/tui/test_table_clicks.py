"""The lists answer the mouse through Textual's public click handler: a click moves the
cursor, a second click on the same row (or a double click) opens it; a click on a column's
header sorts by it, a second one reverses the order."""

from __future__ import annotations

from typing import Any

from tuihelp import NOW, screen_text, settle

from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.contacts import ContactsScreen
from pocketcrm.tui.widgets.virtual_table import VirtualTable

SIZE = (110, 32)


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def contact_list(app: PocketCRM) -> VirtualTable:
    return app.screen.query_one("#contact-list", VirtualTable)


async def test_a_click_moves_the_cursor_and_a_second_opens_the_card(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = contact_list(app)
        assert table.cursor == 0
        await pilot.click(table, offset=(40, 3))  # a row, then the header (a sort)
        await pilot.click(table, offset=(2, 0))
        await settle(pilot)
        assert table.cursor == 0 and isinstance(app.screen, ContactsScreen)
        await pilot.click(table, offset=(2, 0))  # back to A to Z
        await settle(pilot)
        await pilot.click(table, offset=(2, 3))  # the third row
        await settle(pilot)
        assert table.cursor == 2 and isinstance(app.screen, ContactsScreen)
        third = table.row_at(2).id
        await pilot.click(table, offset=(2, 3))
        await settle(pilot)
        assert isinstance(app.screen, CardScreen) and app.screen.contact_id == third


async def test_a_double_click_opens_the_row_at_once(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = contact_list(app)
        fifth = table.row_at(4).id
        await pilot.click(table, offset=(2, 5), times=2)
        await settle(pilot)
        assert isinstance(app.screen, CardScreen) and app.screen.contact_id == fifth


async def test_a_click_on_a_header_sorts_and_a_second_reverses(crm_store: Any) -> None:
    from pocketcrm.core.queries import ContactQuery
    from pocketcrm.core.services.contacts import list_contacts

    def names(sort: str) -> list[str]:
        return [r.display_name for r in list_contacts(crm_store, query=ContactQuery(sort=sort))]

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = contact_list(app)
        x = screen_line(app, 5).index("Company") + 2  # the header is the list's first line
        await pilot.click(table, offset=(x, 0))
        await settle(pilot)
        shown = [row.display_name for row in await every_row(pilot, table)]
        assert shown == names("company") and "sort: company" in screen_text(app)
        assert "▲Company" in screen_text(app)
        await pilot.click(table, offset=(x, 0))
        await settle(pilot)
        shown = [row.display_name for row in await every_row(pilot, table)]
        assert shown == names("-company") and "sort: company, reversed" in screen_text(app)
        assert "▼Company" in screen_text(app)
        companies = [row.company for row in await every_row(pilot, table)]
        filled = [c for c in companies if c]
        assert filled == sorted(filled, key=str.casefold, reverse=True)
        assert companies[len(filled) :] == [""] * (len(companies) - len(filled))  # still last


async def every_row(pilot: Any, table: VirtualTable) -> list[Any]:
    """Every row of TABLE: a new list holds only what is on screen, the rest on demand."""
    for index in range(table.total):
        table.row_at(index)  # asks for the page it is on
    await settle(pilot)
    return [table.row_at(index) for index in range(table.total)]


def screen_line(app: PocketCRM, number: int) -> str:
    return screen_text(app).splitlines()[number - 1]


def header_x(table: VirtualTable, title: str) -> int:
    """Where TITLE's column header is on TABLE's first line (a column of its own)."""
    line = screen_text(table.app).splitlines()[table.region.y]
    return line.index(title) - table.region.x + 1


async def test_the_trash_sorts_by_a_clicked_header_and_reverses_on_the_second_click(
    crm_store: Any,
) -> None:
    from pocketcrm.core.services.trash import list_trash, trash_contact
    from pocketcrm.core.sorting import sort_rows

    for name in ("Ann Lee", "Grace Murphy", "Zoë Åkesson"):
        trash_contact(crm_store, name)
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("switch_mode('trash')")
        await settle(pilot)
        table = app.screen.query_one("#trash-list", VirtualTable)
        x = header_x(table, "What")
        await pilot.click(table, offset=(x, 0))
        await settle(pilot)
        shown = [item.label for item in await every_row(pilot, table)]
        assert shown == ["Ann Lee", "Grace Murphy", "Zoë Åkesson"] and "▲What" in screen_text(app)
        assert shown == [i.label for i in sort_rows(list_trash(crm_store), "trash", "label")]
        await pilot.click(table, offset=(x, 0))
        await settle(pilot)
        shown = [item.label for item in await every_row(pilot, table)]
        assert shown == ["Zoë Åkesson", "Grace Murphy", "Ann Lee"] and "▼What" in screen_text(app)


async def test_the_companies_sort_by_a_clicked_header_in_the_core(crm_store: Any) -> None:
    from pocketcrm.core.services.companies import list_companies

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#company-list", VirtualTable)
        x = header_x(table, "People")
        for sort, mark in (("people", "▲People"), ("-people", "▼People")):
            await pilot.click(table, offset=(x, 0))
            await settle(pilot)
            shown = [row.id for row in await every_row(pilot, table)]
            assert shown == [row.id for row in list_companies(crm_store, sort=sort)]
            assert mark in screen_text(app)
        people = [row.people for row in await every_row(pilot, table)]
        assert people == sorted(people, reverse=True) and len(set(people)) > 1
