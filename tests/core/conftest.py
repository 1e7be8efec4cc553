"""Shared fixtures for the core tests: a real SQLite file under tmp_path and a fixed clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from coresupport import BERLIN, NOW, FixedClock

from pocketcrm.core import clock
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store


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


@pytest.fixture
def store(db_path: Path, fixed_clock: FixedClock) -> Iterator[Store]:
    """A fresh migrated database file, owned by 'Me', at a fixed time."""
    opened = open_store(db_path, Settings(owner="Me"))
    yield opened
    opened.close()


@pytest.fixture
def rows(db_path: Path) -> Callable[[str], int]:
    """Rows in a table, counted with raw sqlite3 so the count does not trust the services."""

    def count(table: str) -> int:
        conn = sqlite3.connect(db_path)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()

    return count
