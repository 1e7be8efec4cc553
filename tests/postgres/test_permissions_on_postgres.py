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
