"""journal: who changed what, field by field, on every customer-facing table

One row per changed record: when, who, which face, the table and row, the contact it is
about, and each changed field's value before and after (JSON: {"field": [before, after]}).

On PostgreSQL the rows are written by triggers created here, so a change made with psql is
journaled too: who is `current_user` (the login, which a client cannot spoof), the face comes
from the session setting `pocketcrm.face` ('sql' when unset), the transaction from
txid_current(). On SQLite the same rows come from TEMP triggers that core/journal.py creates
on each of pocketcrm's own connections (a plain sqlite3 shell keeps working unjournaled
rather than failing on a function only pocketcrm registers).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies (a migration must not change when the code does).
TABLES = (
    "contact",
    "company",
    "deal",
    "invoice",
    "payment",
    "interaction",
    "follow_up",
    "contact_tag",
    "stage_change",
    "contact_email",
    "contact_phone",
    "contact_address",
    "contact_website",
    "custom_field",
)
SKIPPED = (
    "updated_at",
    "name_key",
    "address_key",
    "e164",
    "valid",
    "last_contact_at",
    "next_follow_up_at",
    "next_follow_up_date",
    "notified_at",
)

_FUNCTION = """
CREATE OR REPLACE FUNCTION pocketcrm_journal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  skip text[] := ARRAY[%(skip)s];
  old_row jsonb;
  new_row jsonb;
  diff jsonb;
  rec jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    rec := to_jsonb(NEW);
    SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(NULL, value)), '{}'::jsonb) INTO diff
      FROM jsonb_each(rec - skip) WHERE value NOT IN ('null'::jsonb, '""'::jsonb);
  ELSIF TG_OP = 'DELETE' THEN
    rec := to_jsonb(OLD);
    SELECT jsonb_object_agg(key, jsonb_build_array(value, NULL)) INTO diff
      FROM jsonb_each(rec - skip);
  ELSE
    old_row := to_jsonb(OLD) - skip;
    rec := to_jsonb(NEW);
    new_row := rec - skip;
    SELECT jsonb_object_agg(key, jsonb_build_array(old_row -> key, value)) INTO diff
      FROM jsonb_each(new_row) WHERE (old_row -> key) IS DISTINCT FROM value;
    IF diff IS NULL THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_TABLE_NAME = 'contact_tag' THEN
    diff := diff || jsonb_build_object('tag', jsonb_build_array(
      CASE WHEN TG_OP = 'DELETE' THEN (SELECT name FROM tag WHERE id = (rec ->> 'tag_id')::bigint) END,
      CASE WHEN TG_OP = 'INSERT' THEN (SELECT name FROM tag WHERE id = (rec ->> 'tag_id')::bigint) END));
  END IF;
  INSERT INTO journal(at, txn, actor, face, tbl, row_id, row_uuid, contact_id, action, changes)
  VALUES (
    now() AT TIME ZONE 'UTC',
    txid_current(),
    current_user,
    coalesce(nullif(current_setting('pocketcrm.face', true), ''), 'sql'),
    TG_TABLE_NAME,
    CASE WHEN TG_TABLE_NAME = 'contact_tag' THEN (rec ->> 'tag_id')::bigint
         ELSE (rec ->> 'id')::bigint END,
    coalesce(rec ->> 'uuid', ''),
    CASE WHEN TG_TABLE_NAME = 'contact' THEN (rec ->> 'id')::bigint
         ELSE (rec ->> 'contact_id')::bigint END,
    lower(TG_OP),
    diff::text
  );
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("txn", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False, server_default=""),
        sa.Column("face", sa.String(), nullable=False, server_default=""),
        sa.Column("tbl", sa.String(), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=True),
        sa.Column("row_uuid", sa.String(), nullable=False, server_default=""),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("undone_txn", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal")),
    )
    op.create_index("ix_journal_contact", "journal", ["contact_id", "id"])
    op.create_index("ix_journal_row", "journal", ["tbl", "row_id"])
    op.create_index("ix_journal_txn", "journal", ["txn"])
    if op.get_bind().dialect.name == "sqlite":
        return  # TEMP triggers per connection: see core/journal.py
    skip = ", ".join(f"'{name}'" for name in SKIPPED)
    op.execute(_FUNCTION % {"skip": skip})
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER journal_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pocketcrm_journal()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS journal_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS pocketcrm_journal()")
    for name in ("ix_journal_txn", "ix_journal_row"):
        op.drop_index(name, "journal")
    op.drop_index("ix_journal_contact", "journal")
    op.drop_table("journal")
