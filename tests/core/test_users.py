"""Users and departments on SQLite: the upgrade that turns free-text owners into users, the
owner rule, and the services' refusals (issue 11)."""

from __future__ import annotations

import getpass
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketcrm.core import doctor
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.services import departments, users
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "schema_0001.db"


def _old_with_owners(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURE, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE contact SET owner = 'Ann' WHERE id = 1")
        conn.execute("UPDATE contact SET owner = 'ann ' WHERE id = 2")
        conn.execute("UPDATE company SET owner = 'Bo Ray'")
        conn.execute("UPDATE interaction SET owner = 'Ann'")
        conn.execute("UPDATE follow_up SET owner = 'Anne'")
        conn.execute("UPDATE stage_change SET by = 'Zoë Åkesson'")
    conn.close()
    return path


def test_the_upgrade_makes_one_user_per_owner_and_owners_hold_logins(tmp_path: Path) -> None:
    path = _old_with_owners(tmp_path)
    store = open_store(path, Settings())
    try:
        found = {u.login: u for u in users.list_users(store)}
        me = users.login_for(getpass.getuser()) or "admin"
        assert set(found) == {"ann", "anne", "bo.ray", "zoe.akesson", me}
        assert found["ann"].name == "Ann" and found["ann"].role == "sales"
        assert found["zoe.akesson"].name == "Zoë Åkesson"
        assert found[me].role == "admin"
        with store.read() as session:
            from sqlalchemy import text

            owners = session.execute(text("SELECT DISTINCT owner FROM contact")).scalars()
            assert set(owners) - {""} == {"ann"}  # a third contact has no owner
            assert set(session.execute(text("SELECT owner FROM company")).scalars()) == {"bo.ray"}
            assert set(session.execute(text("SELECT by FROM stage_change")).scalars()) == {
                "zoe.akesson"
            }
        notes = users.organisation_notes(store)
    finally:
        store.close()
    assert "owner names: ann: joined the spellings 'Ann', 'ann '" in notes
    assert "owner names: ann and anne may be the same person (kept apart)" in notes
    said = [c.detail for c in doctor.diagnose(str(path), Settings()) if c.name == "users"]
    assert "owner names: ann and anne may be the same person (kept apart)" in said


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "crm.db", Settings())
    yield opened
    opened.close()


def test_a_new_file_has_its_os_login_as_admin(store: Store) -> None:
    me = users.whoami(store)
    assert me.login == (users.login_for(getpass.getuser()) or "admin")
    assert me.role == "admin" and me.active


def test_owner_resolution_takes_a_login_or_a_name_and_refuses_the_rest(store: Store) -> None:
    departments.add_department(store, "Field Sales")
    users.add_user(store, users.UserInput("ann.lee", name="Ann Lee", department="field sales"))
    assert users.resolve_owner(store, "ANN.LEE") == "ann.lee"
    assert users.resolve_owner(store, "ann lee") == "ann.lee"
    assert users.resolve_owner(store, "") == ""
    with pytest.raises(Invalid, match=r"no user 'Anne Le' \(closest: ann.lee\)"):
        users.resolve_owner(store, "Anne Le")
    users.add_user(store, users.UserInput("kim1", name="Kim"))
    users.add_user(store, users.UserInput("kim2", name="Kim"))
    with pytest.raises(Invalid, match=r"several users \(kim1, kim2\)"):
        users.resolve_owner(store, "kim")


def test_bad_input_writes_nothing(store: Store) -> None:
    users.add_user(store, users.UserInput("ann"))
    before = [u.login for u in users.list_users(store)]
    with pytest.raises(Invalid, match="ann is already a user"):
        users.add_user(store, users.UserInput("ann"))
    with pytest.raises(Invalid, match="no department 'Nowhere'"):
        users.add_user(store, users.UserInput("bob", department="Nowhere"))
    with pytest.raises(Invalid, match="unknown role 'boss'"):
        users.add_user(store, users.UserInput("bob", role="boss"))
    with pytest.raises(Invalid, match="is not a login"):
        users.add_user(store, users.UserInput("Bob Ray"))
    assert [u.login for u in users.list_users(store)] == before


