"""The one plural rule and the one relative-time arithmetic both faces use (issue 17: "1 deals",
"1 contacts now"; issue 10: "3d ago" computed twice, differently)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pocketcrm.humanize import ago, count, plural, span


def test_count_says_one_thing_and_many_things() -> None:
    assert count(1, "deal") == "1 deal"
    assert count(0, "deal") == "0 deals"
    assert count(2, "contact") == "2 contacts"
    assert count(1, "interaction") == "1 interaction"
    assert count(3, "company") == "3 companies"
    assert count(2, "person") == "2 people"
    assert count(2, "follow-up") == "2 follow-ups"
    assert count(2, "open deal") == "2 open deals"
    assert count(2, "day") == "2 days" and count(2, "entry") == "2 entries"
    assert count(2, "match") == "2 matches" and count(2, "box") == "2 boxes"
    assert count(1204, "contact", number="1,204") == "1,204 contacts"
    assert count(1, "invoice or order", many="invoices and orders") == "1 invoice or order"
    assert count(2, "invoice or order", many="invoices and orders") == "2 invoices and orders"
    assert plural("refund", -1) == "refund"


def test_the_core_messages_use_the_rule() -> None:
    from pocketcrm.core import scheduling

    timer = scheduling.systemd_units("pocketcrm remind", 1)[scheduling.TIMER_NAME]
    assert "every 1 minute\n" in timer


# -- relative times: one arithmetic, both faces -----------------------------------------------

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (timedelta(seconds=59), "today"),
        (timedelta(hours=1), "today"),
        (timedelta(hours=10), "today"),  # midnight, the same calendar day
        (timedelta(hours=10, seconds=1), "1d ago"),  # a second before midnight: yesterday
        (timedelta(hours=23), "1d ago"),
        (timedelta(days=1), "1d ago"),
        (timedelta(days=30), "30d ago"),
        (timedelta(days=59), "59d ago"),
        (timedelta(days=60), "2mo ago"),
        (timedelta(days=729), "24mo ago"),
        (timedelta(days=730), "2y ago"),
        (-timedelta(days=2), "in 2d"),
    ],
)
def test_ago_counts_calendar_days_at_its_boundaries(before: timedelta, words: str) -> None:
    assert ago(NOW - before, NOW) == words


def test_ago_counts_days_on_the_users_wall_clock() -> None:
    """At 23:30 UTC it is already tomorrow in Berlin: a call at 22:00 UTC (23:00 there) is
    'today' on a UTC clock and '1d ago' on a Berlin one."""
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    call = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    assert ago(call, now) == "today"
    assert ago(call, now.astimezone(berlin)) == "1d ago"
    assert ago(datetime(2026, 11, 20, 23, 15, tzinfo=UTC), now.astimezone(berlin)) == "today"
    assert ago(None, now) == "never"


@pytest.mark.parametrize(
    ("length", "short", "words"),
    [
        (timedelta(seconds=59), "0m", "less than a minute"),
        (timedelta(minutes=1), "1m", "1 minute"),
        (timedelta(minutes=119), "119m", "119 minutes"),
        (timedelta(hours=2), "2h", "2 hours"),
        (timedelta(hours=47, minutes=59), "47h", "47 hours"),
        (timedelta(hours=48), "2d", "2 days"),
        (timedelta(days=30), "30d", "30 days"),
        (-timedelta(hours=1), "0m", "less than a minute"),
    ],
)
def test_span_is_one_arithmetic_in_two_lengths(length: timedelta, short: str, words: str) -> None:
    assert span(length) == short
    assert span(length, words=True) == words


def test_both_faces_say_the_same_ago() -> None:
    """The interface's list and card and the commands' `show` print the same words."""
    from pocketcrm.commands.common import ago as command_ago
    from pocketcrm.core import clock
    from pocketcrm.tui import format as fmt

    clock.set_clock(lambda: NOW)
    clock.set_local_zone(ZoneInfo("America/New_York"))
    try:
        for days in (0, 1, 2, 30, 59, 60, 400, 800):
            for hours in (0, 3, 9, 14):
                moment = NOW - timedelta(days=days, hours=hours)
                assert command_ago(moment) == fmt.ago(moment) == ago(moment, clock.local_now())
        assert command_ago(None) == fmt.ago(None) == "never"
    finally:
        clock.set_clock(None)
        clock.set_local_zone(None)


def test_the_reminder_health_sentence_uses_the_span_words() -> None:
    from pocketcrm.core.reminders.health import ReminderHealth

    health = ReminderHealth(NOW, NOW - timedelta(hours=5), 15, 0, 0, 0, "")
    assert health.message.startswith("reminders have not run for 5 hours (expected every 15")
    recent = ReminderHealth(NOW, NOW - timedelta(seconds=30), 15, 0, 0, 0, "")
    assert recent.message == "reminders last ran less than a minute ago"
