"""customer service: support cases with their timeline and service level; mail intake

support_case holds a case (number CASE-YYYY-NNNN, contact, company, product as free text,
priority, status, assignee and department as text, due times from the service level);
case_event its timeline (replies, notes, status and assignee changes, customers' messages,
the satisfaction score); mail_message each message `mail fetch` read, by Message-ID, so a
second fetch (or one resumed after a crash) adds nothing. All new tables: existing rows are
untouched.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("product", sa.Text(), server_default="", nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("assignee", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("tags", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("first_response_due_at", sa.DateTime(), nullable=False),
        sa.Column("resolution_due_at", sa.DateTime(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Text(), server_default="", nullable=False),
        sa.Column("survey_sent_at", sa.DateTime(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("satisfaction_comment", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_support_case_company_id_company"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_support_case_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_case")),
        sa.UniqueConstraint("number", name=op.f("uq_support_case_number")),
        sa.UniqueConstraint("uuid", name=op.f("uq_support_case_uuid")),
    )
    op.create_index(op.f("ix_support_case_assignee"), "support_case", ["assignee"], unique=False)
    op.create_index(
        op.f("ix_support_case_company_id"), "support_case", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_support_case_contact_id"), "support_case", ["contact_id"], unique=False
    )
    op.create_index(
        "ix_support_case_next_due",
        "support_case",
        ["next_due_at"],
        unique=False,
        sqlite_where=sa.text("next_due_at IS NOT NULL AND deleted_at IS NULL"),
        postgresql_where=sa.text("next_due_at IS NOT NULL AND deleted_at IS NULL"),
    )
    op.create_index(
        "ix_support_case_opened", "support_case", ["created_at", "deleted_at"], unique=False
    )
    op.create_index(op.f("ix_support_case_status"), "support_case", ["status"], unique=False)
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("from_value", sa.String(), nullable=False),
        sa.Column("to_value", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_case_event_case_id_support_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interaction.id"],
            name=op.f("fk_case_event_interaction_id_interaction"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_event_message_id"), "case_event", ["message_id"], unique=False)
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("direction", sa.String(), nullable=False),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("raw", sa.Text(), server_default="", nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["support_case.id"],
            name=op.f("fk_mail_message_case_id_support_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_mail_message_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_message_message_id")),
    )
    op.create_index(op.f("ix_mail_message_status"), "mail_message", ["status"], unique=False)


def downgrade() -> None:
    for table in ("mail_message", "case_event", "support_case"):
        op.drop_table(table)
