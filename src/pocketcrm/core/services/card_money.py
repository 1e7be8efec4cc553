"""What a contact's card shows of deals and billing, read with plain SQL.

The card opens in tens of milliseconds because its path never builds the SQLModel classes
(about 100 ms); the deals and billing services do. This module answers the card's one
question, a contact's deals and what they owe, without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class CardInvoice:
    number: str
    status: str  # open | overdue | paid | cancelled
    amount_cents: int
    balance_cents: int
    currency: str
    due_on: date | None


@dataclass(frozen=True)
class ContactMoney:
    deals: tuple[CardDeal, ...]  # open ones first (pipeline order), then closed, newest last
    invoices: tuple[CardInvoice, ...]  # oldest issue first

    def owed(self) -> dict[str, int]:
        """The balance still owed, per currency (open and overdue invoices), largest first;
        empty when nothing is owed."""
        totals: dict[str, int] = {}
        for invoice in self.invoices:
            if invoice.balance_cents > 0:
                totals[invoice.currency] = totals.get(invoice.currency, 0) + invoice.balance_cents
        return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))

    def won(self) -> tuple[CardDeal, ...]:
        """The deals won (the pipeline's second-to-last stage), oldest first."""
        return tuple(d for d in self.deals if d.is_won)


def contact_money(store: Store, contact_id: int) -> ContactMoney:
    """The deals (not in the trash) and invoices and orders of one contact."""
    settings = store.settings
    closing = set(settings.deal_stages[-2:])
    won = settings.deal_stages[-2]  # the pipeline always ends with won, lost
    order = {stage: n for n, stage in enumerate(settings.deal_stages)}
    on = today()
    with store.sql_read() as session:
        deal_rows = session.run(
            "SELECT title, stage, amount_cents, currency, id FROM deal "
            "WHERE contact_id = :c AND deleted_at IS NULL ORDER BY id",
            {"c": contact_id},
        ).all()
        invoice_rows = session.run(
            "SELECT number, amount_cents, currency, due_on, cancelled_at, "
            "coalesce((SELECT sum(p.amount_cents) FROM payment p WHERE p.invoice_id = i.id "
            "AND p.deleted_at IS NULL), 0) FROM invoice i "
            "WHERE contact_id = :c AND deleted_at IS NULL ORDER BY issued_on, id",
            {"c": contact_id},
        ).all()
    deals = sorted(
        (
            CardDeal(str(t), str(s), int(a), str(cur), s not in closing, s == won)
            for t, s, a, cur, _ in deal_rows
        ),
        key=lambda d: (not d.is_open, order.get(d.stage, 0) if d.is_open else 0),
    )
    invoices = []
    for number, amount, currency, due_on, cancelled_at, paid in invoice_rows:
        due = as_date(due_on)
        status = invoice_status(cancelled_at is not None, int(amount), int(paid), due, on)
        balance = int(amount) - int(paid) if status in ("open", "overdue") else 0
        invoices.append(CardInvoice(str(number), status, int(amount), balance, str(currency), due))
    return ContactMoney(tuple(deals), tuple(invoices))
