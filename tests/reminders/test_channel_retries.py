"""A retry goes only to the channels that failed: nobody gets the same reminder twice.

Real parts throughout: an SMTP server (aiosmtpd) on 127.0.0.1, a command channel that is a
real program failing while a flag file exists, a fake notify-send on PATH for the desktop,
`pocketcrm remind` as a process (killed mid-run in one test), and databases written at
schema 0002 (a SQLite file, a PostgreSQL database) that must open at the newest schema with
every row.
The engine's retries run on SQLite and on a real PostgreSQL server (skipped where none can
start, see tests/pgserver.py).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
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
    keys,
    open_crm,
    pocketcrm,
    rows,
    run_once,
    set_now,
    write_config,
)
from sqlalchemy import create_engine, text

from pocketcrm.core import clock
from pocketcrm.core.migrations import HEAD, run_upgrade
from pocketcrm.core.reminders import health
from pocketcrm.core.settings import ReminderConfig, Settings
from pocketcrm.core.store import Store, backup_dir, open_store

FIXTURE_0001 = Path(__file__).parents[1] / "fixtures" / "schema_0001.db"


# -- real channels --------------------------------------------------------------------------


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def mentions(self, name: str) -> int:
        """How many times NAME's follow-up was mailed, over every digest received."""
        found = 0
        for message in self.messages:
            body = message.get_payload(decode=True)
            assert isinstance(body, bytes)
            found += body.decode().count(f"Follow up with {name}")
        return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@dataclass
class Pager:
    """The command channel: a real program that records each reminder it is given.

    While `down` exists it fails (for everyone, or only for the contact named `fail_for`);
    while `hang` exists it notes the reminder in `started` and sleeps, like a stuck service.
    """

    command: str
    down: Path
    hang: Path
    started: Path
    got: Path

    def received(self) -> list[str]:
        return self.got.read_text().split() if self.got.exists() else []


def make_pager(tmp_path: Path, *, fail_for: str = "") -> Pager:
    folder = tmp_path / "pager"
    folder.mkdir()
    down, hang, started, got = (folder / n for n in ("down", "hang", "started", "got.txt"))
    script = folder / "page.py"
    script.write_text(
        "import os, sys, time\n"
        "key = os.environ['POCKETCRM_REMINDER_KEY']\n"
        "name = os.environ['POCKETCRM_REMINDER_CONTACT_NAME']\n"
        f"if os.path.exists({str(down)!r}) and {fail_for!r} in ('', name):\n"
        "    sys.exit('the pager service is down')\n"
        f"if os.path.exists({str(hang)!r}):\n"
        f"    open({str(started)!r}, 'a').write(key + '\\n')\n"
        "    time.sleep(120)\n"
        f"open({str(got)!r}, 'a').write(key + '\\n')\n",
        encoding="utf-8",
    )
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"
    return Pager(command, down, hang, started, got)


def use_smtp(crm: Store, port: int) -> None:
    smtp = crm.settings.reminders.smtp
    smtp.host, smtp.port, smtp.security = "127.0.0.1", port, "none"
    smtp.sender, smtp.recipients = "crm@example.com", ["me@example.com"]


def two_follow_ups(crm: Store) -> tuple[int, int]:
    ann = add_contact(crm, "Ann Smith")
    bob = add_contact(crm, "Bob Jones")
    add_follow_up(crm, ann, at(2026, 3, 2, 9, 0))
    add_follow_up(crm, bob, at(2026, 3, 2, 9, 30))
    return ann, bob


def channels_of(crm: Store) -> dict[str, str]:
    return {r["key"]: r["delivered_channels"] for r in rows(crm)}


NewCrm = Callable[..., Store]


@pytest.fixture(params=["sqlite", "postgres"])
def new_crm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewCrm]:
    """Opens an empty CRM with the given reminder settings: a SQLite file, or a fresh
    database on the session's PostgreSQL server."""
    opened: list[Store] = []

    def make(**config: Any) -> Store:
        if request.param == "sqlite":
            crm = open_crm(tmp_path / "crm.db", **config)
        else:
            url = request.getfixturevalue("pg_server").database()
            clock.set_local_zone(ZONE)
            crm = open_store(url, Settings(timezone=ZONE_NAME, reminders=ReminderConfig(**config)))
        opened.append(crm)
        return crm

    yield make
    for crm in opened:
        crm.close()


