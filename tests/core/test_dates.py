"""WHEN phrases, durations and birthdays, against a fixed clock and a fixed zone.

The default "now" is Tue 1 Dec 2026 10:00 in Berlin (09:00 UTC, CET = UTC+1), so every
expected value below is an exact UTC instant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pocketcrm.core import clock
from pocketcrm.core.dates import (
    When,
    format_duration,
    parse_birthday,
    parse_duration,
    parse_past,
    parse_when,
)
from pocketcrm.core.errors import Invalid

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tue 1 Dec 2026 10:00 in Berlin


@pytest.fixture(autouse=True)
def fixed_time() -> Iterator[None]:
    """Every test starts at NOW in Berlin and leaves the real clock and zone behind."""
    clock.set_clock(lambda: NOW)
    clock.set_local_zone(BERLIN)
    yield
    clock.set_clock(None)
    clock.set_local_zone(None)


def at_now(moment: datetime, zone: ZoneInfo | None = None) -> None:
    """Move the fixed clock for tests about other days; the zone is the moment's own."""
    clock.set_clock(lambda: moment)
    clock.set_local_zone(zone or (moment.tzinfo if isinstance(moment.tzinfo, ZoneInfo) else BERLIN))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def day(year: int, month: int, mday: int) -> When:
    """A date-only When: local midnight in Berlin as UTC."""
    return When(datetime(year, month, mday, tzinfo=BERLIN).astimezone(UTC), has_time=False)


def timed(year: int, month: int, mday: int, hour: int, minute: int, sec: int = 0) -> When:
    """A When with a time of day, given as Berlin wall-clock time."""
    local = datetime(year, month, mday, hour, minute, sec, tzinfo=BERLIN)
    return When(local.astimezone(UTC), has_time=True)


# --- parse_when: every phrase -----------------------------------------------------------

