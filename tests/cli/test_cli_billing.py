"""`invoice add|list|show|cancel|rm`, `pay`, `billing` and the report's billing figures
(now: Tue 1 Dec 2026, 10:00 in Berlin); results read back through the core."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date

import pytest
from clisupport import Run

from pocketcrm.core.services import billing, trash
from pocketcrm.core.store import Store


@pytest.fixture
def ann(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com")


def test_invoice_add_numbers_and_options(run: Run, core: Callable[[], Store], ann: None) -> None:
    assert run("invoice", "add", "ann@x.com", "1,200").stdout.strip() == "INV-2026-0001"
    assert run("invoice", "add", "Ann", "80 EUR", "--order").stdout.strip() == "ORD-2026-0001"
    run(
        "invoice",
        "add",
        "Ann",
        "50",
        "--number",
        "X-7",
        "--issued",
        "2026-11-01",
        "--due-in",
        "10",
        "--description",
        "Repairs",
    )
    run("invoice", "add", "Ann", "60", "--due", "2026-12-24")
    views = {v.number: v for v in billing.list_invoices(core())}
    assert views["INV-2026-0001"].due_on == date(2026, 12, 31)
    assert views["ORD-2026-0001"].due_on is None and views["ORD-2026-0001"].kind == "order"
    assert views["X-7"].issued_on == date(2026, 11, 1) and views["X-7"].due_on == date(2026, 11, 11)
    assert views["X-7"].status == "overdue" and views["X-7"].description == "Repairs"
    assert views["INV-2026-0002"].due_on == date(2026, 12, 24)


def test_bad_input_exits_2_and_writes_nothing(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    run("invoice", "add", "Ann", "100")
    for args, field in [
        (("invoice", "add", "Ann", "ten"), "amount:"),
        (("invoice", "add", "Ann", "5", "--number", "INV-2026-0001"), "number:"),
        (("invoice", "add", "Ann", "5", "--due", "2026-12-24", "--due-in", "3"), "due:"),
        (("invoice", "add", "Ann", "5", "--deal", "9"), "deal:"),
        (("pay", "INV-2026-0001", "101"), "amount:"),
        (("pay", "INV-2026-0001", "10 EUR"), "currency:"),
        (("invoice", "cancel", "INV-2026-0001"), "reason:"),
        (("invoice", "list", "--status", "late"), "status:"),
    ]:
        result = run(*args, code=2)
        assert field in result.stderr, (args, result.stderr)
    run("pay", "INV-1999-0001", "5", code=3)
    assert [v.number for v in billing.list_invoices(core())] == ["INV-2026-0001"]
    assert billing.get_invoice(core(), "INV-2026-0001").paid_cents == 0


def test_pay_partial_then_paid_refund_and_show(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    run("invoice", "add", "Ann", "100")
    out = run("pay", "INV-2026-0001", "40", "--method", "card", "--on", "yesterday").stdout
    assert "paid 40.00 USD on INV-2026-0001" in out and "balance 60.00 USD" in out
    out = run("pay", "inv-2026-0001", "60").stdout
    assert "paid, balance 0.00 USD" in out
    view = billing.get_invoice(core(), "INV-2026-0001")
    assert (view.status, view.paid_cents) == ("paid", 10000)
    payments = billing.invoice_payments(core(), "INV-2026-0001")
    assert [(p.paid_on, p.method) for p in payments] == [
        (date(2026, 11, 30), "card"),
        (date(2026, 12, 1), ""),
    ]
    assert "refunded 25.00 USD" in run("pay", "INV-2026-0001", "25", "--refund").stdout
    run("pay", "INV-2026-0001", "-1", "--refund", code=2)
    assert "refunded 1.00 USD" in run("pay", "INV-2026-0001", "--", "-1").stdout
    run("pay", "INV-2026-0001", "1")
    shown = json.loads(run("invoice", "show", "INV-2026-0001", "--json").stdout)
    assert (shown["status"], shown["paid_cents"], shown["balance_cents"]) == ("open", 7500, 2500)
    assert [p["amount_cents"] for p in shown["payments"]] == [4000, 6000, -2500, -100, 100]
    text = run("invoice", "show", "INV-2026-0001").stdout
    assert "Payments" in text and "-25.00 USD" in text and "card" in text


def test_cancel_list_and_billing_history(run: Run, ann: None) -> None:
    run("invoice", "add", "Ann", "100", "--issued", "2026-10-01")
    run("invoice", "add", "Ann", "30", "--order", "--issued", "2026-11-01")
    run("pay", "INV-2026-0001", "100", "--on", "2026-10-15", "--method", "bank")
    out = run("invoice", "cancel", "ORD-2026-0001", "--reason", "withdrawn").stdout
    assert "cancelled order ORD-2026-0001" in out
    run("invoice", "cancel", "ORD-2026-0001", "--reason", "again", code=2)
    run("pay", "ORD-2026-0001", "5", code=2)
    rows = json.loads(run("invoice", "list", "--json").stdout)
    assert [(r["number"], r["status"]) for r in rows] == [
        ("INV-2026-0001", "paid"),
        ("ORD-2026-0001", "cancelled"),
    ]
    paid = json.loads(run("invoice", "list", "--status", "paid", "--json").stdout)
    assert [r["number"] for r in paid] == ["INV-2026-0001"]
    table = list(csv.reader(io.StringIO(run("invoice", "list", "--csv").stdout)))
    assert table[0][0] == "number" and len(table) == 3
    events = json.loads(run("billing", "Ann", "--json").stdout)
    assert [(e["on"], e["event"], e["number"]) for e in events] == [
        ("2026-10-01", "issued", "INV-2026-0001"),
        ("2026-10-15", "paid", "INV-2026-0001"),
        ("2026-11-01", "issued", "ORD-2026-0001"),
        ("2026-12-01", "cancelled", "ORD-2026-0001"),
    ]
    text = run("billing", "ann@x.com").stdout
    assert "withdrawn" in text and "bank" in text


def test_rm_and_restore_an_invoice(run: Run, core: Callable[[], Store], ann: None) -> None:
    run("invoice", "add", "Ann", "100")
    run("pay", "INV-2026-0001", "10")
    assert "moved to the trash" in run("invoice", "rm", "INV-2026-0001").stdout
    assert billing.list_invoices(core()) == []
    run("invoice", "show", "INV-2026-0001", code=3)
    assert [i.kind for i in trash.list_trash(core())] == ["invoice"]
    run("restore", "INV-2026-0001", "--kind", "invoice")
    assert billing.get_invoice(core(), "INV-2026-0001").paid_cents == 1000


def test_report_shows_revenue_and_invoices(run: Run, ann: None) -> None:
    run("invoice", "add", "Ann", "100", "--issued", "2026-10-01")
    run("invoice", "add", "Ann", "50")
    run("pay", "INV-2026-0001", "40", "--on", "2026-11-20")
    data = json.loads(run("report", "--json").stdout)
    assert data["revenue_cents"] == 4000 and data["currency"] == "USD"
    assert {"month": "2026-11", "cents": 4000} in data["revenue_by_month"]
    assert (data["invoices_open"], data["invoices_overdue"]) == (2, 1)
    assert data["invoices_outstanding_cents"] == 11000
    text = run("report").stdout
    assert "Revenue received  40.00 USD" in text and "overdue 1" in text


def test_a_deal_is_not_invoiced_twice_without_a_word(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    """Issue 17: `invoice add dave 4800 --deal 1` twice billed 9,600 on a 4,800 deal."""
    deal = run("deal", "add", "Ann", "Boilers", "--amount", "4800").stdout.strip()
    assert run("invoice", "add", "Ann", "1000", "--deal", deal).stdout.strip() == "INV-2026-0001"
    # Without an amount: what is not invoiced yet.
    result = run("invoice", "add", "Ann", "--deal", deal, code=2)
    assert "already invoiced: 1,000.00 of 4,800.00 USD (INV-2026-0001)" in result.stderr
    assert "pass --yes" in result.stderr
    assert len(billing.list_invoices(core())) == 1  # nothing written
    assert run("invoice", "add", "Ann", "--deal", deal, "--yes").stdout.strip() == "INV-2026-0002"
    assert billing.get_invoice(core(), "INV-2026-0002").amount_cents == 380000
    info = billing.deal_billing(core(), int(deal))
    assert (info.billed_cents, info.open_cents) == (480000, 0)
    # Fully invoiced: nothing left to bill without an amount; an amount needs a yes.
    assert "nothing left to invoice" in run("invoice", "add", "Ann", "--deal", deal, code=2).stderr
    run("invoice", "add", "Ann", "4800", "--deal", deal, code=2)
    assert len(billing.list_invoices(core())) == 2
    # A cancelled invoice no longer counts.
    run("invoice", "cancel", "INV-2026-0002", "--reason", "wrong amount")
    assert run("invoice", "add", "Ann", "--deal", deal, "--yes").stdout.strip() == "INV-2026-0003"
    assert billing.get_invoice(core(), "INV-2026-0003").amount_cents == 380000
    assert "amount:" in run("invoice", "add", "Ann", code=2).stderr


def test_a_fresh_deal_is_invoiced_in_full_without_a_question(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    deal = run("deal", "add", "Ann", "Boilers", "--amount", "900 EUR").stdout.strip()
    result = run("invoice", "add", "Ann", "--deal", deal)
    assert result.stdout.strip() == "INV-2026-0001" and result.stderr == ""
    view = billing.get_invoice(core(), "INV-2026-0001")
    assert (view.amount_cents, view.currency, view.deal_id) == (90000, "EUR", int(deal))


def test_csv_amounts_are_numbers_with_a_currency_column(run: Run, ann: None) -> None:
    """Issue 17: CSV amounts were text ("4,800.00 GBP") that a spreadsheet cannot add."""
    run("invoice", "add", "Ann", "4,800 GBP", "--issued", "2026-11-01")
    run("pay", "INV-2026-0001", "1,000.5", "--on", "2026-11-10")
    table = list(csv.reader(io.StringIO(run("invoice", "list", "--csv").stdout)))
    assert table == [
        [
            "number",
            "kind",
            "contact",
            "issued",
            "due",
            "amount",
            "paid",
            "balance",
            "currency",
            "status",
        ],
        [
            "INV-2026-0001",
            "invoice",
            "Ann Lee",
            "2026-11-01",
            "2026-12-01",
            "4800.00",
            "1000.50",
            "3799.50",
            "GBP",
            "open",
        ],
    ]
    table = list(csv.reader(io.StringIO(run("billing", "Ann", "--csv").stdout)))
    assert table[0] == ["date", "event", "number", "kind", "amount", "currency", "detail"]
    assert [r[4:6] for r in table[1:]] == [["4800.00", "GBP"], ["1000.50", "GBP"]]
    # On screen (and piped) amounts stay readable.
    assert "4,800.00 GBP" in run("invoice", "list").stdout
