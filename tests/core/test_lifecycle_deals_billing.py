"""Deals, invoices and payments travel with their contact wherever data moves: the JSON
export/import round trip (and import undo), a merge and its undo, a personal-data export and
erasure, and emptying the trash. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from coresupport import FixedClock

from pgserver import PgServer
from pocketcrm.core.services import billing, contacts, deals, dupes, trash
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer import importer, people
from pocketcrm.core.transfer.exporter import export_json

MONEY_TABLES = ("deal", "deal_stage_change", "invoice", "payment")


@pytest.fixture
def other_store(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, fixed_clock: FixedClock
) -> Iterator[Store]:
    """A second, empty database of the same backend (the import target)."""
    if backend == "postgres":
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.database(template=request.getfixturevalue("pg_template"))
        opened = open_store(url, Settings(owner="Me"))
    else:
        opened = open_store(tmp_path / "other.db", Settings(owner="Me"))
    yield opened
    opened.close()


def seed(store: Store, fixed_clock: FixedClock) -> dict[str, Any]:
    """Two people with deals (open with history, won, lost with a reason), invoices (paid,
    partly paid, cancelled, an order) and payments (one a refund)."""
    from pocketcrm.core.services.companies import CompanyInput, create_company

    create_company(store, CompanyInput(name="Nordljus AB"))
    ann = contacts.create_contact(
        store,
        contacts.ContactInput(name="Ann Lee", emails=["ann@nordljus.se"], company="Nordljus AB"),
    )
    bob = contacts.create_contact(
        store, contacts.ContactInput(name="Bob Stone", emails=["bob@example.com"])
    )
    day = fixed_clock.moment.date()
    spring = deals.create_deal(
        store,
        f"#{ann.id}",
        deals.DealInput(
            title="Spring order", amount="12,500.50", expected_close=day + timedelta(days=30)
        ),
    )
    fixed_clock.advance(hours=1)
    deals.move_deal(store, spring.id, "proposal")
    fixed_clock.advance(hours=1)
    won = deals.create_deal(store, f"#{ann.id}", deals.DealInput(title="Logo", amount="900"))
    deals.move_deal(store, won.id, "won")
    lost = deals.create_deal(store, f"#{ann.id}", deals.DealInput(title="Website", amount="3000"))
    fixed_clock.advance(minutes=5)
    deals.move_deal(store, lost.id, "lost", reason="went with an agency")
    paid = billing.create_invoice(
        store, f"#{ann.id}", "900", deal_id=won.id, issued_on=day, description="Logo"
    )
    billing.record_payment(store, paid.number, "900", paid_on=day, method="bank transfer")
    billing.record_payment(store, paid.number, "-100", paid_on=day, notes="goodwill refund")
    partly = billing.create_invoice(store, f"#{ann.id}", "2,000", issued_on=day)
    billing.record_payment(store, partly.number, "500.25", paid_on=day, method="card")
    cancelled = billing.create_invoice(store, f"#{ann.id}", "75", issued_on=day)
    billing.cancel_invoice(store, cancelled.number, "billed twice")
    order = billing.create_invoice(store, f"#{ann.id}", "40", kind="order", issued_on=day)
    bob_deal = deals.create_deal(store, f"#{bob.id}", deals.DealInput(title="Audit", amount="450"))
    bob_invoice = billing.create_invoice(
        store, f"#{bob.id}", "450", deal_id=bob_deal.id, issued_on=day
    )
    billing.record_payment(store, bob_invoice.number, "450", paid_on=day)
    fixed_clock.advance(hours=1)
    return {
        "ann": ann.id,
        "bob": bob.id,
        "numbers": [paid.number, partly.number, cancelled.number, order.number],
        "bob_invoice": bob_invoice.number,
    }


def export_text(store: Store) -> str:
    buffer = io.StringIO()
    export_json(store, buffer)
    return buffer.getvalue()


def dump(store: Store, tables: tuple[str, ...] = MONEY_TABLES) -> dict[str, list[Any]]:
    """Every row of TABLES, ids included, in id order (the exact stored state)."""
    out: dict[str, list[Any]] = {}
    with store.engine.connect() as conn:
        for table in tables:
            rows = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id").all()
            out[table] = [tuple(str(v) for v in row) for row in rows]
    return out


def counts(store: Store) -> dict[str, int]:
    return {table: len(rows) for table, rows in dump(store).items()}


def contact_json(document: str, name: str) -> dict[str, Any]:
    for line in document.splitlines():
        if f'"display_name":"{name}"' in line:
            return dict(json.loads(line.rstrip(",")))
    raise AssertionError(f"{name} is not in the export")


def test_json_export_holds_deals_invoices_and_payments(
    store: Store, fixed_clock: FixedClock
) -> None:
    seed(store, fixed_clock)
    ann = contact_json(export_text(store), "Ann Lee")
    by_title = {d["title"]: d for d in ann["deals"]}
    assert set(by_title) == {"Spring order", "Logo", "Website"}
    spring = by_title["Spring order"]
    assert spring["amount_cents"] == 1250050 and spring["currency"] == "USD"
    assert [(h["from"], h["to"]) for h in spring["history"]] == [
        ("", "qualified"),
        ("qualified", "proposal"),
    ]
    assert spring["expected_close_on"] == "2026-12-31"
    assert by_title["Website"]["lost_reason"] == "went with an agency"
    assert by_title["Logo"]["closed_at"] is not None
    invoices = {i["amount_cents"]: i for i in ann["invoices"]}
    assert invoices[90000]["deal"] == by_title["Logo"]["uuid"]
    assert invoices[7500]["cancel_reason"] == "billed twice"
    assert invoices[4000]["kind"] == "order"
    assert invoices[90000]["issued_on"] == "2026-12-01"
    amounts = sorted((p["amount_cents"], p["invoice"]) for p in ann["payments"])
    assert amounts == [
        (-10000, invoices[90000]["uuid"]),
        (50025, invoices[200000]["uuid"]),
        (90000, invoices[90000]["uuid"]),
    ]
    assert {p["paid_on"] for p in ann["payments"]} == {"2026-12-01"}


def test_round_trip_into_an_empty_database_is_identical(
    store: Store, other_store: Store, fixed_clock: FixedClock, tmp_path: Path
) -> None:
    seed(store, fixed_clock)
    first = export_text(store)
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    report = importer.import_files(other_store, [path])
    assert report.problem_count == 0, report.problems
    assert counts(other_store) == counts(store)
    assert export_text(other_store) == first
    # Importing the same file again matches every uuid: nothing is doubled.
    again = importer.import_files(other_store, [path])
    assert again.created == 0 and again.problem_count == 0, again.problems
    assert counts(other_store) == counts(store)
    assert export_text(other_store) == first
    # Undo of the first import takes every deal, invoice and payment away with the contacts.
    importer.undo_import(other_store, again.batch_id)
    importer.undo_import(other_store, report.batch_id)
    assert counts(other_store) == dict.fromkeys(MONEY_TABLES, 0)


def test_import_into_existing_contact_adds_money_and_undo_removes_exactly_that(
    store: Store, other_store: Store, fixed_clock: FixedClock, tmp_path: Path
) -> None:
    seed(store, fixed_clock)
    path = tmp_path / "export.json"
    path.write_text(export_text(store), encoding="utf-8")
    # The target knows Ann (same email) and has money of its own.
    contacts.create_contact(
        other_store, contacts.ContactInput(name="Ann Lee", emails=["ann@nordljus.se"])
    )
    mine = contacts.create_contact(other_store, contacts.ContactInput(name="Cleo Park"))
    deals.create_deal(other_store, f"#{mine.id}", deals.DealInput(title="Mine", amount="10"))
    invoice = billing.create_invoice(other_store, f"#{mine.id}", "10", number="CLEO-1")
    billing.record_payment(other_store, invoice.number, "10")
    before = dump(other_store, (*MONEY_TABLES, "contact"))
    report = importer.import_files(other_store, [path])
    assert report.updated == 1 and report.problem_count == 0, report.problems
    added = counts(other_store)
    assert added["deal"] == 1 + 4 and added["payment"] == 1 + 4
    importer.undo_import(other_store, report.batch_id)
    after = dump(other_store, (*MONEY_TABLES, "contact"))
    assert after == before


def test_an_invoice_number_already_taken_is_a_problem_not_a_crash(
    store: Store, other_store: Store, fixed_clock: FixedClock, tmp_path: Path
) -> None:
    numbers = seed(store, fixed_clock)["numbers"]
    path = tmp_path / "export.json"
    path.write_text(export_text(store), encoding="utf-8")
    cleo = contacts.create_contact(other_store, contacts.ContactInput(name="Cleo Park"))
    billing.create_invoice(other_store, f"#{cleo.id}", "5", number=numbers[0])
    report = importer.import_files(other_store, [path])
    reasons = [r for note in report.problems for r in note.reasons]
    assert any(numbers[0] in r and "already belongs to another invoice" in r for r in reasons)
    # The refused invoice's two payments are noted and left out; everything else came in.
    assert sum("payment" in r and "left out" in r for r in reasons) == 2
    got = counts(other_store)
    assert got["invoice"] == 1 + 4 and got["payment"] == 2 and got["deal"] == 4
    # New rows after an import take fresh ids (PostgreSQL's sequences were moved on).
    deal = deals.create_deal(other_store, f"#{cleo.id}", deals.DealInput(title="After"))
    invoice = billing.create_invoice(other_store, f"#{cleo.id}", "7", deal_id=deal.id)
    billing.record_payment(other_store, invoice.number, "7")
    assert counts(other_store)["payment"] == 3


def test_merge_moves_money_and_undo_restores_exact_rows(
    store: Store, fixed_clock: FixedClock
) -> None:
    ids = seed(store, fixed_clock)
    tables = (*MONEY_TABLES, "contact", "contact_email", "stage_change")
    before = dump(store, tables)
    dupes.merge_contacts(store, f"#{ids['ann']}", f"#{ids['bob']}")
    with store.engine.connect() as conn:
        for table in ("deal", "invoice", "payment"):
            owners = {
                int(c) for (c,) in conn.exec_driver_sql(f"SELECT DISTINCT contact_id FROM {table}")
            }
            assert owners == {ids["ann"]}, table
    dupes.undo_merge(store)
    assert dump(store, tables) == before


def test_person_export_and_erase_cover_deals_invoices_and_payments(
    store: Store, fixed_clock: FixedClock
) -> None:
    ids = seed(store, fixed_clock)
    found = people.export_person(store, f"#{ids['ann']}")
    record = found.document["contact"]
    assert len(record["deals"]) == 3
    assert len(record["invoices"]) == 4
    assert len(record["payments"]) == 3
    bob_before = counts(store)
    erased = people.erase_person(store, f"#{ids['ann']}")
    # 3 deals + 6 stage changes (2 + 2 + 2) + 4 invoices + 3 payments among the rows removed
    assert erased.rows_removed >= 1 + 3 + 6 + 4 + 3
    with store.engine.connect() as conn:
        for table in ("deal", "invoice", "payment"):
            left = conn.exec_driver_sql(
                f"SELECT count(*) FROM {table} WHERE contact_id = {ids['ann']}"
            ).scalar()
            assert left == 0, table
    got = counts(store)
    assert got == {
        "deal": bob_before["deal"] - 3,
        "deal_stage_change": bob_before["deal_stage_change"] - 6,
        "invoice": bob_before["invoice"] - 4,
        "payment": bob_before["payment"] - 3,
    }


def test_purging_a_trashed_contact_takes_its_money_with_it(
    store: Store, fixed_clock: FixedClock
) -> None:
    ids = seed(store, fixed_clock)
    trash.trash_contact(store, f"#{ids['ann']}")
    trash.trash_company(store, "Nordljus AB")  # Ann's deals name it; the purge unlinks them
    fixed_clock.advance(minutes=1)
    trash.purge_trash(store)
    assert counts(store) == {"deal": 1, "deal_stage_change": 1, "invoice": 1, "payment": 1}
    with store.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT contact_id FROM deal").scalar()
    assert left == ids["bob"]


def test_purging_a_company_keeps_other_contacts_deals_unlinked(
    store: Store, fixed_clock: FixedClock
) -> None:
    ids = seed(store, fixed_clock)
    trash.trash_company(store, "Nordljus AB")
    fixed_clock.advance(minutes=1)
    trash.purge_trash(store)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT contact_id, company_id FROM deal").all()
    assert sorted((int(c), co) for c, co in rows) == sorted(
        [(ids["ann"], None)] * 3 + [(ids["bob"], None)]
    )


def test_references_to_a_later_contacts_deal_and_invoice_survive_the_round_trip(
    store: Store, other_store: Store, fixed_clock: FixedClock, tmp_path: Path
) -> None:
    """Ann comes first in the file; her invoice names Bob's deal and one of her payments is
    against Bob's invoice: both are settled once Bob's record has been read."""
    from sqlalchemy import text

    ids = seed(store, fixed_clock)
    with store.write() as session:
        bob_deal = session.execute(
            text("SELECT id FROM deal WHERE contact_id = :c"), {"c": ids["bob"]}
        ).scalar_one()
        bob_invoice = session.execute(
            text("SELECT id FROM invoice WHERE number = :n"), {"n": ids["bob_invoice"]}
        ).scalar_one()
        session.execute(
            text("UPDATE invoice SET deal_id = :d WHERE number = :n"),
            {"d": bob_deal, "n": ids["numbers"][1]},
        )
        session.execute(
            text(
                "UPDATE payment SET invoice_id = :i WHERE id = "
                "(SELECT min(id) FROM payment WHERE contact_id = :c)"
            ),
            {"i": bob_invoice, "c": ids["ann"]},
        )
    first = export_text(store)
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    report = importer.import_files(other_store, [path])
    assert report.problem_count == 0, report.problems
    assert export_text(other_store) == first


def test_a_payment_whose_invoice_is_nowhere_is_noted(other_store: Store, tmp_path: Path) -> None:
    document = {
        "format": "pocketcrm",
        "version": 1,
        "contacts": [
            {
                "uuid": "0b9f4a56-3f0e-4c51-9d55-8e1f0c2a7d11",
                "display_name": "Dana Fox",
                "invoices": [{"uuid": "x", "number": "A-1", "amount_cents": "ten"}],
                "payments": [
                    {"invoice": "00000000-0000-4000-8000-000000000000", "amount_cents": 100}
                ],
            }
        ],
    }
    path = tmp_path / "hand.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    report = importer.import_files(other_store, [path])
    reasons = [r for note in report.problems for r in note.reasons]
    assert any("invoice 'A-1' left out" in r and "cents" in r for r in reasons), reasons
    assert any("neither in the database nor imported" in r for r in reasons), reasons
    assert report.created == 1
    assert counts(other_store) == dict.fromkeys(MONEY_TABLES, 0)


def test_erasing_a_person_drops_the_import_entries_of_their_rows(
    store: Store, other_store: Store, fixed_clock: FixedClock, tmp_path: Path
) -> None:
    seed(store, fixed_clock)
    path = tmp_path / "export.json"
    path.write_text(export_text(store), encoding="utf-8")
    ann = contacts.create_contact(
        other_store, contacts.ContactInput(name="Ann Lee", emails=["ann@nordljus.se"])
    )
    importer.import_files(other_store, [path])

    def entries() -> int:
        with other_store.engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM import_change "
                    "WHERE entity IN ('deal', 'invoice', 'payment')"
                ).scalar_one()
            )

    assert entries() == 3 + 4 + 3
    people.erase_person(other_store, f"#{ann.id}")
    assert entries() == 0