def test_the_last_admin_cannot_be_disabled_or_demoted(store: Store) -> None:
    me = users.whoami(store).login
    with pytest.raises(Invalid, match="last admin"):
        users.set_active(store, me, False)
    with pytest.raises(Invalid, match="last admin"):
        users.edit_user(store, me, users.UserChanges(role="sales"))
    users.add_user(store, users.UserInput("boss", role="admin"))
    assert not users.set_active(store, me, False).active


def test_a_disabled_user_keeps_history_but_takes_no_new_work(store: Store) -> None:
    users.add_user(store, users.UserInput("sam"))
    users.set_active(store, "sam", False)
    with pytest.raises(Invalid, match="sam is disabled"):
        users.resolve_owner(store, "sam")
    assert users.resolve_owner(store, "sam", assign=False) == "sam"  # a filter may name them
    assert users.set_active(store, "sam", True).active


def test_departments_add_edit_remove(store: Store) -> None:
    users.add_user(store, users.UserInput("kim", name="Kim"))
    made = departments.add_department(store, "Support", lead="Kim")
    assert (made.name, made.lead) == ("Support", "kim")
    users.edit_user(store, "kim", users.UserChanges(department="support"))
    assert departments.get_department(store, "SUPPORT").members == ["kim"]
    with pytest.raises(Invalid, match="already a department"):
        departments.add_department(store, "support")
    renamed = departments.edit_department(store, "support", name="Help desk", lead="")
    assert (renamed.name, renamed.lead) == ("Help desk", "")
    departments.remove_department(store, "help desk")
    assert users.get_user(store, "kim").department == ""
    with pytest.raises(NotFound):
        departments.get_department(store, "help desk")


def test_passwords_are_for_team_mode(store: Store) -> None:
    with pytest.raises(Invalid, match="no logins"):
        users.change_password(store, "", "a long enough password")


def _journal_actors(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {str(r[0]) for r in conn.execute("SELECT DISTINCT actor FROM journal")}
    finally:
        conn.close()


def test_the_journal_writes_the_acting_users_login(tmp_path: Path) -> None:
    """On SQLite the journal's "who" is the users service's acting login: the configured
    owner's LOGIN when it names a user (not the name as typed), else the file's first admin."""
    from pocketcrm.core.services import contacts
    from pocketcrm.core.services.contacts import ContactInput

    path = tmp_path / "crm.db"
    alone = open_store(path, Settings())
    try:
        users.add_user(alone, users.UserInput("ann", name="Ann Lee"))
        contacts.create_contact(alone, ContactInput(name="First"))
        me = users.acting_login(alone)
    finally:
        alone.close()
    assert me == (users.login_for(getpass.getuser()) or "admin")
    assert _journal_actors(path) == {me}
    as_ann = open_store(path, Settings(owner="Ann Lee"))
    try:
        assert users.acting_login(as_ann) == "ann"
        contacts.create_contact(as_ann, ContactInput(name="Second"))
        with as_ann.sql_write() as session:  # the plain path too
            session.run("UPDATE contact SET notes = 'x' WHERE display_name = 'First'")
    finally:
        as_ann.close()
    assert _journal_actors(path) == {me, "ann"}


def test_the_pickers_choices_and_the_department_rule(store: Store) -> None:
    """What a form's pickers offer, and the department a typed name resolves to."""
    departments.add_department(store, "Field Sales")
    users.add_user(store, users.UserInput("kim", name="Kim Ode", department="Field Sales"))
    users.add_user(store, users.UserInput("gone", name="Gone Away"))
    users.set_active(store, "gone", False)
    offered = users.choices(store)
    me = users.login_for(getpass.getuser()) or "admin"
    assert offered.people[:2] == tuple(sorted(["kim", me]))
    assert "Kim Ode" in offered.people and "gone" not in offered.people  # active users only
    assert offered.departments == ("Field Sales",)
    assert departments.resolve_department(store, "field sales") == "Field Sales"
    assert departments.resolve_department(store, " ") == ""
    with pytest.raises(Invalid, match=r"no department 'Field Sale'.*closest: Field Sales"):
        departments.resolve_department(store, "Field Sale")
