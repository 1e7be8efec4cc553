"""The reminder engine behind `pocketcrm remind`: find what is due, claim it, deliver, mark it.

Made to run unattended every few minutes (cron, a systemd timer, launchd) and to deliver each
reminder exactly once, even when two runs start together, the interface is open, or the
machine was off when something fell due:

1. One write transaction (BEGIN IMMEDIATE, so concurrent runs queue up here) records every
   occurrence that is due as a `reminder` row with a stable key (kind:record:occurrence,
   inserted with ON CONFLICT DO NOTHING), releases claims left by a run that died, and
   claims the undelivered rows with this run's token.
2. The channels deliver outside any transaction: an SMTP server may take seconds, and the
   interface or another command must not wait on the write lock meanwhile. Each reminder
   remembers which channels took it (`delivered_channels`, saved as soon as a channel is
   done), so a retry goes only to the channels that failed: the email that went out is not
   sent again because the command channel failed, even if the run is killed in between.
3. A second write transaction marks what went out (delivered_at, follow_up.notified_at) and
   releases what did not (attempts + 1 and last_error; given up after max_attempts), so a
   failure shows in `pocketcrm agenda`, in `remind --status` and in the interface.

What is due: open follow-ups whose moment has passed (a date-only follow-up at
`reminders.all_day_hour` local time), again every `overdue_every_days` while overdue (only
the latest repeat, so a week away is one reminder, not seven), contacts drifting past their
stay-in-touch cadence (once per drift: the key holds the last contact), and birthdays and
anniversaries (29 February on 28 February in other years) since the last run.

Start-up is most of a run's cost, so this module uses plain SQL through the session and never
imports models.py (about 100 ms of table classes) or a date library.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as time_of_day
from pathlib import Path
from typing import NamedTuple, TextIO

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm import humanize
from pocketcrm.core import clock, delivery
from pocketcrm.core.errors import Invalid, Locked
from pocketcrm.core.settings import ReminderConfig, Settings
from pocketcrm.core.store import Store

log = logging.getLogger("pocketcrm.remind")

CHANNELS = ("stdout", "desktop", "email", "command")
_DELIVERY_ORDER = ("email", "command", "stdout", "desktop")  # deliver() tries them so
STALE_CLAIM = timedelta(minutes=10)  # a claim not renewed for this long: its run died
HEARTBEAT_SECONDS = 60.0  # a run delivering one by one renews its claims this often
# Claiming waits this long at most for another writer (an import): the next run retries.
CLAIM_LOCK_WAIT_S = 120.0
BIRTHDAY_CATCH_UP_DAYS = 7  # after a longer time off, older birthdays are not news any more
LAST_RUN_KEY = "remind.last_run"
SCHEDULE_KEY = "remind.schedule_minutes"
CELEBRATIONS_KEY = "remind.celebrations"  # "YYYY-MM-DD max-contact-id": birthdays looked at
# Kinds whose occurrence is recomputed each run: a pending one that is no longer current
# (the follow-up was done or moved, the contact was called) is dropped, not delivered.
_RECOMPUTED = ("follow_up", "overdue", "cadence")
_DAY = timedelta(days=1)
_EMAILISH = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+")
_PHONEISH = re.compile(r"\+?\d[\d ().-]{6,}\d")
_NOT_PHONE = re.compile(r"\d{1,3}(\.\d{1,3}){3}|\d{4}-\d{2}-\d{2}( \d{2})?")


# -- small helpers -------------------------------------------------------------------------


def _db(value: datetime) -> str:
    """The text SQLAlchemy stores a datetime as (models.db_time, without importing models)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _moment(value: object) -> datetime:
    """The aware UTC moment of a raw SQL datetime value."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _phone_or_not(match: re.Match[str]) -> str:
    found = match.group(0)
    if _NOT_PHONE.fullmatch(found.strip()) or sum(ch.isdigit() for ch in found) < 7:
        return found  # an IP address, a date or a short number: useful, and nobody's phone
    return "<phone>"


def _scrub(message: str) -> str:
    """Keep email addresses and phone numbers out of the log file."""
    return _PHONEISH.sub(_phone_or_not, _EMAILISH.sub("<email>", message))


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


def channel_set(stored: str) -> frozenset[str]:
    """The channels named in a reminder's `delivered_channels` text."""
    return frozenset(name for name in (part.strip() for part in stored.split(",")) if name)


def ordered_channels(channels: Collection[str]) -> tuple[str, ...]:
    """CHANNELS order, unknown names last: the same set always reads the same."""
    order = {name: index for index, name in enumerate(CHANNELS)}
    return tuple(sorted(set(channels), key=lambda name: (order.get(name, len(order)), name)))


def channel_text(channels: Collection[str]) -> str:
    """`delivered_channels` text: the names comma-separated, in CHANNELS order."""
    return ",".join(ordered_channels(channels))


def check_channels(channels: Sequence[str]) -> list[str]:
    """Known channel names in order, without repeats; Invalid names the unknown one."""
    chosen: list[str] = []
    for raw in channels:
        for name in (part.strip().lower() for part in raw.split(",")):
            if not name:
                continue
            if name not in CHANNELS:
                raise Invalid("channel", f"unknown channel {name!r}; use {', '.join(CHANNELS)}")
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise Invalid("channel", f"give at least one of {', '.join(CHANNELS)}")
    return chosen


def _get_state(session: Session, key: str) -> str | None:
    found = session.execute(text("SELECT value FROM app_state WHERE key = :k"), {"k": key})
    value = found.scalar()
    return None if value is None else str(value)