WHEN_CASES = [
    # plain days
    ("today", day(2026, 12, 1)),
    ("tomorrow", day(2026, 12, 2)),
    ("yesterday", day(2026, 11, 30)),
    ("now", timed(2026, 12, 1, 10, 0)),
    # relative calendar steps give a day, clock steps give an instant
    ("in 3 days", day(2026, 12, 4)),
    ("in 2 weeks", day(2026, 12, 15)),
    ("in 1 month", day(2027, 1, 1)),
    ("in a week", day(2026, 12, 8)),
    ("in 2 hours", timed(2026, 12, 1, 12, 0)),
    ("in 30 minutes", timed(2026, 12, 1, 10, 30)),
    ("+2w", day(2026, 12, 15)),
    ("+3d", day(2026, 12, 4)),
    ("+1m", day(2027, 1, 1)),
    ("+1y", day(2027, 12, 1)),
    ("+2h", timed(2026, 12, 1, 12, 0)),
    ("+45min", timed(2026, 12, 1, 10, 45)),
    ("-1d", day(2026, 11, 30)),
    ("3 days from now", day(2026, 12, 4)),
    # weekdays: strictly after today; today is a Tuesday
    ("next tue", day(2026, 12, 8)),
    ("next tuesday", day(2026, 12, 8)),
    ("tue", day(2026, 12, 8)),
    ("tuesday", day(2026, 12, 8)),
    ("wed", day(2026, 12, 2)),
    ("next wed", day(2026, 12, 2)),
    ("mon", day(2026, 12, 7)),
    ("sunday", day(2026, 12, 6)),
    ("fri 3pm", timed(2026, 12, 4, 15, 0)),
    ("3pm fri", timed(2026, 12, 4, 15, 0)),
    ("fri at 3pm", timed(2026, 12, 4, 15, 0)),
    # a day plus a time
    ("tomorrow 9am", timed(2026, 12, 2, 9, 0)),
    ("tomorrow 14:30", timed(2026, 12, 2, 14, 30)),
    ("tomorrow at 9am", timed(2026, 12, 2, 9, 0)),
    ("today 3pm", timed(2026, 12, 1, 15, 0)),
    ("+3d 9am", timed(2026, 12, 4, 9, 0)),
    # bare times: today, or tomorrow once passed (now is 10:00)
    ("3pm", timed(2026, 12, 1, 15, 0)),
    ("15:00", timed(2026, 12, 1, 15, 0)),
    ("noon", timed(2026, 12, 1, 12, 0)),
    ("3:30pm", timed(2026, 12, 1, 15, 30)),
    ("15:30", timed(2026, 12, 1, 15, 30)),
    ("9am", timed(2026, 12, 2, 9, 0)),
    ("10:00", timed(2026, 12, 1, 10, 0)),
    ("9:59", timed(2026, 12, 2, 9, 59)),
    ("12am", timed(2026, 12, 2, 0, 0)),
    ("midnight", timed(2026, 12, 2, 0, 0)),
    ("12pm", timed(2026, 12, 1, 12, 0)),
    ("at 4pm", timed(2026, 12, 1, 16, 0)),
    ("4 p.m.", timed(2026, 12, 1, 16, 0)),
    # ISO
    ("2026-12-01", day(2026, 12, 1)),
    ("2026-12-01 14:30", timed(2026, 12, 1, 14, 30)),
    ("2026-12-01T14:30", timed(2026, 12, 1, 14, 30)),
    ("2026-12-01 14:30:45", timed(2026, 12, 1, 14, 30, 45)),
    ("2027-01-05 3pm", timed(2027, 1, 5, 15, 0)),
    ("2026-12-01T14:30Z", When(utc(2026, 12, 1, 14, 30), has_time=True)),
    ("2026-12-01T14:30:00+05:00", When(utc(2026, 12, 1, 9, 30), has_time=True)),
    # month and day: the next one on or after today
    ("dec 3", day(2026, 12, 3)),
    ("3 dec", day(2026, 12, 3)),
    ("december 3", day(2026, 12, 3)),
    ("dec 3rd", day(2026, 12, 3)),
    ("3rd of december", day(2026, 12, 3)),
    ("dec 3 2027", day(2027, 12, 3)),
    ("dec 3, 2027", day(2027, 12, 3)),
    ("3 dec 2027", day(2027, 12, 3)),
    ("dec 3 10am", timed(2026, 12, 3, 10, 0)),
    ("dec 1", day(2026, 12, 1)),
    ("nov 30", day(2027, 11, 30)),
    ("jan 15", day(2027, 1, 15)),
    ("dec 1 11am", timed(2026, 12, 1, 11, 0)),
    ("dec 1 9am", timed(2027, 12, 1, 9, 0)),
    ("feb 29", day(2028, 2, 29)),
    # named spans
    ("eod", timed(2026, 12, 1, 17, 0)),
    ("end of day", timed(2026, 12, 1, 17, 0)),
    ("next week", day(2026, 12, 7)),
    ("next month", day(2027, 1, 1)),
    ("next year", day(2027, 1, 1)),
    ("this week", day(2026, 11, 30)),
    # case and spacing do not matter
    ("  TOMORROW   9AM ", timed(2026, 12, 2, 9, 0)),
    ("Next  Tuesday", day(2026, 12, 8)),
    ("Dec. 3", day(2026, 12, 3)),
]


@pytest.mark.parametrize(("text", "expected"), WHEN_CASES, ids=[c[0] for c in WHEN_CASES])
def test_parse_when(text: str, expected: When) -> None:
    assert parse_when(text) == expected


def test_moment_is_utc_and_has_time_is_exact() -> None:
    when = parse_when("fri 3pm")
    assert when.moment == utc(2026, 12, 4, 14, 0)
    assert when.moment.tzinfo is UTC
    assert when.has_time is True
    assert parse_when("tomorrow").moment == utc(2026, 12, 1, 23, 0)
    assert parse_when("tomorrow").has_time is False


def test_clock_steps_keep_seconds_of_now() -> None:
    at_now(utc(2026, 12, 1, 9, 0, 30))
    assert parse_when("now").moment == utc(2026, 12, 1, 9, 0, 30)
    assert parse_when("in 2 hours").moment == utc(2026, 12, 1, 11, 0, 30)


