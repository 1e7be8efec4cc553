"""Issue 9: an import matches and decides without the write lock; other writers go on.

The import is planned on a private snapshot (importer/apply.py) and only its recorded writes
are replayed under BEGIN IMMEDIATE. These tests write from another connection while the
import is being planned (its progress callback runs there): the write lock must be free, and
a write made meanwhile must survive the import, which is then planned again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from iehelp import make_google_csv

from pocketcrm.core.store import Store
from pocketcrm.core.transfer.importer import import_files, undo_import

ROWS = 2500  # the progress callback is called once, after the first 2,000 records


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _add_beside(path: Path, name: str) -> None:
    """Another process's `add`: BEGIN IMMEDIATE that gives up at once if the lock is held."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO contact (uuid, display_name, given_name, family_name, "
            "additional_names, prefix, suffix, nickname, name_key, title, department, stage, "
            "owner, notes, do_not_contact, email_opt_out, source, photo, created_at, "
            "updated_at) VALUES (lower(hex(randomblob(16))), ?, '', '', '', '', '', '', ?, "
            "'', '', 'lead', '', '', 0, 0, '', '', '2026-01-01 00:00:00.000000', "
            "'2026-01-01 00:00:00.000000')",
            (name, name.lower()),
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_the_write_lock_is_free_while_an_import_is_planned(tmp_path: Path, store: Store) -> None:
    source = make_google_csv(tmp_path / "people.csv", ROWS)
    assert store.path is not None
    db = store.path
    seen: list[str] = []

    def beside(_done: int) -> None:
        try:
            probe = sqlite3.connect(db, timeout=0, isolation_level=None)
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            probe.close()
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))

    report = import_files(store, [source], progress=beside)
    assert seen == ["free"]
    assert report.created == ROWS
    assert _count(db, "SELECT count(*) FROM contact") == ROWS


def test_a_write_made_while_an_import_is_planned_is_kept(tmp_path: Path, store: Store) -> None:
    """The snapshot the import was planned on is out of date: it is planned again (never
    written over the other writer's row, never two rows with one id)."""
    source = make_google_csv(tmp_path / "people.csv", ROWS)
    assert store.path is not None
    db = store.path
    calls: list[int] = []

    def beside(done: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            _add_beside(db, "Written Meanwhile")

    report = import_files(store, [source], progress=beside)
    assert len(calls) == 2  # planned twice: the second plan saw the other writer's row
    assert report.created == ROWS and report.batch_id is not None
    assert _count(db, "SELECT count(*) FROM contact") == ROWS + 1
    assert _count(db, "SELECT count(*) FROM contact WHERE display_name = 'Written Meanwhile'")
    assert _count(db, "SELECT count(*) FROM contact_fts") == ROWS  # the import's rows
    undo_import(store, report.batch_id)
    assert _count(db, "SELECT count(*) FROM contact") == 1  # the other writer's contact stays


def test_a_preview_takes_no_write_lock(tmp_path: Path, store: Store) -> None:
    source = make_google_csv(tmp_path / "people.csv", ROWS)
    assert store.path is not None
    db = store.path
    report = import_files(store, [source], write=False, progress=lambda _: _add_beside(db, "X"))
    assert not report.written and report.created == ROWS
    assert _count(db, "SELECT count(*) FROM contact") == 1  # only the other writer's


def test_a_killed_imports_snapshot_is_removed_by_the_next_import(
    tmp_path: Path, store: Store
) -> None:
    """kill -9 runs no cleanup: the copy of the CRM a killed import planned on is swept."""
    import subprocess

    dead = subprocess.Popen(["true"])  # a process id that is gone
    dead.wait()
    assert store.path is not None
    left = store.path.parent / f".pocketcrm-import-{dead.pid}-abc123"
    left.mkdir()
    (left / "plan.db").write_bytes(b"someone's contacts")
    source = make_google_csv(tmp_path / "people.csv", 10)
    import_files(store, [source])
    assert not left.exists()


def test_a_write_elsewhere_does_not_make_an_import_start_over(tmp_path: Path, store: Store) -> None:
    """Another process edits a contact the file does not touch while the import is planned:
    the plan still holds (no table it writes grew, no row it updates changed)."""
    source = make_google_csv(tmp_path / "people.csv", ROWS)
    assert store.path is not None
    db = store.path
    _add_beside(db, "Someone Else")
    calls: list[int] = []

    def beside(done: int) -> None:
        calls.append(done)
        conn = sqlite3.connect(db, timeout=0, isolation_level=None)
        conn.execute(
            "UPDATE contact SET notes = 'edited meanwhile' WHERE display_name = ?",
            ("Someone Else",),
        )
        conn.close()

    report = import_files(store, [source], progress=beside)
    assert len(calls) == 1  # planned once: replayed although the database changed
    assert report.created == ROWS
    assert _count(db, "SELECT count(*) FROM contact WHERE notes = 'edited meanwhile'") == 1
    assert _count(db, "SELECT count(*) FROM contact") == ROWS + 1
