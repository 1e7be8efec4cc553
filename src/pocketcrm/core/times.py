"""Moments in the store: aware UTC in Python, naive UTC text in SQLite.

Kept apart from models.py so the hot paths (show, search, agenda, log-call, add) can read
and write with plain SQL without paying for the ORM models' construction at start-up, and
free of SQLAlchemy (the ORM's column type is in timetype.py).
"""

from __future__ import annotations

from datetime import UTC, datetime


def db_time(value: datetime) -> str:
    """A moment in the exact text form SQLAlchemy stores, for raw SQL comparisons."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def from_db_time(value: object) -> datetime | None:
    """The aware UTC moment of a raw SQL value (text on SQLite, datetime elsewhere)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