def test_explicit_now_overrides_the_clock() -> None:
    other = utc(2027, 3, 10, 12, 0)  # a Wednesday
    assert parse_when("tomorrow", now=other) == day(2027, 3, 11)
    assert parse_when("fri", now=other) == day(2027, 3, 12)
    # a naive now is local wall-clock time
    assert parse_when("now", now=datetime(2027, 3, 10, 13, 0)) == timed(2027, 3, 10, 13, 0)


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        (date(2027, 1, 31), "in 1 month", date(2027, 2, 28)),
        (date(2028, 1, 31), "+1m", date(2028, 2, 29)),
        (date(2026, 8, 31), "+1m", date(2026, 9, 30)),
        (date(2026, 3, 31), "in 2 months", date(2026, 5, 31)),
        (date(2028, 2, 29), "+1y", date(2029, 2, 28)),
        (date(2026, 12, 31), "next month", date(2027, 1, 1)),
        (date(2026, 12, 31), "+2m", date(2027, 2, 28)),
    ],
)
def test_months_clamp_to_month_end(start: date, text: str, expected: date) -> None:
    at_now(datetime(start.year, start.month, start.day, 12, tzinfo=BERLIN))
    when = parse_when(text)
    assert when.day() == expected
    assert when.has_time is False


def test_next_week_from_a_sunday_is_the_next_day() -> None:
    at_now(datetime(2026, 12, 6, 20, 0, tzinfo=BERLIN))  # Sunday evening
    assert parse_when("next week") == day(2026, 12, 7)
    assert parse_when("mon") == day(2026, 12, 7)
    assert parse_when("sun") == day(2026, 12, 13)


def test_today_follows_the_local_zone_not_utc() -> None:
    # 23:30 UTC on 1 Dec is already 2 Dec in Berlin, but still 1 Dec in New York
    at_now(utc(2026, 12, 1, 23, 30), BERLIN)
    assert parse_when("today").day() == date(2026, 12, 2)
    at_now(utc(2026, 12, 1, 23, 30), NEW_YORK)
    today = parse_when("today")
    assert today.day() == date(2026, 12, 1)
    assert today.moment == utc(2026, 12, 1, 5, 0)


# --- describe, local, day ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "echo"),
    [
        ("today", "Tue 1 Dec 2026"),
        ("fri 3pm", "Fri 4 Dec 2026 15:00"),
        ("tomorrow 9am", "Wed 2 Dec 2026 09:00"),
        ("now", "Tue 1 Dec 2026 10:00"),
        ("in 1 month", "Fri 1 Jan 2027"),
        ("dec 3 2027", "Fri 3 Dec 2027"),
        ("12am", "Wed 2 Dec 2026 00:00"),
        ("feb 29", "Tue 29 Feb 2028"),
        ("2026-12-01T14:30Z", "Tue 1 Dec 2026 15:30"),
    ],
)
def test_describe(text: str, echo: str) -> None:
    assert parse_when(text).describe() == echo


def test_local_and_day_use_the_local_zone() -> None:
    when = parse_when("fri 3pm")
    assert when.local() == datetime(2026, 12, 4, 15, 0, tzinfo=BERLIN)
    assert when.local().utcoffset() == timedelta(hours=1)
    assert when.day() == date(2026, 12, 4)
    assert parse_when("tomorrow").day() == date(2026, 12, 2)


def test_describe_in_new_york() -> None:
    at_now(utc(2026, 12, 1, 15, 0), NEW_YORK)  # Tue 10:00 EST
    when = parse_when("fri 3pm")
    assert when.moment == utc(2026, 12, 4, 20, 0)
    assert when.describe() == "Fri 4 Dec 2026 15:00"
    assert parse_when("today").describe() == "Tue 1 Dec 2026"


def test_when_normalizes_to_utc_and_rejects_naive() -> None:
    when = When(datetime(2026, 12, 4, 15, 0, tzinfo=BERLIN), has_time=True)
    assert when.moment == utc(2026, 12, 4, 14, 0)
    assert when.moment.tzinfo is UTC
    with pytest.raises(ValueError):
        When(datetime(2026, 12, 4, 15, 0), has_time=True)


# --- DST --------------------------------------------------------------------------------


def test_berlin_spring_forward() -> None:
    # Sun 29 Mar 2026: 02:00 CET jumps to 03:00 CEST
    at_now(datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN))  # Saturday noon, CET
    assert parse_when("tomorrow") == When(utc(2026, 3, 28, 23, 0), has_time=False)
    assert parse_when("tomorrow 9am") == When(utc(2026, 3, 29, 7, 0), has_time=True)
    assert parse_when("+2d") == When(utc(2026, 3, 29, 22, 0), has_time=False)
    # clock steps are exact: 24 hours later the wall clock says 13:00
    in_a_day = parse_when("in 24 hours")
    assert in_a_day.moment == utc(2026, 3, 29, 11, 0)
    assert in_a_day.describe() == "Sun 29 Mar 2026 13:00"
    # 02:30 does not exist that night; it lands after the gap
    skipped = parse_when("tomorrow 2:30am")
    assert skipped.moment == utc(2026, 3, 29, 1, 30)
    assert skipped.describe() == "Sun 29 Mar 2026 03:30"


