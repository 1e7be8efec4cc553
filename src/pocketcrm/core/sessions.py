"""The ORM's session, speaking the services' Db protocol (core/db.py) as well.

Every session the Store hands out is one of these, so a service that uses the models can call
the plain-SQL helpers (resolve_contact, card_for, reindex...) inside its own transaction, and
PostgreSQL runs the everyday services through SQLAlchemy and psycopg. Importing this module
imports SQLModel (~330 ms with SQLAlchemy): the everyday path on SQLite never does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core.db import Rows, sqlite_params


class CrmSession(Session):
    """A SQLModel session that also runs plain SQL as `run(sql, params)`."""

    @property
    def dialect_name(self) -> str:
        return self.get_bind().dialect.name

    def run(
        self, statement: str, params: Mapping[str, Any] | None = None, *, times: Sequence[str] = ()
    ) -> Rows:
        bound = sqlite_params(params) if self.dialect_name == "sqlite" else dict(params or {})
        result: Any = self.execute(text(statement), bound)
        keys = list(result.keys()) if result.returns_rows else None
        return Rows(result, keys, times)

    def driver_cursor(self) -> Any:
        return self.connection().connection.cursor()
