"""Interactions (calls, meetings, emails, notes, texts) and follow-ups (the agenda)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pocketcrm.core import acting, clock, dates, phones, sql, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.readmodels.activity import FollowUpView, InteractionView
from pocketcrm.core.readmodels.created import Created
from pocketcrm.core.search import reindex
from pocketcrm.core.services import users
from pocketcrm.core.services.activity_views import (
    FOLLOW_UP_COLUMNS,
    FOLLOW_UP_TIMES,
    INTERACTION_COLUMNS,
    INTERACTION_TIMES,
    follow_up_view,
    interaction_view,
)
from pocketcrm.core.services.lookup import resolve_contact
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

# Kinds that count as being in touch (a note to self does not reset a stay-in-touch clock).
CONTACT_KINDS = ("call", "meeting", "email", "sms")
AGENDA_WINDOWS = ("overdue", "today", "week", "all")


@dataclass
class InteractionInput:
    kind: str = "call"
    when: datetime | None = None  # default: now
    duration_s: int | None = None
    outcome: str = ""
    satisfaction: int | None = None
    direction: str = ""
    owner: str = ""
    notes: str = ""
    follow_up_at: datetime | None = None
    follow_up_all_day: bool = False
    follow_up_note: str = ""
    channel: str = ""  # default: the one the kind implies (validate.channel)
    number_from: str = ""  # the caller's number: an inbound call
    number_to: str = ""  # the number called: an outbound call
    reason: str = ""  # why a low score (settings.analysis.reasons)


@dataclass(frozen=True)
class _Checked:
    kind: str
    outcome: str
    direction: str
    satisfaction: int | None
    channel: str
    number: str
    reason: str


def refresh_contact_dates(session: Db, contact_id: int) -> None:
    """Keep the list's denormalised last-contact and next-follow-up columns true."""
    refresh_dates_of(session, [contact_id])


def refresh_dates_of(session: Db, contact_ids: Sequence[int]) -> None:
    """refresh_contact_dates for many contacts in one statement (the mail intake's batches)."""
    if not contact_ids:
        return
    session.flush()
    listed = ",".join(str(int(i)) for i in contact_ids)
    session.run(
        "UPDATE contact SET "
        "last_contact_at = (SELECT max(occurred_at) FROM interaction i WHERE "
        "  i.contact_id = contact.id "
        "  AND i.deleted_at IS NULL AND i.kind IN ('call','meeting','email','sms')), "
        "next_follow_up_at = (SELECT min(due_at) FROM follow_up f WHERE "
        "  f.contact_id = contact.id AND f.done_at IS NULL AND f.deleted_at IS NULL), "
        "next_follow_up_date = (SELECT due_date FROM follow_up f WHERE "
        "  f.contact_id = contact.id AND f.done_at IS NULL AND f.deleted_at IS NULL "
        "  ORDER BY f.due_at, f.id LIMIT 1) "
        f"WHERE id IN ({listed})"
    )


def _number(data: InteractionInput, direction: str, region: str) -> tuple[str, str]:
    """(E.164 of the other party's number or '', direction): --from makes a call inbound,
    --to outbound; a number that cannot be a phone number is refused."""
    if data.number_from.strip() and data.number_to.strip():
        raise Invalid("to", "give the caller's number (--from) or the one called (--to), not both")
    field, typed, implied = (
        ("from", data.number_from, "in")
        if data.number_from.strip()
        else ("to", data.number_to, "out")
    )
    if not typed.strip():
        return "", direction
    if direction and direction != implied:
        raise Invalid(field, f"--{field} means direction {implied}; leave out --direction")
    e164, valid = phones.normalize(typed.strip(), region)
    if not valid:
        raise Invalid(field, f"{typed.strip()!r} is not a phone number; e.g. +1 212 555 0100")
    return e164, implied


