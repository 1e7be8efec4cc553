"""Service levels: business hours and the due times of a case, written once.

A case's first reply and its resolution are due a number of *business* hours after it was
opened (per priority, from [service] in the config). Business hours are wall-clock times in
the configured zone on the configured days, minus holidays; the arithmetic walks local days
and builds each day's opening and closing moments from the wall clock, so a day on which the
clocks change is simply an hour shorter or longer (09:00-17:00 stays 09:00-17:00), and a
weekend or holiday is skipped whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import ServiceConfig

PRIORITIES = ("low", "normal", "high", "urgent")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 3660  # ten years of calendar: a target no configuration reaches


@dataclass(frozen=True)
class BusinessHours:
    """When the business answers: [opens, closes) on `days` (0 = Monday), not on holidays."""

    opens: time
    closes: time
    days: frozenset[int]
    holidays: frozenset[date]
    zone: tzinfo

    def _open_on(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open span as aware UTC moments, or None when closed all day."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return (start, end) if end > start else None

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` business hours after `start` (an aware datetime)."""
        left = timedelta(hours=hours)
        day = start.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS):
            span = self._open_on(day)
            day += timedelta(days=1)
            if span is None:
                continue
            begin = max(span[0], start)
            if begin >= span[1]:
                continue
            if begin + left <= span[1]:
                return begin + left
            left -= span[1] - begin
        raise Invalid("service.days", "no business hours in ten years; check days and hours")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end` (zero when end is not after start)."""
        total = timedelta()
        if end <= start:
            return total
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            span = self._open_on(day)
            day += timedelta(days=1)
            if span is None:
                continue
            lo, hi = max(span[0], start), min(span[1], end)
            if hi > lo:
                total += hi - lo
        return total


def _clock_time(text: str, key: str) -> time:
    try:
        hour, minute = text.strip().split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise Invalid(key, f"{text!r} is not a time; use HH:MM-HH:MM, e.g. 09:00-17:00") from None


def parse_hours(text: str) -> tuple[time, time]:
    """'09:00-17:00' -> (09:00, 17:00); the close must come after the opening."""
    opens, sep, closes = text.partition("-")
    if not sep:
        raise Invalid("service.hours", f"{text!r}: use HH:MM-HH:MM, e.g. 09:00-17:00")
    begin, end = _clock_time(opens, "service.hours"), _clock_time(closes, "service.hours")
    if end <= begin:
        raise Invalid("service.hours", "the closing time must come after the opening time")
    return begin, end


def _days(names: list[str]) -> frozenset[int]:
    days = set()
    for name in names:
        short = name.strip().lower()[:3]
        if short not in DAY_NAMES:
            raise Invalid("service.days", f"{name!r} is not a weekday; use mon,tue,wed,...")
        days.add(DAY_NAMES.index(short))
    if not days:
        raise Invalid("service.days", "give at least one business day, e.g. mon,tue,wed,thu,fri")
    return frozenset(days)


def _holidays(values: list[str]) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(v.strip()) for v in values)
    except ValueError:
        raise Invalid("service.holidays", "give days as YYYY-MM-DD, comma-separated") from None


def targets(values: list[str], key: str) -> dict[str, float]:
    """'urgent:1' ... -> {priority: hours}; every priority needs a positive target."""
    found: dict[str, float] = {}
    for value in values:
        name, sep, hours = value.partition(":")
        name = name.strip().lower()
        if not sep or name not in PRIORITIES:
            raise Invalid(key, f"{value!r}: use priority:hours, e.g. urgent:1,high:4,normal:8")
        try:
            found[name] = float(hours)
        except ValueError:
            raise Invalid(key, f"{hours!r} is not a number of hours") from None
        if found[name] <= 0:
            raise Invalid(key, f"the target for {name} must be more than 0 hours")
    missing = [p for p in PRIORITIES if p not in found]
    if missing:
        raise Invalid(key, f"no target for {', '.join(missing)}; give one per priority")
    return found


def business_hours(config: ServiceConfig, zone: tzinfo) -> BusinessHours:
    opens, closes = parse_hours(config.hours)
    return BusinessHours(opens, closes, _days(config.days), _holidays(config.holidays), zone)


@dataclass(frozen=True)
class Level:
    """One case's service level: when the first reply and the resolution are due."""

    first_response_due: datetime
    resolution_due: datetime


class ServiceLevels:
    """The configured rules, parsed once: due times per priority, breach and warning."""

    def __init__(self, config: ServiceConfig, zone: tzinfo) -> None:
        self.hours = business_hours(config, zone)
        self.first = targets(config.first_response, "service.first_response")
        self.resolve = targets(config.resolution, "service.resolution")
        self.warn = timedelta(hours=max(config.warn_hours, 0))

    def level(self, priority: str, opened: datetime) -> Level:
        return Level(
            self.hours.add(opened, self.first[priority]),
            self.hours.add(opened, self.resolve[priority]),
        )


def check_setting(key: str, value: object) -> None:
    """Refuse a bad [service] or [mail] value when it is set (config set)."""
    items = [str(v) for v in value] if isinstance(value, list) else []
    if key == "service.hours":
        parse_hours(str(value))
    elif key == "service.days":
        _days(items)
    elif key == "service.holidays":
        _holidays(items)
    elif key in ("service.first_response", "service.resolution"):
        targets(items, key)
    elif key == "mail.unknown_sender" and value not in ("review", "lead"):
        raise Invalid(key, "use review (kept for you to look at) or lead (a new contact)")
    elif key == "mail.imap_security" and value not in ("ssl", "starttls", "none"):
        raise Invalid(key, "use ssl, starttls or none")
