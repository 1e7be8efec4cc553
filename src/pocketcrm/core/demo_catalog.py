"""The demo's catalogue and sales: products, quotes, orders and invoices with lines, costs.

Called once from demo.generate with the money rows it drew: every invoice gets lines from
the catalogue (its amount and payment follow the lines), half of them come from an order
and some of those from an accepted quote; other quotes are sent, draft or declined; costs
go to customers, companies and deals. So every figure of `report profit` is non-empty,
including a product sold below cost (deep discounts on a thin-margin item).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from pocketcrm.core.models import Cost, DocumentLine, Invoice, Payment, Product, Quote
from pocketcrm.core.services.lines import line_cost, line_net, line_tax

Row = dict[str, Any]
# sku, name, unit, price, cost, tax bp, category
CATALOGUE = (
    ("BRD-01", "Sourdough loaf (case of 12)", "each", 4800, 2900, 700, "bakery"),
    ("BRD-02", "Rye bread (case of 12)", "each", 4200, 2600, 700, "bakery"),
    ("PST-01", "Pastry assortment tray", "each", 3600, 3300, 700, "bakery"),
    ("EQP-10", "Proofing cabinet", "each", 189000, 121000, 2000, "equipment"),
    ("EQP-20", "Dough mixer 20 l", "each", 96000, 64000, 2000, "equipment"),
    ("SUP-05", "Flour, organic (25 kg)", "each", 3900, 2400, 700, "supplies"),
    ("SUP-06", "Packaging set (500)", "each", 5500, 3100, 2000, "supplies"),
    ("SRV-01", "Installation", "hour", 9500, 4000, 2000, "services"),
    ("SRV-02", "Baking workshop", "day", 120000, 45000, 2000, "services"),
    ("SUB-01", "Maintenance plan", "month", 14900, 5000, 2000, "subscriptions"),
    ("SUB-02", "Recipe library access", "month", 2900, 300, 2000, "subscriptions"),
    ("OLD-01", "Bread slicer (old model)", "each", 45000, 38000, 2000, "equipment"),
)
DISCOUNTS = (0, 0, 0, 0, 0, 500, 1000, 1000, 2000)
DECLINE_REASONS = ("too expensive", "went with a competitor", "no budget this year", "timing")
COST_KINDS = (("travel", 4000, 25000), ("ads", 10000, 80000), ("discount", 2000, 15000),
              ("other", 1000, 20000))  # fmt: skip


class Draw(Protocol):
    """What demo.generate draws from (its _Draw)."""

    @property
    def rng(self) -> random.Random: ...

    @property
    def now(self) -> datetime: ...

    @property
    def next_uuid(self) -> Callable[[], str]: ...

    def moment_in_past(self) -> datetime: ...


@dataclass
class _Sales:
    quotes: list[Row]
    lines: list[Row]
    orders: list[Row]
    costs: list[Row]


def products(draw: Draw, currency: str) -> list[Row]:
    """The catalogue (the last product retired: it stays on the lines that sold it)."""
    now = draw.now
    return [
        {"id": i, "uuid": draw.next_uuid(), "sku": sku, "name": name, "description": "",
         "unit": unit, "price_cents": price, "currency": currency, "cost_cents": cost,
         "tax_rate_bp": tax, "category": category,
         "retired_at": now - timedelta(days=30) if sku.startswith("OLD") else None,
         "created_at": now - timedelta(days=400), "updated_at": now - timedelta(days=400)}
        for i, (sku, name, unit, price, cost, tax, category) in enumerate(CATALOGUE, 1)
    ]  # fmt: skip


def draw_lines(rng: random.Random, count: int, **owner: int | None) -> list[Row]:
    """COUNT lines from the catalogue (thin-margin items sometimes deeply discounted)."""
    rows = []
    for position in range(1, count + 1):
        pid = rng.randrange(len(CATALOGUE))
        sku, name, unit, price, cost, tax, _ = CATALOGUE[pid]
        qty = rng.choice((1, 1, 2, 3, 5, 12)) * 1000 if unit == "each" else rng.randint(1, 8) * 1000
        discount = rng.choice(DISCOUNTS)
        if sku.startswith("PST") and rng.random() < 0.3:
            discount = 2500  # a promotion that sells below cost
        net = line_net(qty, price, discount)
        rows.append(
            {"quote_id": None, "invoice_id": None, **owner, "position": position,
             "product_id": pid + 1, "description": name, "unit": unit, "quantity_milli": qty,
             "unit_price_cents": price, "discount_bp": discount, "tax_rate_bp": tax,
             "unit_cost_cents": cost, "net_cents": net, "tax_cents": line_tax(net, tax),
             "cost_cents": line_cost(qty, cost)}
        )  # fmt: skip
    return rows


def _totals(lines: list[Row]) -> dict[str, int]:
    net = sum(int(r["net_cents"]) for r in lines)
    tax = sum(int(r["tax_cents"]) for r in lines)
    return {"net_cents": net, "tax_cents": tax, "cost_cents": sum(int(r["cost_cents"]) for r in lines),
            "amount_cents": net + tax}  # fmt: skip


def _quote(draw: Draw, sales: _Sales, invoice: Row, status: str, lines: list[Row]) -> int:
    quote_id = len(sales.quotes) + 1
    sums = _totals(lines)
    sums.pop("cost_cents")  # a quote keeps its costs on its lines
    issued: date = invoice["issued_on"] - timedelta(days=draw.rng.randint(3, 20))
    decided = datetime.combine(issued + timedelta(days=2), datetime.min.time(), draw.now.tzinfo)
    sales.quotes.append(
        {"id": quote_id, "uuid": draw.next_uuid(), "number": f"QUO-{issued.year}-{quote_id:04d}",
         "contact_id": invoice["contact_id"], "deal_id": None, "status": status,
         "currency": invoice["currency"], "issued_on": issued,
         "valid_until": issued + timedelta(days=30), **sums, "notes": "",
         "decline_reason": draw.rng.choice(DECLINE_REASONS) if status == "declined" else "",
         "owner": "", "sent_at": decided if status != "draft" else None,
         "decided_at": decided if status in ("accepted", "declined") else None,
         "created_at": decided, "updated_at": decided, "deleted_at": None}
    )  # fmt: skip
    sales.lines += [{**line, "quote_id": quote_id, "invoice_id": None} for line in lines]
    return quote_id


def _sell(
    draw: Draw, sales: _Sales, invoice: Row, payments: dict[int, list[Row]], next_id: int
) -> int:
    """INVOICE gets lines; half come from an order (some of those from a quote). Returns the
    next free invoice id."""
    rng = draw.rng
    lines = draw_lines(rng, rng.randint(1, 4))
    invoice.update(_totals(lines), quote_id=None, order_id=None)
    for payment in payments.get(int(invoice["id"]), []):
        payment["amount_cents"] = invoice["amount_cents"]
    sales.lines += [{**line, "invoice_id": invoice["id"]} for line in lines]
    if rng.random() < 0.5:
        return next_id
    quote_id = _quote(draw, sales, invoice, "accepted", lines) if rng.random() < 0.5 else None
    order = {**invoice, "id": next_id, "uuid": draw.next_uuid(), "kind": "order", "due_on": None,
             "number": invoice["number"].replace("INV-", "ORD-"), "quote_id": quote_id,
             "description": "Order"}  # fmt: skip
    sales.orders.append(order)
    sales.lines += [{**line, "invoice_id": next_id} for line in lines]
    invoice.update(order_id=next_id, quote_id=quote_id)
    if rng.random() < 0.2:
        _quote(draw, sales, invoice, rng.choice(("declined", "sent", "draft")), draw_lines(rng, 2))
    return next_id + 1


def _costs(draw: Draw, contact_rows: list[Row], deals: list[Row], currency: str) -> list[Row]:
    rng, rows = draw.rng, []
    for row in contact_rows:
        if rng.random() >= 0.06:
            continue
        kind, low, high = rng.choice(COST_KINDS)
        target = rng.choice(("contact", "contact", "company", "deal"))
        links = {"contact_id": row["id"], "company_id": None, "campaign_id": None, "deal_id": None}
        if target == "company" and row.get("company_id"):
            links.update(contact_id=None, company_id=row["company_id"])
        elif target == "deal" and deals:
            links.update(contact_id=None, deal_id=rng.choice(deals)["id"])
        spent = draw.moment_in_past()
        rows.append({"uuid": draw.next_uuid(), "amount_cents": rng.randrange(low, high), "currency": currency,
                     "kind": kind, "spent_on": spent.date(), **links, "notes": "", "created_by": "",
                     "created_at": spent, "deleted_at": None})  # fmt: skip
    return rows


def with_sales(
    draw: Draw, money: list[tuple[Any, list[Row]]], contact_rows: list[Row], currency: str
) -> list[tuple[Any, list[Row]]]:
    """MONEY (deals, invoices, payments as drawn) with the catalogue, lines, quotes, orders
    and costs added, in the order they must be written."""
    tables = dict((table.__tablename__, rows) for table, rows in money)
    invoices, deals = tables["invoice"], tables["deal"]
    payments: dict[int, list[Row]] = {}
    for payment in tables["payment"]:
        payments.setdefault(int(payment["invoice_id"]), []).append(payment)
    sales = _Sales([], [], [], [])
    next_id = len(invoices) + 1
    for invoice in invoices:
        next_id = _sell(draw, sales, invoice, payments, next_id)
    orders_first = [{**o, "order_id": None} for o in sales.orders]
    return [
        (Product, products(draw, currency)),
        *[(t, rows) for t, rows in money if t is not Invoice and t is not Payment],
        (Quote, sales.quotes),
        (Invoice, orders_first + invoices),
        (Payment, tables["payment"]),
        (DocumentLine, sales.lines),
        (Cost, _costs(draw, contact_rows, deals, currency)),
    ]


def bulk_orders(
    draw: Draw, contact_ids: list[int], orders: int, lines_each: int, currency: str
) -> list[tuple[Any, list[Row]]]:
    """For the benchmark: ORDERS orders of LINES_EACH lines for random contacts, no quotes."""
    rng = draw.rng
    rows, lines = [], []
    for index in range(1, orders + 1):
        issued = draw.moment_in_past()
        order_lines = draw_lines(rng, lines_each, invoice_id=index)
        rows.append({"id": index, "uuid": draw.next_uuid(), "number": f"ORD-B-{index:07d}", "kind": "order",
                     "contact_id": rng.choice(contact_ids), "deal_id": None, "issued_on": issued.date(),
                     "due_on": None, **_totals(order_lines), "currency": currency, "description": "",
                     "cancelled_at": None, "cancel_reason": "", "created_at": issued, "updated_at": issued,
                     "deleted_at": None, "quote_id": None, "order_id": None})  # fmt: skip
        lines += order_lines
    return [(Product, products(draw, currency)), (Invoice, rows), (DocumentLine, lines)]
