"""Exit codes: 2 bad input (one line naming the field, nothing written), 3 not found (with
suggestions), 4 ambiguous (with the candidates), 1 a database that cannot be used."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.core.services import activity, contacts, trash
from pocketcrm.core.store import Store

TABLES = ("contact", "contact_email", "company", "stage_change", "interaction", "follow_up", "tag")


@pytest.fixture
def people(run: Run) -> None:
    run("add", "Zoë Åkesson", "-e", "zoe@example.com")
    run("add", "Ann Lee", "-e", "ann@x.com")
    run("add", "Ann Smith")
    run("follow-up", "zoe", "tomorrow")


def table_counts(db_file: Path) -> dict[str, int]:
    conn = sqlite3.connect(db_file)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("add", ""), "name"),
        (("add", "Bob Ray", "-e", "bob@", "-c", "New Co"), "email"),
        (("add", "Bob Ray", "--stage", "friend", "-t", "new"), "stage"),
        (("add", "Bob Ray", "--birthday", "someday"), "birthday"),
        (("add", "Bob Ray", "-p", "call me"), "phone"),
        (("add", "Bob Ray", "--website", "not a site"), "website"),
        (("log-call", "zoe", "--satisfaction", "9"), "satisfaction"),
        (("log-call", "zoe", "--outcome", "maybe"), "outcome"),
        (("log-call", "zoe", "--at", "someday"), "at"),
        (("log-call", "zoe", "--follow-up", "someday"), "follow-up"),
        (("log-call", "zoe", "--duration", "forever"), "duration"),
        (("log-call", "zoe", "--direction", "sideways"), "direction"),
        (("log", "zoe", "--kind", "telegram"), "kind"),
        (("follow-up", "zoe", "someday"), "when"),
        (("snooze", "1", "2020-01-01 09:00"), "when"),
        (("stage", "zoe", "friend"), "stage"),
        (("edit", "zoe", "--name", "Z", "--add-email", "bad"), "email"),
        (("edit", "zoe", "--set", "novalue"), "set"),
        (("edit", "zoe", "--rm-email", "other@example.com"), "email"),
        (("tag", "zoe", "+a,b"), "tag"),
        (("list", "--sort", "age"), "sort"),
        (("list", "--stage", "friend"), "stage"),
        (("list", "--not-contacted-since", "someday"), "not-contacted-since"),
        (("agenda", "--overdue", "--all"), "window"),
        (("report", "--since", "someday"), "since"),
        (("restore", "zoe"), "ref"),
        (("restore", "1", "--kind", "planet"), "kind"),
        (("company", "add", "Acme", "--kind", "friend"), "kind"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    run: Run, db_file: Path, people: None, args: tuple[str, ...], field: str
) -> None:
    before = table_counts(db_file)
    result = run(*args, code=2)
    [line] = result.stderr.splitlines()
    assert line.startswith(f"pocketcrm: error: {field}: "), line
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert table_counts(db_file) == before


def test_a_usage_error_also_exits_2(run: Run, people: None) -> None:
    result = run("log-call", "zoe", "--satisfaction", "lots", code=2)
    assert "--satisfaction" in result.stderr
    assert "Traceback" not in result.output


def test_not_found_exits_3_with_suggestions(run: Run, people: None) -> None:
    result = run("show", "Zoey Akeson", code=3)
    [line] = result.stderr.splitlines()
    assert "no contact matches 'Zoey Akeson'" in line
    assert "did you mean: Zoë Åkesson" in line
    assert run("log-call", "99", code=3).stdout == ""
    assert "follow-up" in run("done", "99", code=3).stderr
    assert "follow-up" in run("snooze", "99", "tomorrow", code=3).stderr


@pytest.mark.parametrize(
    "args",
    [
        ("show", "ann"),
        ("log-call", "ann"),
        ("follow-up", "ann", "tomorrow"),
        ("rm", "ann"),
        ("tag", "ann", "+vip"),
        ("stage", "ann", "customer"),
        ("edit", "ann", "--title", "x"),
    ],
)
def test_ambiguous_exits_4_listing_the_candidates(
    run: Run, db_file: Path, people: None, args: tuple[str, ...]
) -> None:
    before = table_counts(db_file)
    result = run(*args, code=4)
    lines = result.stderr.splitlines()
    assert "2 contacts match 'ann'" in lines[0]
    assert [line.split() for line in lines[1:]] == [["2", "Ann", "Lee"], ["3", "Ann", "Smith"]]
    assert table_counts(db_file) == before


def test_the_candidates_ids_resolve(run: Run, core: Callable[..., Store], people: None) -> None:
    run("log-call", "2")
    run("rm", "#3")
    store = core()
    assert contacts.get_card(store, "2").interaction_count == 1
    assert [i.label for i in trash.list_trash(store)] == ["Ann Smith"]
    assert activity.count_due(store) == (0, 0)


def test_a_file_that_is_not_a_database_exits_1_in_one_line(run: Run, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("shopping list: eggs, milk, flour, sugar, butter, lemons\n" * 40)
    result = run("--db", str(bogus), "list", code=1)
    [line] = result.stderr.splitlines()
    assert "is not a pocketcrm database" in line
    assert bogus.read_text().startswith("shopping list")


def test_a_database_in_a_missing_read_only_place_exits_1(run: Run, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        result = run("--create", "--db", str(locked / "sub" / "crm.db"), "list", code=None)
        if result.exit_code != 0:  # root may write anywhere; everyone else gets one line
            assert result.exit_code == 1
            assert len(result.stderr.splitlines()) == 1
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    ("db", "says"),
    [
        ("/proc/pocketcrm-test/crm.db", "cannot create"),
        (
            "postgresql://nobody:secret@127.0.0.1:1/none",
            "cannot reach postgresql+psycopg://nobody:***@127.0.0.1:1/none: connection failed",
        ),
    ],
)
def test_a_database_that_cannot_be_made_or_reached_exits_1(run: Run, db: str, says: str) -> None:
    result = run("--create", "--db", db, "list", code=1)
    [line] = result.stderr.splitlines()
    assert says in line
    assert "secret" not in line


def test_a_folder_is_not_a_database(run: Run, tmp_path: Path) -> None:
    [line] = run("--db", str(tmp_path), "list", code=1).stderr.splitlines()
    assert "cannot open" in line


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("report", "--until", "9999-12-31"), "until"),
        (("config", "set", "default_region", "Narnia"), "default_region"),
        (("config", "set", "stages", "lead, lead"), "stages"),
    ],
)
def test_more_bad_input(run: Run, args: tuple[str, ...], field: str) -> None:
    [line] = run(*args, code=2).stderr.splitlines()
    assert f"error: {field}: " in line


def test_demo_needs_at_least_one_contact(run: Run, tmp_path: Path) -> None:
    result = run("demo", "--contacts", "0", "--db", str(tmp_path / "d.db"), code=2)
    assert "--contacts" in result.stderr
    assert not (tmp_path / "d.db").exists()