def _set_state(session: Session, key: str, value: str) -> None:
    session.execute(
        text(
            "INSERT INTO app_state (key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"k": key, "v": value},
    )


# -- step 1: what is due, recorded and claimed ---------------------------------------------


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
        {"horizon": _db(now + _ZONE_SPREAD)},
    ).all()
    found = []
    for follow_up_id, contact_id, raw_due, due_date in rows:
        due_at = _moment(raw_due)
        moment = due_moment(due_at, due_date, config.all_day_hour)
        if moment > now:
            continue
        repeat = (now - moment) // every if every is not None else 0
        if repeat >= 1:
            key, kind = f"overdue:{follow_up_id}:{_stamp(due_at)}:{repeat}", "overdue"
        else:
            key, kind = f"follow_up:{follow_up_id}:{_stamp(due_at)}", "follow_up"
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
        since = _stamp(drift.last_contact_at) if drift.last_contact_at else "never"
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
    marker = _get_state(session, CELEBRATIONS_KEY) or ""
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
        _set_state(session, CELEBRATIONS_KEY, f"{latest.isoformat()} {int(top or 0)}")
    return found


def due_occurrences(
    session: Session,
    now: datetime,
    config: ReminderConfig,
    last_run: datetime | None,
    *,
    count_campaigns: bool = False,
) -> list[Occurrence]:
    """Everything that should have reminded by NOW (inside the claiming transaction)."""
    found = _follow_up_occurrences(session, now, config)
    found += _cadence_occurrences(session, now, count_campaigns)
    if config.birthdays:
        found += _celebrations(session, now, config, last_run)
    return found


class Claimed(NamedTuple):
    """A reminder row this run holds, with what the channels need to say about it.

    `channels_done` are the channels that took it in earlier runs: they are skipped.
    """

    id: int
    follow_up_id: int | None
    attempts: int
    reminder: delivery.Reminder
    channels_done: frozenset[str] = frozenset()


def _title(kind: str, name: str, due: datetime, born: int | None) -> str:
    if kind == "follow_up":
        return f"Follow up with {name}"
    if kind == "overdue":
        return f"Overdue: follow up with {name}"
    if kind == "cadence":
        return f"Get in touch with {name}"
    years = due.astimezone(clock.local_zone()).year - born if born else 0
    if kind == "birthday":
        return f"Birthday: {name}" + (f" turns {years}" if years > 0 else "")
    if kind == "anniversary":
        return f"Anniversary: {name}" + (f" ({humanize.count(years, 'year')})" if years > 0 else "")
    return f"{kind.replace('_', ' ').capitalize()}: {name}"


def _detail(kind: str, note: str, last_contact: datetime | None, now: datetime) -> str:
    if kind in ("follow_up", "overdue"):
        return note
    if kind == "cadence":
        if last_contact is None:
            return "no call, meeting or email logged yet"
        days = (now - last_contact) // _DAY
        return f"last in touch {humanize.count(days, 'day')} ago"
    return ""


_CLAIMED_SQL = """
SELECT r.id, r.key, r.kind, r.contact_id, r.follow_up_id, r.due_at, r.attempts,
       c.display_name, c.last_contact_at, c.birthday_year, c.anniversary_year,
       coalesce(f.note, ''), f.due_date, {details}, r.delivered_channels
FROM reminder r
JOIN contact c ON c.id = r.contact_id
LEFT JOIN follow_up f ON f.id = r.follow_up_id
WHERE r.claim_token = :token AND r.delivered_at IS NULL
ORDER BY r.due_at, r.id
"""
# Only the command channel (and `remind --json`) hands a contact's email and phone on;
# looking them up is a third of the claiming query's time, so only then.
_CONTACT_DETAILS = """
       coalesce((SELECT e.address FROM contact_email e WHERE e.contact_id = c.id
                 ORDER BY e.is_primary DESC, e.id LIMIT 1), ''),
       coalesce((SELECT p.number FROM contact_phone p WHERE p.contact_id = c.id
                 ORDER BY p.is_primary DESC, p.id LIMIT 1), '')"""


def _claimed_rows(
    session: Session, token: str, now: datetime, config: ReminderConfig, details: bool
) -> list[Claimed]:
    sql = _CLAIMED_SQL.format(details=_CONTACT_DETAILS if details else "'', ''")
    claimed = []
    for row in session.execute(text(sql), {"token": token}).all():
        kind, name, due = str(row[2]), str(row[7]), _moment(row[5])
        if row[12] is not None:  # a follow-up's all-day one: remind at its hour on its day
            due = due_moment(due, row[12], config.all_day_hour)
        last_contact = None if row[8] is None else _moment(row[8])
        born = row[9] if kind == "birthday" else row[10]
        reminder = delivery.Reminder(
            key=str(row[1]),
            kind=kind,
            contact_id=int(row[3]),
            contact_name=name,
            title=_title(kind, name, due, None if born is None else int(born)),
            due=due,
            detail=_detail(kind, str(row[11]), last_contact, now),
            contact_email=str(row[13]),
            contact_phone=str(row[14]),
        )
        follow_up_id = None if row[4] is None else int(row[4])
        done = channel_set(str(row[15] or ""))
        claimed.append(Claimed(int(row[0]), follow_up_id, int(row[6]), reminder, done))
    return claimed


