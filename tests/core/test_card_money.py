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
        CardDeal("Desks", "qualified", 120000, "USD", True, person="Ann Lee"),
        CardDeal(chairs.title, "proposal", 480000, "USD", True, person="Ann Lee"),
        CardDeal("Lamps", "won", 30000, "USD", False, True, person="Ann Lee"),
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
    assert money.invoiced() == {"USD": 120000 + 50000 + 30000}  # not the cancelled one
    assert money.paid() == {"USD": 20000 + 30000}


def test_a_company_card_sums_everyone_at_it_as_billing_company_does(store: Store) -> None:
    """The deals made with the company or anyone at it, and its people's invoices: the same
    documents and amounts as `pocketcrm billing COMPANY` (company_billing_history)."""
    from pocketcrm.core.services.card_money import company_money
    from pocketcrm.core.services.companies import list_companies

    contacts.create_contact(store, ContactInput(name="Ann Lee", company="Nordhavn Bakery"))
    contacts.create_contact(store, ContactInput(name="Bo Berg", company="Nordhavn Bakery"))
    contacts.create_contact(store, ContactInput(name="Cy Out"))
    deals.create_deal(store, "ann lee", DealInput("Ovens", "9000", stage="proposal"))
    deals.create_deal(store, "bo berg", DealInput("Flour", "300"))
    deals.create_deal(store, "cy out", DealInput("Elsewhere", "50"))
    first = billing.create_invoice(store, "ann lee", "1200")
    billing.record_payment(store, first.number, "1000")
    billing.create_invoice(store, "bo berg", "80", kind="order")
    billing.create_invoice(store, "cy out", "999")
    [company] = [c for c in list_companies(store) if c.name == "Nordhavn Bakery"]
    money = company_money(store, company.id)
    assert sorted((d.title, d.person) for d in money.deals) == [
        ("Flour", "Bo Berg"), ("Ovens", "Ann Lee"),
    ]  # fmt: skip
    history = billing.company_billing_history(store, "Nordhavn Bakery")
    issued = {e.number: e.amount_cents for e in history if e.event == "issued"}
    assert {i.number: i.amount_cents for i in money.invoices} == issued
    assert money.invoiced() == {"USD": 120000}  # the order is not an invoice
    assert money.paid() == {"USD": sum(e.amount_cents for e in history if e.event == "paid")}
    assert money.owed() == {"USD": 20000 + 8000} and not money.overdue()
    assert money.open_worth() == {"USD": 900000 + 30000}
