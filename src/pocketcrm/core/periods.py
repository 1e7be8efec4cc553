"""The period a report covers: one rule for every report section.

A section is asked for [since, until); by default the last 30 days up to now. A period
that ends before it starts is a user's mistake, refused with the field named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    """[since, until), both aware UTC moments."""

    since: datetime
    until: datetime


def period(
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """The period asked for, with the defaults filled in; refuses since >= until."""
    end = until or clock.now()
    start = since or end - timedelta(days=default_days)
    if start >= end:
        raise Invalid("since", "must be before --until; e.g. --since 30d --until today")
    return Period(start, end)
