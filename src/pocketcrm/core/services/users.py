"""The people who work here: users, their roles, and who "I" am.

Owner columns everywhere hold a user's LOGIN (text, no foreign key: a foreign key on the
100,000-row contact and interaction tables would mean rebuilding them on SQLite, and an
owner outlives a disabled user). `resolve_owner` is the one rule that turns what someone
typed after --owner (a login or a name) into a login; it is plain SQL so that the everyday
commands (add, log-call) that call it never load the ORM models.

On the single-user SQLite file the first user is the OS login, an admin without password
(made by migration 0010); users added there are people to assign work to. On PostgreSQL
each user is a login role (services/logins.py) and the acting user is `current_user`.
"""

from __future__ import annotations

import difflib
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pocketcrm.core import acting, clock, sql
from pocketcrm.core.acting import login_for as login_for  # re-exported: the rule is there
from pocketcrm.core.acting import matching
from pocketcrm.core.errors import Invalid, NotAllowed
from pocketcrm.core.search import fold

if TYPE_CHECKING:
    from pocketcrm.core.db import Db
    from pocketcrm.core.store import Store

ROLES = ("admin", "manager", "sales", "viewer")
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{0,62}$")
_acting: weakref.WeakKeyDictionary[Store, str] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class UserView:
    id: int
    login: str
    name: str
    email: str
    department: str
    role: str
    active: bool
    created_at: datetime | None
    disabled_at: datetime | None = None
    can_log_in: bool | None = None  # PostgreSQL: the login role exists and may log in


@dataclass(frozen=True)
class UserInput:
    login: str
    name: str = ""
    email: str = ""
    department: str = ""
    role: str = "sales"


def valid_login(login: str) -> str:
    login = login.strip()
    if not _LOGIN.match(login):
        raise Invalid(
            "login",
            f"{login!r} is not a login: use lower-case letters first, then letters, digits, "
            "'.', '_' or '-' (at most 63), e.g. ann or ann.lee",
        )
    return login