def test_berlin_fall_back() -> None:
    # Sun 25 Oct 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice
    at_now(datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN))
    assert parse_when("tomorrow 2:30am") == When(utc(2026, 10, 25, 0, 30), has_time=True)
    assert parse_when("tomorrow 9am") == When(utc(2026, 10, 25, 8, 0), has_time=True)
    assert parse_when("+1w") == When(utc(2026, 10, 30, 23, 0), has_time=False)
    # a week ahead is in winter time (midnight CET is 23:00 UTC), now is still summer time
    assert parse_past("3m") == When(utc(2026, 7, 23, 22, 0), has_time=False)
    assert parse_past("3m").describe() == "Fri 24 Jul 2026"


def test_new_york_fall_back() -> None:
    # Sun 1 Nov 2026: 02:00 EDT falls back to 01:00 EST
    at_now(datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK))  # Saturday noon, EDT
    assert parse_when("tomorrow") == When(utc(2026, 11, 1, 4, 0), has_time=False)
    assert parse_when("tomorrow 9am") == When(utc(2026, 11, 1, 14, 0), has_time=True)
    assert parse_when("tomorrow 9am").describe() == "Sun 1 Nov 2026 09:00"
    # 01:30 happens twice; the first (EDT) is meant
    assert parse_when("tomorrow 1:30am") == When(utc(2026, 11, 1, 5, 30), has_time=True)
    assert parse_when("mon") == When(utc(2026, 11, 2, 5, 0), has_time=False)
    assert parse_when("in 24 hours").describe() == "Sun 1 Nov 2026 11:00"


def test_new_york_spring_forward() -> None:
    # Sun 8 Mar 2026: 02:00 EST jumps to 03:00 EDT
    at_now(datetime(2026, 3, 7, 20, 0, tzinfo=NEW_YORK))  # Saturday evening, EST
    assert parse_when("3pm") == When(utc(2026, 3, 8, 19, 0), has_time=True)  # tomorrow, EDT
    assert parse_when("sun 2:15am").describe() == "Sun 8 Mar 2026 03:15"
    assert parse_when("next week") == When(utc(2026, 3, 9, 4, 0), has_time=False)


# --- parse_past -------------------------------------------------------------------------

PAST_CASES = [
    ("30d", day(2026, 11, 1)),
    ("2w", day(2026, 11, 17)),
    ("3m", When(utc(2026, 8, 31, 22, 0), has_time=False)),  # 1 Sep, summer time
    ("1y", day(2025, 12, 1)),
    ("2h", timed(2026, 12, 1, 8, 0)),
    ("90 min", timed(2026, 12, 1, 8, 30)),
    ("3 days ago", day(2026, 11, 28)),
    ("an hour ago", timed(2026, 12, 1, 9, 0)),
    ("-1w", day(2026, 11, 24)),
    ("yesterday", day(2026, 11, 30)),
    ("today", day(2026, 12, 1)),
    ("last week", day(2026, 11, 23)),
    ("last month", day(2026, 11, 1)),
    ("this week", day(2026, 11, 30)),
    ("this month", day(2026, 12, 1)),
    ("last year", day(2025, 1, 1)),
    # weekdays: the most recent, today included (today is Tuesday)
    ("mon", day(2026, 11, 30)),
    ("tue", day(2026, 12, 1)),
    ("tuesday", day(2026, 12, 1)),
    ("wed", day(2026, 11, 25)),
    ("last tue", day(2026, 11, 24)),
    ("last mon", day(2026, 11, 30)),
    ("tue 9am", timed(2026, 12, 1, 9, 0)),
    ("tue 11am", timed(2026, 11, 24, 11, 0)),
    ("fri 3pm", timed(2026, 11, 27, 15, 0)),
    # bare times: today, or yesterday if still ahead (now is 10:00)
    ("9am", timed(2026, 12, 1, 9, 0)),
    ("3pm", timed(2026, 11, 30, 15, 0)),
    # month and day: the most recent on or before today
    ("dec 3", day(2025, 12, 3)),
    ("nov 30", day(2026, 11, 30)),
    ("dec 1", day(2026, 12, 1)),
    ("dec 1 11am", timed(2025, 12, 1, 11, 0)),
    ("feb 29", day(2024, 2, 29)),
    # everything parse_when reads
    ("tomorrow", day(2026, 12, 2)),
    ("next tue", day(2026, 12, 8)),
    ("in 3 days", day(2026, 12, 4)),
    ("now", timed(2026, 12, 1, 10, 0)),
    ("2026-11-15", day(2026, 11, 15)),
    ("2026-11-15 08:05", timed(2026, 11, 15, 8, 5)),
    ("eod", timed(2026, 12, 1, 17, 0)),
]


