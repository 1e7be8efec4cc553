"""A writer that finds the write lock held (an import) waits for it, saying so once.

It used to fail after the 15 s busy timeout with a long traceback, losing the write. Now
`add`, `log-call` and the rest wait with one line on stderr and then succeed; only a lock
held past the long limit gives a one-line error (exit 1); `remind` gives up sooner, sends
nothing, marks nothing, and the next run delivers.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from procs import wait_for
from relsupport import POCKETCRM, Lines, LockHolder

from pocketcrm.core import store as store_module
from pocketcrm.core.errors import Locked
from pocketcrm.core.readmodels.created import Created
from pocketcrm.core.services import activity, contacts
from pocketcrm.core.store import Store, open_store

pytestmark = pytest.mark.slow

WAITING = "waiting for another process to finish writing"
Holder = Callable[[str], LockHolder]


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def start(*args: str, **env: str) -> tuple[subprocess.Popen[str], Lines]:
    process = subprocess.Popen(
        [POCKETCRM, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1", **env},
    )
    assert process.stderr is not None
    return process, Lines(process.stderr)


@pytest.fixture
def db() -> Path:
    path = Path(os.environ["POCKETCRM_DB"])
    store = open_store(path)
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee", emails=["ann@x.com"]))
    store.close()
    return path


@pytest.mark.parametrize(
    ("command", "table"),
    [
        (("add", "Bo Berg", "-e", "bo@example.com"), "contact"),
        (("log-call", "ann@x.com", "--outcome", "reached"), "interaction"),
    ],
)
def test_a_writer_waits_for_a_held_lock_then_writes(
    db: Path, lock_holder: Holder, command: tuple[str, ...], table: str
) -> None:
    before = count(db, table)
    holder = lock_holder(str(db))
    process, stderr = start(*command)
    try:
        assert wait_for(lambda: stderr.has(WAITING), 60), stderr.lines
        assert process.poll() is None  # still waiting, not failed
        holder.release()
        assert process.wait(60) == 0, stderr.done()
    finally:
        if process.poll() is None:
            process.kill()
    lines = stderr.done()
    assert len(lines) == 1 and lines[0].startswith(f"pocketcrm: {WAITING}"), lines
    assert count(db, table) == before + 1


def test_a_lock_held_past_the_limit_is_one_line_and_exit_1(db: Path, lock_holder: Holder) -> None:
    lock_holder(str(db))
    process, stderr = start("add", "Bo Berg", "--yes", POCKETCRM_LOCK_WAIT="3")
    assert process.wait(60) == 1
    lines = stderr.done()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"pocketcrm: {WAITING}") and lines[1].startswith("pocketcrm: error:")
    assert "write lock" in lines[1] and "nothing was written" in lines[1]
    assert count(db, "contact") == 1


def test_remind_under_a_lock_sends_nothing_and_the_next_run_delivers(
    db: Path, lock_holder: Holder
) -> None:
    store = open_store(db)
    activity.schedule_follow_up(store, "ann@x.com", activity_due(), note="Call back")
    store.close()
    holder = lock_holder(str(db))
    process, stderr = start("remind", "--channel", "stdout", POCKETCRM_LOCK_WAIT="3")
    assert process.wait(60) == 1, stderr.done()
    assert process.stdout is not None
    out = process.stdout.read()
    lines = stderr.done()
    assert out == ""
    assert len(lines) == 2 and "nothing was sent" in lines[1], lines
    assert not any("Traceback" in line for line in lines)
    holder.release()
    assert count(db, "reminder") == 0  # nothing claimed, nothing marked delivered
    again = subprocess.run(
        [POCKETCRM, "remind", "--channel", "stdout"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "Ann Lee" in again.stdout


def activity_due() -> datetime:
    from datetime import timedelta

    from pocketcrm.core import clock

    return clock.now() - timedelta(hours=1)


def test_a_writer_does_not_give_up_at_the_busy_timeout(
    db: Path, lock_holder: Holder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The busy timeout is 15 s; here 0.2 s, and the writer waits well past it."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(store_module, "LOCK_NOTICE_S", 0.2)
    store = open_store(db)
    noticed = threading.Event()
    store.lock_notice = noticed.set
    holder = lock_holder(str(db))
    outcome: list[object] = []

    def write() -> None:
        try:
            outcome.append(contacts.create_contact(store, contacts.ContactInput(name="Cy Dahl")))
        except Exception as exc:  # noqa: BLE001 (any failure is the outcome the test asserts on)
            outcome.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert noticed.wait(60)
        # well past the busy timeout, the writer is still waiting rather than failed
        assert not wait_for(lambda: bool(outcome), 1.5)
    finally:
        holder.release()
        writer.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], Created), outcome
    store.close()


def test_the_limit_raises_locked(db: Path, lock_holder: Holder) -> None:
    store = open_store(db)
    store.lock_limit = 0.5
    lock_holder(str(db))
    with pytest.raises(Locked, match="write lock"):
        contacts.create_contact(store, contacts.ContactInput(name="Cy Dahl"))
    store.close()
    assert count(db, "contact") == 1


def test_postgresql_writers_wait_for_the_write_lock(pg_server: object, lock_holder: Holder) -> None:
    url = pg_server.database()  # type: ignore[attr-defined]
    store: Store = open_store(url)
    noticed = threading.Event()
    store.lock_notice = noticed.set
    holder = lock_holder(url)
    outcome: list[object] = []
    writer = threading.Thread(
        target=lambda: outcome.append(
            contacts.create_contact(store, contacts.ContactInput(name="Di Ek"))
        )
    )
    writer.start()
    try:
        assert noticed.wait(60)
        assert not outcome
    finally:
        holder.release()
        writer.join(60)
    assert len(outcome) == 1
    store.lock_limit = 0.5
    holder = lock_holder(url)
    with pytest.raises(Locked, match="write lock"):
        contacts.create_contact(store, contacts.ContactInput(name="Ed Fors"))
    holder.release()
    store.close()
