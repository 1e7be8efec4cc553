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


def add_deals(store: Any) -> None:
    """A small pipeline made through the core: open deals in every stage, one won, one lost."""
    from datetime import date

    from pocketcrm.core.services.deals import DealInput, create_deal, move_deal

    people = ("ann.lee@example.com", "Grace", "Priya", "Zoë", "Ben")
    for n, (title, amount, stage) in enumerate(
        [
            ("40 office chairs", "4,800", "qualified"),
            ("Standing desks", "12,500", "proposal"),
            ("Coffee machine", "950", "proposal"),
            ("Fit-out, 2nd floor", "38,000", "negotiation"),
            ("Printer lease", "2,400", "qualified"),
        ]
    ):
        create_deal(
            store,
            people[n],
            DealInput(title, amount, stage=stage, expected_close=date(2026, 12, 18)),
        )
    from datetime import timedelta

    from tuihelp import fixed_now

    from pocketcrm.core import clock

    clock.set_clock(lambda: NOW - timedelta(days=3))  # closed before now: in "the last 90 days"
    won = create_deal(store, "Grace", DealInput("Chairs, phase 1", "3,100"))
    move_deal(store, won.id, "won")
    lost = create_deal(store, "Priya", DealInput("Canteen", "7,000"))
    move_deal(store, lost.id, "lost", reason="budget cut")
    clock.set_clock(fixed_now)


def test_pipeline(snap_compare: Compare, crm_store: Any) -> None:
    add_deals(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(110, 32), run_before=steps("6"))


def _stocked(store: Any) -> Any:
    """The catalogue and two invoices with lines (issue 12's screens)."""
    from pocketcrm.core.services import billing, products
    from pocketcrm.core.services.products import ProductInput

    products.add_product(store, ProductInput(sku="WID-100", name="Widget", price="45", cost="30",
                                             tax_rate="20%", category="hardware"))  # fmt: skip
    products.add_product(store, ProductInput(sku="PST-1", name="Pastry tray", price="10", cost="9"))
    billing.create_invoice(store, "ann.lee@example.com", None, line_texts=["WID-100 x4"])
    billing.create_invoice(store, "ann.lee@example.com", None, line_texts=["PST-1 x2 -50%"])
    return store


def test_products_80x24(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps("8"))


def test_products_120x40(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps("8"))


def test_product_form_80x24(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps("8", "a", text="CONS"))


def test_product_form_120x40(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps("8", "a", text="CONS"))


def _profit_tab() -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        from textual.widgets import TabbedContent

        await steps("4")(pilot)
        pilot.app.screen.query_one(TabbedContent).active = "tab-profit"
        await steps()(pilot)

    return run


def test_profitability_tab_80x24(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_profit_tab())


def test_profitability_tab_120x40(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(120, 40), run_before=_profit_tab())


_CARD_KEYS = ("slash", "a", "n", "n", "space", "l", "e", "e", "enter", "enter")


def test_quote_form_80x24(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=steps(*_CARD_KEYS, "Q", text="WID-100 x3")
    )


def test_quote_form_120x40(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(
        app, terminal_size=(120, 40), run_before=steps(*_CARD_KEYS, "Q", text="WID-100 x3")
    )


def test_card_sales_80x24(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps(*_CARD_KEYS, "S"))


def test_card_sales_120x40(snap_compare: Compare, crm_store: Any) -> None:
    app = app_for(_stocked(crm_store))
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps(*_CARD_KEYS, "S"))
