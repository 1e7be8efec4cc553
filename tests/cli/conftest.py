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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """An empty database at the newest schema, made once: copying it beats migrating anew."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    open_store(path).close()
    return path.read_bytes()


@pytest.fixture(autouse=True)
def _migrated_db(request: pytest.FixtureRequest, migrated_template: bytes) -> None:
    """POCKETCRM_DB starts as an empty migrated database (0600 in a 0700 folder), unless the
    test asks for `fresh_db` to see pocketcrm create it."""
    if "fresh_db" in request.fixturenames:
        return
    path = Path(os.environ["POCKETCRM_DB"])
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(migrated_template)


@pytest.fixture
def fresh_db() -> Path:
    """POCKETCRM_DB does not exist yet."""
    path = Path(os.environ["POCKETCRM_DB"])
    assert not path.exists()
    return path


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
