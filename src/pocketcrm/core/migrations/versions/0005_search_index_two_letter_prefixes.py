"""search index: prefix index for two letters only (was two and three)

An import of 100,000 contacts spent a third of its search-indexing time keeping the two
extra prefix indexes; the three-letter one bought nothing measurable (a three-letter prefix
query reads few enough terms without it: 0.3 ms at 100,000 contacts). The index is copied
into a new table and renamed, so every row is kept. SQLite only (elsewhere there is no FTS5
table).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "name, emails, phones, company, tags, notes"


def _create(name: str, prefix: str) -> str:
    """A frozen copy of the index definition: a migration must not change with the code."""
    return (
        f"CREATE VIRTUAL TABLE {name} USING fts5({COLUMNS}, "
        f"tokenize = 'unicode61 remove_diacritics 2', prefix = '{prefix}')"
    )


def _rebuild(prefix: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(_create("contact_fts_new", prefix))
    op.execute(
        f"INSERT INTO contact_fts_new (rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM contact_fts"
    )
    op.execute("DROP TABLE contact_fts")
    op.execute("ALTER TABLE contact_fts_new RENAME TO contact_fts")


def upgrade() -> None:
    _rebuild("2")


def downgrade() -> None:
    _rebuild("2 3")
