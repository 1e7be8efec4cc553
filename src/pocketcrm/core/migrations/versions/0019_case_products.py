"""cases: a case's product refers to the catalogue

Issue 14. A case names its product from the catalogue when one matches what was typed (its
SKU or its name): `support_case.product_id` links it (set to NULL if the product is ever
deleted; a retired product keeps its cases). The free-text `product` column stays: it holds
the catalogue name when linked, and what was typed when nothing matched. Old cases keep
their text and no link (nobody chose a product for them).

On SQLite the table is copied (batch mode, as a foreign key needs); its partial next-due
index comes back with its WHERE clause (tests/core/test_upgrade_cases.py checks).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_support_case_product_id_product"),
            "product",
            ["product_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_support_case_product_id"), ["product_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("support_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_case_product_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_support_case_product_id_product"), type_="foreignkey"
        )
        batch_op.drop_column("product_id")
