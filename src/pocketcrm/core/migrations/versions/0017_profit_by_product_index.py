"""document lines: a covering index in product order for `report profit --by product`

The report by product or category adds up every line of the period's sales. Through
ix_document_line_profit (invoice first) that was a search per sale and a sort of all the
lines for the GROUP BY (0.42 CPU-s at 400,000 lines); this index, product first, is read
once in product order with each line's invoice checked against the sales (0.18 CPU-s), and
answers the lookups by product that ix_document_line_product_id did.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_document_line_product_sales",
        "document_line",
        ["product_id", "invoice_id", "net_cents", "cost_cents"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_document_line_product_sales", table_name="document_line")
