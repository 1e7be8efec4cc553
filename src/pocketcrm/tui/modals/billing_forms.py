"""Billing forms: bill a contact (an invoice or an order), record a payment or a refund, and
cancel an invoice. Each saves through core/services/billing.py, whose rules (no more than
the balance, no refund of more than was paid, no future payment) speak beside the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.modals.when_hint import update_hint
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from datetime import date

    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services.billing import InvoiceView


def _day(problems: list[Invalid], text: str, field: str, *, past: bool) -> date | None:
    """A WHEN phrase as a day on the user's calendar ('' is None)."""
    from pocketcrm.core import clock
    from pocketcrm.core.dates import parse_past, parse_when

    if not text.strip():
        return None
    read = FormModal.gather(
        problems,
        lambda: parse_past(text, field=field) if past else parse_when(text, field=field),
    )
    return None if read is None else read.moment.astimezone(clock.local_zone()).date()


class InvoiceForm(FormModal[Any]):
    """Bill CONTACT: an amount, when it is due (30 days for an invoice when left empty), what
    it is for. The result is the new InvoiceView."""

    FIELD_FOR: ClassVar[dict[str, str]] = {"due_on": "due"}

    def __init__(self, contact_id: int, name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"Bill {self.contact_name}", classes="form-title")
            yield from self.field(
                "kind",
                "Kind",
                Select(
                    [("invoice", "invoice"), ("order", "order")],
                    value="invoice",
                    allow_blank=False,
                    id="kind",
                    compact=True,
                ),
            )
            yield from self.field(
                "amount",
                "Amount",
                Input(id="amount", placeholder="1,200 or 1200 EUR", compact=True),
            )
            yield from self.field(
                "due",
                "Due",
                Input(id="due", placeholder="in 30 days when empty; end of month", compact=True),
            )
            yield from self.field(
                "description",
                "For",
                Input(id="description", placeholder="40 office chairs", compact=True),
            )
            yield from self.buttons("Bill")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()

    @on(Input.Changed, "#due")
    def _due_typed(self, event: Input.Changed) -> None:
        update_hint(self.query_one("#due-error", Static), event.value)

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.billing import create_invoice

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        problems: list[Invalid] = []
        due = _day(problems, self.value("due"), "due", past=False)
        if problems:
            self.show_errors(problems)
            return None
        kind = str(self.query_one("#kind", Select).value)
        amount, description = self.value("amount"), self.value("description")
        ref = f"#{self.contact_id}"
        return lambda: create_invoice(
            store, ref, amount, kind=kind, due_on=due, description=description
        )


class PaymentForm(FormModal[Any]):
    """Money received against INVOICE (REFUND: money given back); the amount starts as the
    balance (or what was paid, for a refund). The result is the PaymentView."""

    FIELD_FOR: ClassVar[dict[str, str]] = {"paid_on": "on"}

    def __init__(self, invoice: InvoiceView, *, refund: bool = False) -> None:
        super().__init__()
        self.invoice = invoice
        self.refund = refund

    def compose(self) -> ComposeResult:
        from pocketcrm.core.money import format_amount

        invoice = self.invoice
        cents = invoice.paid_cents if self.refund else invoice.balance_cents
        start = format_amount(cents, invoice.currency) if cents > 0 else ""
        with Vertical(classes="form-box"):
            verb = "Refund on" if self.refund else "Payment of"
            yield Static(f"{verb} {invoice.number}", classes="form-title")
            yield from self.field("amount", "Amount", Input(start, id="amount", compact=True))
            yield from self.field(
                "on", "On", Input(id="on", placeholder="today when empty; yesterday", compact=True)
            )
            yield from self.field(
                "method", "Method", Input(id="method", placeholder="bank transfer", compact=True)
            )
            yield from self.buttons("Refund" if self.refund else "Record payment")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#amount", Input).focus()

    @on(Input.Changed, "#on")
    def _on_typed(self, event: Input.Changed) -> None:
        update_hint(self.query_one("#on-error", Static), event.value, past=True)

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.billing import record_payment

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        problems: list[Invalid] = []
        paid_on = _day(problems, self.value("on"), "on", past=True)
        if problems:
            self.show_errors(problems)
            return None
        amount = self.value("amount").strip()
        if self.refund and amount and not amount.startswith("-"):
            amount = "-" + amount  # the core's refund: a negative payment
        method, number = self.value("method"), self.invoice.number
        return lambda: record_payment(store, number, amount, paid_on=paid_on, method=method)


class CancelInvoiceForm(FormModal[Any]):
    """Cancel INVOICE and say why; it and its payments stay in the history."""

    ENTER_SAVES = True

    def __init__(self, invoice: InvoiceView) -> None:
        super().__init__()
        self.invoice = invoice

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"Cancel {self.invoice.number}", classes="form-title")
            yield from self.field(
                "reason", "Why", Input(id="reason", placeholder="order withdrawn", compact=True)
            )
            # Not "Cancel it" beside "Cancel": which one cancels the invoice?
            yield from self.buttons("Cancel the invoice", close="Keep it")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.billing import cancel_invoice

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        reason, number = self.value("reason"), self.invoice.number
        return lambda: cancel_invoice(store, number, reason)
