"""Team mode's failure cases through the installed command: doctor fails loudly on a server
it cannot use, no command shows or schedules a password, backups and restores go through
pg_dump and pg_restore, and migration 0006 repairs missing indexes on the server too."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from pgserver import PgServer
from pocketcrm.core import dbhealth
from pocketcrm.core.migrations import HEAD
from pocketcrm.core.store import open_store, pg_dump_tool

BIN = str(Path(sys.executable).with_name("pocketcrm"))
SECRET = "s3cret-Pa55"


def pocketcrm(*args: str, db: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, POCKETCRM_DB=db, NO_COLOR="1", **env)
    return subprocess.run(
        [BIN, *args], capture_output=True, text=True, env=environment, check=False, timeout=120
    )


def with_password(url: str, user: str = "postgres") -> str:
    return url.replace(f"postgresql://{user}@", f"postgresql://{user}:{SECRET}@", 1)


@pytest.fixture
def crm(pg_server: PgServer) -> str:
    """A migrated database on the test server, with one contact, its URL holding a password
    (the test server trusts local connections, so any password logs in)."""
    url = with_password(pg_server.database())
    added = pocketcrm("add", "Ann Smith", db=url)
    assert added.returncode == 0, added.stderr
    return url


def test_doctor_fails_loudly_on_an_unreachable_server() -> None:
    url = f"postgresql://nobody:{SECRET}@127.0.0.1:1/none"
    done = pocketcrm("doctor", db=url)
    assert done.returncode == 1, done.stdout
    [failed] = [row for row in done.stdout.splitlines() if row.startswith("FAIL")]
    assert "FAIL  database       cannot reach postgresql+psycopg://nobody:***@127.0.0.1:1" in failed
    as_json = pocketcrm("doctor", "--json", db=url)
    assert as_json.returncode == 1
    assert SECRET not in done.stdout + done.stderr + as_json.stdout + as_json.stderr


def test_doctor_fails_for_a_role_without_rights(pg_server: PgServer, crm: str) -> None:
    pg_server.execute("DROP ROLE IF EXISTS crm_nobody")
    pg_server.execute("CREATE ROLE crm_nobody LOGIN")
    url = crm.replace(f"postgres:{SECRET}@", "crm_nobody@", 1)
    done = pocketcrm("doctor", db=url)
    assert done.returncode == 1, done.stdout
    failed = [row for row in done.stdout.splitlines() if row.startswith("FAIL")]
    assert len(failed) == 4, failed  # one line per missing right
    assert failed[0].startswith("FAIL  access         role crm_nobody may not SELECT on ")
    assert "GRANT SELECT ON ALL TABLES IN SCHEMA public TO crm_nobody" in failed[0]

    listed = pocketcrm("list", db=with_password(url, "crm_nobody"))
    assert listed.returncode == 1 and len(listed.stderr.splitlines()) == 1, listed.stderr
    assert "permission denied" in listed.stderr and SECRET not in listed.stderr


def test_where_doctor_and_cron_never_show_the_password(crm: str, tmp_path: Path) -> None:
    where = pocketcrm("where", db=crm)
    assert where.returncode == 0 and "postgres:***@/" in where.stdout
    doctor = pocketcrm("doctor", "--json", db=crm)
    assert doctor.returncode in (0, 1)
    assert "opens: postgresql+psycopg://postgres:***@" in doctor.stdout

    tab = tmp_path / "crontab"
    pgpass = tmp_path / "pgpass"
    installed = pocketcrm(
        "cron", "install", "--cron", "--tabfile", str(tab), db=crm, PGPASSFILE=str(pgpass)
    )
    assert installed.returncode == 0, installed.stderr
    assert f"the password is kept in {pgpass} (0600)" in installed.stderr
    assert stat.S_IMODE(pgpass.stat().st_mode) == 0o600
    [entry] = pgpass.read_text().splitlines()
    assert entry.endswith(f":postgres:{SECRET}")
    everything = tab.read_text() + installed.stdout + installed.stderr
    status = pocketcrm("cron", "status", "--tabfile", str(tab), db=crm)
    assert SECRET not in everything + where.stdout + doctor.stdout + status.stdout
    assert "backup create --reason daily --quiet" in tab.read_text()

    again = pocketcrm(
        "cron", "install", "--cron", "--tabfile", str(tab), db=crm, PGPASSFILE=str(pgpass)
    )
    assert again.returncode == 0 and len(pgpass.read_text().splitlines()) == 1


@pytest.mark.skipif(pg_dump_tool() is None, reason="pg_dump is not installed")
def test_backup_create_list_restore_on_a_server(crm: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"POCKETCRM_DATA_DIR": str(data)}
    made = pocketcrm("backup", "create", "--json", db=crm, **env)
    assert made.returncode == 0, made.stderr
    taken = json.loads(made.stdout)
    assert stat.S_IMODE(os.stat(taken["path"]).st_mode) == 0o600
    assert pocketcrm("add", "Ben Okafor", db=crm).returncode == 0

    listed = json.loads(pocketcrm("backup", "list", "--json", db=crm, **env).stdout)
    assert [b["path"] for b in listed] == [taken["path"]]

    bogus = tmp_path / "bogus.dump"
    bogus.write_text("not an archive")
    refused = pocketcrm("backup", "restore", str(bogus), "--yes", db=crm, **env)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1

    restored = pocketcrm("backup", "restore", taken["path"], "--yes", "--json", db=crm, **env)
    assert restored.returncode == 0, restored.stderr
    aside = json.loads(restored.stdout)["kept_aside"]
    assert "pre-restore" in aside and Path(aside).exists()
    shown = json.loads(pocketcrm("list", "--json", db=crm).stdout)
    assert [c["display_name"] for c in shown] == ["Ann Smith"]
    assert SECRET not in made.stdout + made.stderr + restored.stdout + restored.stderr


def test_migration_0006_repairs_missing_indexes_on_a_server(pg_server: PgServer) -> None:
    from sqlalchemy import create_engine

    from pocketcrm.core.migrations import run_upgrade
    from pocketcrm.core.store import database_url

    url = pg_server.database()
    engine = create_engine(database_url(url))
    run_upgrade(engine, False, target="0005")  # a server as release 0005 left it ...
    with engine.begin() as conn:  # ... upgraded through the edited 0002: no report indexes
        conn.execute(text("DROP INDEX ix_contact_report"))
        conn.execute(text("DROP INDEX ix_follow_up_report"))
    engine.dispose()
    again = open_store(url)
    try:
        assert again.schema_version() == HEAD
        assert dbhealth.schema_problems(again) == []
    finally:
        again.close()
