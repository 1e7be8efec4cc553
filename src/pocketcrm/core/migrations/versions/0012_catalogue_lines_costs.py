"""catalogue, quotes, document lines and costs; invoices and orders get their totals from lines

Products and services (product), quotes (quote), the lines of quotes, orders and invoices
(document_line: the unit cost at the time of sale is kept on the line) and the costs the
business enters (cost). An invoice gains its net, tax and cost totals and where it came from
(quote_id, order_id). Every invoice and order already there becomes one line with the same
total (net = amount, no tax, no known cost): nothing lost, same totals.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _product() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("cost_cents", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("sku", name=op.f("uq_product_sku")),
        sa.UniqueConstraint("uuid", name=op.f("uq_product_uuid")),
    )
    op.create_index(op.f("ix_product_category"), "product", ["category"], unique=False)


def _quote() -> None:
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("tax_cents", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("decline_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_quote_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_quote_deal_id_deal"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
        sa.UniqueConstraint("number", name=op.f("uq_quote_number")),
        sa.UniqueConstraint("uuid", name=op.f("uq_quote_uuid")),
    )  # fmt: skip
    op.create_index(op.f("ix_quote_contact_id"), "quote", ["contact_id"], unique=False)


def _invoice_columns() -> None:
    with op.batch_alter_table("invoice") as batch:
        batch.add_column(sa.Column("net_cents", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("tax_cents", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("cost_cents", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("quote_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("order_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_invoice_quote_id_quote"),
            "quote",
            ["quote_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            batch.f("fk_invoice_order_id_invoice"),
            "invoice",
            ["order_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(batch.f("ix_invoice_order_id"), ["order_id"], unique=False)
        batch.create_index(
            "ix_invoice_profit",
            ["contact_id", "currency", "issued_on", "kind", "deleted_at", "cancelled_at",
             "net_cents", "cost_cents"],
            unique=False,
        )  # fmt: skip
    # The server defaults only filled the old rows; the models give no server default.
    with op.batch_alter_table("invoice") as batch:
        for name in ("net_cents", "tax_cents", "cost_cents"):
            batch.alter_column(name, server_default=None, existing_type=sa.Integer())  # fmt: skip


def _lines() -> None:
    op.create_table(
        "document_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("quantity_milli", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("discount_bp", sa.Integer(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("unit_cost_cents", sa.Integer(), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("tax_cents", sa.Integer(), nullable=False),
        sa.Column("cost_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_document_line_invoice_id_invoice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_document_line_product_id_product"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_document_line_quote_id_quote"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_line")),
    )  # fmt: skip
    for column in ("invoice_id", "product_id", "quote_id"):
        op.create_index(op.f(f"ix_document_line_{column}"), "document_line", [column], unique=False)
    op.create_index(
        "ix_document_line_profit", "document_line",
        ["invoice_id", "product_id", "net_cents", "cost_cents"], unique=False,
    )  # fmt: skip
    below = sa.text("net_cents < cost_cents")
    op.create_index(
        "ix_document_line_below_cost", "document_line", ["invoice_id"], unique=False,
        sqlite_where=below, postgresql_where=below,
    )  # fmt: skip


def _cost() -> None:
    op.create_table(
        "cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_cost_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_cost_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_cost_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_cost_deal_id_deal"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost")),
        sa.UniqueConstraint("uuid", name=op.f("uq_cost_uuid")),
    )  # fmt: skip
    op.create_index(op.f("ix_cost_contact_id"), "cost", ["contact_id"], unique=False)
    op.create_index(op.f("ix_cost_spent_on"), "cost", ["spent_on"], unique=False)


def _one_line_each() -> None:
    """Every invoice and order so far becomes one line of its whole amount, untaxed."""
    op.execute(
        "INSERT INTO document_line (invoice_id, position, product_id, description, unit, "
        "quantity_milli, unit_price_cents, discount_bp, tax_rate_bp, unit_cost_cents, "
        "net_cents, tax_cents, cost_cents) "
        "SELECT id, 1, NULL, CASE WHEN description = '' THEN number ELSE description END, '', "
        "1000, amount_cents, 0, 0, 0, amount_cents, 0, 0 FROM invoice"
    )
    op.execute("UPDATE invoice SET net_cents = amount_cents, tax_cents = 0, cost_cents = 0")


def upgrade() -> None:
    _product()
    _quote()
    _invoice_columns()
    _lines()
    _cost()
    _one_line_each()


def downgrade() -> None:
    for name in ("cost", "document_line"):
        op.drop_table(name)
    with op.batch_alter_table("invoice") as batch:
        batch.drop_index("ix_invoice_profit")
        batch.drop_index(batch.f("ix_invoice_order_id"))
        batch.drop_constraint(batch.f("fk_invoice_order_id_invoice"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_invoice_quote_id_quote"), type_="foreignkey")
        for name in ("order_id", "quote_id", "cost_cents", "tax_cents", "net_cents"):
            batch.drop_column(name)
    for name in ("quote", "product"):
        op.drop_table(name)
