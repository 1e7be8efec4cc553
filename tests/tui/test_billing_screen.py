"""Invoices and payments from the card (before: only `pocketcrm invoice` and `pay`): bill a
contact, record a payment and a refund, cancel an invoice; read back through the core."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input
from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.core.services.billing import invoice_payments, list_invoices
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.billing_forms import InvoiceForm, PaymentForm
from pocketcrm.tui.screens.billing import BillingScreen


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def open_billing(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("slash")
    await type_text(pilot, "ann lee")
    await pilot.press("enter", "enter")
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BillingScreen)


async def test_bill_pay_refund_and_cancel_from_the_card(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_billing(pilot)
        assert "Nothing billed yet" in screen_text(app)
        await pilot.press("p")  # nothing to pay yet: the key does nothing
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, InvoiceForm)
        await type_text(pilot, "1200")
        app.screen.query_one("#description", Input).value = "40 chairs"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [invoice] = list_invoices(crm_store, contact_ref="Ann Lee")
        assert (invoice.amount_cents, invoice.description) == (120000, "40 chairs")
        assert invoice.number in screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PaymentForm)
        assert "1,200" in form.query_one("#amount", Input).value  # the balance, to start
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert list_invoices(crm_store, contact_ref="Ann Lee")[0].status == "paid"
        await pilot.press("R")
        await settle(pilot)
        refund = app.screen.query_one("#amount", Input)
        refund.value = "200"
        await pilot.press("ctrl+s")
        await settle(pilot)
        amounts = [p.amount_cents for p in invoice_payments(crm_store, invoice.number)]
        assert sorted(amounts) == [-20000, 120000]
        assert "refund" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "order withdrawn")
        await pilot.press("enter")
        await settle(pilot)
        after = list_invoices(crm_store, contact_ref="Ann Lee")[0]
        assert (after.status, after.cancel_reason) == ("cancelled", "order withdrawn")


async def test_a_payment_over_the_balance_is_refused_beside_the_amount(crm_store: Any) -> None:
    from pocketcrm.core.services.billing import create_invoice

    create_invoice(crm_store, "Ann Lee", "500")
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_billing(pilot)
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one("#amount", Input).value = "900"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PaymentForm)
        assert str(app.screen.query_one("#amount-error").render())
        assert list_invoices(crm_store, contact_ref="Ann Lee")[0].paid_cents == 0
