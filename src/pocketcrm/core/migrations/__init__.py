"""Alembic owns the schema. HEAD is checked on every open without importing Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEAD = "0019"  # keep equal to the newest revision in versions/ (a test checks)

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
            _catch_up(cfg, conn)
            command.upgrade(cfg, target)
        finally:
            if is_sqlite:
                conn.rollback()
                raw.execute("PRAGMA foreign_keys=ON")


# A release once ran 0014 straight after 0009; 0010, 0012 and 0013 were then put before it
# before they shipped. A file that release stamped 0014 never ran them, and Alembic takes
# every revision before the stamped one as done: each, and the table it makes.
_BEFORE_0014 = (("0010", "app_user"), ("0012", "product"), ("0013", "support_case"))


def _catch_up(cfg: Any, conn: Any) -> None:
    """Run on a file stamped 0014 the revisions before it whose tables it lacks. Whatever it
    did is committed, and the transaction its reads began is ended either way: the upgrade
    after it must begin its own (Alembic commits only a transaction it began)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect

    context = MigrationContext.configure(conn)
    missing: list[str] = []
    if context.get_current_revision() == "0014":
        tables = set(inspect(conn).get_table_names())
        missing = [revision for revision, table in _BEFORE_0014 if table not in tables]
    if not missing:
        conn.rollback()
        return
    from alembic.operations import Operations
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    with Operations.context(context):
        for revision in missing:
            found = script.get_revision(revision)
            assert found is not None
            found.module.upgrade()
    conn.commit()
