"""The SQLite seam: file modes, pragmas on every connection, UTC times, opening bad files."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from pocketcrm.core.errors import StoreError
from pocketcrm.core.models import Contact
from pocketcrm.core.services import activity, contacts
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store


@pytest.fixture
def backend() -> str:
    """SQLite's own seam: these tests run on SQLite only."""
    return "sqlite"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common umask 022, under which files are 0644 unless made private on purpose."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_new_data_dir_is_0700_and_database_0600(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "fresh" / "nested" / "crm.db"
    store = open_store(path)
    try:
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
        with store.engine.connect() as conn:  # keep a connection so -wal and -shm exist
            conn.exec_driver_sql("SELECT 1").all()
            for suffix in ("-wal", "-shm"):
                side = Path(str(path) + suffix)
                assert side.exists(), suffix
                assert mode(side) == 0o600, suffix
    finally:
        store.close()


def test_existing_directory_keeps_its_mode(tmp_path: Path, usual_umask: None) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o755)
    store = open_store(folder / "crm.db")
    store.close()
    assert mode(folder) == 0o755
    assert mode(folder / "crm.db") == 0o600


def _pragmas(conn: object) -> dict[str, object]:
    run = conn.exec_driver_sql  # type: ignore[attr-defined]
    return {
        "journal_mode": run("PRAGMA journal_mode").scalar(),
        "foreign_keys": run("PRAGMA foreign_keys").scalar(),
        "synchronous": run("PRAGMA synchronous").scalar(),
        "busy_timeout": run("PRAGMA busy_timeout").scalar(),
    }


EXPECTED = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1, "busy_timeout": 15000}


def test_pragmas_hold_on_every_connection(store: Store) -> None:
    with store.engine.connect() as first, store.engine.connect() as second:
        assert first.connection.dbapi_connection is not second.connection.dbapi_connection
        assert _pragmas(first) == EXPECTED
        assert _pragmas(second) == EXPECTED
    with store.read() as session:
        assert _pragmas(session.connection()) == EXPECTED
    with store.write() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA synchronous")).scalar() == 1


def test_pragmas_hold_after_reopening(db_path: Path) -> None:
    open_store(db_path).close()
    store = open_store(db_path)
    try:
        with store.engine.connect() as conn:
            assert _pragmas(conn) == EXPECTED
    finally:
        store.close()


def test_write_sessions_take_the_write_lock_up_front(store: Store) -> None:
    """BEGIN IMMEDIATE: while a write session is open, another writer cannot start."""
    assert store.path is not None
    other = sqlite3.connect(store.path, timeout=0.05, isolation_level=None)
    try:
        with store.write() as session:
            session.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_failed_write_is_rolled_back(store: Store, rows: object) -> None:
    with pytest.raises(RuntimeError), store.write() as session:
        session.add(
            Contact(
                display_name="Ghost",
                name_key="ghost",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        session.flush()
        raise RuntimeError("boom")
    assert rows("contact") == 0  # type: ignore[operator]


def test_times_are_stored_in_utc_and_come_back_aware(store: Store, db_path: Path) -> None:
    from zoneinfo import ZoneInfo

    created = contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    tokyo = datetime(2026, 11, 30, 18, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # 09:30 UTC
    activity.log_interaction(store, str(created.id), activity.InteractionInput(when=tokyo))
    conn = sqlite3.connect(db_path)
    try:
        raw_created = conn.execute("SELECT created_at FROM contact").fetchone()[0]
        raw_when = conn.execute("SELECT occurred_at FROM interaction").fetchone()[0]
    finally:
        conn.close()
    assert raw_created == "2026-12-01 09:00:00.000000"
    assert raw_when == "2026-11-30 09:30:00.000000"
    card = contacts.get_card(store, str(created.id))
    assert card.created_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert card.created_at.tzinfo is UTC
    assert card.interactions[0].occurred_at.tzinfo is UTC
    assert card.interactions[0].occurred_at == tokyo
    assert card.last_contact_at == tokyo
    rows = contacts.list_contacts(store)
    assert rows[0].last_contact_at == tokyo
    assert rows[0].last_contact_at is not None and rows[0].last_contact_at.tzinfo is not None


def test_a_naive_datetime_never_reaches_the_store(store: Store) -> None:
    with pytest.raises(StatementError, match="naive"), store.write() as session:
        session.add(
            Contact(
                display_name="Naive",
                name_key="naive",
                created_at=datetime(2026, 1, 1),
                updated_at=datetime(2026, 1, 1),
            )
        )
        session.flush()


def test_opening_a_file_that_is_not_a_database_fails_cleanly(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not SQLite, just a long enough text file to have a header\n" * 20)
    with pytest.raises(StoreError, match="is not a pocketcrm database"):
        open_store(bogus)
    assert bogus.read_text().startswith("this is not SQLite")


def test_opening_twice_does_not_migrate_or_back_up_again(db_path: Path) -> None:
    first = open_store(db_path, Settings())
    contacts.create_contact(first, contacts.ContactInput(name="Ann Lee"))
    first.close()
    second = open_store(db_path, Settings())
    second.close()
    assert not (db_path.parent / "backups").exists()


def test_backups_are_private_complete_and_pruned(store: Store, db_path: Path) -> None:
    from pocketcrm.core.settings import BackupConfig
    from pocketcrm.core.store import backup_dir

    keep = BackupConfig.keep  # the default rotation
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    taken = [store.backup(f"test{n:02d}") for n in range(keep + 2)]
    kept = sorted(backup_dir(db_path).glob("*.db"))
    assert len(kept) == keep
    assert taken[-1] in kept and taken[0] not in kept
    newest = taken[-1]
    assert newest is not None
    assert mode(newest) == 0o600
    assert mode(backup_dir(db_path)) == 0o700
    conn = sqlite3.connect(newest)
    try:
        assert conn.execute("SELECT display_name FROM contact").fetchall() == [("Ann Lee",)]
    finally:
        conn.close()