def valid_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise Invalid("role", f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


# -- owner resolution (plain SQL: the everyday path) ------------------------------------------

_USERS = "SELECT login, display_name, active FROM app_user"


def _closest(rows: list[Any], typed: str) -> list[str]:
    names = {str(r[0]): str(r[0]) for r in rows}
    names.update({fold(str(r[1] or "")): str(r[0]) for r in rows if r[1]})
    near = difflib.get_close_matches(fold(typed), list(names), n=5, cutoff=0.5)
    return list(dict.fromkeys(names[n] for n in near))[:3]


def owner_in(session: Db, typed: str, *, field: str = "owner", assign: bool = True) -> str:
    """The login of the user TYPED names (a login or a display name, any case); '' stays ''.

    Unknown -> Invalid (exit 2) with the closest logins. ASSIGN (new work) refuses a
    disabled user; a filter (assign=False) may name one, their history is kept."""
    typed = typed.strip()
    if not typed:
        return ""
    rows = list(session.run(_USERS).all())
    found = matching(rows, typed)
    if len(found) > 1:
        logins = ", ".join(str(r[0]) for r in found)
        raise Invalid(field, f"{typed!r} is the name of several users ({logins}); give a login")
    if not found:
        near = _closest(rows, typed)
        hint = f"closest: {', '.join(near)}" if near else "see `pocketcrm user list`"
        raise Invalid(field, f"no user {typed!r} ({hint}); add one with `pocketcrm user add LOGIN`")
    login, _name, active = found[0]
    if assign and not active:
        raise Invalid(
            field, f"{login} is disabled; enable them with `pocketcrm user enable {login}`"
        )
    return str(login)


def resolve_owner(store: Store, typed: str, *, field: str = "owner", assign: bool = True) -> str:
    """The one owner rule the faces call for --owner and the forms' pickers (see owner_in)."""
    if not typed.strip():
        return ""
    with store.sql_read() as session:
        return owner_in(session, typed, field=field, assign=assign)


def resolve_owners(store: Store, typed: Sequence[str]) -> tuple[str, ...]:
    """Each owner a filter names, as logins (disabled users too: their history is kept)."""
    values = [t for t in typed if t.strip()]
    if not values:
        return ()
    with store.sql_read() as session:
        return tuple(owner_in(session, t, assign=False) for t in values)


def acting_login(store: Store) -> str:
    """Who is working: the login role on PostgreSQL (cannot be spoofed); on SQLite the rule
    of core/acting.py (the configured owner when it names a user, else the first admin),
    which the journal's triggers follow too. Cached per store."""
    cached = _acting.get(store)
    if cached is not None:
        return cached
    with store.sql_read() as session:
        login = acting_login_in(session, store)
    _acting[store] = login
    return login


def acting_login_in(session: Db, store: Store) -> str:
    """acting_login, read in SESSION (a write transaction already open)."""
    if not store.is_sqlite:
        return str(session.run("SELECT current_user").scalar())
    return acting.choose(session.run(acting.USERS).all(), store.settings.owner)


# -- reading --------------------------------------------------------------------------------

_VIEW = (
    "SELECT u.id, u.login, u.display_name, u.email, coalesce(d.name, '') AS department, "
    "u.role, u.active, u.created_at, u.disabled_at FROM app_user u "
    "LEFT JOIN department d ON d.id = u.department_id"
)


def _view(row: Any) -> UserView:
    return UserView(
        id=int(row.id),
        login=str(row.login),
        name=str(row.display_name or ""),
        email=str(row.email or ""),
        department=str(row.department),
        role=str(row.role),
        active=bool(row.active),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def _select(session: Db, where: str = "", params: dict[str, Any] | None = None) -> list[Any]:
    statement = f"{_VIEW} {where} ORDER BY u.login"
    return list(session.run(statement, params or {}, times=("created_at", "disabled_at")).all())


def list_users(
    store: Store, *, department: str = "", role: str = "", include_disabled: bool = True
) -> list[UserView]:
    """Every user, by login; filtered by department name and role."""
    clauses, params = [], {}
    if department.strip():
        clauses.append("d.name_key = :dk")
        params["dk"] = fold(department)
    if role.strip():
        clauses.append("u.role = :r")
        params["r"] = valid_role(role)
    if not include_disabled:
        clauses.append("u.active")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    with store.sql_read() as session:
        views = [_view(r) for r in _select(session, where, params)]
    if store.is_sqlite:
        return views
    from pocketcrm.core.services import logins

    able = logins.can_log_in(store)
    return [replace(v, can_log_in=able.get(v.login, False)) for v in views]


def get_user(store: Store, ref: str) -> UserView:
    """One user by login or display name (disabled ones too)."""
    with store.sql_read() as session:
        login = owner_in(session, ref, field="user", assign=False)
        view = _view(_select(session, "WHERE u.login = :l", {"l": login})[0])
    if store.is_sqlite:
        return view
    from pocketcrm.core.services import logins

    return replace(view, can_log_in=logins.can_log_in(store).get(view.login, False))


def whoami(store: Store) -> UserView:
    """The acting user; on SQLite a configured owner that names nobody is shown as such."""
    login = acting_login(store)
    with store.sql_read() as session:
        found = _select(session, "WHERE u.login = :l", {"l": login})
    if found:
        return _view(found[0])
    return UserView(0, login, login, "", "", "", True, None)


def role_of(store: Store, login: str) -> str:
    """A user's role ('' for someone who is not a user, e.g. a PostgreSQL superuser)."""
    with store.sql_read() as session:
        found = session.run(
            "SELECT role FROM app_user WHERE login = :l AND active", {"l": login}
        ).scalar()
    return str(found or "")


def require_admin(store: Store, what: str) -> None:
    """Refuse (exit 5) WHAT to anyone but an admin, naming who can do it. On SQLite the file
    is one person's: users there are not logins, so nobody is refused."""
    if store.is_sqlite:
        return
    me = acting_login(store)
    if role_of(store, me) == "admin" or _is_superuser(store):
        return
    raise NotAllowed(what, admins(store))


def _is_superuser(store: Store) -> bool:
    with store.sql_read() as session:
        return bool(
            session.run("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
        )


def admins(store: Store) -> list[str]:
    with store.sql_read() as session:
        return [
            str(r[0])
            for r in session.run(
                "SELECT login FROM app_user WHERE role = 'admin' AND active ORDER BY login"
            ).all()
        ]


# -- changing -------------------------------------------------------------------------------


def department_id(session: Db, name: str) -> int | None:
    """The id of the department NAME names (folded); None for ''; unknown -> Invalid with
    the closest names."""
    if not name.strip():
        return None
    found = session.run("SELECT id FROM department WHERE name_key = :k", {"k": fold(name)}).scalar()
    if found is None:
        names = [str(r[0]) for r in session.run("SELECT name FROM department").all()]
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f" (closest: {', '.join(near)})" if near else ""
        raise Invalid(
            "department",
            f"no department {name!r}{hint}; add it with `pocketcrm department add NAME`",
        )
    return int(found)


def add_user(store: Store, data: UserInput, *, password: str | None = None) -> UserView:
    """A new user; on PostgreSQL also their login role (PASSWORD required there)."""
    require_admin(store, "adding users")
    login = valid_login(data.login)
    role = valid_role(data.role)
    if not store.is_sqlite and password is None:
        raise Invalid("password", "a login on the server needs a password (or --generate)")
    if password is not None:
        from pocketcrm.core.services import logins

        logins.check_password(password)
    with store.write() as session:
        taken = session.run("SELECT 1 FROM app_user WHERE login = :l", {"l": login}).scalar()
        if taken:
            raise Invalid("login", f"{login} is already a user; see `pocketcrm user show {login}`")
        sql.insert(
            session,
            "app_user",
            {
                "login": login,
                "display_name": data.name.strip() or login,
                "email": data.email.strip(),
                "department_id": department_id(session, data.department),
                "role": role,
                "active": True,
                "created_at": clock.now(),
            },
        )
        if not store.is_sqlite:
            from pocketcrm.core.services import logins

            logins.create_login(session, login, role, password or "")
    return get_user(store, login)


@dataclass(frozen=True)
class UserChanges:
    name: str | None = None
    email: str | None = None
    department: str | None = None  # '' takes them out of their department
    role: str | None = None


def edit_user(store: Store, ref: str, changes: UserChanges) -> UserView:
    """Change a user's name, email, department or role (admins; the last admin stays one)."""
    require_admin(store, "changing users")
    with store.write() as session:
        login = owner_in(session, ref, field="user", assign=False)
        values: dict[str, Any] = {}
        if changes.name is not None:
            values["display_name"] = changes.name.strip() or login
        if changes.email is not None:
            values["email"] = changes.email.strip()
        if changes.department is not None:
            values["department_id"] = department_id(session, changes.department)
        if changes.role is not None:
            values["role"] = valid_role(changes.role)
            if values["role"] != "admin":
                _keep_an_admin(session, login, "change the role of")
        if values:
            sets = ", ".join(f"{k} = :{k}" for k in values)
            session.run(f"UPDATE app_user SET {sets} WHERE login = :l", {**values, "l": login})
        if "role" in values and not store.is_sqlite:
            from pocketcrm.core.services import logins

            logins.set_role(session, login, values["role"])
    return get_user(store, login)


def _keep_an_admin(session: Db, login: str, doing: str) -> None:
    others = session.run(
        "SELECT count(*) FROM app_user WHERE role = 'admin' AND active AND login != :l",
        {"l": login},
    ).scalar()
    mine = session.run(
        "SELECT role = 'admin' AND active FROM app_user WHERE login = :l", {"l": login}
    ).scalar()
    if mine and not others:
        raise Invalid(
            "user",
            f"cannot {doing} {login}: they are the last admin; make someone else admin first "
            "(`pocketcrm user edit LOGIN --role admin`)",
        )


def set_active(store: Store, ref: str, active: bool) -> UserView:
    """Disable (no more logging in, no new work; history kept) or enable a user."""
    require_admin(store, "disabling users" if not active else "enabling users")
    with store.write() as session:
        login = owner_in(session, ref, field="user", assign=False)
        if not active:
            _keep_an_admin(session, login, "disable")
        session.run(
            "UPDATE app_user SET active = :a, disabled_at = :t WHERE login = :l",
            {"a": active, "t": None if active else sql_time(clock.now()), "l": login},
        )
        if not store.is_sqlite:
            from pocketcrm.core.services import logins

            logins.set_can_log_in(session, login, active)
    return get_user(store, login)


def sql_time(moment: datetime) -> Any:
    from pocketcrm.core.times import db_time

    return db_time(moment)


def change_password(store: Store, ref: str, password: str) -> UserView:
    """A new password for REF (yourself when empty; someone else: admins only). Team mode
    only: on a SQLite file users are not logins."""
    if store.is_sqlite:
        raise Invalid(
            "password", "a SQLite file has no logins; passwords are for team mode (PostgreSQL)"
        )
    me = acting_login(store)
    with store.sql_read() as session:
        login = owner_in(session, ref, field="user", assign=False) if ref.strip() else me
        role = session.run("SELECT role FROM app_user WHERE login = :l", {"l": login}).scalar()
    if login != me:
        require_admin(store, f"changing {login}'s password")
    from pocketcrm.core.services import logins

    with store.write() as session:
        logins.set_password(session, login, password, str(role or "sales"))
    return get_user(store, login)


def organisation_notes(store: Store) -> list[str]:
    """What `doctor` should say about users: spellings the upgrade joined or found alike
    (from migration 0010), and a server database made without the roles."""
    import json

    with store.sql_read() as session:
        rows = dict(
            session.run(
                "SELECT key, value FROM app_state WHERE key IN ('users.migration', 'users.access')"
            ).all()
        )
    notes = [f"owner names: {line}" for line in json.loads(rows.get("users.migration") or "[]")]
    if rows.get("users.access") == "no-roles":
        notes.append(
            "the roles were not made (the role that upgraded may not create roles); "
            "ask a superuser to upgrade, or nothing stops a login from changing anything"
        )
    return notes


@dataclass(frozen=True)
class Choices:
    """What a form's owner and department pickers offer: active users' logins, then their
    display names (either one resolves), and the departments' names."""

    people: tuple[str, ...]
    departments: tuple[str, ...]


def choices(store: Store, keep: Callable[[str], bool] | None = None) -> Choices:
    """The pickers' offer; KEEP (a login -> bool) leaves out whom the acting user may not
    give work to (permissions.choices passes it)."""
    with store.sql_read() as session:
        rows = session.run(
            "SELECT login, display_name FROM app_user WHERE active ORDER BY login"
        ).all()
        names = [str(r[0]) for r in session.run("SELECT name FROM department ORDER BY name_key")]
    rows = [r for r in rows if keep is None or keep(str(r[0]))]
    logins = [str(r[0]) for r in rows]
    shown = [str(r[1]) for r in rows if r[1] and str(r[1]) not in logins]
    return Choices(tuple(dict.fromkeys([*logins, *shown])), tuple(names))


def header_label(store: Store) -> str:
    """Who you are, for a face's header: '' on a file with one user (nobody to tell apart),
    else "login · role"."""
    me = whoami(store)
    if store.is_sqlite:
        with store.sql_read() as session:
            others = session.run("SELECT count(*) FROM app_user WHERE active").scalar()
        if int(others or 0) <= 1:
            return ""
    return " · ".join(x for x in (me.login, me.role) if x)
