"""Backups: rotation keeps the way back, a killed backup never looks complete, a restore
checks the backup and keeps the current data aside. On SQLite and on a real PostgreSQL
server (pg_dump and pg_restore)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from pocketcrm.core import backups, dbhealth, rotation
from pocketcrm.core.errors import Invalid, StoreError
from pocketcrm.core.migrations import HEAD
from pocketcrm.core.services import contacts
from pocketcrm.core.settings import BackupConfig, Settings
from pocketcrm.core.store import Store, backup_dir, open_store


def names(store: Store) -> list[str]:
    with store.read() as session:
        return list(session.execute(text("SELECT display_name FROM contact")).scalars())


def stamp(days_ago: int, reason: str, now: datetime) -> Path:
    when = (now - timedelta(days=days_ago)).strftime("%Y%m%dT%H%M%S%f")
    return Path(f"/b/crm-{when}-{reason}.db")


def test_rotation_keeps_the_last_backup_before_an_upgrade() -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    upgrade = stamp(30, f"before-{HEAD}", now)
    dailies = [stamp(days, "daily", now) for days in range(20, 0, -1)]
    doomed = rotation.to_prune([upgrade, *dailies], BackupConfig(keep=10), now)
    assert upgrade not in doomed
    assert sorted(doomed) == sorted(dailies[:10])


def test_rotation_by_age_keeps_the_newest() -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    old = [stamp(days, "manual", now) for days in (90, 60, 40)]
    recent = [stamp(days, "daily", now) for days in (3, 2, 1)]
    assert rotation.to_prune([*old, *recent], BackupConfig(keep=10, keep_days=30), now) == old
    # however old, the newest backup stays
    assert rotation.to_prune(old, BackupConfig(keep=10, keep_days=30), now) == old[:2]


@pytest.fixture
def backend() -> str:
    return "sqlite"


def test_the_store_prunes_but_keeps_the_upgrade_backup(store: Store, db_path: Path) -> None:
    store.settings.backups.keep = 3
    upgrade = store.backup(f"before-{HEAD}")
    later = [store.backup("daily") for _ in range(5)]
    kept = sorted(backup_dir(db_path).glob("*.db"))
    assert upgrade in kept and later[-1] in kept and len(kept) == 4


def test_a_backup_killed_midway_leaves_nothing_that_looks_complete(
    store: Store, db_path: Path
) -> None:
    """The backup waits on a lock held here (it has made its file by then) and is killed."""
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    store.close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO tag(name) VALUES ('held')")
    script = (
        "import sys; from pocketcrm.core.store import Store, database_url; "
        "Store(database_url(sys.argv[1])).backup('manual')"
    )
    child = subprocess.Popen([sys.executable, "-c", script, str(db_path)])
    folder = backup_dir(db_path)
    try:
        deadline = time.monotonic() + 60
        while not (folder.is_dir() and any(folder.iterdir())):
            assert child.poll() is None, "the backup ended without waiting on the lock"
            assert time.monotonic() < deadline, "the backup never started"
            time.sleep(0.01)
        child.kill()
        child.wait()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert list(folder.glob(f"{db_path.stem}-*.db")) == []
    reopened = open_store(db_path)
    try:
        assert backups.list_backups(reopened) == []
    finally:
        reopened.close()


def test_restore_checks_the_backup_and_keeps_the_current_data_aside(
    store: Store, db_path: Path, tmp_path: Path
) -> None:
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    first = backups.create(store)
    contacts.create_contact(store, contacts.ContactInput(name="Ben Okafor"))

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(Path(first.path).read_bytes()[:8192] + b"\0" * 8192)
    with pytest.raises((Invalid, StoreError)):
        backups.restore(store, str(damaged))
    garbage = tmp_path / "notes.db"
    garbage.write_text("not a database\n" * 100)
    with pytest.raises(Invalid):
        backups.restore(store, str(garbage))
    assert sorted(names(store)) == ["Ann Lee", "Ben Okafor"]  # refused: nothing changed

    done = backups.restore(store, first.path)
    assert names(store) == ["Ann Lee"]
    assert done.restored_from == first.path and "pre-restore" in done.kept_aside
    assert oct(os.stat(done.kept_aside).st_mode)[-3:] == "600"
    undo = backups.restore(store)  # the newest backup is the data the restore replaced
    assert undo.restored_from == done.kept_aside
    assert sorted(names(store)) == ["Ann Lee", "Ben Okafor"]


def test_restore_refuses_a_backup_from_a_newer_release(store: Store) -> None:
    taken = backups.create(store)
    conn = sqlite3.connect(taken.path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer pocketcrm"):
        backups.restore(store, taken.path)
    assert len(backups.list_backups(store)) == 1  # nothing was kept aside: nothing happened


def test_migration_0006_creates_the_report_indexes_an_edited_0002_missed(
    store: Store, db_path: Path
) -> None:
    from sqlalchemy import create_engine

    from pocketcrm.core.migrations import run_upgrade

    store.close()
    old = db_path.with_name("at-0005.db")
    engine = create_engine(f"sqlite:///{old}")
    run_upgrade(engine, True, target="0005")  # a database as release 0005 left it ...
    with engine.begin() as conn:  # ... upgraded through the edited 0002: no report indexes
        conn.execute(text("DROP INDEX ix_contact_report"))
        conn.execute(text("DROP INDEX ix_follow_up_report"))
    engine.dispose()
    again = open_store(old, Settings())
    try:
        assert again.schema_version() == HEAD
        assert dbhealth.schema_problems(again) == []
    finally:
        again.close()
