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
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, TypeAlias

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid

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

_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAME = (
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

_WEEKDAYS = {
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
_MONTHS = {
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

_Unit = Literal["minute", "hour", "day", "week", "month", "year"]
_UNITS: dict[str, _Unit] = {
    "min": "minute",
    "mins": "minute",
    "minute": "minute",
    "minutes": "minute",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hour": "hour",
    "hours": "hour",
    "d": "day",
    "day": "day",
    "days": "day",
    "w": "week",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "m": "month",
    "mo": "month",
    "mos": "month",
    "month": "month",
    "months": "month",
    "y": "year",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
}
_UNIT_ABBR: dict[_Unit, str] = {
    "minute": "min",
    "hour": "h",
    "day": "d",
    "week": "w",
    "month": "m",
    "year": "y",
}

_WHEN_HINT = "try 'tomorrow', 'in 3 days', '+2w', 'fri 3pm', 'end of month' or '2026-12-01'"
_PAST_HINT = "try 'yesterday', '3 days ago', '30d', 'last week', 'mon' or '2026-12-01'"
_DURATION_HINT = "try '15m', '1h30m', '1:30' (h:mm), '90' (minutes) or '45s'"
_BIRTHDAY_HINT = "try '1980-05-17', 'may 17', '17 may 1980' or '--05-17' (no year)"


def _alt(words: Iterable[str]) -> str:
    """A regex alternation that tries longer words first, so 'june' wins over 'jun'."""
    return "|".join(sorted(words, key=len, reverse=True))


_WD = _alt(_WEEKDAYS)
_MON = _alt(_MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
_TIME = r"(?:\d{1,2}(?::\d{2}){0,2}\s*[ap]m|\d{1,2}:\d{2}(?::\d{2})?|noon|midnight)"

# Patterns stay strings: `re` compiles and caches them on first use, so commands that
# import this module but parse no date pay nothing for them.
_RE_TIME = r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap]m)?"
_RE_TIME_LAST = rf"(?:(?P<date>.+?)\s+)??(?:(?:at|@)\s*)?(?P<time>{_TIME})"
_RE_TIME_FIRST = rf"(?:(?:at|@)\s*)?(?P<time>{_TIME})\s+(?:on\s+)?(?P<date>.+)"
_RE_RELATIVE = (
    rf"(?P<lead>in\s+|[+-]\s*)?(?:(?P<n>\d{{1,6}})\s*|(?P<a>an?)\s+)(?P<unit>{_alt(_UNITS)})"
    r"(?:\s+(?P<tail>ago|from now|later))?"
)
_RE_ISO_DATE = r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
_RE_ISO_T = r"^(\d{4}-\d{1,2}-\d{1,2})t(?=\d)"
_RE_ISO_OFFSET = (
    r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)"
)
_RE_MONTH_DAY = rf"(?P<mon>{_MON})\s*(?P<day>\d{{1,2}}){_ORD}(?:\s+(?P<year>\d{{4}}))?"
_RE_DAY_MONTH = rf"(?P<day>\d{{1,2}}){_ORD}\s*(?:of\s+)?(?P<mon>{_MON})(?:\s+(?P<year>\d{{4}}))?"
_RE_WEEKDAY = rf"(?:(?P<which>next|last)\s+)?(?P<wd>{_WD})"

_VOCAB = sorted(
    {
        "today",
        "tomorrow",
        "yesterday",
        "now",
        "noon",
        "midnight",
        "next",
        "last",
        "this",
        "week",
        "month",
        "year",
        "eod",
        "end",
        "day",
        "ago",
        "from",
        "days",
        "weeks",
        "months",
        "years",
        "hours",
        "minutes",
        *_WEEKDAYS,
        *_MONTHS,
    }
)


@dataclass(frozen=True)
class When:
    """A moment someone typed, and whether they named a time of day or only a day.

    Date-only phrases keep `has_time` False so faces can show "Tue 1 Dec 2026" instead of
    an invented midnight, and so "due today" can compare calendar days, not instants.
    """

    moment: datetime
    has_time: bool

    def __post_init__(self) -> None:
        """Keep every moment aware and in UTC, so stored values compare and sort plainly."""
        if self.moment.tzinfo is None or self.moment.utcoffset() is None:
            raise ValueError("When.moment must be timezone-aware")
        if self.moment.tzinfo is not UTC:
            object.__setattr__(self, "moment", self.moment.astimezone(UTC))

    def local(self) -> datetime:
        """The moment on the user's wall clock."""
        return self.moment.astimezone(clock.local_zone())

    def day(self) -> date:
        """The user's calendar day, which is what date-only phrases mean."""
        return self.local().date()

    def describe(self) -> str:
        """Echo what was understood, e.g. 'Tue 1 Dec 2026' or 'Fri 4 Dec 2026 15:00'."""
        at = self.local()
        text = f"{_DAY_ABBR[at.weekday()]} {at.day} {_MONTH_ABBR[at.month - 1]} {at.year}"
        return f"{text} {at:%H:%M}" if self.has_time else text


@dataclass(frozen=True)
class _Context:
    """Everything a phrase is resolved against, fixed once so one parse sees one 'now'."""

    now: datetime
    zone: tzinfo
    today: date
    past: bool
    field: str


@dataclass(frozen=True)
class _On:
    """A calendar day fixed by the phrase itself ("tomorrow", "2026-12-01", "+3d")."""

    day: date


@dataclass(frozen=True)
class _Weekday:
    """A weekday whose week depends on direction and on the time of day, if any."""

    weekday: int
    which: Literal["next", "last"] | None


@dataclass(frozen=True)
class _MonthDay:
    """A month and day without a year: the nearest one ahead (or behind, for the past)."""

    month: int
    day: int


_DaySpec = _On | _Weekday | _MonthDay


def parse_when(text: str, *, field: str = "when", now: datetime | None = None) -> When:
    """Read a due-date phrase; ambiguous phrases ("fri", "3pm", "dec 3") lean to the future."""
    return _parse(text, field=field, now=now, past=False)


def parse_past(text: str, *, field: str = "since", now: datetime | None = None) -> When:
    """Read a phrase about the past (--since, when a call happened): "30d", "mon", "last week".

    Accepts all of parse_when; bare "30d" / "2w" / "3m" / "1y" mean that long ago, and
    "mon", "3pm" or "dec 3" mean the latest one not after now.
    """
    return _parse(text, field=field, now=now, past=True)


def parse_duration(text: str, *, field: str = "duration") -> int:
    """Seconds from "15m", "1h30m", "1:30", "2 hours", "45s" or a bare number of minutes."""
    shown = text.strip()
    s = " ".join(shown.lower().replace(",", " ").split())
    if not s:
        raise Invalid(field, f"is empty; {_DURATION_HINT}")
    if s.startswith("-"):
        raise Invalid(field, f"{shown!r} is not more than zero; {_DURATION_HINT}")
    s = re.sub(r"^an?\s+", "1 ", s)
    total = _duration_seconds(s, shown, field)
    if total is None:
        raise Invalid(field, f"cannot read {shown!r}; {_DURATION_HINT}")
    if total <= 0:
        raise Invalid(field, f"{shown!r} is not more than zero; {_DURATION_HINT}")
    if total > _MAX_DURATION:
        raise Invalid(field, f"{shown!r} is too long; the most is {_MAX_DURATION // 86400} days")
    return total


def format_duration(seconds: int) -> str:
    """The short form parse_duration reads back: "15m", "1h 30m", "45s", "2h 5m 10s"."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return " ".join(parts) or "0m"


def parse_birthday(text: str, *, field: str = "birthday") -> tuple[int | None, int, int]:
    """(year or None, month, day): people often know a birthday but not the year."""
    shown = text.strip()
    s = _normalize(text)
    if not s:
        raise Invalid(field, f"is empty; {_BIRTHDAY_HINT}")
    year: int | None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})", s):
        year, month, day = (int(g) for g in (m.groups()[:3] if m[1] else m.groups()[3:]))
    elif m := re.fullmatch(r"--(\d{2})-?(\d{2})|(\d{1,2})-(\d{1,2})", s):
        year, month, day = None, int(m[1] or m[3]), int(m[2] or m[4])
    elif m := re.fullmatch(_RE_MONTH_DAY, s) or re.fullmatch(_RE_DAY_MONTH, s):
        year = int(m["year"]) if m["year"] else None
        month, day = _MONTHS[m["mon"]], int(m["day"])
    else:
        raise Invalid(field, f"cannot read {shown!r}; {_BIRTHDAY_HINT}")
    if year is None:
        _check_month_day(month, day, shown, field)
        return None, month, day
    born = _make_date(year, month, day, shown, field)
    if year < 1800:
        raise Invalid(field, f"{shown!r} is too long ago; check the year")
    if born > clock.local_now().date():
        raise Invalid(field, f"{shown!r} is in the future; check the year")
    return year, month, day


# --- WHEN phrases -----------------------------------------------------------------------


def _parse(text: str, *, field: str, now: datetime | None, past: bool) -> When:
    """Shared reader; `past` only changes which way ambiguous phrases resolve."""
    hint = _PAST_HINT if past else _WHEN_HINT
    s = _normalize(text)
    if not s:
        raise Invalid(field, f"is empty; {hint}")
    ctx = _context(now, past=past, field=field)
    when = _read(s, ctx)
    if when is not None:
        return when
    guess = _suggest(s, ctx)
    shown = text.strip()
    if guess is not None:
        raise Invalid(field, f"cannot read {shown!r} (did you mean {guess!r}?); {hint}")
    raise Invalid(field, f"cannot read {shown!r}; {hint}")


def _normalize(text: str) -> str:
    """Lower-case, drop abbreviation dots ("a.m.", "dec.") and commas, squeeze spaces."""
    s = re.sub(r"(?<=[a-z])\.", "", text.strip().lower())
    return " ".join(s.replace(",", " ").split())


def _context(now: datetime | None, *, past: bool, field: str) -> _Context:
    """Fix 'now' and 'today'; a naive `now` is taken as local wall-clock time."""
    zone = clock.local_zone()
    if now is None:
        instant = clock.now()
    else:
        instant = (now if now.tzinfo is not None else now.replace(tzinfo=zone)).astimezone(UTC)
    return _Context(
        now=instant, zone=zone, today=instant.astimezone(zone).date(), past=past, field=field
    )


def _read(s: str, ctx: _Context) -> When | None:
    """A When for a normalized phrase, None if it is not one we know."""
    exact = _read_exact(s, ctx)
    if exact is not None:
        return exact
    s = re.sub(_RE_ISO_T, r"\1 ", s)
    date_text, time_text = _split_time(s)
    at = _read_time(time_text, ctx.field) if time_text is not None else None
    if date_text is None:
        return _bare_time(at, ctx) if at is not None else None
    spec = _read_day(date_text, ctx)
    if spec is None:
        return None
    return _resolve(spec, at, ctx)


def _read_exact(s: str, ctx: _Context) -> When | None:
    """Phrases that name an instant on their own: now, eod, +2h, an ISO time with offset."""
    if s in ("now", "right now"):
        return When(ctx.now, has_time=True)
    if s in ("eod", "end of day", "end of today"):
        return _at(ctx.today, time(17), ctx)
    if re.fullmatch(_RE_ISO_OFFSET, s):
        try:
            return When(datetime.fromisoformat(s.upper()), has_time=True)
        except ValueError:
            raise Invalid(ctx.field, f"{s!r} is not a date-time; {_hint(ctx)}") from None
    relative = _relative(s, ctx)
    if relative is None or relative[1] not in ("hour", "minute"):
        return None
    count, unit = relative
    try:
        step = timedelta(hours=count) if unit == "hour" else timedelta(minutes=count)
        return When(ctx.now + step, has_time=True)
    except OverflowError:
        raise Invalid(ctx.field, f"{s!r} is too far away; {_hint(ctx)}") from None


def _relative(s: str, ctx: _Context) -> tuple[int, _Unit] | None:
    """(signed count, unit) for "in 3 days", "+2w", "-1d", "3 days ago", bare "30d" (past)."""
    m = re.fullmatch(_RE_RELATIVE, s)
    if m is None:
        return None
    lead = (m["lead"] or "").strip()
    tail = m["tail"]
    count = int(m["n"]) if m["n"] else 1
    unit = _UNITS[m["unit"]]
    if lead and tail:
        return None
    if lead == "-" or tail == "ago":
        return -count, unit
    if lead or tail:
        return count, unit
    if ctx.past:
        return -count, unit
    short = f"{count}{_UNIT_ABBR[unit]}"
    raise Invalid(
        ctx.field,
        f"{s!r} could mean ahead or ago; write '+{short}' or 'in {count} {unit}s' for a "
        f"due date, or '{count} {unit}s ago'",
    )


def _split_time(s: str) -> tuple[str | None, str | None]:
    """Separate a time of day ("3pm", "at 14:30", "noon") from the day part, either side."""
    m = re.fullmatch(_RE_TIME_LAST, s) or re.fullmatch(_RE_TIME_FIRST, s)
    if m is None:
        return s, None
    return m["date"], m["time"]


def _read_time(text: str, field: str) -> time:
    """A wall-clock time; out-of-range hours or minutes say which range applies."""
    if text == "noon":
        return time(12)
    if text == "midnight":
        return time(0)
    m = re.fullmatch(_RE_TIME, text)
    if m is None:
        raise Invalid(field, f"cannot read the time {text!r}; try '3pm', '3:30pm' or '15:30'")
    hour, minute, second = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise Invalid(field, f"{text!r} is not a time; with am/pm the hour goes 1-12")
        hour = hour % 12 + (12 if m[4] == "pm" else 0)
    elif hour > 23:
        raise Invalid(field, f"{text!r} is not a time; hours go 0-23 (or 1-12 with am/pm)")
    if minute > 59 or second > 59:
        raise Invalid(field, f"{text!r} is not a time; minutes and seconds go 00-59")
    return time(hour, minute, second)


def _read_day(s: str, ctx: _Context) -> _DaySpec | None:
    """The day part of a phrase, or None if it is not one we know."""
    today = ctx.today
    fixed = {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "tmrw": today + timedelta(days=1),
        "tmr": today + timedelta(days=1),
        "yesterday": today - timedelta(days=1),
    }
    if s in fixed:
        return _On(fixed[s])
    if end := _end_of(s, today, past=ctx.past):
        return _On(end)
    if m := re.fullmatch(r"(next|last|this) (week|month|year)", s):
        step = {"next": 1, "last": -1, "this": 0}[m[1]]
        if m[2] == "week":
            monday = today - timedelta(days=today.weekday())
            return _On(monday + timedelta(weeks=step))
        if m[2] == "month":
            return _On(_add_months(today.replace(day=1), step))
        return _On(date(today.year + step, 1, 1))
    relative = _relative(s, ctx)
    if relative is not None:
        count, unit = relative
        if unit in ("hour", "minute"):
            raise Invalid(
                ctx.field,
                f"{s!r} already sets the time; drop the time of day or say 'tomorrow 3pm'",
            )
        try:
            return _On(_shift(today, count, unit))
        except (OverflowError, ValueError):
            raise Invalid(ctx.field, f"{s!r} is too far away; {_hint(ctx)}") from None
    if m := re.fullmatch(_RE_ISO_DATE, s):
        return _On(_make_date(int(m[1]), int(m[2]), int(m[3]), s, ctx.field))
    if m := re.fullmatch(_RE_MONTH_DAY, s) or re.fullmatch(_RE_DAY_MONTH, s):
        month, day = _MONTHS[m["mon"]], int(m["day"])
        if m["year"]:
            return _On(_make_date(int(m["year"]), month, day, s, ctx.field))
        _check_month_day(month, day, s, ctx.field)
        return _MonthDay(month, day)
    if m := re.fullmatch(_RE_WEEKDAY, s):
        which: Literal["next", "last"] | None = (
            "next" if m["which"] == "next" else "last" if m["which"] == "last" else None
        )
        return _Weekday(_WEEKDAYS[m["wd"]], which)
    return None


def _resolve(spec: _DaySpec, at: time | None, ctx: _Context) -> When:
    """Pin a day spec (plus an optional time) to one moment, leaning future or past."""
    if isinstance(spec, _On):
        return _at(spec.day, at, ctx)
    if isinstance(spec, _Weekday):
        return _resolve_weekday(spec, at, ctx)
    return _resolve_month_day(spec, at, ctx)


def _bare_time(at: time, ctx: _Context) -> When:
    """A bare time ("3pm") is today, unless already past (then tomorrow; yesterday if past)."""
    when = _at(ctx.today, at, ctx)
    if not ctx.past and when.moment < ctx.now:
        return _at(ctx.today + timedelta(days=1), at, ctx)
    if ctx.past and when.moment > ctx.now:
        return _at(ctx.today - timedelta(days=1), at, ctx)
    return when


def _resolve_weekday(spec: _Weekday, at: time | None, ctx: _Context) -> When:
    """Due "tue" and "next tue" are strictly after today; a past "tue" may be today."""
    today = ctx.today
    if spec.which == "next" or (spec.which is None and not ctx.past):
        ahead = (spec.weekday - today.weekday()) % 7 or 7
        return _at(today + timedelta(days=ahead), at, ctx)
    back = (today.weekday() - spec.weekday) % 7
    if spec.which == "last":
        return _at(today - timedelta(days=back or 7), at, ctx)
    when = _at(today - timedelta(days=back), at, ctx)
    if when.moment > ctx.now:
        when = _at(today - timedelta(days=back + 7), at, ctx)
    return when


def _resolve_month_day(spec: _MonthDay, at: time | None, ctx: _Context) -> When:
    """The nearest year in which that day is not yet past (or, for the past, has come)."""
    step = -1 if ctx.past else 1
    year = ctx.today.year
    for _ in range(9):  # 29 February comes back within eight years
        if spec.day <= _days_in(year, spec.month):
            day = date(year, spec.month, spec.day)
            when = _at(day, at, ctx)
            if at is None:
                fits = day <= ctx.today if ctx.past else day >= ctx.today
            else:
                fits = when.moment <= ctx.now if ctx.past else when.moment >= ctx.now
            if fits:
                return when
        year += step
    raise Invalid(ctx.field, f"no {spec.day} {_MONTH_NAME[spec.month - 1]} near now; add a year")


def _at(day: date, at: time | None, ctx: _Context) -> When:
    """Local wall-clock time on `day` (midnight if no time) as a UTC When.

    fold=0 makes zoneinfo read a time skipped by DST with the offset from before the
    change (so 02:30 becomes 03:30 summer time) and a doubled time as its first occurrence.
    """
    local = datetime.combine(day, at or time(0), tzinfo=ctx.zone)
    return When(local.astimezone(UTC), has_time=at is not None)


def _shift(day: date, count: int, unit: _Unit) -> date:
    """Move a calendar day; months and years keep the day, clamped to the month's end."""
    if unit == "day":
        return day + timedelta(days=count)
    if unit == "week":
        return day + timedelta(weeks=count)
    return _add_months(day, count * 12 if unit == "year" else count)


def _end_of(s: str, today: date, *, past: bool) -> date | None:
    """ "end of month" (also "eom", "end of the week", "end of next month", "end of year"):
    the last day of that period. A week ends on Friday, the last working day; on a weekend
    "end of week" means the coming Friday (the past one when reading the past)."""
    s = {"eom": "end of month", "eow": "end of week", "eoy": "end of year"}.get(s, s)
    m = re.fullmatch(r"end of (?:the )?(?:(this|next|last) )?(week|month|year)", s)
    if m is None:
        return None
    step = {"next": 1, "last": -1}.get(m[1] or "", 0)
    if m[2] == "week":
        friday = today - timedelta(days=today.weekday()) + timedelta(weeks=step, days=4)
        return friday + timedelta(weeks=1) if friday < today and not past and not step else friday
    if m[2] == "month":
        return _add_months(today.replace(day=1), step + 1) - timedelta(days=1)
    return date(today.year + step, 12, 31)


def _add_months(day: date, months: int) -> date:
    """Calendar months: Jan 31 + 1 month is the last day of February."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("year out of range")
    return date(year, month0 + 1, min(day.day, _days_in(year, month0 + 1)))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in(year: int, month: int) -> int:
    return 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month - 1]


def _make_date(year: int, month: int, day: int, shown: str, field: str) -> date:
    """A date, or an Invalid that says what is wrong with it."""
    if not 1 <= month <= 12:
        raise Invalid(field, f"{shown!r} is not a date; months go 1-12 (year-month-day)")
    if year < 1:
        raise Invalid(field, f"{shown!r} is not a date; check the year")
    last = _days_in(year, month)
    if not 1 <= day <= last:
        name = _MONTH_NAME[month - 1]
        raise Invalid(field, f"{shown!r} is not a date; {name} {year} has {last} days")
    return date(year, month, day)


def _check_month_day(month: int, day: int, shown: str, field: str) -> None:
    """A month and day that exist in some year (29 February included)."""
    if not 1 <= month <= 12:
        raise Invalid(field, f"{shown!r} is not a date; months go 1-12 (month-day)")
    last = _days_in(2000, month)
    if not 1 <= day <= last:
        name = _MONTH_NAME[month - 1]
        raise Invalid(field, f"{shown!r} is not a date; {name} has {last} days at most")


def _hint(ctx: _Context) -> str:
    return _PAST_HINT if ctx.past else _WHEN_HINT


def _suggest(s: str, ctx: _Context) -> str | None:
    """Fix misspelt words ("tomorow", "wendesday") if the fixed phrase then reads."""
    import difflib  # only on the error path: keeps start-up lean

    words = s.split()
    changed = False
    for i, word in enumerate(words):
        if word.isalpha() and word not in _VOCAB:
            close = difflib.get_close_matches(word, _VOCAB, n=1, cutoff=0.75)
            if close:
                words[i] = close[0]
                changed = True
    if not changed:
        return None
    guess = " ".join(words)
    try:
        return guess if _read(guess, ctx) is not None else None
    except Invalid:
        return None


# --- durations --------------------------------------------------------------------------

_MAX_DURATION = 366 * 86400
_DURATION_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_DURATION_PART = rf"(\d{{1,9}}(?:\.\d{{1,9}})?|\.\d{{1,9}})\s*({_alt(_DURATION_UNITS)})"
_ANY_PART = rf"(?:\d{{1,9}}(?:\.\d{{1,9}})?|\.\d{{1,9}})\s*(?:{_alt(_DURATION_UNITS)})"
_RE_DURATION = rf"{_ANY_PART}(?:\s*(?:and\s+)?{_ANY_PART})*"
_RE_DURATION_PART = _DURATION_PART


def _duration_seconds(s: str, shown: str, field: str) -> int | None:
    """Total seconds of a normalized duration, None if it is not one we know."""
    if re.fullmatch(r"\d{1,9}", s):
        return int(s) * 60
    if m := re.fullmatch(r"(\d{1,6}):(\d{2})(?::(\d{2}))?", s):
        hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0)
        if minutes > 59 or seconds > 59:
            raise Invalid(field, f"{shown!r}: minutes and seconds go 00-59 in h:mm[:ss]")
        return hours * 3600 + minutes * 60 + seconds
    if not re.fullmatch(_RE_DURATION, s):
        return None
    total = 0.0
    seen: set[int] = set()
    for part in re.finditer(_RE_DURATION_PART, s):
        size = _DURATION_UNITS[part[2]]
        if size in seen:
            raise Invalid(field, f"{shown!r} names a unit twice; {_DURATION_HINT}")
        seen.add(size)
        total += float(part[1]) * size
    return round(total)


# --- due dates of follow-ups ------------------------------------------------------------

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
