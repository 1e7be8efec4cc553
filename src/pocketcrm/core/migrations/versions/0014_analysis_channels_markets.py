"""analysis: interaction channel, the other party's number, a dissatisfaction reason; markets

Issue 13. Every interaction gets the channel it came through (phone, email, meeting, web
form, walk-in, referral, social, other), the other party's number in E.164 (where calls
come from) and, with a low score, the reason given. Existing rows get the channel their
kind implies (a call or text: phone, an email: email, a meeting: meeting, a note: other);
their numbers stay empty (nobody recorded them). A new table holds the market sizes the
owner knows (`pocketcrm market set`), one row a market, segment and year.

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the kind -> channel rule (core/analysis/channels.py holds the code's).
_CHANNEL_OF_KIND = {
    "call": "phone",
    "sms": "phone",
    "email": "email",
    "meeting": "meeting",
    "note": "other",
}


def upgrade() -> None:
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        for name in ("channel", "number", "reason"):
            batch_op.add_column(sa.Column(name, sa.Text(), server_default="", nullable=False))
        batch_op.create_index(
            "ix_interaction_calls",
            ["occurred_at", "kind", "direction", "channel", "owner", "outcome", "deleted_at"],
            unique=False,
        )
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        # The rated interactions alone (report satisfaction, report factors): a year of a
        # million interactions holds a few per cent of them.
        batch_op.create_index(
            "ix_interaction_rated",
            ["occurred_at", "contact_id", "satisfaction", "owner", "channel", "reason"],
            unique=False,
            sqlite_where=sa.text("satisfaction IS NOT NULL AND deleted_at IS NULL"),
            postgresql_where=sa.text("satisfaction IS NOT NULL AND deleted_at IS NULL"),
        )
        # Who dealt with each contact (report factors: several owners), read from the index.
        batch_op.create_index(
            "ix_interaction_contact_owner", ["contact_id", "owner", "deleted_at"], unique=False
        )
    interaction = sa.table("interaction", sa.column("kind", sa.Text), sa.column("channel", sa.Text))
    for kind, channel in _CHANNEL_OF_KIND.items():
        op.execute(interaction.update().where(interaction.c.kind == kind).values(channel=channel))
    op.create_table(
        "market",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("segment", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("size_cents", sa.BigInteger(), nullable=True),
        sa.Column("customers", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market")),
        sa.UniqueConstraint("name", "segment", "year", name="uq_market_name_segment_year"),
    )


def downgrade() -> None:
    op.drop_table("market")
    with op.batch_alter_table("interaction", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_contact_owner")
        batch_op.drop_index("ix_interaction_rated")
        batch_op.drop_index("ix_interaction_calls")
        for name in ("reason", "number", "channel"):
            batch_op.drop_column(name)
