"""Values for shell completion, read straight from the database with the driver alone.

A shell waits for these on every Tab, so this module imports neither SQLAlchemy nor SQLModel
(about 330 ms) and never creates, migrates or writes a database: plain sqlite3, opened
read-only, one short indexed query with a LIMIT (psycopg on PostgreSQL). Any failure (no
file yet, an older schema, a locked or unreachable server) means no candidates, never an
error on the terminal. Each candidate is (value, description).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pocketcrm.core.folding import fold, like_escape

LIMIT = 40  # more than a screen of candidates helps nobody; keep typing to narrow
Candidate = tuple[str, str]
_TOP = "\U0010ffff"  # sorts after any character a key can hold: [prefix, prefix+_TOP)


class _Reader:
    """One read-only connection and its placeholder style."""

    def __init__(self, conn: Any, sqlite: bool) -> None:
        self.conn = conn
        self.sqlite = sqlite

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        return [tuple(row) for row in self.conn.execute(sql, params).fetchall()]

    def starts(self, column: str, typed: str) -> tuple[str, tuple[str, ...]]:
        """SQL and parameters for "COLUMN starts with TYPED": a range on SQLite (the index
        serves it), LIKE on PostgreSQL (a range there follows the server's collation, which
        may ignore the U+10FFFF that closes it)."""
        if self.sqlite:
            return f"{column} >= ? AND {column} < ?", (typed, typed + _TOP)
        return f"{column} LIKE ? ESCAPE '\\'", (like_escape(typed) + "%",)


def _open(location: str) -> _Reader | None:
    """A read-only connection to LOCATION (a path or URL as given to --db), or None."""
    if location.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        return _open_server(location)
    if "://" in location and not location.startswith("sqlite:///"):
        return None
    try:
        path = Path(location.removeprefix("sqlite:///")).expanduser()
        if not path.is_file():  # never create a database for a Tab
            return None
        uri = f"file:{quote(str(path.absolute()))}?mode=ro"
        return _Reader(sqlite3.connect(uri, uri=True, timeout=0.2), sqlite=True)
    except (sqlite3.Error, OSError, ValueError, RuntimeError):  # RuntimeError: no home for ~
        return None  # a Tab must never print a traceback: no candidates instead


def _open_server(url: str) -> _Reader | None:
    """A read-only session on a team server, or None (no driver, unreachable, refused)."""
    try:
        import psycopg  # only for a team server, and only when completing against it
    except ImportError:
        return None
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        server = psycopg.connect(url, connect_timeout=2, autocommit=True)
        server.execute("SET default_transaction_read_only = on")
    except (psycopg.Error, OSError, ValueError):
        return None
    return _Reader(server, sqlite=False)


def _driver_errors(reader: _Reader) -> tuple[type[Exception], ...]:
    """What a query may raise for an older schema, a lock or a lost server."""
    if reader.sqlite:
        return (sqlite3.Error,)
    import psycopg  # already imported: _open_server made this connection

    return (psycopg.Error,)


def _query(location: str, work: Callable[[_Reader], list[Candidate]]) -> list[Candidate]:
    reader = _open(location)
    if reader is None:
        return []
    try:
        return work(reader)
    except _driver_errors(reader):  # an older schema, a lock: nothing to offer this time
        return []
    finally:
        reader.conn.close()


def _id_ranges(digits: str) -> Iterator[tuple[int, int]]:
    """The id ranges that start with DIGITS, shortest first: 42, 420-429, 4200-4299, ..."""
    low = int(digits)
    for width in range(0, 10 - len(digits)):
        span = 10**width
        yield low * span, low * span + span - 1


def _by_id(db: _Reader, sql: str, digits: str, limit: int) -> list[tuple[Any, ...]]:
    """Rows of SQL (a query with "BETWEEN ? AND ?" on a primary key and a LIMIT) for the
    ids starting with DIGITS: one range scan at a time, until LIMIT rows are found (an OR of
    the ranges made SQLite scan the whole table)."""
    if not digits:
        return db.rows(sql, 0, 2**62, limit)
    rows: list[tuple[Any, ...]] = []
    for low, high in _id_ranges(digits):
        rows += db.rows(sql, low, high, limit - len(rows))
        if len(rows) >= limit:
            break
    return rows


def contacts(location: str, typed: str, limit: int = LIMIT) -> list[Candidate]:
    """Contacts for a REF: by id (digits), email (with @) or name (any word's prefix,
    accents ignored). A name is offered as itself; a name that several matches share is
    offered as each one's id instead, so every candidate names one contact."""
    typed = typed.strip().lstrip("#")

    def work(db: _Reader) -> list[Candidate]:
        if typed.isdigit():
            rows = _by_id(
                db,
                "SELECT id, display_name FROM contact "
                "WHERE id BETWEEN ? AND ? AND deleted_at IS NULL ORDER BY id LIMIT ?",
                typed,
                limit,
            )
            return [(str(cid), str(name)) for cid, name in rows]
        if "@" in typed:
            where, params = db.starts("e.address_key", typed.lower())
            rows = db.rows(
                "SELECT e.address, c.id, c.display_name FROM contact_email e "
                f"JOIN contact c ON c.id = e.contact_id WHERE {where} AND c.deleted_at IS NULL "
                "ORDER BY e.address_key LIMIT ?",
                *params,
                limit,
            )
            return [(str(address), f"#{cid} {name}") for address, cid, name in rows]
        return _by_name(db, fold(typed), limit)

    return _query(location, work)


