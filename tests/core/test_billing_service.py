"""Invoices, orders and payments: numbers, partial payment, overdue with the fixed clock,
cancel, refund, billing history, revenue by month, report fields, trash and restore.
Now is Tue 1 Dec 2026, 10:00 in Berlin. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from coresupport import NOW, FixedClock
from sqlalchemy import text

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.readmodels import as_dict
from pocketcrm.core.readmodels.report import MonthAmount
from pocketcrm.core.services import billing, contacts, deals, reports, trash
from pocketcrm.core.store import Store

TODAY = date(2026, 12, 1)


def _count(store: Store, table: str) -> int:
    with store.read() as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def ann(store: Store) -> int:
    return contacts.create_contact(store, contacts.ContactInput(name="Ann Lee")).id


def test_numbers_defaults_and_kinds(store: Store, ann: int) -> None:
    first = billing.create_invoice(store, "Ann", "1,200")
    assert (first.number, first.kind, first.issued_on) == ("INV-2026-0001", "invoice", TODAY)
    assert first.due_on == TODAY + timedelta(days=30)
    assert (first.amount_cents, first.currency, first.status) == (120000, "USD", "open")
    assert (first.paid_cents, first.balance_cents) == (0, 120000)
    second = billing.create_invoice(store, "Ann", "50")
    assert second.number == "INV-2026-0002"
    order = billing.create_invoice(store, "Ann", "80 EUR", kind="order")
    assert (order.number, order.due_on, order.currency) == ("ORD-2026-0001", None, "EUR")
    custom = billing.create_invoice(store, "Ann", "10", number="INV-2026-0041")
    assert custom.number == "INV-2026-0041"
    assert billing.create_invoice(store, "Ann", "10").number == "INV-2026-0042"
    next_year = billing.create_invoice(store, "Ann", "10", issued_on=date(2027, 1, 2))
    assert next_year.number == "INV-2027-0001"
    due = billing.create_invoice(store, "Ann", "10", due_in_days=7)
    assert due.due_on == TODAY + timedelta(days=7)
    assert billing.get_invoice(store, "inv-2026-0001").id == first.id
    assert billing.get_invoice(store, str(first.id)).number == "INV-2026-0001"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "5", "kind": "quote"}, "kind"),
        ({"amount": "5", "number": "INV-2026-0001"}, "number"),
        ({"amount": "5", "number": "A B"}, "number"),
        ({"amount": "5", "due_in_days": -1}, "due"),
        ({"amount": "5", "due_on": date(2026, 11, 1)}, "due"),
        ({"amount": "5", "deal_id": 999}, "deal"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(
    store: Store, ann: int, kwargs: dict[str, object], field: str
) -> None:
    billing.create_invoice(store, "Ann", "1")
    given = dict(kwargs)  # the parameters are shared by both backends' runs: no pop
    amount = str(given.pop("amount"))
    with pytest.raises(Invalid) as caught:
        billing.create_invoice(store, "Ann", amount, **given)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert _count(store, "invoice") == 1


def test_a_deal_of_another_contact_is_refused(store: Store, ann: int) -> None:
    contacts.create_contact(store, contacts.ContactInput(name="Ben Okafor"))
    deal = deals.create_deal(store, "Ben", deals.DealInput(title="Ben's"))
    with pytest.raises(Invalid) as caught:
        billing.create_invoice(store, "Ann", "5", deal_id=deal.id)
    assert caught.value.field == "deal"
    linked = billing.create_invoice(store, "Ben", "5", deal_id=deal.id)
    assert linked.deal_id == deal.id


def test_partial_payments_then_paid(store: Store, ann: int) -> None:
    invoice = billing.create_invoice(store, "Ann", "100")
    first = billing.record_payment(store, invoice.number, "40", method="card")
    assert (first.amount_cents, first.paid_on, first.method) == (4000, TODAY, "card")
    view = billing.get_invoice(store, invoice.number)
    assert (view.paid_cents, view.balance_cents, view.status) == (4000, 6000, "open")
    with pytest.raises(Invalid) as caught:
        billing.record_payment(store, invoice.number, "60.01")
    assert caught.value.field == "amount" and "balance" in caught.value.message
    billing.record_payment(store, invoice.number, "60 USD")
    view = billing.get_invoice(store, invoice.number)
    assert (view.paid_cents, view.balance_cents, view.status) == (10000, 0, "paid")
    assert len(billing.invoice_payments(store, invoice.number)) == 2


@pytest.mark.parametrize(
    ("amount", "paid_on", "field"),
    [
        ("10 EUR", None, "currency"),
        ("0", None, "amount"),
        ("-1", None, "amount"),  # a refund of more than was paid (nothing yet)
        ("10", TODAY + timedelta(days=1), "on"),
        ("1.234", None, "amount"),
    ],
)
def test_payment_refusals_write_nothing(
    store: Store, ann: int, amount: str, paid_on: date | None, field: str
) -> None:
    invoice = billing.create_invoice(store, "Ann", "100")
    with pytest.raises(Invalid) as caught:
        billing.record_payment(store, invoice.number, amount, paid_on=paid_on)
    assert caught.value.field == field
    assert _count(store, "payment") == 0


def test_unknown_invoice(store: Store, ann: int) -> None:
    with pytest.raises(NotFound):
        billing.record_payment(store, "INV-1999-0001", "5")


def test_overdue_follows_the_clock(store: Store, ann: int, fixed_clock: FixedClock) -> None:
    invoice = billing.create_invoice(store, "Ann", "100", due_in_days=14)
    assert billing.get_invoice(store, invoice.number).status == "open"
    fixed_clock.advance(days=14)
    assert billing.get_invoice(store, invoice.number).status == "open"  # due today
    fixed_clock.advance(days=1)
    assert billing.get_invoice(store, invoice.number).status == "overdue"
    assert [v.number for v in billing.list_invoices(store, status="overdue")] == [invoice.number]
    billing.record_payment(store, invoice.number, "100")
    assert billing.get_invoice(store, invoice.number).status == "paid"
    order = billing.create_invoice(store, "Ann", "5", kind="order", issued_on=date(2026, 1, 1))
    assert billing.get_invoice(store, order.number).status == "open"  # no due date


def test_cancel_keeps_the_record_and_payments(store: Store, ann: int) -> None:
    invoice = billing.create_invoice(store, "Ann", "100")
    billing.record_payment(store, invoice.number, "30")
    with pytest.raises(Invalid) as caught:
        billing.cancel_invoice(store, invoice.number, "  ")
    assert caught.value.field == "reason"
    cancelled = billing.cancel_invoice(store, invoice.number, "order withdrawn")
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "order withdrawn"
    assert cancelled.cancelled_at == NOW and cancelled.paid_cents == 3000
    assert cancelled.balance_cents == 0
    with pytest.raises(Invalid) as caught:
        billing.cancel_invoice(store, invoice.number, "again")
    assert caught.value.field == "invoice"
    with pytest.raises(Invalid) as caught:
        billing.record_payment(store, invoice.number, "10")
    assert caught.value.field == "invoice"
    refund = billing.record_payment(store, invoice.number, "-30", method="bank")
    assert refund.amount_cents == -3000
    assert billing.get_invoice(store, invoice.number).paid_cents == 0
    assert _count(store, "payment") == 2


def test_refund_never_below_zero(store: Store, ann: int) -> None:
    invoice = billing.create_invoice(store, "Ann", "100")
    billing.record_payment(store, invoice.number, "100")
    billing.record_payment(store, invoice.number, "-25")
    view = billing.get_invoice(store, invoice.number)
    assert (view.paid_cents, view.balance_cents, view.status) == (7500, 2500, "open")
    with pytest.raises(Invalid) as caught:
        billing.record_payment(store, invoice.number, "-75.01")
    assert caught.value.field == "amount"
    billing.record_payment(store, invoice.number, "-75")
    assert billing.get_invoice(store, invoice.number).paid_cents == 0


def test_billing_history_in_time_order(store: Store, ann: int, fixed_clock: FixedClock) -> None:
    a = billing.create_invoice(store, "Ann", "100", issued_on=date(2026, 10, 1))
    b = billing.create_invoice(store, "Ann", "50", kind="order", issued_on=date(2026, 11, 1))
    billing.record_payment(store, a.number, "100", paid_on=date(2026, 10, 20), method="card")
    billing.record_payment(store, a.number, "-10", paid_on=date(2026, 11, 5))
    billing.cancel_invoice(store, b.number, "withdrawn")
    events = billing.billing_history(store, "Ann")
    assert [(e.on, e.event, e.number, e.amount_cents) for e in events] == [
        (date(2026, 10, 1), "issued", a.number, 10000),
        (date(2026, 10, 20), "paid", a.number, 10000),
        (date(2026, 11, 1), "issued", b.number, 5000),
        (date(2026, 11, 5), "refunded", a.number, -1000),
        (TODAY, "cancelled", b.number, 5000),
    ]
    assert events[1].detail == "card" and events[4].detail == "withdrawn"


def test_revenue_by_month(store: Store, ann: int) -> None:
    a = billing.create_invoice(store, "Ann", "1000", issued_on=date(2026, 9, 1), due_in_days=10)
    b = billing.create_invoice(store, "Ann", "500", issued_on=date(2026, 11, 1))
    e = billing.create_invoice(store, "Ann", "70 EUR", issued_on=date(2026, 11, 1))
    billing.record_payment(store, a.number, "300", paid_on=date(2026, 9, 30))
    billing.record_payment(store, a.number, "200", paid_on=date(2026, 10, 1))
    billing.record_payment(store, b.number, "500", paid_on=date(2026, 11, 30))
    billing.record_payment(store, b.number, "-100", paid_on=date(2026, 12, 1))
    billing.record_payment(store, e.number, "70 EUR", paid_on=date(2026, 11, 2))
    money = billing.revenue(store, date(2026, 10, 1), date(2027, 1, 1))
    assert money.by_month == (
        MonthAmount("2026-10", 20000),
        MonthAmount("2026-11", 50000),
        MonthAmount("2026-12", -10000),
    )
    assert (money.total_cents, money.other_currencies) == (60000, 1)
    # a: 500 owed, overdue since Sep 11; b: 100 owed (refunded), open; e: paid.
    assert (money.outstanding_cents, money.open_count, money.overdue_count) == (60000, 2, 1)
    with pytest.raises(Invalid):
        billing.revenue(store, date(2026, 10, 1), date(2026, 10, 1))


def test_report_carries_deal_and_billing_figures(
    store: Store, ann: int, fixed_clock: FixedClock
) -> None:
    deals.create_deal(store, "Ann", deals.DealInput(title="q", amount="1000"))
    won = deals.create_deal(store, "Ann", deals.DealInput(title="w", amount="400"))
    deals.move_deal(store, won.id, "won")
    invoice = billing.create_invoice(store, "Ann", "400", issued_on=date(2026, 10, 1))
    billing.record_payment(store, invoice.number, "150", paid_on=date(2026, 11, 20))
    fixed_clock.advance(minutes=1)
    report = as_dict(reports.summary(store))
    assert report["currency"] == "USD"
    assert report["pipeline"][0] == {
        "stage": "qualified",
        "count": 1,
        "amount_cents": 100000,
        "weighted_cents": 25000,
    }
    assert report["pipeline_open_count"] == 1 and report["pipeline_open_cents"] == 100000
    assert report["pipeline_weighted_cents"] == 25000
    assert (report["deals_won"], report["deals_won_cents"], report["deals_lost"]) == (1, 40000, 0)
    assert report["revenue_cents"] == 15000
    assert report["revenue_by_month"][-2:] == [
        {"month": "2026-11", "cents": 15000},
        {"month": "2026-12", "cents": 0},
    ]
    assert report["invoices_open"] == 1 and report["invoices_overdue"] == 1
    assert report["invoices_outstanding_cents"] == 25000
    assert "activity_by_week" in report and "follow_ups_due" in report


def test_trash_and_restore_an_invoice_and_a_payment(store: Store, ann: int) -> None:
    invoice = billing.create_invoice(store, "Ann", "100")
    payment = billing.record_payment(store, invoice.number, "40")
    item = billing.trash_invoice(store, invoice.number)
    assert (item.kind, item.label) == ("invoice", invoice.number)
    assert billing.list_invoices(store) == []
    with pytest.raises(NotFound):
        billing.get_invoice(store, invoice.number)
    assert billing.revenue(store, TODAY, TODAY + timedelta(days=1)).total_cents == 0
    assert trash.restore(store, invoice.number, "invoice").id == invoice.id
    assert billing.get_invoice(store, invoice.number).paid_cents == 4000
    billing.trash_payment(store, payment.id)
    assert billing.get_invoice(store, invoice.number).paid_cents == 0
    kinds = {(i.kind, i.id) for i in trash.list_trash(store)}
    assert ("payment", payment.id) in kinds
    billing.record_payment(store, invoice.number, "70")
    with pytest.raises(Invalid):  # 70 + 40 would overpay: the payment no longer fits
        trash.restore(store, str(payment.id), "payment")
    billing.record_payment(store, invoice.number, "-70")
    trash.restore(store, str(payment.id), "payment")
    assert billing.get_invoice(store, invoice.number).paid_cents == 4000


def test_purge_removes_a_trashed_invoice_with_its_payments(store: Store, ann: int) -> None:
    invoice = billing.create_invoice(store, "Ann", "100")
    billing.record_payment(store, invoice.number, "40")
    billing.trash_invoice(store, invoice.number)
    trash.purge_trash(store)
    assert _count(store, "invoice") == 0 and _count(store, "payment") == 0
    # The number stays free to reuse only once purged.
    assert billing.create_invoice(store, "Ann", "5").number == "INV-2026-0001"


def test_a_billed_deal_is_billed_again_only_when_confirmed(store: Store, ann: int) -> None:
    """Issue 17: a second invoice on the same deal went through without a word."""
    deal = deals.create_deal(store, "Ann", deals.DealInput(title="Boilers", amount="4800")).id
    first = billing.create_invoice(store, "Ann", None, deal_id=deal)
    assert first.amount_cents == 480000  # no amount: the deal's open amount
    before = _count(store, "invoice")
    with pytest.raises(Invalid, match=r"already invoiced \(INV-2026-0001: 4,800.00 of"):
        billing.create_invoice(store, "Ann", "100", deal_id=deal)
    with pytest.raises(Invalid, match="nothing left to invoice"):
        billing.create_invoice(store, "Ann", None, deal_id=deal, bill_again=True)
    assert _count(store, "invoice") == before
    extra = billing.create_invoice(store, "Ann", "100", deal_id=deal, bill_again=True)
    assert extra.number == "INV-2026-0002"
    info = billing.deal_billing(store, deal)
    assert (info.billed_cents, info.open_cents, info.numbers) == (
        490000,
        0,
        ("INV-2026-0001", "INV-2026-0002"),
    )
    # Orders are counted apart from invoices.
    assert billing.deal_billing(store, deal, kind="order").already_billed is False
    with pytest.raises(Invalid, match="amount"):
        billing.create_invoice(store, "Ann", None)
