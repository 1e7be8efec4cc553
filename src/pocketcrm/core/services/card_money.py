"""What a contact's or a company's card shows of deals and billing, read with plain SQL.

The card opens in tens of milliseconds because its path never builds the SQLModel classes
(about 100 ms); the deals and billing services do. This module answers the card's one
question, the deals and what was billed, paid and is still owed, without them. A company's
are those of everyone at it, as `pocketcrm billing COMPANY` lists them, and the deals made
with the company itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pocketcrm.core.services.figures import as_date, invoice_status, today
from pocketcrm.core.store import Store


@dataclass(frozen=True)
class CardDeal:
    title: str
    stage: str
    amount_cents: int
    currency: str
    is_open: bool
    is_won: bool = False
    person: str = ""  # whose deal it is (a company's card lists everyone's)


@dataclass(frozen=True)
class CardInvoice:
    number: str
    status: str  # open | overdue | paid | cancelled
    amount_cents: int
    balance_cents: int
    currency: str
    due_on: date | None
    kind: str = "invoice"  # invoice | order
    paid_cents: int = 0


def _add(totals: dict[str, int], currency: str, cents: int) -> None:
    if cents:
        totals[currency] = totals.get(currency, 0) + cents


def _ranked(totals: dict[str, int]) -> dict[str, int]:
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class ContactMoney:
    """A contact's or a company's deals and invoices (orders too)."""

    deals: tuple[CardDeal, ...]  # open ones first (pipeline order), then closed, newest last
    invoices: tuple[CardInvoice, ...]  # oldest issue first

    def owed(self) -> dict[str, int]:
        """The balance still owed, per currency (open and overdue invoices), largest first;
        empty when nothing is owed."""
        totals: dict[str, int] = {}
        for invoice in self.invoices:
            if invoice.balance_cents > 0:
                _add(totals, invoice.currency, invoice.balance_cents)
        return _ranked(totals)

    def invoiced(self) -> dict[str, int]:
        """What the invoices (not orders, not cancelled ones) came to, per currency."""
        totals: dict[str, int] = {}
        for invoice in self.invoices:
            if invoice.kind == "invoice" and invoice.status != "cancelled":
                _add(totals, invoice.currency, invoice.amount_cents)
        return _ranked(totals)

    def paid(self) -> dict[str, int]:
        """The payments received (less refunds), per currency."""
        totals: dict[str, int] = {}
        for invoice in self.invoices:
            _add(totals, invoice.currency, invoice.paid_cents)
        return _ranked(totals)

    def open_worth(self) -> dict[str, int]:
        """What the open deals are worth, per currency."""
        totals: dict[str, int] = {}
        for deal in self.deals:
            if deal.is_open:
                _add(totals, deal.currency, deal.amount_cents)
        return _ranked(totals)

    def overdue(self) -> bool:
        return any(i.status == "overdue" for i in self.invoices)

    def won(self) -> tuple[CardDeal, ...]:
        """The deals won (the pipeline's second-to-last stage), oldest first."""
        return tuple(d for d in self.deals if d.is_won)


def contact_money(store: Store, contact_id: int) -> ContactMoney:
    """The deals (not in the trash) and invoices and orders of one contact."""
    return _money(store, "d.contact_id = :c", "i.contact_id = :c", {"c": contact_id})


def company_money(store: Store, company_id: int) -> ContactMoney:
    """A company's: the deals made with it or with anyone at it, and the invoices and orders
    of everyone at it (what `pocketcrm billing COMPANY` lists)."""
    people = "SELECT id FROM contact WHERE company_id = :co"
    return _money(
        store,
        f"(d.company_id = :co OR d.contact_id IN ({people}))",
        f"i.contact_id IN ({people})",
        {"co": company_id},
    )


def _money(store: Store, deals: str, invoices: str, params: Mapping[str, Any]) -> ContactMoney:
    """The deals matching DEALS (alias d) and the documents matching INVOICES (alias i)."""
    settings = store.settings
    closing = set(settings.deal_stages[-2:])
    won = settings.deal_stages[-2]  # the pipeline always ends with won, lost
    order = {stage: n for n, stage in enumerate(settings.deal_stages)}
    on = today()
    with store.sql_read() as session:
        deal_rows = session.run(
            "SELECT d.title, d.stage, d.amount_cents, d.currency, c.display_name FROM deal d "
            f"JOIN contact c ON c.id = d.contact_id WHERE {deals} AND d.deleted_at IS NULL "
            "ORDER BY d.id",
            params,
        ).all()
        invoice_rows = session.run(
            "SELECT i.number, i.amount_cents, i.currency, i.due_on, i.cancelled_at, "
            "coalesce((SELECT sum(p.amount_cents) FROM payment p WHERE p.invoice_id = i.id "
            "AND p.deleted_at IS NULL), 0), i.kind FROM invoice i "
            f"WHERE {invoices} AND i.deleted_at IS NULL ORDER BY i.issued_on, i.id",
            params,
        ).all()
    found = sorted(
        (
            CardDeal(str(t), str(s), int(a), str(cur), s not in closing, s == won, str(who))
            for t, s, a, cur, who in deal_rows
        ),
        key=lambda d: (not d.is_open, order.get(d.stage, 0) if d.is_open else 0),
    )
    billed = []
    for number, amount, currency, due_on, cancelled_at, paid, kind in invoice_rows:
        due = as_date(due_on)
        status = invoice_status(cancelled_at is not None, int(amount), int(paid), due, on)
        balance = int(amount) - int(paid) if status in ("open", "overdue") else 0
        billed.append(
            CardInvoice(
                str(number), status, int(amount), balance, str(currency), due, str(kind), int(paid)
            )
        )
    return ContactMoney(tuple(found), tuple(billed))
