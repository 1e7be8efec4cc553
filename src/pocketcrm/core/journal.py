"""Who changed what: the journal's capture side (triggers, the acting user and face, retention).

Every change to a customer-facing row is written to the `journal` table by a trigger, so no
write path (a command, the interface, an import's replay, a merge, remind, an undo) can forget
it. On PostgreSQL the triggers are the migration's (0015), and psql changes are journaled too:
who is `current_user`, the face the session setting `pocketcrm.face` that `store.write` sets.
On SQLite they are TEMP triggers that `install` creates on each of pocketcrm's connections,
calling functions registered there: a plain sqlite3 shell keeps working (unjournaled) instead
of failing on a function it does not have. Measured: installing costs about 1 ms a connection.

Only the standard library here: the plain-sqlite3 path of the everyday commands calls
`install` through store.prepare_sqlite without importing SQLAlchemy.
"""

from __future__ import annotations

import functools
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from pocketcrm.core import clock

# The journaled tables, and the columns that are bookkeeping rather than facts (derived keys,
# denormalised dates, the reminder's own marks): never journaled, never undone.
TABLES = (
    "contact",
    "company",
    "deal",
    "invoice",
    "payment",
    "interaction",
    "follow_up",
    "contact_tag",
    "stage_change",
    "contact_email",
    "contact_phone",
    "contact_address",
    "contact_website",
    "custom_field",
)
SKIPPED = frozenset(
    {
        "updated_at",
        "name_key",
        "address_key",
        "e164",
        "valid",
        "last_contact_at",
        "next_follow_up_at",
        "next_follow_up_date",
        "notified_at",
    }
)
# A contact's own details: journaled one by one, except with a contact an import creates.
CONTACT_DETAILS = frozenset(
    {
        "contact_tag",
        "stage_change",
        "contact_email",
        "contact_phone",
        "contact_address",
        "contact_website",
        "custom_field",
    }
)

_default_face = "api"  # a face sets its own at start (set_face); library callers stay "api"
_face: ContextVar[str | None] = ContextVar("pocketcrm_face", default=None)
_enabled = True


def set_face(name: str) -> None:
    """The face this process is (cli, tui): what every change is attributed to by default."""
    global _default_face
    _default_face = name


def current_face() -> str:
    return _face.get() or _default_face


