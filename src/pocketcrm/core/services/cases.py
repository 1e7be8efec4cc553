"""Support cases: opening, replying, assigning and moving a case through its statuses.

The status machine: new -> open -> waiting (on the customer) -> resolved -> closed. A case is
resolved before it is closed: closing an unresolved case needs `force` (the faces ask first).
Reopening a resolved or closed case is allowed and counted, and restarts the resolution
target from the moment of the reopen. Every change leaves a case_event, so the timeline
tells the whole story. Due times come from the service level (core/sla.py) when the case
is opened; while a case waits on the customer no target runs (next_due_at is NULL).

A reply to the customer is mailed first and recorded after the server took it (with an
"email" interaction on the contact's timeline): a failed send records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pocketcrm.core import acting, clock, sql, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid
from pocketcrm.core.services.case_views import (
    CHANNELS,
    OPEN_STATUSES,
    STATUS_WORDS,
    CaseView,
    case_id,
    load,
    status_name,
)
from pocketcrm.core.sla import PRIORITIES, ServiceLevels
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

EXCERPT = 500  # characters of a reply kept on the contact's timeline


@dataclass
class CaseInput:
    """What a person types to open a case; empty fields take the defaults."""

    subject: str
    description: str = ""
    priority: str = "normal"
    channel: str = "email"
    product: str = ""
    assignee: str = ""
    department: str = ""
    tags: str = ""  # comma-separated
    thread_id: str = ""  # the Message-ID of the mail that opened it


def _by(session: Db, store: Store) -> str:
    """Who did it: the configured owner, as the login of the user it names (core/acting.py)."""
    return acting.owner(session, store.settings.owner)


def levels(store: Store) -> ServiceLevels:
    return ServiceLevels(store.settings.service, clock.local_zone())


def _choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    cleaned = "_".join(value.strip().lower().split())
    if cleaned not in allowed:
        raise Invalid(field, f"unknown {field} {value!r}; use one of: {', '.join(allowed)}")
    return cleaned


def _tags(value: str) -> str:
    return ",".join(dict.fromkeys(validate.tag(t) for t in value.split(",") if t.strip()))


def _short(value: str, field: str, limit: int = 100) -> str:
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise Invalid(field, f"is longer than {limit} characters; shorten it")
    return cleaned


def _product(session: Db, typed: str) -> tuple[int | None, str]:
    """(catalogue id, name) of the product TYPED names: its SKU, else the one product of
    that name (any case, retired ones too, as `product show` finds them); (None, the text)
    when none does: a product outside the catalogue stays allowed as free text."""
    cleaned = _short(typed, "product", 200)
    if not cleaned:
        return None, ""
    for column in ("sku", "name"):
        rows = session.run(
            f"SELECT id, name FROM product WHERE upper({column}) = :k", {"k": cleaned.upper()}
        ).all()
        if len(rows) == 1:
            return int(rows[0][0]), str(rows[0][1])
    return None, cleaned


def _assignee(session: Db, typed: str, field: str) -> tuple[str, str]:
    """(login, their department's name) of the user TYPED names: a login or a name, as for
    --owner (users.owner_in: unknown -> Invalid with the closest logins; '' -> nobody)."""
    from pocketcrm.core.services.users import owner_in

    login = owner_in(session, typed, field=field)
    if not login:
        return "", ""
    department = session.run(
        "SELECT d.name FROM app_user u JOIN department d ON d.id = u.department_id "
        "WHERE u.login = :l",
        {"l": login},
    ).scalar()
    return login, str(department or "")


def _department(session: Db, typed: str) -> str:
    """A department as typed: the department's own name when one matches (folded), so
    `report service --by department` counts "support" and "Support" once; else the text."""
    from pocketcrm.core.search import fold

    cleaned = _short(typed, "department")
    if not cleaned:
        return ""
    found = session.run("SELECT name FROM department WHERE name_key = :k", {"k": fold(cleaned)})
    return str(found.scalar() or cleaned)


def _highest(session: Db, prefix: str) -> int:
    numbers = session.run(
        "SELECT number FROM support_case WHERE number LIKE :p", {"p": prefix + "%"}
    ).scalars()
    tails = (str(n)[len(prefix) :] for n in numbers)
    return max((int(t) for t in tails if t.isdigit()), default=0)


def _next_number(session: Db, year: int) -> str:
    """CASE-YYYY-NNNN: one more than the year's highest (a number is never given twice).

    The last number given is kept in app_state (scanning 100,000 numbers for every case a
    mail fetch opens took most of its time); it is checked against the unique index, and
    the numbers are scanned again only when it is missing or behind."""
    prefix = f"CASE-{year}-"
    key = f"case_number:{year}"
    stored = session.run("SELECT value FROM app_state WHERE key = :k", {"k": key})
    value = str(stored.scalar() or "")
    last = int(value) if value.isdigit() else _highest(session, prefix)
    taken = session.run(
        "SELECT 1 FROM support_case WHERE number = :n", {"n": f"{prefix}{last + 1:04d}"}
    ).first()
    if taken is not None:
        last = _highest(session, prefix)
    changed = session.run(
        "UPDATE app_state SET value = :v WHERE key = :k", {"k": key, "v": str(last + 1)}
    )
    if not getattr(changed, "rowcount", 0):
        sql.insert_plain(session, "app_state", {"key": key, "value": str(last + 1)})
    return f"{prefix}{last + 1:04d}"


def event(
    session: Db,
    ident: int,
    kind: str,
    by: str,
    *,
    before: str = "",
    after: str = "",
    body: str = "",
    message_id: str = "",
    interaction_id: int | None = None,
    at: datetime | None = None,
) -> None:
    sql.insert(
        session,
        "case_event",
        {
            "case_id": ident,
            "at": at or clock.now(),
            "kind": kind,
            "actor": by,
            "from_value": before,
            "to_value": after,
            "body": body,
            "message_id": message_id,
            "interaction_id": interaction_id,
        },
    )


def open_case_in(
    session: Db, store: Store, contact_id: int, data: CaseInput, *, at: datetime
) -> int:
    """Insert a case (and its first event) in the caller's transaction; returns its id."""
    subject = validate.name(data.subject, "subject")
    priority = _choice(data.priority or "normal", PRIORITIES, "priority")
    level = levels(store).level(priority, at)
    company = session.run(
        "SELECT company_id FROM contact WHERE id = :c", {"c": contact_id}
    ).scalar()
    by = _by(session, store)
    product_id, product = _product(session, data.product)
    assignee, their_department = _assignee(session, data.assignee, "assign")
    ident = sql.insert(
        session,
        "support_case",
        {
            "uuid": sql.new_uuid(),
            "number": _next_number(session, at.astimezone(clock.local_zone()).year),
            "contact_id": contact_id,
            "company_id": company,
            "product": product,
            "product_id": product_id,
            "subject": subject,
            "description": validate.block(data.description, "description"),
            "channel": _choice(data.channel or "email", CHANNELS, "channel"),
            "priority": priority,
            "status": "new",
            "assignee": assignee,
            "department": _department(session, data.department) or their_department,
            "tags": _tags(data.tags),
            "created_by": by,
            "first_response_due_at": level.first_response_due,
            "resolution_due_at": level.resolution_due,
            "next_due_at": level.first_response_due,
            "first_response_at": None,
            "resolved_at": None,
            "closed_at": None,
            "reopen_count": 0,
            "thread_id": data.thread_id,
            "survey_sent_at": None,
            "satisfaction": None,
            "satisfaction_comment": "",
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
        },
    )
    event(session, ident, "opened", by, after="new", body=data.description.strip(), at=at)
    return ident


def open_case(store: Store, contact_ref: str, data: CaseInput) -> CaseView:
    """Open a case for a contact (and the contact's company) in one transaction."""
    from pocketcrm.core.services.lookup import resolve_contact

    with store.sql_write() as session:
        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
        ident = open_case_in(session, store, contact_id, data, at=clock.now())
        return load(session, store, ident)


def _row(session: Db, ident: int) -> dict[str, object]:
    found = session.run(
        "SELECT status, first_response_at, first_response_due_at, resolution_due_at, "
        "priority, contact_id, number, subject, thread_id, assignee FROM support_case "
        "WHERE id = :i",
        {"i": ident},
    ).one()
    return dict(found._asdict())


def _next_due(status: str, answered: object, first_due: object, resolve_due: object) -> object:
    """The target still running: none once resolved, closed or waiting on the customer."""
    if status not in ("new", "open"):
        return None
    return resolve_due if answered is not None else first_due


def _update(session: Db, ident: int, changes: dict[str, object]) -> None:
    row = _row(session, ident)
    merged = {**row, **changes}
    changes["next_due_at"] = _next_due(
        str(merged["status"]),
        merged["first_response_at"],
        merged["first_response_due_at"],
        merged["resolution_due_at"],
    )
    changes["updated_at"] = clock.now()
    values = {k: db_time(v) if isinstance(v, datetime) else v for k, v in changes.items()}
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    session.run(f"UPDATE support_case SET {assignments} WHERE id = :id", {**values, "id": ident})


def _word(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def _move(session: Db, store: Store, ident: int, target: str, *, force: bool) -> None:
    """Apply one status move with its rules and events (reopen counted, close needs resolve)."""
    row = _row(session, ident)
    current = str(row["status"])
    number = str(row["number"])
    if current == target:
        raise Invalid("status", f"{number} is already {_word(target)}")
    now = clock.now()
    changes: dict[str, object] = {"status": target}
    if target == "closed":
        if current in OPEN_STATUSES and not force:
            raise Invalid(
                "status",
                f"{number} is {_word(current)}, not resolved; resolve it first, or close "
                "it anyway with --force",
            )
        changes["closed_at"] = now
        if current in OPEN_STATUSES:
            changes["resolved_at"] = now
    elif target == "resolved":
        changes["resolved_at"] = now
        changes["closed_at"] = None
    elif current in ("resolved", "closed"):  # back to work: a reopen
        level = levels(store).level(str(row["priority"]), now)
        changes.update(resolved_at=None, closed_at=None, resolution_due_at=level.resolution_due)
        session.run(
            "UPDATE support_case SET reopen_count = reopen_count + 1 WHERE id = :i", {"i": ident}
        )
    _update(session, ident, changes)
    event(
        session,
        ident,
        "status",
        _by(session, store),
        before=current,
        after=target,
    )


def set_status(store: Store, ref: str, status: str, *, force: bool = False) -> CaseView:
    """Move a case to STATUS (new, open, waiting, resolved, closed)."""
    target = status_name(status)
    with store.sql_write() as session:
        ident = case_id(session, ref)
        _move(session, store, ident, target, force=force)
        return load(session, store, ident)


def resolve_case(store: Store, ref: str, note: str = "") -> CaseView:
    with store.sql_write() as session:
        ident = case_id(session, ref)
        _move(session, store, ident, "resolved", force=False)
        if note.strip():
            event(
                session,
                ident,
                "note",
                _by(session, store),
                body=note.strip(),
            )
        return load(session, store, ident)


def reopen_case(store: Store, ref: str, reason: str = "") -> CaseView:
    """A resolved or closed case goes back to open (counted on the case)."""
    with store.sql_write() as session:
        ident = case_id(session, ref)
        current = str(_row(session, ident)["status"])
        if current not in ("resolved", "closed"):
            raise Invalid(
                "status",
                f"the case is {_word(current)}; only a resolved or closed case can be reopened",
            )
        _move(session, store, ident, "open", force=False)
        if reason.strip():
            event(
                session,
                ident,
                "note",
                _by(session, store),
                body=reason.strip(),
            )
        return load(session, store, ident)


def assign_case(store: Store, ref: str, assignee: str, department: str | None = None) -> CaseView:
    """Give the case to someone (a login or a name; '' leaves it unassigned). The case moves
    to DEPARTMENT when one is given, else to the assignee's department if they have one."""
    with store.sql_write() as session:
        ident = case_id(session, ref)
        who, their_department = _assignee(session, assignee, "assignee")
        before = str(_row(session, ident)["assignee"])
        changes: dict[str, object] = {"assignee": who}
        if department is not None:
            changes["department"] = _department(session, department)
        elif their_department:
            changes["department"] = their_department
        _update(session, ident, changes)
        event(
            session,
            ident,
            "assign",
            _by(session, store),
            before=before,
            after=who,
        )
        return load(session, store, ident)


def add_note(store: Store, ref: str, body: str) -> CaseView:
    """An internal note: on the case's timeline only, never mailed."""
    note = validate.block(body, "text")
    if not note:
        raise Invalid("text", "the note is empty; say what happened")
    with store.sql_write() as session:
        ident = case_id(session, ref)
        event(session, ident, "note", _by(session, store), body=note)
        return load(session, store, ident)


def log_email(
    session: Db,
    store: Store,
    contact_id: int,
    *,
    direction: str,
    notes: str,
    at: datetime,
    satisfaction: int | None = None,
) -> int:
    """An "email" interaction on the contact's timeline (search and last-contact follow)."""
    from pocketcrm.core.search import reindex
    from pocketcrm.core.services.activity import refresh_contact_dates

    company = session.run(
        "SELECT company_id FROM contact WHERE id = :c", {"c": contact_id}
    ).scalar()
    interaction = sql.insert(
        session,
        "interaction",
        {
            "uuid": sql.new_uuid(),
            "contact_id": contact_id,
            "company_id": company,
            "kind": "email",
            "direction": direction,
            "occurred_at": at,
            "duration_s": None,
            "outcome": "",
            "satisfaction": satisfaction,
            "owner": _by(session, store),
            "notes": notes,
            "created_at": at,
        },
    )
    refresh_contact_dates(session, contact_id)
    reindex(session, [contact_id])
    return interaction


def _recipient(session: Db, contact_id: int) -> tuple[str, str]:
    row = session.run(
        "SELECT c.display_name, e.address FROM contact c JOIN contact_email e "
        "ON e.contact_id = c.id WHERE c.id = :c ORDER BY e.is_primary DESC, e.id LIMIT 1",
        {"c": contact_id},
    ).first()
    if row is None:
        raise Invalid("email", "the contact has no email address; add one, or use --internal")
    return str(row[0]), str(row[1])


def reply(store: Store, ref: str, body: str, *, wait: bool = False) -> CaseView:
    """Mail a reply to the customer, then record it on the case and the contact's timeline.

    The first reply meets the first-response target; a new case becomes open (or, with
    `wait`, waiting on the customer)."""
    from pocketcrm.core import outbound

    message = validate.block(body, "text")
    if not message:
        raise Invalid("text", "the reply is empty; write what the customer should read")
    with store.sql_read() as session:
        ident = case_id(session, ref)
        row = _row(session, ident)
        name, address = _recipient(session, int(str(row["contact_id"])))
        refs = _thread(session, ident, str(row["thread_id"]))
    if str(row["status"]) == "closed":
        raise Invalid("status", f"{row['number']} is closed; reopen it before replying")
    sent_id = outbound.send(
        store.settings,
        outbound.Outgoing(
            to_name=name,
            to_address=address,
            subject=f"[{row['number']}] {row['subject']}",
            body=message,
            in_reply_to=refs[-1] if refs else "",
            references=tuple(refs),
        ),
    )
    return _record_reply(store, ident, message, sent_id, wait=wait)


def _thread(session: Db, ident: int, thread_id: str) -> list[str]:
    """The Message-IDs of the case's mail so far, oldest first (for References)."""
    ids = session.run(
        "SELECT message_id FROM case_event WHERE case_id = :i AND message_id <> '' ORDER BY at, id",
        {"i": ident},
    ).scalars()
    found = [thread_id] if thread_id else []
    return found + [str(m) for m in ids if m and m != thread_id]


def _record_reply(store: Store, ident: int, message: str, sent_id: str, *, wait: bool) -> CaseView:
    now = clock.now()
    with store.sql_write() as session:
        by = _by(session, store)
        row = _row(session, ident)
        interaction = log_email(
            session,
            store,
            int(str(row["contact_id"])),
            direction="out",
            notes=f"{row['number']}: {message[:EXCERPT]}",
            at=now,
        )
        event(
            session,
            ident,
            "reply",
            by,
            body=message,
            message_id=sent_id,
            interaction_id=interaction,
            at=now,
        )
        changes: dict[str, object] = {}
        if row["first_response_at"] is None:
            changes["first_response_at"] = now
        target = "waiting" if wait else ("open" if row["status"] == "new" else "")
        if target and target != row["status"]:
            _update(session, ident, changes)
            _move(session, store, ident, target, force=False)
        else:
            _update(session, ident, changes)
        return load(session, store, ident)


def close_case(
    store: Store, ref: str, *, force: bool = False, survey: bool | None = None
) -> CaseView:
    """Close a case; with the survey on ([service] survey or `survey`), mail the customer the
    one-question satisfaction email (a failed survey does not undo the close)."""
    with store.sql_write() as session:
        ident = case_id(session, ref)
        _move(session, store, ident, "closed", force=force)
        closed = load(session, store, ident)
    if survey if survey is not None else store.settings.service.survey:
        send_survey(store, closed.number)
    return get_closed(store, ident)


def get_closed(store: Store, ident: int) -> CaseView:
    with store.sql_read() as session:
        return load(session, store, ident)


SURVEY_QUESTION = (
    "How satisfied are you with how we handled your request?\n\n"
    "Reply with one digit from 1 (not at all) to 5 (very), and a word on why if you like."
)


def send_survey(store: Store, ref: str) -> CaseView:
    """Mail the one-question survey; the reply is read back by `mail fetch`."""
    from pocketcrm.core import outbound

    with store.sql_read() as session:
        ident = case_id(session, ref)
        row = _row(session, ident)
        name, address = _recipient(session, int(str(row["contact_id"])))
        refs = _thread(session, ident, str(row["thread_id"]))
    sent_id = outbound.send(
        store.settings,
        outbound.Outgoing(
            to_name=name,
            to_address=address,
            subject=f"[{row['number']}] How did we do?",
            body=f"About: {row['subject']}\n\n{SURVEY_QUESTION}",
            in_reply_to=refs[-1] if refs else "",
            references=tuple(refs),
        ),
    )
    with store.sql_write() as session:
        session.run(
            "UPDATE support_case SET survey_sent_at = :n WHERE id = :i",
            {"n": db_time(clock.now()), "i": ident},
        )
        event(
            session,
            ident,
            "survey",
            _by(session, store),
            message_id=sent_id,
        )
        return load(session, store, ident)


def record_satisfaction(
    session: Db, store: Store, ident: int, score: int, comment: str, *, at: datetime
) -> None:
    """The customer's 1-5 answer to the survey (the latest answer counts)."""
    validate.satisfaction(score)
    session.run(
        "UPDATE support_case SET satisfaction = :s, satisfaction_comment = :c WHERE id = :i",
        {"s": score, "c": comment.strip()[:2000], "i": ident},
    )
    event(session, ident, "satisfaction", "", after=str(score), body=comment.strip(), at=at)


def add_inbound(
    session: Db,
    store: Store,
    ident: int,
    body: str,
    *,
    message_id: str,
    interaction_id: int | None,
    at: datetime,
) -> None:
    """A customer's message joins the case; a case waiting on them, or resolved, is open
    again (a resolved one counts as reopened: the customer says it is not solved)."""
    event(
        session,
        ident,
        "inbound",
        "",
        body=body,
        message_id=message_id,
        interaction_id=interaction_id,
        at=at,
    )
    if str(_row(session, ident)["status"]) in ("waiting", "resolved"):
        _move(session, store, ident, "open", force=False)


def add_outbound(
    session: Db,
    store: Store,
    ident: int,
    body: str,
    *,
    message_id: str,
    interaction_id: int | None,
    at: datetime,
) -> None:
    """A reply sent from a mail program (found in Sent or by BCC): it answers the customer
    like `case reply` does, without mailing anything."""
    event(session, ident, "reply", _by(session, store), body=body,
          message_id=message_id, interaction_id=interaction_id, at=at)  # fmt: skip
    row = _row(session, ident)
    if row["first_response_at"] is None:
        _update(session, ident, {"first_response_at": at})
    if row["status"] == "new":
        _move(session, store, ident, "open", force=False)
