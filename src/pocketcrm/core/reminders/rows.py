"""The raw SQL helpers the reminder steps share: stored moments, id lists, app_state values.

Plain SQL through the session, without models.py: see the package's docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pocketcrm.core.db import Db
from pocketcrm.core.times import from_db_time

LAST_RUN_KEY = "remind.last_run"
SCHEDULE_KEY = "remind.schedule_minutes"


def stored_moment(value: object) -> datetime:
    """The aware UTC moment of a raw SQL datetime value from a NOT NULL column."""
    found = from_db_time(value)
    if found is None:
        raise ValueError("a moment was NULL")
    return found


def stamp(value: datetime) -> str:
    """A moment as it stands in a reminder's key."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def chunks(ids: Sequence[int], size: int = 1000) -> list[str]:
    """Comma-separated id lists for IN (...), at most SIZE ids each."""
    return [",".join(str(int(i)) for i in ids[n : n + size]) for n in range(0, len(ids), size)]


def get_state(session: Db, key: str) -> str | None:
    found = session.run("SELECT value FROM app_state WHERE key = :k", {"k": key})
    value = found.scalar()
    return None if value is None else str(value)


def set_state(session: Db, key: str, value: str) -> None:
    session.run(
        "INSERT INTO app_state (key, value) VALUES (:k, :v) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {"k": key, "v": value},
    )