# -- in-process runs --------------------------------------------------------------------------


def test_the_email_is_not_sent_again_when_only_the_command_failed(
    tmp_path: Path, inbox: tuple[Inbox, int], new_crm: NewCrm
) -> None:
    handler, port = inbox
    pager = make_pager(tmp_path)
    pager.down.touch()
    set_now(at(2026, 3, 1))
    crm = new_crm(command=pager.command)
    use_smtp(crm, port)
    two_follow_ups(crm)

    set_now(at(2026, 3, 2, 9, 35))
    first, _ = run_once(crm, "email", "command")
    assert first.exit_code == 1 and first.delivered == ()
    assert all("the pager service is down" in why for _, why in first.failed)
    assert len(handler.messages) == 1 and pager.received() == []
    assert set(channels_of(crm).values()) == {"email"}
    assert all(r["delivered_at"] is None and r["attempts"] == 1 for r in rows(crm))
    assert [p.delivered_channels for p in health.undelivered(crm)] == [("email",)] * 2

    pager.down.unlink()  # the pager service is back
    set_now(at(2026, 3, 2, 9, 50))
    second, _ = run_once(crm, "email", "command")
    assert second.exit_code == 0 and len(second.delivered) == 2
    assert len(handler.messages) == 1  # no second digest
    assert (handler.mentions("Ann Smith"), handler.mentions("Bob Jones")) == (1, 1)
    assert sorted(pager.received()) == keys(second)  # each exactly once
    assert set(channels_of(crm).values()) == {"email,command"}
    assert all(r["delivered_at"] is not None and r["last_error"] == "" for r in rows(crm))

    set_now(at(2026, 3, 2, 10, 5))
    assert run_once(crm, "email", "command")[0].delivered == ()
    assert len(handler.messages) == 1 and len(pager.received()) == 2


def test_only_the_reminder_that_failed_is_retried_and_only_where_it_failed(
    tmp_path: Path, inbox: tuple[Inbox, int], new_crm: NewCrm
) -> None:
    handler, port = inbox
    pager = make_pager(tmp_path, fail_for="Bob Jones")
    pager.down.touch()
    set_now(at(2026, 3, 1))
    crm = new_crm(command=pager.command)
    use_smtp(crm, port)
    two_follow_ups(crm)

    set_now(at(2026, 3, 2, 9, 35))
    first, _ = run_once(crm, "email", "command")
    [ann_key] = keys(first)
    [(bob, _why)] = first.failed
    assert pager.received() == [ann_key]
    assert channels_of(crm) == {ann_key: "email,command", bob.key: "email"}

    pager.down.unlink()
    set_now(at(2026, 3, 2, 9, 50))
    second, _ = run_once(crm, "email", "command")
    assert keys(second) == [bob.key]
    assert len(handler.messages) == 1  # Bob was in the first digest: no mail at all now
    assert (handler.mentions("Ann Smith"), handler.mentions("Bob Jones")) == (1, 1)
    assert pager.received() == [ann_key, bob.key]


def test_smtp_down_command_up_then_the_email_alone_goes_out(
    tmp_path: Path, inbox: tuple[Inbox, int], new_crm: NewCrm
) -> None:
    handler, port = inbox
    pager = make_pager(tmp_path)
    set_now(at(2026, 3, 1))
    crm = new_crm(command=pager.command)
    use_smtp(crm, free_port())  # nothing listens there
    two_follow_ups(crm)

    set_now(at(2026, 3, 2, 9, 35))
    first, printed = run_once(crm, "email", "command", "stdout")
    assert first.exit_code == 1
    assert all("refused the connection" in why for _, why in first.failed)
    assert len(pager.received()) == 2 and handler.messages == []
    assert printed.count("Follow up with") == 2  # not held back by the email
    assert set(channels_of(crm).values()) == {"stdout,command"}

    use_smtp(crm, port)  # the server is reachable again
    set_now(at(2026, 3, 2, 9, 50))
    second, printed = run_once(crm, "email", "command", "stdout")
    assert second.exit_code == 0 and len(second.delivered) == 2
    assert len(handler.messages) == 1
    assert (handler.mentions("Ann Smith"), handler.mentions("Bob Jones")) == (1, 1)
    assert len(pager.received()) == 2 and printed == ""
    assert set(channels_of(crm).values()) == {"stdout,email,command"}


