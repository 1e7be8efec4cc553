"""Every flow of the interface, driven with Pilot, checked on screen and in the database.

The database is read back through the core's services (never through the interface), so
each test shows that what the screen says happened really happened.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input
from tuihelp import NOW, Notices, screen_text, settle, type_text

from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import activity, contacts
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.agenda import AgendaScreen
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.contacts import ContactsScreen
from pocketcrm.tui.widgets.virtual_table import Section, VirtualTable

SIZE = (110, 32)


def app_for(store: Any, **kwargs: Any) -> PocketCRM:
    return make_app(
        store, clock=lambda: NOW, watch_seconds=kwargs.pop("watch_seconds", 0), **kwargs
    )


def contact_list(app: PocketCRM) -> VirtualTable:
    return app.screen.query_one("#contact-list", VirtualTable)


def ann_id(store: Any) -> int:
    return contacts.resolve(store, "ann.lee@example.com")


async def open_ann(pilot: Any, store: Any) -> CardScreen:
    """Search for Ann Lee and open her card."""
    await pilot.press("slash")
    await type_text(pilot, "ann lee")
    await settle(pilot)
    await pilot.press("enter", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CardScreen)
    assert screen.contact_id == ann_id(store)
    return screen


# -- opening ---------------------------------------------------------------------------------


async def test_opens_on_the_contact_list_in_name_order(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        expected = contacts.list_contacts(crm_store, ContactQuery(limit=5))
        table = contact_list(app)
        assert table.total == contacts.count_contacts(crm_store) == 31
        assert [table.row_at(i).id for i in range(5)] == [r.id for r in expected]
        text = screen_text(app)
        assert expected[0].display_name in text
        assert "1 of 31 contacts" in text
        assert "overdue" in text  # the top bar's due counts


async def test_empty_database_shows_how_to_start(empty_store: Any) -> None:
    app = app_for(empty_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Welcome to pocketcrm" in text
        assert "pocketcrm import FILE" in text
        assert "open the demo database" in text
        assert not contact_list(app).display


async def test_empty_database_offers_the_demo_on_one_key(
    empty_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POCKETCRM_DATA_DIR", str(tmp_path / "data"))
    app = app_for(empty_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        for _ in range(600):  # building 300 contacts takes a few seconds on a loaded machine
            await pilot.pause(0.05)
            if app.store is not empty_store and contact_list(app).display:
                break
        await settle(pilot)
        assert app.store is not empty_store and app.store is not None
        assert str(app.store.path) == str(tmp_path / "data" / "demo.db")
        assert contact_list(app).display
        assert "Welcome to pocketcrm" not in screen_text(app)
        assert "of 300 contacts" in screen_text(app)
        assert "demo.db ·" in screen_text(app)  # the top bar names the database now open
    # Your own database is untouched: it stays empty.
    assert contacts.list_contacts(empty_store, ContactQuery()) == []


async def test_keys_on_an_empty_database_do_not_vanish_into_a_hidden_search(
    empty_store: Any,
) -> None:
    app = app_for(empty_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "HelpModal"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ContactForm"


async def test_opening_by_path_draws_first_then_opens_the_store(tmp_path: Path) -> None:
    app = make_app(tmp_path / "new.db", clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.store is not None
        assert "Welcome to pocketcrm" in screen_text(app)
    assert (tmp_path / "new.db").exists()


async def test_a_file_that_is_not_a_database_is_reported_not_crashed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_text("this is not sqlite")
    app = make_app(broken, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.store is None
        assert app.open_error
        assert app.is_running


# -- search, filter, sort -------------------------------------------------------------------


async def test_search_as_you_type_narrows_the_list(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        for typed in ("a", "an", "ann", "ann ", "ann l"):
            await pilot.press("space" if typed.endswith(" ") else typed[-1])
            await settle(pilot)
            expected = contacts.list_contacts(crm_store, ContactQuery(text=typed))
            table = contact_list(app)
            assert table.total == len(expected)
            assert [table.row_at(i).id for i in range(table.total)] == [r.id for r in expected]
        assert "Ann Lee" in screen_text(app)
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert contact_list(app).total == 31


async def test_filter_by_stage_tag_owner_and_company_kind(crm_store: Any) -> None:
    from textual.widgets import Select

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        form = app.screen
        form.query_one("#filter-stage", Select).value = "customer"
        form.query_one("#filter-tag", Select).value = "vip"
        await pilot.press("ctrl+s")
        await settle(pilot)
        query = ContactQuery(stage="customer", tag="vip")
        expected = contacts.list_contacts(crm_store, query)
        table = contact_list(app)
        assert table.total == len(expected) >= 1
        assert all(table.row_at(i).stage == "customer" for i in range(table.total))
        assert "stage=customer tag=vip" in screen_text(app)

        await pilot.press("F")
        await settle(pilot)
        app.screen.query_one("#filter-owner", Select).value = "Robin"
        app.screen.query_one("#filter-company_kind", Select).value = "customer"
        await pilot.press("ctrl+s")
        await settle(pilot)
        query = ContactQuery(stage="customer", tag="vip", owner="Robin", company_kind="customer")
        assert contact_list(app).total == contacts.count_contacts(crm_store, query)

        # Esc takes back one thing at a time: the search text, then the filters.
        await pilot.press("slash", "a")
        await settle(pilot)
        await pilot.press("down")  # from the search box into the list
        assert contact_list(app).has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == ""
        assert contact_list(app).total == contacts.count_contacts(crm_store, query)
        await pilot.press("escape")
        await settle(pilot)
        assert contact_list(app).total == 31


def test_the_list_marks_a_late_follow_up_by_the_cores_rule() -> None:
    """An all-day follow-up due today is not late (it was red: midnight < now); one due
    yesterday is; a timed one once its moment has passed. Shown as a day, never 00:00."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from pocketcrm.core import clock
    from pocketcrm.core.readmodels.contact_row import ContactRow
    from pocketcrm.tui.screens.contacts import _next_follow_up

    clock.set_clock(lambda: datetime(2026, 12, 1, 9, tzinfo=UTC))
    clock.set_local_zone(ZoneInfo("Europe/Berlin"))

    def row(due: Any) -> ContactRow:
        return ContactRow(1, "Ann Lee", "", "lead", (), "", "", "", None, due)

    assert _next_follow_up(row(date(2026, 12, 1))) == "today"
    assert _next_follow_up(row(date(2026, 11, 30))) == ("1d overdue", "bold red")
    assert _next_follow_up(row(datetime(2026, 12, 1, 8, tzinfo=UTC))) == (
        "today 09:00",
        "bold red",
    )
    assert _next_follow_up(row(datetime(2026, 12, 1, 10, tzinfo=UTC))) == "today 11:00"