def _drop_obsolete(
    session: Session, current: set[str], stale_before: datetime, repeats: bool
) -> int:
    """Forget pending reminders that no longer apply.

    Any whose contact was deleted. A follow-up's when the follow-up was done, deleted or
    moved (its due_at is no longer the reminder's), or when a later overdue repeat replaced
    it; a cadence reminder when the contact has been in touch since (its key changed).
    CURRENT holds the keys found this run; without repeats it lacks follow-ups skipped as
    already recorded. Birthdays stay: they are about a day that has passed either way.
    """
    rows = session.execute(
        text(
            "SELECT r.id, r.key, r.kind, r.due_at, f.due_at, "
            "(f.done_at IS NULL AND f.deleted_at IS NULL), "
            "(p.id IS NOT NULL AND p.deleted_at IS NULL) "
            "FROM reminder r LEFT JOIN follow_up f ON f.id = r.follow_up_id "
            "LEFT JOIN contact p ON p.id = r.contact_id "
            "WHERE r.delivered_at IS NULL AND (r.claimed_at IS NULL OR r.claimed_at < :stale)"
        ),
        {"stale": _db(stale_before)},
    ).all()
    obsolete = []
    for row_id, key, kind, due, follow_up_due, still_open, alive in rows:
        if not alive:
            gone = True
        elif kind == "cadence":
            gone = key not in current
        elif kind not in _RECOMPUTED:
            gone = False
        elif follow_up_due is None or not still_open or _moment(due) != _moment(follow_up_due):
            gone = True
        else:
            gone = key not in current if repeats else kind == "overdue"
        if gone:
            obsolete.append(int(row_id))
    for chunk in _chunks(obsolete):
        session.execute(text(f"DELETE FROM reminder WHERE id IN ({chunk})"))
    return len(obsolete)


def _release_stale(session: Session, stale_before: datetime, max_attempts: int) -> int:
    """A run that claimed and then died (killed, power cut): its reminders go out again."""
    stale = session.execute(
        text(
            "UPDATE reminder SET claimed_at = NULL, claim_token = '', "
            "attempts = attempts + 1, gave_up = (attempts + 1 >= :max), "
            "last_error = 'the run that claimed it stopped before confirming delivery' "
            "WHERE delivered_at IS NULL AND claimed_at IS NOT NULL AND claimed_at < :stale "
            "RETURNING key"
        ),
        {"stale": _db(stale_before), "max": max_attempts},
    ).all()
    for (key,) in stale:
        log.warning("released %s: the run that claimed it did not finish", key)
    return len(stale)


def claim_due(
    store: Store, token: str, now: datetime, *, contact_details: bool = True
) -> tuple[list[Claimed], int]:
    """Step 1: record what is due and claim every undelivered reminder, in one transaction.

    Returns the claimed reminders (with the contact's email and phone if CONTACT_DETAILS)
    and how many stale claims were released. When nothing is claimed, the run is over, and
    the last-run time is written in this same transaction.
    """
    config = store.settings.reminders
    stale_before = now - STALE_CLAIM
    with store.write() as session:
        raw_last = _get_state(session, LAST_RUN_KEY)
        last_run = datetime.fromisoformat(raw_last) if raw_last else None
        found = due_occurrences(
            session,
            now,
            config,
            last_run,
            count_campaigns=store.settings.cadence_counts_campaigns,
        )
        # Before inserting: only rows from earlier runs can be obsolete.
        current = {o.key for o in found}
        dropped = _drop_obsolete(session, current, stale_before, config.overdue_every_days > 0)
        if dropped:
            log.info("dropped %d pending reminders that no longer apply", dropped)
        if found:
            session.execute(
                text(
                    "INSERT INTO reminder (key, kind, contact_id, follow_up_id, due_at, "
                    "claimed_at, claim_token, delivered_at, attempts, last_error, gave_up) "
                    "VALUES (:key, :kind, :contact_id, :follow_up_id, :due_at, "
                    "NULL, '', NULL, 0, '', :no) ON CONFLICT (key) DO NOTHING"
                ),
                [
                    {
                        "key": o.key,
                        "kind": o.kind,
                        "contact_id": o.contact_id,
                        "follow_up_id": o.follow_up_id,
                        "due_at": _db(o.due_at),
                        "no": False,
                    }
                    for o in found
                ],
            )
        released = _release_stale(session, stale_before, max(1, config.max_attempts))
        session.execute(
            text(
                "UPDATE reminder SET claimed_at = :now, claim_token = :token "
                "WHERE delivered_at IS NULL AND gave_up = :no AND claimed_at IS NULL"
            ),
            {"now": _db(now), "token": token, "no": False},
        )
        claimed = _claimed_rows(session, token, now, config, contact_details)
        if not claimed:
            _set_state(session, LAST_RUN_KEY, now.isoformat())
    return claimed, released


# -- step 2: delivery, outside any transaction ---------------------------------------------


@dataclass
class Outcome:
    """What the channels did with the claimed reminders."""

    failures: dict[str, tuple[str, bool]] = field(default_factory=dict)  # key: (why, counts)
    warnings: list[str] = field(default_factory=list)
    config_error: bool = False
    taken: dict[str, set[str]] = field(default_factory=dict)  # key: channels that took it

    def fail(self, reminders: Sequence[delivery.Reminder], why: str, *, counts: bool) -> None:
        """Note a failed channel; a second failure adds its reason (and counts if either does)."""
        for reminder in reminders:
            before = self.failures.get(reminder.key)
            if before is None:
                self.failures[reminder.key] = (why, counts)
            else:
                self.failures[reminder.key] = (f"{before[0]}; {why}", before[1] or counts)

    def took(self, channel: str, reminders: Sequence[delivery.Reminder]) -> None:
        for reminder in reminders:
            self.taken.setdefault(reminder.key, set()).add(channel)


