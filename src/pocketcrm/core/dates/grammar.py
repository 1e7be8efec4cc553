"""The words and calendar arithmetic that phrases and birthdays share.

Weekday and month names (with their abbreviations), the month-day patterns, how typed text is
normalised before it is read, and the day counting that names what is wrong with a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from pocketcrm.core.errors import Invalid

DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAME = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}


def alt(words: Iterable[str]) -> str:
    """A regex alternation that tries longer words first, so 'june' wins over 'jun'."""
    return "|".join(sorted(words, key=len, reverse=True))


_MON = alt(MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
# Patterns stay strings: `re` compiles and caches them on first use, so commands that
# import this package but parse no date pay nothing for them.
RE_MONTH_DAY = rf"(?P<mon>{_MON})\s*(?P<day>\d{{1,2}}){_ORD}(?:\s+(?P<year>\d{{4}}))?"
RE_DAY_MONTH = rf"(?P<day>\d{{1,2}}){_ORD}\s*(?:of\s+)?(?P<mon>{_MON})(?:\s+(?P<year>\d{{4}}))?"


def normalize(text: str) -> str:
    """Lower-case, drop abbreviation dots ("a.m.", "dec.") and commas, squeeze spaces."""
    s = re.sub(r"(?<=[a-z])\.", "", text.strip().lower())
    return " ".join(s.replace(",", " ").split())


def add_months(day: date, months: int) -> date:
    """Calendar months: Jan 31 + 1 month is the last day of February."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("year out of range")
    return date(year, month0 + 1, min(day.day, days_in(year, month0 + 1)))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in(year: int, month: int) -> int:
    return 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month - 1]


def make_date(year: int, month: int, day: int, shown: str, field: str) -> date:
    """A date, or an Invalid that says what is wrong with it."""
    if not 1 <= month <= 12:
        raise Invalid(field, f"{shown!r} is not a date; months go 1-12 (year-month-day)")
    if year < 1:
        raise Invalid(field, f"{shown!r} is not a date; check the year")
    last = days_in(year, month)
    if not 1 <= day <= last:
        name = MONTH_NAME[month - 1]
        raise Invalid(field, f"{shown!r} is not a date; {name} {year} has {last} days")
    return date(year, month, day)


def check_month_day(month: int, day: int, shown: str, field: str) -> None:
    """A month and day that exist in some year (29 February included)."""
    if not 1 <= month <= 12:
        raise Invalid(field, f"{shown!r} is not a date; months go 1-12 (month-day)")
    last = days_in(2000, month)
    if not 1 <= day <= last:
        name = MONTH_NAME[month - 1]
        raise Invalid(field, f"{shown!r} is not a date; {name} has {last} days at most")
