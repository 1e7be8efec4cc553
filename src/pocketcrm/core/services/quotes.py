"""Quotes, and how a sale flows: quote -> order -> invoice, each with its lines.

A quote is a draft, then sent, then accepted or declined (a decided quote stays decided).
An order is made from an accepted quote with the quoted prices and today's unit costs (the
sale happens now); an invoice is made from an order with the order's lines as they are.
Each document's totals are the sums of its lines (services/lines.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from pocketcrm.core import acting, clock
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Contact, Deal, Invoice, Product, Quote
from pocketcrm.core.money import currency_code
from pocketcrm.core.services import lines as L
from pocketcrm.core.services.billing import InvoiceView, make_document
from pocketcrm.core.services.billing import load_invoice as _load
from pocketcrm.core.services.billing import resolve_invoice as _resolve_invoice
from pocketcrm.core.services.figures import today
from pocketcrm.core.services.lookup import resolve_contact
from pocketcrm.core.sessions import CrmSession
from pocketcrm.core.store import Store

STATUSES = ("draft", "sent", "accepted", "declined")
QUOTE_VALID_DAYS = 30  # a quote without --valid-for holds this long
_ID = re.compile(r"^#?(\d{1,9})$")


@dataclass(frozen=True)
class QuoteView:
    id: int
    uuid: str
    number: str
    contact_id: int
    contact_name: str
    deal_id: int | None
    status: str
    currency: str
    issued_on: date
    valid_until: date | None
    net_cents: int
    tax_cents: int
    amount_cents: int
    notes: str
    decline_reason: str
    owner: str
    sent_at: datetime | None
    decided_at: datetime | None
    order_numbers: tuple[str, ...]  # the orders made from it
    lines: tuple[L.LineView, ...]


def _resolve(session: Session, ref: str) -> Quote:
    cleaned = ref.strip()
    found = session.exec(
        select(Quote).where(func.upper(col(Quote.number)) == cleaned.upper())
    ).first()
    if found is None and (match := _ID.match(cleaned)):
        found = session.get(Quote, int(match[1]))
    if found is None or found.deleted_at is not None:
        raise NotFound("quote", ref)
    return found


def resolve_quote(session: Session, ref: str) -> Quote:
    """The quote REF names, inside a caller's session (PDFs)."""
    return _resolve(session, ref)


def _view(session: CrmSession, quote: Quote, with_lines: bool = True) -> QuoteView:
    assert quote.id is not None
    contact = session.get(Contact, quote.contact_id)
    orders = session.exec(
        select(Invoice.number).where(
            col(Invoice.quote_id) == quote.id, col(Invoice.deleted_at).is_(None)
        )
    ).all()
    return QuoteView(
        id=quote.id,
        uuid=quote.uuid,
        number=quote.number,
        contact_id=quote.contact_id,
        contact_name=contact.display_name if contact else "",
        deal_id=quote.deal_id,
        status=quote.status,
        currency=quote.currency,
        issued_on=quote.issued_on,
        valid_until=quote.valid_until,
        net_cents=quote.net_cents,
        tax_cents=quote.tax_cents,
        amount_cents=quote.amount_cents,
        notes=quote.notes,
        decline_reason=quote.decline_reason,
        owner=quote.owner,
        sent_at=quote.sent_at,
        decided_at=quote.decided_at,
        order_numbers=tuple(orders),
        lines=tuple(L.load_lines(session, quote_id=quote.id)) if with_lines else (),
    )


def _next_quote_number(session: Session, year: int) -> str:
    prefix = f"QUO-{year}-"
    numbers = session.exec(select(Quote.number).where(col(Quote.number).like(f"{prefix}%"))).all()
    highest = max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{highest + 1:04d}"


def _deal_for(session: Session, deal_id: int | None, contact_id: int) -> int | None:
    if deal_id is None:
        return None
    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_at is not None:
        raise Invalid("deal", f"there is no deal #{deal_id}; see `pocketcrm deal list`")
    if deal.contact_id != contact_id:
        raise Invalid("deal", f"deal #{deal_id} belongs to another contact")
    return deal_id


