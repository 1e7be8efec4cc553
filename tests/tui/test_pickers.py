"""Owner and department pickers in the forms (issue 11): the owner field completes users'
logins and names as they are typed, the case's department the departments'; what names no
user or department is refused beside its field and nothing is written. Pilot tests, read
back through the core, and snapshots at 80x24 and 120x40 (`--snapshot-update -k picker`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.widgets import Input, TextArea
from tuihelp import NOW, settle, type_text

from pocketcrm.core.services import case_views, cases, companies, departments, users
from pocketcrm.core.services.cases import CaseInput
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.case_forms import AssignForm
from pocketcrm.tui.modals.company_form import CompanyForm

Compare = Callable[..., bool]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def with_team(store: Any) -> Any:
    departments.add_department(store, "Field sales")
    departments.add_department(store, "Support")
    users.add_user(store, users.UserInput("sam", name="Sam Reyes", department="Field sales"))
    return store


def error(form: Any, widget_id: str) -> str:
    return str(form.query_one(f"#{widget_id}-error").render())


async def _edit_company_owner(pilot: Any, typed: str) -> None:
    """The first company's edit form, its owner field emptied and TYPED into."""
    await settle(pilot)
    for key in ("3", "e"):
        await pilot.press(key)
        await settle(pilot)
    owner = pilot.app.screen.query_one("#owner", Input)
    owner.value = ""
    owner.focus()
    await settle(pilot)
    await type_text(pilot, typed)
    await settle(pilot)


async def test_the_company_owner_completes_a_user_and_saves_their_login(crm_store: Any) -> None:
    with_team(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _edit_company_owner(pilot, "Sam R")
        form = app.screen
        assert isinstance(form, CompanyForm)
        await pilot.press("right")  # takes the suggestion: the display name
        assert form.query_one("#owner", Input).value == "Sam Reyes"
        name = form.company.name if form.company else ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CompanyForm)
    assert companies.get_company(crm_store, name).owner == "sam"  # the login, not the name


async def test_an_unknown_owner_is_refused_beside_the_field(crm_store: Any) -> None:
    with_team(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _edit_company_owner(pilot, "Nobody")
        form = app.screen
        assert isinstance(form, CompanyForm) and form.company is not None
        name, before = form.company.name, form.company.owner
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open, as typed
        assert "no user 'Nobody'" in error(form, "owner")
    assert companies.get_company(crm_store, name).owner == before


async def _assign_form(pilot: Any, login: str, department: str) -> None:
    await settle(pilot)
    await pilot.press("7")
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    form = pilot.app.screen
    form.query_one("#assign-login", Input).value = login
    dept = form.query_one("#assign-dept", Input)
    dept.value = ""
    dept.focus()
    await type_text(pilot, department)
    await settle(pilot)


def _a_case(store: Any) -> str:
    with_team(store)
    return cases.open_case(store, "ann.lee@example.com", CaseInput("Invoice wrong")).number


async def test_the_case_assignee_and_department_are_picked_and_checked(crm_store: Any) -> None:
    number = _a_case(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _assign_form(pilot, "sam", "Repairs")
        form = app.screen
        assert isinstance(form, AssignForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "no department 'Repairs'" in error(form, "assign-dept")
        assert case_views.get_case(crm_store, number).assignee == ""  # nothing written
        dept = form.query_one("#assign-dept", Input)
        dept.value = ""
        await type_text(pilot, "sup")
        await settle(pilot)
        await pilot.press("right")  # the suggestion: Support
        assert dept.value == "Support"
        await pilot.press("ctrl+s")
        await settle(pilot)
    found = case_views.get_case(crm_store, number)
    assert (found.assignee, found.department) == ("sam", "Support")


async def test_a_new_deals_owner_is_picked_and_checked(crm_store: Any) -> None:
    from pocketcrm.core.services import deals
    from pocketcrm.tui.modals.deal_form import DealForm

    with_team(crm_store)
    ann = _ann(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = DealForm(ann, "Ann Lee")
        await app.push_screen(form)
        await settle(pilot)
        form.query_one("#title", Input).value = "40 chairs"
        form.query_one("#owner", Input).value = "Nobody"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "no user 'Nobody'" in error(form, "owner")
        assert deals.list_deals(crm_store) == []  # nothing written
        owner = form.query_one("#owner", Input)
        owner.value = ""
        owner.focus()
        await type_text(pilot, "Sam R")
        await settle(pilot)
        await pilot.press("right", "ctrl+s")
        await settle(pilot)
    assert [d.owner for d in deals.list_deals(crm_store)] == ["sam"]


def _ann(store: Any) -> int:
    from pocketcrm.core.services import contacts

    return contacts.get_card(store, "Ann Lee").id


def _quiet(run: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    async def quiet(pilot: Any) -> None:
        await run(pilot)
        for widget in pilot.app.screen.query("Input, TextArea"):
            if isinstance(widget, Input | TextArea):
                widget.cursor_blink = False
        await settle(pilot)

    return quiet


@pytest.mark.parametrize("size", SIZES)
def test_owner_picker_suggests(
    snap_compare: Compare, crm_store: Any, size: tuple[int, int]
) -> None:
    with_team(crm_store)

    async def run(pilot: Any) -> None:
        await _edit_company_owner(pilot, "sa")

    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=_quiet(run))


@pytest.mark.parametrize("size", SIZES)
def test_department_picker_refuses(
    snap_compare: Compare, crm_store: Any, size: tuple[int, int]
) -> None:
    _a_case(crm_store)

    async def run(pilot: Any) -> None:
        await _assign_form(pilot, "sam", "Repairs")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app_for(crm_store), terminal_size=size, run_before=_quiet(run))


async def _open_form(pilot: Any, key: str) -> Any:
    """The first contact's log (l) or follow-up (f) form."""
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)
    return pilot.app.screen


def _owners(store: Any, table: str) -> list[str]:
    with store.read() as session:
        from sqlalchemy import text

        return [str(r) for r in session.execute(text(f"SELECT owner FROM {table}")).scalars()]


async def test_a_call_is_logged_for_the_user_picked_and_an_unknown_one_is_refused(
    crm_store: Any,
) -> None:
    with_team(crm_store)
    before = _owners(crm_store, "interaction")
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(pilot, "l")
        form.query_one("#notes", Input).value = "Asked for the price list"
        form.query_one("#owner", Input).value = "Nobody"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open, as typed
        assert "no user 'Nobody'" in error(form, "owner")
        assert _owners(crm_store, "interaction") == before  # nothing written
        form.query_one("#owner", Input).value = "Sam Reyes"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert sorted(_owners(crm_store, "interaction")) == sorted([*before, "sam"])


async def test_a_follow_up_is_planned_for_the_user_picked(crm_store: Any) -> None:
    with_team(crm_store)
    before = _owners(crm_store, "follow_up")
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open_form(pilot, "f")
        form.query_one("#when", Input).value = "tomorrow 9am"
        form.query_one("#owner", Input).value = "sam"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert sorted(_owners(crm_store, "follow_up")) == sorted([*before, "sam"])
