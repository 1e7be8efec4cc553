"""Logins and roles in team mode, on the real server the suite starts (issue 11).

Each person connects as their own login role; the group roles, GRANTs and row-level
security that migration 0010 made decide what they may do. Every refusal is checked
twice: through `pocketcrm` (exit 5, one line, nothing written) and through a raw psycopg
connection (the server itself refuses), so the guarantee holds for any client. The
server trusts local connections, so logins connect without their password here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from pgserver import PgServer

BIN = str(Path(sys.executable).with_name("pocketcrm"))
Crm = Callable[..., subprocess.CompletedProcess[str]]
_count = 0


def _as(url: str, login: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{login}@", 1)


@pytest.fixture
def team(pg_server: PgServer) -> tuple[str, Callable[[str], str]]:
    """A new database, and a function naming a login unique to this test (roles are
    shared by the whole server)."""
    global _count
    _count += 1
    suffix = f"{os.getpid()}_{_count}"
    return pg_server.database(), lambda name: f"{name}{suffix}"


def _crm(url: str) -> Crm:
    def run(
        *args: str, login: str = "postgres", stdin: str = "", code: int = 0
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "POCKETCRM_DB": _as(url, login)}
        env.pop("POCKETCRM_OWNER", None)
        done = subprocess.run(
            [BIN, *args], input=stdin, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == code, (args, login, done.returncode, done.stdout, done.stderr)
        return done

    return run


def _add(crm: Crm, login: str, role: str, department: str = "") -> None:
    extra = ["--department", department] if department else []
    crm("user", "add", login, "--role", role, "--password-stdin", *extra,
        stdin="correct horse battery\n")  # fmt: skip


def _raw(url: str, login: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(_as(url, login).replace("postgresql://", "postgresql://", 1))


def test_each_role_through_pocketcrm_and_raw_sql(team: tuple[str, Callable[[str], str]]) -> None:
    url, name = team
    crm = _crm(url)
    ann, bob, vic = name("ann"), name("bob"), name("vic")
    _add(crm, ann, "sales")
    _add(crm, bob, "sales")
    _add(crm, vic, "viewer")
    # sales: their own contact, unassigned work, calls only as themselves
    mine = crm("add", "Ann's Customer", "--owner", ann, login=ann).stdout.strip()
    bobs = crm("add", "Bob's Customer", "--owner", bob, login=bob).stdout.strip()
    crm("log-call", mine, "--outcome", "reached", login=ann)
    crm("edit", mine, "--title", "Buyer", login=ann)
    refused = crm("edit", bobs, "--title", "Mine now", login=ann, code=5).stderr
    assert refused.count("\n") == 1 and "not allowed" in refused and "admin" in refused
    crm("log-call", bobs, "--owner", bob, login=ann, code=5)
    crm("rm", bobs, login=ann, code=5)
    # the viewer reads everything and changes nothing
    assert "Bob's Customer" in crm("list", login=vic).stdout
    crm("add", "Viewer's Try", login=vic, code=5)
    crm("log-call", mine, login=vic, code=5)
    # nothing was written by the refusals
    assert crm("show", bobs, "--json").stdout.count("Mine now") == 0
    with _raw(url, "postgres") as conn:
        owners = conn.execute("SELECT owner FROM interaction ORDER BY id").fetchall()
        assert owners == [(ann,)]  # the call was logged as the login, not typed
    # the same refusals from any client: the server says no
    with _raw(url, ann) as conn:
        for statement in (
            f"UPDATE contact SET title = 'x' WHERE id = {bobs}",
            f"DELETE FROM contact WHERE id = {bobs}",
            f"INSERT INTO interaction (uuid, contact_id, kind, direction, occurred_at, outcome,"
            f" owner, notes, created_at) VALUES ('u1', {mine}, 'call', '', now(), '', "
            f"'{bob}', '', now())",
            f"UPDATE contact SET owner = '{ann}' WHERE id = {bobs}",
            "INSERT INTO app_user (login, display_name, email, role, active, created_at) "
            "VALUES ('eve', '', '', 'admin', true, now())",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()
        conn.execute(f"UPDATE contact SET title = 'Chief' WHERE id = {mine}")
        conn.commit()
    with _raw(url, vic) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"UPDATE contact SET title = 'x' WHERE id = {mine}")


def test_managers_change_their_department_and_admins_everything(
    team: tuple[str, Callable[[str], str]],
) -> None:
    url, name = team
    crm = _crm(url)
    crm("department", "add", "Field")
    mia, sam, out, boss = name("mia"), name("sam"), name("out"), name("boss")
    _add(crm, mia, "manager", "Field")
    _add(crm, sam, "sales", "Field")
    _add(crm, out, "sales")
    _add(crm, boss, "admin")
    sams = crm("add", "Sam's", "--owner", sam, login=sam).stdout.strip()
    outs = crm("add", "Out's", "--owner", out, login=out).stdout.strip()
    crm("edit", sams, "--owner", mia, login=mia)  # reassigning work in the department
    crm("edit", outs, "--title", "x", login=mia, code=5)  # another department's
    crm("edit", outs, "--title", "Fixed", login=boss)
    crm("user", "add", name("new"), "--generate", login=boss)
    # only admins manage users and departments
    crm("user", "add", name("nope"), "--generate", login=mia, code=5)
    crm("department", "add", "Mine", login=sam, code=5)


def test_bad_input_and_disabled_logins(team: tuple[str, Callable[[str], str]]) -> None:
    url, name = team
    crm = _crm(url)
    ann = name("ann")
    short = crm("user", "add", ann, "--password-stdin", stdin="short\n", code=2).stderr
    assert "at least 12 characters" in short and "short" not in short.replace("(this", "")
    crm("user", "add", name("x"), "--department", "Nowhere", "--generate", code=2)
    _add(crm, ann, "sales")
    crm("user", "add", ann, "--generate", code=2)  # duplicate login
    crm("user", "disable", "postgres", code=2)  # the last admin
    crm("user", "disable", ann)
    refused = crm("list", login=ann, code=1).stderr
    assert "not permitted to log in" in refused and refused.count("\n") == 1
    listed = crm("user", "list", "--json").stdout
    assert '"active": false' in listed and "password" not in listed
    crm("user", "enable", ann)
    crm("list", login=ann)
    crm("user", "passwd", login=ann, stdin="another long secret\n", code=2)  # no terminal
    crm("user", "passwd", "--password-stdin", login=ann, stdin="another long secret\n")
    with _raw(url, "postgres") as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (ann,)
        ).fetchone()
        assert stored is not None and str(stored[0]).startswith("SCRAM-SHA-256$")


def test_every_customer_table_is_held_by_row_level_security(
    team: tuple[str, Callable[[str], str]],
) -> None:
    url, _name = team
    _crm(url)("whoami")
    with _raw(url, "postgres") as conn:
        open_tables = conn.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) "
            "AND NOT (relrowsecurity AND relforcerowsecurity)",
            (
                [
                    "contact",
                    "company",
                    "deal",
                    "interaction",
                    "follow_up",
                    "invoice",
                    "payment",
                    "contact_email",
                    "contact_phone",
                    "contact_tag",
                    "stage_change",
                ],
            ),
        ).fetchall()
    assert open_tables == []