def deliver(
    reminders: Sequence[delivery.Reminder],
    channels: Sequence[str],
    config: ReminderConfig,
    *,
    stream: TextIO | None,
    zone: tzinfo,
    now: datetime,
    heartbeat: Callable[[], None] | None = None,
    done: Mapping[str, Collection[str]] | None = None,
    record: Callable[[str, Sequence[delivery.Reminder]], None] | None = None,
) -> Outcome:
    """Step 2: each channel delivers the reminders it has not taken yet.

    DONE maps a reminder's key to the channels that took it in earlier runs; they are
    skipped, so a retry after one channel failed never repeats the others. The channels do
    not wait on each other: a reminder the email could not carry is still run through the
    command and printed now, and the next run only emails it. RECORD(channel, reminders) is
    called as soon as a channel took some, so the progress is saved before the next channel
    starts (a run killed in between does not repeat what went out): after each reminder of
    the command, after the others unless they are the run's last (settle() saves that).

    A reminder counts as delivered when every fallible channel of the run has taken it (in
    this run or before). A desktop service that is missing is a warning, unless the desktop
    is the only channel: then nothing reached anyone. A configuration mistake (no SMTP host,
    a command that does not exist) fails the run but does not use up attempts: it is
    retried, and reported, until someone fixes it.
    """
    outcome = Outcome()
    earlier = done or {}
    last = next((c for c in reversed(_DELIVERY_ORDER) if c in channels), "")

    def wanted(channel: str) -> list[delivery.Reminder]:
        if channel not in channels:
            return []
        return [r for r in reminders if channel not in earlier.get(r.key, ())]

    def took(channel: str, items: Sequence[delivery.Reminder]) -> None:
        if items:
            outcome.took(channel, items)
            if record is not None and (channel != last or channel == "command"):
                record(channel, items)

    todo = wanted("email")
    if todo:
        try:
            smtp = delivery.SmtpSettings.from_config(config.smtp)
            warning = delivery.deliver_email(todo, smtp, zone=zone, now=now)
        except delivery.DeliveryFailed as exc:
            outcome.fail(todo, str(exc), counts=True)
        except Invalid as exc:
            outcome.fail(todo, f"email: {exc}", counts=False)
            outcome.config_error = True
        else:
            took("email", todo)
            if warning:
                outcome.warnings.append(warning)
    todo = wanted("command")
    beat = time.monotonic()
    for index, reminder in enumerate(todo):
        if heartbeat is not None and time.monotonic() - beat > HEARTBEAT_SECONDS:
            heartbeat()  # a long batch keeps its claims from looking abandoned
            beat = time.monotonic()
        try:
            delivery.deliver_command([reminder], config.command, zone=zone)
        except delivery.DeliveryFailed as exc:
            outcome.fail([reminder], str(exc), counts=True)
        except Invalid as exc:
            outcome.fail(todo[index:], f"command: {exc}", counts=False)
            outcome.config_error = True
            break
        else:
            took("command", [reminder])
    todo = wanted("stdout")
    if todo:
        if stream is None:
            raise ValueError("the stdout channel needs a stream")
        try:
            delivery.deliver_stdout(todo, stream, zone=zone)
        except delivery.DeliveryFailed as exc:
            outcome.fail(todo, str(exc), counts=True)
        else:
            took("stdout", todo)
    todo = wanted("desktop")
    if todo:
        shown = delivery.show_desktop(todo, zone=zone)
        keys = set(shown.keys)
        took("desktop", [r for r in todo if r.key in keys])
        if shown.warning and list(channels) == ["desktop"]:
            missed = [r for r in todo if r.key not in keys]
            outcome.fail(missed, f"desktop: {shown.warning}", counts=True)
        elif shown.warning:
            outcome.warnings.append(f"desktop: {shown.warning}")
    return outcome


# -- step 3: mark delivered, or release for the next run -----------------------------------


def _chunks(ids: Sequence[int], size: int = 1000) -> list[str]:
    """Comma-separated id lists for IN (...), at most SIZE ids each."""
    return [",".join(str(int(i)) for i in ids[n : n + size]) for n in range(0, len(ids), size)]


def _by_channels(ids_and_channels: Sequence[tuple[int, str]]) -> dict[str, list[int]]:
    """Row ids grouped by their `delivered_channels` text: one statement per distinct value."""
    groups: dict[str, list[int]] = {}
    for row_id, channels in ids_and_channels:
        groups.setdefault(channels, []).append(row_id)
    return groups


def save_progress(store: Store, token: str, channels_by_id: Mapping[int, Collection[str]]) -> None:
    """Remember mid-run which channels took which claimed reminders (all of them so far).

    Best effort: settle() writes the same again at the end, so a write that waited too long
    for the lock is logged, not raised, and the delivery carries on.
    """
    from sqlalchemy.exc import OperationalError

    pairs = [(row_id, channel_text(channels)) for row_id, channels in channels_by_id.items()]
    try:
        with store.write() as session:
            for value, ids in _by_channels(pairs).items():
                for chunk in _chunks(ids):
                    session.execute(
                        text(
                            "UPDATE reminder SET delivered_channels = :channels "
                            "WHERE claim_token = :token AND delivered_at IS NULL "
                            f"AND id IN ({chunk})"
                        ),
                        {"channels": value, "token": token},
                    )
    except OperationalError as exc:
        log.warning("could not save the delivery progress yet: %s", exc.orig)
    except Locked as exc:
        log.warning("could not save the delivery progress yet: %s", exc)


