"""The SQLite seam: connections, pragmas, write transactions, migrations on open.

Everything only SQLite has (pragmas, BEGIN IMMEDIATE, file modes, online backup) lives here
and in search.py, so the same services can run on PostgreSQL.

Two ways in (see core/db.py): plain units of work on the standard library's sqlite3 for the
everyday commands, and ORM sessions on SQLAlchemy's engine, which is made on first use. This
module imports no SQLAlchemy at module level: a one-line command never pays for it (~330 ms),
and Alembic is imported only when the stored revision (read with sqlite3) is not the head.

Why BEGIN IMMEDIATE: with a deferred BEGIN, a read-then-write transaction fails with
"database is locked" as soon as another process (cron, the interface) commits in between,
whatever busy_timeout says. Write sessions take the write lock up front and wait for it.

Waiting for the write lock: a writer never gives up at the busy timeout while another
process (an import, say) holds the lock. After LOCK_NOTICE_S it says once that it waits
(the face decides how: see set_lock_wait) and keeps waiting; only after LOCK_WAIT_S, a
genuinely stuck holder, does it raise Locked (one line, exit 1), with nothing written.
PostgreSQL's advisory write lock waits the same way.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocketcrm.core.db import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS  # re-exported
from pocketcrm.core.db import Db, PlainDb, prepare_sqlite
from pocketcrm.core.errors import Invalid, Locked, NotAllowed, StoreError
from pocketcrm.core.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pocketcrm.core.sessions import CrmSession

LOCK_NOTICE_S = 1.0  # a writer waits this long for the write lock before saying it waits
LOCK_WAIT_S = 30 * 60.0  # and gives up only after this long (a holder that is stuck)

_lock_notice: Callable[[], None] | None = None
_lock_limit = LOCK_WAIT_S


def set_lock_wait(notice: Callable[[], None] | None, limit: float | None = None) -> None:
    """How stores opened from now on wait for the write lock: NOTICE is called once when a
    writer starts to wait (a face prints its line there); LIMIT seconds before Locked."""
    global _lock_notice, _lock_limit
    _lock_notice = notice
    _lock_limit = LOCK_WAIT_S if limit is None else limit


class _LockWait:
    """One writer's wait for the write lock: the notice at most once, then the limit."""

    def __init__(self, notice: Callable[[], None] | None, limit: float) -> None:
        self.notice = notice
        self.limit = limit
        self.started = time.monotonic()
        self.noticed = False

    def waited(self) -> float:
        return time.monotonic() - self.started

    def give_up(self) -> Locked:
        return Locked(
            f"another process has held the database's write lock for over "
            f"{_duration(self.limit)} (a stuck import?); nothing was written, try again"
        )

    def still_waiting(self) -> None:
        """Called each time the lock was not free yet: say so once, or give up at the limit."""
        if self.waited() >= self.limit:
            raise self.give_up()
        if not self.noticed:
            self.noticed = True
            if self.notice is not None:
                self.notice()


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or (
        "locked" in str(exc)
    )


def _begin_immediate(dbapi_connection: Any, wait: _LockWait) -> None:
    """BEGIN IMMEDIATE that waits as long as the lock wait allows, not the busy timeout."""
    step = min(LOCK_NOTICE_S, wait.limit)
    while True:
        dbapi_connection.execute(f"PRAGMA busy_timeout={max(1, int(step * 1000))}")
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        finally:
            dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        wait.still_waiting()
        step = max(0.001, min(5.0, wait.limit - wait.waited()))


