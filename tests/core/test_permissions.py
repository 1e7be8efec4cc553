"""What each role may do (core/services/permissions.py), the rule both faces ask (issue 11).

On SQLite the acting user is the user settings.owner names; the PostgreSQL side (the role
from the login, and the rule checked against the server's own refusals) is in
tests/postgres/test_permissions_on_postgres.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketcrm.core.errors import Invalid, NotAllowed
from pocketcrm.core.services import departments, users
from pocketcrm.core.services.permissions import Access, access
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store

TEAM = frozenset({"mia", "sam"})


@pytest.mark.parametrize(
    ("role", "owner", "expected"),
    [
        ("admin", "out", True),
        ("manager", "", True),
        ("manager", "sam", True),  # in their department
        ("manager", "out", False),  # another department's
        ("sales", "sam", True),  # their own
        ("sales", "", True),  # unassigned
        ("sales", "mia", False),  # a colleague's, even their manager's
        ("viewer", "", False),
        ("viewer", "sam", False),
        ("", "anyone", True),  # not a user (a file from before users): as before
    ],
)
def test_who_may_change_whose_records(role: str, owner: str, expected: bool) -> None:
    me = Access("sam" if role == "sales" else "mia", role, "Field", TEAM)
    assert me.may_change(owner) is expected
    assert me.may_assign(owner) is expected


def test_what_each_role_may_do_at_all() -> None:
    table = {
        role: {a for a in ("add", "change", "log", "sell", "import", "users", "purge")
               if Access("x", role).may(a)}
        for role in ("admin", "manager", "sales", "viewer")
    }  # fmt: skip
    assert table["admin"] == {"add", "change", "log", "sell", "import", "users", "purge"}
    assert table["manager"] == table["sales"] == {"add", "change", "log", "sell", "import"}
    assert table["viewer"] == set()
    assert Access("x", "viewer").may("read") and Access("x", "viewer").read_only
    with pytest.raises(Invalid, match="unknown action"):
        Access("x", "admin").may("fly")


def test_logging_in_someone_elses_name() -> None:
    sales = Access("sam", "sales", "Field", TEAM)
    assert sales.may_log_as("") and sales.may_log_as("sam")
    assert not sales.may_log_as("mia")
    manager = Access("mia", "manager", "Field", TEAM)
    assert manager.may_log_as("sam") and not manager.may_log_as("out")


def test_refusals_name_what_and_exit_5() -> None:
    with pytest.raises(NotAllowed, match="adding records as a viewer") as caught:
        Access("vic", "viewer").require("add")
    assert caught.value.exit_code == 5
    with pytest.raises(NotAllowed, match="changing mia's records as a sales"):
        Access("sam", "sales", "Field", TEAM).require("change", "mia")
    Access("sam", "sales", "Field", TEAM).require("change", "sam")


@pytest.fixture
def team_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "team.db"
    store = open_store(path, Settings())
    departments.add_department(store, "Field")
    users.add_user(store, users.UserInput("mia", name="Mia Kay", department="Field",
                                          role="manager"))  # fmt: skip
    users.add_user(store, users.UserInput("sam", name="Sam Reyes", department="Field"))
    users.add_user(store, users.UserInput("vic", name="Vic Viewer", role="viewer"))
    users.add_user(store, users.UserInput("out", name="Out Side"))
    store.close()
    yield path


def _access_as(path: Path, owner: str) -> Access:
    store: Store = open_store(path, Settings(owner=owner))
    try:
        return access(store)
    finally:
        store.close()


def test_on_sqlite_the_configured_owner_is_who_works(team_file: Path) -> None:
    sam = _access_as(team_file, "Sam Reyes")  # a display name names the user too
    assert (sam.login, sam.role, sam.department, sam.team) == ("sam", "sales", "Field", TEAM)
    assert _access_as(team_file, "vic").read_only
    assert _access_as(team_file, "mia").may_change("sam")
    first = _access_as(team_file, "")  # nobody configured: the file's first admin
    assert first.role == "admin" and first.may("users")
    stranger = _access_as(team_file, "Someone Else")  # a name from before users
    assert stranger.role == "" and stranger.may("purge") and stranger.may_change("sam")


def test_the_pickers_offer_whom_you_may_give_work_to(team_file: Path) -> None:
    from pocketcrm.core.services import permissions

    def offered(owner: str) -> tuple[str, ...]:
        store = open_store(team_file, Settings(owner=owner))
        try:
            return permissions.choices(store).people
        finally:
            store.close()

    assert offered("sam") == ("sam", "Sam Reyes")  # sales: themselves
    assert offered("mia") == ("mia", "sam", "Mia Kay", "Sam Reyes")  # their department
    assert {"out", "vic", "Out Side"} <= set(offered(""))  # the admin: everyone
    assert offered("vic") == ()  # a viewer gives no work
