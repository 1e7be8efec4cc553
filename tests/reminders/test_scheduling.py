"""Installing the reminder job: cron tab files, the real user crontab, systemd and launchd."""

from __future__ import annotations

import json
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.scheduling import (
    LAUNCHD_LABEL,
    SERVICE_NAME,
    TAG,
    TIMER_NAME,
    cron_install,
    cron_remove,
    cron_status,
    launchd_plist,
    remind_command,
    systemd_enable,
    systemd_install,
    systemd_units,
)

LINUX = sys.platform.startswith("linux")
# Lines python-crontab would reformat or disable if it re-rendered them: they must survive.
OTHER_LINES = (
    "# my own jobs\n"
    'MAILTO=""\n'
    "SHELL=/bin/bash\n"
    "0   1 * * *   /usr/bin/backup --all   # nightly\n"
    "@reboot sleep 60 && /usr/local/bin/sync-photos\n"
    "*/5 9-17 * * mon-fri echo 50\\% done >> /tmp/progress.log\n"
    "this line is not valid cron at all\n"
)


@pytest.fixture
def fake_pocketcrm(tmp_path: Path) -> Path:
    """An executable that prints the arguments it was given, as the shell passed them."""
    program = tmp_path / "bin dir" / "pocketcrm"
    program.parent.mkdir()
    program.write_text(
        f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n", encoding="utf-8"
    )
    program.chmod(0o755)
    return program


def run_like_cron(line: str) -> list[str]:
    """Run a crontab line's command the way cron does: unescape '%', then `sh -c`."""
    from crontab import CronTab

    [job] = list(CronTab(tab=line + "\n"))
    assert job.comment == TAG
    done = subprocess.run(
        ["/bin/sh", "-c", job.command], capture_output=True, text=True, check=True
    )
    result: list[str] = json.loads(done.stdout)
    return result


# --- the command line ---------------------------------------------------------------------


@pytest.mark.skipif(not LINUX, reason="the D-Bus prefix is for Linux")
def test_remind_command_on_linux(fake_pocketcrm: Path) -> None:
    command = remind_command(str(fake_pocketcrm), None)
    bus = f"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{os.getuid()}/bus"
    assert shlex.split(command) == ["env", bus, str(fake_pocketcrm), "remind", "--quiet-if-none"]


