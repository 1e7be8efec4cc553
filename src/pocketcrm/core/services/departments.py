"""Departments: teams of users with a lead. Names are matched folded ("field sales" finds
"Field Sales"); a department's lead is a user's login (services/users.py resolves it)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pocketcrm.core import clock, sql, validate
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.search import fold
from pocketcrm.core.services import users

if TYPE_CHECKING:
    from pocketcrm.core.db import Db
    from pocketcrm.core.store import Store


@dataclass(frozen=True)
class DepartmentView:
    id: int
    name: str
    lead: str  # a login, '' when none
    lead_name: str
    members: list[str]  # logins
    created_at: datetime | None


_VIEW = (
    "SELECT d.id, d.name, d.lead, coalesce(u.display_name, '') AS lead_name, d.created_at "
    "FROM department d LEFT JOIN app_user u ON u.login = d.lead"
)


def _members(session: Db, department_id: int) -> list[str]:
    return [
        str(r[0])
        for r in session.run(
            "SELECT login FROM app_user WHERE department_id = :d ORDER BY login",
            {"d": department_id},
        ).all()
    ]


def _view(session: Db, row: Any) -> DepartmentView:
    return DepartmentView(
        id=int(row.id),
        name=str(row.name),
        lead=str(row.lead or ""),
        lead_name=str(row.lead_name or ""),
        members=_members(session, int(row.id)),
        created_at=row.created_at,
    )


def _find(session: Db, ref: str) -> Any:
    ref = ref.strip()
    where = "WHERE d.id = :i" if ref.isdecimal() else "WHERE d.name_key = :k"
    row = session.run(
        f"{_VIEW} {where}",
        {"i": int(ref) if ref.isdecimal() else 0, "k": fold(ref)},
        times=("created_at",),
    ).first()
    if row is None:
        names = [str(r[0]) for r in session.run("SELECT name FROM department").all()]
        raise NotFound("department", ref, difflib.get_close_matches(ref, names, n=3, cutoff=0.5))
    return row


def list_departments(store: Store) -> list[DepartmentView]:
    with store.sql_read() as session:
        rows = session.run(f"{_VIEW} ORDER BY d.name_key", times=("created_at",)).all()
        return [_view(session, r) for r in rows]


def resolve_department(store: Store, typed: str) -> str:
    """The name of the department TYPED names (any case or accent), '' for none: the one
    rule a form's department picker and --department follow. Unknown -> Invalid (exit 2)
    with the closest names."""
    if not typed.strip():
        return ""
    with store.sql_read() as session:
        found = users.department_id(session, typed)
        return str(session.run("SELECT name FROM department WHERE id = :i", {"i": found}).scalar())


def get_department(store: Store, ref: str) -> DepartmentView:
    with store.sql_read() as session:
        return _view(session, _find(session, ref))


def _unique(session: Db, name: str, but: int = 0) -> str:
    name = validate.name(name, "department")
    taken = session.run(
        "SELECT name FROM department WHERE name_key = :k AND id != :i",
        {"k": fold(name), "i": but},
    ).scalar()
    if taken:
        raise Invalid("name", f"there is already a department {taken!r}")
    return name


def add_department(store: Store, name: str, *, lead: str = "") -> DepartmentView:
    """A new department; LEAD is a user (login or name)."""
    users.require_admin(store, "adding departments")
    with store.write() as session:
        name = _unique(session, name)
        new_id = sql.insert(
            session,
            "department",
            {
                "name": name,
                "name_key": fold(name),
                "lead": users.owner_in(session, lead, field="lead"),
                "created_at": clock.now(),
            },
        )
    return get_department(store, str(new_id))


def edit_department(
    store: Store, ref: str, *, name: str | None = None, lead: str | None = None
) -> DepartmentView:
    """Rename a department or change its lead ('' for none)."""
    users.require_admin(store, "changing departments")
    with store.write() as session:
        row = _find(session, ref)
        if name is not None:
            name = _unique(session, name, int(row.id))
            session.run(
                "UPDATE department SET name = :n, name_key = :k WHERE id = :i",
                {"n": name, "k": fold(name), "i": row.id},
            )
        if lead is not None:
            session.run(
                "UPDATE department SET lead = :l WHERE id = :i",
                {"l": users.owner_in(session, lead, field="lead"), "i": row.id},
            )
    return get_department(store, str(row.id))


def remove_department(store: Store, ref: str) -> DepartmentView:
    """Delete a department; its members stay users, without a department."""
    users.require_admin(store, "removing departments")
    with store.write() as session:
        row = _find(session, ref)
        gone = _view(session, row)
        session.run(
            "UPDATE app_user SET department_id = NULL WHERE department_id = :i",
            {"i": row.id},
        )
        session.run("DELETE FROM department WHERE id = :i", {"i": row.id})
    return gone