def settle(
    store: Store,
    token: str,
    claimed: Sequence[Claimed],
    outcome: Outcome,
    now: datetime,
) -> list[str]:
    """Step 3: mark delivered or release, and record the run; returns keys given up.

    Either way the row keeps every channel that took it, now or in an earlier run.
    """
    max_attempts = max(1, store.settings.reminders.max_attempts)
    done = [c for c in claimed if c.reminder.key not in outcome.failures]
    failed = [c for c in claimed if c.reminder.key in outcome.failures]
    channels = {
        c.id: channel_text(c.channels_done | outcome.taken.get(c.reminder.key, set()))
        for c in claimed
    }
    gave_up: list[str] = []
    with store.write() as session:
        for value, ids in _by_channels([(c.id, channels[c.id]) for c in done]).items():
            for chunk in _chunks(ids):
                # Ids come from the database as ints: inlining them is safe, and one
                # statement per thousand rows is several times faster than executemany.
                session.execute(
                    text(
                        "UPDATE reminder SET delivered_at = :now, last_error = '', "
                        "delivered_channels = :channels "
                        f"WHERE claim_token = :token AND id IN ({chunk})"
                    ),
                    {"now": _db(now), "token": token, "channels": value},
                )
        follow_ups = sorted({c.follow_up_id for c in done if c.follow_up_id is not None})
        for chunk in _chunks(follow_ups):
            session.execute(
                text(f"UPDATE follow_up SET notified_at = :now WHERE id IN ({chunk})"),
                {"now": _db(now)},
            )
        for item in failed:
            why, counts = outcome.failures[item.reminder.key]
            step = 1 if counts else 0
            row = session.execute(
                text(
                    "UPDATE reminder SET claimed_at = NULL, claim_token = '', "
                    "attempts = attempts + :step, gave_up = (attempts + :step >= :max), "
                    "last_error = :why, delivered_channels = :channels "
                    "WHERE id = :id AND claim_token = :token RETURNING gave_up"
                ),
                {
                    "step": step,
                    "max": max_attempts,
                    "why": why[:500],
                    "channels": channels[item.id],
                    "id": item.id,
                    "token": token,
                },
            ).first()
            if row is not None and row[0]:
                gave_up.append(item.reminder.key)
        _set_state(session, LAST_RUN_KEY, now.isoformat())
    return gave_up


# -- the whole run ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """What one run did; the command turns it into an exit code and a few lines."""

    run_id: str
    at: datetime
    channels: tuple[str, ...]
    delivered: tuple[delivery.Reminder, ...]
    failed: tuple[tuple[delivery.Reminder, str], ...]
    gave_up: tuple[str, ...]
    warnings: tuple[str, ...]
    released_stale: int
    config_error: bool

    @property
    def exit_code(self) -> int:
        """0 all went out (or nothing was due), 2 the configuration is wrong, 1 otherwise."""
        if self.config_error:
            return 2
        return 1 if self.failed else 0


def run(
    store: Store,
    *,
    channels: Sequence[str] | None = None,
    stream: TextIO | None = None,
    now: datetime | None = None,
    contact_details: bool | None = None,
) -> RunResult:
    """Deliver everything due since the last run, exactly once across concurrent runs.

    CONTACT_DETAILS (default: when the command channel is used) fills in each reminder's
    contact email and phone.
    """
    config = store.settings.reminders
    chosen = tuple(check_channels(channels if channels else config.channels))
    moment = now or clock.now()
    token = uuid.uuid4().hex
    zone = clock.local_zone()
    details = "command" in chosen if contact_details is None else contact_details
    try:
        with store.waiting_at_most(CLAIM_LOCK_WAIT_S):
            claimed, released = claim_due(store, token, moment, contact_details=details)
    except Locked as exc:  # nothing claimed, nothing sent: the next run tries again
        log.warning("run %s: the database stayed busy; nothing sent", token[:8])
        raise Locked(
            "the database is busy: another process (an import?) is writing; nothing was "
            "sent, the next run tries again"
        ) from exc
    if not claimed:
        log.debug("run %s: nothing due", token[:8])
        return RunResult(token, moment, chosen, (), (), (), (), released, False)
    log.info("run %s: %d due, channels %s", token[:8], len(claimed), ",".join(chosen))
    reminders = [c.reminder for c in claimed]
    done = {c.reminder.key: c.channels_done for c in claimed}
    ids = {c.reminder.key: c.id for c in claimed}
    progress = {c.id: set(c.channels_done) for c in claimed}

    def record(channel: str, items: Sequence[delivery.Reminder]) -> None:
        for item in items:
            progress[ids[item.key]].add(channel)
        save_progress(store, token, {ids[item.key]: progress[ids[item.key]] for item in items})

    try:
        outcome = deliver(
            reminders,
            chosen,
            config,
            stream=stream,
            zone=zone,
            now=moment,
            heartbeat=lambda: renew_claims(store, token, clock.now() if now is None else moment),
            done=done,
            record=record,
        )
    except BaseException:
        # Interrupted mid-delivery: leave the claims; they go stale and are retried.
        log.error("run %s: interrupted during delivery; claims released in 10 minutes", token[:8])
        raise
    gave_up = _settle_patiently(store, token, claimed, outcome, now)
    delivered = [r for r in reminders if r.key not in outcome.failures]
    failed = [(r, outcome.failures[r.key][0]) for r in reminders if r.key in outcome.failures]
    _log_run(delivered, failed, outcome.warnings, gave_up, config.max_attempts)
    return RunResult(
        run_id=token,
        at=moment,
        channels=chosen,
        delivered=tuple(delivered),
        failed=tuple(failed),
        gave_up=tuple(gave_up),
        warnings=tuple(outcome.warnings),
        released_stale=released,
        config_error=outcome.config_error,
    )


