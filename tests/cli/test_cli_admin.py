"""`--db` before or after the command, POCKETCRM_DB, `where`, `config`, `demo`, `--version`."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.core.services import activity, contacts, reports
from pocketcrm.core.store import Store


def test_pocketcrm_db_is_honoured(
    run: Run, fresh_db: Path, db_file: Path, core: Callable[..., Store]
) -> None:
    run("add", "Ann Lee")
    assert db_file.exists()
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_file.parent.stat().st_mode) == 0o700
    assert [r.display_name for r in contacts.list_contacts(core())] == ["Ann Lee"]


def test_db_before_and_after_the_command_name(
    run: Run, tmp_path: Path, fresh_db: Path, db_file: Path, core: Callable[..., Store]
) -> None:
    before = tmp_path / "before.db"
    after = tmp_path / "after.db"
    run("--db", str(before), "add", "Ann Before")
    run("add", "Bob After", "--db", str(after))
    run("company", "add", "Acme", "--db", str(after))
    assert [r.display_name for r in contacts.list_contacts(core(before))] == ["Ann Before"]
    assert [r.display_name for r in contacts.list_contacts(core(after))] == ["Bob After"]
    assert not db_file.exists()
    # each invocation starts afresh: a --db given before one command does not stick
    run("add", "Cy Default")
    assert [r.display_name for r in contacts.list_contacts(core())] == ["Cy Default"]
    assert "Ann Before" in run("--db", str(before), "list").stdout
    assert "Bob After" in run("list", "--db", str(after)).stdout
    # the command's own --db wins over the root's
    assert "Bob After" in run("--db", str(before), "list", "--db", str(after)).stdout


def test_db_as_a_sqlite_url(run: Run, tmp_path: Path, core: Callable[..., Store]) -> None:
    target = tmp_path / "url.db"
    run("--db", f"sqlite:///{target}", "add", "Ann Lee")
    assert contacts.count_contacts(core(target)) == 1


def test_where(run: Run, db_file: Path, tmp_path: Path) -> None:
    lines = run("where").stdout.splitlines()
    facts = dict(line.split(None, 1) for line in lines)
    assert facts["database"] == str(db_file)
    assert facts["config"] == os.environ["POCKETCRM_CONFIG"]
    assert facts["backups"] == str(db_file.parent / "backups")
    assert facts["logs"] == os.environ["POCKETCRM_STATE_DIR"]
    assert facts["demo"] == str(Path(os.environ["POCKETCRM_DATA_DIR"]) / "demo.db")
    data = json.loads(run("--db", str(tmp_path / "x.db"), "where", "--json").stdout)
    assert set(data) == {"database", "config", "backups", "logs", "demo"}
    assert data["database"] == str(tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()  # `where` only tells, it creates nothing


def test_config_set_get_list(run: Run, core: Callable[..., Store]) -> None:
    config_file = Path(os.environ["POCKETCRM_CONFIG"])
    assert run("config", "set", "owner", "Sam Jones").stdout == "owner = Sam Jones\n"
    assert run("config", "set", "reminders.channels", "stdout, email").stdout == (
        "reminders.channels = stdout, email\n"
    )
    run("config", "set", "reminders.max_attempts", "3")
    run("config", "set", "stages", "Lead, Trial, Customer")
    assert run("config", "get", "owner").stdout == "Sam Jones\n"
    assert run("config", "get", "stages").stdout == "lead, trial, customer\n"
    listing = run("config", "list").stdout
    assert "owner = Sam Jones" in listing
    assert "reminders.max_attempts = 3" in listing
    values = json.loads(run("config", "list", "--json").stdout)
    assert values["reminders.channels"] == ["stdout", "email"]
    assert values["reminders.max_attempts"] == 3
    data = tomllib.loads(config_file.read_text())
    assert data["owner"] == "Sam Jones"
    assert data["reminders"]["max_attempts"] == 3
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    # the settings take effect
    run("add", "Ann Lee", "--stage", "trial")
    card = contacts.get_card(core(), "ann")
    assert (card.owner, card.stage) == ("Sam Jones", "trial")
    assert "stage" in run("add", "Bob Ray", "--stage", "prospect", code=2).stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("config", "set", "colour", "blue"), "key"),
        (("config", "get", "colour"), "key"),
        (("config", "set", "reminders.max_attempts", "many"), "reminders.max_attempts"),
        (("config", "set", "reminders.birthdays", "perhaps"), "reminders.birthdays"),
        (("config", "set", "timezone", "Mars/Olympus"), "timezone"),
        (("config", "set", "reminders.channels", "pigeon"), "reminders.channels"),
        (("config", "set", "reminders.smtp.security", "tls1"), "reminders.smtp.security"),
        (("config", "set", "reminders.all_day_hour", "25"), "reminders.all_day_hour"),
        (("config", "set", "stages", " , "), "stages"),
    ],
)
def test_config_refuses_bad_keys_and_values(run: Run, args: tuple[str, ...], field: str) -> None:
    result = run(*args, code=2)
    [line] = result.stderr.splitlines()
    assert f"error: {field}: " in line
    assert not Path(os.environ["POCKETCRM_CONFIG"]).exists()


def test_a_broken_config_file_is_one_clear_error(run: Run) -> None:
    config_file = Path(os.environ["POCKETCRM_CONFIG"])
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text("owner = [unclosed\n")
    result = run("list", code=2)
    assert "config" in result.stderr and "Traceback" not in result.output


def test_demo_builds_a_separate_database(
    run: Run, fresh_db: Path, db_file: Path, core: Callable[..., Store]
) -> None:
    out = run("demo", "--contacts", "24").stdout
    demo = Path(os.environ["POCKETCRM_DATA_DIR"]) / "demo.db"
    assert f"demo database: {demo}" in out
    assert "24 contacts, 3 companies, 144 interactions, 8 follow-ups" in out
    assert not db_file.exists()  # the real database is untouched
    store = core(demo)
    assert contacts.count_contacts(store) == 24
    assert activity.agenda(store, "all")
    assert reports.summary(store).interactions_total > 0
    listed = run("--db", str(demo), "list", "--json").stdout
    assert len(json.loads(listed)) == 24
    assert "Contacts by stage" in run("report", "--db", str(demo)).stdout
    assert run("--db", str(demo), "agenda", "--all").stdout.startswith("id\tdue")
    refused = run("demo", "--contacts", "24", code=2)
    assert "--force" in refused.stderr
    run("demo", "--contacts", "16", "--force", "--seed", "3")
    assert contacts.count_contacts(core(demo)) == 16


def test_demo_is_repeatable(run: Run, tmp_path: Path) -> None:
    run("demo", "--contacts", "16", "--db", str(tmp_path / "a.db"))
    run("demo", "--contacts", "16", "--db", str(tmp_path / "b.db"))
    first = run("--db", str(tmp_path / "a.db"), "list", "--csv").stdout
    assert first == run("--db", str(tmp_path / "b.db"), "list", "--csv").stdout


def test_version_and_bare_command(run: Run) -> None:
    assert run("--version").stdout.startswith("pocketcrm ")
    bare = run()
    assert "Usage" in bare.stdout and "add" in bare.stdout


def test_the_configured_zone_reads_when_phrases(
    run: Run, monkeypatch: pytest.MonkeyPatch, core: Callable[..., Store]
) -> None:
    """`tomorrow 9am` is 9am where the user said they are, even on the command's first call."""
    from datetime import UTC, datetime

    from pocketcrm import config
    from pocketcrm.core import clock
    from pocketcrm.core.services import activity

    monkeypatch.delenv("POCKETCRM_TZ")
    monkeypatch.setenv("TZ", "UTC")
    config.set_value("timezone", "America/New_York")
    contacts.create_contact(core(), contacts.ContactInput(name="Ann Lee"))
    clock.set_local_zone(None)  # as in a new process
    run("follow-up", "ann", "tomorrow 9am")
    [plan] = activity.agenda(core(), "all")
    assert plan.due_at == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("where", ["env", "file"])