def _check(data: InteractionInput, store: Store) -> _Checked:
    kind = validate.interaction_kind(data.kind)
    outcome = validate.outcome(data.outcome, store.settings)
    number, direction = _number(
        data, validate.direction(data.direction), store.settings.default_region
    )
    satisfaction = validate.satisfaction(data.satisfaction)
    channel = validate.channel(data.channel, kind)
    reason = validate.reason(data.reason, satisfaction, store.settings)
    validate.block(data.notes, "note")
    validate.block(data.follow_up_note, "follow-up-note")
    if data.duration_s is not None and data.duration_s <= 0:
        raise Invalid("duration", "must be more than zero; use e.g. 15m or 1h30m")
    if data.when is not None and data.when > clock.now() + timedelta(minutes=5):
        raise Invalid("at", "is in the future; log what happened, or use follow-up to plan")
    if data.follow_up_note.strip() and data.follow_up_at is None:
        raise Invalid(
            "follow-up", "the follow-up note needs a date: say when (e.g. 'fri'), or clear the note"
        )
    return _Checked(kind, outcome, direction, satisfaction, channel, number, reason)


def check_log(store: Store, data: InteractionInput, *, require_content: bool = False) -> None:
    """Every rule log_interaction applies, before saving (a form shows the errors at once).

    REQUIRE_CONTENT refuses a log that records nothing: the interface's form asks this, since
    an empty log there is a stray key, not a call (the one-line `log-call REF` is a
    deliberate record)."""
    _check(data, store)
    if require_content and not (
        data.notes.strip()
        or data.outcome
        or data.duration_s
        or data.satisfaction
        or data.follow_up_at is not None
    ):
        raise Invalid("notes", "nothing to log yet: add notes, an outcome or a duration")


def _contact(session: Db, contact_id: int) -> Any:
    return session.run(
        "SELECT id, display_name, company_id FROM contact WHERE id = :c", {"c": contact_id}
    ).one()


def _primary_number(session: Db, contact_id: int) -> str:
    """The contact's primary phone (else its first) in E.164: a call's number by default."""
    found = session.run(
        "SELECT e164 FROM contact_phone WHERE contact_id = :c AND e164 <> '' "
        "ORDER BY is_primary DESC, id LIMIT 1",
        {"c": contact_id},
    ).scalar()
    return str(found or "")


def log_interaction(store: Store, ref: str, data: InteractionInput) -> Created:
    """Record what happened, optionally with the next step, in one transaction."""
    checked = _check(data, store)
    kind = checked.kind
    now = clock.now()
    with store.sql_write() as session:
        # who logged it: the one named, else the acting user (the login; the OS user's on SQLite)
        owner = data.owner.strip() or users.acting_login_in(session, store)
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        contact = _contact(session, contact_id)
        uuid = sql.new_uuid()
        interaction_id = sql.insert(
            session,
            "interaction",
            {
                "uuid": uuid,
                "contact_id": contact_id,
                "company_id": contact.company_id,
                "kind": kind,
                "direction": checked.direction,
                "occurred_at": data.when or now,
                "duration_s": data.duration_s,
                "outcome": checked.outcome,
                "satisfaction": checked.satisfaction,
                "channel": checked.channel,
                "number": checked.number
                or (_primary_number(session, contact_id) if checked.channel == "phone" else ""),
                "reason": checked.reason,
                "owner": owner,
                "notes": data.notes.strip(),
                "created_at": now,
            },
        )
        follow_up = None
        if data.follow_up_at is not None:
            follow_up = _add_follow_up(
                session,
                contact_id,
                data.follow_up_at,
                data.follow_up_all_day,
                data.follow_up_note or data.notes,
                owner,
                interaction_id,
            )
        refresh_contact_dates(session, contact_id)
        if data.notes.strip():
            reindex(session, [contact_id])  # search finds the contact by what was said
        name = contact.display_name
        return Created(
            id=interaction_id,
            uuid=uuid,
            label=f"{kind} with {name}",
            follow_up=follow_up_view(follow_up, name) if follow_up is not None else None,
        )