def create_quote(
    store: Store,
    contact_ref: str,
    line_texts: Sequence[str],
    *,
    currency: str = "",
    valid_days: int | None = None,
    deal_id: int | None = None,
    notes: str = "",
) -> QuoteView:
    """A draft quote for a contact from typed lines; every line is checked before anything
    is written (an unknown SKU, a bad quantity, discount, rate or currency: nothing saved)."""
    cur = currency_code(currency) if currency.strip() else store.settings.currency
    days = QUOTE_VALID_DAYS if valid_days is None else valid_days
    if days < 0:
        raise Invalid("valid-for", "must not be negative, e.g. --valid-for 30")
    if len(notes) > 10_000:
        raise Invalid("notes", "is longer than 10000 characters; shorten it")
    issued = today()
    now = clock.now()
    with store.write() as session:
        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
        resolved = L.resolve_all(session, line_texts, cur)
        sums = L.totals(resolved)
        quote = Quote(
            number=_next_quote_number(session, issued.year),
            contact_id=contact_id,
            deal_id=_deal_for(session, deal_id, contact_id),
            currency=cur,
            issued_on=issued,
            valid_until=issued + timedelta(days=days),
            net_cents=sums.net_cents,
            tax_cents=sums.tax_cents,
            amount_cents=sums.gross_cents,
            notes=notes.strip(),
            owner=acting.owner(session, store.settings.owner),
            created_at=now,
            updated_at=now,
        )
        session.add(quote)
        session.flush()
        L.store_lines(session, resolved, quote_id=quote.id)
        session.flush()
        return _view(session, quote)


def get_quote(store: Store, ref: str) -> QuoteView:
    with store.read() as session:
        return _view(session, _resolve(session, ref))


