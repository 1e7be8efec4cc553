"""What is due: the occurrences that should have reminded by now, each with a stable key.

Open follow-ups whose moment has passed (a date-only follow-up at `reminders.all_day_hour`
local time), again every `overdue_every_days` while overdue (only the latest repeat, so a
week away is one reminder, not seven), contacts drifting past their stay-in-touch cadence
(once per drift: the key holds the last contact), and birthdays and anniversaries (29
February on 28 February in other years) since the last run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as time_of_day
from typing import NamedTuple

from sqlalchemy import text

from pocketcrm.core import clock
from pocketcrm.core.reminders.rows import get_state, set_state, stamp, stored_moment
from pocketcrm.core.sessions import CrmSession as Session  # a Db too (core/db.py)
from pocketcrm.core.settings import ReminderConfig
from pocketcrm.core.times import db_time

BIRTHDAY_CATCH_UP_DAYS = 7  # after a longer time off, older birthdays are not news any more
CELEBRATIONS_KEY = "remind.celebrations"  # "YYYY-MM-DD max-contact-id": birthdays looked at
_DAY = timedelta(days=1)

# How far a stored all-day order key (a day's start where it was written) can lie after
# the same day's start here: from UTC+14 to UTC-12.
_ZONE_SPREAD = timedelta(hours=26)


def day_moment(day: date, hour: int, zone: tzinfo | None = None) -> datetime:
    """HOUR o'clock local time on DAY, in UTC: when date-only things remind."""
    local = datetime.combine(day, time_of_day(hour), tzinfo=zone or clock.local_zone())
    return local.astimezone(UTC)


def due_moment(due_at: datetime, due_date: object, all_day_hour: int) -> datetime:
    """When a follow-up reminds: its time, or the configured hour of its day (DUE_DATE, the
    stored day of an all-day follow-up; None for a timed one) in the user's zone."""
    if due_date is None or due_date == "":
        return due_at
    day = due_date if isinstance(due_date, date) else date.fromisoformat(str(due_date))
    return day_moment(day, all_day_hour)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_days_on(day: date) -> list[tuple[int, int]]:
    """(month, day) pairs celebrated on DAY: 29 February moves to the 28th in other years."""
    pairs = [(day.month, day.day)]
    if day.month == 2 and day.day == 28 and not _is_leap(day.year):
        pairs.append((2, 29))
    return pairs


class Occurrence(NamedTuple):
    """One thing to remind of; `key` is the same in every run that finds it.

    `due_at` is a follow-up's own due_at (so a moved follow-up is recognised), and for
    everything else the moment it reminds.
    """

    key: str
    kind: str
    contact_id: int
    due_at: datetime
    follow_up_id: int | None = None


def _follow_up_occurrences(
    session: Session, now: datetime, config: ReminderConfig
) -> list[Occurrence]:
    """Open follow-ups whose moment has passed and whose current occurrence is not recorded.

    A follow-up's reminder row keeps the follow-up's own due_at, so without overdue repeats
    one anti-join skips everything already recorded: a run every 15 minutes stays cheap
    however many old follow-ups are still open. All-day follow-ups are stored at local
    midnight, never after their reminding hour; that midnight is where they were written, up
    to 26 hours from here (UTC+14 to UTC-12), so `due_at <= now + 26h` finds every candidate
    (through the partial open-due index) and the moment check below drops the early ones.
    """
    every = timedelta(days=config.overdue_every_days) if config.overdue_every_days > 0 else None
    unrecorded = (
        ""
        if every is not None
        else "AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.follow_up_id = f.id "
        "AND r.due_at = f.due_at) "
    )
    rows = session.execute(
        text(
            "SELECT f.id, f.contact_id, f.due_at, f.due_date FROM follow_up f "
            "JOIN contact c ON c.id = f.contact_id "
            "WHERE f.done_at IS NULL AND f.deleted_at IS NULL AND c.deleted_at IS NULL "
            f"AND f.due_at <= :horizon {unrecorded}"
        ),
        {"horizon": db_time(now + _ZONE_SPREAD)},
    ).all()
    found = []
    for follow_up_id, contact_id, raw_due, due_date in rows:
        due_at = stored_moment(raw_due)
        moment = due_moment(due_at, due_date, config.all_day_hour)
        if moment > now:
            continue
        repeat = (now - moment) // every if every is not None else 0
        if repeat >= 1:
            key, kind = f"overdue:{follow_up_id}:{stamp(due_at)}:{repeat}", "overdue"
        else:
            key, kind = f"follow_up:{follow_up_id}:{stamp(due_at)}", "follow_up"
        found.append(Occurrence(key, kind, int(contact_id), due_at, int(follow_up_id)))
    return found


def _cadence_occurrences(
    session: Session, now: datetime, count_campaigns: bool
) -> list[Occurrence]:
    if session.execute(text("SELECT 1 FROM cadence_rule LIMIT 1")).first() is None:
        return []  # most runs: no rules, and no need to import the cadence service
    from pocketcrm.core.services.cadence import drifting_in

    found = []
    for drift in drifting_in(session, now, count_campaigns=count_campaigns):
        since = stamp(drift.last_contact_at) if drift.last_contact_at else "never"
        key = f"cadence:{drift.contact_id}:{since}"
        found.append(Occurrence(key, "cadence", drift.contact_id, drift.due_at))
    return found


