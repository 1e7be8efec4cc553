"""A team's PostgreSQL database from an earlier release opens, after a pg_dump backup.

The database is brought to an older revision with Alembic, given rows with plain SQL, then
opened the way every command opens it: the upgrade must keep every row and leave a private
archive that pg_restore can read.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from pgserver import PgServer
from pocketcrm.core.errors import StoreError
from pocketcrm.core.migrations import HEAD, run_upgrade
from pocketcrm.core.store import database_url, open_store, pg_dump_tool


def _database_at(server: PgServer, revision: str) -> str:
    url = server.database()
    engine = create_engine(database_url(url))
    run_upgrade(engine, False, target=revision)
    _give_contact(engine, {"id": 7, "uuid": "c0ffee00-0000-4000-8000-000000000007",
                           "display_name": "Zoë Åkesson", "name_key": "zoe akesson",
                           "stage": "customer"})  # fmt: skip
    engine.dispose()
    return url


def _give_contact(engine: Any, given: dict[str, object]) -> None:
    """Insert one contact with plain SQL, every other required column blank, as then."""
    given = {"created_at": "2026-01-02 03:04:05", "updated_at": "2026-01-02 03:04:05", **given}
    blank = {"text": "", "character varying": "", "boolean": False, "integer": 0}
    with engine.begin() as conn:
        for name, kind in conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns WHERE "
                "table_name = 'contact' AND is_nullable = 'NO' AND column_default IS NULL"
            )
        ):
            if name not in given:
                given[name] = blank[kind]
        columns = ", ".join(given)
        marks = ", ".join(f":{name}" for name in given)
        conn.execute(text(f"INSERT INTO contact ({columns}) VALUES ({marks})"), given)


def test_an_older_database_upgrades_after_a_private_pg_dump(pg_server: PgServer) -> None:
    url = _database_at(pg_server, "0002")
    store = open_store(url)
    try:
        assert store.schema_version() == HEAD
        with store.read() as session:
            names = session.execute(text("SELECT display_name FROM contact")).scalars().all()
        assert names == ["Zoë Åkesson"]
    finally:
        store.close()
    backups = sorted((Path(os.environ["POCKETCRM_DATA_DIR"]) / "backups").glob("*.dump"))
    assert len(backups) == 1
    assert backups[0].name.endswith(f"-before-{HEAD}.dump")
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    tool = pg_dump_tool()
    assert tool is not None
    listing = subprocess.run(
        [str(Path(tool).with_name("pg_restore")), "--list", str(backups[0])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE DATA public contact" in listing
    assert "0002" in subprocess.run(
        [str(Path(tool).with_name("pg_restore")), "--data-only", "--table=alembic_version",
         "--file=-", str(backups[0])],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def test_no_upgrade_without_a_backup(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = _database_at(pg_server, "0002")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump to be found on PATH
    monkeypatch.setattr("pocketcrm.core.store.pg_dump_tool", lambda: None)
    with pytest.raises(StoreError, match="pg_dump was not found"):
        open_store(url)
    engine = create_engine(database_url(url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
    engine.dispose()


def test_0008_gives_all_day_follow_ups_their_day_on_postgres(pg_server: PgServer) -> None:
    """Rows written before 0008 (an all-day one as a UTC midnight) get their day; the list's
    column follows; a timed one keeps none. Then the agenda shows the day in New York."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from pocketcrm.core import clock
    from pocketcrm.core.services import activity, contacts

    url = _database_at(pg_server, "0005")
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        for uuid, due, all_day in (
            ("c0ffee00-0000-4000-8000-0000000000a1", "2026-12-03 00:00:00", True),
            ("c0ffee00-0000-4000-8000-0000000000a2", "2026-12-04 15:00:00", False),
        ):
            conn.execute(
                text(
                    "INSERT INTO follow_up (uuid, contact_id, due_at, all_day, note, owner, "
                    "created_at) VALUES (:u, 7, :d, :a, '', '', '2026-11-01 00:00:00')"
                ),
                {"u": uuid, "d": due, "a": all_day},
            )
        conn.execute(text("UPDATE contact SET next_follow_up_at = '2026-12-03 00:00:00'"))
    engine.dispose()
    clock.set_local_zone(ZoneInfo("America/New_York"))
    store = open_store(url)
    try:
        with store.read() as session:
            days = session.execute(text("SELECT all_day, due_date FROM follow_up")).all()
            assert sorted(days, key=str) == sorted([(True, "2026-12-03"), (False, None)], key=str)
        first, second = activity.agenda(store, "all")
        assert (first.due_at, first.all_day, second.all_day) == (date(2026, 12, 3), True, False)
        [row] = contacts.list_contacts(store)
        assert row.next_follow_up_at == date(2026, 12, 3)
    finally:
        store.close()


