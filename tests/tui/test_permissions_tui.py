"""The interface offers what the acting user's role may do (issue 11): a viewer sees no
add, edit, trash or log keys (footer, palette, the key itself); a sales user's edit and
trash are dimmed on a colleague's contact and work on their own.

On SQLite the acting user is the user settings.owner names; the file's first user (the OS
login, LOGNAME=robin here) is its admin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tuihelp import NOW, Notices, screen_text, settle

from pocketcrm.core.services import contacts, departments, users
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store
from pocketcrm.tui.app import PocketCRM, make_app, screen_commands
from pocketcrm.tui.modals.contact_form import ContactForm
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.contacts import ContactsScreen
from pocketcrm.tui.textual_internals import FooterKey
from pocketcrm.tui.widgets.key_footer import KeyFooter


@pytest.fixture
def team_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOGNAME", "robin")
    path = tmp_path / "team.db"
    store = open_store(path, Settings())
    departments.add_department(store, "Field")
    users.add_user(store, users.UserInput("mia", name="Mia Kay", department="Field",
                                          role="manager"))  # fmt: skip
    users.add_user(store, users.UserInput("sam", name="Sam Reyes", department="Field"))
    users.add_user(store, users.UserInput("vic", name="Vic Viewer", role="viewer"))
    contacts.create_contact(store, ContactInput(name="Anna Mia", owner="mia"))
    contacts.create_contact(store, ContactInput(name="Bert Sam", owner="sam"))
    store.close()
    return path


@pytest.fixture
def as_user(team_file: Path) -> Iterator[Any]:
    opened: list[Store] = []

    def open_as(owner: str) -> PocketCRM:
        store = open_store(team_file, Settings(owner=owner))
        opened.append(store)
        return make_app(store, clock=lambda: NOW, watch_seconds=0)

    yield open_as
    for store in opened:
        store.close()


def footer_keys(app: PocketCRM) -> set[str]:
    """The descriptions the footer shows (its keys, as a person reads them)."""
    footer = app.screen.query_one(KeyFooter)
    return {str(key.description) for key in footer.query(FooterKey)}


def palette_titles(app: PocketCRM) -> set[str]:
    """What the command palette offers here (what check_action does not hide)."""
    return {
        command.title
        for owner, command in screen_commands(app, app.screen)
        if owner.check_action(command.action.split("(", 1)[0], ()) is not False
    }


async def test_a_viewer_sees_no_key_that_changes_data(as_user: Any) -> None:
    app = as_user("vic")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.access is not None and app.access.read_only
        shown = footer_keys(app)
        assert not shown & {"New", "Edit", "Log", "Follow-up", "Delete"}, shown
        assert {"Card", "Search"} <= shown
        offered = palette_titles(app)
        assert "Add a contact" not in offered and "Edit the contact" not in offered
        assert "Open the contact's card" in offered
        await pilot.press("question_mark")  # the help leaves them out too
        await settle(pilot)
        helped = screen_text(app)
        assert "Open the contact's card" in helped and "Add a contact" not in helped
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")  # the key does nothing either
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        shown = footer_keys(app)
        assert not shown & {"Log", "Follow-up", "Done", "Edit", "Delete", "Deal", "Quote"}
        assert "History" in shown
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)


async def test_a_sales_user_changes_their_own_contacts_not_a_colleagues(as_user: Any) -> None:
    app = as_user("sam")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        assert screen.table.current.display_name == "Anna Mia"  # mia's
        assert screen.check_action("edit", ()) is None  # shown dimmed: not theirs
        assert screen.check_action("delete", ()) is None
        assert screen.check_action("log", ()) is True  # a call, as themselves
        assert screen.check_action("add", ()) is True
        await pilot.press("e")
        await settle(pilot)
        assert app.screen is screen  # no form for a contact they may not change
        await pilot.press("down")  # Bert Sam, theirs
        await settle(pilot)
        assert screen.table.current.display_name == "Bert Sam"
        assert screen.check_action("edit", ()) is True
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)


async def test_a_sales_user_marks_done_only_their_own_follow_ups(
    team_file: Path, as_user: Any
) -> None:
    from datetime import timedelta

    from pocketcrm.core.services import activity
    from pocketcrm.tui.screens.agenda import AgendaScreen

    store = open_store(team_file, Settings())
    try:
        for name, owner, hours in (("Anna Mia", "mia", 1), ("Bert Sam", "sam", 2)):
            activity.schedule_follow_up(store, name, NOW + timedelta(hours=hours), owner=owner)
    finally:
        store.close()
    app = as_user("sam")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.switch_mode("agenda")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen)
        while screen.focus_owner() is None:  # past the section heading
            await pilot.press("down")
            await settle(pilot)
        assert screen.focus_owner() == "mia"
        assert screen.check_action("done", ()) is None  # mia's: dimmed
        await pilot.press("down")
        await settle(pilot)
        assert screen.focus_owner() == "sam" and screen.check_action("done", ()) is True


async def test_a_manager_changes_their_departments_contacts(as_user: Any) -> None:
    app = as_user("mia")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        for _ in range(2):
            assert screen.check_action("edit", ()) is True  # theirs, then sam's
            await pilot.press("down")
            await settle(pilot)
        assert palette_titles(app) >= {"Add a contact", "Edit the contact"}


PASSWORD = "correct horse battery"


def _as(url: str, login: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)


async def test_the_interface_reports_a_refusal_that_slips_past(pg_server: Any) -> None:
    """The list said the contact was unassigned (editable); an admin gave it to someone
    else meanwhile: the save is refused by the server, shown as a notification and beside
    the form, and nothing is written."""
    from textual.widgets import Input

    url = pg_server.database()
    sam, other = f"late{os.getpid()}", f"other{os.getpid()}"
    admin = open_store(url, Settings())
    users.add_user(admin, users.UserInput(sam, role="sales"), password=PASSWORD)
    users.add_user(admin, users.UserInput(other, role="sales"), password=PASSWORD)
    made = contacts.create_contact(admin, ContactInput(name="Moved Away"))
    store = open_store(_as(url, sam), Settings())
    notices = Notices()
    try:
        app = make_app(store, clock=lambda: NOW, watch_seconds=0)
        async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
            await settle(pilot)
            assert app.access is not None and app.access.role == "sales"
            assert app.screen.check_action("edit", ()) is True  # unassigned: theirs to take
            contacts.update_contact(admin, f"#{made.id}", contacts.ContactPatch(owner=other))
            await pilot.press("e")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, ContactForm)
            form.query_one("#title", Input).value = "Mine now"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert any("not allowed" in m for m in notices.messages), notices.messages
    finally:
        store.close()
        admin.close()
    check = open_store(url, Settings())
    try:
        assert contacts.get_card(check, f"#{made.id}").title == ""
    finally:
        check.close()
