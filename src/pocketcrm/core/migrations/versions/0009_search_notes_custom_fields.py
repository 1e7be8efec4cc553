"""search: interaction notes and custom fields are searched; one folding rule everywhere

The search index gains a column, activity: the notes of a contact's live interactions and
its custom fields' values (issue 9: "unhappy" finds the contact whose call note says
"unhappy with delivery"). Indexed text is now folded before it is stored, by the same rule
as queries and name lookup, which also folds letters NFKD leaves whole (ł, ø, æ, đ, œ, þ, ı:
issue 17, "lukasz" finds "Łukasz"). So the stored name keys of contacts and companies are
recomputed (on PostgreSQL too, where they are the search) and the index is rebuilt from the
existing rows: an old database finds its old notes. The phones column is copied from the old
index (its rule did not change).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import unicodedata
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COLUMNS = "name, emails, phones, company, tags, notes"
NEW_COLUMNS = OLD_COLUMNS + ", activity"

# Frozen copies (a migration must not change with the code); a test checks that this fold
# is still the code's `search.fold`: a new folding rule needs a new migration for the keys.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "æ": "ae",
        "đ": "d",
        "ð": "d",
        "œ": "oe",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "ĸ": "k",
    }
)


def fold(value: str) -> str:
    """The folding rule from this revision on."""
    if value.isascii():
        return " ".join(value.casefold().split())
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    if not decomposed.isascii():
        decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(
            _LETTERS
        )
    return " ".join(decomposed.split())


def fold_before(value: str) -> str:
    """The folding rule up to 0005 (for the downgrade)."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def _create(name: str, columns: str) -> str:
    return (
        f"CREATE VIRTUAL TABLE {name} USING fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2')"
    )


_SOURCE = """
SELECT c.id,
       c.display_name || ' ' || c.given_name || ' ' || c.family_name || ' ' || c.nickname,
       coalesce((SELECT group_concat(address, ' ') FROM contact_email WHERE contact_id = c.id), ''),
       coalesce(o.phones, ''),
       coalesce(co.name, ''),
       coalesce((SELECT group_concat(t.name, ' ') FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
                 WHERE ct.contact_id = c.id), ''),
       c.notes || ' ' || c.title || ' ' || c.department,
       coalesce((SELECT group_concat(i.notes, char(10)) FROM interaction i
                 WHERE i.contact_id = c.id AND i.deleted_at IS NULL AND i.notes != ''), '')
       || char(10) ||
       coalesce((SELECT group_concat(f.value, char(10)) FROM custom_field f
                 WHERE f.contact_id = c.id AND f.value != ''), '')
FROM contact c LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL
LEFT JOIN contact_fts o ON o.rowid = c.id
WHERE c.deleted_at IS NULL
"""


def _indexed(value: object) -> str:
    text = str(value or "")
    return text if text.isascii() else fold(text)


def _recompute_keys(rule: Callable[[str], str]) -> None:
    bind = op.get_bind()
    for table, source in (("contact", "display_name"), ("company", "name")):
        changed = [
            {"k": rule(str(name)), "i": int(row_id)}
            for row_id, name, key in bind.execute(
                sa.text(f"SELECT id, {source}, name_key FROM {table}")
            ).all()
            if rule(str(name)) != key
        ]
        if changed:
            bind.execute(sa.text(f"UPDATE {table} SET name_key = :k WHERE id = :i"), changed)


def upgrade() -> None:
    _recompute_keys(fold)
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(_create("contact_fts_new", NEW_COLUMNS))
    op.execute(
        "INSERT INTO contact_fts_new(contact_fts_new, rank) "
        "VALUES ('rank', 'bm25(1, 1, 1, 1, 1, 1, 0.5)')"
    )
    raw = bind.connection.driver_connection
    assert raw is not None
    reader, writer = raw.cursor(), raw.cursor()
    try:
        reader.execute(_SOURCE)
        while rows := reader.fetchmany(5000):
            writer.executemany(
                f"INSERT INTO contact_fts_new(rowid, {NEW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (r[0], _indexed(r[1]), _indexed(r[2]), r[3], *(_indexed(v) for v in r[4:]))
                    for r in rows
                ],
            )
    finally:
        writer.close()
        reader.close()
    op.execute("DROP TABLE contact_fts")
    op.execute("ALTER TABLE contact_fts_new RENAME TO contact_fts")


def downgrade() -> None:
    _recompute_keys(fold_before)
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(_create("contact_fts_old", OLD_COLUMNS))
    op.execute(
        f"INSERT INTO contact_fts_old(rowid, {OLD_COLUMNS}) SELECT rowid, {OLD_COLUMNS} "
        "FROM contact_fts"
    )
    op.execute("DROP TABLE contact_fts")
    op.execute("ALTER TABLE contact_fts_old RENAME TO contact_fts")
