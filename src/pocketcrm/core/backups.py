"""Backups a person asks for: take, list, check and restore (the store takes them too, before
an upgrade). SQLite is copied with its online backup API (safe while others write); a server
with pg_dump. Every backup is 0600 in a 0700 folder, written under a temporary name and
renamed when complete, and rotated by count and age (settings.backups) without ever removing
the newest backup or the newest one taken before a schema upgrade.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pocketcrm.core import rotation
from pocketcrm.core.errors import Invalid, NotFound, StoreError
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, backup_dir, database_url, refuse_newer


@dataclass(frozen=True)
class Backup:
    """One backup file: when it was taken and why (manual, daily, before-0006, pre-restore)."""

    path: str
    taken_at: datetime
    reason: str
    size: int


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup it copied back, and where the replaced data went."""

    restored_from: str
    kept_aside: str


def folder(store: Store) -> Path:
    """Where this database's backups go: beside the file, or the data directory's for a server."""
    if store.path is not None:
        return backup_dir(store.path)
    from pocketcrm.paths import data_dir

    return data_dir() / "backups"


def _pattern(store: Store) -> str:
    if store.path is not None:
        return f"{store.path.stem}-*.db"
    from sqlalchemy.engine import make_url

    return f"{make_url(store.url).database or 'postgres'}-pg-*.dump"


def create(store: Store, reason: str = "manual") -> Backup:
    """Take a backup now (online: others may keep writing)."""
    taken = store.backup(reason)
    if taken is None:
        raise StoreError("there is no database file to back up yet")
    return _describe(taken)


def _describe(path: Path) -> Backup:
    taken_at, reason = rotation.parse(path) or (
        datetime.fromtimestamp(path.stat().st_mtime, UTC),
        "",
    )
    return Backup(str(path), taken_at, reason, path.stat().st_size)


def list_backups(store: Store) -> list[Backup]:
    """This database's backups, oldest first (half-written ones are never listed)."""
    where = folder(store)
    if not where.is_dir():
        return []
    found = [_describe(p) for p in where.glob(_pattern(store)) if rotation.parse(p) is not None]
    return sorted(found, key=lambda b: b.taken_at)


def _chosen(store: Store, source: str | None) -> Path:
    if source:
        path = Path(source).expanduser()
        if not path.is_file():
            raise NotFound("backup", source)
        return path
    backups = list_backups(store)
    if not backups:
        raise NotFound("backup", str(folder(store)))
    return Path(backups[-1].path)


def check_sqlite(path: Path) -> None:
    """Refuse a file that is damaged, is not a pocketcrm database or comes from a newer one."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise Invalid("backup", f"cannot open {path}: {exc}") from None
    try:
        result = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
        if result != ["ok"]:
            raise StoreError(f"{path} fails its integrity check: {'; '.join(result[:3])}")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise Invalid("backup", f"{path} is not a pocketcrm database: {exc}") from None
    finally:
        conn.close()
    if row is None:
        raise Invalid("backup", f"{path} is not a pocketcrm database: no schema revision")
    refuse_newer(str(row[0]))


def _pg_tool(name: str) -> str:
    from pocketcrm.core.store import pg_dump_tool

    dump = pg_dump_tool()
    tool = Path(dump).with_name(name) if dump else None
    if tool is None or not tool.exists():
        raise StoreError(
            f"{name} was not found; install PostgreSQL's client tools "
            "(e.g. apt install postgresql-client)"
        )
    return str(tool)


def _pg_run(store: Store, args: list[str]) -> subprocess.CompletedProcess[str]:
    """pg_restore with the password in its environment, never on a command line."""
    from sqlalchemy.engine import make_url

    parsed = make_url(store.url)
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None).render_as_string()
    return subprocess.run(
        [*args, f"--dbname={plain}"], capture_output=True, text=True, env=environment, check=False
    )


def _restore_pg(store: Store, path: Path) -> None:
    tool = _pg_tool("pg_restore")
    listed = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if listed.returncode != 0:
        why = (listed.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise Invalid("backup", f"{path} is not a readable pg_dump archive: {why}")
    done = _pg_run(
        store, [tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)]
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise StoreError(f"pg_restore failed (nothing was changed): {why}")


def open_for_restore(location: str, settings: Settings) -> Store:
    """The database a restore replaces, opened without reading or upgrading it: the live one
    may be damaged, or from a newer release (after going back to an older pocketcrm, its
    `before-NNNN` backup is the way back)."""
    return Store(database_url(location), settings, create_folders=False)


def _keep_aside(store: Store) -> Path:
    """A backup of the data a restore replaces; a damaged file is copied byte for byte."""
    try:
        aside = store.backup("pre-restore", prune=False)  # rotation must not take PATH first
    except sqlite3.DatabaseError:
        aside = None
        if store.path is not None:
            where = backup_dir(store.path)
            where.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            aside = _copy_private(store.path, where / f"{store.path.stem}-{stamp}-pre-restore.db")
    if aside is None:
        raise StoreError("there is no database to restore over")
    return aside


def _copy_private(source: Path, target: Path) -> Path:
    """A byte copy, 0600, under a temporary name until complete."""
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, source.open("rb") as data:
        shutil.copyfileobj(data, out)
    os.replace(partial, target)
    return target


def _restore_sqlite(path: Path, live: Path) -> None:
    """Copy the backup in through SQLite (one write transaction: readers see before or after);
    over a file SQLite cannot read, replace the file itself."""
    source_db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(live, timeout=15)
        try:
            source_db.backup(target)
            return
        except sqlite3.DatabaseError:
            pass
        finally:
            target.close()
    finally:
        source_db.close()
    fresh = _copy_private(path, live.with_name(f".{live.name}.restoring"))
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    os.replace(fresh, live)


def restore(store: Store, source: str | None = None) -> Restored:
    """Copy a backup (the newest when none is named) over the database.

    The backup is checked first, and the current data is kept aside as a backup of its
    own, so a restore never loses anything; an older schema is upgraded afterwards.
    """
    path = _chosen(store, source)
    if store.path is not None:
        check_sqlite(path)
        if path.resolve() == store.path.resolve():
            raise Invalid("backup", f"{path} is the live database itself")
    aside = _keep_aside(store)
    if store.path is None:
        _restore_pg(store, path)
    else:
        _restore_sqlite(path, store.path)
    store.close()  # pooled connections knew the old schema
    from pocketcrm.core.migrations import HEAD

    if store.schema_version() != HEAD:
        store.migrate()
    prune(store)
    return Restored(str(path), str(aside))


def prune(store: Store) -> None:
    """Apply the rotation to this database's backups now."""
    where = folder(store)
    if where.is_dir():
        for old in rotation.to_prune(
            list(where.glob(_pattern(store))), store.settings.backups, _now()
        ):
            old.unlink(missing_ok=True)


def _now() -> datetime:
    return datetime.now(UTC)