def renew_claims(store: Store, token: str, now: datetime) -> None:
    """Tell other runs this one is alive: move its claims' time forward.

    Best effort: a heartbeat that could not get the write lock must not stop the delivery.
    """
    try:
        with store.write() as session:
            session.execute(
                text(
                    "UPDATE reminder SET claimed_at = :now "
                    "WHERE claim_token = :token AND delivered_at IS NULL"
                ),
                {"now": _db(now), "token": token},
            )
    except Locked as exc:
        log.warning("could not renew the claims yet: %s", exc)


def _settle_patiently(
    store: Store,
    token: str,
    claimed: Sequence[Claimed],
    outcome: Outcome,
    fixed_now: datetime | None,
) -> list[str]:
    """Step 3, retried: once delivered, failing to record it would mean delivering twice.

    Each try already waits for the write lock up to the store's limit (minutes).
    """
    from sqlalchemy.exc import OperationalError

    tries = 1
    while True:
        try:
            return settle(store, token, claimed, outcome, fixed_now or clock.now())
        except (OperationalError, Locked) as exc:
            if tries == 3:
                log.error("could not record the delivery: %s", getattr(exc, "orig", exc))
                raise
            tries += 1
            log.warning("recording the delivery waited too long; trying again")


def _who(reminder: delivery.Reminder) -> str:
    return f"{reminder.key} (contact #{reminder.contact_id} {reminder.contact_name})"


def _log_run(
    delivered: Sequence[delivery.Reminder],
    failed: Sequence[tuple[delivery.Reminder, str]],
    warnings: Sequence[str],
    gave_up: Sequence[str],
    max_attempts: int,
) -> None:
    """One record per outcome, a line per reminder: names and ids, never emails or notes.

    Batched because a thousand separate records cost more than the rest of the run.
    """
    if delivered:
        lines = "".join(f"\n  {_who(r)}" for r in delivered)
        log.info("delivered %d:%s", len(delivered), lines)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("details:%s", "".join(f"\n  {r.title}: {r.detail}" for r in delivered))
    if failed:
        lines = "".join(f"\n  {_who(r)}: {_scrub(why)}" for r, why in failed)
        log.warning("not delivered %d, kept for the next run:%s", len(failed), lines)
    for warning in warnings:
        log.warning("%s", _scrub(warning))
    if gave_up:
        lines = "".join(f"\n  {key}" for key in gave_up)
        log.error("gave up after %d attempts:%s", max_attempts, lines)


# -- health: for `remind --status`, `doctor`, the agenda and the interface's header --------


@dataclass(frozen=True)
class ReminderHealth:
    """Whether reminders are running, and what is stuck."""

    checked_at: datetime
    last_run: datetime | None
    schedule_minutes: int
    pending: int  # recorded, not yet delivered, still being tried
    failing: int  # of those, how many failed at least once
    gave_up: int
    last_error: str

    @property
    def never_ran(self) -> bool:
        return self.last_run is None

    @property
    def late(self) -> bool:
        """Not run for longer than twice the schedule: the job is missing or broken."""
        if self.last_run is None:
            return False
        return self.checked_at - self.last_run > timedelta(minutes=2 * self.schedule_minutes)

    @property
    def needs_attention(self) -> bool:
        """Late, failing or given up: what `remind --status`, `doctor`, the agenda and the
        interface's top bar warn about. Never set up is nobody's problem yet: not this."""
        return self.late or self.failing > 0 or self.gave_up > 0

    @property
    def attention(self) -> str:
        """The worst problem in a word or two for a narrow header ('' when none)."""
        if self.late:
            return "late"
        if self.failing:
            return "failing"
        return "given up" if self.gave_up else ""

    @property
    def ok(self) -> bool:
        return not self.never_ran and not self.needs_attention

    @property
    def message(self) -> str:
        """One line for a header or a warning."""
        if self.last_run is None:
            return "reminders have never run; set them up with `pocketcrm cron install`"
        ago = humanize.span(self.checked_at - self.last_run, words=True)
        if self.late:
            text_ = (
                f"reminders have not run for {ago} (expected every {self.schedule_minutes} "
                "minutes); check `pocketcrm doctor`"
            )
        else:
            text_ = f"reminders last ran {ago} ago"
        problems = []
        if self.failing:
            problems.append(f"{self.failing} failing")
        if self.gave_up:
            problems.append(f"{self.gave_up} given up")
        if problems:
            text_ += f"; {', '.join(problems)}: see `pocketcrm remind --status`"
        return text_


def schedule_minutes(session: Session, settings: Settings) -> int:
    """The installed job's interval as `cron install` recorded it, else the configured one."""
    recorded = _get_state(session, SCHEDULE_KEY)
    if recorded and recorded.isdecimal() and int(recorded) > 0:
        return int(recorded)
    return max(1, settings.reminders.schedule_minutes)