@contextmanager
def acting(face: str) -> Iterator[None]:
    """Changes made inside are attributed to FACE (import, merge, remind, undo)."""
    token = _face.set(face)
    try:
        yield
    finally:
        _face.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def as_face(face: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an operation whose changes are always FACE's (import, merge, remind)."""

    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with acting(face):
                return function(*args, **kwargs)

        return run

    return wrap


def set_enabled(on: bool) -> None:
    """Connections opened from now on journal (the default) or not: bench/bench_journal.py's
    comparison only; nothing in pocketcrm turns it off."""
    global _enabled
    _enabled = on


# -- SQLite: functions and TEMP triggers per connection ----------------------------------------


@dataclass
class _Connection:
    """One connection's journal state: who acts, and the current transaction's number."""

    actor: Callable[[sqlite3.Connection], str]
    who: str = ""  # the actor's answer at the current write transaction's start
    txn: int | None = None
    installed: dict[str, list[str]] = field(default_factory=dict)  # table -> its columns
    ready: bool = False  # the triggers are made (at the first write transaction)

    def transaction(self) -> int:
        if self.txn is None:
            self.txn = secrets.randbits(62)
        return self.txn


_connections: dict[int, _Connection] = {}  # id(dbapi connection) -> state


def install(
    conn: sqlite3.Connection, actor: Callable[[sqlite3.Connection], str], *, on: bool = True
) -> None:
    """Register the journal's functions on CONN; its TEMP triggers come with the first write
    transaction (begin), so a read-only command never pays for them. ACTOR says who is
    working (core/acting.py's rule, which the users service follows too), read on CONN at
    each write transaction's start (not inside a trigger, where the query would nest). ON=False (an import's
    private copy, or journaling off): nothing, and no state left from a connection that had
    this one's id before it (ids are reused after a connection is gone)."""
    if not (on and _enabled):
        _connections.pop(id(conn), None)
        return
    state = _Connection(actor)
    _connections[id(conn)] = state
    conn.create_function("pocketcrm_now", 0, _now)
    conn.create_function("pocketcrm_actor", 0, lambda: state.who)
    conn.create_function("pocketcrm_face", 0, current_face)
    conn.create_function("pocketcrm_txn", 0, state.transaction)
    conn.create_function("pocketcrm_diff", 3, diff)


def _create_triggers(conn: Any, state: _Connection) -> None:
    """The TEMP triggers of every journaled table there is (none before the migration that
    makes the journal: a connection made then gets them at its next write)."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "journal" not in names:
        return
    for table in TABLES:
        if table not in names:
            continue
        columns = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
        for sql in triggers(table, columns):
            conn.execute(sql)
        state.installed[table] = columns
    state.ready = True


def begin(conn: Any) -> None:
    """Call before each write transaction on CONN, outside it (triggers made here must not
    go with a rollback): its changes get a new number, and the first makes the triggers.
    The store's write path calls it; any other path that writes must too."""
    state = _connections.get(id(conn))
    if state is None:
        return
    state.txn = None
    state.who = state.actor(conn)
    if not state.ready:
        _create_triggers(conn, state)


@contextmanager
def bulk_inserts(
    conn: sqlite3.Connection, planned: tuple[str, int] | None = None
) -> Iterator[None]:
    """Inside, rows inserted on CONN are not journaled one by one (each trigger run costs a
    statement journal of every index page the row touches: ~30 us a row); the new rows are
    journaled after, with one INSERT ... SELECT per table, or copied from PLANNED (an
    attached schema and its journal's end before plan_inserts wrote there). Updates and
    deletes inside are journaled as ever. An import's replay runs in here."""
    state = _connections.get(id(conn))
    if state is None or not state.installed:
        yield
        return
    marks = {
        table: int(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM main.{table}").fetchone()[0])
        for table in state.installed
    }
    first = int(conn.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])
    for table in state.installed:
        conn.execute(f"DROP TRIGGER IF EXISTS temp.journal_{table}_insert")
    try:
        yield
    finally:
        for table, columns in state.installed.items():
            conn.execute(triggers(table, columns)[0])
    values = {
        "at": _now(),
        "txn": state.transaction(),
        "who": state.who,
        "face": current_face(),
    }
    for table in state.installed:
        if table != "contact_tag":  # made, then updated inside: the insert entry says it all
            conn.execute(
                "DELETE FROM journal WHERE id > ? AND tbl = ? AND action = 'update' AND row_id > ?",
                (first, table, marks[table]),
            )
    if planned is not None:
        schema, start = planned
        conn.execute(
            f"{_HEAD}SELECT :at, :txn, :who, :face, {_ENTRY} FROM {schema}.journal "
            "WHERE id > :start ORDER BY id",
            {**values, "start": start},
        )
        return
    for table, columns in state.installed.items():
        conn.execute(
            _bulk(table, columns), {**values, "mark": marks[table], "made": marks["contact"]}
        )


def plan_inserts(conn: sqlite3.Connection, ends: dict[str, int | None]) -> int:
    """On an import's private copy, after its run: the journal entries of the rows it made
    (above ENDS, each table's last rowid when the copy was taken), as bulk_inserts makes
    them, who and when left blank; the copy's journal end before them. The replay copies
    them (bulk_inserts' PLANNED): building 100,000 entries there took 1 s of the lock."""
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    start = int(conn.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])
    blank = {"at": "", "txn": 0, "who": "", "face": "", "made": ends.get("contact") or 0}
    with conn:
        for table in (t for t in TABLES if t in names):
            columns = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
            conn.execute(_bulk(table, columns), {**blank, "mark": ends.get(table) or 0})
    return start


_ENTRY = "tbl, row_id, row_uuid, contact_id, action, changes"


def _bulk(table: str, all_columns: list[str]) -> str:
    """The set-based twin of TABLE's insert trigger: its rows past :mark, journaled."""
    columns = [c for c in all_columns if c not in SKIPPED]
    added = _created(columns, "NEW")
    if table == "contact_tag":
        added = f"json_set({added}{_tag_name(table, 'NEW', False)})"
    # a contact made inside is journaled once: its emails, phones, tags... go with it
    details = " AND NEW.contact_id <= :made" if table in CONTACT_DETAILS else ""
    return (
        f"{_HEAD}SELECT :at, :txn, :who, :face, '{table}', {_identity(table, all_columns, 'NEW')}, "
        f"'insert', {added} FROM main.{table} AS NEW WHERE NEW.rowid > :mark{details} "
        "ORDER BY NEW.rowid"
    )


@contextmanager
def suspended(conn: Any) -> Iterator[None]:
    """No journal at all inside (the demo generator's million made-up rows); on SQLite only:
    a server's triggers are the database's."""
    state = _connections.get(id(conn))
    installed = dict(state.installed) if state is not None else {}
    for table in installed:
        for action in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS temp.journal_{table}_{action}")
    try:
        yield
    finally:
        for table, columns in installed.items():
            for sql in triggers(table, columns):
                conn.execute(sql)


def journal_rows(conn: sqlite3.Connection) -> int:
    """The journal's last id (rows a replay added are not the plan's: apply.py counts)."""
    if id(conn) not in _connections or not _connections[id(conn)].installed:
        return 0
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0])


def current_txn(conn: object) -> int | None:
    """The transaction number of CONN's current changes (None before its first one)."""
    state = _connections.get(id(conn))
    return None if state is None else state.transaction()