def test_giving_up_and_retrying_still_never_repeats_a_channel(
    tmp_path: Path, inbox: tuple[Inbox, int], new_crm: NewCrm
) -> None:
    handler, port = inbox
    pager = make_pager(tmp_path)
    pager.down.touch()
    set_now(at(2026, 3, 1))
    crm = new_crm(max_attempts=2, command=pager.command)
    use_smtp(crm, port)
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))

    for minute in (0, 15):
        set_now(at(2026, 3, 2, 10, minute))
        assert run_once(crm, "email", "command")[0].failed
    [row] = rows(crm)
    assert row["gave_up"] and row["attempts"] == 2 and row["delivered_channels"] == "email"
    set_now(at(2026, 3, 2, 10, 30))
    assert run_once(crm, "email", "command")[0].failed == ()  # given up: not tried again
    assert health.reminder_health(crm).gave_up == 1
    assert len(handler.messages) == 1 and pager.received() == []

    pager.down.unlink()
    assert health.retry_given_up(crm) == 1
    result, _ = run_once(crm, "email", "command")
    assert len(result.delivered) == 1
    assert len(handler.messages) == 1 and len(pager.received()) == 1
    [row] = rows(crm)
    assert row["delivered_at"] is not None and row["delivered_channels"] == "email,command"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send is Linux's")
def test_a_notification_shown_is_not_shown_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desktop is best effort, but what it did show is remembered like any channel."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shown, desktop_down = tmp_path / "shown.jsonl", tmp_path / "desktop-down"
    notify_send = bin_dir / "notify-send"
    notify_send.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"if os.path.exists({str(desktop_down)!r}) and 'Bob' in sys.argv[3]:\n"
        "    sys.exit('no notification daemon')\n"
        f"open({str(shown)!r}, 'a').write(json.dumps(sys.argv[3]) + '\\n')\n",
        encoding="utf-8",
    )
    notify_send.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    monkeypatch.setitem(sys.modules, "desktop_notifier", None)  # straight to notify-send
    pager = make_pager(tmp_path)
    pager.down.touch()
    desktop_down.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", command=pager.command)
    two_follow_ups(crm)

    set_now(at(2026, 3, 2, 9, 35))
    first, _ = run_once(crm, "command", "desktop")
    assert len(first.failed) == 2  # the command failed for both
    assert any("1 of 2 not shown" in w for w in first.warnings)
    assert sorted(channels_of(crm).values()) == ["", "desktop"]

    pager.down.unlink()
    desktop_down.unlink()
    set_now(at(2026, 3, 2, 9, 50))
    second, _ = run_once(crm, "command", "desktop")
    assert len(second.delivered) == 2 and second.warnings == ()
    titles = [json.loads(line) for line in shown.read_text().splitlines()]
    assert titles == ["Follow up with Ann Smith", "Follow up with Bob Jones"]
    assert len(pager.received()) == 2
    assert set(channels_of(crm).values()) == {"desktop,command"}


def test_a_reminder_whose_channels_all_took_it_is_settled_without_sending(
    tmp_path: Path, inbox: tuple[Inbox, int], new_crm: NewCrm
) -> None:
    """The command failed, then the configuration dropped it: email alone is done already."""
    handler, port = inbox
    pager = make_pager(tmp_path)
    pager.down.touch()
    set_now(at(2026, 3, 1))
    crm = new_crm(command=pager.command)
    use_smtp(crm, port)
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 5))
    assert run_once(crm, "email", "command")[0].failed
    set_now(at(2026, 3, 2, 9, 20))
    result, _ = run_once(crm, "email")
    assert len(result.delivered) == 1 and len(handler.messages) == 1
    [row] = rows(crm)
    assert row["delivered_at"] is not None and row["delivered_channels"] == "email"


# -- `pocketcrm remind` as cron runs it ---------------------------------------------------------


