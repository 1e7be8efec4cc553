"""Support cases as read: the views both faces show, the queue, a case's timeline.

Plain SQL (no ORM classes): `case list --breached` over 100,000 cases is a one-line command.
A case is *breached* when the target still running (`next_due_at`: the first reply while
unanswered, else the resolution) has passed, and *due soon* when it passes within
[service] warn_hours; a resolved or closed case, or one waiting on the customer, has no
running target. That rule lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pocketcrm.core import clock
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

STATUSES = ("new", "open", "waiting", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "waiting")
CHANNELS = ("email", "phone", "web", "chat", "in_person", "other")
STATUS_WORDS = {"waiting": "waiting on customer"}
_NUMBER = "CASE-"


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    contact_id: int
    contact_name: str
    company_name: str
    product: str
    subject: str
    description: str
    channel: str
    priority: str
    status: str
    assignee: str
    department: str
    tags: tuple[str, ...]
    created_by: str
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    next_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    satisfaction: int | None
    satisfaction_comment: str
    breached: bool  # the running target has passed
    due_soon: bool  # the running target passes within warn_hours
    product_id: int | None = None  # the catalogue entry `product` names, if it is one
    product_sku: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class CaseLine:
    """A case as the queue's table shows it (`case list`): what a line needs, no more."""

    id: int
    number: str
    status: str
    priority: str
    next_due_at: datetime | None
    breached: bool
    due_soon: bool
    subject: str
    contact_name: str
    assignee: str
    product: str


@dataclass(frozen=True)
class CaseEventView:
    at: datetime
    kind: str  # opened, reply, note, inbound, status, assign, satisfaction, survey
    by: str
    from_value: str
    to_value: str
    body: str
    message_id: str


SELECT = (
    "SELECT s.id, s.number, s.contact_id, c.display_name, co.name, s.product, s.subject, "
    "s.description, s.channel, s.priority, s.status, s.assignee, s.department, s.tags, "
    "s.created_by, s.created_at, s.updated_at, s.first_response_due_at, s.resolution_due_at, "
    "s.next_due_at, s.first_response_at, s.resolved_at, s.closed_at, s.reopen_count, "
    "s.satisfaction, s.satisfaction_comment, s.product_id, p.sku "
    "FROM support_case s JOIN contact c ON c.id = s.contact_id "
    "LEFT JOIN company co ON co.id = s.company_id AND co.deleted_at IS NULL "
    "LEFT JOIN product p ON p.id = s.product_id "
    "WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL"
)

_FROM = (
    " FROM support_case s JOIN contact c ON c.id = s.contact_id "
    "WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL"
)
LINE_SELECT = (
    "SELECT s.id, s.number, s.status, s.priority, s.next_due_at, s.subject, c.display_name, "
    "s.assignee, s.product" + _FROM
)


def _time(value: object) -> datetime:
    moment = from_db_time(value)
    assert moment is not None
    return moment


def _flags(next_due: datetime | None, now: datetime, warn: timedelta) -> tuple[bool, bool]:
    """(breached, due soon) of a case whose running target is NEXT_DUE: the one breach rule."""
    if next_due is None:
        return False, False
    return next_due <= now, now < next_due <= now + warn


def view(row: Sequence[Any], now: datetime, warn: timedelta) -> CaseView:
    """A row of SELECT as its read model, with the breach rule applied at `now`."""
    next_due = from_db_time(row[19])
    breached, due_soon = _flags(next_due, now, warn)
    return CaseView(
        id=int(row[0]),
        number=str(row[1]),
        contact_id=int(row[2]),
        contact_name=str(row[3]),
        company_name=str(row[4] or ""),
        product=str(row[5]),
        subject=str(row[6]),
        description=str(row[7]),
        channel=str(row[8]),
        priority=str(row[9]),
        status=str(row[10]),
        assignee=str(row[11]),
        department=str(row[12]),
        tags=tuple(t for t in str(row[13]).split(",") if t),
        created_by=str(row[14]),
        created_at=_time(row[15]),
        updated_at=_time(row[16]),
        first_response_due_at=_time(row[17]),
        resolution_due_at=_time(row[18]),
        next_due_at=next_due,
        first_response_at=from_db_time(row[20]),
        resolved_at=from_db_time(row[21]),
        closed_at=from_db_time(row[22]),
        reopen_count=int(row[23]),
        satisfaction=None if row[24] is None else int(row[24]),
        satisfaction_comment=str(row[25]),
        breached=breached,
        due_soon=due_soon,
        product_id=None if row[26] is None else int(row[26]),
        product_sku=str(row[27] or ""),
    )


