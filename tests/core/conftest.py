"""Shared fixtures for the core tests: a real database and a fixed clock.

Every test that takes `store` runs twice: on a SQLite file under tmp_path and on a fresh
database of a real PostgreSQL server (tests/pgserver.py). POCKETCRM_TEST_BACKENDS=sqlite
runs one of them. A test about SQLite itself parametrizes `backend` to ["sqlite"]."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from coresupport import BERLIN, NOW, FixedClock

from pgserver import PgServer
from pocketcrm.core import clock
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store

BACKENDS = os.environ.get("POCKETCRM_TEST_BACKENDS", "sqlite,postgres").split(",")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fixed_clock() -> Iterator[FixedClock]:
    """Now is NOW in Berlin until the test moves it; the real clock comes back after."""
    fixed = FixedClock(NOW)
    clock.set_clock(fixed)
    clock.set_local_zone(BERLIN)
    yield fixed
    clock.set_clock(None)
    clock.set_local_zone(None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A PostgreSQL database at the newest schema, made once: new ones are copies of it.
    Named per process: pytest-xdist's workers may share one server (POCKETCRM_TEST_PG_URL)."""
    name = f"crm_template_{os.getpid()}"
    open_store(pg_server.database(name=name)).close()
    return name


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """An empty database at the newest schema, made once: copying it beats migrating anew."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    open_store(path).close()
    return path.read_bytes()


@pytest.fixture
def store(
    request: pytest.FixtureRequest, backend: str, db_path: Path, fixed_clock: FixedClock
) -> Iterator[Store]:
    """A fresh migrated database (a 0600 SQLite file, or a PostgreSQL database), owned by
    'Me', at a fixed time."""
    if backend == "postgres":
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.database(template=request.getfixturevalue("pg_template"))
        opened = open_store(url, Settings(owner="Me"))
        yield opened
        opened.close()
        return
    fd = os.open(db_path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(request.getfixturevalue("migrated_template"))
    opened = open_store(db_path, Settings(owner="Me"))
    yield opened
    opened.close()


@pytest.fixture
def rows(request: pytest.FixtureRequest, backend: str, db_path: Path) -> Callable[[str], int]:
    """Rows in a table, counted with the raw driver so the count does not trust the services."""
    if backend == "postgres":
        store = request.getfixturevalue("store")

        def count_pg(table: str) -> int:
            with store.engine.connect() as conn:
                return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0)

        return count_pg

    def count(table: str) -> int:
        conn = sqlite3.connect(db_path)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()

    return count