_FOLLOW_UP = f"SELECT {FOLLOW_UP_COLUMNS}, deleted_at FROM follow_up WHERE id = :f"
_FOLLOW_UP_TIMES = (*FOLLOW_UP_TIMES, "deleted_at")


def stored_due(due: datetime, all_day: bool) -> dict[str, object]:
    """The columns of a due time: an all-day item keeps its local day as a date (and its
    start here only as the order key), so it stays on that day in any zone later."""
    if not all_day:
        return {"due_at": due, "all_day": False, "due_date": None}
    day = dates.due_day(due)
    return {"due_at": dates.order_key(day), "all_day": True, "due_date": day.isoformat()}


def _add_follow_up(
    session: Db,
    contact_id: int,
    due: datetime,
    all_day: bool,
    note: str,
    owner: str,
    interaction_id: int | None = None,
) -> Any:
    follow_up_id = sql.insert(
        session,
        "follow_up",
        {
            "uuid": sql.new_uuid(),
            "contact_id": contact_id,
            **stored_due(due, all_day),
            "note": note.strip(),
            "owner": owner.strip(),
            "created_at": clock.now(),
            "interaction_id": interaction_id,
        },
    )
    return session.run(_FOLLOW_UP, {"f": follow_up_id}, times=_FOLLOW_UP_TIMES).one()


def schedule_follow_up(
    store: Store, ref: str, due: datetime, *, all_day: bool = False, note: str = "", owner: str = ""
) -> FollowUpView:
    validate.block(note, "note")
    with store.sql_write() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        contact = _contact(session, contact_id)
        row = _add_follow_up(
            session,
            contact_id,
            due,
            all_day,
            note,
            owner or acting.owner(session, store.settings.owner),
        )
        refresh_contact_dates(session, contact_id)
        return follow_up_view(row, contact.display_name)


def _change_follow_up(
    store: Store, follow_up_id: int, changes: dict[str, object], *, refuse_done: str | None = None
) -> FollowUpView:
    """Apply CHANGES to an existing follow-up; REFUSE_DONE (a reason suffix) rejects a done one."""
    with store.sql_write() as session:
        row = session.run(_FOLLOW_UP, {"f": follow_up_id}, times=_FOLLOW_UP_TIMES).first()
        if row is None or row.deleted_at is not None:
            raise NotFound("follow-up", str(follow_up_id))
        if refuse_done is not None and row.done_at is not None:
            raise Invalid("id", f"follow-up {follow_up_id} is already done{refuse_done}")
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        session.run(
            f"UPDATE follow_up SET {assignments} WHERE id = :f",
            {
                **{k: db_time(v) if isinstance(v, datetime) else v for k, v in changes.items()},
                "f": follow_up_id,
            },
        )
        refresh_contact_dates(session, int(row.contact_id))
        updated = session.run(_FOLLOW_UP, {"f": follow_up_id}, times=_FOLLOW_UP_TIMES).one()
        return follow_up_view(updated, _contact(session, int(row.contact_id)).display_name)


def complete_follow_up(store: Store, follow_up_id: int) -> FollowUpView:
    return _change_follow_up(store, follow_up_id, {"done_at": clock.now()}, refuse_done="")


def reopen_follow_up(store: Store, follow_up_id: int) -> FollowUpView:
    """Undo of done."""
    return _change_follow_up(store, follow_up_id, {"done_at": None})


def snooze_follow_up(
    store: Store, follow_up_id: int, until: datetime, *, all_day: bool = False
) -> FollowUpView:
    """Move a follow-up to a later moment; its reminder fires again then."""
    zone = clock.local_zone()
    past = (
        until.astimezone(zone).date() < clock.local_now().date()
        if all_day  # a day: today is fine, yesterday is not
        else until <= clock.now() - timedelta(minutes=1)
    )
    if past:
        raise Invalid("when", "is in the past; snooze to a later time, e.g. 'tomorrow 9am'")
    return _change_follow_up(
        store,
        follow_up_id,
        {**stored_due(until, all_day), "snoozed_until": until},
        refuse_done="; nothing to snooze",
    )