def database_url(path_or_url: str | os.PathLike[str]) -> str:
    """A SQLAlchemy URL from a file path or a URL as typed after --db."""
    text = str(path_or_url)
    if "://" in text:
        if text.startswith("postgres://"):
            text = "postgresql+psycopg://" + text.removeprefix("postgres://")
        elif text.startswith("postgresql://"):
            text = "postgresql+psycopg://" + text.removeprefix("postgresql://")
        return text
    return "sqlite:///" + str(Path(text).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def _ensure_private_file(path: Path, *, create_folders: bool = True) -> None:
    """Create the data directory 0700 and the database 0600 before SQLite makes it 0644.

    Missing folders are made only when asked: a mistyped path must not look like an empty CRM.
    """
    if not path.parent.exists():
        if not create_folders:
            raise Invalid(
                "db",
                f"folder {path.parent} does not exist; check the path, "
                "or pass --create to make a new database there",
            )
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # racing first runs
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def write_problem(path: Path) -> str | None:
    """Why this SQLite database cannot be written, or None.

    SQLite needs the file and, for its -wal and -shm files, the folder: either read-only
    makes every write fail deep inside a transaction.
    """
    if path.exists() and not os.access(path, os.W_OK):
        return f"read-only file {path}"
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists() and not os.access(side, os.W_OK):
            return f"read-only file {side}"
    if path.parent.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        return f"read-only folder {path.parent}"
    return None


def _create_engine(store: Store) -> Engine:
    """SQLAlchemy's engine, made on first use: the everyday path on SQLite never needs it."""
    from sqlmodel import create_engine  # SQLAlchemy and SQLModel: ~330 ms, only here

    if store.path is None:
        return create_engine(store.url, pool_pre_ping=True)
    engine = create_engine(store.url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    _install_sqlite_events(engine, store)
    return engine


def _install_sqlite_events(engine: Engine, store: Store) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Connection
    from sqlalchemy.exc import DBAPIError

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        prepare_sqlite(dbapi_connection, store.settings, journaled=store.journaled)

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("pocketcrm_write", False):
            from pocketcrm.core import journal

            journal.begin(conn.connection.dbapi_connection)  # a new change number
            try:
                _begin_immediate(conn.connection.dbapi_connection, store.lock_wait())
            except sqlite3.Error as exc:  # as SQLAlchemy raises it anywhere else
                raise DBAPIError.instance("BEGIN IMMEDIATE", None, exc, sqlite3.Error) from exc
        else:
            conn.exec_driver_sql("BEGIN")


INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied"


def _first_line(exc: BaseException | None) -> str:
    """An error's first line: drivers append SQL, hints and links below it."""
    return (str(exc).strip().splitlines() or ["no reason given"])[0]


# PostgreSQL advisory lock keys ('pock' and the next): writers, and schema upgrades.
WRITE_LOCK = 0x706F636B
SCHEMA_LOCK = WRITE_LOCK + 1


class Store:
    """An open database: hand it to every service. Sessions are short; none waits for a person.

    Two ways in, one database: `sql_read`/`sql_write` give the plain-SQL services a Db
    (standard-library sqlite3 on SQLite, about 330 ms less start-up than SQLAlchemy), and
    `read`/`write` give an ORM session (which is a Db too) to the services using the models.
    The SQLAlchemy engine is made only when first needed.
    """

    def __init__(
        self, url: str, settings: Settings | None = None, *, create_folders: bool = True
    ) -> None:
        self.url = url
        self.settings = settings or Settings()
        self.path = sqlite_path(url)
        self.is_sqlite = url.startswith("sqlite")
        self.created = False  # True when this open made a new, empty database file
        self.journaled = True  # False: connections made from now on keep no journal
        if self.path is not None:
            self.created = not self.path.exists()
            _ensure_private_file(self.path, create_folders=create_folders)
        self.lock_notice = _lock_notice
        self.lock_limit = _lock_limit
        self._idle: list[sqlite3.Connection] = []  # plain connections between units of work
        self._idle_lock = threading.Lock()

    @functools.cached_property
    def engine(self) -> Engine:
        return _create_engine(self)

    @functools.cached_property
    def _write_engine(self) -> Engine:
        return self.engine.execution_options(pocketcrm_write=True)

    def lock_wait(self) -> _LockWait:
        return _LockWait(self.lock_notice, self.lock_limit)

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Writes inside give up sooner (a job that runs again soon, like remind, retries)."""
        before = self.lock_limit
        self.lock_limit = min(before, seconds)
        try:
            yield
        finally:
            self.lock_limit = before

    @contextmanager
    def write(self) -> Iterator[CrmSession]:
        """One unit of work that writes: committed on success, rolled back on any error."""
        from sqlalchemy.exc import DBAPIError, OperationalError

        from pocketcrm.core.sessions import CrmSession

        with CrmSession(self._write_engine, expire_on_commit=False) as session:
            try:
                with session.begin():
                    if not self.is_sqlite:  # one writer at a time, as BEGIN IMMEDIATE gives
                        self._advisory_write_lock(session)
                        _journal_face(session)
                    yield session
            except OperationalError as exc:
                if isinstance(exc.orig, sqlite3.OperationalError) and _is_busy(exc.orig):
                    raise _busy(exc.orig) from exc
                raise
            except DBAPIError as exc:  # the server's GRANTs and policies (issue 11): exit 5
                if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                    raise NotAllowed(
                        _first_line(exc.orig), self._admins(), reason="nothing was written"
                    ) from exc
                raise

    def _admins(self) -> list[str]:
        """Who can grant what the server refused (the users with the admin role)."""
        from sqlalchemy.exc import DBAPIError

        with suppress(DBAPIError), self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT login FROM app_user WHERE role = 'admin' AND active ORDER BY login"
            ).all()
            return [str(r[0]) for r in rows]
        return []

    def _advisory_write_lock(self, session: CrmSession) -> None:
        """PostgreSQL's write lock: taken at once if free, else the same notice and limit."""
        from sqlalchemy.exc import OperationalError

        wait = self.lock_wait()
        pause = 0.005
        while wait.waited() < min(LOCK_NOTICE_S, wait.limit):  # short waits go unsaid
            if session.run(f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK})").scalar():
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        wait.still_waiting()
        left = wait.limit - wait.waited()
        session.run(f"SET LOCAL lock_timeout = {max(1, int(left * 1000))}")
        try:
            session.run(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        except OperationalError as exc:  # lock_timeout: LockNotAvailable
            if getattr(exc.orig, "sqlstate", "") != "55P03":
                raise
            raise wait.give_up() from exc
        session.run("SET LOCAL lock_timeout TO DEFAULT")

    @contextmanager
    def read(self) -> Iterator[CrmSession]:
        """A read-only unit of work (a consistent snapshot on SQLite's WAL)."""
        from pocketcrm.core.sessions import CrmSession

        with CrmSession(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # -- the plain path -------------------------------------------------------------------

    @contextmanager
    def sql_read(self) -> Iterator[Db]:
        """A read-only unit of work in plain SQL (sqlite3 itself on SQLite)."""
        if not self.is_sqlite:
            with self.read() as session:
                yield session
            return
        with self._plain() as connection:
            connection.execute("BEGIN")
            try:
                yield PlainDb(connection)
            finally:
                _rollback(connection)  # nothing was written: end the snapshot

    @contextmanager
    def sql_write(self) -> Iterator[Db]:
        """A unit of work that writes, in plain SQL: BEGIN IMMEDIATE (waiting for the write
        lock as `write` does), committed on success, rolled back on any error."""
        if not self.is_sqlite:
            with self.write() as session:
                yield session
            return
        from pocketcrm.core import journal  # the standard library only

        with self._plain() as connection:
            journal.begin(connection)  # a new change number (and the triggers, once)
            _begin_immediate(connection, self.lock_wait())
            try:
                yield PlainDb(connection)
            except sqlite3.OperationalError as exc:
                _rollback(connection)
                if _is_busy(exc):
                    raise _busy(exc) from exc
                raise
            except BaseException:
                _rollback(connection)
                raise
            connection.execute("COMMIT")

    @contextmanager
    def _plain(self) -> Iterator[sqlite3.Connection]:
        """A set-up sqlite3 connection of this store's, for one unit of work at a time."""
        assert self.path is not None
        with self._idle_lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )  # used by one thread at a time: a unit of work takes it from the idle list
            try:
                prepare_sqlite(connection, self.settings, journaled=self.journaled)
            except BaseException:  # not a database, say: no connection outlives the refusal
                connection.close()
                raise
        try:
            yield connection
        finally:
            with self._idle_lock:
                self._idle.append(connection)

    def close(self) -> None:
        with self._idle_lock:
            while self._idle:
                self._idle.pop().close()
        if "engine" in self.__dict__:  # made only if some service used the ORM
            self.engine.dispose()

    # -- schema -------------------------------------------------------------------------

    def schema_version(self) -> str | None:
        """The Alembic revision of this database, read without importing Alembic."""
        if self.is_sqlite:
            with self._plain() as connection:
                try:
                    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                except sqlite3.OperationalError as exc:
                    if "no such table" not in str(exc):
                        raise
                    return None
            return None if row is None else str(row[0])
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            with self.engine.connect() as conn:
                found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
                conn.rollback()
        except (OperationalError, ProgrammingError) as exc:
            if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                raise  # the table is there but this role may not read it: not "no schema"
            return None
        return None if found is None else str(found[0])

    def has_user_tables(self) -> bool:
        if not self.is_sqlite:
            return self.schema_version() is not None
        with self._plain() as connection:
            row = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
        return bool(row and row[0])

    def backup(self, reason: str, *, prune: bool = True) -> Path | None:
        """An online copy of the SQLite file (safe while others write), kept beside it; for a
        server, a pg_dump archive in the data directory's backups/. Then the rotation runs
        (settings.backups), unless prune=False."""
        if self.path is None:
            return None if self.is_sqlite else _pg_dump(self.url, reason, self.settings, prune)
        if not self.path.exists():
            return None
        folder = backup_dir(self.path)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{self.path.stem}-{stamp}-{reason}.db"
        # Written under a name no listing matches, renamed when complete: a backup killed
        # midway never leaves a file that looks like a backup.
        partial = folder / f".{target.name}.partial"
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        dest = sqlite3.connect(partial)
        completed = False
        try:
            source.backup(dest)
            completed = True
        finally:
            dest.close()
            source.close()
            if not completed:
                partial.unlink(missing_ok=True)
        os.replace(partial, target)
        if prune:
            _prune(folder.glob(f"{self.path.stem}-*.db"), self.settings)
        return target

    def migrate(self) -> str | None:
        """Bring the schema to the newest revision, after a backup when data exists.

        Returns the backup path (or None when none was needed).
        """
        if self.is_sqlite:
            return self._migrate()
        # Several people opening a new server database at once: one migrates, the others
        # wait on this lock and then find the schema current.
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
            conn.commit()
            try:
                return self._migrate()
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")
                conn.commit()

    def _migrate(self) -> str | None:
        from pocketcrm.core.migrations import HEAD, run_upgrade  # Alembic: ~230 ms, only here

        current = self.schema_version()
        if current == HEAD:
            return None
        refuse_newer(current)  # before any backup: a newer schema is never "upgraded"
        backup = None
        if current is not None or self.has_user_tables():
            taken = self.backup(f"before-{HEAD}")
            backup = str(taken) if taken else None
        try:
            run_upgrade(self._write_engine, self.is_sqlite)
        except Exception as exc:  # the backup is the way back; say where it is
            hint = f"; your data is safe in {backup}" if backup else ""
            reason = _first_line(_driver_error(exc))
            raise StoreError(f"could not upgrade the database: {reason}{hint}") from exc
        if self.is_sqlite:
            self.engine.dispose()  # connections made before the upgrade lack its triggers
        return backup


def _rollback(connection: sqlite3.Connection) -> None:
    """End the transaction unless SQLite ended it already (it does on some errors)."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own error inside SQLAlchemy's wrapper (the wrapper's text adds SQL), or
    EXC itself: the plain path raises sqlite3's errors unwrapped, and SQLAlchemy is only
    looked at when something imported it already."""
    wrappers = sys.modules.get("sqlalchemy.exc")
    if wrappers is not None and isinstance(exc, wrappers.DBAPIError) and exc.orig is not None:
        cause: BaseException = exc.orig
        return cause
    return exc


def _busy(exc: sqlite3.OperationalError) -> Locked:
    """Past the busy timeout inside a transaction (rare with WAL): one line, nothing written."""
    return Locked(f"the database stayed busy; nothing was written ({exc})")


def _journal_face(session: CrmSession) -> None:
    """PostgreSQL's journal triggers read the face from the session (core/journal.py)."""
    from pocketcrm.core import journal

    face = journal.current_face()
    session.run("SELECT set_config('pocketcrm.face', :face, true)", {"face": face})


def refuse_newer(version: str | None) -> None:
    """A revision this code does not know comes from a newer pocketcrm: stop, touch nothing."""
    from pocketcrm.core.migrations import is_known

    if version is not None and not is_known(version):
        raise StoreError(f"DB was made by a newer pocketcrm (schema {version}); upgrade pocketcrm")


def _prune(backups: Iterable[Path], settings: Settings) -> None:
    from pocketcrm.core.rotation import to_prune

    for old in to_prune(list(backups), settings.backups, datetime.now(UTC)):
        old.unlink(missing_ok=True)


def pg_dump_tool() -> str | None:
    """pg_dump on the PATH, else the newest PostgreSQL's own (None: not installed)."""
    found = shutil.which("pg_dump")
    if found:
        return found
    installed = (
        sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), key=lambda p: int(p.parts[-3]))
        if Path("/usr/lib/postgresql").is_dir()
        else []
    )
    return str(installed[-1]) if installed else None


