"""`pocketcrm backup create|list|restore` on a SQLite file, read back through the core."""

from __future__ import annotations

import json
import os
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
