"""The migrations build exactly the schema models.py declares (no drift in either)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pocketcrm.core.models import metadata
from pocketcrm.core.store import open_store


def test_migrated_schema_equals_the_models(tmp_path: Path) -> None:
    store = open_store(tmp_path / "crm.db")
    try:
        with store.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        store.close()
    # The FTS5 index and its shadow tables live outside the models on purpose (search.py).
    assert [d for d in differences if "contact_fts" not in str(d)] == []
