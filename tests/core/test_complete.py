"""Completion's read path turns every database failure into no candidates, never an error.

Real files and a real closed port: a Tab against something that is not a usable pocketcrm
database must answer with nothing (the shell then falls back), and must create nothing.
"""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from pocketcrm.core import complete


def test_a_file_that_is_not_a_database_offers_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("these are my notes, not a database\n" * 50, encoding="utf-8")
    assert complete.contacts(str(junk), "ann") == []
    assert complete.tags(str(junk), "v") == []


def test_an_older_schema_offers_nothing(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE TABLE contact (id INTEGER PRIMARY KEY)")  # no display_name yet
    assert complete.contacts(str(old), "12") == []
    assert complete.contacts(str(old), "ann") == []
    assert complete.owners(str(old), "r") == []


def test_a_missing_file_or_an_unknown_scheme_offers_nothing_and_creates_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing.db"
    assert complete.contacts(str(missing), "ann") == []
    assert complete.contacts(f"sqlite:///{missing}", "ann") == []
    assert complete.contacts("mysql://localhost/crm", "ann") == []
    assert not missing.exists()


def test_an_unreachable_server_offers_nothing() -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://nobody@127.0.0.1:{port}/crm"
    assert complete.contacts(url, "ann") == []
    assert complete.deals(url, "1") == []
