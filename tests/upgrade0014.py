"""A database as the release whose chain was 0009 -> 0014 left it: 0014 run straight after
0009 and stamped, without 0010 (users), 0012 (catalogue) or 0013 (cases), which were put
before 0014 later. Shared by the SQLite and PostgreSQL upgrade tests."""

from __future__ import annotations

from typing import Any


def stamp_0014_alone(engine: Any, is_sqlite: bool) -> None:
    """Bring ENGINE's empty database to 0009, run 0014's upgrade alone and stamp it 0014."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from pocketcrm.core.migrations import alembic_config, run_upgrade

    run_upgrade(engine, is_sqlite, target="0009")
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        with Operations.context(context):
            script.get_revision("0014").module.upgrade()
        conn.exec_driver_sql("DELETE FROM alembic_version")
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0014')")
        conn.commit()
