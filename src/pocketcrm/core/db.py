"""The one connection protocol the plain-SQL services speak, and its standard-library side.

The everyday commands (show, list, search, agenda, add, log-call...) run plain SQL; importing
SQLAlchemy and SQLModel for them cost about 330 ms of a 450 ms command. So the services take
a `Db`: `run(sql, params)` with named parameters (`:name`) returning `Rows`. Two things
implement it, and the services cannot tell them apart:

- `PlainDb`, a standard-library sqlite3 connection: the everyday path on SQLite;
- the ORM session (core/sessions.py, SQLAlchemy): PostgreSQL, and the rarer services that
  use the models and call the same plain helpers inside their own transaction.

Every SQLite connection, either way, is set up by `prepare_sqlite` (pragmas and the SQL
functions registered on it): the one place to add to both paths at once.

Stored times come back as text on SQLite and as datetimes elsewhere; the columns named in
`times=` come back as aware UTC datetimes from both (what the ORM's UTCDateTime does).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from pocketcrm.core.settings import Settings
from pocketcrm.core.times import from_db_time

BUSY_TIMEOUT_MS = 15_000

# What else a SQLite connection needs, beyond the pragmas (a SQL function a trigger calls,
# say, which may need the store's settings: who is working): registered once at import by
# the module that needs it, applied to every new connection of either path.
SQLITE_SETUP: list[Callable[[sqlite3.Connection, Settings], None]] = []


def prepare_sqlite(
    dbapi_connection: sqlite3.Connection, settings: Settings, *, journaled: bool = True
) -> None:
    """Set up a new SQLite connection: autocommit (we emit BEGIN ourselves: see store.py),
    the busy timeout, WAL, foreign keys, the journal's functions (core/journal.py; not on an
    import's private copy, whose replay is journaled instead), then every SQLITE_SETUP step.
    Both the plain path and SQLAlchemy's connect event call this, so the two cannot drift
    apart. A path that writes calls journal.begin(connection) before each BEGIN."""
    from pocketcrm.core import acting, journal  # the standard library only

    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
    journal.install(
        dbapi_connection, lambda conn: acting.on_connection(conn, settings.owner), on=journaled
    )
    for step in SQLITE_SETUP:
        step(dbapi_connection, settings)


class Driver(Protocol):
    """What Rows reads from: a sqlite3 cursor and SQLAlchemy's CursorResult both fit."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Sequence[Any]: ...


_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def _row_type(keys: tuple[str, ...]) -> Any:
    """A tuple type whose fields are the columns (`row.display_name`), one per column list."""
    made = _ROW_TYPES.get(keys)
    if made is None:
        made = _ROW_TYPES[keys] = namedtuple("Row", keys, rename=True)  # type: ignore[misc]
    return made


class Rows:
    """One statement's result: tuples that also name their columns, read once.

    The method names are SQLAlchemy's (first, one, all, scalar, scalar_one, scalars), so a
    service reads the same whichever connection it was given."""

    __slots__ = ("_driver", "_make", "_times", "rowcount")

    def __init__(self, driver: Driver, keys: Sequence[str] | None, times: Sequence[str]) -> None:
        self._driver = driver
        self.rowcount = driver.rowcount
        self._make = None if keys is None else _row_type(tuple(keys))
        self._times = [i for i, k in enumerate(keys or ()) if k in times]

    def _row(self, raw: Sequence[Any]) -> Any:
        assert self._make is not None
        if not self._times:
            return self._make(*raw)
        values = list(raw)
        for i in self._times:
            values[i] = from_db_time(values[i])
        return self._make(*values)

    def all(self) -> list[Any]:
        if self._make is None:
            return []
        return [self._row(r) for r in self._driver.fetchall()]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.all())

    def tuples(self) -> Sequence[Sequence[Any]]:
        """The rows as the driver gives them, unnamed and with no time converted: for a
        read of hundreds of thousands of rows, where naming each costs a third of it."""
        return [] if self._make is None else self._driver.fetchall()

    def first(self) -> Any | None:
        if self._make is None:
            return None
        raw = self._driver.fetchone()
        return None if raw is None else self._row(raw)

    def one(self) -> Any:
        found = self.all()
        if len(found) != 1:
            raise LookupError(f"expected one row, got {len(found)}")
        return found[0]

    def scalar(self) -> Any:
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalars(self) -> list[Any]:
        return [r[0] for r in self.all()]


class Db(Protocol):
    """A connection inside one unit of work (a transaction the Store began)."""

    @property
    def dialect_name(self) -> str: ...

    def run(
        self, statement: str, params: Mapping[str, Any] | None = None, *, times: Sequence[str] = ()
    ) -> Rows:
        """Execute STATEMENT with named PARAMS; the TIMES columns as aware UTC datetimes."""
        ...

    def driver_cursor(self) -> Any:
        """The driver's own cursor in this transaction, for bulk executemany."""
        ...

    def flush(self) -> None:
        """Send pending ORM changes before plain SQL reads them (nothing to do on sqlite3)."""
        ...


def sqlite_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters as the ORM's columns store them on SQLite, whichever path binds them."""
    return {k: _bound(v) for k, v in params.items()} if params else {}


def _bound(value: object) -> object:
    """A parameter as the ORM stores it on SQLite: times as UTC text, dates as ISO text."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class PlainDb:
    """The Db protocol on a standard-library sqlite3 connection."""

    dialect_name = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def run(
        self, statement: str, params: Mapping[str, Any] | None = None, *, times: Sequence[str] = ()
    ) -> Rows:
        cursor = self.connection.execute(statement, sqlite_params(params))
        keys = None if cursor.description is None else [d[0] for d in cursor.description]
        return Rows(cursor, keys, times)

    def driver_cursor(self) -> sqlite3.Cursor:
        return self.connection.cursor()

    def flush(self) -> None:
        """Nothing is pending: every statement went to SQLite as it was run."""
