"""Orders, invoices and payments: a customer's billing history, and what is owed.

An invoice's status is never stored: it follows from its payments, its due date, today and
whether it was cancelled (cancelled > paid > overdue > open). Amounts are integer cents in
the invoice's own currency; payments must be in the same currency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Contact, Deal, Invoice, Payment
from pocketcrm.core.money import format_amount, parse_amount
from pocketcrm.core.readmodels.trash import TrashItem
from pocketcrm.core.services.figures import Revenue as Revenue
from pocketcrm.core.services.figures import invoice_status, revenue_figures, today
from pocketcrm.core.services.lines import (
    LineView,
    resolve_all,
    single_line,
    store_lines,
    totals,
)
from pocketcrm.core.services.lookup import resolve_company, resolve_contact
from pocketcrm.core.store import Store

KINDS = ("invoice", "order")
STATUSES = ("open", "paid", "overdue", "cancelled")
PREFIXES = {"invoice": "INV", "order": "ORD"}
INVOICE_DUE_DAYS = 30  # an invoice without a due date is due this many days after issue
_ID = re.compile(r"^#?(\d{1,9})$")


@dataclass(frozen=True)
class InvoiceView:
    id: int
    uuid: str
    number: str
    kind: str  # invoice | order
    contact_id: int
    contact_name: str
    deal_id: int | None
    issued_on: date
    due_on: date | None
    amount_cents: int
    currency: str
    paid_cents: int
    balance_cents: int
    status: str  # open | paid | overdue | cancelled
    cancelled_at: datetime | None
    cancel_reason: str
    description: str


@dataclass(frozen=True)
class PaymentView:
    id: int
    uuid: str
    invoice_id: int
    invoice_number: str
    contact_id: int
    amount_cents: int  # negative: a refund
    currency: str
    paid_on: date
    method: str
    notes: str
    created_at: datetime


@dataclass(frozen=True)
class BillingEvent:
    """One line of a customer's billing history."""

    on: date
    event: str  # issued | paid | refunded | cancelled
    number: str
    invoice_id: int
    kind: str  # invoice | order
    amount_cents: int
    currency: str
    detail: str  # description, payment method or cancel reason


def _status(invoice: Invoice, paid: int, on: date) -> str:
    cancelled = invoice.cancelled_at is not None
    return invoice_status(cancelled, invoice.amount_cents, paid, invoice.due_on, on)


def _paid(session: Session, invoice_ids: Iterable[int]) -> dict[int, int]:
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Payment.invoice_id, func.sum(Payment.amount_cents))
        .where(col(Payment.invoice_id).in_(ids), col(Payment.deleted_at).is_(None))
        .group_by(col(Payment.invoice_id))
    ).all()
    return {int(i): int(total or 0) for i, total in rows}


def _view(invoice: Invoice, contact_name: str, paid: int, on: date) -> InvoiceView:
    assert invoice.id is not None
    return InvoiceView(
        id=invoice.id,
        uuid=invoice.uuid,
        number=invoice.number,
        kind=invoice.kind,
        contact_id=invoice.contact_id,
        contact_name=contact_name,
        deal_id=invoice.deal_id,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        amount_cents=invoice.amount_cents,
        currency=invoice.currency,
        paid_cents=paid,
        balance_cents=0 if invoice.cancelled_at is not None else invoice.amount_cents - paid,
        status=_status(invoice, paid, on),
        cancelled_at=invoice.cancelled_at,
        cancel_reason=invoice.cancel_reason,
        description=invoice.description,
    )


def _payment_view(payment: Payment, number: str) -> PaymentView:
    assert payment.id is not None
    return PaymentView(
        id=payment.id,
        uuid=payment.uuid,
        invoice_id=payment.invoice_id,
        invoice_number=number,
        contact_id=payment.contact_id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        paid_on=payment.paid_on,
        method=payment.method,
        notes=payment.notes,
        created_at=payment.created_at,
    )


