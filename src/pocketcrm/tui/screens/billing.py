"""A contact's invoices and orders, opened from the card (b): bill them, record a payment or a
refund, cancel an invoice; the payments of the highlighted one below. What `pocketcrm
invoice` and `pay` do, through the same service (core/services/billing.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.services.billing import InvoiceView, PaymentView


def _money(cents: int, currency: str) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def _status(invoice: InvoiceView) -> Cell:
    style = {"overdue": "bold red", "paid": "green", "cancelled": "dim"}.get(invoice.status, "")
    return (invoice.status, style)


INVOICE_COLUMNS = [
    Column("number", "Number", 13, lambda i: i.number),
    Column("issued", "Issued", 10, lambda i: f"{i.issued_on:%Y-%m-%d}"),
    Column("due", "Due", 10, lambda i: f"{i.due_on:%Y-%m-%d}" if i.due_on else ""),
    Column("amount", "Amount", 11, lambda i: _money(i.amount_cents, i.currency), justify="right"),
    Column("balance", "Owed", 11, lambda i: _money(i.balance_cents, i.currency), justify="right"),
    Column("status", "Status", 9, _status),
    Column("for", "For", 10, lambda i: i.description or i.cancel_reason, grow=1),
]

PAYMENT_COLUMNS = [
    Column("on", "On", 10, lambda p: f"{p.paid_on:%Y-%m-%d}"),
    Column("amount", "Amount", 11, lambda p: _money(p.amount_cents, p.currency), justify="right"),
    Column("kind", "", 8, lambda p: "refund" if p.amount_cents < 0 else "payment"),
    Column("method", "Method", 10, lambda p: p.method, grow=1),
]


class BillingScreen(CrmScreen):
    """The invoices and orders of one contact, and the payments of the highlighted one."""

    WRITES: ClassVar[dict[str, str]] = {
        "bill": "sell",
        "pay": "sell",
        "refund": "sell",
        "cancel_invoice": "sell",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="billing-back", tooltip="Back to the card"),
        Binding("a", "bill", "Bill", id="billing-add", tooltip="Bill this contact"),
        Binding("p", "pay", "Pay", id="billing-pay", tooltip="Record a payment"),
        Binding("R", "refund", "Refund", id="billing-refund", tooltip="Record a refund"),
        Binding("c", "cancel_invoice", "Cancel", id="billing-cancel", tooltip="Cancel it"),
    ]

    def __init__(self, contact_id: int, name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = name
        self.invoices: list[InvoiceView] = []

    def compose(self) -> ComposeResult:
        yield TopBar(self.app.current_mode)
        yield Static(f"Billing: {self.contact_name}", id="billing-title", classes="pane-title")
        yield VirtualTable(
            INVOICE_COLUMNS, id="invoice-list", empty_text="Nothing billed yet; a bills them."
        )
        with Vertical(id="payments-pane"):
            yield Static("Payments", id="payments-title", classes="pane-title")
            yield VirtualTable(PAYMENT_COLUMNS, id="payment-list", empty_text="No payments yet.")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#invoice-list", VirtualTable)

    @property
    def current(self) -> InvoiceView | None:
        invoice: InvoiceView | None = self.table.current
        return invoice

    def on_mount(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        ref = f"#{self.contact_id}"
        sort = self.table.sort

        def job() -> list[InvoiceView]:
            from pocketcrm.core.services.billing import list_invoices
            from pocketcrm.core.sorting import sort_rows

            return sort_rows(list_invoices(store, contact_ref=ref), "invoices", sort)

        def done(invoices: list[InvoiceView]) -> None:
            self.invoices = invoices
            self.table.set_rows(invoices, cursor=min(self.table.cursor, max(0, len(invoices) - 1)))
            self._load_payments()
            self.refresh_bindings()

        self.background(job, done, group="billing", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#invoice-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "invoices")

    @on(VirtualTable.Highlighted, "#invoice-list")
    def _highlighted(self) -> None:
        self._load_payments()
        self.refresh_bindings()

    def _load_payments(self) -> None:
        store, invoice = self.store, self.current
        payments = self.query_one("#payment-list", VirtualTable)
        if store is None or invoice is None:
            payments.set_rows([])
            return
        number = invoice.number

        def job() -> list[PaymentView]:
            from pocketcrm.core.services.billing import invoice_payments

            return invoice_payments(store, number)

        def done(rows: list[PaymentView]) -> None:
            payments.set_rows(rows)
            self.query_one("#payments-title", Static).update(f"Payments on {number}")

        self.background(job, done, group="billing-payments", exclusive=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        invoice = self.current
        if action in ("pay", "cancel_invoice"):
            return None if invoice is None or invoice.status == "cancelled" else True
        if action == "refund":
            return None if invoice is None or invoice.paid_cents <= 0 else True
        return True

    def _form(self, form: Any, said: str) -> None:
        def saved(result: Any) -> None:
            if result is not None:
                self.notify(said.format(result=result), title="Billing", timeout=4)
                self.crm.data_written()

        self.app.push_screen(form, saved)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_bill(self) -> None:
        from pocketcrm.tui.modals.billing_forms import InvoiceForm

        self._form(InvoiceForm(self.contact_id, self.contact_name), "Billed: {result.number}")

    def action_pay(self) -> None:
        from pocketcrm.tui.modals.billing_forms import PaymentForm

        if self.current is not None:
            self._form(PaymentForm(self.current), "Payment on {result.invoice_number} recorded")

    def action_refund(self) -> None:
        from pocketcrm.tui.modals.billing_forms import PaymentForm

        if self.current is not None:
            self._form(
                PaymentForm(self.current, refund=True), "Refund on {result.invoice_number} recorded"
            )

    def action_cancel_invoice(self) -> None:
        from pocketcrm.tui.modals.billing_forms import CancelInvoiceForm

        if self.current is not None:
            self._form(CancelInvoiceForm(self.current), "Cancelled {result.number}")
