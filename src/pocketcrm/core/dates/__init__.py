"""Read the dates, durations and birthdays people type, with the standard library only.

A date library (dateparser, dateutil) would cost more start-up time than the rest of a
one-line command, and its guesses are hard to explain. This grammar is small and exact:
it reads a fixed set of phrases, resolves them against `clock.now()` in
`clock.local_zone()`, and otherwise fails with an `Invalid` that shows what would work.

Conventions worth knowing:
- A phrase without a time of day ("tomorrow", "dec 3", "+3d") gives a date-only `When`
  whose moment is the start of that local day; durations in days, weeks, months and years
  move the calendar day, while hours and minutes move the clock exactly.
- In "+1m" / "3m" the `m` means months (as in "+1d", "+2w", "+1y"); minutes are "min".
- Local times that do not exist (skipped by a DST change) land after the gap; times that
  happen twice (clocks turned back) mean the first of the two.

phrases.py reads WHEN phrases, durations.py durations, birthdays.py birthdays (grammar.py
holds the words and day arithmetic they share); due.py holds the due dates of follow-ups:
how they are stored, ordered, compared ("overdue") and shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pocketcrm.core.dates.birthdays import parse_birthday
from pocketcrm.core.dates.due import (
    Due,
    day_of_stored_midnight,
    due_day,
    due_from_store,
    due_start,
    format_due,
    is_overdue,
    order_key,
)
from pocketcrm.core.dates.durations import format_duration, parse_duration

if TYPE_CHECKING:
    from pocketcrm.core.dates.phrases import When, parse_past, parse_when

_PHRASES = frozenset({"When", "parse_past", "parse_when"})


def __getattr__(name: str) -> Any:
    """The phrase reader loads when first asked for (its patterns and read models cost about
    2% of a one-liner): `show`, `list` or `tag` never reads a phrase."""
    if name in _PHRASES:
        from pocketcrm.core.dates import phrases

        return getattr(phrases, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Due",
    "When",
    "day_of_stored_midnight",
    "due_day",
    "due_from_store",
    "due_start",
    "format_due",
    "format_duration",
    "is_overdue",
    "order_key",
    "parse_birthday",
    "parse_duration",
    "parse_past",
    "parse_when",
]