def unsnooze(store: Store, before: FollowUpView) -> FollowUpView:
    """Undo of a snooze: the due time (or day) and snooze mark BEFORE had, even if past."""
    due = before.due_at
    columns: dict[str, object] = (
        {"due_at": due, "all_day": False, "due_date": None}
        if isinstance(due, datetime)
        else {"due_at": dates.order_key(due), "all_day": True, "due_date": due.isoformat()}
    )
    return _change_follow_up(store, before.id, {**columns, "snoozed_until": before.snoozed_until})


def _day_bounds(day_offset: int) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (0 = today), right across DST changes."""
    midnight = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight + timedelta(days=day_offset)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


# The most an order key (a day's start where it was written) can be after the start of the
# same day in another zone: from UTC+14 to UTC-12.
_ZONE_SPREAD = timedelta(hours=26)


def _window(window: str, *, scan: bool = False) -> tuple[list[str], dict[str, object]]:
    """SQL clauses for what is due before the end of WINDOW (nothing for "all").

    A timed item by its moment, an all-day item by its day (the "week" is today and the 7
    days after it, day 7 included). The wide bound on due_at keeps the open-due index useful.
    SCAN (SQLite, a count that reads every open follow-up): the columns as `+f.due_at`, which
    compares the stored text as it is; a bare DATETIME column has numeric affinity, and SQLite
    tried to read the bound text as a number again on every row (half the count's time).
    """
    if window not in AGENDA_WINDOWS:
        raise Invalid(
            "window", f"unknown window {window!r}; use one of: {', '.join(AGENDA_WINDOWS)}"
        )
    if window == "all":
        return [], {}
    today = clock.local_now().date()
    end, end_day = {
        "overdue": (clock.now(), today),
        "today": (_day_bounds(0)[1], today + timedelta(days=1)),
        "week": (_day_bounds(7)[1], today + timedelta(days=8)),
    }[window]
    due_at, due_date = ("+f.due_at", "+f.due_date") if scan else ("f.due_at", "f.due_date")
    clause = (
        f"{due_at} < :wide AND (({due_date} IS NULL AND {due_at} < :end) OR {due_date} < :end_day)"
    )
    params: dict[str, object] = {
        "wide": db_time(max(end, dates.order_key(end_day)) + _ZONE_SPREAD),
        "end": db_time(end),
        "end_day": end_day.isoformat(),
    }
    return [clause], params


def agenda(
    store: Store, window: str = "week", *, owner: str = "", limit: int | None = None
) -> list[FollowUpView]:
    """Open follow-ups: overdue first, then by due time, up to the end of the window.

    LIMIT keeps the earliest (the partial index on open follow-ups makes that cheap);
    `agenda_size` says how many there are in all.
    """
    window_clauses, params = _window(window)
    clauses = ["f.done_at IS NULL", "f.deleted_at IS NULL", "c.deleted_at IS NULL"]
    clauses += window_clauses
    if owner:  # as in the contact list: "sam" is Sam
        clauses.append("lower(f.owner) = :owner")
        params["owner"] = owner.strip().lower()
    columns = ", ".join(f"f.{name.strip()}" for name in FOLLOW_UP_COLUMNS.split(","))
    statement = (
        f"SELECT {columns}, c.display_name FROM follow_up f JOIN contact c ON c.id = f.contact_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY f.due_at, f.id"
        + (f" LIMIT {int(limit)}" if limit is not None else "")
    )
    with store.sql_read() as session:
        errors = _delivery_errors(session)
        views = [
            follow_up_view(row, row.display_name, errors.get(int(row.id), ""))
            for row in session.run(statement, params, times=FOLLOW_UP_TIMES)
        ]
    if window == "overdue":
        views = [v for v in views if v.overdue]
    # A date-only follow-up for today sorts at midnight but is not late: overdue goes first.
    views.sort(key=lambda v: (not v.overdue, dates.due_start(v.due_at), v.id))
    return views


def agenda_size(store: Store, window: str = "week", *, owner: str = "") -> int:
    """How many follow-ups `agenda` would list without a limit."""
    if window == "overdue":
        return count_due(store)[0] if not owner else len(agenda(store, window, owner=owner))
    window_clauses, params = _window(window, scan=store.is_sqlite)
    clauses = ["f.done_at IS NULL", "f.deleted_at IS NULL", *window_clauses]
    if owner:  # as in the contact list: "sam" is Sam
        clauses.append("lower(f.owner) = :owner")
        params["owner"] = owner.strip().lower()
    where = " AND ".join(clauses)
    # All open follow-ups from the partial index, minus those of the (few) trashed contacts:
    # joining every follow-up to its contact cost 35,000 lookups on the bench database.
    join = "CROSS JOIN" if store.is_sqlite else "JOIN"
    with store.sql_read() as session:
        everyone = session.run(
            f"SELECT count(*) FROM follow_up f WHERE {where}", params
        ).scalar_one()
        trashed = session.run(
            f"SELECT count(*) FROM contact c {join} follow_up f ON f.contact_id = c.id "
            f"WHERE c.deleted_at IS NOT NULL AND {where}",
            params,
        ).scalar_one()
    return int(everyone) - int(trashed)


def _delivery_errors(session: Db) -> dict[int, str]:
    """Reminders that failed to go out, by follow-up id, so the agenda can show them."""
    rows = session.run(
        "SELECT follow_up_id, last_error FROM reminder WHERE follow_up_id IS NOT NULL "
        "AND delivered_at IS NULL AND last_error != ''"
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}


def recent_interactions(
    store: Store, *, since: datetime | None = None, limit: int = 50
) -> list[InteractionView]:
    columns = ", ".join(f"i.{name.strip()}" for name in INTERACTION_COLUMNS.split(","))
    where = "i.deleted_at IS NULL AND c.deleted_at IS NULL"
    params: dict[str, object] = {"n": limit}
    if since is not None:
        where += " AND i.occurred_at >= :since"
        params["since"] = db_time(since)
    statement = (
        f"SELECT {columns}, c.display_name FROM interaction i JOIN contact c "
        f"ON c.id = i.contact_id WHERE {where} ORDER BY i.occurred_at DESC, i.id DESC LIMIT :n"
    )
    with store.sql_read() as session:
        return [
            interaction_view(row, row.display_name)
            for row in session.run(statement, params, times=INTERACTION_TIMES)
        ]


def contact_interactions(
    store: Store, contact_id: int, *, limit: int = 1000, offset: int = 0
) -> list[InteractionView]:
    """A contact's whole timeline, newest first, a page at a time."""
    with store.sql_read() as session:
        contact = session.run(
            "SELECT display_name FROM contact WHERE id = :c", {"c": contact_id}
        ).first()
        if contact is None:
            raise NotFound("contact", str(contact_id))
        rows = session.run(
            f"SELECT {INTERACTION_COLUMNS} FROM interaction WHERE contact_id = :c "
            "AND deleted_at IS NULL ORDER BY occurred_at DESC, id DESC LIMIT :n OFFSET :o",
            {"c": contact_id, "n": limit, "o": offset},
            times=INTERACTION_TIMES,
        )
        return [interaction_view(r, contact.display_name) for r in rows]


def count_due(store: Store) -> tuple[int, int]:
    """(overdue, due today) for headers and status lines."""
    now = clock.now()
    window_clauses, params = _window("today")
    with store.sql_read() as session:
        rows = session.run(
            "SELECT f.due_at, f.due_date FROM follow_up f "
            "JOIN contact c ON c.id = f.contact_id "
            "WHERE f.done_at IS NULL AND f.deleted_at IS NULL AND c.deleted_at IS NULL "
            f"AND {window_clauses[0]}",
            params,
        ).all()
    overdue = sum(dates.is_overdue(dates.due_from_store(due, day), now) for due, day in rows)
    return overdue, len(rows) - overdue
