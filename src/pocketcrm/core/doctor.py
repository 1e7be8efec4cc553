"""`pocketcrm doctor`'s checks of a database and of the job that runs the reminders.

Each part is asked for its own health (the store, the schema, the reminders' health, the
scheduler); this module only turns the answers into lines.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pocketcrm.core.reminders.health import reminder_health
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store


@dataclass(frozen=True)
class Check:
    """One line of `pocketcrm doctor`: status is ok, warn or fail."""

    name: str
    status: str
    detail: str


def _mode_check(name: str, path: Path, wanted: int) -> Check | None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if mode & 0o077 & ~wanted:
        return Check(
            name,
            "fail",
            f"{path} is {mode:04o}: others can read it; fix with `chmod {wanted:o} {path}`",
        )
    return Check(name, "ok", f"{path} is {mode:04o}")


def mode_checks(items: Sequence[tuple[str, Path, int]]) -> list[Check]:
    """Private files (0600) and folders (0700): a CRM holds other people's details."""
    return [c for name, path, wanted in items if (c := _mode_check(name, path, wanted))]


def diagnose(location: str, settings: Settings, *, now: datetime | None = None) -> list[Check]:
    """Check a database without changing it: opens, schema, integrity, modes, reminders."""
    from pocketcrm.core.store import database_url, sqlite_path

    url = database_url(location)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return [Check("database", "warn", f"no database at {path} yet; it is made on first use")]
    store = Store(url, settings)
    try:
        return _store_checks(store, url, path, now)
    finally:
        store.close()


def _store_checks(store: Store, url: str, path: Path | None, now: datetime | None) -> list[Check]:
    from pocketcrm.core import dbhealth
    from pocketcrm.core.migrations import HEAD

    if not store.is_sqlite:  # a server that is down or refuses us is a failure, not "empty"
        refused = _server_checks(store)
        if refused:
            return refused
    writable = _writable_checks(path)  # first: a read-only WAL database may not even open
    opened, version, tables = _open_check(store, url, path)
    if opened.status == "fail":
        return [opened, *writable]
    checks = [opened, *writable, _schema_check(version, tables)]
    if version == HEAD:
        checks += [
            Check("schema", "fail", f"{line}; `pocketcrm backup create`, then report it")
            for line in dbhealth.schema_problems(store)
        ]
    if store.is_sqlite:
        checks.append(_integrity_check(store, path))
    if path is not None:
        checks += mode_checks(_private_files(path))
    if version == HEAD:
        checks.append(_reminders_check(store, now))
        from pocketcrm.core.services.users import organisation_notes

        checks += [Check("users", "warn", line) for line in organisation_notes(store)]
    return checks


def _server_checks(store: Store) -> list[Check]:
    """A server that cannot be reached, or a role that may not use the tables."""
    from pocketcrm.core import dbhealth

    problem = dbhealth.reach_problem(store)
    if problem:
        return [Check("database", "fail", problem)]
    return [Check("access", "fail", line) for line in dbhealth.access_problems(store)]


def _writable_checks(path: Path | None) -> list[Check]:
    from pocketcrm.core.store import write_problem

    if path is None:
        return []
    problem = write_problem(path)
    if problem:
        return [Check("writable", "fail", f"cannot write to DB: {problem}")]
    return [Check("writable", "ok", f"{path} and its folder are writable")]


def _open_check(store: Store, url: str, path: Path | None) -> tuple[Check, str | None, bool]:
    """Whether the database opens, with its schema revision and whether it has tables."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from pocketcrm.core.errors import CrmError
    from pocketcrm.core.store import shown_url

    where = path or shown_url(url)
    try:
        version = store.schema_version()
        tables = store.has_user_tables()
    except DBAPIError as exc:
        return Check("database", "fail", f"cannot open {where}: {exc.orig}"), None, False
    except (SQLAlchemyError, sqlite3.Error, OSError, CrmError) as exc:  # not a database at all
        return Check("database", "fail", f"cannot open {where}: {exc}"), None, False
    return Check("database", "ok", f"opens: {where}"), version, tables


def _schema_check(version: str | None, tables: bool) -> Check:
    from pocketcrm.core.migrations import HEAD, is_known

    if version == HEAD:
        return Check("schema", "ok", f"at the newest revision ({HEAD})")
    if version is None and not tables:
        return Check("schema", "warn", "empty database; it is set up on first use")
    if version is not None and not is_known(version):
        return Check(
            "schema",
            "fail",
            f"DB was made by a newer pocketcrm (schema {version}, this one knows "
            f"{HEAD}); upgrade pocketcrm",
        )
    return Check(
        "schema",
        "warn",
        f"revision {version or 'none'}, newest is {HEAD}: upgraded on next use "
        "(a backup is taken first)",
    )


def _integrity_check(store: Store, path: Path | None) -> Check:
    from pocketcrm.core.store import backup_dir

    with store.engine.connect() as conn:
        result = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").all()]
        conn.rollback()
    if result == ["ok"]:
        return Check("integrity", "ok", "PRAGMA quick_check: ok")
    shown = "; ".join(result[:3])
    return Check(
        "integrity",
        "fail",
        f"{shown}; restore a backup from {backup_dir(path) if path else 'backups'}",
    )


def _private_files(path: Path) -> list[tuple[str, Path, int]]:
    """The database, its WAL files, the backups folder and the newest three backups."""
    from pocketcrm.core.store import backup_dir

    items = [("database file", path, 0o600)]
    items += [(f"database {suffix}", Path(f"{path}{suffix}"), 0o600) for suffix in ("-wal", "-shm")]
    folder = backup_dir(path)
    items.append(("backups folder", folder, 0o700))
    if folder.is_dir():
        items += [("backup", b, 0o600) for b in sorted(folder.glob("*.db"))[-3:]]
    return items


def _reminders_check(store: Store, now: datetime | None) -> Check:
    health = reminder_health(store, now=now)
    if health.never_ran:
        return Check("reminders", "warn", health.message)
    if health.needs_attention:
        detail = health.message
        if health.last_error:
            detail += f" (last error: {health.last_error})"
        return Check("reminders", "warn", detail)
    return Check("reminders", "ok", health.message)


def scheduler_check(db_location: str, *, tabfile: str | None = None) -> Check:
    """Is a job installed that runs `pocketcrm remind` for this database?"""
    import sys

    from pocketcrm.core import scheduling
    from pocketcrm.core.errors import CrmError

    def mentions_db(line: str) -> bool:
        return "://" in db_location or os.path.abspath(os.path.expanduser(db_location)) in line

    try:
        line = scheduling.cron_status(tabfile=tabfile)
    except (CrmError, OSError, ValueError) as exc:  # no crontab, refused, unreadable: say so
        line = None
        cron_problem = str(exc)
    else:
        cron_problem = ""
    if line is not None:
        if line.lstrip().startswith("#"):
            return Check("schedule", "warn", f"the cron line is commented out: {line}")
        if not mentions_db(line):
            return Check("schedule", "warn", f"the cron line runs for another database: {line}")
        return Check("schedule", "ok", f"cron: {line}")
    unit = scheduling.default_unit_dir() / scheduling.TIMER_NAME
    if unit.exists():
        return Check("schedule", "ok", f"systemd timer: {unit}")
    agent = scheduling.launchd_agent_path()
    if sys.platform == "darwin" and agent.exists():
        return Check("schedule", "ok", f"launchd agent: {agent}")
    why = f" ({cron_problem})" if cron_problem else ""
    return Check(
        "schedule",
        "warn",
        f"no job runs `pocketcrm remind`{why}; install one with `pocketcrm cron install`",
    )
