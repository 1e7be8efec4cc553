"""The reminder commands through the CLI: cadence, agenda's drifting section, cron, doctor."""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from reminder_kit import (
    POCKETCRM,
    ZONE,
    ZONE_NAME,
    add_contact,
    add_follow_up,
    at,
    cli_env,
    open_crm,
    set_now,
    write_config,
)
from typer.testing import CliRunner

from pocketcrm.cli import app
from pocketcrm.core import scheduling
from pocketcrm.core.reminders import engine, health
from pocketcrm.core.services import activity
from pocketcrm.core.store import Store

runner = CliRunner()


@pytest.fixture(autouse=True)
def _berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCKETCRM_TZ", ZONE_NAME)


@pytest.fixture
def crm() -> Store:
    set_now(at(2026, 1, 1, 12, 0))
    return open_crm(Path(os.environ["POCKETCRM_DB"]))


def cli(*args: str, now: str = "") -> Any:
    """Invoke in this process; NOW (Berlin wall clock) fixes the time as POCKETCRM_NOW does."""
    if now:
        set_now(datetime.fromisoformat(now).replace(tzinfo=ZONE))
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cadence_set_list_rm(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith", tags=("customers",))
    result = cli("cadence", "set", "--tag", "Customers", "--every", "30d")
    assert result.exit_code == 0, result.output
    assert result.stdout == "cadence #1: tag customers every 30 days (at most 45)\n"
    result = cli("cadence", "set", "Ann", "--every", "2w", "--max", "3w", "--json")
    view = json.loads(result.stdout)
    assert (view["contact_id"], view["ideal_days"], view["max_days"]) == (ann, 14, 21)
    result = cli("cadence", "set", "--tag", "vip", "--every", "7")
    assert "no contact has the tag 'vip' yet" in result.stderr

    listed = cli("cadence", "list", "--json")
    assert [(r["tag"], r["ideal_days"], r["covers"]) for r in json.loads(listed.stdout)] == [
        ("customers", 30, 1),
        ("vip", 7, 0),
        ("", 14, 1),
    ]
    plain = cli("cadence", "list").stdout.splitlines()
    assert plain[0] == "id\tfor\tevery\tat most\tcontacts"
    assert f"2\tAnn Smith (#{ann})\t14d\t21d\t1" in plain

    assert cli("cadence", "rm", "3").stdout == "removed cadence #3: tag vip every 7 days\n"
    missing = cli("cadence", "rm", "3")
    assert missing.exit_code == 3 and "no cadence rule matches '3'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "30d"], "give a contact or --tag TAG"),
        (["Ann", "--tag", "x", "--every", "30d"], "give a contact or --tag TAG"),
        (["--tag", "x"], "give the ideal interval"),
        (["--tag", "x", "--every", "soon"], "cannot read 'soon'"),
        (["--tag", "x", "--every", "30d", "--max", "10d"], "at least the ideal interval"),
    ],
)
def test_cadence_set_refuses_bad_input(crm: Store, args: list[str], message: str) -> None:
    add_contact(crm, "Ann Smith")
    result = cli("cadence", "set", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_agenda_shows_who_is_drifting_and_warns_when_reminders_are_late(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith", tags=("customers",))
    bob = add_contact(crm, "Bob Jones", tags=("customers",))
    add_follow_up(crm, ann, at(2026, 2, 20, 9, 0), note="renewal")
    cli("cadence", "set", "--tag", "customers", "--every", "30d")
    set_now(at(2026, 1, 10, 12, 0))
    activity.log_interaction(crm, f"#{bob}", activity.InteractionInput(kind="email"))

    early = cli("agenda", now="2026-01-20T12:00")
    assert early.stdout == "nothing due\n" and early.stderr == ""

    result = cli("agenda", now="2026-02-19T12:00")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "id\tdue\tcontact\tnote\tstate",
        "1\t2026-02-20 09:00\tAnn Smith\trenewal\t",
    ]
    drifting = lines[lines.index("drifting out of touch (2):") :]
    assert drifting[1:] == [
        "contact\tlast in touch\tevery\tover by",
        f"Ann Smith (#{ann})\tnever\t30d\t19d (past max)",
        f"Bob Jones (#{bob})\t2026-01-10\t30d\t10d",
    ]
    assert result.stderr == ""  # reminders never set up: no nagging

    set_now(at(2026, 2, 19, 9, 0))
    failed = engine.run(crm, channels=["command"])  # no command configured
    assert failed.config_error and len(failed.failed) == 2  # the two cadence reminders
    late = cli("agenda", now="2026-02-19T12:00")
    assert late.stderr == (
        "pocketcrm: warning: reminders have not run for 3 hours (expected every 15 minutes);"
        " check `pocketcrm doctor`; 2 failing: see `pocketcrm remind --status`\n"
    )

    as_json = cli("agenda", "--json", now="2026-02-19T12:00")
    assert [item["id"] for item in json.loads(as_json.stdout)] == [1]  # shape unchanged


def test_remind_status_and_doctor_say_when_reminders_last_ran(crm: Store) -> None:
    never = cli("remind", "--status")
    assert "never run" in never.stdout and never.exit_code == 0
    assert cli("remind", now="2026-01-01T12:00").exit_code == 0
    ok = cli("remind", "--status", now="2026-01-01T12:20")
    assert ok.exit_code == 0
    assert "last run: 2026-01-01 12:00" in ok.stdout
    assert "reminders last ran 20 minutes ago" in ok.stdout
    late = cli("remind", "--status", now="2026-01-01T12:31")
    assert late.exit_code == 1 and "warning: reminders have not run for 31 minutes" in late.stdout
    doctor = cli("doctor", now="2026-01-01T12:31")
    assert "WARN  reminders      reminders have not run for 31 minutes" in doctor.stdout


def test_remind_status_claims_a_schedule_only_when_a_job_is_installed(
    crm: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: `remind --status` said "every 15 minutes" with nothing installed."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    tab = tmp_path / "crontab"
    tab.write_text(OTHERS)
    status = cli("remind", "--status", "--tabfile", str(tab))
    assert "every 15 minutes" not in status.stdout
    assert "schedule: none installed; set one up with `pocketcrm cron install`" in status.stdout
    as_json = json.loads(cli("remind", "--status", "--json", "--tabfile", str(tab)).stdout)
    assert as_json["scheduled_by"] == []
    cli("cron", "install", "--cron", "--tabfile", str(tab))
    status = cli("remind", "--status", "--tabfile", str(tab))
    assert "schedule: every 15 minutes (cron)" in status.stdout
    tab.write_text(OTHERS + "# " + tab.read_text().splitlines()[-1] + "\n")  # disabled by hand
    assert "none installed" in cli("remind", "--status", "--tabfile", str(tab)).stdout
    timer = tmp_path / "config" / "systemd" / "user" / scheduling.TIMER_NAME
    timer.parent.mkdir(parents=True)
    timer.write_text("[Timer]\n")
    status = cli("remind", "--status", "--tabfile", str(tab))
    assert "schedule: every 15 minutes (systemd)" in status.stdout


# -- cron ----------------------------------------------------------------------------------

OTHERS = "# my jobs\nMAILTO=me@example.com\n0 1 * * * /usr/bin/backup --all  # nightly\n"


def test_cron_install_is_idempotent_and_remove_takes_only_its_line(
    crm: Store, tmp_path: Path
) -> None:
    tab = tmp_path / "crontab"
    tab.write_text(OTHERS)
    db = os.environ["POCKETCRM_DB"]
    first = cli("cron", "install", "--cron", "--tabfile", str(tab))
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("installed: */15 * * * * ")
    line, backup = (shown.removeprefix("installed: ") for shown in first.stdout.splitlines())
    assert line.endswith(f"--db {shlex.quote(db)} remind --quiet-if-none # {scheduling.TAG}")
    assert backup.startswith("30 12 * * * ")  # the daily backup, on its own tagged line
    assert backup.endswith(
        f"--db {shlex.quote(db)} backup create --reason daily --quiet # {scheduling.BACKUP_TAG}"
    )
    assert tab.read_text() == OTHERS + line + "\n" + backup + "\n"

    again = cli("cron", "install", "--cron", "--tabfile", str(tab))
    assert again.stdout == f"already installed: {line}\nalready installed: {backup}\n"
    assert tab.read_text() == OTHERS + line + "\n" + backup + "\n"

    faster = cli("cron", "install", "--cron", "--every", "5", "--tabfile", str(tab))
    assert faster.stdout.startswith("updated: */5 * * * * ")
    assert tab.read_text().count(scheduling.TAG) == 1
    assert health.reminder_health(crm).schedule_minutes == 5

    status = cli("cron", "status", "--tabfile", str(tab), "--json")
    assert json.loads(status.stdout)["cron_line"].startswith("*/5 * * * * ")
    doctor = cli("doctor", "--tabfile", str(tab))
    assert "OK    schedule       cron: */5" in doctor.stdout

    assert cli("cron", "remove", "--tabfile", str(tab)).stdout.startswith("removed")
    assert tab.read_text() == OTHERS
    assert (
        cli("cron", "remove", "--tabfile", str(tab)).stdout == "no pocketcrm line in the crontab\n"
    )
    assert cli("cron", "status", "--tabfile", str(tab)).stdout.startswith("cron: not installed")


def test_the_installed_line_runs_remind_for_this_database(crm: Store, tmp_path: Path) -> None:
    """Run the installed command the way cron does (`sh -c`): the reminder comes out."""
    from crontab import CronTab

    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 1, 1, 11, 0), note="call back")
    tab = tmp_path / "crontab"
    cli("cron", "install", "--cron", "--tabfile", str(tab))
    jobs = {job.comment: job for job in CronTab(tab=tab.read_text())}
    env = cli_env(POCKETCRM_NOW="2026-01-01T12:00")
    del env["POCKETCRM_DB"]  # the line names its database itself
    done = subprocess.run(
        ["/bin/sh", "-c", jobs[scheduling.TAG].command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Follow up with Ann Smith - call back" in done.stdout
    backed = subprocess.run(
        ["/bin/sh", "-c", jobs[scheduling.BACKUP_TAG].command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (backed.returncode, backed.stdout, backed.stderr) == (0, "", "")  # quiet for cron
    db = Path(os.environ["POCKETCRM_DB"])
    [daily] = (db.parent / "backups").glob(f"{db.stem}-*-daily.db")
    assert oct(daily.stat().st_mode)[-3:] == "600"


def test_cron_install_into_the_real_crontab(crm: Store, real_crontab: str) -> None:
    scheduling.cron_remove()
    installed = cli("cron", "install", "--cron")
    assert installed.exit_code == 0, installed.output
    line = installed.stdout.splitlines()[0].split(": ", 1)[1].strip()
    listed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=True)
    assert listed.stdout.splitlines().count(line) == 1
    assert cli("cron", "install", "--cron").stdout.startswith("already installed")
    assert cli("cron", "status").stdout.startswith(f"cron: {line}")
    assert "OK    schedule" in cli("doctor").stdout
    assert cli("cron", "remove").stdout.startswith("removed")
    listed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    assert scheduling.TAG not in listed.stdout and scheduling.BACKUP_TAG not in listed.stdout


def test_systemd_timer_is_written_with_persistent(
    crm: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no systemctl: a warning, not a crash
    result = cli(
        "cron",
        "install",
        "--systemd",
        "--executable",
        POCKETCRM,
    )
    assert result.exit_code == 0, result.output
    units = tmp_path / "config" / "systemd" / "user"
    timer = (units / scheduling.TIMER_NAME).read_text()
    assert "Persistent=true" in timer and "OnCalendar=*:0/15" in timer
    assert "remind --quiet-if-none" in (units / scheduling.SERVICE_NAME).read_text()
    # the daily backup, as the cron line has it (it was cron-only)
    backup_timer = (units / scheduling.BACKUP_TIMER_NAME).read_text()
    assert "OnCalendar=*-*-* 12:30:00" in backup_timer and "Persistent=true" in backup_timer
    service = (units / scheduling.BACKUP_SERVICE_NAME).read_text()
    assert "backup create --reason daily --quiet" in service
    assert "systemctl not found" in result.stderr
    assert scheduling.BACKUP_TIMER_NAME in result.stderr  # what to enable later
    assert "OK    schedule       systemd timer" in cli("doctor").stdout
    removed = cli("cron", "remove", "--systemd")
    assert removed.stdout.count("removed") == 4 and not any(units.iterdir())


def test_systemd_without_the_daily_backup(
    crm: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    result = cli("cron", "install", "--systemd", "--no-backup", "--executable", POCKETCRM)
    assert result.exit_code == 0, result.output
    units = tmp_path / "config" / "systemd" / "user"
    assert sorted(p.name for p in units.iterdir()) == [
        scheduling.SERVICE_NAME,
        scheduling.TIMER_NAME,
    ]


def test_launchd_writes_the_agents(
    crm: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    result = cli("cron", "install", "--launchd")
    assert result.exit_code == 0, result.output
    agents = tmp_path / "home" / "Library" / "LaunchAgents"
    agent = plistlib.loads((agents / f"{scheduling.LAUNCHD_LABEL}.plist").read_bytes())
    assert agent["Label"] == scheduling.LAUNCHD_LABEL and agent["StartInterval"] == 900
    assert agent["ProgramArguments"][-2:] == ["remind", "--quiet-if-none"]
    daily = plistlib.loads((agents / f"{scheduling.BACKUP_LAUNCHD_LABEL}.plist").read_bytes())
    assert daily["StartCalendarInterval"] == {"Hour": 12, "Minute": 30}
    assert daily["ProgramArguments"][-5:] == ["backup", "create", "--reason", "daily", "--quiet"]
    assert result.stderr.count("launchctl bootstrap") == 2
    removed = cli("cron", "remove", "--launchd")
    assert removed.stdout.count("removed") == 2 and not any(agents.iterdir())


def test_only_one_scheduler_at_a_time(crm: Store) -> None:
    result = cli("cron", "install", "--cron", "--systemd")
    assert result.exit_code == 2 and "choose one of" in result.stderr


# -- doctor --------------------------------------------------------------------------------


def statuses(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        status, name = line[:4].strip(), line[6:20].strip()
        found[name] = status
    return found


def test_doctor_on_a_healthy_database(crm: Store) -> None:
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    found = statuses(result.stdout)
    for name in ("config", "database", "schema", "integrity", "database file", "data folder"):
        assert found[name] == "OK", result.stdout
    assert found["reminders"] == "WARN" and found["schedule"] == "WARN"
    checks = json.loads(cli("doctor", "--json").stdout)
    assert {c["name"] for c in checks} >= {"config", "database", "integrity", "reminders"}


def test_doctor_fails_on_loose_modes_bad_config_and_garbage(crm: Store, tmp_path: Path) -> None:
    db = Path(os.environ["POCKETCRM_DB"])
    db.chmod(0o644)
    write_config("owner = [unclosed\n")
    result = cli("doctor")
    assert result.exit_code == 1
    found = statuses(result.stdout)
    assert found["database file"] == "FAIL" and found["config"] == "FAIL"
    assert f"chmod 600 {db}" in result.stdout

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 100)
    garbage.chmod(0o600)
    bad = cli("doctor", "--db", str(garbage))
    assert bad.exit_code == 1 and "FAIL  database" in bad.stdout


def test_doctor_does_not_create_or_migrate(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "crm.db"
    result = cli("doctor", "--db", str(missing))
    assert result.exit_code == 0 and "no database at" in result.stdout
    assert not missing.exists()


def test_the_log_is_rotated_between_runs(crm: Store) -> None:
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 1, 1, 11, 0))
    log = Path(os.environ["POCKETCRM_STATE_DIR"]) / "remind.log"
    log.parent.mkdir(parents=True, mode=0o700)
    log.write_text("x" * 1_000_001)
    assert cli("remind", now="2026-01-01T12:00").exit_code == 0
    assert (log.parent / "remind.log.1").stat().st_size == 1_000_001
    assert "delivered 1:" in log.read_text() and oct(log.stat().st_mode)[-3:] == "600"
