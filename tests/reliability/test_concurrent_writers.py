"""Two processes write at once: the CLI and a busy writer both finish, and nothing is lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from relsupport import POCKETCRM, BusyWriter

from pocketcrm.core.services import contacts
from pocketcrm.core.store import open_store

pytestmark = pytest.mark.slow


def count(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def pocketcrm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [POCKETCRM, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_writes_while_another_process_writes(
    tmp_path: Path, busy_writer: Callable[[Path, str], BusyWriter]
) -> None:
    db = Path(os.environ["POCKETCRM_DB"])
    store = open_store(db)
    contacts.create_contact(store, contacts.ContactInput(name="Busy Person"))
    store.close()

    writer = busy_writer(db, "notes")
    results = []
    for n in range(2):
        results.append(pocketcrm("add", f"Caller Number{n}", "--yes", "-e", f"c{n}@example.com"))
        results.append(pocketcrm("log-call", f"c{n}@example.com", "--outcome", "reached"))
    # Keep writing beside the busy writer until both have really overlapped (it committed
    # notes while our calls went in), however slowly a loaded machine runs them.
    deadline = time.monotonic() + 120
    while (len(results) < 6 or count(db, "interaction") < 20) and time.monotonic() < deadline:
        results.append(pocketcrm("log-call", "c0@example.com"))
    notes = writer.stop()

    for result in results:
        assert result.returncode == 0, (result.args, result.stderr)
    calls = len(results) - 2
    assert notes > 10
    assert count(db, "contact") == 3
    assert count(db, "interaction") == notes + calls
    conn = sqlite3.connect(db)
    try:
        kinds = dict(
            conn.execute("SELECT kind, count(*) FROM interaction GROUP BY kind").fetchall()
        )
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert kinds == {"note": notes, "call": calls}


def test_several_processes_open_a_new_database_at_once(tmp_path: Path) -> None:
    """The first run of the day: cron and a person both start on a database that is new."""
    db = tmp_path / "fresh" / "crm.db"

    def add(n: int) -> subprocess.CompletedProcess[str]:
        return pocketcrm("--create", "--db", str(db), "add", f"Starter Number{n}", "--yes")

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(add, range(3)))
    for result in results:
        assert result.returncode == 0, result.stderr
    assert count(db, "contact") == 3