async def test_sort_by_last_contact_and_next_follow_up(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for sort, label in (("last-contact", "last contact"), ("next-follow-up", "next follow-up")):
            await pilot.press("s")
            await settle(pilot)
            expected = contacts.list_contacts(crm_store, ContactQuery(sort=sort))
            table = contact_list(app)
            assert [table.row_at(i).id for i in range(10)] == [r.id for r in expected[:10]]
            assert f"sort: {label}" in screen_text(app)


# -- the card --------------------------------------------------------------------------------


async def test_open_a_card_and_flip_through_the_list(crm_store: Any) -> None:
    app = app_for(crm_store)
    order = [r.id for r in contacts.list_contacts(crm_store, ContactQuery())]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, CardScreen)
        assert card.contact_id == order[2]
        shown = contacts.get_card_by_id(crm_store, order[2])
        assert shown.display_name in screen_text(app)
        assert "Card 3 of 31" in screen_text(app)
        await pilot.press("right")
        await settle(pilot)
        assert card.contact_id == order[3]
        assert contacts.get_card_by_id(crm_store, order[3]).display_name in screen_text(app)
        await pilot.press("left", "left")
        await settle(pilot)
        assert card.contact_id == order[1]
        await pilot.press(*["right"] * 10)  # at key-repeat speed: every press counts
        await settle(pilot)
        assert card.contact_id == order[11]
        assert "Card 12 of 31" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)


