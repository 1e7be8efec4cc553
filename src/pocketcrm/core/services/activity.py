"""Interactions (calls, meetings, emails, notes, texts) and follow-ups (the agenda)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from pocketcrm.core import clock, validate
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Contact, FollowUp, Interaction, db_time
from pocketcrm.core.readmodels import Created, FollowUpView, InteractionView
from pocketcrm.core.services.contacts import follow_up_view, interaction_view
from pocketcrm.core.services.lookup import resolve_contact
from pocketcrm.core.store import Store

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


def refresh_contact_dates(session: Session, contact_id: int) -> None:
    """Keep the list's denormalised last-contact and next-follow-up columns true."""
    session.flush()
    session.execute(
        text(
            "UPDATE contact SET "
            "last_contact_at = (SELECT max(occurred_at) FROM interaction WHERE contact_id = :c "
            "  AND deleted_at IS NULL AND kind IN ('call','meeting','email','sms')), "
            "next_follow_up_at = (SELECT min(due_at) FROM follow_up WHERE contact_id = :c "
            "  AND done_at IS NULL AND deleted_at IS NULL) "
            "WHERE id = :c"
        ),
        {"c": contact_id},
    )


def _check(data: InteractionInput, store: Store) -> tuple[str, str, str, int | None]:
    kind = validate.interaction_kind(data.kind)
    outcome = validate.outcome(data.outcome, store.settings)
    direction = validate.direction(data.direction)
    satisfaction = validate.satisfaction(data.satisfaction)
    if data.duration_s is not None and data.duration_s <= 0:
        raise Invalid("duration", "must be more than zero; use e.g. 15m or 1h30m")
    if data.when is not None and data.when > clock.now() + timedelta(minutes=5):
        raise Invalid("at", "is in the future; log what happened, or use follow-up to plan")
    return kind, outcome, direction, satisfaction


