"""How times and counts read on screen: the user's zone, short relative words."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pocketcrm import humanize
from pocketcrm.core import clock, dates


def local(moment: datetime | None, *, date_only: bool = False) -> str:
    """A stored UTC moment on the user's wall clock."""
    if moment is None:
        return ""
    shown = moment.astimezone(clock.local_zone())
    return shown.strftime("%Y-%m-%d") if date_only else shown.strftime("%Y-%m-%d %H:%M")


def ago(moment: datetime | None) -> str:
    """'today', '3d ago', '5mo ago' or 'never': how long since someone was contacted."""
    return humanize.ago(moment, clock.local_now())


def span(length: timedelta) -> str:
    """A length of time in one short unit: '40m', '5h', '3d'."""
    return humanize.span(length)


def due(when: datetime | date | None, *, all_day: bool = False) -> str:
    """A due time relative to today: 'today 15:00', 'tomorrow', 'Fri 4 Dec', '3d overdue'.

    An all-day follow-up's due is a date: it shows as a day alone, never a time."""
    if when is None:
        return ""
    at = dates.due_day(when)
    today = clock.local_now().date()
    days = (at - today).days
    time = ""
    if isinstance(when, datetime) and not all_day:
        time = f" {when.astimezone(clock.local_zone()):%H:%M}"
    if days < 0:
        return f"{-days}d overdue"
    if days == 0:
        return f"today{time}"
    if days == 1:
        return f"tomorrow{time}"
    if days < 7:
        return f"{at:%a}{time}"
    if at.year == today.year:
        return f"{at:%a} {at.day} {at:%b}{time}"
    return f"{at:%Y-%m-%d}{time}"


def number(value: int) -> str:
    return f"{value:,}"