def warn_window(store: Store) -> timedelta:
    return timedelta(hours=max(store.settings.service.warn_hours, 0))


def case_id(session: Db, ref: str) -> int:
    """The id of the case REF names: its number (CASE-2026-0007, any case) or its id."""
    cleaned = ref.strip().lstrip("#")
    if cleaned.isdigit():
        found = session.run(
            "SELECT id FROM support_case WHERE id = :i AND deleted_at IS NULL",
            {"i": int(cleaned)},
        ).scalar()
    else:
        found = session.run(
            "SELECT id FROM support_case WHERE number = :n AND deleted_at IS NULL",
            {"n": cleaned.upper()},
        ).scalar()
    if found is None:
        raise NotFound("case", ref)
    return int(found)


def load(session: Db, store: Store, ident: int) -> CaseView:
    row = session.run(SELECT + " AND s.id = :i", {"i": ident}).first()
    if row is None:
        raise NotFound("case", str(ident))
    return view(row, clock.now(), warn_window(store))


def get_case(store: Store, ref: str) -> CaseView:
    with store.sql_read() as session:
        return load(session, store, case_id(session, ref))


def timeline(store: Store, ref: str) -> list[CaseEventView]:
    """The case's steps, oldest first."""
    with store.sql_read() as session:
        ident = case_id(session, ref)
        rows = session.run(
            "SELECT at, kind, actor, from_value, to_value, body, message_id FROM case_event "
            "WHERE case_id = :i ORDER BY at, id",
            {"i": ident},
        ).all()
    return [
        CaseEventView(_time(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]))
        for r in rows
    ]


def status_name(value: str) -> str:
    """A status as typed ('waiting on customer', 'Resolved') -> its stored name."""
    cleaned = "_".join(value.strip().lower().split())
    if cleaned.startswith("waiting"):
        cleaned = "waiting"
    if cleaned not in STATUSES:
        raise Invalid("status", f"unknown status {value!r}; use one of: {', '.join(STATUSES)}")
    return cleaned


def _filters(
    status: str, assignee: str, breached: bool, contact_id: int | None, now: datetime
) -> tuple[str, dict[str, object]]:
    where, params = "", dict[str, object]()
    if status == "open":  # every status still being worked on
        where += " AND s.status IN ('new', 'open', 'waiting')"
    elif status:
        where += " AND s.status = :status"
        params["status"] = status_name(status)
    if assignee:
        where += " AND lower(s.assignee) = :assignee"
        params["assignee"] = assignee.strip().lower()
    if breached:
        where += " AND s.next_due_at IS NOT NULL AND s.next_due_at <= :now AND s.deleted_at IS NULL"
        params["now"] = db_time(now)
    if contact_id is not None:
        where += " AND s.contact_id = :contact"
        params["contact"] = contact_id
    return where, params


def _listing(
    session: Db,
    store: Store,
    select: str,
    now: datetime,
    *,
    status: str,
    assignee: str,
    breached: bool,
    contact_ref: str,
    limit: int | None,
) -> list[Any]:
    """The queue's rows of SELECT: cases with a running target first, soonest due first;
    then the rest, newest first. ASSIGNEE is a user as typed (a login or a name)."""
    if assignee.strip():
        from pocketcrm.core.services.users import owner_in

        assignee = owner_in(session, assignee, field="assignee", assign=False)
    contact_id = None
    if contact_ref.strip():
        from pocketcrm.core.services.lookup import resolve_contact

        contact_id = resolve_contact(session, contact_ref, region=store.settings.default_region)
    where, params = _filters(status, assignee, breached, contact_id, now)
    order = (
        # Only running cases: the partial next-due index gives them in order.
        " ORDER BY s.next_due_at, s.id"
        if breached
        else " ORDER BY CASE WHEN s.next_due_at IS NULL THEN 1 ELSE 0 END, s.next_due_at, "
        "s.created_at DESC, s.id DESC"
    )
    bound = f" LIMIT {int(limit)}" if limit else ""
    return session.run(select + where + order + bound, params).all()


def _whose(store: Store, assignee: str, mine: bool) -> str:
    """The assignee to filter on: the acting user for `mine`, else ASSIGNEE as typed."""
    if not mine:
        return assignee
    from pocketcrm.core.services.users import acting_login

    return acting_login(store)


