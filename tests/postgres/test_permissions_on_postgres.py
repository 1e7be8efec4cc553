"""The permissions rule (core/services/permissions.py) on a real server: the role comes from
the login, and what the rule says a login may change is exactly what the server lets it
change (a raw UPDATE as that login), for every role and every kind of owner (issue 11)."""

from __future__ import annotations

import os

import psycopg

from pgserver import PgServer
from pocketcrm.core.services import contacts, departments, permissions, users
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store

PASSWORD = "correct horse battery"


def _as(url: str, login: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)


def test_the_rule_says_what_the_server_allows(pg_server: PgServer) -> None:
    url = pg_server.database()
    suffix = f"p{os.getpid()}"
    boss, mia, sam, out, vic = (f"{n}{suffix}" for n in ("boss", "mia", "sam", "out", "vic"))
    admin = open_store(url, Settings())
    owned: dict[str, int] = {}
    try:
        departments.add_department(admin, "Field")
        for login, role, dept in (
            (boss, "admin", ""), (mia, "manager", "Field"), (sam, "sales", "Field"),
            (out, "sales", ""), (vic, "viewer", ""),
        ):  # fmt: skip
            users.add_user(
                admin, users.UserInput(login, role=role, department=dept), password=PASSWORD
            )
        for owner in ("", mia, sam, out):
            made = contacts.create_contact(
                admin, ContactInput(name=f"Of {owner or 'nobody'}", owner=owner)
            )
            owned[owner] = made.id
        assert permissions.access(admin).role == "admin"  # postgres: a superuser
    finally:
        admin.close()
    for login, role in (
        (boss, "admin"),
        (mia, "manager"),
        (sam, "sales"),
        (out, "sales"),
        (vic, "viewer"),
    ):
        store = open_store(_as(url, login), Settings())
        try:
            me = permissions.access(store)
        finally:
            store.close()
        assert (me.login, me.role) == (login, role)
        if login in (mia, sam):
            assert me.team == frozenset({mia, sam}) and me.department == "Field"
        for owner, contact_id in owned.items():
            with psycopg.connect(_as(url, login)) as conn:
                try:
                    conn.execute(
                        "UPDATE contact SET title = 'checked' WHERE id = %s", (contact_id,)
                    )
                    allowed = True
                except psycopg.errors.InsufficientPrivilege:
                    allowed = False
                conn.rollback()
            assert me.may_change(owner) is allowed, (login, role, owner)


def test_an_admin_holds_every_group_with_admin_option(pg_server: PgServer) -> None:
    """Since PostgreSQL 16 a CREATEROLE role may grant only groups it holds WITH ADMIN
    OPTION: every admin gets them, so an admin another admin made can add users too (on
    this server, 15, CREATEROLE would do; the grants are checked here, the use below)."""
    url = pg_server.database()
    first, second, new = (f"{n}{os.getpid()}" for n in ("first", "second", "new"))
    admin = open_store(url, Settings())
    try:
        users.add_user(admin, users.UserInput(first, role="admin"), password=PASSWORD)
    finally:
        admin.close()
    by_first = open_store(_as(url, first), Settings())
    try:
        users.add_user(by_first, users.UserInput(second, role="admin"), password=PASSWORD)
    finally:
        by_first.close()
    by_second = open_store(_as(url, second), Settings())
    try:
        users.add_user(by_second, users.UserInput(new, role="viewer"), password=PASSWORD)
        users.edit_user(by_second, new, users.UserChanges(role="sales"))
        assert permissions.access(by_second).role == "admin"
    finally:
        by_second.close()
    with psycopg.connect(url) as conn:
        held = conn.execute(
            "SELECT g.rolname, m.admin_option FROM pg_auth_members m "
            "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
            "WHERE u.rolname = %s",
            (second,),
        ).fetchall()
        assert dict(held) == {
            "pocketcrm_admin": True, "pocketcrm_manager": True,
            "pocketcrm_sales": True, "pocketcrm_viewer": True,
        }  # fmt: skip
        groups = conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
            (new,),
        ).fetchall()
        assert groups == [("pocketcrm_sales",)]
