"""`pocketcrm user`, `department`, `whoami` and `report --by` on a SQLite file (issue 11):
exit codes, one-line errors, JSON, and what was written, read back through the core."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable

import pytest
from clisupport import Run

from pocketcrm.core.services import users
from pocketcrm.core.store import Store


def test_users_and_departments_from_the_command_line(run: Run, core: Callable[[], Store]) -> None:
    me = users.login_for(getpass.getuser()) or "admin"
    assert run("whoami").stdout.startswith(f"{me} (")
    assert run("department", "add", "Field sales").stdout == "1\n"
    assert run("user", "add", "ann.lee", "--name", "Ann Lee", "-d", "field sales").stdout == (
        "ann.lee\n"
    )
    run("department", "edit", "field sales", "--lead", "Ann Lee")
    listed = json.loads(run("user", "list", "--json").stdout)
    assert [(u["login"], u["role"]) for u in listed] == sorted(
        [("ann.lee", "sales"), (me, "admin")]
    )
    shown = json.loads(run("department", "show", "Field Sales", "--json").stdout)
    assert (shown["lead"], shown["members"]) == ("ann.lee", ["ann.lee"])
    run("user", "edit", "ann", "--role", "manager", code=2)  # 'ann' is nobody: exit 2
    run("user", "edit", "ann.lee", "--role", "manager")
    assert users.get_user(core(), "ann.lee").role == "manager"
    assert "disabled ann.lee" in run("user", "disable", "Ann Lee").stdout
    assert "\tdisabled" in run("user", "list").stdout
    run("department", "rm", "field sales")
    assert run("department", "list", "--json").stdout.strip() == "[]"


def test_owner_options_refuse_an_unknown_person(run: Run, core: Callable[[], Store]) -> None:
    run("user", "add", "sam", "--name", "Sam Reyes")
    result = run("add", "Ann Lee", "--owner", "Sma", code=2)
    assert result.stderr.count("\n") == 1
    assert "owner: no user 'Sma' (closest: sam)" in result.stderr
    assert run("list", "--json").stdout.strip() == "[]"  # nothing written
    run("add", "Ann Lee", "--owner", "sam reyes")
    run("log-call", "ann", "--owner", "Nobody", code=2)
    run("log-call", "ann")
    with core().read() as session:
        from sqlalchemy import text

        assert session.execute(text("SELECT owner FROM contact")).scalar() == "sam"
        me = users.login_for(getpass.getuser()) or "admin"
        assert session.execute(text("SELECT owner FROM interaction")).scalar() == me


def test_bad_input_is_one_line_and_exit_2(run: Run) -> None:
    for args in (
        ("user", "add", "Bad Login"),
        ("user", "add", "kim", "--role", "boss"),
        ("user", "add", "kim", "--department", "Nowhere"),
        ("user", "passwd"),
        ("report", "--by", "team"),
    ):
        result = run(*args, code=2)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, args
    run("department", "show", "Nowhere", code=3)


def test_report_by_user_and_department(run: Run) -> None:
    run("department", "add", "Field")
    run("user", "add", "sam", "-d", "Field")
    run("add", "Cu One", "--owner", "sam")
    run("log-call", "cu", "--owner", "sam", "--outcome", "reached", "--at", "1h ago")
    data = json.loads(run("report", "--by", "user", "--until", "tomorrow", "--json").stdout)
    sam = next(r for r in data["rows"] if r["key"] == "sam")
    assert (sam["calls_made"], sam["reach_rate"], sam["leads"]) == (1, 100, 1)
    table = run("report", "--by", "department").stdout.splitlines()
    assert table[1].split("\t")[:5] == ["who", "name", "department", "lead", "calls out"]
    assert table[2].split("\t")[0] == "Field" and table[2].split("\t")[4] == "1"


def test_whoami_says_what_your_role_may_do(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    run("user", "add", "vic", "--name", "Vic Viewer", "--role", "viewer")
    run("user", "add", "sam", "--name", "Sam Reyes")
    said = run("whoami").stdout.splitlines()
    assert said[1].startswith("may: change everything, add records") and "purge" in said[1]
    monkeypatch.setenv("POCKETCRM_OWNER", "Vic Viewer")
    assert run("whoami").stdout.splitlines() == ["vic (Vic Viewer) · viewer", "may: read"]
    monkeypatch.setenv("POCKETCRM_OWNER", "sam")
    shown = json.loads(run("whoami", "--json").stdout)
    assert (shown["login"], shown["role"]) == ("sam", "sales")
    assert shown["may"][0] == "change yours and unassigned work"
    assert "manage users and departments" not in shown["may"]
