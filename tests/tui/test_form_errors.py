"""Every form shows all its errors at once, each beside its field (before, only the first
was shown: fix it, save, and meet the next one); nothing is written while any is left."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input
from tuihelp import NOW, settle

from pocketcrm.core.services import contacts
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.contact_form import ContactForm
from pocketcrm.tui.modals.deal_form import DealForm
from pocketcrm.tui.modals.log_form import LogForm


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def error(form: Any, widget_id: str) -> str:
    return str(form.query_one(f"#{widget_id}-error").render())


def fill(form: Any, **values: str) -> None:
    for widget_id, value in values.items():
        form.query_one(f"#{widget_id.replace('_', '-')}", Input).value = value


async def test_the_contact_form_shows_every_bad_field(empty_store: Any) -> None:
    app = app_for(empty_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        fill(form, name="Ann Lee", emails="not-an-email", phones="no digits", birthday="soon")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not an email address" in error(form, "emails")
        assert "has no digits" in error(form, "phones")
        assert error(form, "birthday")  # the third, at the same time
        assert app.focused is form.query_one("#emails", Input)  # the first to fix
        assert contacts.list_contacts(empty_store) == []


def test_the_core_lists_every_problem_and_the_cli_still_gets_the_first() -> None:
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.settings import Settings

    data = contacts.ContactInput(name="Ann", emails=["x"], phones=["y"], tags=["a b c!"])
    problems = contacts.input_problems(data, Settings())
    assert [p.field for p in problems][:2] == ["email", "phone"]
    try:
        contacts.validate_input(data, Settings())
    except Invalid as exc:
        assert exc.field == "email"
    else:
        raise AssertionError("validate_input accepted a bad email")


async def test_the_deal_form_shows_a_missing_contact_and_a_bad_date_together(
    crm_store: Any,
) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DealForm)
        fill(form, title="Chairs", close="the twelfth of never")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "say who the deal is with" in error(form, "contact")
        assert "cannot read" in error(form, "close")
        assert isinstance(app.screen, DealForm)


async def test_the_log_form_shows_a_bad_duration_and_a_bad_follow_up_together(
    crm_store: Any,
) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LogForm)
        fill(form, duration="forever", follow_up="the twelfth of never")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error(form, "duration")
        assert error(form, "follow-up")
        assert isinstance(app.screen, LogForm)