def log_interaction(store: Store, ref: str, data: InteractionInput) -> Created:
    """Record what happened, optionally with the next step, in one transaction."""
    kind, outcome, direction, satisfaction = _check(data, store)
    now = clock.now()
    with store.write() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        contact = session.get(Contact, contact_id)
        assert contact is not None
        row = Interaction(
            contact_id=contact_id,
            company_id=contact.company_id,
            kind=kind,
            direction=direction,
            occurred_at=data.when or now,
            duration_s=data.duration_s,
            outcome=outcome,
            satisfaction=satisfaction,
            owner=(data.owner or store.settings.owner).strip(),
            notes=data.notes.strip(),
            created_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        follow_up = None
        if data.follow_up_at is not None:
            follow_up = _add_follow_up(
                session,
                contact,
                data.follow_up_at,
                data.follow_up_all_day,
                data.follow_up_note or data.notes,
                data.owner or store.settings.owner,
                row.id,
            )
        refresh_contact_dates(session, contact_id)
        return Created(
            id=row.id,
            uuid=row.uuid,
            label=f"{kind} with {contact.display_name}",
            follow_up=follow_up_view(follow_up, contact.display_name) if follow_up else None,
        )


def _add_follow_up(
    session: Session,
    contact: Contact,
    due: datetime,
    all_day: bool,
    note: str,
    owner: str,
    interaction_id: int | None = None,
) -> FollowUp:
    assert contact.id is not None
    row = FollowUp(
        contact_id=contact.id,
        due_at=due,
        all_day=all_day,
        note=note.strip(),
        owner=owner.strip(),
        created_at=clock.now(),
        interaction_id=interaction_id,
    )
    session.add(row)
    session.flush()
    return row


def schedule_follow_up(
    store: Store, ref: str, due: datetime, *, all_day: bool = False, note: str = "", owner: str = ""
) -> FollowUpView:
    with store.write() as session:
        contact_id = resolve_contact(session, ref, region=store.settings.default_region)
        contact = session.get(Contact, contact_id)
        assert contact is not None
        row = _add_follow_up(session, contact, due, all_day, note, owner or store.settings.owner)
        refresh_contact_dates(session, contact_id)
        return follow_up_view(row, contact.display_name)


def _open_follow_up(session: Session, follow_up_id: int) -> tuple[FollowUp, Contact]:
    row = session.get(FollowUp, follow_up_id)
    if row is None or row.deleted_at is not None:
        raise NotFound("follow-up", str(follow_up_id))
    contact = session.get(Contact, row.contact_id)
    assert contact is not None
    return row, contact


def complete_follow_up(store: Store, follow_up_id: int) -> FollowUpView:
    with store.write() as session:
        row, contact = _open_follow_up(session, follow_up_id)
        if row.done_at is not None:
            raise Invalid("id", f"follow-up {follow_up_id} is already done")
        row.done_at = clock.now()
        refresh_contact_dates(session, contact.id or 0)
        return follow_up_view(row, contact.display_name)


def reopen_follow_up(store: Store, follow_up_id: int) -> FollowUpView:
    """Undo of done."""
    with store.write() as session:
        row, contact = _open_follow_up(session, follow_up_id)
        row.done_at = None
        refresh_contact_dates(session, contact.id or 0)
        return follow_up_view(row, contact.display_name)


def snooze_follow_up(
    store: Store, follow_up_id: int, until: datetime, *, all_day: bool = False
) -> FollowUpView:
    """Move a follow-up to a later moment; its reminder fires again then."""
    if until <= clock.now() - timedelta(minutes=1) and not all_day:
        raise Invalid("when", "is in the past; snooze to a later time, e.g. 'tomorrow 9am'")
    with store.write() as session:
        row, contact = _open_follow_up(session, follow_up_id)
        if row.done_at is not None:
            raise Invalid("id", f"follow-up {follow_up_id} is already done; nothing to snooze")
        row.due_at = until
        row.all_day = all_day
        row.snoozed_until = until
        refresh_contact_dates(session, contact.id or 0)
        return follow_up_view(row, contact.display_name)


def _day_bounds(day_offset: int) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (0 = today), right across DST changes."""
    midnight = clock.local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight + timedelta(days=day_offset)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def agenda(store: Store, window: str = "week", *, owner: str = "") -> list[FollowUpView]:
    """Open follow-ups: overdue first, then by due time, up to the end of the window."""
    if window not in AGENDA_WINDOWS:
        raise Invalid(
            "window", f"unknown window {window!r}; use one of: {', '.join(AGENDA_WINDOWS)}"
        )
    now = clock.now()
    _, today_end = _day_bounds(0)
    ends = {
        "overdue": now,
        "today": today_end,
        "week": _day_bounds(7)[0],
    }
    with store.read() as session:
        query = (
            select(FollowUp, Contact.display_name)
            .join(Contact, col(Contact.id) == FollowUp.contact_id)
            .where(
                col(FollowUp.done_at).is_(None),
                col(FollowUp.deleted_at).is_(None),
                col(Contact.deleted_at).is_(None),
            )
            .order_by(col(FollowUp.due_at), col(FollowUp.id))
        )
        if window in ends:
            query = query.where(col(FollowUp.due_at) < ends[window])
        if owner:
            query = query.where(col(FollowUp.owner) == owner)
        errors = _delivery_errors(session)
        views = [
            follow_up_view(row, name, errors.get(row.id or 0, ""))
            for row, name in session.exec(query).all()
        ]
    if window == "overdue":
        views = [v for v in views if v.overdue]
    # A date-only follow-up for today sorts at midnight but is not late: overdue goes first.
    views.sort(key=lambda v: (not v.overdue, v.due_at, v.id))
    return views


def _delivery_errors(session: Session) -> dict[int, str]:
    """Reminders that failed to go out, by follow-up id, so the agenda can show them."""
    rows = session.execute(
        text(
            "SELECT follow_up_id, last_error FROM reminder WHERE follow_up_id IS NOT NULL "
            "AND delivered_at IS NULL AND last_error != ''"
        )
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}


def recent_interactions(
    store: Store, *, since: datetime | None = None, limit: int = 50
) -> list[InteractionView]:
    with store.read() as session:
        query = (
            select(Interaction, Contact.display_name)
            .join(Contact, col(Contact.id) == Interaction.contact_id)
            .where(col(Interaction.deleted_at).is_(None), col(Contact.deleted_at).is_(None))
            .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
            .limit(limit)
        )
        if since is not None:
            query = query.where(col(Interaction.occurred_at) >= since)
        return [interaction_view(row, name) for row, name in session.exec(query).all()]


def contact_interactions(
    store: Store, contact_id: int, *, limit: int = 1000, offset: int = 0
) -> list[InteractionView]:
    """A contact's whole timeline, newest first, a page at a time."""
    with store.read() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("contact", str(contact_id))
        rows = session.exec(
            select(Interaction)
            .where(Interaction.contact_id == contact_id, col(Interaction.deleted_at).is_(None))
            .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return [interaction_view(r, contact.display_name) for r in rows]


def count_due(store: Store) -> tuple[int, int]:
    """(overdue, due today) for headers and status lines."""
    now = clock.now()
    _, today_end = _day_bounds(0)
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT f.due_at, f.all_day FROM follow_up f JOIN contact c ON c.id = f.contact_id "
                "WHERE f.done_at IS NULL AND f.deleted_at IS NULL AND c.deleted_at IS NULL "
                "AND f.due_at < :end"
            ),
            {"end": db_time(today_end)},
        ).all()
    from pocketcrm.core.models import from_db_time
    from pocketcrm.core.services.contacts import is_overdue

    overdue = 0
    for due, all_day in rows:
        moment = from_db_time(due)
        assert moment is not None
        if is_overdue(moment, bool(all_day), now):
            overdue += 1
    return overdue, len(rows) - overdue
