"""Alembic owns the schema. HEAD is checked on every open without importing Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD = "0009"  # keep equal to the newest revision in versions/ (a test checks)

HERE = Path(__file__).parent


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