@pytest.mark.parametrize(("text", "expected"), PAST_CASES, ids=[c[0] for c in PAST_CASES])
def test_parse_past(text: str, expected: When) -> None:
    assert parse_past(text) == expected


def test_parse_past_mon_on_a_monday_is_today() -> None:
    at_now(datetime(2026, 11, 30, 18, 0, tzinfo=BERLIN))  # Monday
    assert parse_past("mon") == day(2026, 11, 30)
    assert parse_past("monday 8am") == timed(2026, 11, 30, 8, 0)
    assert parse_past("mon 8pm") == timed(2026, 11, 23, 20, 0)
    assert parse_past("last mon") == day(2026, 11, 23)


def test_parse_past_across_dst_in_new_york() -> None:
    at_now(datetime(2026, 11, 2, 9, 0, tzinfo=NEW_YORK))  # Monday after the change, EST
    assert parse_past("yesterday") == When(utc(2026, 11, 1, 4, 0), has_time=False)
    assert parse_past("sat") == When(utc(2026, 10, 31, 4, 0), has_time=False)
    assert parse_past("2d") == When(utc(2026, 10, 31, 4, 0), has_time=False)
    assert parse_past("48h") == When(utc(2026, 10, 31, 14, 0), has_time=True)
    assert parse_past("48h").describe() == "Sat 31 Oct 2026 10:00"


# --- errors -----------------------------------------------------------------------------


def invalid(parse: Callable[..., object], text: str, **kwargs: str) -> Invalid:
    """The Invalid a parser raises for `text` (failing the test if it raises none)."""
    with pytest.raises(Invalid) as caught:
        parse(text, **kwargs)
    return caught.value


def test_unreadable_text_names_field_and_suggests() -> None:
    err = invalid(parse_when, "tomorow")
    assert err.field == "when"
    assert err.message == (
        "cannot read 'tomorow' (did you mean 'tomorrow'?); "
        "try 'tomorrow', 'in 3 days', '+2w', 'fri 3pm', 'end of month' or '2026-12-01'"
    )
    assert str(err).startswith("when: cannot read 'tomorow'")


def test_typo_suggestion_keeps_the_rest_of_the_phrase() -> None:
    assert "did you mean 'tomorrow 9am'?" in invalid(parse_when, "tomorow 9am").message
    assert "did you mean 'next wednesday'?" in invalid(parse_when, "next wendesday").message


def test_nonsense_has_no_suggestion() -> None:
    err = invalid(parse_when, "banana split", field="due")
    assert err.field == "due"
    assert err.message == (
        "cannot read 'banana split'; try 'tomorrow', 'in 3 days', '+2w', 'fri 3pm', 'end of month' or '2026-12-01'"
    )