def cron_config(port: int, pager: Pager) -> None:
    write_config(
        "[reminders]\n"
        'channels = ["email", "command"]\n'
        f"command = {json.dumps(pager.command)}\n"
        "[reminders.smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "none"\n'
        'sender = "pocketcrm@example.com"\n'
        'recipients = ["me@example.com"]\n'
    )


def test_cron_runs_with_the_command_failing_then_fixed(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    pager = make_pager(tmp_path)
    pager.down.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(Path(os.environ["POCKETCRM_DB"]))
    two_follow_ups(crm)
    cron_config(port, pager)

    env = cli_env(POCKETCRM_NOW=at(2026, 3, 2, 12, 0).isoformat())
    failed = pocketcrm("remind", env=env)
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.count("not delivered, kept for the next run: command:") == 2
    status = pocketcrm("remind", "--status", env=env)
    assert status.stdout.count("(sent by email)") == 2
    as_json = json.loads(pocketcrm("remind", "--status", "--json", env=env).stdout)
    assert [u["delivered_channels"] for u in as_json["undelivered"]] == [["email"]] * 2

    pager.down.unlink()
    later = cli_env(POCKETCRM_NOW=at(2026, 3, 2, 12, 15).isoformat())
    done = pocketcrm("remind", env=later)
    assert (done.returncode, done.stderr) == (0, "")
    assert len(handler.messages) == 1 and len(pager.received()) == 2
    assert pocketcrm("remind", "--status", env=later).stdout.count("sent by") == 0


def test_a_run_killed_between_channels_does_not_mail_again(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    """Email went out, then the run died inside the command channel: the retry, once the
    dead run's claim has gone stale, runs the command and sends no second email."""
    handler, port = inbox
    pager = make_pager(tmp_path)
    pager.hang.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(Path(os.environ["POCKETCRM_DB"]))
    two_follow_ups(crm)
    cron_config(port, pager)

    env = cli_env(POCKETCRM_NOW=at(2026, 3, 2, 12, 0).isoformat())
    run = subprocess.Popen(
        [POCKETCRM, "remind"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the stuck command dies with it
    )
    try:
        deadline = time.monotonic() + 60
        while not pager.started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pager.started.exists(), "the command channel never started"
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
    assert len(handler.messages) == 1
    assert all(r["delivered_at"] is None and r["claimed_at"] is not None for r in rows(crm))
    assert set(channels_of(crm).values()) == {"email"}  # saved before the command started

    pager.hang.unlink()
    later = cli_env(POCKETCRM_NOW=at(2026, 3, 2, 12, 11).isoformat())  # the claim is stale
    done = pocketcrm("remind", env=later)
    assert done.returncode == 0, done.stderr
    assert len(handler.messages) == 1
    assert (handler.mentions("Ann Smith"), handler.mentions("Bob Jones")) == (1, 1)
    assert sorted(pager.received()) == sorted(r["key"] for r in rows(crm))
    assert set(channels_of(crm).values()) == {"email,command"}


# -- upgrading a database from schema 0002 --------------------------------------------------------


def reminder_table(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT * FROM reminder ORDER BY id"))
    finally:
        conn.close()


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'contact_fts_%' AND name != 'alembic_version'"
            )
        ]
        return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        conn.close()


@pytest.fixture
def db_at_0002(tmp_path: Path) -> Path:
    """The first release's database, upgraded to 0002 and given reminders in every state."""
    path = tmp_path / "data" / "crm.db"
    path.parent.mkdir(mode=0o700)
    shutil.copyfile(FIXTURE_0001, path)
    engine = create_engine(f"sqlite:///{path}")
    try:
        run_upgrade(engine, True, "0002")
    finally:
        engine.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.executemany(
            "INSERT INTO reminder (key, kind, contact_id, follow_up_id, due_at, claimed_at, "
            "claim_token, delivered_at, attempts, last_error, gave_up) "
            "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
            [  # delivered; given up; claimed by a run that died; waiting
                ("cadence:2:never", "cadence", 2, "2026-02-20 08:00:00.000000", None, "",
                 "2026-02-20 08:05:00.000000", 0, "", 0),
                ("birthday:1:2026-02-25", "birthday", 1, "2026-02-25 08:00:00.000000", None,
                 "", None, 5, "command: pager exited with status 1", 1),
                ("anniversary:2:2026-02-28", "anniversary", 2, "2026-02-28 08:00:00.000000",
                 "2026-02-28 08:01:00.000000", "deadbeef", None, 0, "", 0),
                ("birthday:2:2026-03-01", "birthday", 2, "2026-03-01 08:00:00.000000", None,
                 "", None, 0, "", 0),
            ],
        )  # fmt: skip
        conn.commit()
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    finally:
        conn.close()
    return path


def test_a_0002_database_with_reminders_opens_at_head_with_every_row(db_at_0002: Path) -> None:
    before_rows = reminder_table(db_at_0002)
    before_counts = table_counts(db_at_0002)
    assert len(before_rows) == 5  # the first release's pending one and the four above

    set_now(at(2026, 3, 2, 12, 0))
    crm = open_crm(db_at_0002)
    try:
        assert crm.schema_version() == HEAD  # 0003 added the column; later ones keep it
        after_rows = reminder_table(db_at_0002)
        assert [row[:-1] for row in after_rows] == before_rows  # every column, every row
        assert [row[-1] for row in after_rows] == [""] * 5  # delivered_channels: none yet
        after_counts = table_counts(db_at_0002)
        assert {t: n for t, n in after_counts.items() if t in before_counts} == before_counts
        new_tables = {t: n for t, n in after_counts.items() if t not in before_counts}
        assert new_tables.pop("app_user") >= 1  # 0010: the owners and the OS login, as users
        assert all(n == 0 for n in new_tables.values())
        [backup] = backup_dir(db_at_0002).glob(f"*before-{HEAD}*.db")
        assert reminder_table(backup) == before_rows

        # The upgraded rows work: pending ones go out once, on every channel, and stay out.
        result, printed = run_once(crm, "stdout")
        assert "birthday:2:2026-03-01" in keys(result)
        assert "cadence:2:never" not in keys(result)  # delivered before the upgrade
        assert "birthday:1:2026-02-25" not in keys(result)  # given up before the upgrade
        assert all(printed.count(r.title) == 1 for r in result.delivered)
        delivered = {r["key"]: r for r in rows(crm, "delivered_channels != ''")}
        assert set(delivered) == set(keys(result))
        assert {r["delivered_channels"] for r in delivered.values()} == {"stdout"}
        set_now(at(2026, 3, 2, 12, 15))
        again, printed = run_once(crm, "stdout")
        assert again.delivered == () and printed == ""
    finally:
        crm.close()


def test_a_0002_postgresql_database_with_reminders_opens_at_head(pg_server: Any) -> None:
    url = pg_server.database()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        run_upgrade(engine, False, "0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO contact (uuid, display_name, given_name, family_name, "
                    "additional_names, prefix, suffix, nickname, name_key, title, department, "
                    "stage, owner, notes, do_not_contact, email_opt_out, source, photo, "
                    "created_at, updated_at) VALUES ('c-1', 'Ann Smith', 'Ann', 'Smith', '', "
                    "'', '', '', 'ann smith', '', '', 'lead', '', '', false, false, '', '', "
                    "'2026-02-01 09:00:00', '2026-02-01 09:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reminder (key, kind, contact_id, due_at, claim_token, "
                    "delivered_at, attempts, last_error, gave_up) "
                    "SELECT 'cadence:1:' || g, 'cadence', (SELECT id FROM contact), "
                    "'2026-03-01 08:00:00', '', CASE WHEN g = 1 THEN "
                    "TIMESTAMP '2026-03-01 08:05:00' END, g, 'err ' || g, g = 3 "
                    "FROM generate_series(1, 3) g"
                )
            )
            before = conn.execute(text("SELECT * FROM reminder ORDER BY id")).all()
    finally:
        engine.dispose()

    crm = open_store(url, Settings())
    try:
        assert crm.schema_version() == HEAD
        with crm.engine.connect() as conn:
            after = conn.execute(text("SELECT * FROM reminder ORDER BY id")).all()
        assert [tuple(row)[:-1] for row in after] == [tuple(row) for row in before]
        assert [row[-1] for row in after] == ["", "", ""]
    finally:
        crm.close()