def list_quotes(store: Store, *, contact_ref: str = "", status: str = "") -> list[QuoteView]:
    """Quotes not in the trash, newest first (without their lines)."""
    wanted = status.strip().lower()
    if wanted and wanted not in STATUSES:
        raise Invalid("status", f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    statement = select(Quote).where(col(Quote.deleted_at).is_(None))
    if wanted:
        statement = statement.where(col(Quote.status) == wanted)
    with store.read() as session:
        if contact_ref.strip():
            contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
            statement = statement.where(col(Quote.contact_id) == contact_id)
        rows = session.exec(statement.order_by(col(Quote.issued_on).desc(), col(Quote.id).desc()))
        return [_view(session, q, with_lines=False) for q in rows.all()]


_ALLOWED = {
    "sent": ("draft", "sent"),
    "accepted": ("draft", "sent"),
    "declined": ("draft", "sent"),
}


def _move(store: Store, ref: str, to: str, reason: str = "") -> QuoteView:
    with store.write() as session:
        quote = _resolve(session, ref)
        if quote.status not in _ALLOWED[to]:
            verb = {"sent": "send", "accepted": "accept", "declined": "decline"}[to]
            raise Invalid(
                "quote", f"{quote.number} is {quote.status}; a decided quote cannot be {to} "
                f"(make a new quote to {verb} instead)",
            )  # fmt: skip
        now = clock.now()
        quote.status = to
        if to == "sent":
            quote.sent_at = now
        else:
            quote.decided_at = now
            quote.decline_reason = reason.strip()
        quote.updated_at = now
        session.flush()
        return _view(session, quote)


def send_quote(store: Store, ref: str) -> QuoteView:
    """Mark a quote as sent to the customer (a PDF of it: `quote pdf`)."""
    return _move(store, ref, "sent")


def accept_quote(store: Store, ref: str) -> QuoteView:
    """The customer said yes: an order can be made from it."""
    return _move(store, ref, "accepted")


def decline_quote(store: Store, ref: str, reason: str = "") -> QuoteView:
    """The customer said no (the reason is kept for the analysis)."""
    if len(reason) > 1000:
        raise Invalid("reason", "is longer than 1000 characters; shorten it")
    return _move(store, ref, "declined", reason)


def _costs_now(session: Session, lines: Sequence[L.LineView]) -> list[L.LineView]:
    """Quoted lines at today's unit cost of their products (free text keeps its cost)."""
    ids = [line.product_id for line in lines if line.product_id is not None]
    costs = dict(
        session.exec(select(Product.id, Product.cost_cents).where(col(Product.id).in_(ids))).all()
    )
    return [
        L.with_cost(line, costs[line.product_id]) if line.product_id in costs else line
        for line in lines
    ]


def order_from_quote(store: Store, quote_ref: str) -> InvoiceView:
    """An order from an accepted quote: its lines at the quoted prices, today's costs."""
    with store.write() as session:
        quote = _resolve(session, quote_ref)
        if quote.status != "accepted":
            raise Invalid(
                "quote", f"{quote.number} is {quote.status}; only an accepted quote becomes an "
                f"order (`pocketcrm quote accept {quote.number}`)",
            )  # fmt: skip
        view = _view(session, quote)
        if view.order_numbers:
            raise Invalid("quote", f"{quote.number} is already ordered ({view.order_numbers[0]})")
        lines = _costs_now(session, view.lines)
        order = make_document(
            session, "order", quote.contact_id, quote.currency, lines,
            quote_id=quote.id, deal_id=quote.deal_id,
        )  # fmt: skip
        order.description = f"from quote {quote.number}"
        return _load(session, order)


def invoice_from_order(store: Store, order_ref: str) -> InvoiceView:
    """An invoice for an order, with the order's lines (prices and costs) as they are."""
    with store.write() as session:
        order = _resolve_invoice(session, order_ref)
        if order.kind != "order":
            raise Invalid("order", f"{order.number} is an invoice, not an order")
        if order.cancelled_at is not None:
            raise Invalid("order", f"{order.number} was cancelled; it cannot be invoiced")
        billed = session.exec(
            select(Invoice.number).where(
                col(Invoice.order_id) == order.id,
                col(Invoice.deleted_at).is_(None),
                col(Invoice.cancelled_at).is_(None),
            )
        ).first()
        if billed is not None:
            raise Invalid("order", f"{order.number} is already invoiced ({billed})")
        lines = L.load_lines(session, invoice_id=order.id)
        invoice = make_document(
            session, "invoice", order.contact_id, order.currency, lines,
            order_id=order.id, quote_id=order.quote_id, deal_id=order.deal_id,
        )  # fmt: skip
        invoice.description = order.description or f"order {order.number}"
        return _load(session, invoice)


def document_lines(store: Store, number: str) -> list[L.LineView]:
    """The lines of a quote (QUO-...) or of an invoice or order."""
    with store.read() as session:
        if number.strip().upper().startswith("QUO-"):
            return L.load_lines(session, quote_id=_resolve(session, number).id)
        return L.load_lines(session, invoice_id=_resolve_invoice(session, number).id)


@dataclass(frozen=True)
class DocumentView:
    """One quote, order or invoice of a contact, with its lines (the card's sales view)."""

    number: str
    kind: str  # quote | order | invoice
    status: str
    issued_on: date
    currency: str
    net_cents: int
    tax_cents: int
    amount_cents: int
    lines: tuple[L.LineView, ...]


def contact_documents(store: Store, contact_ref: str) -> list[DocumentView]:
    """A contact's quotes, orders and invoices with their lines, newest first."""
    from pocketcrm.core.services.billing import list_invoices

    with store.read() as session:
        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
        found = [
            DocumentView(q.number, "quote", q.status, q.issued_on, q.currency, q.net_cents,
                         q.tax_cents, q.amount_cents, tuple(L.load_lines(session, quote_id=q.id)))
            for q in session.exec(
                select(Quote).where(col(Quote.contact_id) == contact_id, col(Quote.deleted_at).is_(None))
            ).all()
        ]  # fmt: skip
        invoices = {
            i.id: i
            for i in session.exec(
                select(Invoice).where(col(Invoice.contact_id) == contact_id)
            ).all()
        }
        lines = {i: tuple(L.load_lines(session, invoice_id=i)) for i in invoices}
    for view in list_invoices(store, contact_ref=f"#{contact_id}"):
        row = invoices[view.id]
        found.append(
            DocumentView(view.number, view.kind, view.status, view.issued_on, view.currency,
                         row.net_cents, row.tax_cents, view.amount_cents, lines[view.id])
        )  # fmt: skip
    return sorted(found, key=lambda d: (d.issued_on, d.number), reverse=True)
