"""Opening the wrong database must never look like data loss, and nothing may leave a trace
where it should not: a read-only file, a mistyped path, a database from a newer release, a
symbolic link at an export's target. Each fails in one line with the right exit code."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from clisupport import Run

POCKETCRM = str(Path(sys.executable).with_name("pocketcrm"))
NOBODY = 65534


def _set_revision(db: Path, revision: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()
    finally:
        conn.close()


# -- a read-only database ------------------------------------------------------------------


@pytest.fixture(params=["file", "folder"])
def read_only_db(request: pytest.FixtureRequest, db_file: Path) -> Iterator[Path]:
    """A migrated database the user running pocketcrm may read but not write: the file alone
    (SQLite then opens it read-only and the first write fails deep in a transaction), or the
    file and its folder.

    As root every file is writable, so the command then runs as `nobody` (setpriv) on a
    root-owned 0644 copy; otherwise the modes are narrowed for the user running the tests.
    """
    folder = Path(tempfile.mkdtemp(prefix="pocketcrm-ro-"))
    copy = folder / "crm.db"
    shutil.copyfile(db_file, copy)
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv to drop privileges")
    try:
        copy.chmod(0o644 if os.geteuid() == 0 else 0o444)
        folder.chmod(0o777 if request.param == "file" else 0o555)
        yield copy
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder, ignore_errors=True)


def run_as_user(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed pocketcrm, as `nobody` when the tests run as root."""
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = dict(os.environ, POCKETCRM_DB=str(db), POCKETCRM_CONFIG=str(db.parent / "none.toml"))
    env["POCKETCRM_DATA_DIR"] = env["POCKETCRM_STATE_DIR"] = str(db.parent / "nowhere")
    env["HOME"] = str(db.parent)  # root's home is closed to nobody
    env.pop("XDG_CONFIG_HOME", None)
    return subprocess.run(
        [*prefix, POCKETCRM, *args], capture_output=True, text=True, env=env, check=False
    )


def test_a_read_only_database_is_one_line_and_doctor_says_so(read_only_db: Path) -> None:
    added = run_as_user(read_only_db, "add", "Ann Smith")
    assert added.returncode == 1, added.stderr
    [line] = added.stderr.splitlines()
    assert line.startswith("pocketcrm: error: cannot write to DB: read-only")
    assert "Traceback" not in added.stderr

    doctor = run_as_user(read_only_db, "doctor")
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    [check] = [row for row in doctor.stdout.splitlines() if " writable " in row]
    assert check.startswith("FAIL") and "cannot write to DB: read-only" in check


def test_doctor_says_a_writable_database_is_writable(run: Run) -> None:
    checks = json.loads(run("doctor", "--json", code=None).stdout)
    assert [c["status"] for c in checks if c["name"] == "writable"] == ["ok"]


# -- a mistyped path -----------------------------------------------------------------------


def test_a_path_in_a_missing_folder_is_refused_without_create(run: Run, tmp_path: Path) -> None:
    typo = tmp_path / "Dcouments" / "crm.db"
    result = run("--db", str(typo), "add", "Ann Smith", code=2)
    [line] = result.stderr.splitlines()
    assert f"folder {typo.parent} does not exist" in line and "--create" in line
    assert not typo.parent.exists()

    made = run("--create", "--db", str(typo), "add", "Ann Smith")
    assert f"created a new, empty database at {typo}" in made.stderr
    assert typo.exists() and oct(typo.parent.stat().st_mode)[-3:] == "700"
    again = run("--db", str(typo), "list")
    assert "Ann Smith" in again.stdout and again.stderr == ""


