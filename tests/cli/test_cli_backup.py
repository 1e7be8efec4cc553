"""`pocketcrm backup create|list|restore` on a SQLite file, read back through the core."""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from clisupport import Run

from pocketcrm.core.services import contacts
from pocketcrm.core.store import Store


def test_create_list_restore(run: Run, db_file: Path, core: Callable[..., Store]) -> None:
    run("add", "Ann Smith")
    made = json.loads(run("backup", "create", "--json").stdout)
    assert made["reason"] == "manual" and Path(made["path"]).parent == db_file.parent / "backups"
    assert stat.S_IMODE(os.stat(made["path"]).st_mode) == 0o600
    assert stat.S_IMODE((db_file.parent / "backups").stat().st_mode) == 0o700
    assert run("backup", "create", "--reason", "weekly", "--quiet").stdout == ""
    listed = json.loads(run("backup", "list", "--json").stdout)
    assert [b["reason"] for b in listed] == ["manual", "weekly"]
    assert set(listed[0]) == {"path", "taken_at", "reason", "size"}

    run("add", "Ben Okafor")
    refused = run("backup", "restore", made["path"], code=2)  # not a terminal, no --yes
    assert "--yes" in refused.stderr
    done = run("backup", "restore", made["path"], "--yes").stdout.splitlines()
    assert done[0] == f"restored {made['path']}" and "pre-restore" in done[1]
    assert [c.display_name for c in contacts.list_contacts(core())] == ["Ann Smith"]


def test_a_bad_reason_or_backup_is_one_line(run: Run, tmp_path: Path) -> None:
    [line] = run("backup", "create", "--reason", "Mine Now", code=2).stderr.splitlines()
    assert "reason" in line
    [line] = run(
        "backup", "restore", str(tmp_path / "none.db"), "--yes", code=3
    ).stderr.splitlines()
    assert "no backup matches" in line
    [line] = run("backup", "restore", "--yes", code=3).stderr.splitlines()
    assert "no backup matches" in line


def test_restore_works_when_the_live_database_cannot_be_opened(run: Run, db_file: Path) -> None:
    """After going back to an older pocketcrm (the live file says a newer schema), or over a
    damaged file, the backup is the way back: restore must not need to open the live one."""
    run("add", "Ann Smith")
    taken = json.loads(run("backup", "create", "--json").stdout)["path"]
    conn = sqlite3.connect(db_file)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.close()
    run("list", code=1)
    run("backup", "restore", "--yes")
    assert "Ann Smith" in run("list").stdout

    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    db_file.write_bytes(b"garbage " * 4096)
    gc.collect()  # a connection an earlier command left open would checkpoint into the file
    run("list", code=1)
    done = run("backup", "restore", taken, "--yes").stdout.splitlines()
    aside = Path(done[1].removeprefix("the data it replaced is in "))
    assert aside.read_bytes() == b"garbage " * 4096
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert "Ann Smith" in run("list").stdout
