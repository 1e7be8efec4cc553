"""Who changed what, read back: a record's history, and undo of one change field by field.

The journal (core/journal.py) holds one row per changed record; a *change* is everything one
transaction did (an `edit` that renames and adds an email is one change of two rows). Undo
reverts a whole change, newest row first, and refuses (Invalid, exit 2) when a later change
touched one of its fields, unless forced. Undo is journaled like any write, as face "undo".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from pocketcrm.core import acting, clock, journal, search
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.sessions import CrmSession
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

LIMIT = 200  # entries shown by default, newest first
# Tables with a trash (deleted_at): undoing a record's creation moves it there.
TRASHABLE = frozenset(
    {"contact", "company", "deal", "invoice", "payment", "interaction", "follow_up"}
)

_LABELS = {
    "contact": "contact",
    "company": "company",
    "deal": "deal",
    "invoice": "invoice",
    "payment": "payment",
    "interaction": "interaction",
    "follow_up": "follow-up",
    "contact_tag": "tag",
    "stage_change": "stage history",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_address": "address",
    "contact_website": "website",
    "custom_field": "field",
}
# The column that names a row of each table in a readable line.
_NAMED_BY = {
    "contact": "display_name",
    "company": "name",
    "deal": "title",
    "invoice": "number",
    "payment": "amount_cents",
    "interaction": "kind",
    "follow_up": "note",
    "contact_tag": "tag",
    "stage_change": "to_stage",
    "contact_email": "address",
    "contact_phone": "number",
    "contact_address": "city",
    "contact_website": "url",
    "custom_field": "name",
}
_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(\.\d+)?)?$")


@dataclass(frozen=True)
class Change:
    """One journal entry: one record changed by one transaction."""

    id: int
    at: datetime
    actor: str
    face: str
    table: str
    row_id: int | None
    contact_id: int | None
    action: str  # insert, update, delete, erase
    fields: dict[str, list[Any]]  # field -> [before, after]
    change: int  # the transaction: undo reverts all entries sharing it
    undone: bool
    summary: str  # "stage: lead -> customer", the same words in both faces


@dataclass(frozen=True)
class History:
    subject: str  # "contact #1 Ann Lee", "deal #3 Website"
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class UndoResult:
    change: int  # the id of the newest entry undone
    entries: int
    summaries: list[str]
    overwritten: list[str]  # with --force: fields a later change had set, now reverted


def shown(value: Any) -> str:
    """A journaled value as a person reads it."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, str):
        moment = _MOMENT.match(value)
        if moment:
            return f"{moment[1]} {moment[2]}"
    return str(value)


def summary(table: str, action: str, fields: dict[str, list[Any]], row_id: int | None) -> str:
    """The readable line of one entry ("stage: lead -> customer", "tag +vip")."""
    label = _LABELS.get(table, table)
    pick = 0 if action == "delete" else 1
    name = shown((fields.get(_NAMED_BY.get(table, ""), [None, None]))[pick])
    if table == "contact_tag":
        return f"tag {'-' if action == 'delete' else '+'}{name}"
    if action == "erase":
        return "a person's data was erased"
    if action == "insert":
        return f"{label} added: {name}" if table != "contact" else f"contact created: {name}"
    if action == "delete":
        return f"{label} removed: {name}"
    deleted = fields.get("deleted_at")
    if deleted is not None and len(fields) == 1:
        return f"{label} {'restored' if deleted[1] is None else 'moved to the trash'}"
    prefix = "" if table == "contact" else f"{label} #{row_id} "
    parts = [f"{key}: {shown(pair[0])} -> {shown(pair[1])}" for key, pair in fields.items()]
    return prefix + "; ".join(parts)


def _change(row: Any) -> Change:
    fields = json.loads(row.changes or "{}")
    moment = from_db_time(row.at)
    assert moment is not None
    return Change(
        id=int(row.id),
        at=moment,
        actor=str(row.actor),
        face=str(row.face),
        table=str(row.tbl),
        row_id=None if row.row_id is None else int(row.row_id),
        contact_id=None if row.contact_id is None else int(row.contact_id),
        action=str(row.action),
        fields=fields,
        change=int(row.txn),
        undone=row.undone_txn is not None,
        summary=summary(str(row.tbl), str(row.action), fields, row.row_id),
    )


_COLUMNS = "id, at, actor, face, tbl, row_id, contact_id, action, changes, txn, undone_txn"