def test_past_errors_use_past_examples() -> None:
    err = invalid(parse_past, "whenever")
    assert err.field == "since"
    assert err.message == (
        "cannot read 'whenever'; "
        "try 'yesterday', '3 days ago', '30d', 'last week', 'mon' or '2026-12-01'"
    )
    assert invalid(parse_past, "xyz", field="not-contacted-since").field == "not-contacted-since"


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty(text: str) -> None:
    err = invalid(parse_when, text)
    assert err.field == "when"
    assert err.message.startswith("is empty; try 'tomorrow'")
    assert invalid(parse_past, text).message.startswith("is empty; try 'yesterday'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31 feb", "'31 feb' is not a date; February has 29 days at most"),
        ("feb 31", "'feb 31' is not a date; February has 29 days at most"),
        ("feb 30 2028", "'feb 30 2028' is not a date; February 2028 has 29 days"),
        ("2026-02-31", "'2026-02-31' is not a date; February 2026 has 28 days"),
        ("2026-02-29", "'2026-02-29' is not a date; February 2026 has 28 days"),
        ("apr 31", "'apr 31' is not a date; April has 30 days at most"),
        ("2026-13-01", "'2026-13-01' is not a date; months go 1-12 (year-month-day)"),
        ("25:00", "'25:00' is not a time; hours go 0-23 (or 1-12 with am/pm)"),
        ("tomorrow 25:00", "'25:00' is not a time; hours go 0-23 (or 1-12 with am/pm)"),
        ("13pm", "'13pm' is not a time; with am/pm the hour goes 1-12"),
        ("0am", "'0am' is not a time; with am/pm the hour goes 1-12"),
        ("14:75", "'14:75' is not a time; minutes and seconds go 00-59"),
        (
            "in 2 hours 3pm",
            "'in 2 hours' already sets the time; drop the time of day or say 'tomorrow 3pm'",
        ),
        (
            "3d",
            "'3d' could mean ahead or ago; write '+3d' or 'in 3 days' for a due date, "
            "or '3 days ago'",
        ),
        (
            "2w",
            "'2w' could mean ahead or ago; write '+2w' or 'in 2 weeks' for a due date, "
            "or '2 weeks ago'",
        ),
    ],
)
def test_invalid_dates_and_times(text: str, message: str) -> None:
    err = invalid(parse_when, text, field="due")
    assert err.field == "due"
    assert err.message == message


@pytest.mark.parametrize("text", ["+999999y", "in 999999 months", "-999999y"])
def test_too_far_away(text: str) -> None:
    assert "is too far away" in invalid(parse_when, text).message


@pytest.mark.parametrize(
    "text",
    ["in 3 days ago", "+3", "next", "dec", "2026", "3 o'clock", "32", "in days", "2026-12-01t"],
)
def test_unreadable(text: str) -> None:
    assert invalid(parse_when, text).message.startswith(f"cannot read {text!r}")


@given(st.text(max_size=30))
def test_when_and_past_only_ever_raise_invalid(text: str) -> None:
    for parse in (parse_when, parse_past):
        try:
            when = parse(text)
        except Invalid as err:
            assert err.field in ("when", "since")
        else:
            assert when.moment.tzinfo is UTC


@given(
    st.sampled_from(["tomorrow", "fri", "dec 3", "+1m", "next week", "3 days ago", "mon"]),
    st.sampled_from(["", " 9am", " 14:30", " noon", " 12am"]),
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2090, 12, 31),
        timezones=st.sampled_from([BERLIN, NEW_YORK]),
    ),
)
def test_results_agree_with_their_echo(phrase: str, time_text: str, moment: datetime) -> None:
    """Whatever the day and zone, a When's local wall clock shows the time that was typed."""
    at_now(moment.astimezone(UTC), moment.tzinfo)  # type: ignore[arg-type]
    for parse in (parse_when, parse_past):
        when = parse(phrase + time_text)
        assert when.has_time is bool(time_text)
        if not time_text:
            assert when.local().time().hour in (0, 1)  # midnight, or after a midnight gap
        elif "14:30" in time_text:
            assert when.describe().endswith(" 14:30")


# --- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),
        ("15 min", 900),
        ("15 minutes", 900),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1 hour and 30 minutes", 5400),
        ("1 hr, 5 mins", 3900),
        ("1:30", 5400),
        ("0:45", 2700),
        ("1:30:15", 5415),
        ("90", 5400),
        ("45s", 45),
        ("2m 30s", 150),
        ("2 hours", 7200),
        ("1.5h", 5400),
        ("an hour", 3600),
        ("1d", 86400),
        ("  20 MIN ", 1200),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