def record_schedule(store: Store, minutes: int) -> None:
    """Remember how often the installed job runs, so the health check knows when it is late."""
    with store.write() as session:
        _set_state(session, SCHEDULE_KEY, str(int(minutes)))


def reminder_health(store: Store, *, now: datetime | None = None) -> ReminderHealth:
    """When reminders last ran and what is stuck (cheap: two small queries)."""
    with store.read() as session:
        raw = _get_state(session, LAST_RUN_KEY)
        minutes = schedule_minutes(session, store.settings)
        row = session.execute(
            text(
                "SELECT sum(CASE WHEN gave_up = :no THEN 1 ELSE 0 END), "
                "sum(CASE WHEN gave_up = :no AND last_error != '' THEN 1 ELSE 0 END), "
                "sum(CASE WHEN gave_up = :no THEN 0 ELSE 1 END) "
                "FROM reminder WHERE delivered_at IS NULL"
            ),
            {"no": False},
        ).one()
        last_error = session.execute(
            text(
                "SELECT last_error FROM reminder WHERE delivered_at IS NULL AND last_error != '' "
                "ORDER BY due_at DESC, id DESC LIMIT 1"
            )
        ).scalar()
    return ReminderHealth(
        checked_at=now or clock.now(),
        last_run=datetime.fromisoformat(raw) if raw else None,
        schedule_minutes=minutes,
        pending=int(row[0] or 0),
        failing=int(row[1] or 0),
        gave_up=int(row[2] or 0),
        last_error=str(last_error or ""),
    )


@dataclass(frozen=True)
class PendingReminder:
    """A recorded reminder that has not gone out: waiting, failing, or given up.

    `due_at` is when it reminds (a date-only follow-up: the configured hour of its day);
    `delivered_channels` the channels that took it already (a retry skips them).
    """

    id: int
    key: str
    kind: str
    contact_id: int | None
    contact_name: str
    follow_up_id: int | None
    due_at: datetime
    attempts: int
    last_error: str
    gave_up: bool
    claimed: bool
    delivered_channels: tuple[str, ...] = ()


def undelivered(store: Store, *, limit: int = 200) -> list[PendingReminder]:
    """Reminders not delivered yet, failures first, newest first (for status and the UI)."""
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT r.id, r.key, r.kind, r.contact_id, coalesce(c.display_name, ''), "
                "r.follow_up_id, r.due_at, r.attempts, r.last_error, r.gave_up, r.claimed_at, "
                "f.due_date, r.delivered_channels FROM reminder r "
                "LEFT JOIN contact c ON c.id = r.contact_id "
                "LEFT JOIN follow_up f ON f.id = r.follow_up_id "
                "WHERE r.delivered_at IS NULL "
                "ORDER BY r.gave_up DESC, (r.last_error = '') ASC, r.due_at DESC, r.id DESC "
                "LIMIT :limit"
            ),
            {"limit": limit},
        ).all()
    return [
        PendingReminder(
            id=int(r[0]),
            key=str(r[1]),
            kind=str(r[2]),
            contact_id=None if r[3] is None else int(r[3]),
            contact_name=str(r[4]),
            follow_up_id=None if r[5] is None else int(r[5]),
            due_at=due_moment(_moment(r[6]), r[11], store.settings.reminders.all_day_hour),
            attempts=int(r[7]),
            last_error=str(r[8]),
            gave_up=bool(r[9]),
            claimed=r[10] is not None,
            delivered_channels=ordered_channels(channel_set(str(r[12]))),
        )
        for r in rows
    ]


def retry_given_up(store: Store) -> int:
    """Give reminders that were given up a fresh set of attempts (after fixing the cause)."""
    with store.write() as session:
        done = session.execute(
            text(
                "UPDATE reminder SET gave_up = :no, attempts = 0 "
                "WHERE delivered_at IS NULL AND gave_up = :yes RETURNING id"
            ),
            {"no": False, "yes": True},
        ).all()
    return len(done)


# -- doctor -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One line of `pocketcrm doctor`: status is ok, warn or fail."""

    name: str
    status: str
    detail: str


def _mode_check(name: str, path: Path, wanted: int) -> Check | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077 & ~wanted:
        return Check(
            name,
            "fail",
            f"{path} is {mode:04o}: others can read it; fix with `chmod {wanted:o} {path}`",
        )
    return Check(name, "ok", f"{path} is {mode:04o}")


def mode_checks(items: Sequence[tuple[str, Path, int]]) -> list[Check]:
    """Private files (0600) and folders (0700): a CRM holds other people's details."""
    return [c for name, path, wanted in items if (c := _mode_check(name, path, wanted))]


