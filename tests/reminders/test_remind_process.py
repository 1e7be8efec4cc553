"""`pocketcrm remind` as cron runs it: real processes, a real database file, a real SMTP server."""

from __future__ import annotations

import json
import os
import shlex
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any, cast

import pytest
from reminder_kit import (
    POCKETCRM,
    add_contact,
    add_follow_up,
    at,
    cli_env,
    open_crm,
    pocketcrm,
    rows,
    set_now,
    write_config,
)

from pocketcrm.core.store import Store

NOW = at(2026, 3, 2, 12, 0)
NOW_ENV = NOW.isoformat()


@pytest.fixture
def crm() -> Store:
    set_now(at(2026, 3, 1, 9, 0))
    return open_crm(Path(os.environ["POCKETCRM_DB"]))


def toml_string(value: str) -> str:
    return json.dumps(value)  # a TOML basic string is JSON's for this text


def test_quiet_when_nothing_is_due(crm: Store) -> None:
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 9, 9, 0))
    done = pocketcrm("remind", env=cli_env(POCKETCRM_NOW=NOW_ENV))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_digest_reads_well_and_the_log_keeps_no_personal_details(crm: Store) -> None:
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    ann = create_contact(
        crm,
        ContactInput(name="Ann Smith", emails=["ann@example.com"], phones=["+44 20 7946 0001"]),
    ).id
    add_follow_up(crm, ann, at(2026, 3, 2, 10, 30), note="secret pricing talk")
    done = pocketcrm("remind", env=cli_env(POCKETCRM_NOW=NOW_ENV))
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == (
        "pocketcrm: 1 reminder (times in Europe/Berlin)\n"
        "\n"
        "Follow-ups (1)\n"
        f"  Mon 02 Mar 2026 10:30  Follow up with Ann Smith - secret pricing talk (contact #{ann})\n"
    )
    log = Path(os.environ["POCKETCRM_STATE_DIR"]) / "remind.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    written = log.read_text()
    assert f"contact #{ann} Ann Smith" in written
    for secret in ("ann@example.com", "7946", "secret pricing"):
        assert secret not in written


