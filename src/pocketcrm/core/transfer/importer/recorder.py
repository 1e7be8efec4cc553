"""What a planned import wrote on its snapshot, kept to be replayed on the real database.

Two kinds of writes. A bulk insert of new rows (a chunk of contacts, their emails...) is kept
as the rowid range it filled in the snapshot's table: under the lock it is copied over in
one `INSERT ... SELECT` from the snapshot, attached to the connection as PLAN (no Python
row handling, about 2.3 times faster than an executemany of the same rows). Everything else
(updates, a single row here and there) is kept as its statement and parameter rows and
replayed as it was made. The new contacts' search rows are kept apart: they are written
ahead of the contacts, outside the lock (apply.py).
"""

from __future__ import annotations

import marshal
import pickle
import re
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import event

from pocketcrm.core import search

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
SPILL_ROWS = 5000  # parameter rows kept in memory before they are written out
# New contacts' search rows per transaction of their own, ahead of the contacts (apply.py):
# about 0.1 s of another writer's wait each.
AHEAD_ROWS = 4000
PLAN = "planned"  # the snapshot's schema name on the connection that replays
_TABLE = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:\w+\.)?\"?(\w+)", re.IGNORECASE
)


class _Spill:
    """(statement, parameter rows) in order; consecutive rows of one statement share a list
    (replayed with one executemany). Written to an anonymous temporary file a few thousand
    rows at a time, so memory stays flat whatever the import's size."""

    def __init__(self, limit: int = SPILL_ROWS) -> None:
        self.limit = limit  # rows kept in memory before they are written out, at most
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.blobs: list[tuple[str, int, int]] = []  # (kind, start, length) in the file
        self.size = 0
        self.sql = ""
        self.pending: list[Sequence[Any]] = []

    def add(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if sql != self.sql:
            self._spill()
            self.sql = sql
        self.pending.extend(rows)
        if len(self.pending) >= self.limit:
            self._spill()

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

    def items(self) -> Iterator[tuple[str, list[Sequence[Any]]]]:
        """The kept (statement, parameter rows), in the order they were made."""
        self._spill()
        for kind, start, length in self.blobs:
            self.file.seek(start)
            blob = self.file.read(length)
            # written by this process, just now
            yield marshal.loads(blob) if kind == "m" else pickle.loads(blob)

    def close(self) -> None:
        self.file.close()


class Recorder:
    """The writes of a planned run, in order, and what the replay must check and index."""

    def __init__(self) -> None:
        self.writes = _Spill()
        self.search_rows = _Spill(AHEAD_ROWS)  # the new contacts' index rows, as built
        self.changes = 0  # rows the planned run wrote (SQLite's total_changes)
        self.reindex: list[int] = []  # stored contacts whose index rows are read back after
        self.fresh: list[int] = []  # new contacts whose index rows are read from the snapshot
        self.unsafe = False  # the run rolled back to a savepoint: its writes cannot be replayed
        self.read: dict[str, dict[int, Any]] = {}  # rows read to update: {table: {id: updated_at}}
        self.written: set[str] = set()  # the statements' texts, for the tables they write
        self._copies: dict[str, str] = {}  # table -> its INSERT ... SELECT from PLAN

    def add(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.written.add(sql)
        self.writes.add(sql, rows)

    def copied(self, cursor: Any, table: str, after: int, last: int) -> None:
        """The rows of TABLE with rowids in (AFTER, LAST] are new: copied from PLAN as the
        run leaves them (CURSOR, on the snapshot, tells the table's columns)."""
        sql = self._copies.get(table)
        if sql is None:
            sql = self._copies[table] = _copy_sql(cursor, table)
        self.add(sql, [(after, last)])

    def search(self, rows: Sequence[Sequence[Any]]) -> None:
        """Index rows (search.INSERT_SQL's) of contacts this run creates."""
        self.search_rows.add(search.INSERT_SQL, rows)

    def tables(self) -> set[str]:
        """The tables the recorded statements write."""
        found = (_TABLE.match(sql) for sql in self.written)
        return {m.group(1).lower() for m in found if m is not None}

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

    def replay(self, dbapi_connection: Any) -> int:
        """Run the recorded writes; the rows they changed (SQLite's count): what the planned
        run changed on the copy."""
        cursor = dbapi_connection.cursor()
        changed = 0
        try:
            for sql, rows in self.writes.items():
                before = dbapi_connection.total_changes
                if len(rows) == 1 or "RETURNING" in sql.upper():
                    for row in rows:  # executemany refuses a statement that returns rows
                        cursor.execute(sql, row)
                else:
                    cursor.executemany(sql, rows)
                changed += dbapi_connection.total_changes - before
        finally:
            cursor.close()
        return changed

    def close(self) -> None:
        self.writes.close()
        self.search_rows.close()


def _copy_sql(cursor: Any, table: str) -> str:
    """INSERT into the real TABLE its rows in a rowid range of PLAN's, every column and the
    rowid itself kept (a table without an integer key has a hidden one), in rowid order."""
    info = cursor.execute(f'PRAGMA table_info("{table}")').fetchall()
    keys = [row for row in info if row[5]]
    aliased = len(keys) == 1 and str(keys[0][2]).upper() == "INTEGER"  # its id is the rowid
    names = ([] if aliased else ["rowid"]) + [f'"{row[1]}"' for row in info]
    columns = ", ".join(names)
    return (
        f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM {PLAN}."{table}" '
        "WHERE rowid > ? AND rowid <= ? ORDER BY rowid"
    )