async def test_card_shows_details_timeline_and_follow_ups(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_ann(pilot, crm_store)
        text = screen_text(app)
        for expected in (
            "Ann Lee",
            "Owner at Harbor Lights Ltd",
            "customer",
            "#vip",
            "ann.lee@example.com",
            "Prefers calls in the morning.",
            "Send the quote",
            "Talked about the spring order.",
            "(new) → customer",
        ):
            assert expected in text, expected
        assert "1d overdue" in text


async def test_log_a_call_with_a_follow_up(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        card = await open_ann(pilot, crm_store)
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "Agreed on 40 units")
        app.screen.query_one("#duration", Input).value = "15m"
        app.screen.query_one("#follow-up", Input).value = "tue 10am"
        app.screen.query_one("#follow-up-note", Input).value = "Confirm the delivery date"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is card
        assert "Agreed on 40 units" in screen_text(app)
        assert "Confirm the delivery" in screen_text(app)

    timeline = activity.contact_interactions(crm_store, ann_id(crm_store))
    newest = timeline[0]
    assert (newest.kind, newest.notes, newest.duration_s) == ("call", "Agreed on 40 units", 900)
    assert newest.occurred_at == NOW
    follow = [f for f in activity.agenda(crm_store, "all") if f.contact_id == ann_id(crm_store)]
    assert [(f.note, f.due_at) for f in follow] == [
        ("Send the quote", datetime(2026, 11, 19, 9, 0, tzinfo=UTC)),
        ("Confirm the delivery date", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
    ]


async def test_a_form_keeps_what_was_typed_when_the_core_says_no(crm_store: Any) -> None:
    app = app_for(crm_store)
    before = len(activity.contact_interactions(crm_store, ann_id(crm_store)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_ann(pilot, crm_store)
        await pilot.press("l")
        await settle(pilot)
        await type_text(pilot, "Left a message")
        app.screen.query_one("#duration", Input).value = "a while"
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#notes", Input).value == "Left a message"
        error = str(form.query_one("#duration-error").render())
        assert "cannot read 'a while'" in error
        assert form.focused is form.query_one("#duration")
        app.screen.query_one("#duration", Input).value = "5m"
        app.screen.query_one("#follow-up", Input).value = "someday maybe"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert str(form.query_one("#follow-up-error").render())
        assert len(activity.contact_interactions(crm_store, ann_id(crm_store))) == before
        await pilot.press("escape")  # something is typed: it asks first
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ConfirmModal"
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form and form.query_one("#notes", Input).value == "Left a message"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
    assert len(activity.contact_interactions(crm_store, ann_id(crm_store))) == before


async def test_the_log_form_never_logs_by_accident_nor_drops_typed_text(crm_store: Any) -> None:
    """`l`, Tab, Enter once logged an empty call, and a follow-up note typed without a
    date was dropped while the toast said logged."""
    app = app_for(crm_store)
    before = len(activity.contact_interactions(crm_store, ann_id(crm_store)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_ann(pilot, crm_store)
        await pilot.press("l")
        await settle(pilot)
        form = app.screen
        assert form.focused is form.query_one("#notes")  # the first field
        await pilot.press("tab", "enter", "enter")
        await settle(pilot)
        assert app.screen is form  # Enter moves on; it does not save
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "nothing to log" in str(form.query_one("#notes-error").render())
        form.query_one("#follow-up-note", Input).value = "Ring back about the order"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "needs a date" in str(form.query_one("#follow-up-error").render())
        assert len(activity.contact_interactions(crm_store, ann_id(crm_store))) == before
        form.query_one("#follow-up-note", Input).value = ""
        form.query_one("#notes", Input).value = "Called back about the invoice"
        form.query_one("#at", Input).value = "yesterday 3pm"  # yesterday's call, logged today
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
    newest = activity.contact_interactions(crm_store, ann_id(crm_store))[0]
    assert newest.notes == "Called back about the invoice"
    assert newest.occurred_at == datetime(2026, 11, 19, 15, 0, tzinfo=UTC)


# -- the agenda ------------------------------------------------------------------------------


async def go_to_agenda(pilot: Any) -> AgendaScreen:
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AgendaScreen)
    return screen


def agenda_row(screen: AgendaScreen, contact_name: str) -> int:
    table = screen.query_one("#agenda-list", VirtualTable)
    for index in range(table.total):
        row = table.row_at(index)
        if not isinstance(row, Section) and row.contact_name == contact_name:
            return index
    raise AssertionError(f"{contact_name} is not on the agenda")


async def test_agenda_shows_overdue_today_and_upcoming(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        text = screen_text(app)
        views = activity.agenda(crm_store, "week")
        overdue = sum(1 for v in views if v.overdue)
        assert f"Overdue ({overdue})" in text
        assert "Send the quote" in text
        table = screen.query_one("#agenda-list", VirtualTable)
        assert sum(
            1 for i in range(table.total) if not isinstance(table.row_at(i), Section)
        ) == len(views)
        await pilot.press("w")
        await settle(pilot)
        assert "everything open" in screen_text(app)
        assert table.total - sum(
            1 for i in range(table.total) if isinstance(table.row_at(i), Section)
        ) == len(activity.agenda(crm_store, "all"))


async def test_mark_a_follow_up_done_and_undo_it(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        table = screen.query_one("#agenda-list", VirtualTable)
        table.move_to(agenda_row(screen, "Ann Lee"))
        follow_up_id = table.current.id
        await pilot.press("x")
        await settle(pilot)
        assert all(v.id != follow_up_id for v in activity.agenda(crm_store, "all"))
        assert "Send the quote" not in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert any(v.id == follow_up_id for v in activity.agenda(crm_store, "all"))
        assert "Send the quote" in screen_text(app)


async def test_remove_a_follow_up_from_the_agenda_and_undo_it(crm_store: Any) -> None:
    """d: a follow-up entered by mistake goes to the trash (not done); u brings it back."""
    from pocketcrm.core.services import trash

    app = app_for(crm_store)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        table = screen.query_one("#agenda-list", VirtualTable)
        table.move_to(agenda_row(screen, "Ann Lee"))
        follow_up_id = table.current.id
        await pilot.press("d")
        await settle(pilot)
        assert all(v.id != follow_up_id for v in activity.agenda(crm_store, "all"))
        assert [i.id for i in trash.list_trash(crm_store) if i.kind == "follow_up"] == [
            follow_up_id
        ]
        assert "Send the quote" not in screen_text(app)
        assert notices.messages[-1].startswith("Moved follow-up ")
        assert notices.messages[-1].endswith(" to the trash. Press u to undo.")
        await pilot.press("u")
        await settle(pilot)
        restored = [v for v in activity.agenda(crm_store, "all") if v.id == follow_up_id]
        assert [v.done_at for v in restored] == [None]
        assert "Send the quote" in screen_text(app)
        assert notices.messages[-1].startswith("Restored follow-up ")
    assert trash.list_trash(crm_store) == []


async def test_remove_the_highlighted_interaction_from_the_card_and_undo_it(
    crm_store: Any,
) -> None:
    """r on the card's timeline: the highlighted call goes to the trash; u brings it back."""
    app = app_for(crm_store)
    before = activity.contact_interactions(crm_store, ann_id(crm_store))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        card = await open_ann(pilot, crm_store)
        card.timeline.move_to(0)
        await settle(pilot)
        removed = card.timeline.current
        assert removed.id == before[0].id
        await pilot.press("r")
        await settle(pilot)
        left = activity.contact_interactions(crm_store, ann_id(crm_store))
        assert [i.id for i in left] == [i.id for i in before[1:]]
        assert app.screen is card
        await pilot.press("u")
        await settle(pilot)
        back = activity.contact_interactions(crm_store, ann_id(crm_store))
        assert [i.id for i in back] == [i.id for i in before]


async def test_snooze_a_follow_up_with_a_when_phrase(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        table = screen.query_one("#agenda-list", VirtualTable)
        table.move_to(agenda_row(screen, "Ann Lee"))
        follow_up_id = table.current.id
        await pilot.press("z")
        await settle(pilot)
        await type_text(pilot, "yesterday 9am")
        await pilot.press("enter")
        await settle(pilot)
        assert "in the past" in str(app.screen.query_one("#when-error").render())
        app.screen.query_one("#when", Input).value = "mon 9am"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    moved = next(v for v in activity.agenda(crm_store, "all") if v.id == follow_up_id)
    assert moved.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert moved.snoozed_until == moved.due_at


async def test_open_the_card_from_the_agenda(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        screen.query_one("#agenda-list", VirtualTable).move_to(agenda_row(screen, "Ann Lee"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert app.screen.contact_id == ann_id(crm_store)


# -- add, edit, delete -----------------------------------------------------------------------


async def test_add_a_contact(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Zed Quinlan")
        form.query_one("#emails", Input).value = "zed@quinlan.example"
        form.query_one("#phones", Input).value = "mobile:+44 20 7946 0123"
        form.query_one("#company", Input).value = "Quinlan Bikes"
        form.query_one("#tags", Input).value = "cyclist, vip"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        table = contact_list(app)
        assert table.current.display_name == "Zed Quinlan"
        assert table.total == 32
    card = contacts.get_card(crm_store, "zed@quinlan.example")
    assert card.display_name == "Zed Quinlan"
    assert card.company is not None and card.company.name == "Quinlan Bikes"
    assert card.tags == ("cyclist", "vip")
    assert card.owner == "Robin"
    assert [p.number for p in card.phones] == ["+44 20 7946 0123"]


async def test_an_invalid_contact_is_not_saved_and_the_error_sits_by_the_field(
    crm_store: Any,
) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Nora Bad")
        form.query_one("#emails", Input).value = "nora-at-example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "is not an email address" in str(form.query_one("#emails-error").render())
        assert form.query_one("#name", Input).value == "Nora Bad"
        await pilot.press("escape")
        await settle(pilot)
    assert contacts.count_contacts(crm_store, ContactQuery(text="Nora")) == 0


async def test_adding_a_likely_duplicate_asks_first(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        await type_text(pilot, "Ann Lee")
        form.query_one("#emails", Input).value = "ann.lee@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "looks like" in str(form.query_one("#name-error").render())
        assert contacts.count_contacts(crm_store, ContactQuery(text="ann lee")) == 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
    assert contacts.count_contacts(crm_store, ContactQuery(text="ann lee")) == 2


async def test_edit_a_contact(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_ann(pilot, crm_store)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#name", Input).value == "Ann Lee"
        assert form.query_one("#emails", Input).value == "work:ann.lee@example.com"
        form.query_one("#title", Input).value = "Managing director"
        form.query_one("#tags", Input).value = "vip wholesale"
        form.query_one("#emails", Input).value = "ann@harbor.example"
        from textual.widgets import Select

        form.query_one("#stage", Select).value = "past_customer"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        text = screen_text(app)
        assert "Managing director at Harbor Lights Ltd" in text
        assert "past customer" in text
    card = contacts.get_card_by_id(crm_store, ann_id_after_edit(crm_store))
    assert card.title == "Managing director"
    assert card.tags == ("vip", "wholesale")
    assert [e.address for e in card.emails] == ["ann@harbor.example"]
    assert card.stage == "past_customer"
    assert [h.to_stage for h in card.stage_history] == ["customer", "past_customer"]


def ann_id_after_edit(store: Any) -> int:
    return contacts.resolve(store, "ann@harbor.example")


async def test_delete_asks_first_then_undo_restores(crm_store: Any) -> None:
    app = app_for(crm_store)
    target = ann_id(crm_store)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await settle(pilot)
        await open_ann(pilot, crm_store)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")  # keep
        await settle(pilot)
        assert contacts.count_contacts(crm_store, ContactQuery(text="ann lee")) == 1
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert contacts.count_contacts(crm_store, ContactQuery(text="ann lee")) == 0
        assert contacts.get_card_by_id(crm_store, target).deleted_at is not None
        assert "No contact matches" in screen_text(app)
        assert "Moved Ann Lee to the trash. Press u to undo." in notices.messages
        await pilot.press("u")
        await settle(pilot)
        assert contacts.get_card_by_id(crm_store, target).deleted_at is None
        assert "Ann Lee" in screen_text(app)
        assert notices.messages[-1] == "Restored Ann Lee."


# -- the rest --------------------------------------------------------------------------------


async def test_companies_and_a_company_card(crm_store: Any) -> None:
    from pocketcrm.core.services.companies import get_company, list_companies

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        companies = list_companies(crm_store)
        table = app.screen.query_one("#company-list", VirtualTable)
        assert table.total == len(companies)
        await pilot.press("slash")
        await type_text(pilot, "harbor lights")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        company = get_company(crm_store, "Harbor Lights Ltd")
        text = screen_text(app)
        assert company.name in text
        assert f"People ({len(company.people)})" in text
        assert "Talked about the spring order." in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert app.screen.contact_id == company.people[0].id


async def test_report_shows_the_summary(crm_store: Any) -> None:
    from textual.widgets import Sparkline

    from pocketcrm.core.services.reports import summary

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        report = summary(crm_store)
        text = screen_text(app)
        assert f"contacts {report.contacts_total}" in text
        assert "Contacts by stage" in text
        spark = app.screen.query_one("#activity", Sparkline)
        assert list(spark.data or []) == [float(w.count) for w in report.activity_by_week]
        await pilot.press("p")
        await settle(pilot)
        assert "the last 90 days" in screen_text(app)


async def test_help_and_the_command_palette(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = screen_text(app)
        assert "On this screen" in text and "Schedule a follow-up" in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "sort contacts by next")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert app.screen.sort == "next-follow-up"


async def test_every_action_is_in_the_palette_and_every_binding_has_an_id(crm_store: Any) -> None:
    from textual.binding import Binding
    from textual.dom import DOMNode

    from pocketcrm.tui import app as app_module
    from pocketcrm.tui.modals import (
        confirm,
        contact_form,
        filters,
        follow_up_form,
        help,
        log_form,
        snooze_form,
    )
    from pocketcrm.tui.screens import agenda, card, companies, dupes, report
    from pocketcrm.tui.screens import contacts as contacts_screen
    from pocketcrm.tui.widgets import virtual_table

    owners: list[type[DOMNode]] = [
        app_module.PocketCRM,
        contacts_screen.ContactsScreen,
        card.CardScreen,
        agenda.AgendaScreen,
        companies.CompaniesScreen,
        companies.CompanyScreen,
        report.ReportScreen,
        dupes.DuplicatesScreen,
        confirm.ConfirmModal,
        contact_form.ContactForm,
        log_form.LogForm,
        follow_up_form.FollowUpForm,
        snooze_form.SnoozeForm,
        filters.FilterForm,
        help.HelpModal,
        virtual_table.VirtualTable,
    ]
    for owner in owners:
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding) and binding.id, (owner, binding)

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        offered = {c.action for _o, c in app_module.screen_commands(app, app.screen)}
        for binding in [*contacts_screen.ContactsScreen.BINDINGS, *app_module.PocketCRM.BINDINGS]:
            assert isinstance(binding, Binding) and binding.action in offered


async def test_changes_by_another_process_show_up_without_a_restart(
    crm_store: Any, tmp_path: Path
) -> None:
    app = app_for(crm_store, watch_seconds=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert contact_list(app).total == 31
        env = {**os.environ, "POCKETCRM_NOW": NOW.isoformat()}
        subprocess.run(
            [sys.executable, "-m", "pocketcrm", "--db", str(crm_store.path), "add", "Olga Outside"],
            check=True,
            env=env,
            capture_output=True,
        )
        for _ in range(40):
            await pilot.pause(0.1)
            await app.workers.wait_for_complete()
            if contact_list(app).total == 32:
                break
        assert contact_list(app).total == 32
        await settle(pilot)
        assert contacts.count_contacts(crm_store) == 32


async def test_a_big_list_pages_in_on_demand(tmp_path: Path, settings: Any) -> None:
    from pocketcrm.core.demo import generate
    from pocketcrm.core.store import open_store

    store = open_store(tmp_path / "big.db", settings)
    generate(store, contacts=2_500, companies=50, interactions=100, follow_ups=10, seed=5)
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = contact_list(app)
        assert table.total == 2_500
        assert table.pages_held <= 2  # only what is on screen was fetched
        await pilot.press("end")
        await settle(pilot)
        expected = contacts.list_contacts(store, ContactQuery(limit=1, offset=2_499))
        assert table.current.id == expected[0].id
        assert expected[0].display_name in screen_text(app)
        assert "2,500 of 2,500 contacts" in screen_text(app)
    store.close()


@pytest.mark.parametrize("module", ["pocketcrm.tui.app"])
def test_the_interface_draws_before_importing_sqlmodel(module: str) -> None:
    code = f"import sys, {module}; print('sqlmodel' in sys.modules, 'sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# -- reminders health ------------------------------------------------------------------------


def top_bar_text(app: PocketCRM) -> str:
    return screen_text(app).splitlines()[0]


async def test_the_top_bar_warns_when_reminders_are_late(crm_store: Any) -> None:
    import io
    from datetime import timedelta

    from pocketcrm.core.reminders import engine, health

    app = app_for(crm_store)
    async with app.run_test(size=(140, 32)) as pilot:
        await settle(pilot)
        assert "reminders" not in top_bar_text(app)  # never set up: nothing to say
        # A real reminder run three days ago, then nothing since (the job is missing).
        engine.run(crm_store, stream=io.StringIO(), now=NOW - timedelta(days=3))
        assert health.reminder_health(crm_store).late
        app.data_written()
        await settle(pilot)
        assert "⚠ reminders not run for 3d" in top_bar_text(app)
        assert "overdue" in top_bar_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert "⚠ reminders not run for 3d" in top_bar_text(app)
        engine.run(crm_store, stream=io.StringIO(), now=NOW)  # running again: all is well
        app.data_written()
        await settle(pilot)
        assert "reminders" not in top_bar_text(app)


async def test_the_top_bar_and_agenda_show_failing_deliveries(
    tmp_path: Path, settings: Any
) -> None:
    import io
    from dataclasses import replace
    from datetime import timedelta

    from pocketcrm.core.reminders import engine
    from pocketcrm.core.services.activity import schedule_follow_up
    from pocketcrm.core.services.contacts import ContactInput, create_contact
    from pocketcrm.core.settings import ReminderConfig
    from pocketcrm.core.store import open_store

    failing = replace(settings, reminders=ReminderConfig(command="exit 3"))
    store = open_store(tmp_path / "failing.db", failing)
    dan = create_contact(store, ContactInput(name="Dan Weiss"))
    schedule_follow_up(store, f"#{dan.id}", NOW - timedelta(hours=2), note="Call about the van")
    result = engine.run(store, channels=["command"], stream=io.StringIO(), now=NOW)
    assert result.failed
    app = app_for(store)
    async with app.run_test(size=(140, 32)) as pilot:
        await settle(pilot)
        assert "⚠ reminders 1 failing" in top_bar_text(app)
        await pilot.press("2")
        await settle(pilot)
        text = screen_text(app)
        assert "Call about the van" in text and "reminder failed" in text
        assert "Reminder failed: " in text  # the highlighted one's error, whole, in the status
    store.close()


# -- drifting out of touch -------------------------------------------------------------------


async def test_the_agenda_lists_who_is_drifting_out_of_touch(crm_store: Any) -> None:
    from pocketcrm.core.services.cadence import drifting, set_cadence

    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        assert not screen.query_one("#drift-list").display  # no cadence yet: no section
        assert "Drifting" not in screen_text(app)
        set_cadence(crm_store, ideal_days=14, tag="vip")
        app.data_written()
        await settle(pilot)
        drifts = drifting(crm_store)
        assert drifts  # vip contacts last called more than two weeks ago
        table = screen.query_one("#drift-list", VirtualTable)
        assert [table.row_at(i).contact_id for i in range(table.total)] == [
            d.contact_id for d in drifts
        ]
        text = screen_text(app)
        assert f"Drifting out of touch ({len(drifts)})" in text
        assert drifts[0].contact_name in text and f"{drifts[0].days_over}d" in text

        await pilot.press("tab")  # to the drifting list
        assert table.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert app.screen.contact_id == drifts[0].contact_id
        await pilot.press("escape")
        await settle(pilot)
        assert screen.is_current and table.has_focus

        await pilot.press("l")  # log a call right from the list
        await settle(pilot)
        await type_text(pilot, "Caught up at last")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.is_current
        assert drifts[0].contact_id not in [d.contact_id for d in drifting(crm_store)]
        assert [table.row_at(i).contact_id for i in range(table.total)] == [
            d.contact_id for d in drifting(crm_store)
        ]
    newest = activity.contact_interactions(crm_store, drifts[0].contact_id)[0]
    assert (newest.kind, newest.notes, newest.occurred_at) == ("call", "Caught up at last", NOW)


# -- duplicates ------------------------------------------------------------------------------


async def test_review_duplicates_merge_keeping_the_left_then_undo(crm_store: Any) -> None:
    from pocketcrm.core.services.contacts import ContactInput, create_contact
    from pocketcrm.core.services.dupes import find_duplicates
    from pocketcrm.tui.screens.dupes import DuplicatesScreen

    ann = ann_id(crm_store)
    twin = create_contact(
        crm_store,
        ContactInput(name="Ann Lee", emails=["ann.lee@example.com"], phones=["+44 7700 900123"]),
    ).id
    expected = find_duplicates(crm_store)
    assert (expected[0].a.id, expected[0].b.id) == (ann, twin)
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DuplicatesScreen)
        table = screen.query_one("#dupe-list", VirtualTable)
        assert [(table.row_at(i).a.id, table.row_at(i).b.id) for i in range(table.total)] == [
            (p.a.id, p.b.id) for p in expected
        ]
        text = screen_text(app)
        assert f"Ann Lee #{ann}" in text and f"Ann Lee #{twin}" in text
        assert f"{expected[0].score}%" in text and "same email ann.lee@example.com" in text
        assert "Prefers calls in the morning." in text  # the left card
        assert "+44 7700 900123" in text  # the right card

        await pilot.press("left")  # keep the left: asks first
        await settle(pilot)
        assert "merge Ann Lee" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert contacts.get_card_by_id(crm_store, twin).deleted_at is None
        await pilot.press("left")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        kept = contacts.get_card_by_id(crm_store, ann)
        assert "+44 7700 900123" in [p.number for p in kept.phones]
        assert contacts.get_card_by_id(crm_store, twin).deleted_at is not None  # in the trash
        assert all(twin not in (p.a.id, p.b.id) for p in find_duplicates(crm_store))
        assert all(
            twin not in (table.row_at(i).a.id, table.row_at(i).b.id) for i in range(table.total)
        )  # the list refreshed

        await pilot.press("u")  # the notification's undo
        await settle(pilot)
        assert contacts.get_card_by_id(crm_store, twin).deleted_at is None
        assert "+44 7700 900123" not in [
            p.number for p in contacts.get_card_by_id(crm_store, ann).phones
        ]
        assert (table.row_at(0).a.id, table.row_at(0).b.id) == (ann, twin)

        await pilot.press("right", "y")  # keep the right this time, then undo with U
        await settle(pilot)
        assert contacts.get_card_by_id(crm_store, ann).deleted_at is not None
        await pilot.press("U")
        await settle(pilot)
        assert contacts.get_card_by_id(crm_store, ann).deleted_at is None
        assert contacts.get_card_by_id(crm_store, twin).deleted_at is None


async def test_skip_a_pair_that_is_not_a_duplicate(crm_store: Any) -> None:
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    create_contact(crm_store, ContactInput(name="Grace Murphey"))
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = app.screen.query_one("#dupe-list", VirtualTable)
        assert table.total == 1
        await pilot.press("s")
        await settle(pilot)
        assert table.total == 0
        assert "No likely duplicates" in screen_text(app)
        await pilot.press("r")
        await settle(pilot)
        assert table.total == 1
    assert contacts.count_contacts(crm_store, ContactQuery(text="grace")) == 2


async def test_the_card_screen_is_built_ahead_after_the_first_frame(crm_store: Any) -> None:
    app = app_for(crm_store)
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)  # the prebuild runs when the list has been idle a moment
        await settle(pilot)
        assert app.is_screen_installed("card-contacts")
        ready = app.get_screen("card-contacts")
        assert isinstance(ready, CardScreen) and ready.is_mounted and ready.blank
        assert not notices.messages  # the blank card loaded nothing and said nothing
        card = await open_ann(pilot, crm_store)
        assert card is ready and not card.blank
        assert "Prefers calls in the morning." in screen_text(app)


@pytest.mark.parametrize("moment", ["before-the-store", "first-frame", "card-prebuilt", "later"])
async def test_quitting_at_any_moment_of_start_up_exits_cleanly(
    crm_store: Any, tmp_path: Path, moment: str
) -> None:
    """A quit right after start once crashed: the card screen built ahead of time mounted
    while the app shut down. Each moment forces the quit exactly there."""
    if moment == "before-the-store":
        app = make_app(tmp_path / "new.db", clock=lambda: NOW, watch_seconds=0)
        app.call_later(app.exit)
    else:
        app = app_for(crm_store)
    if moment == "first-frame":
        shown = app.first_frame_shown

        def first() -> bool:
            shown()
            app.exit()
            return False

        app.first_frame_shown = first  # type: ignore[method-assign]
    elif moment == "card-prebuilt":
        prebuild = app.build_card_ahead

        def prebuilt() -> None:
            prebuild()
            app.exit()  # the card screen is installed and mounts during the shutdown

        app.build_card_ahead = prebuilt  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.is_running:
                break
        if moment == "later":
            await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_list_keys_do_not_clash_on_the_companies_screen(crm_store: Any) -> None:
    """`k` was both 'filter by kind' and 'up' there (the list won); F filters, as on the
    contacts screen, and g / G jump to the first and last row of any list."""
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#company-list", VirtualTable)
        assert table.has_focus
        await pilot.press("G")
        await settle(pilot)
        assert table.cursor == table.total - 1
        await pilot.press("k")  # up: the list's key
        await settle(pilot)
        assert table.cursor == table.total - 2
        await pilot.press("g")
        await settle(pilot)
        assert table.cursor == 0
        await pilot.press("F")
        await settle(pilot)
        assert "kind: customer" in screen_text(app)


async def test_a_mistyped_path_is_refused_not_created(tmp_path: Path) -> None:
    """`pocketcrm --db typo/x.db` must not make folders and an empty database silently."""
    target = tmp_path / "typo" / "x.db"
    app = make_app(target, clock=lambda: NOW, watch_seconds=0, create_folders=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.store is None
        assert "--create" in app.open_error
    assert not (tmp_path / "typo").exists()


async def test_the_duplicates_screen_on_a_block_of_forty_same_surnames(crm_store: Any) -> None:
    """Issue 9: the Dupes screen crashed (ModuleNotFoundError: numpy) once 31 or more
    contacts shared a name block."""
    from pocketcrm.core.services.contacts import ContactInput, create_contact
    from pocketcrm.tui.screens.dupes import DuplicatesScreen

    for n in range(42):
        first = "J" + "abcdefghijklmnopqrstuvwxyz"[n % 26] + "aeiou"[n // 26] + "n"
        create_contact(crm_store, ContactInput(name=f"{first} Smith"))
    jorg = create_contact(crm_store, ContactInput(name="Jörg Smith")).id
    create_contact(crm_store, ContactInput(name="JORG SMITH"))
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DuplicatesScreen)
        table = screen.query_one("#dupe-list", VirtualTable)
        assert table.total > 0
        assert jorg in {
            i for n in range(table.total) for i in (table.row_at(n).a.id, table.row_at(n).b.id)
        }


async def test_u_after_a_snooze_undoes_the_snooze_not_an_older_done(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await go_to_agenda(pilot)
        table = screen.query_one("#agenda-list", VirtualTable)
        table.move_to(agenda_row(screen, "Ann Lee"))
        ann = table.current
        others = [v for v in activity.agenda(crm_store, "all") if v.id != ann.id]
        activity.complete_follow_up(crm_store, others[0].id)  # an older "done" ...
        app.remember_undo("reopen the follow-up", lambda: "reopened")  # ... still undoable
        await pilot.press("z")
        await settle(pilot)
        await type_text(pilot, "mon 9am")
        await pilot.press("enter")
        await settle(pilot)
        moved = next(v for v in activity.agenda(crm_store, "all") if v.id == ann.id)
        assert moved.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        await pilot.press("u")
        await settle(pilot)
    back = next(v for v in activity.agenda(crm_store, "all") if v.id == ann.id)
    assert (back.due_at, back.snoozed_until) == (ann.due_at, ann.snoozed_until)
    assert activity.agenda(crm_store, "all") and others[0].id not in [
        v.id for v in activity.agenda(crm_store, "all")
    ]  # the older done stays done
