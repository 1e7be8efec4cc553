"""A file from the release whose chain was 0009 -> 0014 (users, the catalogue and cases were
put before 0014 later, before they shipped): stamped 0014 without their tables, it opens
with them made and its rows kept (migrations/__init__.py `_catch_up`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store


def _file_of_that_release(path: Path) -> None:
    from sqlalchemy import create_engine

    from upgrade0014 import stamp_0014_alone

    engine = create_engine(f"sqlite:///{path}")
    stamp_0014_alone(engine, True)
    engine.dispose()
    when = "2026-11-02 09:00:00.000000"
    raw = sqlite3.connect(path)
    row: dict[str, object] = {"uuid": "c1", "display_name": "Ann Lee", "name_key": "ann lee",
                              "stage": "lead", "owner": "Bo Ray", "created_at": when,
                              "updated_at": when}  # fmt: skip
    for _, name, kind, notnull, default, key in raw.execute("PRAGMA table_info(contact)"):
        if notnull and default is None and not key and name not in row:  # blank, as then
            row[name] = 0 if kind.upper() in ("INTEGER", "BOOLEAN") else ""
    with raw:
        raw.execute(
            f"INSERT INTO contact ({', '.join(row)}) VALUES ({', '.join(':' + n for n in row)})",
            row,
        )
    raw.close()


def test_a_0014_file_without_users_catalogue_or_cases_opens_whole(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _file_of_that_release(path)
    store = open_store(path, Settings())
    store.close()
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"app_user", "department", "product", "support_case", "journal"} <= tables
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0019"
    assert conn.execute("SELECT owner FROM contact").fetchone()[0] == "bo.ray"  # made a user
    assert conn.execute("SELECT count(*) FROM app_user WHERE login = 'bo.ray'").fetchone()[0]
    conn.close()