def list_cases(
    store: Store,
    *,
    status: str = "",
    assignee: str = "",
    mine: bool = False,
    breached: bool = False,
    contact_ref: str = "",
    limit: int | None = None,
) -> list[CaseView]:
    """The queue as full views (--json, the interface): see `_listing` for the order.
    status "open" means new, open or waiting; `mine` the acting user's (users.acting_login);
    `breached` only those past due."""
    now = clock.now()
    assignee = _whose(store, assignee, mine)
    with store.sql_read() as session:
        rows = _listing(session, store, SELECT, now, status=status, assignee=assignee,
                        breached=breached, contact_ref=contact_ref, limit=limit)  # fmt: skip
    warn = warn_window(store)
    return [view(r, now, warn) for r in rows]


def queue(
    store: Store,
    *,
    status: str = "",
    assignee: str = "",
    mine: bool = False,
    breached: bool = False,
    contact_ref: str = "",
    limit: int | None = None,
) -> list[CaseLine]:
    """The same queue as `list_cases`, as table lines: `case list --breached` over 100,000
    cases prints thousands of them, and a line reads a third of the columns and parses one
    time where a view parses eight."""
    now = clock.now()
    assignee = _whose(store, assignee, mine)
    with store.sql_read() as session:
        rows = _listing(session, store, LINE_SELECT, now, status=status, assignee=assignee,
                        breached=breached, contact_ref=contact_ref, limit=limit)  # fmt: skip
    warn = warn_window(store)
    lines = []
    for r in rows:
        due = from_db_time(r[4])
        breach, soon = _flags(due, now, warn)
        lines.append(CaseLine(int(r[0]), str(r[1]), str(r[2]), str(r[3]), due, breach, soon,
                              str(r[5]), str(r[6]), str(r[7]), str(r[8])))  # fmt: skip
    return lines


def due_cases(store: Store, *, owner: str = "") -> list[CaseView]:
    """Cases breached or about to breach (for the agenda and `remind`), soonest first."""
    now = clock.now()
    limit = now + warn_window(store)
    where = " AND s.next_due_at IS NOT NULL AND s.next_due_at <= :limit"
    params: dict[str, object] = {"limit": db_time(limit)}
    if owner.strip():
        where += " AND (s.assignee = '' OR lower(s.assignee) = :owner)"
        params["owner"] = owner.strip().lower()
    with store.sql_read() as session:
        rows = session.run(SELECT + where + " ORDER BY s.next_due_at, s.id", params)
        return [view(r, now, warn_window(store)) for r in rows.all()]


def contact_cases(store: Store, contact_id: int, limit: int = 20) -> list[CaseView]:
    """A contact's cases for the card: open ones first (soonest due), then the latest."""
    now = clock.now()
    with store.sql_read() as session:
        rows = session.run(
            SELECT + " AND s.contact_id = :c ORDER BY CASE WHEN s.status IN "
            "('new','open','waiting') THEN 0 ELSE 1 END, s.next_due_at, s.created_at DESC "
            f"LIMIT {int(limit)}",
            {"c": contact_id},
        ).all()
    return [view(r, now, warn_window(store)) for r in rows]


def reminder_rows(
    session: Db, now: datetime, warn: timedelta
) -> list[tuple[int, int, datetime, bool]]:
    """(case id, contact id, running target, breached) of every case breached or due within
    WARN: what `remind` tells about (through the partial next-due index)."""
    rows = session.run(
        "SELECT s.id, s.contact_id, s.next_due_at FROM support_case s "
        "JOIN contact c ON c.id = s.contact_id WHERE s.next_due_at IS NOT NULL "
        "AND s.deleted_at IS NULL AND c.deleted_at IS NULL AND s.next_due_at <= :limit",
        {"limit": db_time(now + warn)},
    ).all()
    return [(int(r[0]), int(r[1]), _time(r[2]), _time(r[2]) <= now) for r in rows]


def case_labels(session: Db, ids: Sequence[int]) -> dict[int, str]:
    """'CASE-2026-0007 Oven broken (urgent)' by case id, for reminder texts."""
    if not ids:
        return {}
    listed = ",".join(str(int(i)) for i in ids)
    rows = session.run(
        f"SELECT id, number, subject, priority FROM support_case WHERE id IN ({listed})"
    ).all()
    return {int(r[0]): f"{r[1]} {r[2]} ({r[3]})" for r in rows}
