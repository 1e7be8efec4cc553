"""The import/export tests' fixture: a real SQLite store (helpers are in iehelp.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from iehelp import export_data, full_export, make_google_csv, seed, write

from pocketcrm.core.store import Store, open_store

__all__ = ["export_data", "full_export", "make_google_csv", "seed", "write"]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "crm.db")
    yield opened
    opened.close()
