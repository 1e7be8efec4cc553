"""contacts: alternate values an import did not keep

When an import meets a stored contact and the file's value of a field differs (a flattened
spelling of a name, an older title), one value is kept and the other is recorded here, with
the file and the import batch it came from, so nothing is lost and the card can show both.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_alternate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_alternate_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_contact_alternate_batch_id_import_batch"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_alternate")),
    )
    with op.batch_alter_table("contact_alternate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_alternate_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_alternate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_alternate_contact_id"))
    op.drop_table("contact_alternate")