def _now() -> str:
    return clock.now().strftime("%Y-%m-%d %H:%M:%S.%f")


def _created(columns: list[str], new: str) -> str:
    """An insert's fields, empty ones left out (a new contact has a dozen empty columns):
    json_patch drops the keys whose value is null. Half the bytes of an import's journal."""
    combined = "'{}'"
    for start in range(0, len(columns), 40):
        args = ", ".join(
            f"'{c}', CASE WHEN {new}.{c} IS NULL OR {new}.{c} = '' THEN NULL "
            f"ELSE json_array(NULL, {new}.{c}) END"
            for c in columns[start : start + 40]
        )
        combined = f"json_patch({combined}, json_object({args}))"
    return combined if columns else "json_object()"


def _identity(table: str, columns: list[str], ref: str) -> str:
    """row_id, row_uuid and contact_id of the row REF (NEW or OLD) as SQL expressions."""
    row_id = f"{ref}.tag_id" if table == "contact_tag" else f"{ref}.id"
    uuid = f"{ref}.uuid" if "uuid" in columns else "''"
    if table == "contact":
        contact = f"{ref}.id"
    elif "contact_id" in columns:
        contact = f"{ref}.contact_id"
    else:
        contact = "NULL"
    return f"{row_id}, {uuid}, {contact}"


_HEAD = (
    "INSERT INTO journal(at, txn, actor, face, tbl, row_id, row_uuid, contact_id, action, changes) "
)
_WHO = "pocketcrm_now(), pocketcrm_txn(), pocketcrm_actor(), pocketcrm_face()"


def _tag_name(table: str, ref: str, old: bool) -> str:
    """contact_tag rows hold a tag's id: the journal keeps its name beside it, readable."""
    if table != "contact_tag":
        return ""
    name = f"(SELECT name FROM tag WHERE id = {ref}.tag_id)"
    pair = f"json_array({name}, NULL)" if old else f"json_array(NULL, {name})"
    return f", '$.tag', json({pair})"


def triggers(table: str, all_columns: list[str]) -> list[str]:
    """The three TEMP triggers journaling TABLE with these columns (from PRAGMA table_info).

    Their bodies stay short (the values as one json_array, compared by pocketcrm_diff in
    Python): SQLite parses every temp trigger again after each one is created, and a body
    spelling out each column's comparison cost about 0.3 ms to parse."""
    columns = [c for c in all_columns if c not in SKIPPED]
    name = f"journal_{table}"
    on = f"ON main.{table} BEGIN "
    names = ",".join(columns)
    old = f"json_array({', '.join(f'OLD.{c}' for c in columns)})"
    new = f"json_array({', '.join(f'NEW.{c}' for c in columns)})"
    added = f"pocketcrm_diff('{names}', NULL, {new})"
    removed = f"pocketcrm_diff('{names}', {old}, NULL)"
    if table == "contact_tag":
        added = f"json_set({added}{_tag_name(table, 'NEW', False)})"
        removed = f"json_set({removed}{_tag_name(table, 'OLD', True)})"
    return [
        f"CREATE TEMP TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT {on}{_HEAD}"
        f"VALUES ({_WHO}, '{table}', {_identity(table, all_columns, 'NEW')}, 'insert', "
        f"{added}); END",
        f"CREATE TEMP TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE {on}{_HEAD}"
        f"VALUES ({_WHO}, '{table}', {_identity(table, all_columns, 'OLD')}, 'delete', "
        f"{removed}); END",
        f"CREATE TEMP TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE {on}{_HEAD}"
        f"SELECT {_WHO}, '{table}', {_identity(table, all_columns, 'NEW')}, 'update', d "
        f"FROM (SELECT pocketcrm_diff('{names}', {old}, {new}) AS d) WHERE d IS NOT NULL; END",
    ]


@functools.lru_cache(maxsize=64)
def _names(listed: str) -> list[str]:
    return listed.split(",")


def diff(listed: str, old: str | None, new: str | None) -> str | None:
    """{"field": [before, after]} of the fields that differ (an insert: the non-empty ones;
    a delete: all), as JSON; None when nothing changed. Registered as pocketcrm_diff."""
    import json  # at the first write: a read-only command never loads it

    names = _names(listed)
    if old is None:
        after = json.loads(new or "[]")
        created = {n: [None, v] for n, v in zip(names, after, strict=True) if v not in (None, "")}
        return json.dumps(created, ensure_ascii=False)
    before = json.loads(old)
    if new is None:
        removed = {n: [v, None] for n, v in zip(names, before, strict=True)}
        return json.dumps(removed, ensure_ascii=False)
    after = json.loads(new)
    changed = {
        n: [b, a]
        for n, b, a in zip(names, before, after, strict=True)
        if b != a or type(b) is not type(a)
    }
    return json.dumps(changed, ensure_ascii=False) if changed else None
