"""Birthdays as people type them, with or without the year."""

from __future__ import annotations

import re

from pocketcrm.core import clock
from pocketcrm.core.dates.grammar import (
    MONTHS,
    RE_DAY_MONTH,
    RE_MONTH_DAY,
    check_month_day,
    make_date,
    normalize,
)
from pocketcrm.core.errors import Invalid

__all__ = ["parse_birthday"]

_BIRTHDAY_HINT = "try '1980-05-17', 'may 17', '17 may 1980' or '--05-17' (no year)"


def parse_birthday(text: str, *, field: str = "birthday") -> tuple[int | None, int, int]:
    """(year or None, month, day): people often know a birthday but not the year."""
    shown = text.strip()
    s = normalize(text)
    if not s:
        raise Invalid(field, f"is empty; {_BIRTHDAY_HINT}")
    year: int | None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})", s):
        year, month, day = (int(g) for g in (m.groups()[:3] if m[1] else m.groups()[3:]))
    elif m := re.fullmatch(r"--(\d{2})-?(\d{2})|(\d{1,2})-(\d{1,2})", s):
        year, month, day = None, int(m[1] or m[3]), int(m[2] or m[4])
    elif m := re.fullmatch(RE_MONTH_DAY, s) or re.fullmatch(RE_DAY_MONTH, s):
        year = int(m["year"]) if m["year"] else None
        month, day = MONTHS[m["mon"]], int(m["day"])
    else:
        raise Invalid(field, f"cannot read {shown!r}; {_BIRTHDAY_HINT}")
    if year is None:
        check_month_day(month, day, shown, field)
        return None, month, day
    born = make_date(year, month, day, shown, field)
    if year < 1800:
        raise Invalid(field, f"{shown!r} is too long ago; check the year")
    if born > clock.local_now().date():
        raise Invalid(field, f"{shown!r} is in the future; check the year")
    return year, month, day
