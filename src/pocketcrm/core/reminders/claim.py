"""Step 1 of a run: record what is due and claim every undelivered reminder, in one write
transaction (BEGIN IMMEDIATE, so concurrent runs queue up here).

Each occurrence is inserted as a `reminder` row with its stable key (ON CONFLICT DO
NOTHING), pending rows that no longer apply are dropped, claims left by a run that died are
released, and the undelivered rows are claimed with this run's token.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import text

from pocketcrm import humanize
from pocketcrm.core import clock, delivery
from pocketcrm.core.reminders.channels import channel_set
from pocketcrm.core.reminders.due import due_moment, due_occurrences
from pocketcrm.core.reminders.rows import LAST_RUN_KEY, chunks, get_state, set_state, stored_moment
from pocketcrm.core.sessions import CrmSession
from pocketcrm.core.settings import ReminderConfig
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

log = logging.getLogger("pocketcrm.remind")

STALE_CLAIM = timedelta(minutes=10)  # a claim not renewed for this long: its run died
# Kinds whose occurrence is recomputed each run: a pending one that is no longer current
# (the follow-up was done or moved, the contact was called) is dropped, not delivered.
_RECOMPUTED = ("follow_up", "overdue", "cadence")
_DAY = timedelta(days=1)


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
    if kind in _CASE_TITLES:
        return f"{_CASE_TITLES[kind]}: {name}"
    years = due.astimezone(clock.local_zone()).year - born if born else 0
    if kind == "birthday":
        return f"Birthday: {name}" + (f" turns {years}" if years > 0 else "")
    if kind == "anniversary":
        return f"Anniversary: {name}" + (f" ({humanize.count(years, 'year')})" if years > 0 else "")
    return f"{kind.replace('_', ' ').capitalize()}: {name}"


_CASE_TITLES = {"case_due": "Case due soon", "case_breached": "Case past its service level"}


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
    session: CrmSession, token: str, now: datetime, config: ReminderConfig, details: bool
) -> list[Claimed]:
    sql = _CLAIMED_SQL.format(details=_CONTACT_DETAILS if details else "'', ''")
    claimed = []
    for row in session.execute(text(sql), {"token": token}).all():
        kind, name, due = str(row[2]), str(row[7]), stored_moment(row[5])
        if row[12] is not None:  # a follow-up's all-day one: remind at its hour on its day
            due = due_moment(due, row[12], config.all_day_hour)
        last_contact = None if row[8] is None else stored_moment(row[8])
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
    return _with_case_details(session, claimed)


def _with_case_details(session: CrmSession, claimed: list[Claimed]) -> list[Claimed]:
    """A case reminder's detail names the case (its id is in the key: kind:case:target)."""
    ids = {c.reminder.key: int(c.reminder.key.split(":")[1]) for c in claimed
           if c.reminder.kind in _CASE_TITLES}  # fmt: skip
    if not ids:
        return claimed
    from pocketcrm.core.services.case_views import case_labels

    labels = case_labels(session, sorted(set(ids.values())))
    return [
        Claimed(
            c.id,
            c.follow_up_id,
            c.attempts,
            replace(c.reminder, detail=labels.get(ids[c.reminder.key], "")),
            c.channels_done,
        )
        if c.reminder.key in ids
        else c
        for c in claimed
    ]


def _drop_obsolete(
    session: CrmSession, current: set[str], stale_before: datetime, repeats: bool
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
        {"stale": db_time(stale_before)},
    ).all()
    obsolete = []
    for row_id, key, kind, due, follow_up_due, still_open, alive in rows:
        if not alive:
            gone = True
        elif kind == "cadence":
            gone = key not in current
        elif kind not in _RECOMPUTED:
            gone = False
        elif (
            follow_up_due is None
            or not still_open
            or stored_moment(due) != stored_moment(follow_up_due)
        ):
            gone = True
        else:
            gone = key not in current if repeats else kind == "overdue"
        if gone:
            obsolete.append(int(row_id))
    for chunk in chunks(obsolete):
        session.execute(text(f"DELETE FROM reminder WHERE id IN ({chunk})"))
    return len(obsolete)


def _release_stale(session: CrmSession, stale_before: datetime, max_attempts: int) -> int:
    """A run that claimed and then died (killed, power cut): its reminders go out again."""
    stale = session.execute(
        text(
            "UPDATE reminder SET claimed_at = NULL, claim_token = '', "
            "attempts = attempts + 1, gave_up = (attempts + 1 >= :max), "
            "last_error = 'the run that claimed it stopped before confirming delivery' "
            "WHERE delivered_at IS NULL AND claimed_at IS NOT NULL AND claimed_at < :stale "
            "RETURNING key"
        ),
        {"stale": db_time(stale_before), "max": max_attempts},
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
        raw_last = get_state(session, LAST_RUN_KEY)
        last_run = datetime.fromisoformat(raw_last) if raw_last else None
        found = due_occurrences(
            session,
            now,
            config,
            last_run,
            count_campaigns=store.settings.cadence_counts_campaigns,
            case_warn=timedelta(hours=max(store.settings.service.warn_hours, 0)),
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
                        "due_at": db_time(o.due_at),
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
            {"now": db_time(now), "token": token, "no": False},
        )
        claimed = _claimed_rows(session, token, now, config, contact_details)
        if not claimed:
            set_state(session, LAST_RUN_KEY, now.isoformat())
    return claimed, released
