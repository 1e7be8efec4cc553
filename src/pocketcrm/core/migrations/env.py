"""Alembic environment: always handed a connection by pocketcrm.core.migrations.run_upgrade."""

from __future__ import annotations

from alembic import context

from pocketcrm.core.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by running alembic by hand
    raise SystemExit("run migrations through pocketcrm (it opens the database and backs it up)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
    # SQLite's DDL is transactional: all pending revisions commit together or not at all.
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
    if connection.dialect.name == "sqlite":
        problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"migration broke {len(problems)} foreign keys: {problems[:3]}")