def _resolve(session: Session, ref: str) -> Invoice:
    """An invoice by its number (case-insensitive) or its id; trashed ones are not found."""
    cleaned = ref.strip()
    if not cleaned:
        raise NotFound("invoice", ref)
    invoice = session.exec(
        select(Invoice).where(func.upper(col(Invoice.number)) == cleaned.upper())
    ).first()
    if invoice is None:
        match = _ID.match(cleaned)
        if match:
            invoice = session.get(Invoice, int(match[1]))
    if invoice is None or invoice.deleted_at is not None:
        raise NotFound("invoice", ref)
    contact = session.get(Contact, invoice.contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFound("invoice", ref)
    return invoice


def resolve_invoice(session: Session, ref: str) -> Invoice:
    """The invoice or order REF names, inside a caller's session (quotes, PDFs)."""
    return _resolve(session, ref)


def _load(session: Session, invoice: Invoice) -> InvoiceView:
    assert invoice.id is not None
    contact = session.get(Contact, invoice.contact_id)
    assert contact is not None
    paid = _paid(session, [invoice.id]).get(invoice.id, 0)
    return _view(invoice, contact.display_name, paid, today())


def _text(value: str, field: str, limit: int) -> str:
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise Invalid(field, f"is longer than {limit} characters; shorten it")
    return cleaned


def _next_number(session: Session, kind: str, year: int) -> str:
    """INV-YYYY-NNNN (ORD- for orders): one more than the highest of that year, trash included
    (a number once used is never given again)."""
    prefix = f"{PREFIXES[kind]}-{year}-"
    numbers = session.exec(
        select(Invoice.number).where(col(Invoice.number).like(f"{prefix}%"))
    ).all()
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


@dataclass(frozen=True)
class DealBilling:
    """How much of a deal is already billed (by invoices, or by orders for an order).

    Cancelled and trashed ones do not count; ones in another currency than the deal's are
    listed but not added up (the open amount assumes the deal's currency)."""

    deal_id: int
    title: str
    contact_id: int
    kind: str  # invoice | order: what was counted
    amount_cents: int  # the deal's worth
    currency: str
    billed_cents: int
    numbers: tuple[str, ...]  # the invoices (orders) that bill it, oldest first

    @property
    def open_cents(self) -> int:
        """What is not billed yet (never below zero)."""
        return max(self.amount_cents - self.billed_cents, 0)

    @property
    def already_billed(self) -> bool:
        """Billed at all, fully or partly: a second invoice is probably a mistake."""
        return bool(self.numbers)


def _deal(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_at is not None:
        raise Invalid("deal", f"there is no deal #{deal_id}; see `pocketcrm deal list`")
    return deal


def _deal_billing(session: Session, deal: Deal, kind: str, default_currency: str) -> DealBilling:
    assert deal.id is not None
    currency = deal.currency or default_currency
    rows = session.exec(
        select(Invoice.number, Invoice.amount_cents, Invoice.currency)
        .where(
            col(Invoice.deal_id) == deal.id,
            col(Invoice.kind) == kind,
            col(Invoice.deleted_at).is_(None),
            col(Invoice.cancelled_at).is_(None),
        )
        .order_by(col(Invoice.issued_on), col(Invoice.id))
    ).all()
    billed = sum(int(cents) for _, cents, cur in rows if cur == currency)
    return DealBilling(
        deal_id=deal.id,
        title=deal.title,
        contact_id=deal.contact_id,
        kind=kind,
        amount_cents=deal.amount_cents,
        currency=currency,
        billed_cents=billed,
        numbers=tuple(str(n) for n, _, _ in rows),
    )


def deal_billing(store: Store, deal_id: int, *, kind: str = "invoice") -> DealBilling:
    """What of deal DEAL_ID is already invoiced (or ordered), and what is still open."""
    kind = _kind(kind)
    with store.read() as session:
        return _deal_billing(session, _deal(session, deal_id), kind, store.settings.currency)


BILLED_WORD = {"invoice": "invoiced", "order": "ordered"}


def _already_billed(billing: DealBilling) -> Invalid:
    billed = format_amount(billing.billed_cents, "")
    worth = format_amount(billing.amount_cents, billing.currency)
    return Invalid(
        "deal",
        f"deal #{billing.deal_id} is already {BILLED_WORD[billing.kind]} ({', '.join(billing.numbers)}: "
        f"{billed} of {worth}); confirm to bill it again",
    )


def _kind(kind: str) -> str:
    """KIND cleaned, or Invalid naming the kinds there are."""
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise Invalid("kind", f"unknown kind {kind!r}; use invoice or order")
    return kind


def _due_date(kind: str, issued: date, due_on: date | None, due_in_days: int | None) -> date | None:
    """DUE_ON, or ISSUED plus DUE_IN_DAYS; by default an invoice is due in INVOICE_DUE_DAYS
    and an order has no due date."""
    if due_on is not None and due_in_days is not None:
        raise Invalid("due", "give a due date or a number of days, not both")
    if due_in_days is not None and due_in_days < 0:
        raise Invalid("due", "the number of days must not be negative, e.g. --due-in 14")
    if due_on is None:
        days = due_in_days
        if days is None and kind == "invoice":
            days = INVOICE_DUE_DAYS
        due_on = issued + timedelta(days=days) if days is not None else None
    if due_on is not None and due_on < issued:
        raise Invalid("due", f"{due_on} is before the issue date {issued}; give a later date")
    return due_on


def _deal_amount(
    session: Session,
    deal_id: int,
    contact_id: int,
    kind: str,
    amount: tuple[int, str] | None,
    *,
    default_currency: str,
    bill_again: bool,
) -> tuple[int, str]:
    """What a bill for deal DEAL_ID comes to: AMOUNT if given, else what is not billed yet.

    A deal already billed (fully or partly) is refused unless BILL_AGAIN."""
    deal = _deal(session, deal_id)
    if deal.contact_id != contact_id:
        raise Invalid("deal", f"deal #{deal_id} belongs to another contact")
    billing = _deal_billing(session, deal, kind, default_currency)
    if amount is None:
        if billing.open_cents <= 0:
            raise Invalid(
                "amount",
                f"deal #{deal_id} has nothing left to {kind} "
                f"({', '.join(billing.numbers) or 'it is worth nothing'}); "
                "give an amount to bill more",
            )
        amount = billing.open_cents, billing.currency
    if billing.already_billed and not bill_again:
        raise _already_billed(billing)
    return amount


def _unused_number(session: Session, given: str) -> None:
    taken = session.exec(
        select(Invoice.id).where(func.upper(col(Invoice.number)) == given.upper())
    ).first()
    if taken is not None:
        raise Invalid("number", f"{given} is already used; leave it out for the next one")


def create_invoice(
    store: Store,
    contact_ref: str,
    amount: str | None,
    *,
    kind: str = "invoice",
    number: str = "",
    issued_on: date | None = None,
    due_in_days: int | None = None,
    due_on: date | None = None,
    deal_id: int | None = None,
    description: str = "",
    bill_again: bool = False,
    line_texts: Sequence[str] = (),
    currency: str = "",
) -> InvoiceView:
    """Bill a contact. Without due_on or due_in_days an invoice is due in 30 days and an
    order has no due date; issued_on defaults to today; the number is INV-/ORD-YYYY-NNNN.

    With a deal: amount None bills what of the deal is not invoiced yet, and a deal already
    invoiced (fully or partly) is refused unless bill_again (the person confirmed).

    With LINE_TEXTS ('SKU x3', 'Consulting 2h @ 90') the totals come from the lines, in
    CURRENCY (default: the configured one); a single amount becomes one line of its own."""
    kind = _kind(kind)
    if line_texts and amount is not None:
        raise Invalid("amount", "give an amount or --line, not both")
    if line_texts:
        return _create_from_lines(store, contact_ref, line_texts, kind, currency, deal_id)
    if amount is None and deal_id is None:
        raise Invalid("amount", "is missing; give an amount, or --deal ID to bill a deal")
    given_amount = None if amount is None else parse_amount(amount, store.settings.currency)
    if given_amount is not None and given_amount[0] <= 0:
        raise Invalid("amount", "must be more than zero; a refund is a negative payment")
    issued = issued_on or today()
    due_on = _due_date(kind, issued, due_on, due_in_days)
    given = _text(number, "number", 40)
    if given and any(ch.isspace() for ch in given):
        raise Invalid("number", f"{given!r} has spaces; use e.g. INV-2026-0042")
    text = _text(description, "description", 10_000)
    now = clock.now()
    with store.write() as session:
        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
        cents, currency = given_amount or (0, "")
        if deal_id is not None:
            cents, currency = _deal_amount(
                session,
                deal_id,
                contact_id,
                kind,
                given_amount,
                default_currency=store.settings.currency,
                bill_again=bill_again,
            )
        if given:
            _unused_number(session, given)
        invoice = Invoice(
            number=given or _next_number(session, kind, issued.year),
            kind=kind,
            contact_id=contact_id,
            deal_id=deal_id,
            issued_on=issued,
            due_on=due_on,
            amount_cents=cents,
            net_cents=cents,
            currency=currency,
            description=text,
            created_at=now,
            updated_at=now,
        )
        session.add(invoice)
        session.flush()
        store_lines(session, [single_line(text or invoice.number, cents)], invoice_id=invoice.id)
        return _load(session, invoice)


def _create_from_lines(
    store: Store,
    contact_ref: str,
    line_texts: Sequence[str],
    kind: str,
    currency: str,
    deal_id: int | None,
) -> InvoiceView:
    """An invoice or order whose totals are the sums of its typed lines."""
    from pocketcrm.core.money import currency_code

    cur = currency_code(currency) if currency.strip() else store.settings.currency
    with store.write() as session:
        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
        lines = resolve_all(session, line_texts, cur)
        if deal_id is not None and _deal(session, deal_id).contact_id != contact_id:
            raise Invalid("deal", f"deal #{deal_id} belongs to another contact")
        return _load(session, make_document(session, kind, contact_id, cur, lines, deal_id=deal_id))


def load_invoice(session: Session, invoice: Invoice) -> InvoiceView:
    """INVOICE's read model inside a caller's session."""
    return _load(session, invoice)


def make_document(
    session: Session,
    kind: str,
    contact_id: int,
    currency: str,
    lines: Sequence[LineView],
    **links: int | None,
) -> Invoice:
    """A new invoice or order made of LINES, its totals their sums (quotes, --line)."""
    issued = today()
    sums = totals(lines)
    now = clock.now()
    invoice = Invoice(
        number=_next_number(session, kind, issued.year),
        kind=kind,
        contact_id=contact_id,
        issued_on=issued,
        due_on=issued + timedelta(days=INVOICE_DUE_DAYS) if kind == "invoice" else None,
        amount_cents=sums.gross_cents,
        net_cents=sums.net_cents,
        tax_cents=sums.tax_cents,
        cost_cents=sums.cost_cents,
        currency=currency,
        created_at=now,
        updated_at=now,
    )
    for name, value in links.items():
        setattr(invoice, name, value)  # quote_id, order_id, deal_id
    session.add(invoice)
    session.flush()
    store_lines(session, lines, invoice_id=invoice.id)
    session.flush()
    return invoice


def get_invoice(store: Store, invoice_ref: str) -> InvoiceView:
    with store.read() as session:
        return _load(session, _resolve(session, invoice_ref))


def invoice_payments(store: Store, invoice_ref: str) -> list[PaymentView]:
    """The payments (and refunds) of one invoice, in the order they were received."""
    with store.read() as session:
        invoice = _resolve(session, invoice_ref)
        rows = session.exec(
            select(Payment)
            .where(col(Payment.invoice_id) == invoice.id, col(Payment.deleted_at).is_(None))
            .order_by(col(Payment.paid_on), col(Payment.id))
        ).all()
        return [_payment_view(p, invoice.number) for p in rows]


def record_payment(
    store: Store,
    invoice_ref: str,
    amount: str,
    *,
    paid_on: date | None = None,
    method: str = "",
    notes: str = "",
) -> PaymentView:
    """Money received against an invoice (partial is fine; a negative amount is a refund).

    Refused: another currency, more than the balance, a refund of more than was paid, a
    future date, and a payment on a cancelled invoice (a refund on one is allowed: that is
    how the money goes back after a cancellation)."""
    on = paid_on or today()
    if on > today():
        raise Invalid("on", f"{on} is in the future; record a payment once it has arrived")
    method_text = _text(method, "method", 60)
    notes_text = _text(notes, "notes", 10_000)
    with store.write() as session:
        invoice = _resolve(session, invoice_ref)
        assert invoice.id is not None
        cents, currency = parse_amount(amount, invoice.currency)
        if currency != invoice.currency:
            raise Invalid(
                "currency",
                f"{invoice.number} is billed in {invoice.currency}, not {currency}; "
                f"give the amount in {invoice.currency}",
            )
        if cents == 0:
            raise Invalid("amount", "must not be zero; a refund is negative, e.g. -20")
        paid = _paid(session, [invoice.id]).get(invoice.id, 0)
        if invoice.cancelled_at is not None and cents > 0:
            raise Invalid(
                "invoice",
                f"{invoice.number} was cancelled; a payment is refused (a refund, a negative "
                "amount, is allowed)",
            )
        if cents > 0 and paid + cents > invoice.amount_cents:
            balance = format_amount(invoice.amount_cents - paid, invoice.currency)
            raise Invalid(
                "amount",
                f"{format_amount(cents, currency)} is more than the balance of "
                f"{invoice.number} ({balance}); record at most the balance",
            )
        if cents < 0 and paid + cents < 0:
            raise Invalid(
                "amount",
                f"a refund of {format_amount(-cents, currency)} is more than was paid on "
                f"{invoice.number} ({format_amount(paid, currency)})",
            )
        payment = Payment(
            invoice_id=invoice.id,
            contact_id=invoice.contact_id,
            amount_cents=cents,
            currency=currency,
            paid_on=on,
            method=method_text,
            notes=notes_text,
            created_at=clock.now(),
        )
        session.add(payment)
        invoice.updated_at = clock.now()
        session.flush()
        return _payment_view(payment, invoice.number)


def cancel_invoice(store: Store, invoice_ref: str, reason: str) -> InvoiceView:
    """Cancel an invoice or order: the record and its payments stay (the history is kept)."""
    why = _text(reason, "reason", 1000)
    if not why:
        raise Invalid("reason", "say why it is cancelled, e.g. --reason 'order withdrawn'")
    with store.write() as session:
        invoice = _resolve(session, invoice_ref)
        if invoice.cancelled_at is not None:
            raise Invalid(
                "invoice",
                f"{invoice.number} was already cancelled on {invoice.cancelled_at:%Y-%m-%d}",
            )
        now = clock.now()
        invoice.cancelled_at = now
        invoice.cancel_reason = why
        invoice.updated_at = now
        session.flush()
        return _load(session, invoice)


def _alive() -> Any:
    return (
        select(Invoice, Contact.display_name)
        .join(Contact, col(Contact.id) == col(Invoice.contact_id))
        .where(col(Invoice.deleted_at).is_(None), col(Contact.deleted_at).is_(None))
    )


def list_invoices(
    store: Store, *, contact_ref: str = "", status: str = "", kind: str = ""
) -> list[InvoiceView]:
    """Invoices and orders not in the trash, oldest issue first."""
    wanted = status.strip().lower()
    if wanted and wanted not in STATUSES:
        raise Invalid("status", f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    kind = kind.strip().lower()
    if kind and kind not in KINDS:
        raise Invalid("kind", f"unknown kind {kind!r}; use invoice or order")
    statement = _alive()
    if kind:
        statement = statement.where(col(Invoice.kind) == kind)
    with store.read() as session:
        if contact_ref.strip():
            contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
            statement = statement.where(col(Invoice.contact_id) == contact_id)
        rows = session.exec(statement.order_by(col(Invoice.issued_on), col(Invoice.id))).all()
        paid = _paid(session, [invoice.id for invoice, _ in rows])
    on = today()
    views = [_view(invoice, name, paid.get(invoice.id, 0), on) for invoice, name in rows]
    return [v for v in views if not wanted or v.status == wanted]


def billing_history(store: Store, contact_ref: str) -> list[BillingEvent]:
    """What a customer was billed, paid, refunded and had cancelled, oldest first."""
    with store.read() as session:
        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
        return _history(session, col(Invoice.contact_id) == contact_id)


def company_billing_history(store: Store, company_ref: str) -> list[BillingEvent]:
    """The same for everyone at a company (their invoices and orders), oldest first."""
    with store.read() as session:
        company_id = resolve_company(session, company_ref)
        people = select(Contact.id).where(col(Contact.company_id) == company_id)
        return _history(session, col(Invoice.contact_id).in_(people))


def billing_for(store: Store, ref: str) -> tuple[str, list[BillingEvent]]:
    """REF's billing history: a contact's, else (nobody by that name) a company's.

    Returns 'contact' or 'company' with the events."""
    try:
        return "contact", billing_history(store, ref)
    except NotFound:
        try:
            return "company", company_billing_history(store, ref)
        except NotFound:
            raise NotFound("contact or company", ref) from None


def _history(session: Session, which: Any) -> list[BillingEvent]:
    invoices = session.exec(select(Invoice).where(which, col(Invoice.deleted_at).is_(None))).all()
    by_id = {invoice.id: invoice for invoice in invoices}
    payments = session.exec(
        select(Payment).where(
            col(Payment.invoice_id).in_(list(by_id)), col(Payment.deleted_at).is_(None)
        )
    ).all()
    keyed: list[tuple[tuple[date, int, int], BillingEvent]] = []
    zone = clock.local_zone()
    for invoice in invoices:
        assert invoice.id is not None
        keyed.append(
            (
                (invoice.issued_on, 0, invoice.id),
                BillingEvent(
                    invoice.issued_on,
                    "issued",
                    invoice.number,
                    invoice.id,
                    invoice.kind,
                    invoice.amount_cents,
                    invoice.currency,
                    invoice.description,
                ),
            )
        )
        if invoice.cancelled_at is not None:
            day = invoice.cancelled_at.astimezone(zone).date()
            keyed.append(
                (
                    (day, 2, invoice.id),
                    BillingEvent(
                        day,
                        "cancelled",
                        invoice.number,
                        invoice.id,
                        invoice.kind,
                        invoice.amount_cents,
                        invoice.currency,
                        invoice.cancel_reason,
                    ),
                )
            )
    for payment in payments:
        assert payment.id is not None
        invoice = by_id[payment.invoice_id]
        keyed.append(
            (
                (payment.paid_on, 1, payment.id),
                BillingEvent(
                    payment.paid_on,
                    "paid" if payment.amount_cents > 0 else "refunded",
                    invoice.number,
                    payment.invoice_id,
                    invoice.kind,
                    payment.amount_cents,
                    payment.currency,
                    payment.method,
                ),
            )
        )
    return [event for _, event in sorted(keyed, key=lambda pair: pair[0])]


def revenue(store: Store, since: date, until: date) -> Revenue:
    """Payments received in [since, until) by month (refunds subtracted), in the default
    currency, with the outstanding balance and overdue count of open invoices today."""
    if since >= until:
        raise Invalid("since", "must be before until; e.g. --since 2026-01-01")
    with store.read() as session:
        return revenue_figures(session, store.settings.currency, since, until)


def trash_invoice(store: Store, invoice_ref: str) -> TrashItem:
    """The invoice goes to the trash with its payments hidden (restore brings both back)."""
    with store.write() as session:
        invoice = _resolve(session, invoice_ref)
        assert invoice.id is not None
        now = clock.now()
        invoice.deleted_at = now
        return TrashItem("invoice", invoice.id, invoice.number, now)


def trash_payment(store: Store, payment_id: int) -> TrashItem:
    """A payment recorded by mistake goes to the trash (its invoice's balance grows back)."""
    with store.write() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.deleted_at is not None:
            raise NotFound("payment", str(payment_id))
        invoice = _resolve(session, f"#{payment.invoice_id}")
        now = clock.now()
        payment.deleted_at = now
        label = f"{format_amount(payment.amount_cents, payment.currency)} on {invoice.number}"
        return TrashItem("payment", payment_id, label, now)
