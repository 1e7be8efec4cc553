"""Who is working on a SQLite file: the one rule, asked by the users service (whoami, owner
defaults, undo's "mine") and by the journal's triggers (who made a change), so the two never
disagree.

The configured owner (settings.owner, $POCKETCRM_OWNER) when it names a user (login or display
name, any case or accent), else the first active admin: the OS login that opened the file
(migration 0010 made it). A configured name that names nobody is kept as typed (a name from
before users); a file older than users falls back to the configured name, else the OS login.
On PostgreSQL nobody asks this: the acting user is `current_user`.

Standard library only: the journal installs it on the plain-sqlite3 path of the everyday
commands, and it sits below the store in the core's layers.
"""

from __future__ import annotations

import functools
import getpass
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Any

from pocketcrm.core.folding import fold

# login, display name, active, role; oldest first (the first admin is the file's maker)
USERS = "SELECT login, display_name, active, role FROM app_user ORDER BY id"
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "đ": "d", "ð": "d", "œ": "oe"})


def login_for(name: str) -> str:
    """A login made from a free-text name: "Zoë Åkesson" -> "zoe.akesson" ('' if none).
    Migration 0010 keeps a frozen copy of this rule."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_LETTERS)
    login = re.sub(r"[^a-z0-9_-]+", ".", folded).strip(".")
    if login and not login[0].isalpha():
        login = "u" + login
    return login[:63]


def matching(rows: Sequence[Any], typed: str) -> list[Any]:
    """The users (rows whose first two fields are login and display name) TYPED names: its
    login in any case or made from it, else a display name equal once folded."""
    lowered, key, made = typed.casefold(), fold(typed), login_for(typed)
    exact = [r for r in rows if str(r[0]).casefold() == lowered or str(r[0]) == made]
    if exact:
        return exact
    return [r for r in rows if fold(str(r[1] or "")) == key]


def choose(rows: Sequence[Any], configured: str) -> str:
    """The acting login among ROWS (USERS' columns), CONFIGURED being settings.owner."""
    typed = configured.strip()
    if typed:
        found = matching(rows, typed)
        return str(found[0][0]) if len(found) == 1 else typed
    for login, _name, active, role in rows:
        if active and role == "admin":
            return str(login)
    return os_login()


def owner(db: Any, configured: str) -> str:
    """Whose new work is when nobody is named (DB speaks core.db's protocol): the configured
    owner as the login of the user it names, so owner fields and the journal's who agree; as
    typed when it names nobody; '' (unassigned, as before users) when none is configured."""
    typed = configured.strip()
    return choose(db.run(USERS).all(), typed) if typed else ""


def on_connection(conn: sqlite3.Connection, configured: str) -> str:
    """The acting login, read on CONN (the journal asks before each write transaction)."""
    try:
        rows = conn.execute(USERS).fetchall()
    except sqlite3.OperationalError:  # a file from before users (upgraded on open)
        return configured.strip() or os_login()
    return choose(rows, configured)


@functools.cache
def os_login() -> str:
    """The OS login, once: getpass may read the password database (~100 us a row)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"
