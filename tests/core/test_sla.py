"""Business hours and service levels: across evenings, weekends, holidays and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import ServiceConfig
from pocketcrm.core.sla import ServiceLevels, business_hours, check_setting, targets

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def hours(**changes: object) -> ServiceLevels:
    return ServiceLevels(ServiceConfig(**changes), BERLIN)  # type: ignore[arg-type]


def test_within_a_day() -> None:
    bh = business_hours(ServiceConfig(), BERLIN)
    assert bh.add(at("2026-12-01 10:00"), 2) == at("2026-12-01 12:00")


def test_after_hours_starts_next_morning() -> None:
    bh = business_hours(ServiceConfig(), BERLIN)
    assert bh.add(at("2026-12-01 18:30"), 1) == at("2026-12-02 10:00")
    assert bh.add(at("2026-12-01 07:00"), 1) == at("2026-12-01 10:00")


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    bh = business_hours(ServiceConfig(), BERLIN)
    # Fri 4 Dec 2026 16:00 + 4 h: 1 h on Friday, 3 h on Monday.
    assert bh.add(at("2026-12-04 16:00"), 4) == at("2026-12-07 12:00")
    # Saturday counts nothing.
    assert bh.add(at("2026-12-05 11:00"), 8) == at("2026-12-07 17:00")


def test_holidays_are_skipped() -> None:
    bh = business_hours(ServiceConfig(holidays=["2026-12-24", "2026-12-25"]), BERLIN)
    assert bh.add(at("2026-12-23 16:00"), 2) == at("2026-12-28 10:00")


def test_dst_spring_forward_keeps_wall_clock_hours() -> None:
    """Sun 29 Mar 2026 clocks jump; Friday 16:00 + 2 h ends Monday 10:00 local (CEST)."""
    bh = business_hours(ServiceConfig(), BERLIN)
    end = bh.add(at("2026-03-27 16:00"), 2)
    assert end == at("2026-03-30 10:00")
    assert end.astimezone(BERLIN).utcoffset() == timedelta(hours=2)
    assert end.astimezone(UTC).hour == 8


def test_dst_on_a_business_day_opening_in_the_gap() -> None:
    """New York changes clocks on Sunday; with Sunday a business day, 09:00-17:00 is 8 h."""
    ny = ZoneInfo("America/New_York")
    bh = business_hours(ServiceConfig(days=["sun"], hours="01:00-05:00"), ny)
    start = datetime(2026, 3, 8, 0, 0, tzinfo=ny)  # 02:00-03:00 does not exist that day
    assert bh.between(start, datetime(2026, 3, 9, tzinfo=ny)) == timedelta(hours=3)


def test_dst_autumn_day_is_an_hour_longer_only_if_the_change_is_inside_hours() -> None:
    bh = business_hours(ServiceConfig(), BERLIN)
    # Sun 25 Oct 2026 clocks go back; the weekend is closed, so Friday + Monday = 16 h.
    assert bh.between(at("2026-10-23 09:00"), at("2026-10-26 17:00")) == timedelta(hours=16)


def test_between_counts_only_open_time() -> None:
    bh = business_hours(ServiceConfig(), BERLIN)
    assert bh.between(at("2026-12-04 16:00"), at("2026-12-07 12:00")) == timedelta(hours=4)
    assert bh.between(at("2026-12-07 12:00"), at("2026-12-04 16:00")) == timedelta()


def test_levels_per_priority() -> None:
    level = hours().level("urgent", at("2026-12-01 16:30"))
    assert level.first_response_due == at("2026-12-02 09:30")
    assert level.resolution_due == at("2026-12-02 16:30")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("service.hours", "17:00-09:00"),
        ("service.hours", "nine to five"),
        ("service.days", ["funday"]),
        ("service.holidays", ["24.12.2026"]),
        ("service.first_response", ["urgent:1"]),
        ("service.resolution", ["urgent:x", "high:1", "normal:1", "low:1"]),
        ("mail.unknown_sender", "delete"),
    ],
)
def test_bad_settings_name_the_key(key: str, value: object) -> None:
    with pytest.raises(Invalid) as caught:
        check_setting(key, value)
    assert caught.value.field == key


def test_targets_need_every_priority() -> None:
    assert targets(["low:2", "normal:1", "high:0.5", "urgent:0.25"], "k")["urgent"] == 0.25
    with pytest.raises(Invalid, match="more than 0"):
        targets(["low:0", "normal:1", "high:1", "urgent:1"], "k")
