"""A database from the first release upgrades to the cases schema (0013) with every row,
and takes cases and fetched mail at once."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from pocketcrm.core.mail import intake
from pocketcrm.core.migrations import HEAD
from pocketcrm.core.services import case_views, cases
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_0001.db"


def test_first_release_upgrades_and_takes_cases_and_mail(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, db)
    store = open_store(db, Settings(owner="Me"))
    try:
        assert store.schema_version() == HEAD
        made = cases.open_case(store, "zoe", cases.CaseInput("Cake was late"))
        assert made.company_name == "Åkesson Bakery"
        assert [c.number for c in case_views.list_cases(store)] == [made.number]
        box = tmp_path / "Mail"
        for sub in ("cur", "new", "tmp"):
            (box / sub).mkdir(parents=True)
        (box / "new" / "1.eml").write_bytes(
            b"From: zoe@akesson.example.com\r\nTo: me@x.com\r\nSubject: Re: ["
            + made.number.encode()
            + b"]\r\nMessage-ID: <u1@x>\r\n\r\nThanks!\r\n"
        )
        assert intake.fetch(store, str(box)).outcomes["case"] == 1
    finally:
        store.close()


def _insert(conn: sqlite3.Connection, table: str, given: dict[str, object]) -> None:
    """A row as a release of that schema wrote it: every other required column blank."""
    row = dict(given)
    for _, name, kind, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        if notnull and default is None and not pk and name not in row:
            row[name] = 0 if kind.upper() in ("INTEGER", "BOOLEAN", "BIGINT") else ""
    marks = ", ".join(f":{name}" for name in row)
    conn.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", row)


def _cases_at_0015(path: Path) -> None:
    """A database at 0015 (cases, before 0019) with a contact, a product and two cases."""
    from sqlalchemy import create_engine

    from pocketcrm.core.migrations import run_upgrade

    engine = create_engine(f"sqlite:///{path}")
    run_upgrade(engine, True, target="0015")
    engine.dispose()
    when = "2026-11-02 09:00:00.000000"
    conn = sqlite3.connect(path)
    with conn:
        _insert(conn, "contact", {"id": 7, "uuid": "c7", "display_name": "Zoë Åkesson",
                                  "name_key": "zoe akesson", "stage": "customer",
                                  "created_at": when, "updated_at": when})  # fmt: skip
        _insert(conn, "product", {"id": 3, "uuid": "p3", "sku": "OVN-X2", "name": "Oven X2",
                                  "created_at": when, "updated_at": when})  # fmt: skip
        for n, due in ((1, "2026-11-03 09:00:00.000000"), (2, None)):
            _insert(conn, "support_case", {
                "id": n, "uuid": f"u{n}", "number": f"CASE-2026-000{n}", "contact_id": 7,
                "product": "Oven X2", "subject": ("Oven", "Door")[n - 1],
                "first_response_due_at": "2026-11-03 09:00:00.000000",
                "resolution_due_at": "2026-11-05 09:00:00.000000", "next_due_at": due,
                "created_at": when, "updated_at": when,
            })  # fmt: skip
    conn.close()


def test_0015_upgrades_to_catalogue_products_with_every_case(tmp_path: Path) -> None:
    """Migration 0019 adds the product link: old cases keep their text, no link, their
    next-due times and the partial index the breached queue reads; new ones link."""
    db = tmp_path / "cases.db"
    _cases_at_0015(db)
    store = open_store(db, Settings(owner="Me"))
    try:
        assert store.schema_version() == HEAD
        old = [case_views.get_case(store, f"CASE-2026-000{n}") for n in (1, 2)]
        assert [(c.subject, c.product, c.product_id) for c in old] == [
            ("Oven", "Oven X2", None), ("Door", "Oven X2", None)
        ]  # fmt: skip
        assert [c.number for c in case_views.queue(store, breached=True)] == ["CASE-2026-0001"]
        made = cases.open_case(store, "#7", cases.CaseInput("Hums", product="ovn-x2"))
        assert (made.product_id, made.product_sku) == (3, "OVN-X2")
    finally:
        store.close()
    conn = sqlite3.connect(db)
    try:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM support_case WHERE next_due_at IS NOT NULL "
            "AND deleted_at IS NULL AND next_due_at <= '2026-12-01' ORDER BY next_due_at"
        ).fetchall()
    finally:
        conn.close()
    assert "ix_support_case_next_due" in str(plan)
