"""When follow-ups are due: a moment or a whole day, stored, ordered, compared and shown.

The one rule for "overdue" lives here, so both faces show the same list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeAlias

from pocketcrm.core import clock

__all__ = [
    "Due",
    "day_of_stored_midnight",
    "due_day",
    "due_from_store",
    "due_start",
    "format_due",
    "is_overdue",
    "order_key",
]

Due: TypeAlias = datetime | date
"""When a follow-up is due: an aware UTC moment, or a whole calendar day (all-day).

A day is kept as a day (`follow_up.due_date`), never as a moment: "due 3 December" stays
3 December whatever zone the user is in later. `follow_up.due_at` of an all-day item is
only its order key (see `order_key`).
"""


def due_from_store(due_at: object, due_date: object) -> Due:
    """The Due of a stored row: its day if it has one, else its moment."""
    if due_date is not None and due_date != "":
        return due_date if isinstance(due_date, date) else date.fromisoformat(str(due_date))
    if due_at is None:
        raise ValueError("a follow-up without a due time")
    moment = due_at if isinstance(due_at, datetime) else datetime.fromisoformat(str(due_at))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def order_key(day: date) -> datetime:
    """The sort and index key stored in `due_at` for an all-day item: the day's start where
    it was written. Only a key: nothing shows it or compares it as a moment."""
    return datetime.combine(day, time(0), tzinfo=clock.local_zone()).astimezone(UTC)


def due_day(due: Due) -> date:
    """The user's calendar day a follow-up falls on."""
    if isinstance(due, datetime):
        return due.astimezone(clock.local_zone()).date()
    return due


def due_start(due: Due) -> datetime:
    """The moment a follow-up becomes due here: its time, or the start of its day."""
    if isinstance(due, datetime):
        return due
    return datetime.combine(due, time(0), tzinfo=clock.local_zone()).astimezone(UTC)


def is_overdue(due: Due, now: datetime | None = None) -> bool:
    """Late: a timed item once its moment passed, an all-day item once its day has ended in
    the user's zone (due today is not late). The one rule both faces show."""
    instant = clock.now() if now is None else now
    if isinstance(due, datetime):
        return due < instant
    return due < instant.astimezone(clock.local_zone()).date()


def format_due(due: Due | None) -> str:
    """'2026-12-03' for a day, '2026-12-03 14:00' (local) for a moment: never a fake 00:00."""
    if due is None:
        return ""
    if isinstance(due, datetime):
        return due.astimezone(clock.local_zone()).strftime("%Y-%m-%d %H:%M")
    return due.isoformat()


def day_of_stored_midnight(moment: datetime, zone: tzinfo) -> date:
    """The day an all-day item stored as a midnight moment (before 0008) meant.

    It was the writer's local midnight: if that is midnight in ZONE, ZONE's date; otherwise
    the nearest UTC midnight's date (written in UTC, or in a zone less than 12 hours off).
    """
    local = moment.astimezone(zone)
    if local.time() == time(0):
        return local.date()
    return (moment.astimezone(UTC) + timedelta(hours=12)).date()
