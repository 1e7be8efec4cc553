"""Every test runs against its own folders: no test can touch a real CRM, config or crontab."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import pgserver
from pgserver import PgServer
from pocketcrm.core import clock


@pytest.fixture(autouse=True)
def _isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path / "pocketcrm-home"
    monkeypatch.setenv("POCKETCRM_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("POCKETCRM_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("POCKETCRM_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("POCKETCRM_DB", str(home / "data" / "pocketcrm.db"))
    monkeypatch.delenv("POCKETCRM_NOW", raising=False)
    monkeypatch.delenv("POCKETCRM_OWNER", raising=False)
    # Phone numbers in tests are US ones unless a test says otherwise; the first-run guess
    # (from the locale or the time zone) has its own tests with this unset.
    monkeypatch.setenv("POCKETCRM_PHONE_REGION", "US")
    yield
    clock.set_clock(None)
    clock.set_local_zone(None)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the session. Skipped where none can run, except in CI
    (CI=true), where a missing server is a failure: the PostgreSQL tests must really run.
    Under pytest-xdist each worker starts its own (a socket in its own folder: no clash)."""
    reason = pgserver.unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
        pytest.skip(reason)
    server = PgServer().start()
    yield server
    server.stop()
