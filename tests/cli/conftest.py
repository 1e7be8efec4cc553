"""CLI tests run the real Typer app in-process (CliRunner, so never a terminal) against the
database that POCKETCRM_DB names, at a fixed time in Berlin, and read results back through
the core."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from clisupport import NOW_TEXT, Run
from typer.testing import CliRunner, Result

from pocketcrm.cli import app
from pocketcrm.core.store import Store, open_store


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCKETCRM_NOW", NOW_TEXT)
    monkeypatch.setenv("POCKETCRM_TZ", "Europe/Berlin")
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def run() -> Run:
    """Invoke `pocketcrm ARGS...`; unexpected exceptions fail the test with their traceback."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, code: int | None = 0) -> Result:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result

    return invoke


@pytest.fixture
def db_file() -> Path:
    return Path(os.environ["POCKETCRM_DB"])


@pytest.fixture
def core(db_file: Path) -> Iterator[Callable[[], Store]]:
    """Open the CLI's database through the core to check what a command wrote."""
    opened: list[Store] = []

    def open_it(path: Path | None = None) -> Store:
        store = open_store(path or db_file)
        opened.append(store)
        return store

    yield open_it
    for store in opened:
        store.close()
