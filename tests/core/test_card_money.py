"""The card's deals and billing, read with plain SQL, agree with the deals and billing
services (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from coresupport import NOW

from pocketcrm.core.services import billing, contacts, deals
from pocketcrm.core.services.card_money import CardDeal, contact_money
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.services.deals import DealInput
from pocketcrm.core.store import Store


def test_the_card_sees_what_the_services_wrote(store: Store) -> None:
    ann = contacts.create_contact(store, ContactInput(name="Ann Lee")).id
    bob = contacts.create_contact(store, ContactInput(name="Bob Ray")).id
    assert contact_money(store, ann).deals == () and contact_money(store, ann).invoices == ()
    chairs = deals.create_deal(store, "ann lee", DealInput("Chairs", "4,800", stage="proposal"))
    desks = deals.create_deal(store, "ann lee", DealInput("Desks", "1200"))
    won = deals.create_deal(store, "ann lee", DealInput("Lamps", "300"))
    deals.move_deal(store, won.id, "won")
    gone = deals.create_deal(store, "ann lee", DealInput("Sofa", "900"))
    deals.trash_deal(store, gone.id)
    deals.create_deal(store, "bob ray", DealInput("Not Ann's", "50"))
    today = NOW.date()
    late = billing.create_invoice(store, "ann lee", "1200", issued_on=today - timedelta(days=45))
    part = billing.create_invoice(store, "ann lee", "500", issued_on=today - timedelta(days=2))
    billing.record_payment(store, part.number, "200")
    paid = billing.create_invoice(store, "ann lee", "300", issued_on=today - timedelta(days=1))
    billing.record_payment(store, paid.number, "300")
    off = billing.create_invoice(store, "ann lee", "80", issued_on=today)
    billing.cancel_invoice(store, off.number, "ordered twice")

    money = contact_money(store, ann)
    assert money.deals == (
        CardDeal("Desks", "qualified", 120000, "USD", True),
        CardDeal(chairs.title, "proposal", 480000, "USD", True),
        CardDeal("Lamps", "won", 30000, "USD", False, True),
    )
    assert [d.title for d in money.won()] == ["Lamps"]
    assert money.owed() == {"USD": 120000 + 30000}  # the late one and the rest of the part
    by_number = {i.number: i for i in billing.list_invoices(store, contact_ref="ann lee")}
    assert [(i.number, i.status, i.balance_cents) for i in money.invoices] == [
        (n, by_number[n].status, by_number[n].balance_cents)
        for n in (late.number, part.number, paid.number, off.number)
    ]
    assert [i.status for i in money.invoices] == ["overdue", "open", "paid", "cancelled"]
    assert desks.id != chairs.id and contact_money(store, bob).invoices == ()