def test_json_lists_what_was_delivered(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith", email="ann@example.com")
    add_follow_up(crm, ann, at(2026, 3, 2, 10, 30), note="quote")
    done = pocketcrm("remind", "--json", env=cli_env(POCKETCRM_NOW=NOW_ENV))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    [item] = data["delivered"]
    assert item["contact_email"] == "ann@example.com" and item["detail"] == "quote"
    assert item["due"] == "2026-03-02T10:30:00+01:00"
    status = pocketcrm("remind", "--status", "--json", env=cli_env(POCKETCRM_NOW=NOW_ENV))
    assert json.loads(status.stdout)["last_run"] == "2026-03-02T11:00:00Z"


@pytest.mark.parametrize("channel", ["command", "stdout"])
def test_two_runs_started_together_deliver_each_reminder_exactly_once(
    crm: Store, tmp_path: Path, channel: str
) -> None:
    ids = [add_contact(crm, f"Person {n:03d}") for n in range(20)]
    for n in range(200):
        add_follow_up(crm, ids[n % 20], at(2026, 3, 2, 9, 0), note=f"task {n:03d}")
    got = tmp_path / "got.txt"
    # `>>` opens with O_APPEND: lines from two processes never overwrite each other.
    script = 'printf "%s\\n" "$POCKETCRM_REMINDER_KEY" >> ' + shlex.quote(str(got))
    command = f"/bin/sh -c {shlex.quote(script)}"
    write_config(f'[reminders]\nchannels = ["{channel}"]\ncommand = {toml_string(command)}\n')
    env = cli_env(POCKETCRM_NOW=NOW_ENV)
    runs = [
        subprocess.Popen(
            [POCKETCRM, "remind"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=120) for proc in runs]
    for proc, (_, err) in zip(runs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    if channel == "command":
        lines = got.read_text().splitlines()
    else:
        printed = b"".join(out for out, _ in outputs).decode()
        lines = [line for line in printed.splitlines() if "(contact #" in line]
        assert len({line.split(" - ")[1].split(" (")[0] for line in lines}) == 200
    assert len(lines) == 200 and len(set(lines)) == 200
    delivered = rows(crm, "delivered_at IS NOT NULL")
    assert len(delivered) == 200 and len(rows(crm)) == 200


WRITER = """
import sqlite3, sys, time
from pathlib import Path
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO app_state (key, value) VALUES ('other-writer', 'was here')")
print("locked", flush=True)
deadline = time.monotonic() + 120
while not Path(sys.argv[2]).exists() and time.monotonic() < deadline:
    time.sleep(0.01)
conn.execute("COMMIT")
print("released", flush=True)
"""


def test_remind_waits_for_another_writer_and_succeeds(crm: Store, tmp_path: Path) -> None:
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    release = tmp_path / "release"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, os.environ["POCKETCRM_DB"], str(release)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "locked"
    remind = subprocess.Popen(
        [POCKETCRM, "remind"],
        env=cli_env(POCKETCRM_NOW=NOW_ENV),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert remind.stderr is not None
        # it says it waits (the lock is held until we say so), rather than failing
        assert "waiting for another process" in remind.stderr.readline()
        assert remind.poll() is None
        release.touch()
        assert writer.stdout.readline().strip() == "released"
        out, errors = remind.communicate(timeout=120)
    finally:
        release.touch()
        if remind.poll() is None:
            remind.kill()
    assert writer.wait(timeout=30) == 0
    assert remind.returncode == 0, errors
    assert errors == ""
    assert "Follow up with Ann Smith" in out
    assert len(rows(crm, "delivered_at IS NOT NULL")) == 1


# -- email through a real SMTP server ------------------------------------------------------


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 OK"


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


def smtp_config(port: int) -> None:
    write_config(
        "[reminders]\n"
        'channels = ["email"]\n'
        "[reminders.smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "none"\n'
        'sender = "pocketcrm@example.com"\n'
        'recipients = ["me@example.com", "boss@example.com"]\n'
    )


def test_the_email_digest_arrives(crm: Store, inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    ann = add_contact(crm, "Ann Smith")
    add_follow_up(crm, ann, at(2026, 3, 2, 9, 0), note="send the quote")
    add_follow_up(crm, add_contact(crm, "Bob Jones"), at(2026, 3, 2, 11, 0))
    smtp_config(port)
    done = pocketcrm("remind", env=cli_env(POCKETCRM_NOW=NOW_ENV))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    [(sender, recipients, message)] = handler.messages
    assert sender == "pocketcrm@example.com"
    assert recipients == ["me@example.com", "boss@example.com"]
    assert message["Subject"] == "pocketcrm: 2 reminders for Mon 02 Mar"
    assert message["To"] == "me@example.com, boss@example.com"
    body = cast(bytes, message.get_payload(decode=True)).decode()
    assert (
        f"Mon 02 Mar 2026 09:00  Follow up with Ann Smith - send the quote (contact #{ann})" in body
    )
    assert "Follow up with Bob Jones" in body
    again = pocketcrm("remind", env=cli_env(POCKETCRM_NOW=NOW_ENV))
    assert again.returncode == 0 and len(handler.messages) == 1


def test_an_smtp_failure_keeps_reminders_for_the_next_run_and_shows_them(
    crm: Store, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    fid = add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    dead = free_port()  # nothing listens there
    smtp_config(dead)
    env = cli_env(POCKETCRM_NOW=NOW_ENV)
    failed = pocketcrm("remind", env=env)
    assert failed.returncode == 1 and failed.stdout == ""
    assert "1 reminder not delivered, kept for the next run: email:" in failed.stderr
    assert f"127.0.0.1:{dead} refused the connection" in failed.stderr
    [row] = rows(crm)
    assert row["delivered_at"] is None and row["attempts"] == 1

    agenda = pocketcrm("agenda", "--all", env=env)
    assert f"{fid}\t" in agenda.stdout and "reminder failed: email:" in agenda.stdout
    status = pocketcrm("remind", "--status", env=env)
    assert status.returncode == 1
    assert "failing: 1" in status.stdout and "refused the connection" in status.stdout

    smtp_config(port)
    later = cli_env(POCKETCRM_NOW=at(2026, 3, 2, 12, 15).isoformat())
    done = pocketcrm("remind", env=later)
    assert done.returncode == 0, done.stderr
    assert len(handler.messages) == 1
    assert "reminder failed" not in pocketcrm("agenda", "--all", env=later).stdout
