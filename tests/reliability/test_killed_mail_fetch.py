"""A `mail fetch` killed (SIGKILL) in the middle of a big Maildir: the next fetch files the
rest, and every message is on its contact exactly once (nothing lost, nothing doubled)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from procs import wait_for

from pocketcrm.core.services import contacts
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store

MESSAGES = 6000


def _write_maildir(box: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    for i in range(MESSAGES):
        raw = (
            f"From: ann@example.com\r\nTo: me@shop.example.com\r\nSubject: Note {i}\r\n"
            f"Message-ID: <kill-{i}@x>\r\nDate: Tue, 01 Dec 2026 08:30:00 +0000\r\n\r\nBody {i}\r\n"
        )
        (box / "new" / f"{1796000000 + i}.M{i}.host").write_text(raw)


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_killed_fetch_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    store = open_store(db, Settings(owner="Me"))
    contacts.create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"]))
    store.close()
    box = tmp_path / "Mail"
    _write_maildir(box)
    env = {**os.environ, "POCKETCRM_DB": str(db), "POCKETCRM_CONFIG": str(tmp_path / "c.toml")}
    command = [sys.executable, "-m", "pocketcrm", "mail", "fetch", str(box)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = "SELECT count(*) FROM mail_message"
    started = wait_for(lambda: _count(db, seen) > 0 or proc.poll() is not None, 120)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert started
    cut = _count(db, seen)
    assert 0 < cut < MESSAGES  # killed between two batches, mid-run
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _count(db, seen) == MESSAGES
    emails = "SELECT count(*) FROM interaction WHERE kind = 'email'"
    assert _count(db, emails) == MESSAGES
    distinct = "SELECT count(DISTINCT notes) FROM interaction WHERE kind = 'email'"
    assert _count(db, distinct) == MESSAGES
    assert f"{MESSAGES - cut} new" in done.stdout


def test_remind_runs_beside_a_fetch(tmp_path: Path) -> None:
    """cron may start `remind` while `mail fetch` works: both finish, neither is locked out."""
    db = tmp_path / "crm.db"
    store = open_store(db, Settings(owner="Me"))
    contacts.create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"]))
    store.close()
    box = tmp_path / "Mail"
    _write_maildir(box)
    env = {**os.environ, "POCKETCRM_DB": str(db), "POCKETCRM_CONFIG": str(tmp_path / "c.toml")}
    fetch = subprocess.Popen(
        [sys.executable, "-m", "pocketcrm", "mail", "fetch", str(box)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert wait_for(lambda: _count(db, "SELECT count(*) FROM mail_message") > 0, 120)
    reminded = 0
    while fetch.poll() is None and reminded < 3:
        done = subprocess.run(
            [sys.executable, "-m", "pocketcrm", "remind"], env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        reminded += 1
    _, err = fetch.communicate(timeout=300)
    assert fetch.returncode == 0, err
    assert reminded >= 1
    assert _count(db, "SELECT count(*) FROM mail_message") == MESSAGES