def diagnose(location: str, settings: Settings, *, now: datetime | None = None) -> list[Check]:
    """Check a database without changing it: opens, schema, integrity, modes, reminders."""
    from sqlalchemy.exc import DBAPIError

    from pocketcrm.core import dbhealth
    from pocketcrm.core.migrations import HEAD, is_known
    from pocketcrm.core.store import backup_dir, database_url, sqlite_path, write_problem
    from pocketcrm.core.store import shown_url as _shown

    url = database_url(location)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return [Check("database", "warn", f"no database at {path} yet; it is made on first use")]
    checks: list[Check] = []
    store = Store(url, settings)
    try:
        if not store.is_sqlite:  # a server that is down or refuses us is a failure, not "empty"
            problem = dbhealth.reach_problem(store)
            if problem:
                return [Check("database", "fail", problem)]
            denied = dbhealth.access_problems(store)
            if denied:
                return [Check("access", "fail", line) for line in denied]
        writable = []
        if path is not None:  # first: a read-only WAL database may not even open
            problem = write_problem(path)
            if problem:
                writable.append(Check("writable", "fail", f"cannot write to DB: {problem}"))
            else:
                writable.append(Check("writable", "ok", f"{path} and its folder are writable"))
        try:
            version = store.schema_version()
            tables = store.has_user_tables()
        except DBAPIError as exc:
            failed = Check("database", "fail", f"cannot open {path or _shown(url)}: {exc.orig}")
            return [failed, *writable]
        except Exception as exc:  # sqlite3.DatabaseError: not a database at all
            failed = Check("database", "fail", f"cannot open {path or _shown(url)}: {exc}")
            return [failed, *writable]
        checks.append(Check("database", "ok", f"opens: {path or _shown(url)}"))
        checks += writable
        if version == HEAD:
            checks.append(Check("schema", "ok", f"at the newest revision ({HEAD})"))
            checks += [
                Check("schema", "fail", f"{line}; `pocketcrm backup create`, then report it")
                for line in dbhealth.schema_problems(store)
            ]
        elif version is None and not tables:
            checks.append(Check("schema", "warn", "empty database; it is set up on first use"))
        elif version is not None and not is_known(version):
            checks.append(
                Check(
                    "schema",
                    "fail",
                    f"DB was made by a newer pocketcrm (schema {version}, this one knows "
                    f"{HEAD}); upgrade pocketcrm",
                )
            )
        else:
            checks.append(
                Check(
                    "schema",
                    "warn",
                    f"revision {version or 'none'}, newest is {HEAD}: upgraded on next use "
                    "(a backup is taken first)",
                )
            )
        if store.is_sqlite:
            with store.engine.connect() as conn:
                result = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").all()]
                conn.rollback()
            if result == ["ok"]:
                checks.append(Check("integrity", "ok", "PRAGMA quick_check: ok"))
            else:
                shown = "; ".join(result[:3])
                checks.append(
                    Check(
                        "integrity",
                        "fail",
                        f"{shown}; restore a backup from {backup_dir(path) if path else 'backups'}",
                    )
                )
        if path is not None:
            items = [("database file", path, 0o600)]
            items += [
                (f"database {suffix}", Path(f"{path}{suffix}"), 0o600)
                for suffix in ("-wal", "-shm")
            ]
            folder = backup_dir(path)
            items.append(("backups folder", folder, 0o700))
            if folder.is_dir():
                items += [("backup", b, 0o600) for b in sorted(folder.glob("*.db"))[-3:]]
            checks += mode_checks(items)
        if version == HEAD:
            health = reminder_health(store, now=now)
            if health.never_ran:
                checks.append(Check("reminders", "warn", health.message))
            elif health.needs_attention:
                detail = health.message
                if health.last_error:
                    detail += f" (last error: {health.last_error})"
                checks.append(Check("reminders", "warn", detail))
            else:
                checks.append(Check("reminders", "ok", health.message))
    finally:
        store.close()
    return checks


def scheduler_check(db_location: str, *, tabfile: str | None = None) -> Check:
    """Is a job installed that runs `pocketcrm remind` for this database?"""
    import sys

    from pocketcrm.core import scheduling

    def mentions_db(line: str) -> bool:
        return "://" in db_location or os.path.abspath(os.path.expanduser(db_location)) in line

    try:
        line = scheduling.cron_status(tabfile=tabfile)
    except Exception as exc:  # crontab missing or refusing: say so, do not crash doctor
        line = None
        cron_problem = str(exc)
    else:
        cron_problem = ""
    if line is not None:
        if line.lstrip().startswith("#"):
            return Check("schedule", "warn", f"the cron line is commented out: {line}")
        if not mentions_db(line):
            return Check("schedule", "warn", f"the cron line runs for another database: {line}")
        return Check("schedule", "ok", f"cron: {line}")
    unit = scheduling.default_unit_dir() / scheduling.TIMER_NAME
    if unit.exists():
        return Check("schedule", "ok", f"systemd timer: {unit}")
    agent = Path.home() / "Library" / "LaunchAgents" / f"{scheduling.LAUNCHD_LABEL}.plist"
    if sys.platform == "darwin" and agent.exists():
        return Check("schedule", "ok", f"launchd agent: {agent}")
    why = f" ({cron_problem})" if cron_problem else ""
    return Check(
        "schedule",
        "warn",
        f"no job runs `pocketcrm remind`{why}; install one with `pocketcrm cron install`",
    )


def systemd_uninstall(unit_dir: Path | None = None, *, timeout: float = 30.0) -> list[Path]:
    """Stop the user timer (best effort) and delete our two unit files; returns those removed."""
    import shutil
    import subprocess

    from pocketcrm.core import scheduling

    program = shutil.which("systemctl")
    if program is not None and unit_dir is None:
        # No user manager (SSH, containers) is fine: removing the files is what matters.
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                [
                    program,
                    "--user",
                    "disable",
                    "--now",
                    scheduling.TIMER_NAME,
                    scheduling.BACKUP_TIMER_NAME,
                ],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
    folder = unit_dir if unit_dir is not None else scheduling.default_unit_dir()
    removed = []
    for name in (
        scheduling.TIMER_NAME,
        scheduling.SERVICE_NAME,
        scheduling.BACKUP_TIMER_NAME,
        scheduling.BACKUP_SERVICE_NAME,
    ):
        path = folder / name
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
