"""Plain-SQL reads and writes for the hot paths.

The SQLModel classes in models.py define the schema (and Alembic reads them); building them
costs about 100 ms at start-up, a fifth of a one-line command. The commands people run all
day (show, search, agenda, log-call, add) read and write through these helpers instead, on
any Db (core/db.py: sqlite3 itself, or an ORM session), and only the rarer paths import the
ORM models.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pocketcrm.core.db import Db
from pocketcrm.core.times import db_time

T = TypeVar("T")


def _value(value: object) -> object:
    return db_time(value) if isinstance(value, datetime) else value


def insert(session: Db, table: str, values: Mapping[str, object], *, key: str = "id") -> int:
    """INSERT one row and return its id (datetimes stored as UTC text, like the ORM does)."""
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    statement = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {key}"
    return int(session.run(statement, {k: _value(v) for k, v in values.items()}).scalar_one())


def insert_plain(session: Db, table: str, values: Mapping[str, object]) -> None:
    """INSERT one row into a table without an integer id (link tables)."""
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    session.run(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
        {k: _value(v) for k, v in values.items()},
    )


def json_value(value: object) -> Any:
    """A raw column value as JSON keeps it (datetimes from non-SQLite drivers as db text):
    the JSON export, import snapshots and the merge log all store rows this way."""
    if isinstance(value, datetime):
        return db_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value


def id_list(ids: Iterable[int]) -> str:
    """Ids written into the SQL text of an `IN (...)`: int() makes each safe to inline, and a
    list of thousands costs no bind parameters (SQLite and PostgreSQL cap those)."""
    return ",".join(str(int(i)) for i in ids)


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    """ITEMS in slices of SIZE: one `IN (...)` per slice keeps each statement small."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bound_list(prefix: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    """`:prefix0, :prefix1, ...` for an `IN (...)` of text values, and the parameters."""
    names = [f"{prefix}{n}" for n in range(len(values))]
    return ", ".join(f":{name}" for name in names), dict(zip(names, values, strict=True))


def new_uuid() -> str:
    return str(uuid.uuid4())