def test_remind_command_puts_an_absolute_db_before_the_subcommand(
    fake_pocketcrm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(remind_command(str(fake_pocketcrm), "my crm.db"))
    assert argv[-5:] == [
        str(fake_pocketcrm),
        "--db",
        str(tmp_path / "my crm.db"),
        "remind",
        "--quiet-if-none",
    ]
    url = "postgresql://crm@db.example.com/crm"
    assert shlex.split(remind_command(str(fake_pocketcrm), url))[-3] == url


def test_remind_command_finds_a_bare_name_on_path(
    fake_pocketcrm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(fake_pocketcrm.parent))
    assert str(fake_pocketcrm) in shlex.split(remind_command("pocketcrm", None))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(Invalid) as failure:
        remind_command("pocketcrm", None)
    assert failure.value.field == "executable"


def test_remind_command_refuses_a_line_break(fake_pocketcrm: Path) -> None:
    with pytest.raises(Invalid) as failure:
        remind_command(str(fake_pocketcrm), "/tmp/a\nb.db")
    assert failure.value.field == "db"


def test_awkward_paths_reach_the_program_intact_through_cron(
    fake_pocketcrm: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "it's 100% #1 $HOME `x`.db")
    tab = tmp_path / "tab"
    line = cron_install(remind_command(str(fake_pocketcrm), db), tabfile=str(tab))
    assert cron_status(tabfile=str(tab)) == line
    assert run_like_cron(line) == ["--db", db, "remind", "--quiet-if-none"]


# --- cron through a tab file --------------------------------------------------------------


def test_install_twice_leaves_one_line_and_others_untouched(tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    tab.write_text(OTHER_LINES, encoding="utf-8")
    first = cron_install("/opt/pocketcrm remind --quiet-if-none", tabfile=str(tab))
    assert first == f"*/15 * * * * /opt/pocketcrm remind --quiet-if-none # {TAG}"
    second = cron_install("/opt/pocketcrm remind --quiet-if-none", tabfile=str(tab))
    assert second == first
    assert tab.read_text(encoding="utf-8") == OTHER_LINES + first + "\n"
    assert cron_status(tabfile=str(tab)) == first


def test_install_updates_the_line_in_place(tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    tab.write_text(OTHER_LINES, encoding="utf-8")
    cron_install("/opt/pocketcrm remind", tabfile=str(tab))
    with tab.open("a", encoding="utf-8") as out:
        out.write("30 2 * * * /usr/bin/later\n")
    line = cron_install("/opt/pocketcrm remind", every_minutes=5, tabfile=str(tab))
    assert line == f"*/5 * * * * /opt/pocketcrm remind # {TAG}"
    assert tab.read_text(encoding="utf-8") == (
        OTHER_LINES + line + "\n" + "30 2 * * * /usr/bin/later\n"
    )


def test_install_merges_duplicate_tagged_lines(tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    tab.write_text(
        f"*/15 * * * * /old/pocketcrm remind # {TAG}\n"
        "0 1 * * * /bin/true\n"
        f"# */15 * * * * /older/pocketcrm remind # {TAG}\n",
        encoding="utf-8",
    )
    line = cron_install("/new/pocketcrm remind", every_minutes=60, tabfile=str(tab))
    assert line == f"@hourly /new/pocketcrm remind # {TAG}"  # python-crontab's name for 0 * * * *
    assert tab.read_text(encoding="utf-8") == f"{line}\n0 1 * * * /bin/true\n"


def test_remove_takes_only_our_line(tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    tab.write_text(OTHER_LINES, encoding="utf-8")
    cron_install("/opt/pocketcrm remind", tabfile=str(tab))
    assert cron_remove(tabfile=str(tab)) is True
    assert tab.read_text(encoding="utf-8") == OTHER_LINES
    assert cron_status(tabfile=str(tab)) is None
    assert cron_remove(tabfile=str(tab)) is False
    assert tab.read_text(encoding="utf-8") == OTHER_LINES


def test_a_missing_tab_file_is_an_empty_one(tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    assert cron_status(tabfile=str(tab)) is None
    assert cron_remove(tabfile=str(tab)) is False
    assert not tab.exists()
    line = cron_install("/opt/pocketcrm remind", every_minutes=1, tabfile=str(tab))
    assert line == f"* * * * * /opt/pocketcrm remind # {TAG}"
    assert tab.read_text(encoding="utf-8") == line + "\n"


def test_a_tab_without_final_newline_gets_one(tmp_path: Path) -> None:
    tab = tmp_path / "crontab"
    tab.write_text("0 1 * * * /bin/true", encoding="utf-8")
    line = cron_install("/opt/pocketcrm remind", tabfile=str(tab))
    assert tab.read_text(encoding="utf-8") == f"0 1 * * * /bin/true\n{line}\n"


@pytest.mark.parametrize("every", [0, 7, 45, 61, -15, True])
def test_every_must_divide_the_hour(every: int, tmp_path: Path) -> None:
    for install in (
        lambda: cron_install("/x remind", every_minutes=every, tabfile=str(tmp_path / "t")),
        lambda: systemd_units("/x remind", every),
        lambda: launchd_plist("/x remind", every),
    ):
        with pytest.raises(Invalid) as failure:
            install()
        assert failure.value.field == "every"
        assert "divide" in failure.value.message
    assert not (tmp_path / "t").exists()


def test_a_multi_line_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Invalid):
        cron_install("/x remind\n* * * * * rm -rf ~", tabfile=str(tmp_path / "t"))


# --- the real user crontab ----------------------------------------------------------------
# (the real_crontab fixture, shared with test_commands.py, is in conftest.py)


def user_crontab() -> str:
    listed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
    return listed.stdout if listed.returncode == 0 else ""


def test_the_real_user_crontab(real_crontab: str) -> None:
    cron_remove()  # a developer's own pocketcrm line is restored by the fixture
    someone_else = "0 3 * * *   /usr/bin/true   # someone else's job, odd spacing kept\n"
    subprocess.run(["crontab", "-"], input=user_crontab() + someone_else, text=True, check=True)
    before = user_crontab()
    assert before.endswith(someone_else)
    command = "/opt/pocketcrm/bin/pocketcrm remind --quiet-if-none"
    line = cron_install(command, every_minutes=10)
    assert line == f"*/10 * * * * {command} # {TAG}"
    assert cron_install(command, every_minutes=10) == line
    after = user_crontab()
    assert after.splitlines().count(line) == 1
    assert [x for x in after.splitlines() if x != line] == before.splitlines()
    assert cron_status() == line
    assert cron_remove() is True
    assert cron_status() is None
    assert user_crontab() == before


# --- systemd ------------------------------------------------------------------------------


def test_systemd_units(fake_pocketcrm: Path) -> None:
    command = f"env DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus {shlex.quote(str(fake_pocketcrm))} remind --quiet-if-none"
    units = systemd_units(command, 20)
    assert set(units) == {SERVICE_NAME, TIMER_NAME}
    service = units[SERVICE_NAME].splitlines()
    assert "Type=oneshot" in service
    assert "Environment=DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus" in service
    assert f'ExecStart="{fake_pocketcrm}" remind --quiet-if-none' in service
    timer = units[TIMER_NAME].splitlines()
    assert "Persistent=true" in timer
    assert "OnCalendar=*:0/20" in timer
    assert f"Unit={SERVICE_NAME}" in timer
    assert "WantedBy=timers.target" in timer


def test_systemd_quotes_what_systemd_would_expand() -> None:
    units = systemd_units("/opt/pocketcrm --db '/data/100% $HOME \"x\".db' remind", 15)
    assert 'ExecStart=/opt/pocketcrm --db "/data/100%% $$HOME \\"x\\".db" remind' in (
        units[SERVICE_NAME].splitlines()
    )


def test_systemd_install_writes_readable_units(tmp_path: Path, fake_pocketcrm: Path) -> None:
    command = remind_command(str(fake_pocketcrm), str(tmp_path / "100% crm.db"))
    unit_dir = tmp_path / "systemd" / "user"
    written = systemd_install(command, 30, unit_dir)
    assert written == [unit_dir / SERVICE_NAME, unit_dir / TIMER_NAME]
    units = systemd_units(command, 30)
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o644
        assert path.read_text(encoding="utf-8") == units[path.name]
    assert "Persistent=true" in (unit_dir / TIMER_NAME).read_text(encoding="utf-8")
    assert sorted(p.name for p in unit_dir.iterdir()) == [SERVICE_NAME, TIMER_NAME]
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # systemd's own parser agrees the files are valid
        checked = subprocess.run(
            [analyze, "verify", *map(str, written)], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
        calendar = subprocess.run(
            [analyze, "calendar", "*:0/30"], capture_output=True, text=True, check=False
        )
        assert calendar.returncode == 0, calendar.stderr


@pytest.mark.parametrize(("every", "calendar"), [(1, "minutely"), (60, "hourly"), (5, "*:0/5")])
def test_systemd_calendar(every: int, calendar: str) -> None:
    assert f"OnCalendar={calendar}" in systemd_units("/x remind", every)[TIMER_NAME].splitlines()


def fake_systemctl(bin_dir: Path, log: Path, fail_on: str = "") -> None:
    script = bin_dir / "systemctl"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"if {fail_on!r} and {fail_on!r} in sys.argv:\n"
        "    print('Failed to connect to bus: No medium found', file=sys.stderr)\n"
        "    sys.exit(1)\n",
        encoding="utf-8",
    )
    script.chmod(0o755)


def test_systemd_enable_reloads_and_starts_the_timer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls.jsonl"
    fake_systemctl(tmp_path, log)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert systemd_enable() is None
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert calls == [["--user", "daemon-reload"], ["--user", "enable", "--now", TIMER_NAME]]


def test_systemd_enable_reports_failure_as_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_systemctl(tmp_path, tmp_path / "calls.jsonl", fail_on="daemon-reload")
    monkeypatch.setenv("PATH", str(tmp_path))
    warning = systemd_enable()
    assert warning is not None
    assert warning.startswith(
        "systemctl --user daemon-reload failed (Failed to connect to bus: No medium found)"
    )
    assert f"enable --now {TIMER_NAME}" in warning
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert (systemd_enable() or "").startswith("systemctl not found")


# --- launchd ------------------------------------------------------------------------------


def test_launchd_plist_parses() -> None:
    agent = plistlib.loads(
        launchd_plist("'/Applications/Pocket CRM/pocketcrm' remind --quiet-if-none", 15).encode()
    )
    assert agent == {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": ["/Applications/Pocket CRM/pocketcrm", "remind", "--quiet-if-none"],
        "StartInterval": 900,
    }


def test_launchd_takes_environment_out_of_the_command() -> None:
    agent = plistlib.loads(launchd_plist("env LANG=en_GB.UTF-8 /opt/pocketcrm remind", 60).encode())
    assert agent["EnvironmentVariables"] == {"LANG": "en_GB.UTF-8"}
    assert agent["ProgramArguments"] == ["/opt/pocketcrm", "remind"]
    assert agent["StartInterval"] == 3600


def test_importing_the_module_stays_cheap() -> None:
    heavy = ["crontab", "plistlib", "typer", "rich", "textual"]
    code = (
        f"import sys, pocketcrm.core.scheduling; print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
