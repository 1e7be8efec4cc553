"""Stage 6: the locked phase. A SQLite import is planned on a private snapshot of the
database, without the write lock; inside the lock only its recorded writes are replayed.

An import used to match and decide inside its write transaction: 7 s of lock for 100,000 new
rows and 40 s for a re-import of the same rows (one SELECT per record), longer than the busy
timeout of every other writer. Now the whole run (matching, fidelity's decisions, the
journal of what it changes, the search rows) happens on a copy made with SQLite's online
backup; every INSERT, UPDATE and DELETE it makes there is recorded, and consecutive ones
alike are joined into one executemany. Under BEGIN IMMEDIATE the real database is first
checked to be the one the copy was made from (`PRAGMA data_version` of a connection that
watched the copy being made: another connection's commit changes it); if so the recorded
writes make it exactly what the copy became, else nothing is written and the caller plans
again from a fresh copy. Same run, same statements, same ids: the preview, the journal,
the undo and the all-or-nothing transaction are those of the plain run.
"""

from __future__ import annotations

import marshal
import os
import pickle
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from pocketcrm.core import journal, search
from pocketcrm.core.store import Store, database_url
from pocketcrm.core.transfer.importer.read import alive
from pocketcrm.core.transfer.importer.tables import BIG_CACHE_KIB

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class Recorder:
    """The writes of a planned run, in order; consecutive statements alike share one list of
    parameter rows (replayed with one executemany). Written to an anonymous temporary file a
    few thousand rows at a time, so memory stays flat whatever the import's size."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.blobs: list[tuple[str, int, int]] = []  # (kind, start, length) in the file
        self.size = 0
        self.sql = ""
        self.pending: list[Sequence[Any]] = []
        self.rows = 0
        self.changes = 0  # rows the planned run wrote (SQLite's total_changes)
        # statements recorded without being run on the copy (the new contacts' search rows:
        # nothing in a run reads the index); the replay's count of rows leaves them out
        self.unchecked: set[str] = set()
        self.reindex: list[int] = []  # contacts whose search rows are read back after
        self.unsafe = False  # the run rolled back to a savepoint: its writes cannot be replayed
        self.read: dict[str, dict[int, Any]] = {}  # rows read to update: {table: {id: updated_at}}
        self.written: set[str] = set()  # the statements' texts, for the tables they write

    def add(self, sql: str, rows: Sequence[Sequence[Any]], *, checked: bool = True) -> None:
        self.rows += len(rows)
        self.written.add(sql)
        if not checked:
            self.unchecked.add(sql)
        if sql != self.sql:
            self._spill()
            self.sql = sql
        self.pending.extend(rows)
        if len(self.pending) >= SPILL_ROWS:
            self._spill()

    def tables(self) -> set[str]:
        """The tables the recorded statements write."""
        found = (_TABLE.match(sql) for sql in self.written)
        return {m.group(1).lower() for m in found if m is not None}

    def _spill(self) -> None:
        if not self.pending:
            return
        kind, blob = "m", b""
        try:
            blob = marshal.dumps((self.sql, self.pending))
        except ValueError:  # a value marshal cannot carry (a datetime): pickle takes it
            kind, blob = "p", pickle.dumps((self.sql, self.pending), pickle.HIGHEST_PROTOCOL)
        self.file.write(blob)
        self.blobs.append((kind, self.size, len(blob)))
        self.size += len(blob)
        self.pending = []

    def listen(self, engine: Any) -> None:
        """Record what SQLAlchemy sends to ENGINE's driver (the run's raw executemany calls
        record themselves: see RunState._execute_many)."""
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        head = statement.lstrip()[:11].upper()
        if head.startswith(_WRITES):
            self.add(statement, list(parameters) if executemany else [parameters or ()])
        elif head.startswith(("SAVEPOINT", "ROLLBACK")):
            self.unsafe = True

    def ops(self) -> Iterator[tuple[str, list[Sequence[Any]]]]:
        """The recorded (statement, parameter rows), in the order they were made."""
        self._spill()
        for kind, start, length in self.blobs:
            self.file.seek(start)
            blob = self.file.read(length)
            # written by this process, just now
            yield marshal.loads(blob) if kind == "m" else pickle.loads(blob)

    def replay(self, dbapi_connection: Any) -> int:
        """Run the recorded writes; the rows they changed (SQLite's count), unchecked ones
        left out: what the planned run changed on the copy."""
        cursor = dbapi_connection.cursor()
        changed = 0
        try:
            for sql, rows in self.ops():
                before = dbapi_connection.total_changes
                if len(rows) == 1 or "RETURNING" in sql.upper():
                    for row in rows:  # executemany refuses a statement that returns rows
                        cursor.execute(sql, row)
                else:
                    cursor.executemany(sql, rows)
                if sql not in self.unchecked:
                    changed += dbapi_connection.total_changes - before
        finally:
            cursor.close()
        return changed

    def close(self) -> None:
        self.file.close()


SPILL_ROWS = 5000  # parameter rows a recorder keeps in memory before it writes them out


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
_TABLE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


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
            try:
                yield copy, watcher
            finally:
                copy.close()
        finally:
            watcher.close()


class ReplayMismatch(Exception):
    """The replay wrote another number of rows than the planned run: some write of the run
    escaped the recorder. Rolled back; the caller runs the import in its transaction."""


_PREFIX = ".pocketcrm-import-"  # the snapshots' folders: .pocketcrm-import-PID-RANDOM


def _sweep(where: Path) -> None:
    """Remove the snapshots of imports that were killed (kill -9 runs no cleanup): a stale
    copy of the CRM must not stay beside it."""
    for folder in where.glob(f"{_PREFIX}*-*"):
        pid = folder.name.removeprefix(_PREFIX).partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def apply(store: Store, recorder: Recorder, watcher: Watcher) -> bool:
    """Replay RECORDER's writes in one write transaction; False (nothing written) when the
    database changed since the snapshot the plan was made on."""
    if recorder.unsafe:
        raise ReplayMismatch
    with store.write() as session:
        dbapi_connection: Any = session.connection().connection.dbapi_connection  # BEGIN IMMEDIATE
        if not watcher.holds(recorder):
            return False
        (cache,) = dbapi_connection.execute("PRAGMA cache_size").fetchone()
        dbapi_connection.execute(f"PRAGMA cache_size={-BIG_CACHE_KIB}")  # as the run had
        try:
            first = journal.journal_rows(dbapi_connection)
            with journal.bulk_inserts(dbapi_connection):  # new rows journaled set-based
                changed = recorder.replay(dbapi_connection)
                changed -= journal.journal_rows(dbapi_connection) - first  # not the plan's
        finally:
            dbapi_connection.execute(f"PRAGMA cache_size={int(cache)}")
        if changed != recorder.changes:
            raise ReplayMismatch
        search.reindex(session, recorder.reindex)
    return True