def _celebration_days(
    start: date | None, last_run: datetime | None, now: datetime, hour: int
) -> list[date]:
    """Local days from START (else the last run's day, else today), at most a week back,
    whose reminding hour has passed."""
    zone = clock.local_zone()
    today = now.astimezone(zone).date()
    if start is None:
        start = last_run.astimezone(zone).date() if last_run is not None else today
    day = max(start, today - timedelta(BIRTHDAY_CATCH_UP_DAYS - 1))
    days = []
    while day <= today:
        if day_moment(day, hour, zone) <= now:
            days.append(day)
        day += _DAY
    return days


def _celebration_occurrences(
    session: Session, days: Sequence[date], config: ReminderConfig, *, after_id: int = 0
) -> list[Occurrence]:
    """Birthdays and anniversaries on DAYS, of contacts with an id above AFTER_ID."""
    if not days:
        return []
    by_pair: dict[tuple[int, int], list[date]] = {}
    for day in days:
        for pair in _month_days_on(day):
            by_pair.setdefault(pair, []).append(day)
    clauses, params = [], {"after": after_id}
    for index, (month, day_of_month) in enumerate(by_pair):
        params[f"m{index}"], params[f"d{index}"] = month, day_of_month
        clauses.append(f"(birthday_month = :m{index} AND birthday_day = :d{index})")
        clauses.append(f"(anniversary_month = :m{index} AND anniversary_day = :d{index})")
    rows = session.execute(
        text(
            "SELECT id, birthday_month, birthday_day, anniversary_month, anniversary_day "
            f"FROM contact WHERE id > :after AND deleted_at IS NULL AND ({' OR '.join(clauses)})"
        ),
        params,
    ).all()
    zone = clock.local_zone()
    found = []
    for contact_id, b_month, b_day, a_month, a_day in rows:
        for kind, pair in (("birthday", (b_month, b_day)), ("anniversary", (a_month, a_day))):
            for day in by_pair.get(pair, []):
                moment = day_moment(day, config.all_day_hour, zone)
                key = f"{kind}:{contact_id}:{day.isoformat()}"
                found.append(Occurrence(key, kind, int(contact_id), moment))
    return found


def _celebrations(
    session: Session, now: datetime, config: ReminderConfig, last_run: datetime | None
) -> list[Occurrence]:
    """Birthdays and anniversaries since the last look, scanning the contacts once a day.

    Finding them reads every contact (no index on the birthday columns), 30 ms at 100,000
    contacts. CELEBRATIONS_KEY remembers the last day looked at and the highest contact
    id then, so later runs that day only look at contacts added since.
    """
    marker = get_state(session, CELEBRATIONS_KEY) or ""
    seen_day: date | None = None
    seen_id = 0
    if " " in marker:
        raw_day, _, raw_id = marker.partition(" ")
        seen_day, seen_id = date.fromisoformat(raw_day), int(raw_id)
    start = seen_day + _DAY if seen_day is not None else None
    days = _celebration_days(start, last_run, now, config.all_day_hour)
    found = _celebration_occurrences(session, days, config)
    today = now.astimezone(clock.local_zone()).date()
    if seen_day == today and not days:
        found += _celebration_occurrences(session, [today], config, after_id=seen_id)
    if days or seen_day == today:
        top = session.execute(text("SELECT max(id) FROM contact")).scalar()
        latest = max(days) if days else today
        set_state(session, CELEBRATIONS_KEY, f"{latest.isoformat()} {int(top or 0)}")
    return found


def _case_occurrences(session: Session, now: datetime, warn: timedelta) -> list[Occurrence]:
    """Support cases about to breach their service level (within WARN) and breached: one
    reminder each, per target (a new target after a reply or a reopen reminds again)."""
    if session.execute(text("SELECT 1 FROM support_case LIMIT 1")).first() is None:
        return []
    from pocketcrm.core.services.case_views import reminder_rows

    found = []
    for case_id, contact_id, due, breached in reminder_rows(session, now, warn):
        kind = "case_breached" if breached else "case_due"
        found.append(Occurrence(f"{kind}:{case_id}:{stamp(due)}", kind, contact_id, due))
    return found


def due_occurrences(
    session: Session,
    now: datetime,
    config: ReminderConfig,
    last_run: datetime | None,
    *,
    count_campaigns: bool = False,
    case_warn: timedelta = timedelta(0),
) -> list[Occurrence]:
    """Everything that should have reminded by NOW (inside the claiming transaction)."""
    found = _follow_up_occurrences(session, now, config)
    found += _cadence_occurrences(session, now, count_campaigns)
    found += _case_occurrences(session, now, case_warn)
    if config.birthdays:
        found += _celebrations(session, now, config, last_run)
    return found
