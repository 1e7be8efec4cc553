"""An import killed halfway (SIGKILL, a real process) leaves the database exactly as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from iehelp import full_export, make_google_csv, seed

from pocketcrm.core.store import open_store
from pocketcrm.core.transfer.importer import import_files, list_batches

pytestmark = pytest.mark.slow


def test_import_killed_while_writing_leaves_no_trace(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    store = open_store(db)
    seed(store)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = full_export(store)
    store.close()
    big = make_google_csv(tmp_path / "big.csv", 60_000)
    wal = Path(str(db) + "-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    pocketcrm = str(Path(sys.executable).with_name("pocketcrm"))
    process = subprocess.Popen(
        [pocketcrm, "--db", str(db), "import", str(big), "--yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "CI": "1"},
    )
    deadline = time.monotonic() + 120
    try:
        # Kill once the import has written uncommitted pages into the WAL (it parses first,
        # without the lock; the writing starts after). Stopped at once, so that a loaded
        # machine cannot let it run on to the commit between our look and the kill.
        while time.monotonic() < deadline and process.poll() is None:
            if wal.exists() and wal.stat().st_size > start_size + 1_000_000:
                os.kill(process.pid, signal.SIGSTOP)
                break
            time.sleep(0.002)
        assert process.poll() is None, "the import finished before it could be killed"
        written = wal.stat().st_size
        os.kill(process.pid, signal.SIGKILL)
        process.wait(60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert written > start_size
    store = open_store(db)
    assert full_export(store) == before
    assert list_batches(store) == []
    with store.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # and the same file imports completely afterwards
    small = make_google_csv(tmp_path / "small.csv", 500)
    assert import_files(store, [small]).created == 500
    store.close()
