"""Issue 12 in the core: the line arithmetic (integer cents, half up per line), the typed
line grammar, and 0012 turning every old single-amount invoice and order into one line with
the same total (SQLite here; PostgreSQL in tests/postgres/test_upgrade_on_postgres.py)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine

from pocketcrm.core.errors import Invalid
from pocketcrm.core.migrations import run_upgrade
from pocketcrm.core.services import lines as L
from pocketcrm.core.services import quotes
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import database_url, open_store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "schema_0001.db"


def test_line_totals_round_half_up_per_line() -> None:
    assert L.line_net(3000, 4500, 0) == 13500
    assert L.line_net(1500, 333, 1000) == 450  # 1.5 x 3.33 = 4.995 less 10 % = 4.4955
    assert L.line_tax(1800, 750) == 135
    assert L.line_tax(1, 5000) == 1  # half a cent rounds up
    assert L.line_cost(2500, 999) == 2498  # 24.975 -> 24.98


@given(st.integers(1, 10**7), st.integers(0, 10**8), st.integers(0, 10_000), st.integers(0, 10_000))
def test_net_and_tax_are_within_half_a_cent_of_the_exact_value(
    qty: int, price: int, discount: int, rate: int
) -> None:
    from fractions import Fraction

    exact = Fraction(qty * price * (10_000 - discount), 1000 * 10_000)
    net = L.line_net(qty, price, discount)
    assert abs(net - exact) <= Fraction(1, 2)
    assert abs(L.line_tax(net, rate) - Fraction(net * rate, 10_000)) <= Fraction(1, 2)


def test_the_line_grammar() -> None:
    spec = L.parse_line("Consulting 2h @ 90")
    assert (spec.item, spec.quantity_milli, spec.unit, spec.price) == (
        "Consulting",
        2000,
        "hour",
        "90",
    )
    spec = L.parse_line("WID-100 x2 @ 45.50 EUR -10% tax 7.5%")
    assert (spec.item, spec.quantity_milli, spec.price, spec.discount_bp, spec.tax_rate_bp) == (
        "WID-100", 2000, "45.50 EUR", 1000, 750,
    )  # fmt: skip
    assert L.parse_line("Big red box").quantity_milli == 1000
    assert L.parse_line("WID-100 1.5d").unit == "day"
    for text, field in [("WID-100 x-3", "quantity"), ("WID-100 x2 -101%", "discount"),
                        ("X tax 101%", "tax"), ("Thing @", "price"), ("", "line"),
                        ("WID-100 x0", "quantity")]:  # fmt: skip
        with pytest.raises(Invalid) as caught:
            L.parse_line(text)
        assert caught.value.field == field, text


def _old_sqlite_db(tmp_path: Path) -> Path:
    target = tmp_path / "data" / "crm.db"
    target.parent.mkdir(mode=0o700)
    shutil.copyfile(FIXTURE, target)
    engine = create_engine(database_url(target))
    run_upgrade(engine, True, target="0009")
    engine.dispose()
    conn = sqlite3.connect(target)
    with conn:
        contact = conn.execute("SELECT id FROM contact WHERE deleted_at IS NULL").fetchone()[0]
        for number, kind, cents, text in (("INV-2026-0001", "invoice", 123456, "Repairs"),
                                          ("ORD-2026-0001", "order", 99, "")):  # fmt: skip
            conn.execute(
                "INSERT INTO invoice (uuid, number, kind, contact_id, issued_on, amount_cents, "
                "currency, description, cancel_reason, created_at, updated_at) VALUES "
                "(?, ?, ?, ?, '2026-11-01', ?, 'EUR', ?, '', '2026-11-01 00:00:00', "
                "'2026-11-01 00:00:00')",
                (f"u-{number}", number, kind, contact, cents, text),
            )
    conn.close()
    return target


def test_0012_turns_old_invoices_into_one_line_each_with_the_same_total(tmp_path: Path) -> None:
    path = _old_sqlite_db(tmp_path)
    store = open_store(path, Settings())
    try:
        for number, cents, text in (
            ("INV-2026-0001", 123456, "Repairs"),
            ("ORD-2026-0001", 99, "ORD-2026-0001"),
        ):
            (line,) = quotes.document_lines(store, number)
            assert (line.net_cents, line.tax_cents, line.description) == (cents, 0, text)
            assert L.totals([line]).gross_cents == cents
        from pocketcrm.core.services import billing

        assert billing.get_invoice(store, "INV-2026-0001").amount_cents == 123456
    finally:
        store.close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT net_cents FROM invoice ORDER BY id").fetchall() == [
            (123456,),
            (99,),
        ]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_0017_indexes_old_lines_for_the_report_by_product(tmp_path: Path) -> None:
    """A database from before 0017 keeps every line, and the report by product reads them
    through the new index in product order (no sort of all the lines)."""
    path = _old_sqlite_db(tmp_path)
    open_store(path, Settings()).close()
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "ix_document_line_product_sales" in names
        assert conn.execute("SELECT count(*) FROM document_line").fetchone() == (2,)
    finally:
        conn.close()
    store = open_store(path, Settings(currency="EUR"))
    try:
        from pocketcrm.core.services.profit import SALE_IN_PERIOD, profit

        with store.sql_read() as session:
            plan = session.run(
                "EXPLAIN QUERY PLAN SELECT l.product_id, sum(l.net_cents) FROM document_line l "
                f"WHERE +l.invoice_id IN (SELECT i.id FROM invoice i WHERE {SALE_IN_PERIOD}) "
                "GROUP BY l.product_id",
                {"currency": "EUR", "since": "2026-01-01", "until": "2027-01-01"},
            ).all()
        steps = " / ".join(str(r[-1]) for r in plan)
        assert "COVERING INDEX ix_document_line_product_sales" in steps
        assert "TEMP B-TREE FOR GROUP BY" not in steps
        since, until = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
        report = profit(store, since, until, by="product")
        assert [(r.label, r.revenue_cents, r.sales) for r in report.rows] == [
            ("(free text lines)", 123456 + 99, 2)  # the order is not invoiced: a sale too
        ]
    finally:
        store.close()
