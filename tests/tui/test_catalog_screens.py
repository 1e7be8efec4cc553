"""Issue 12 in the interface: the Products screen (add, edit, retire), the report's
Profitability tab, billing on the company card, and quotes with lines on the contact card;
everything saved is read back through the core's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.widgets import TabbedContent, TextArea
from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.core.services import billing, products, quotes
from pocketcrm.core.services.products import ProductInput
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.products import ProductsScreen

SIZE = (110, 32)


def _money(cents: int) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, "")


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def stock(store: Any) -> None:
    products.add_product(store, ProductInput(sku="WID-100", name="Widget", price="45", cost="30",
                                             tax_rate="20%", category="hardware"))  # fmt: skip
    products.add_product(store, ProductInput(sku="PST-1", name="Pastry tray", price="10", cost="9"))


async def test_products_screen_adds_edits_and_retires(crm_store: Any) -> None:
    stock(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        assert "WID-100" in screen_text(app) and "2 active, 0 retired" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "CONS")
        await pilot.press("tab")
        await type_text(pilot, "Consulting")
        await pilot.press("tab")
        await type_text(pilot, "ninety")  # refused beside the field, nothing saved
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#price-error").has_class("-shown")
        assert [p.sku for p in products.list_products(crm_store)] == ["PST-1", "WID-100"]
        app.screen.query_one("#price").value = "90"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert products.find(crm_store, "CONS").price_cents == 9000
        await pilot.press("home")  # CONS is first by SKU
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#cost").value = "40"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert products.find(crm_store, "CONS").cost_cents == 4000
        await pilot.press("r")
        await settle(pilot)
        assert products.find(crm_store, "CONS").retired_at is not None
        assert "2 active, 1 retired" in screen_text(app)


async def test_profitability_tab_shows_the_reports_figures(crm_store: Any) -> None:
    from pocketcrm.core.services.profit import profit

    stock(crm_store)
    billing.create_invoice(crm_store, "ann.lee@example.com", None, line_texts=["WID-100 x4"])
    billing.create_invoice(crm_store, "ann.lee@example.com", None, line_texts=["PST-1 x2 -50%"])
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-profit"
        await settle(pilot)
        shown = screen_text(app)
        figures = profit(crm_store, since=NOW.replace(year=NOW.year - 1), until=NOW)
        assert figures.total.margin_cents == 18000 + 1000 - 12000 - 1800
        assert "revenue 190.00 USD" in shown and "gross margin 52.00 USD" in shown
        assert "PST-1 Pastry tray: 1 lines, loss 8.00 USD" in shown
        assert "Ann Lee" in shown


async def test_profitability_tab_groups_as_report_profit_by_does(crm_store: Any) -> None:
    """`g` steps through the groupings; each chart shows the core's groups and margins (the
    numbers of `report profit --by X --json`), department included."""
    from pocketcrm.core.services import departments, users
    from pocketcrm.core.services.profit import GROUPS, profit

    stock(crm_store)
    billing.create_invoice(crm_store, "ann.lee@example.com", None, line_texts=["WID-100 x4"])
    departments.add_department(crm_store, "Field Sales")
    users.add_user(crm_store, users.UserInput("robin", department="Field Sales"))
    app = app_for(crm_store)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        app.screen.query_one(TabbedContent).active = "tab-profit"
        await settle(pilot)
        for by in GROUPS[1:]:
            await pilot.press("g")
            await settle(pilot)
            shown = screen_text(app)
            assert f"Margin by {by}" in shown, by
            figures = profit(crm_store, NOW.replace(year=NOW.year - 1), NOW, by=by)
            for row in figures.rows[:3]:
                assert row.label[:18] in shown and _money(row.margin_cents) in shown, (by, row)
            if by == "department":
                assert figures.rows[0].label == "Field Sales"  # Ann's owner, Robin, is in it


def bill_harbor(store: Any) -> str:
    """Harbor Lights Ltd: two deals, an invoice part paid, an order; its first invoice."""
    from datetime import timedelta

    from pocketcrm.core.services import deals
    from pocketcrm.core.services.deals import DealInput

    deals.create_deal(store, "ann.lee@example.com", DealInput("Ovens", "9000", stage="proposal"))
    won = deals.create_deal(store, "ann.lee@example.com", DealInput("Flour contract", "300"))
    deals.move_deal(store, won.id, "won")
    invoice = billing.create_invoice(
        store, "ann.lee@example.com", "1200", issued_on=NOW.date() - timedelta(days=40)
    )
    billing.record_payment(store, invoice.number, "1000")
    billing.create_invoice(store, "ann.lee@example.com", "80", kind="order")
    return invoice.number


async def open_harbor(pilot: Any) -> None:
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("slash")
    await type_text(pilot, "harbor")
    await pilot.press("enter", "enter")
    await settle(pilot)


async def test_company_card_shows_its_deals_and_billing(crm_store: Any) -> None:
    """The card's deals, invoices, payments and balance are the core's, and its billing
    lines are those of `pocketcrm billing COMPANY`."""
    from pocketcrm.core.services.card_money import company_money
    from pocketcrm.tui.screens.companies import CompanyScreen
    from pocketcrm.tui.widgets.virtual_table import VirtualTable

    number = bill_harbor(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_harbor(pilot)
        assert isinstance(app.screen, CompanyScreen)
        money = company_money(crm_store, app.screen.company_id)
        shown = screen_text(app)
        assert "Deals 1 open worth 9,000.00 USD, 1 won" in shown
        assert "invoiced 1,200.00 USD, paid 1,000.00 USD, balance 280.00 USD (overdue)" in shown
        assert money.owed() == {"USD": 28000} and money.overdue()
        table = app.screen.query_one("#company-deals", VirtualTable)
        rows = [table.row_at(i) for i in range(table.total)]
        assert [(d.title, d.person, d.stage) for d in rows] == [
            ("Ovens", "Ann Lee", "proposal"), ("Flour contract", "Ann Lee", "won"),
        ]  # fmt: skip
        table = app.screen.query_one("#company-billing", VirtualTable)
        billed = [table.row_at(i) for i in range(table.total)]
        history = billing.company_billing_history(crm_store, "Harbor Lights Ltd")
        assert billed == history[::-1]
        await pilot.press("left")  # the tabs below the people wrap round: billing
        await settle(pilot)
        assert number in screen_text(app)


async def test_company_card_at_80x24_shows_rows_of_every_list(crm_store: Any) -> None:
    """Stacked, the four lists left the deals no row at 80x24; the tabs below the people
    give each of interactions, deals and billing the room (→ and ← switch, focus follows)."""
    from textual.widgets import TabbedContent

    from pocketcrm.tui.widgets.virtual_table import VirtualTable

    number = bill_harbor(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_harbor(pilot)
        people = app.screen.query_one("#company-people", VirtualTable)
        assert people.total >= 1 and people.scrollable_content_region.height >= 3
        tabs = app.screen.query_one("#company-tabs", TabbedContent)
        assert tabs.active == "company-tab-timeline"
        assert "Latest interactions (11)  Deals (2)  Billing (3)" in screen_text(app)
        await pilot.press("right")
        await settle(pilot)
        deals_table = app.screen.query_one("#company-deals", VirtualTable)
        assert tabs.active == "company-tab-deals"
        assert deals_table.scrollable_content_region.height >= 4  # header and 3 rows at least
        shown = screen_text(app)
        assert "Ovens" in shown and "Flour contract" in shown
        await pilot.press("tab", "tab")  # into the tabs, then their list
        await settle(pilot)
        assert app.screen.focused is deals_table
        await pilot.press("right")
        await settle(pilot)
        assert tabs.active == "company-tab-billing" and number in screen_text(app)
        assert app.screen.focused is app.screen.query_one("#company-billing", VirtualTable)
        await pilot.press("right")  # round again
        await settle(pilot)
        assert tabs.active == "company-tab-timeline"


async def test_card_makes_a_quote_from_lines_and_shows_the_sales(crm_store: Any) -> None:
    stock(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "ann lee")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        await pilot.press("Q")
        await settle(pilot)
        app.screen.query_one("#lines", TextArea).text = "WID-100 x3\nNOPE-1 x2"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#lines-error").has_class("-shown")
        assert quotes.list_quotes(crm_store) == []
        app.screen.query_one("#lines", TextArea).text = "WID-100 x3\nConsulting 2h @ 90"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [quote] = quotes.list_quotes(crm_store)
        assert quote.amount_cents == 13500 + 2700 + 18000
        await pilot.press("S")
        await settle(pilot)
        shown = screen_text(app)
        assert (
            quote.number in shown and "3 x WID-100 Widget" in shown and "total 342.00 USD" in shown
        )


def harbor_tab(key: str) -> Callable[[Any], Awaitable[None]]:
    """Open Harbor Lights' card and switch its tabs with KEY (→ deals, ← billing)."""

    async def run(pilot: Any) -> None:
        await open_harbor(pilot)
        await pilot.press(key)
        await settle(pilot)

    return run


def test_company_card_with_deals_and_billing_80x24(snap_compare: Any, crm_store: Any) -> None:
    bill_harbor(crm_store)
    run = harbor_tab("right")  # the deals
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=run)


def test_company_card_with_deals_and_billing_120x40(snap_compare: Any, crm_store: Any) -> None:
    bill_harbor(crm_store)
    run = harbor_tab("left")  # the billing
    assert snap_compare(app_for(crm_store), terminal_size=(120, 40), run_before=run)
