"""PostgreSQL login roles for users: create, password, role, disable.

Each user logs in as their own role; their pocketcrm role is membership of a group role
(pocketcrm_admin, _manager, _sales, _viewer) that migration 0010 made with its GRANTs and
row-level security policies, so the server enforces it for any client. Passwords are hashed
on the client (libpq's PQencryptPasswordConn, as psql's \\password does) and only the SCRAM
verifier is sent: the clear text never reaches the server's logs, a command line or output.
"""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from pocketcrm.core.errors import Invalid

if TYPE_CHECKING:
    from sqlmodel import Session

    from pocketcrm.core.store import Store

MIN_PASSWORD = 12
GROUPS = {
    "admin": "pocketcrm_admin",
    "manager": "pocketcrm_manager",
    "sales": "pocketcrm_sales",
    "viewer": "pocketcrm_viewer",
}


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            "password",
            f"a password needs at least {MIN_PASSWORD} characters (this one has "
            f"{len(password)}); or use --generate",
        )


def generate_password() -> str:
    """16 characters from letters and digits (about 95 bits), easy to read out."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def _exec(session: Session, template: str, *identifiers: str, literal: str | None = None) -> None:
    """Run DDL with quoted identifiers (and one quoted literal) on the driver connection."""
    from psycopg import sql as pgsql

    parts: dict[str, Any] = {f"i{n}": pgsql.Identifier(v) for n, v in enumerate(identifiers)}
    if literal is not None:
        parts["lit"] = pgsql.Literal(literal)
    statement = pgsql.SQL(template).format(**parts)
    with _driver(session).cursor() as cursor:
        cursor.execute(statement)


def _verifier(session: Session, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of PASSWORD, computed here: only it goes to the server."""
    raw = _driver(session).pgconn.encrypt_password(
        password.encode(), login.encode(), b"scram-sha-256"
    )
    return bytes(raw).decode()


def _role_exists(session: Session, login: str) -> bool:
    return bool(
        session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": login}).scalar()
    )


def create_login(session: Session, login: str, role: str, password: str) -> None:
    """CREATE ROLE for a new user, in the same transaction as their app_user row."""
    if _role_exists(session, login):
        raise Invalid(
            "login",
            f"the server already has a role named {login}; pick another login "
            "(roles are shared by every database on the server)",
        )
    extra = " CREATEROLE" if role == "admin" else ""
    _exec(
        session,
        f"CREATE ROLE {{i0}} LOGIN{extra} PASSWORD {{lit}}",
        login,
        literal=_verifier(session, login, password),
    )
    _grant_role(session, login, role)


def _grant_role(session: Session, login: str, role: str) -> None:
    """Make LOGIN a member of ROLE's group. An admin also gets every group WITH ADMIN OPTION:
    since PostgreSQL 16 CREATEROLE alone no longer lets a role grant a group it did not
    create (it needs ADMIN OPTION on it), so without this only the admin whose login made
    the groups (or a superuser) could add users. The other groups are held for that only
    (PostgreSQL 16+: INHERIT FALSE, SET FALSE; before, CREATEROLE already sufficed)."""
    if role != "admin":
        _exec(session, "GRANT {i0} TO {i1}", GROUPS[role], login)
        return
    _exec(session, "GRANT {i0} TO {i1} WITH ADMIN OPTION", GROUPS["admin"], login)
    admin_only = " WITH ADMIN TRUE, INHERIT FALSE, SET FALSE"
    if int(session.execute(text("SHOW server_version_num")).scalar() or 0) < 160000:
        admin_only = " WITH ADMIN OPTION"
    for name, group in GROUPS.items():
        if name != "admin":
            _exec(session, "GRANT {i0} TO {i1}" + admin_only, group, login)


def set_password(session: Session, login: str, password: str, role: str) -> None:
    """A new password; a user from before team mode (no role yet) gets their login now."""
    check_password(password)
    if not _role_exists(session, login):
        create_login(session, login, role, password)
        return
    _exec(
        session,
        "ALTER ROLE {i0} PASSWORD {lit}",
        login,
        literal=_verifier(session, login, password),
    )


def set_role(session: Session, login: str, role: str) -> None:
    if not _role_exists(session, login):
        return
    for group in GROUPS.values():
        _exec(session, "REVOKE {i0} FROM {i1}", group, login)
    _grant_role(session, login, role)
    _exec(
        session, f"ALTER ROLE {{i0}} {'CREATEROLE' if role == 'admin' else 'NOCREATEROLE'}", login
    )


def set_can_log_in(session: Session, login: str, able: bool) -> None:
    """LOGIN / NOLOGIN: a disabled user cannot connect; their rows stay theirs."""
    if _role_exists(session, login):
        _exec(session, f"ALTER ROLE {{i0}} {'LOGIN' if able else 'NOLOGIN'}", login)


def can_log_in(store: Store) -> dict[str, bool]:
    """login -> whether the server lets that user connect (missing role: absent)."""
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT r.rolname, r.rolcanlogin FROM pg_roles r "
                "JOIN app_user u ON u.login = r.rolname"
            )
        ).all()
    return {str(name): bool(able) for name, able in rows}
