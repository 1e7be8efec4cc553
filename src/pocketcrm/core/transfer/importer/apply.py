"""Stage 6: the locked phase. A SQLite import is planned on a private snapshot of the
database, without the write lock; inside the lock only its recorded writes are replayed.

An import used to match and decide inside its write transaction: 7 s of lock for 100,000 new
rows and 40 s for a re-import of the same rows (one SELECT per record), longer than the busy
timeout of every other writer. Now the whole run (matching, fidelity's decisions, the
journal of what it changes, the search rows) happens on a copy made with SQLite's online
backup and is committed there; what it wrote is recorded (recorder.py). Under BEGIN
IMMEDIATE the real database is first checked to be the one the copy was made from (`PRAGMA
data_version` of a connection that watched the copy being made: another connection's commit
changes it; else the tables the plan depends on, see Watcher); if so the recorded writes
make it exactly what the copy became (new rows copied from the copy, attached, in one
INSERT ... SELECT per chunk and table), else nothing is written and the caller plans again
from a fresh copy. Same run, same statements, same ids: the preview, the journal, the undo
and the all-or-nothing transaction are those of the plain run.

The new contacts' search rows (40% of the locked phase when they were written in it) go in
first, ahead of the contacts, a few thousand per short write transaction of their own: an
index row whose contact does not exist yet is found by no search (search.LIVE_ROWS), and the
contacts then appear, searchable, in one commit. A kill in between leaves only such rows,
above the last contact: the next import removes them, and a contact added meanwhile takes
its id's row over (search.reindex replaces a row before writing it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from pocketcrm.core import journal, search
from pocketcrm.core.sql import chunks
from pocketcrm.core.store import Store, database_url
from pocketcrm.core.transfer.importer.read import alive
from pocketcrm.core.transfer.importer.recorder import AHEAD_ROWS, PLAN, Recorder
from pocketcrm.core.transfer.importer.tables import BIG_CACHE_KIB


class Watcher:
    """What the database was when the snapshot was made, and whether a plan made on the
    snapshot still holds (asked under the write lock, where nothing changes any more).

    Quick: no other connection committed since (`PRAGMA data_version`). Else a plan still
    holds when no table it wrote into grew or shrank at its end (the ids it took and the
    rowids the replay's rows get are then the same) and every row it read to update is
    as it was (the same updated_at): another process's `add`, `log-call` or reminder
    elsewhere does not make an import start over."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.version = 0
        self.ends: dict[str, int | None] = {}
        self.indexes: tuple[str, ...] = ()

    def record(self) -> None:
        """Inside the snapshot's read transaction: its version and each table's last rowid."""
        conn = self.conn
        (self.version,) = conn.execute("PRAGMA data_version").fetchone()
        names = conn.execute(
            "SELECT name, sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master "
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        # a search index (and its own tables) is keyed by contact id: the contact table's end
        # tells for it
        self.indexes = tuple(f"{name}" for name, virtual in names if virtual)
        for name, _ in names:
            if not str(name).startswith(self.indexes):
                self.ends[str(name)] = self._end(str(name))

    def _end(self, table: str) -> int | None:
        try:
            found = self.conn.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0]
        except sqlite3.OperationalError:  # a WITHOUT ROWID table: cannot be told
            return -1
        return None if found is None else int(found)

    def holds(self, recorder: Recorder) -> bool:
        if self.conn.execute("PRAGMA data_version").fetchone()[0] == self.version:
            return True
        for table in recorder.tables() | _ALWAYS:
            if table.startswith(self.indexes):
                continue
            if table not in self.ends or self.ends[table] == -1:
                return False
            if self._end(table) != self.ends[table]:
                return False
        return all(self._unchanged(table, rows) for table, rows in recorder.read.items())

    def _unchanged(self, table: str, rows: dict[int, Any]) -> bool:
        ids = list(rows)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join(str(int(i)) for i in chunk)
            found = self.conn.execute(
                f"SELECT id, updated_at FROM {table} WHERE id IN ({marks})"
            ).fetchall()
            if len(found) != len(chunk) or any(rows[int(i)] != at for i, at in found):
                return False
        return True

    def close(self) -> None:
        self.conn.close()


# Tables whose end a plan depends on even when it writes none of them: what records are
# matched against (contacts, their tags) and the erased people's hashes.
_ALWAYS = frozenset({"contact", "tag", "suppression"})


@contextmanager
def snapshot(store: Store) -> Iterator[tuple[Store, Watcher]]:
    """A private copy of STORE's SQLite database as it is now, and its watcher."""
    assert store.path is not None
    where = store.path.parent  # beside the database: its disk, its private folder (not a
    _sweep(where)  # RAM-backed /tmp, which may be smaller than the CRM)
    with tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-", dir=where) as folder:
        watcher = Watcher(store.path)
        try:
            watcher.conn.execute("BEGIN")  # one read snapshot for the version and the copy
            watcher.record()
            path = Path(folder) / "plan.db"
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # private, as the CRM is
            target = sqlite3.connect(path)
            try:
                watcher.conn.backup(target)
            finally:
                target.close()
            watcher.conn.execute("COMMIT")
            copy = Store(database_url(path), store.settings)
            copy.journaled = False  # the plan's journal would be thrown away: the replay's
            # The run is committed on the copy (its rows are copied from there): a copy
            # thrown away after the import needs no fsync at its checkpoint.
            event.listen(copy.engine, "connect", _unsynced)
            try:
                yield copy, watcher
            finally:
                copy.close()
        finally:
            watcher.close()


def _unsynced(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=OFF")


class ReplayMismatch(Exception):
    """The replay could not make the database what the copy became: it wrote another number
    of rows than the planned run (some write escaped the recorder) or broke a constraint (a
    row the plan rests on went meanwhile). Rolled back; the caller runs the import in its
    transaction (which also removes any search rows written ahead)."""


_PREFIX = ".pocketcrm-import-"  # the snapshots' folders: .pocketcrm-import-PID-RANDOM


def _sweep(where: Path) -> None:
    """Remove the snapshots of imports that were killed (kill -9 runs no cleanup): a stale
    copy of the CRM must not stay beside it."""
    for folder in where.glob(f"{_PREFIX}*-*"):
        pid = folder.name.removeprefix(_PREFIX).partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def apply(store: Store, recorder: Recorder, watcher: Watcher, copy: Store) -> bool:
    """Write what the run on COPY wrote: its new contacts' search rows ahead, then the rest
    in one write transaction; False (no contact written) when the database changed since
    the snapshot the plan was made on."""
    if recorder.unsafe:
        raise ReplayMismatch
    planned = _journal_ahead(copy, watcher)
    with _attached(store, copy) as target:
        written = _index_ahead(target, recorder, watcher, copy)
        if written is None:
            return False
        try:
            if not _replay(target, recorder, watcher, planned, clear=written == 0):
                return False
        except (sqlite3.IntegrityError, IntegrityError) as exc:
            raise ReplayMismatch from exc  # a row the plan rests on went meanwhile
        _checkpoint(target)
    return True


def _journal_ahead(copy: Store, watcher: Watcher) -> int:
    """The journal entries of the rows the run made, built on COPY outside the lock (the
    replay copies them): the copy's journal end before them."""
    assert copy.path is not None
    conn = sqlite3.connect(copy.path)
    try:
        conn.execute("PRAGMA synchronous=OFF")  # a copy thrown away after the import
        return journal.plan_inserts(conn, watcher.ends)
    finally:
        conn.close()


def _checkpoint(target: Store) -> None:
    """Copy the replay's pages from the WAL into the database file, after the commit: the
    checkpoint the commit would have run (SQLite's autocheckpoint) runs here instead, where
    it is plainly outside the lock, and the next writer's commit does not inherit it."""
    raw = target.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
    finally:
        raw.close()


@contextmanager
def _attached(store: Store, copy: Store) -> Iterator[Store]:
    """STORE's database opened anew with COPY attached as PLAN (ATTACH cannot run inside a
    transaction: it is made as each connection opens)."""
    assert copy.path is not None
    plan = str(copy.path)
    target = Store(store.url, store.settings)
    target.lock_notice, target.lock_limit = store.lock_notice, store.lock_limit

    def attach(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"ATTACH DATABASE ? AS {PLAN}", (plan,))

    event.listen(target.engine, "connect", attach)
    try:
        yield target
    finally:
        target.close()


def _index_ahead(target: Store, recorder: Recorder, watcher: Watcher, copy: Store) -> int | None:
    """The new contacts' index rows, a chunk per short write transaction, before the
    contacts: those the run built, then those read back from COPY (contacts whose company or
    history the run wrote too), each replacing any row of its id. The chunks written, or
    None when another writer added a contact meanwhile (the ids are taken: plan again)."""
    end = _contact_end(watcher)
    written = 0
    for _sql, rows in recorder.search_rows.items():
        if not write_ahead(target, rows, end, recorder if not written else None, watcher):
            return None
        written += 1
        time.sleep(LET_IN_S)
    for ids in chunks(recorder.fresh, AHEAD_ROWS):
        with copy.read() as session:
            read = search.index_rows(session, ids)
        first = recorder if not written else None
        if not write_ahead(target, read, end, first, watcher, ids):
            return None
        written += 1
        time.sleep(LET_IN_S)
    return written


# A pause after each chunk written ahead: a writer waiting for the lock polls it (SQLite's
# busy handler sleeps up to 100 ms between tries), and one chunk taken right after another
# kept it waiting through them all (3 s measured at 100,000 rows, for 0.3 s chunks).
LET_IN_S = 0.1


def _contact_end(watcher: Watcher) -> int:
    """The last contact id when the snapshot was made: the plan's new ones are above."""
    return watcher.ends.get("contact") or 0


def write_ahead(
    target: Store,
    rows: Sequence[Sequence[Any]],
    end: int,
    first: Recorder | None,
    watcher: Watcher,
    replacing: Sequence[int] = (),
) -> bool:
    """One chunk of index rows above END (the last contact when the snapshot was made). The
    FIRST chunk checks the whole plan and clears what a killed import left above END."""
    if any(int(row[0]) <= end for row in rows):
        raise ReplayMismatch  # only new contacts' rows go ahead: a stored one's would show
    with target.write() as session:
        cursor = session.connection().connection.cursor()  # BEGIN IMMEDIATE
        try:
            if first is not None:
                if not watcher.holds(first):
                    return False
                cursor.execute("DELETE FROM contact_fts WHERE rowid > ?", (end,))
            elif (cursor.execute("SELECT max(id) FROM contact").fetchone()[0] or 0) != end:
                return False
            if replacing:
                marks = ",".join(str(int(i)) for i in replacing)
                cursor.execute(f"DELETE FROM contact_fts WHERE rowid IN ({marks})")
            cursor.executemany(search.INSERT_SQL, rows)
        finally:
            cursor.close()
    return True


def _replay(
    target: Store, recorder: Recorder, watcher: Watcher, planned: int, *, clear: bool
) -> bool:
    """The locked phase: the recorded writes in one transaction, then the stored contacts
    the run changed are indexed again. CLEAR: no index row went ahead, so what a killed
    import left above the last contact is removed here (a new contact must not find it)."""
    with target.write() as session:
        dbapi_connection: Any = session.connection().connection.dbapi_connection  # BEGIN IMMEDIATE
        if not watcher.holds(recorder):
            return False
        if clear:
            end = _contact_end(watcher)
            dbapi_connection.execute("DELETE FROM contact_fts WHERE rowid > ?", (end,))
        # Rows are copied as the run left them: a contact may name a company the run made
        # after it (a later record of the same person); checked at the commit instead.
        dbapi_connection.execute("PRAGMA defer_foreign_keys=ON")
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")  # _checkpoint, after
        (cache,) = dbapi_connection.execute("PRAGMA cache_size").fetchone()
        dbapi_connection.execute(f"PRAGMA cache_size={-BIG_CACHE_KIB}")  # as the run had
        try:
            first = journal.journal_rows(dbapi_connection)
            with journal.bulk_inserts(dbapi_connection, (PLAN, planned)):  # entries copied
                changed = recorder.replay(dbapi_connection)
                changed -= journal.journal_rows(dbapi_connection) - first  # not the plan's
        finally:
            dbapi_connection.execute(f"PRAGMA cache_size={int(cache)}")
        if changed != recorder.changes:
            raise ReplayMismatch
        search.reindex(session, recorder.reindex)
    return True