def test_an_unknown_zone_is_one_clear_error(
    run: Run, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from pocketcrm.core import clock

    clock.set_local_zone(None)
    if where == "env":
        monkeypatch.setenv("POCKETCRM_TZ", "Mars/Olympus")
    else:
        monkeypatch.delenv("POCKETCRM_TZ")
        config_file = Path(os.environ["POCKETCRM_CONFIG"])
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text('timezone = "Mars/Olympus"\n')
    for args in (("list",), ("follow-up", "ann", "tomorrow"), ("agenda",)):
        result = run(*args, code=2)
        [line] = result.stderr.splitlines()
        assert "timezone: unknown zone 'Mars/Olympus'" in line


def test_config_region_is_upper_cased_and_used(run: Run, core: Callable[..., Store]) -> None:
    assert run("config", "set", "default_region", "gb").stdout == "default_region = GB\n"
    run("add", "Ann Lee", "-p", "020 7946 0958")
    assert contacts.get_card(core(), "ann").phones[0].e164 == "+442079460958"


def test_demo_honours_db_before_the_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pocketcrm.cli import app

    target = tmp_path / "before.db"
    result = CliRunner().invoke(app, ["--db", str(target), "demo", "--contacts", "5"])
    assert result.exit_code == 0, result.output
    assert target.exists()


@pytest.fixture
def first_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first run with nothing said about the phone region (the tests' US pin lifted)."""
    monkeypatch.delenv("POCKETCRM_PHONE_REGION")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def test_the_phone_region_is_guessed_from_the_time_zone_once(
    run: Run, core: Callable[..., Store], first_run: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: the region was always US, so the README's own UK number was not valid."""
    monkeypatch.setenv("POCKETCRM_TZ", "Europe/London")
    result = run("add", "Zoë Åkesson", "--phone", "020 7946 0321")
    assert result.stderr == (
        "pocketcrm: phone region: GB (from time zone Europe/London); "
        "change with `pocketcrm config set phone_region XX`\n"
    )
    card = json.loads(run("show", "zoe", "--json").stdout)
    assert card["phones"][0]["valid"] is True and card["phones"][0]["e164"] == "+442079460321"
    assert run("list").stderr == ""  # said once
    data = tomllib.loads(Path(os.environ["POCKETCRM_CONFIG"]).read_text())
    assert data["default_region"] == "GB"
    assert run("config", "set", "phone_region", "de").stdout == "phone_region = DE\n"
    assert run("config", "get", "phone_region").stdout == "DE\n"


def test_the_locale_comes_before_the_time_zone(
    run: Run, first_run: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_IE.UTF-8")
    assert "phone region: IE (from locale en_IE.UTF-8)" in run("list").stderr
    assert run("config", "get", "default_region").stdout == "IE\n"


def test_without_a_country_the_default_is_stored_and_said(
    run: Run, first_run: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POCKETCRM_TZ", "UTC")
    monkeypatch.setenv("TZ", "UTC")
    assert "phone region: US (the default" in run("list").stderr
    assert run("list").stderr == ""