def _subject(session: CrmSession, ref: str, region: str) -> tuple[str, str, dict[str, Any]]:
    """(label, WHERE clause, params) of the journal entries REF's history shows."""
    from pocketcrm.core.services.lookup import resolve_company, resolve_contact

    kind, _, rest = ref.partition(":")
    kind = kind.strip().lower()
    if rest and kind in ("deal", "invoice", "company", "contact"):
        ref = rest.strip()
    else:
        kind = "invoice" if _invoice_id(session, ref) is not None else "contact"
    if kind == "deal":
        row = session.execute(
            text("SELECT id, title FROM deal WHERE id = :i"), {"i": _number(ref, "deal")}
        ).first()
        if row is None:
            raise NotFound("deal", ref)
        return f"deal #{row[0]} {row[1]}", "tbl = 'deal' AND row_id = :r", {"r": row[0]}
    if kind == "invoice":
        found = _invoice_id(session, ref)
        if found is None:
            raise NotFound("invoice", ref)
        return (
            f"invoice {found[1]}",
            "((tbl = 'invoice' AND row_id = :r) OR (tbl = 'payment' AND row_id IN "
            "(SELECT id FROM payment WHERE invoice_id = :r)))",
            {"r": found[0]},
        )
    if kind == "company":
        cid = resolve_company(session, ref, include_deleted=True)
        name = session.execute(text("SELECT name FROM company WHERE id = :i"), {"i": cid}).scalar()
        return f"company #{cid} {name}", "tbl = 'company' AND row_id = :r", {"r": cid}
    cid = resolve_contact(session, ref, region=region, include_deleted=True)
    name = session.execute(
        text("SELECT display_name FROM contact WHERE id = :i"), {"i": cid}
    ).scalar()
    return f"contact #{cid} {name}", "contact_id = :r", {"r": cid}


def _number(ref: str, what: str) -> int:
    digits = ref.strip().lstrip("#")
    if not digits.isdigit():
        raise Invalid(what, f"{ref!r} is not a {what} id; give its number, e.g. {what}:12")
    return int(digits)