def _by_name(db: _Reader, key: str, limit: int) -> list[Candidate]:
    found: dict[int, str] = {}
    # The whole name starts with what was typed: the indexed folded key.
    where, params = db.starts("name_key", key)
    for cid, name in db.rows(
        f"SELECT id, display_name FROM contact WHERE {where} "
        "AND deleted_at IS NULL ORDER BY name_key LIMIT ?",
        *params,
        limit,
    ):
        found[int(cid)] = str(name)
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in key).split() if w]
    if words and len(found) < limit:
        # Or a later word does ("lee" finds Ann Lee): the search index, names only.
        if db.sqlite:
            match = "name : (" + " ".join(f'"{w}"*' for w in words) + ")"
            rows = db.rows(
                "SELECT c.id, c.display_name FROM contact_fts f JOIN contact c ON c.id = f.rowid "
                "WHERE contact_fts MATCH ? AND c.deleted_at IS NULL LIMIT ?",
                match,
                limit,
            )
        else:
            rows = db.rows(
                "SELECT id, display_name FROM contact WHERE name_key LIKE ? ESCAPE '\\' "
                "AND deleted_at IS NULL ORDER BY name_key LIMIT ?",
                "% " + like_escape(key) + "%",
                limit,
            )
        for cid, name in rows:
            if len(found) >= limit:
                break
            found.setdefault(int(cid), str(name))
    ordered = sorted(found.items(), key=lambda item: (fold(item[1]), item[0]))
    shared = {n for n in found.values() if list(found.values()).count(n) > 1}
    return [(str(cid), name) if name in shared else (name, f"#{cid}") for cid, name in ordered]


def _prefix(location: str, sql: str, column: str, typed: str) -> list[Candidate]:
    """Rows of SQL (value, description; "{where}" stands for the condition) whose COLUMN
    starts with TYPED."""

    def work(db: _Reader) -> list[Candidate]:
        where, params = db.starts(column, typed)
        return [(str(v), str(d or "")) for v, d in db.rows(sql.format(where=where), *params, LIMIT)]

    return _query(location, work)


def tags(location: str, typed: str) -> list[Candidate]:
    return _prefix(
        location,
        "SELECT name, '' FROM tag WHERE {where} ORDER BY name LIMIT ?",
        "name",
        typed.lower(),
    )


def segments(location: str, typed: str) -> list[Candidate]:
    return _prefix(
        location, "SELECT name, '' FROM segment WHERE {where} ORDER BY name LIMIT ?", "name", typed
    )


def companies(location: str, typed: str) -> list[Candidate]:
    """Companies by name (a prefix of the folded name), offered as their names."""
    return _prefix(
        location,
        "SELECT name, kind FROM company WHERE {where} AND deleted_at IS NULL "
        "ORDER BY name_key LIMIT ?",
        "name_key",
        fold(typed),
    )


def owners(location: str, typed: str) -> list[Candidate]:
    """The users work can be given to (issue 11): active logins, with their names."""

    def work(db: _Reader) -> list[Candidate]:
        where, params = db.starts("login", typed)
        sql = (
            f"SELECT login, display_name FROM app_user WHERE {where} AND active "
            "ORDER BY login LIMIT ?"
        )
        return [(str(v), str(name or "")) for (v, name) in db.rows(sql, *params, LIMIT)]

    return _query(location, work)


def invoices(location: str, typed: str) -> list[Candidate]:
    """Invoice and order numbers (INV-2026-0001), with the customer."""
    return _prefix(
        location,
        "SELECT i.number, c.display_name FROM invoice i JOIN contact c ON c.id = i.contact_id "
        "WHERE {where} AND i.deleted_at IS NULL ORDER BY i.number LIMIT ?",
        "i.number",
        typed.upper(),
    )


def _numbered(location: str, typed: str, sql: str) -> list[Candidate]:
    """Rows of SQL (id, description) whose id starts with the digits typed."""
    typed = typed.lstrip("#")
    if typed and not typed.isdigit():
        return []
    return _query(
        location,
        lambda db: [(str(i), str(d)) for i, d in _by_id(db, sql, typed, LIMIT)],
    )


def deals(location: str, typed: str) -> list[Candidate]:
    """Deals by id, described by title, contact and stage; the newest first."""
    return _numbered(
        location,
        typed,
        "SELECT d.id, d.title || ' (' || c.display_name || ', ' || d.stage || ')' "
        "FROM deal d JOIN contact c ON c.id = d.contact_id "
        "WHERE d.id BETWEEN ? AND ? AND d.deleted_at IS NULL ORDER BY d.id DESC LIMIT ?",
    )


def follow_ups(location: str, typed: str) -> list[Candidate]:
    """Open follow-ups by id, described by contact and note; the newest first."""
    return _numbered(
        location,
        typed,
        "SELECT f.id, c.display_name || ': ' || f.note "
        "FROM follow_up f JOIN contact c ON c.id = f.contact_id "
        "WHERE f.id BETWEEN ? AND ? AND f.done_at IS NULL AND f.deleted_at IS NULL "
        "ORDER BY f.id DESC LIMIT ?",
    )


def campaigns(location: str, typed: str) -> list[Candidate]:
    """Campaigns by id, described by their subject; the newest first."""
    return _numbered(
        location,
        typed,
        "SELECT id, subject FROM campaign WHERE id BETWEEN ? AND ? ORDER BY id DESC LIMIT ?",
    )
