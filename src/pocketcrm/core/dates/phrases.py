"""WHEN phrases: "tomorrow", "in 3 days", "+2w", "fri 3pm", "end of month", "2026-12-01".

A phrase is normalised, split into a day part and a time of day, and resolved against one
fixed "now" in the user's zone; ambiguous phrases lean to the future for due dates and to the
past for --since. A phrase we cannot read fails with an Invalid that suggests a spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from pocketcrm.core import clock
from pocketcrm.core.dates.grammar import (
    DAY_ABBR,
    MONTH_ABBR,
    MONTH_NAME,
    MONTHS,
    RE_DAY_MONTH,
    RE_MONTH_DAY,
    WEEKDAYS,
    add_months,
    alt,
    check_month_day,
    days_in,
    make_date,
    normalize,
)
from pocketcrm.core.errors import Invalid

__all__ = ["When", "parse_past", "parse_when"]

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

_WD = alt(WEEKDAYS)
_TIME = r"(?:\d{1,2}(?::\d{2}){0,2}\s*[ap]m|\d{1,2}:\d{2}(?::\d{2})?|noon|midnight)"

# Patterns stay strings: `re` compiles and caches them on first use, so commands that
# import this module but parse no date pay nothing for them.
_RE_TIME = r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap]m)?"
_RE_TIME_LAST = rf"(?:(?P<date>.+?)\s+)??(?:(?:at|@)\s*)?(?P<time>{_TIME})"
_RE_TIME_FIRST = rf"(?:(?:at|@)\s*)?(?P<time>{_TIME})\s+(?:on\s+)?(?P<date>.+)"
_RE_RELATIVE = (
    rf"(?P<lead>in\s+|[+-]\s*)?(?:(?P<n>\d{{1,6}})\s*|(?P<a>an?)\s+)(?P<unit>{alt(_UNITS)})"
    r"(?:\s+(?P<tail>ago|from now|later))?"
)
_RE_ISO_DATE = r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
_RE_ISO_T = r"^(\d{4}-\d{1,2}-\d{1,2})t(?=\d)"
_RE_ISO_OFFSET = (
    r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?\s*(?:z|[+-]\d{2}(?::?\d{2})?)"
)
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
        *WEEKDAYS,
        *MONTHS,
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

    def end(self) -> datetime:
        """Where a period named by this phrase ends: "--until 2026-11-15" takes in the whole
        of that day, "--until 'nov 15 17:00'" stops at the moment named."""
        if self.has_time:
            return self.moment
        try:
            next_day = datetime.combine(self.day() + timedelta(days=1), time())
        except OverflowError:
            raise Invalid("until", "is too far ahead; e.g. --until today") from None
        return next_day.replace(tzinfo=clock.local_zone()).astimezone(UTC)

    def describe(self) -> str:
        """Echo what was understood, e.g. 'Tue 1 Dec 2026' or 'Fri 4 Dec 2026 15:00'."""
        at = self.local()
        text = f"{DAY_ABBR[at.weekday()]} {at.day} {MONTH_ABBR[at.month - 1]} {at.year}"
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


def _parse(text: str, *, field: str, now: datetime | None, past: bool) -> When:
    """Shared reader; `past` only changes which way ambiguous phrases resolve."""
    hint = _PAST_HINT if past else _WHEN_HINT
    s = normalize(text)
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
            return _On(add_months(today.replace(day=1), step))
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
        return _On(make_date(int(m[1]), int(m[2]), int(m[3]), s, ctx.field))
    if m := re.fullmatch(RE_MONTH_DAY, s) or re.fullmatch(RE_DAY_MONTH, s):
        month, day = MONTHS[m["mon"]], int(m["day"])
        if m["year"]:
            return _On(make_date(int(m["year"]), month, day, s, ctx.field))
        check_month_day(month, day, s, ctx.field)
        return _MonthDay(month, day)
    if m := re.fullmatch(_RE_WEEKDAY, s):
        which: Literal["next", "last"] | None = (
            "next" if m["which"] == "next" else "last" if m["which"] == "last" else None
        )
        return _Weekday(WEEKDAYS[m["wd"]], which)
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
        if spec.day <= days_in(year, spec.month):
            day = date(year, spec.month, spec.day)
            when = _at(day, at, ctx)
            if at is None:
                fits = day <= ctx.today if ctx.past else day >= ctx.today
            else:
                fits = when.moment <= ctx.now if ctx.past else when.moment >= ctx.now
            if fits:
                return when
        year += step
    raise Invalid(ctx.field, f"no {spec.day} {MONTH_NAME[spec.month - 1]} near now; add a year")


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
    return add_months(day, count * 12 if unit == "year" else count)


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
        return add_months(today.replace(day=1), step + 1) - timedelta(days=1)
    return date(today.year + step, 12, 31)


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
