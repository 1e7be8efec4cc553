"""The catalogue, quotes and costs in pocketcrm's JSON (issue 12), read from the database.

The "products" section comes before the contacts (a line names its product by SKU), the
quotes ride in their contact's record beside the invoices (each with its lines, an invoice
names its quote by uuid), and the "costs" section comes after the contacts (a cost names
the contact, company, deal or campaign it was for by uuid). Amounts are integer cents,
rates basis points, quantities thousandths: what the tables hold, so nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core.sql import id_list
from pocketcrm.core.transfer.jsonfmt import Record, day, iso

PRODUCT_FIELDS = (
    "uuid", "sku", "name", "description", "unit", "price_cents", "currency", "cost_cents",
    "tax_rate_bp", "category",
)  # fmt: skip
PRODUCT_TIMES = ("retired_at", "created_at", "updated_at")
LINE_FIELDS = (
    "position", "sku", "description", "unit", "quantity_milli", "unit_price_cents",
    "discount_bp", "tax_rate_bp", "unit_cost_cents", "net_cents", "tax_cents", "cost_cents",
)  # fmt: skip
QUOTE_COLUMNS = (
    "contact_id, uuid, number, deal_id, status, currency, issued_on, valid_until, net_cents, "
    "tax_cents, amount_cents, notes, decline_reason, owner, sent_at, decided_at, created_at, "
    "updated_at, deleted_at, id"
)


def _rows(session: Session, sql: str) -> list[Any]:
    return list(session.execute(text(sql)).all())


def product_records(session: Session) -> list[Record]:
    """The whole catalogue, retired products too (old lines name them), by SKU."""
    columns = ", ".join(PRODUCT_FIELDS + PRODUCT_TIMES)
    return [
        {
            **dict(zip(PRODUCT_FIELDS, r[: len(PRODUCT_FIELDS)], strict=True)),
            **{k: iso(v) for k, v in zip(PRODUCT_TIMES, r[len(PRODUCT_FIELDS) :], strict=True)},
        }
        for r in _rows(session, f"SELECT {columns} FROM product ORDER BY sku")
    ]


def lines_of(session: Session, column: str, ids: Sequence[int]) -> dict[int, list[Any]]:
    """The lines of these quotes (column quote_id) or invoices (invoice_id), by document id,
    in order, each with its product's SKU."""
    found: dict[int, list[Any]] = {}
    if not ids:
        return found
    for r in _rows(
        session,
        f"SELECT l.{column}, l.position, p.sku, l.description, l.unit, l.quantity_milli, "
        "l.unit_price_cents, l.discount_bp, l.tax_rate_bp, l.unit_cost_cents, l.net_cents, "
        "l.tax_cents, l.cost_cents FROM document_line l LEFT JOIN product p ON p.id = "
        f"l.product_id WHERE l.{column} IN ({id_list(sorted(ids))}) "
        f"ORDER BY l.{column}, l.position, l.id",
    ):
        found.setdefault(int(r[0]), []).append(r)
    return found


def line_records(rows: Sequence[Any]) -> list[Record]:
    return [dict(zip(LINE_FIELDS, line[1:], strict=True)) for line in rows]


def quote_rows(session: Session, m: str) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """The quotes of a chunk of contacts (M: their ids) by contact, and their lines by quote."""
    quotes: dict[int, list[Any]] = {}
    for r in _rows(
        session, f"SELECT {QUOTE_COLUMNS} FROM quote WHERE contact_id IN ({m}) ORDER BY id"
    ):
        quotes.setdefault(int(r[0]), []).append(r)
    ids = [int(r[19]) for rs in quotes.values() for r in rs]
    return quotes, lines_of(session, "quote_id", ids)


def quote_records(
    quotes: Sequence[Any], lines: dict[int, list[Any]], deal_uuid: Callable[[object], str | None]
) -> list[Record]:
    return [
        {
            "uuid": q[1], "number": q[2], "deal": deal_uuid(q[3]), "status": q[4],
            "currency": q[5], "issued_on": day(q[6]), "valid_until": day(q[7]),
            "net_cents": q[8], "tax_cents": q[9], "amount_cents": q[10], "notes": q[11],
            "decline_reason": q[12], "owner": q[13], "sent_at": iso(q[14]),
            "decided_at": iso(q[15]), "created_at": iso(q[16]), "updated_at": iso(q[17]),
            "deleted_at": iso(q[18]), "lines": line_records(lines.get(int(q[19]), ())),
        }
        for q in quotes
    ]  # fmt: skip


def cost_records(session: Session) -> list[Record]:
    """Every cost, its target named by uuid (a trashed one too: the trash keeps it)."""
    rows = _rows(
        session,
        "SELECT c.uuid, c.amount_cents, c.currency, c.kind, c.spent_on, ct.uuid, co.uuid, "
        "ca.uuid, d.uuid, c.notes, c.created_by, c.created_at, c.deleted_at FROM cost c "
        "LEFT JOIN contact ct ON ct.id = c.contact_id LEFT JOIN company co ON co.id = "
        "c.company_id LEFT JOIN campaign ca ON ca.id = c.campaign_id LEFT JOIN deal d ON "
        "d.id = c.deal_id ORDER BY c.id",
    )
    return [
        {
            "uuid": r[0], "amount_cents": r[1], "currency": r[2], "kind": r[3],
            "spent_on": day(r[4]), "contact": r[5], "company": r[6], "campaign": r[7],
            "deal": r[8], "notes": r[9], "created_by": r[10], "created_at": iso(r[11]),
            "deleted_at": iso(r[12]),
        }
        for r in rows
    ]  # fmt: skip
