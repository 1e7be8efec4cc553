"""Companies are added, edited and deleted on screen (before: only with `pocketcrm company`):
the form saves through the core's company service; what was saved is read back through it."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Select
from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.core.services.companies import get_company, list_companies
from pocketcrm.core.services.trash import list_trash
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.company_form import CompanyForm
from pocketcrm.tui.screens.companies import CompaniesScreen, CompanyScreen


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def test_a_company_is_added_from_the_list(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CompanyForm)
        await type_text(pilot, "Blue Heron Tea")
        form.query_one("#kind", Select).value = "supplier"
        form.query_one("#city", Input).value = "Leeds"
        form.query_one("#tags", Input).value = "tea, wholesale"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CompaniesScreen)
        card = get_company(crm_store, "Blue Heron Tea")
        assert (card.kind, card.city, card.tags) == ("supplier", "Leeds", ("tea", "wholesale"))
        assert "Blue Heron Tea" in screen_text(app)


async def test_a_bad_email_is_refused_beside_its_field_and_nothing_is_written(
    crm_store: Any,
) -> None:
    before = len(list_companies(crm_store))
    app = app_for(crm_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3", "n")
        await settle(pilot)
        await type_text(pilot, "Blue Heron Tea")
        app.screen.query_one("#email", Input).value = "not-an-email"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CompanyForm)
        assert "not an email address" in str(app.screen.query_one("#email-error").render())
        assert len(list_companies(crm_store)) == before


async def test_a_company_is_edited_and_deleted_from_its_card(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash")
        await type_text(pilot, "Granite")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CompanyScreen)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CompanyForm)
        assert form.query_one("#name", Input).value == "Granite Print"
        form.query_one("#website", Input).value = "granite.example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert get_company(crm_store, "Granite Print").website == "granite.example.com"
        assert "granite.example.com" in screen_text(app)
        await pilot.press("d", "y")
        await settle(pilot)
        assert [(i.kind, i.label) for i in list_trash(crm_store)] == [("company", "Granite Print")]
        assert isinstance(app.screen, CompaniesScreen)
        await pilot.press("u")  # the undo brings it back
        await settle(pilot)
        assert list_trash(crm_store) == []