def _pg_dump(url: str, reason: str, settings: Settings, prune: bool = True) -> Path:
    """pg_dump's custom-format archive of the whole database (0600, rotated as configured).

    The password goes to pg_dump in its environment, never on a command line.
    """
    import subprocess

    from sqlalchemy.engine import make_url

    from pocketcrm.paths import data_dir

    tool = pg_dump_tool()
    if tool is None:
        raise StoreError(
            f"cannot back up {shown_url(url)}: pg_dump was not found; "
            "install PostgreSQL's client tools (e.g. apt install postgresql-client)"
        )
    parsed = make_url(url)
    folder = data_dir() / "backups"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"{parsed.database or 'postgres'}-pg"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{stem}-{stamp}-{reason}.dump"
    partial = folder / f".{target.name}.partial"  # renamed when pg_dump has finished
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    environment = dict(os.environ)
    if parsed.password is not None:
        environment["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    done = subprocess.run(
        [tool, "--format=custom", f"--file={partial}", f"--dbname={plain.render_as_string()}"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise StoreError(f"cannot back up {shown_url(url)}: {why}")
    os.replace(partial, target)
    if prune:
        _prune(folder.glob(f"{stem}-*.dump"), settings)
    return target


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def shown_url(url: str) -> str:
    """A database URL fit for a message: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def open_store(
    path_or_url: str | os.PathLike[str],
    settings: Settings | None = None,
    *,
    create_folders: bool = True,
) -> Store:
    """Open (creating and migrating as needed) the database; the one way faces get a Store.

    create_folders=False refuses a path whose folder is missing (Invalid, exit 2): the
    command line asks for it with --create. `store.created` says a new file was made.
    """
    from pocketcrm.core.migrations import HEAD

    named = str(path_or_url)
    if "://" in named:  # messages never show a password
        with suppress(Exception):
            named = shown_url(named)
    try:
        store = Store(database_url(path_or_url), settings, create_folders=create_folders)
        if not store.is_sqlite:
            _ = store.engine  # the server's driver is imported here
    except (OSError, ValueError) as exc:  # a folder we may not write, a NUL in the name
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StoreError(f"cannot create {named}: {reason}") from exc
    except ImportError as exc:  # e.g. a postgresql:// URL without its driver installed
        raise StoreError(
            f"cannot open {named}: its database driver is not installed ({exc.name})"
        ) from exc
    if not store.is_sqlite:
        _reach(store)
    problem = write_problem(store.path) if store.path is not None else None
    if problem:  # every write would fail inside a transaction; say it once, up front
        store.close()
        raise StoreError(
            f"cannot write to DB: {problem}; give yourself write access (chmod u+w) "
            "or work on a copy"
        )
    try:
        if store.schema_version() != HEAD:
            store.migrate()
    except BaseException as exc:  # a newer schema, an interrupt: no connection outlives it
        store.close()
        cause = _driver_error(exc)  # the driver's error says what; SQLAlchemy's adds SQL
        if isinstance(cause, sqlite3.DatabaseError) and not isinstance(
            cause, sqlite3.OperationalError
        ):
            raise StoreError(f"{named} is not a pocketcrm database: {cause}") from exc
        if isinstance(cause, sqlite3.OperationalError) or cause is not exc:
            raise StoreError(f"cannot open {named}: {_first_line(cause)}") from exc
        raise
    return store


def _reach(store: Store) -> None:
    """A server that is down or refuses us: say so in one line, before migrating."""
    from sqlalchemy.exc import DBAPIError

    try:
        with store.engine.connect():
            pass
    except DBAPIError as exc:
        store.close()
        reason = (str(exc.orig).strip().splitlines() or ["no reason given"])[0]
        raise StoreError(f"cannot reach {shown_url(store.url)}: {reason}") from exc