_DURATION_HINT = "try '15m', '1h30m', '1:30' (h:mm), '90' (minutes) or '45s'"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"is empty; {_DURATION_HINT}"),
        ("0", f"'0' is not more than zero; {_DURATION_HINT}"),
        ("0m", f"'0m' is not more than zero; {_DURATION_HINT}"),
        ("-5m", f"'-5m' is not more than zero; {_DURATION_HINT}"),
        ("soon", f"cannot read 'soon'; {_DURATION_HINT}"),
        ("1h 2h", f"'1h 2h' names a unit twice; {_DURATION_HINT}"),
        ("1:75", "'1:75': minutes and seconds go 00-59 in h:mm[:ss]"),
        ("400d", "'400d' is too long; the most is 366 days"),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    err = invalid(parse_duration, text)
    assert err.field == "duration"
    assert err.message == message
    assert invalid(parse_duration, text, field="length").field == "length"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (900, "15m"),
        (5400, "1h 30m"),
        (3600, "1h"),
        (45, "45s"),
        (150, "2m 30s"),
        (3605, "1h 5s"),
        (93784, "26h 3m 4s"),
        (0, "0m"),
        (-900, "-15m"),
    ],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=1, max_value=366 * 86400))
def test_format_duration_reads_back(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.text(max_size=20))
def test_parse_duration_only_ever_raises_invalid(text: str) -> None:
    try:
        assert parse_duration(text) > 0
    except Invalid as err:
        assert err.field == "duration"


# --- birthdays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1980-05-17", (1980, 5, 17)),
        ("1980-5-7", (1980, 5, 7)),
        ("19800517", (1980, 5, 17)),
        ("--05-17", (None, 5, 17)),
        ("--0517", (None, 5, 17)),
        ("05-17", (None, 5, 17)),
        ("5-17", (None, 5, 17)),
        ("17 may", (None, 5, 17)),
        ("may 17", (None, 5, 17)),
        ("May 17th", (None, 5, 17)),
        ("17th of May", (None, 5, 17)),
        ("may 17 1980", (1980, 5, 17)),
        ("May 17, 1980", (1980, 5, 17)),
        ("17 may 1980", (1980, 5, 17)),
        ("feb 29", (None, 2, 29)),
        ("--02-29", (None, 2, 29)),
        ("2000-02-29", (2000, 2, 29)),
        ("2026-12-01", (2026, 12, 1)),
    ],
)
def test_parse_birthday(text: str, expected: tuple[int | None, int, int]) -> None:
    assert parse_birthday(text) == expected


_BIRTHDAY_HINT = "try '1980-05-17', 'may 17', '17 may 1980' or '--05-17' (no year)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"is empty; {_BIRTHDAY_HINT}"),
        ("someday", f"cannot read 'someday'; {_BIRTHDAY_HINT}"),
        ("17/05/1980", f"cannot read '17/05/1980'; {_BIRTHDAY_HINT}"),
        ("1981-02-29", "'1981-02-29' is not a date; February 1981 has 28 days"),
        ("feb 30", "'feb 30' is not a date; February has 29 days at most"),
        ("31 apr", "'31 apr' is not a date; April has 30 days at most"),
        ("13-01", "'13-01' is not a date; months go 1-12 (month-day)"),
        ("1980-13-01", "'1980-13-01' is not a date; months go 1-12 (year-month-day)"),
        ("2026-12-02", "'2026-12-02' is in the future; check the year"),
        ("1700-01-01", "'1700-01-01' is too long ago; check the year"),
    ],
)
def test_parse_birthday_errors(text: str, message: str) -> None:
    err = invalid(parse_birthday, text)
    assert err.field == "birthday"
    assert err.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of month", date(2026, 12, 31)),
        ("eom", date(2026, 12, 31)),
        ("end of the month", date(2026, 12, 31)),
        ("end of next month", date(2027, 1, 31)),
        ("end of last month", date(2026, 11, 30)),
        ("end of week", date(2026, 12, 4)),
        ("end of next week", date(2026, 12, 11)),
        ("end of year", date(2026, 12, 31)),
    ],
)
def test_end_of_a_period(text: str, expected: date) -> None:
    """The deal form's own hint says 'end of month': the core reads it (a date, no time)."""
    parsed = parse_when(text)
    assert parsed.local().date() == expected
    assert not parsed.has_time


def test_end_of_week_on_a_weekend_is_the_coming_friday() -> None:
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    assert parse_when("end of week", now=saturday).local().date() == date(2026, 12, 11)
    assert parse_past("end of week", now=saturday).local().date() == date(2026, 12, 4)