def _invoice_id(session: CrmSession, ref: str) -> tuple[int, str] | None:
    """The invoice whose number is REF (any case), or None."""
    row = session.execute(
        text("SELECT id, number FROM invoice WHERE upper(number) = :n"), {"n": ref.strip().upper()}
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def history(store: Store, ref: str, *, limit: int = LIMIT) -> History:
    """REF's changes, newest first: a contact (name, id, email...) with everything about it,
    or `deal:ID`, `invoice:NUMBER` (or the bare number), `company:NAME`."""
    with store.read() as session:
        label, where, params = _subject(session, ref, store.settings.default_region)
        rows = session.execute(
            text(f"SELECT {_COLUMNS} FROM journal WHERE {where} ORDER BY id DESC LIMIT :n"),
            {**params, "n": limit},
        ).all()
    return History(subject=label, changes=_without_echoes([_change(r) for r in rows]))


def _without_echoes(changes: list[Change]) -> list[Change]:
    """Leave out the stage-history row a stage change writes beside the contact's own stage
    field (or its creation): the same fact twice. Undo still reverts both."""
    staged = {
        c.change
        for c in changes
        if c.table == "contact" and (c.action == "insert" or "stage" in c.fields)
    }
    return [
        c
        for c in changes
        if not (c.table == "stage_change" and c.action == "insert" and c.change in staged)
    ]


# -- undo ----------------------------------------------------------------------------------


def whoami(session: CrmSession, store: Store) -> str:
    """The acting user as the journal writes it: current_user on PostgreSQL."""
    if is_sqlite(session):  # the rule the journal's triggers follow (and users.acting_login)
        return acting.choose(session.execute(text(acting.USERS)).all(), store.settings.owner)
    return str(session.execute(text("SELECT current_user")).scalar())


def _target(session: CrmSession, store: Store, change_id: int | None) -> list[Change]:
    """The entries of the change to undo (its transaction), newest first."""
    if change_id is None:
        me = whoami(session, store)
        txn = session.execute(
            text(
                "SELECT txn FROM journal WHERE actor = :me AND face <> 'undo' "
                "AND undone_txn IS NULL AND action <> 'erase' ORDER BY id DESC LIMIT 1"
            ),
            {"me": me},
        ).scalar()
        if txn is None:
            raise NotFound("change of yours", me)
    else:
        txn = session.execute(
            text("SELECT txn FROM journal WHERE id = :i"), {"i": change_id}
        ).scalar()
        if txn is None:
            raise NotFound("change", str(change_id))
    rows = session.execute(
        text(f"SELECT {_COLUMNS} FROM journal WHERE txn = :t ORDER BY id DESC"), {"t": txn}
    ).all()
    entries = [_change(r) for r in rows]
    if any(e.undone for e in entries):
        raise Invalid("change", f"change {entries[0].id} was already undone")
    if any(e.action == "erase" for e in entries):
        raise Invalid("change", "an erase cannot be undone: the person's data is gone")
    return entries


def _touched(entry: Change) -> set[str] | None:
    """The fields whose later change makes undoing ENTRY a conflict (None: any change)."""
    if entry.action == "update":
        return set(entry.fields)
    if entry.action == "insert" and entry.table in TRASHABLE:
        return {"deleted_at"}
    return None


def _row_filter(entry: Change) -> tuple[str, dict[str, Any]]:
    if entry.table == "contact_tag":
        return "tbl = 'contact_tag' AND row_id = :r AND contact_id = :c", {
            "r": entry.row_id,
            "c": entry.contact_id,
        }
    return "tbl = :t AND row_id = :r", {"t": entry.table, "r": entry.row_id}


def _conflicts(session: CrmSession, entry: Change) -> list[str]:
    """Later changes (of other transactions) to ENTRY's fields: one line each."""
    where, params = _row_filter(entry)
    rows = session.execute(
        text(f"SELECT {_COLUMNS} FROM journal WHERE {where} AND id > :i AND txn <> :x ORDER BY id"),
        {**params, "i": entry.id, "x": entry.change},
    ).all()
    watched = _touched(entry)
    found = []
    for later in map(_change, rows):
        common = sorted(set(later.fields) & watched) if watched is not None else [later.action]
        if common:
            when = later.at.astimezone(clock.local_zone()).strftime("%Y-%m-%d %H:%M")
            found.append(
                f"{', '.join(common)} (changed again by {later.actor} at {when}, change {later.id})"
            )
    return found


def undo(store: Store, change_id: int | None = None, *, force: bool = False) -> UndoResult:
    """Revert CHANGE_ID's whole change (default: your last one), field by field."""
    with journal.acting("undo"), store.write() as session:
        entries = _target(session, store, change_id)
        conflicts = [c for e in entries for c in _conflicts(session, e)]
        if conflicts and not force:
            raise Invalid(
                "change",
                f"a later change touched {conflicts[0]}; nothing was undone "
                "(--force overwrites it)",
            )
        sqlite = is_sqlite(session)
        for entry in entries:
            _revert(session, entry, sqlite)
        _refresh(session, entries)
        undo_txn = _current_txn(session, sqlite)
        session.execute(
            text("UPDATE journal SET undone_txn = :u WHERE txn = :t"),
            {"u": undo_txn, "t": entries[0].change},
        )
    return UndoResult(
        change=entries[0].id,
        entries=len(entries),
        summaries=[e.summary for e in entries],
        overwritten=conflicts,
    )


def _current_txn(session: CrmSession, sqlite: bool) -> int:
    if not sqlite:
        return int(session.execute(text("SELECT txid_current()")).scalar_one())
    found = journal.current_txn(session.connection().connection.dbapi_connection)
    return 0 if found is None else found


def _columns(session: CrmSession, table: str) -> set[str]:
    if is_sqlite(session):
        return {str(r[1]) for r in session.execute(text(f"PRAGMA main.table_info({table})"))}
    rows = session.execute(
        text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
        {"t": table},
    )
    return {str(r[0]) for r in rows}


def _key(entry: Change) -> tuple[str, dict[str, Any]]:
    if entry.table == "contact_tag":
        return "contact_id = :k1 AND tag_id = :k2", {"k1": entry.contact_id, "k2": entry.row_id}
    return "id = :k1", {"k1": entry.row_id}


def _revert(session: CrmSession, entry: Change, sqlite: bool) -> None:
    """Put ENTRY's record back as it was before it (an insert goes to the trash if it can)."""
    table = entry.table
    columns = _columns(session, table)
    where, key = _key(entry)
    if entry.action == "insert":
        if "deleted_at" in columns:
            session.execute(
                text(f"UPDATE {table} SET deleted_at = :now WHERE {where} AND deleted_at IS NULL"),
                {**key, "now": _moment(sqlite)},
            )
        else:
            session.execute(text(f"DELETE FROM {table} WHERE {where}"), key)
        return
    before = {k: pair[0] for k, pair in entry.fields.items() if k in columns}
    if not before:
        return
    names = sorted(before)
    if entry.action == "update":
        if sqlite:
            sets = ", ".join(f"{n} = :v_{n}" for n in names)
            values = {f"v_{n}": before[n] for n in names}
            session.execute(text(f"UPDATE {table} SET {sets} WHERE {where}"), {**key, **values})
        else:
            listed = ", ".join(names)
            session.execute(
                text(
                    f"UPDATE {table} SET ({listed}) = (SELECT {listed} FROM "
                    f"jsonb_populate_record(NULL::{table}, CAST(:j AS jsonb))) WHERE {where}"
                ),
                {**key, "j": json.dumps(before)},
            )
        return
    listed = ", ".join(names)  # a delete: the row comes back
    if sqlite:
        marks = ", ".join(f":v_{n}" for n in names)
        session.execute(
            text(f"INSERT INTO {table} ({listed}) VALUES ({marks})"),
            {f"v_{n}": before[n] for n in names},
        )
    else:
        session.execute(
            text(
                f"INSERT INTO {table} ({listed}) SELECT {listed} FROM "
                f"jsonb_populate_record(NULL::{table}, CAST(:j AS jsonb))"
            ),
            {"j": json.dumps(before)},
        )


def _moment(sqlite: bool) -> Any:
    now = clock.now()
    return db_time(now) if sqlite else now.replace(tzinfo=None)


def _refresh(session: CrmSession, entries: list[Change]) -> None:
    """Derived columns the journal skips: name keys, search rows, contact dates."""
    from pocketcrm.core.search import fold
    from pocketcrm.core.services.activity import refresh_contact_dates

    contacts = {e.contact_id for e in entries if e.contact_id is not None}
    for entry in entries:
        if entry.table == "contact" and "display_name" in entry.fields:
            session.execute(
                text("UPDATE contact SET name_key = :k WHERE id = :i"),
                {"k": fold(str(entry.fields["display_name"][0] or "")), "i": entry.row_id},
            )
        if entry.table == "company" and entry.row_id is not None:
            if "name" in entry.fields:
                session.execute(
                    text("UPDATE company SET name_key = :k WHERE id = :i"),
                    {"k": fold(str(entry.fields["name"][0] or "")), "i": entry.row_id},
                )
            search.reindex_company(session, entry.row_id)
    existing = sorted(contacts)
    for cid in existing:
        refresh_contact_dates(session, cid)
    search.reindex(session, existing)


# -- retention and personal data -----------------------------------------------------------


def prune(store: Store) -> int:
    """Drop entries older than journal.keep_days (0: keep forever); how many went."""
    days = store.settings.journal.keep_days
    if days <= 0:
        return 0
    cutoff = clock.now() - timedelta(days=days)
    with store.read() as session:
        sqlite = is_sqlite(session)
        old = db_time(cutoff) if sqlite else cutoff.replace(tzinfo=None)
        # entries are written in time order: the oldest first, so both reads stop early
        oldest = session.execute(text("SELECT at FROM journal ORDER BY id LIMIT 1")).scalar()
        moment = from_db_time(oldest)
        if moment is None or moment >= cutoff:
            return 0
    with store.write() as session:
        keep = session.execute(
            text("SELECT id FROM journal WHERE at >= :c ORDER BY id LIMIT 1"), {"c": old}
        ).scalar()
        done = session.execute(
            text("DELETE FROM journal WHERE id < :k AND at < :c"),
            {"k": keep if keep is not None else 2**62, "c": old},
        )
    return int(getattr(done, "rowcount", 0) or 0)


def about_contact(session: CrmSession, contact_id: int) -> list[dict[str, Any]]:
    """Every journal entry about a contact, oldest first, for `person export`."""
    from pocketcrm.core.readmodels import as_dict

    rows = session.execute(
        text(f"SELECT {_COLUMNS} FROM journal WHERE contact_id = :c ORDER BY id"),
        {"c": contact_id},
    ).all()
    return [as_dict(_change(r)) for r in rows]


def forget_contact(session: CrmSession, store: Store, contact_id: int) -> int:
    """Remove every entry about an erased contact (after its rows are deleted, which the
    triggers journaled too); one non-personal entry records that an erase happened."""
    done = session.execute(text("DELETE FROM journal WHERE contact_id = :c"), {"c": contact_id})
    sqlite = is_sqlite(session)
    txn = _current_txn(session, sqlite)
    session.execute(
        text(
            "INSERT INTO journal(at, txn, actor, face, tbl, row_id, row_uuid, contact_id, "
            "action, changes) VALUES (:at, :t, :who, :face, 'contact', NULL, '', NULL, "
            "'erase', '{}')"
        ),
        {
            "at": _moment(sqlite),
            "t": txn,
            "who": whoami(session, store),
            "face": journal.current_face(),
        },
    )
    return int(getattr(done, "rowcount", 0) or 0)
