"""indexes: create any index the schema declares that a database lacks

Migration 0002 gained ix_contact_report and ix_follow_up_report after it had shipped, so a
database upgraded to 0002 before that edit has neither while its revision says it is
current. This creates every (non-unique) index the schema declared at this revision, with
IF NOT EXISTS: where they are present nothing happens. A unique index is left to
`pocketcrm doctor`, which reports it: creating one could fail on existing duplicates.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the declared indexes (name, table, columns[, partial WHERE]): a migration
# must not change when the code does.
INDEXES: tuple[tuple[str, ...], ...] = (
    ("ix_cadence_rule_contact_id", "cadence_rule", "contact_id"),
    ("ix_campaign_recipient_campaign_id", "campaign_recipient", "campaign_id"),
    ("ix_campaign_recipient_contact_id", "campaign_recipient", "contact_id"),
    ("ix_company_name_key", "company", "name_key"),
    ("ix_company_tag_tag_id", "company_tag", "tag_id"),
    ("ix_contact_company_id", "contact", "company_id"),
    ("ix_contact_deleted_at", "contact", "deleted_at"),
    ("ix_contact_last_contact_at", "contact", "last_contact_at"),
    ("ix_contact_name_key", "contact", "name_key"),
    ("ix_contact_next_follow_up_at", "contact", "next_follow_up_at"),
    ("ix_contact_owner", "contact", "owner"),
    (
        "ix_contact_report",
        "contact",
        "stage, owner, deleted_at, created_at, last_contact_at, company_id",
    ),
    ("ix_contact_stage", "contact", "stage"),
    ("ix_contact_address_contact_id", "contact_address", "contact_id"),
    ("ix_contact_email_address_key", "contact_email", "address_key"),
    ("ix_contact_email_contact_id", "contact_email", "contact_id"),
    ("ix_contact_phone_contact_id", "contact_phone", "contact_id"),
    ("ix_contact_phone_e164", "contact_phone", "e164"),
    ("ix_contact_tag_tag_id", "contact_tag", "tag_id"),
    ("ix_contact_website_contact_id", "contact_website", "contact_id"),
    ("ix_custom_field_contact_id", "custom_field", "contact_id"),
    ("ix_deal_company_id", "deal", "company_id"),
    ("ix_deal_contact_id", "deal", "contact_id"),
    ("ix_deal_stage", "deal", "stage"),
    ("ix_deal_stage_change_deal_id", "deal_stage_change", "deal_id"),
    ("ix_external_id_contact_id", "external_id", "contact_id"),
    ("ix_follow_up_contact", "follow_up", "contact_id, done_at"),
    ("ix_follow_up_open_due", "follow_up", "due_at", "done_at IS NULL AND deleted_at IS NULL"),
    ("ix_follow_up_report", "follow_up", "deleted_at, due_at, done_at, all_day"),
    ("ix_import_change_batch_id", "import_change", "batch_id"),
    ("ix_interaction_company_id", "interaction", "company_id"),
    ("ix_interaction_contact_when", "interaction", "contact_id, occurred_at"),
    (
        "ix_interaction_report",
        "interaction",
        "occurred_at, kind, outcome, owner, satisfaction, deleted_at",
    ),
    ("ix_invoice_contact_id", "invoice", "contact_id"),
    ("ix_invoice_deal_id", "invoice", "deal_id"),
    ("ix_payment_contact_id", "payment", "contact_id"),
    ("ix_payment_invoice_id", "payment", "invoice_id"),
    ("ix_reminder_delivered_at", "reminder", "delivered_at"),
    ("ix_reminder_follow_up_id", "reminder", "follow_up_id"),
    ("ix_stage_change_contact_id", "stage_change", "contact_id"),
)


def upgrade() -> None:
    for name, table, columns, *where in INDEXES:
        partial = f" WHERE {where[0]}" if where else ""
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}){partial}")


def downgrade() -> None:
    """Nothing to undo: the indexes belong to the revisions that declared them."""