def test_0012_gives_old_invoices_one_line_each_on_postgres(pg_server: PgServer) -> None:
    """An invoice from before 0012 becomes one line of its whole amount; totals unchanged."""
    from pocketcrm.core.services import billing, quotes

    url = _database_at(pg_server, "0009")
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO invoice (uuid, number, kind, contact_id, issued_on, amount_cents, "
                "currency, description, cancel_reason, created_at, updated_at) VALUES "
                "('c0ffee00-0000-4000-8000-0000000000b1', 'INV-2026-0007', 'invoice', 7, "
                "'2026-11-01', 4200, 'EUR', 'Bread', '', '2026-11-01 00:00:00', "
                "'2026-11-01 00:00:00')"
            )
        )
    engine.dispose()
    store = open_store(url)
    try:
        (line,) = quotes.document_lines(store, "INV-2026-0007")
        assert (line.description, line.net_cents, line.quantity_milli) == ("Bread", 4200, 1000)
        assert billing.get_invoice(store, "INV-2026-0007").amount_cents == 4200
    finally:
        store.close()


def test_0010_turns_owners_into_users_and_sets_up_the_roles(pg_server: PgServer) -> None:
    """Free-text owners from before users become one user each (the column holds the login),
    the upgrading role is the admin, and the customer tables are under row-level security."""
    url = _database_at(pg_server, "0009")
    engine = create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE contact SET owner = 'Zoë Åkesson' WHERE id = 7"))
    engine.dispose()
    store = open_store(url)
    try:
        with store.read() as session:
            found = dict(
                session.execute(text("SELECT login, role FROM app_user ORDER BY login")).all()
            )
            owner = session.execute(text("SELECT owner FROM contact WHERE id = 7")).scalar()
            forced = session.execute(
                text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'contact'")
            ).scalar()
    finally:
        store.close()
    assert found == {"postgres": "admin", "zoe.akesson": "sales"}
    assert owner == "zoe.akesson" and forced is True


def test_upgrade_to_0015_journals_on_postgres_by_trigger(pg_server: PgServer) -> None:
    """A team database from before the journal: its rows are kept, and a plain SQL change
    after the upgrade is journaled by the server's trigger (who: the login; face: sql)."""
    url = _database_at(pg_server, "0009")
    open_store(url).close()
    engine = create_engine(database_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE contact SET title = 'Owner' WHERE id = 7"))
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT actor, face, tbl, row_id, contact_id, action, changes FROM journal")
            ).one()
            login = conn.execute(text("SELECT current_user")).scalar()
    finally:
        engine.dispose()
    assert row[:6] == (login, "sql", "contact", 7, 7, "update")
    assert '"title": ["", "Owner"]' in row[6]


def test_0019_links_case_products_on_postgres(pg_server: PgServer) -> None:
    """A team database with cases from before 0019 keeps them (their product text, no link);
    the column then refers to the catalogue and a deleted product leaves its cases."""
    url = _database_at(pg_server, "0015")
    engine = create_engine(database_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO product (id, uuid, sku, name, description, unit, price_cents, "
                    "currency, cost_cents, tax_rate_bp, category, created_at, updated_at) "
                    "VALUES (3, 'p3', 'OVN-X2', 'Oven X2', '', 'each', 0, '', 0, 0, '', now(), "
                    "now())"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO support_case (uuid, number, contact_id, product, subject, "
                    "description, channel, priority, status, assignee, department, tags, "
                    "created_by, first_response_due_at, resolution_due_at, reopen_count, "
                    "thread_id, satisfaction_comment, created_at, updated_at) VALUES ('u1', "
                    "'CASE-2026-0001', 7, 'Oven X2', 'Oven', '', 'email', 'normal', 'new', '', "
                    "'', '', '', now(), now(), 0, '', '', now(), now())"
                )
            )
        open_store(url).close()
        with engine.begin() as conn:
            row = conn.execute(text("SELECT product, product_id FROM support_case")).one()
            assert tuple(row) == ("Oven X2", None)
            conn.execute(text("UPDATE support_case SET product_id = 3"))
            conn.execute(text("DELETE FROM product WHERE id = 3"))
            left = conn.execute(text("SELECT count(*), max(product_id) FROM support_case")).one()
    finally:
        engine.dispose()
    assert tuple(left) == (1, None)


def test_a_0014_database_without_users_catalogue_or_cases_opens_whole(
    pg_server: PgServer,
) -> None:
    """The PostgreSQL side of tests/core/test_upgrade_from_0014_alone.py: `_catch_up` runs
    the users, catalogue and cases revisions the 0009 -> 0014 release never ran."""
    from upgrade0014 import stamp_0014_alone

    url = pg_server.database()
    engine = create_engine(database_url(url))
    stamp_0014_alone(engine, False)
    _give_contact(engine, {"uuid": "c1", "display_name": "Ann Lee", "name_key": "ann lee",
                           "stage": "lead", "owner": "Bo Ray"})  # fmt: skip
    engine.dispose()
    store = open_store(url)
    try:
        assert store.schema_version() == HEAD
    finally:
        store.close()
    engine = create_engine(database_url(url))
    with engine.connect() as conn:
        tables = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
        owner = conn.execute(text("SELECT owner FROM contact")).scalar_one()
        users = conn.execute(text("SELECT login FROM app_user")).scalars().all()
    engine.dispose()
    assert {"app_user", "department", "product", "support_case", "journal"} <= tables
    assert owner == "bo.ray"
    assert "bo.ray" in users