def test_a_new_database_elsewhere_is_announced(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.db"
    monkeypatch.setenv("POCKETCRM_DB", str(other))
    result = run("list")
    assert result.stderr == f"pocketcrm: created a new, empty database at {other}\n"


def test_the_default_database_is_still_made_silently(run: Run, fresh_db: Path) -> None:
    shutil.rmtree(fresh_db.parent, ignore_errors=True)
    result = run("add", "Ann Smith")
    assert result.stderr == "" and fresh_db.exists()


# -- a database from a newer pocketcrm -----------------------------------------------------


def test_a_newer_schema_is_refused_before_any_backup(run: Run, db_file: Path) -> None:
    _set_revision(db_file, "0099")
    before = db_file.read_bytes()
    for _ in range(12):  # every run used to take a backup and prune the older ones away
        result = run("list", code=1)
        assert result.stderr.splitlines() == [
            "pocketcrm: error: DB was made by a newer pocketcrm (schema 0099); upgrade pocketcrm"
        ]
    assert not (db_file.parent / "backups").exists()
    assert db_file.read_bytes() == before
    doctor = run("doctor", code=1)
    assert "FAIL  schema         DB was made by a newer pocketcrm (schema 0099" in doctor.stdout


# -- doctor compares the live schema with the models ---------------------------------------


def test_doctor_reports_each_index_a_database_lacks(run: Run, db_file: Path) -> None:
    conn = sqlite3.connect(db_file)
    conn.execute("DROP INDEX ix_contact_report")
    conn.execute("DROP INDEX ix_follow_up_report")
    conn.commit()
    conn.close()
    result = run("doctor", code=1)
    failed = [row for row in result.stdout.splitlines() if row.startswith("FAIL")]
    assert [row.split(";")[0] for row in failed] == [
        "FAIL  schema         missing index ix_contact_report on contact",
        "FAIL  schema         missing index ix_follow_up_report on follow_up",
    ]


def test_an_edited_migration_is_repaired_by_0006(run: Run, db_file: Path) -> None:
    """A database upgraded before 0002 gained its report indexes says 0005 and lacks them."""
    from sqlalchemy import create_engine

    from pocketcrm.core.migrations import run_upgrade

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{db_file}")
    run_upgrade(engine, True, target="0005")  # the schema as release 0005 left it
    engine.dispose()
    conn = sqlite3.connect(db_file)
    conn.execute("DROP INDEX ix_contact_report")
    conn.execute("DROP INDEX ix_follow_up_report")
    conn.commit()
    conn.close()
    db_file.chmod(0o600)  # as pocketcrm makes its files
    run("list")
    assert not [r for r in run("doctor").stdout.splitlines() if r.startswith("FAIL")]
    names = {
        name
        for (name,) in sqlite3.connect(db_file).execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
    }
    assert {"ix_contact_report", "ix_follow_up_report"} <= names


# -- export never writes through a symbolic link -------------------------------------------


def test_export_refuses_a_symbolic_link_at_the_target(run: Run, tmp_path: Path) -> None:
    run("add", "Ann Smith")
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    link = tmp_path / "contacts.json"
    link.symlink_to(victim)
    result = run("export", "-o", str(link), code=2)
    [line] = result.stderr.splitlines()
    assert "symbolic link" in line and str(link) in line
    assert victim.read_text() == "someone else's file\n" and link.is_symlink()


def test_export_replaces_the_file_whole_and_leaves_no_temporary(run: Run, tmp_path: Path) -> None:
    run("add", "Ann Smith")
    target = tmp_path / "out" / "contacts.json"
    target.parent.mkdir()
    target.write_text("old export")
    target.chmod(0o644)
    run("export", "-o", str(target))
    assert "Ann Smith" in target.read_text() and json.loads(target.read_text())
    assert oct(target.stat().st_mode)[-3:] == "600"
    assert [p.name for p in target.parent.iterdir()] == ["contacts.json"]


# -- a server password is never shown ------------------------------------------------------


def test_where_masks_a_server_password(run: Run) -> None:
    url = "postgresql://ann:s3cret@crm.example.lan/crm"
    for args in (("where",), ("where", "--json")):
        shown = run("--db", url, *args).stdout
        assert "postgresql://ann:***@crm.example.lan/crm" in shown and "s3cret" not in shown


def test_the_password_file_gets_one_private_entry_per_server_and_user(tmp_path: Path) -> None:
    from pocketcrm.core import pgpass

    target = tmp_path / "pgpass"
    target.write_text("other:5432:*:bob:hunter2\n")
    target.chmod(0o644)
    url, written = pgpass.remember(
        "postgresql://ann:p%40ss:w@db.lan:6543/crm?sslmode=require", target
    )
    assert url == "postgresql://ann@db.lan:6543/crm?sslmode=require" and written == target
    pgpass.remember("postgresql://ann:new@db.lan:6543/crm", target)
    assert target.read_text() == "other:5432:*:bob:hunter2\ndb.lan:6543:crm:ann:new\n"
    assert oct(target.stat().st_mode)[-3:] == "600"
    assert pgpass.remember("postgresql://ann@db.lan/crm", target) == (
        "postgresql://ann@db.lan/crm",
        None,
    )
