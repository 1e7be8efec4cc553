"""reminders: remember which channels already took each reminder

A reminder sent by email whose command channel failed is retried on the next run; without
this column the retry mailed it again. `delivered_channels` holds the channel names
(comma-separated) that took it, so a retry goes only where it has not been yet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOT NULL with a server default: existing rows read '' (no channel yet), and SQLite
    # adds the column in place (ALTER TABLE ADD COLUMN), without batch mode's table copy.
    op.add_column(
        "reminder",
        sa.Column("delivered_channels", sa.Text(), server_default="", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_column("delivered_channels")
