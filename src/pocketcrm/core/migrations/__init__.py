"""Alembic owns the schema. HEAD is checked on every open without importing Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD = "0018"  # keep equal to the newest revision in versions/ (a test checks)

HERE = Path(__file__).parent


def is_known(revision: str) -> bool:
    """Whether this code has the migration REVISION (file names start with the id).

    An unknown one was written by a newer pocketcrm: Alembic would fail with "Can't locate
    revision" after the backup; this check costs a directory listing and no Alembic import.
    """
    return any(
        f.name.startswith(f"{revision}_") and f.suffix == ".py"
        for f in (HERE / "versions").iterdir()
    )


def alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return cfg


def run_upgrade(engine: Any, is_sqlite: bool, target: str = "head") -> None:
    """Upgrade with foreign keys off (set before BEGIN) and a foreign-key check before commit.

    Batch mode on SQLite copies and drops tables; with foreign keys on, the drop cascades
    deletes into child tables. env.py runs `PRAGMA foreign_key_check` inside the transaction.
    """
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        # On the driver's connection, before SQLAlchemy's first BEGIN: inside a transaction
        # SQLite ignores this pragma, and the store's begin hook opens one on any statement.
        raw = conn.connection.driver_connection
        if is_sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, target)
        finally:
            if is_sqlite:
                conn.rollback()
                raw.execute("PRAGMA foreign_keys=ON")
