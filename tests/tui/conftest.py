"""Fixtures for the interface's tests: real SQLite files, a fixed clock, fixed data.

Every database is built through the core (services and the demo generator with a seed), and
every check of what was saved reads back through the core's services.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tuihelp import build_crm, fixed_now

from pocketcrm.core import clock
from pocketcrm.core.settings import Settings


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests (Pilot needs a loop) without an async plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    # The test's own arguments, read the way pytest's own pytest_pyfunc_call reads them.
    names = pyfuncitem._fixtureinfo.argnames  # noqa: SLF001
    arguments = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(pyfuncitem.obj(**arguments))
    return True


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    clock.set_clock(fixed_now)
    clock.set_local_zone(ZoneInfo("UTC"))
    yield
    clock.set_clock(None)
    clock.set_local_zone(None)


@pytest.fixture
def settings() -> Settings:
    return Settings(owner="Robin")


@pytest.fixture
def empty_store(tmp_path: Path, settings: Settings) -> Iterator[Any]:
    from pocketcrm.core.store import open_store

    store = open_store(tmp_path / "empty.db", settings)
    yield store
    store.close()


@pytest.fixture
def crm_store(tmp_path: Path, settings: Settings) -> Iterator[Any]:
    store = build_crm(tmp_path / "crm.db", settings)
    yield store
    store.close()
