"""Every test runs against its own folders: no test can touch a real CRM, config or crontab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
    yield
    clock.set_clock(None)
    clock.set_local_zone(None)
