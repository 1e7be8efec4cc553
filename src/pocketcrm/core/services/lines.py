"""The lines of quotes, orders and invoices: how a typed line is read and what it comes to.

One rule for every document: a line's net is quantity x unit price less the discount, its
tax is the net x the tax rate, each rounded half up to the cent on the line; a document's
totals are the sums of its lines (so the PDF, the CLI and the report always agree). The
unit cost at the time of sale is kept on the line. Quantities are thousandths, rates and
discounts basis points (2000 is 20 %), money integer cents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid
from pocketcrm.core.money import format_amount, parse_amount

if TYPE_CHECKING:  # the models (~0.45 s) load only where a line is resolved or stored
    from sqlmodel import Session

    from pocketcrm.core.models import Product

MAX_TAX_BP = 10_000  # a tax rate runs from 0 to 100 %
MAX_QUANTITY_MILLI = 10**12
_UNITS = {
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "mo": "month", "month": "month", "months": "month",
    "pc": "each", "pcs": "each", "each": "each",
}  # fmt: skip
_QUANTITY = re.compile(
    r"^(?:[x×](?P<x>-?\d+(?:\.\d{1,3})?)|(?P<n>-?\d+(?:\.\d{1,3})?)(?P<unit>[a-z]+)|"
    r"(?P<times>-?\d+(?:\.\d{1,3})?)[x×])$",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"^(?P<sign>[-+]?)(?P<n>\d+(?:\.\d{1,2})?)%?$")
_HINT = "write e.g. 'WID-100 x3', 'Consulting 2h @ 90', 'WID-100 x2 -10% tax 20%'"


@dataclass(frozen=True)
class LineSpec:
    """A line as typed, before the catalogue is consulted."""

    item: str  # a SKU, a product name, or free text
    quantity_milli: int
    unit: str
    price: str  # '' takes the catalogue's price
    discount_bp: int
    tax_rate_bp: int | None  # None takes the product's rate (0 for free text)


@dataclass(frozen=True)
class LineView:
    position: int
    product_id: int | None
    sku: str
    description: str
    unit: str
    quantity_milli: int
    unit_price_cents: int
    discount_bp: int
    tax_rate_bp: int
    unit_cost_cents: int
    net_cents: int
    tax_cents: int
    cost_cents: int

    @property
    def gross_cents(self) -> int:
        return self.net_cents + self.tax_cents

    @property
    def quantity(self) -> str:
        return quantity_text(self.quantity_milli)


@dataclass(frozen=True)
class Totals:
    net_cents: int
    tax_cents: int
    cost_cents: int

    @property
    def gross_cents(self) -> int:
        return self.net_cents + self.tax_cents


@dataclass(frozen=True)
class TaxBand:
    """One row of a tax breakdown: the lines at one rate."""

    rate_bp: int
    net_cents: int
    tax_cents: int


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers only."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    q, r = divmod(abs(numerator), abs(denominator))
    return sign * (q + (1 if 2 * r >= abs(denominator) else 0))


def line_net(quantity_milli: int, unit_price_cents: int, discount_bp: int) -> int:
    """Quantity x price less the discount, to the cent."""
    return _round_div(quantity_milli * unit_price_cents * (10_000 - discount_bp), 1000 * 10_000)


def line_tax(net_cents: int, tax_rate_bp: int) -> int:
    return _round_div(net_cents * tax_rate_bp, 10_000)


def line_cost(quantity_milli: int, unit_cost_cents: int) -> int:
    return _round_div(quantity_milli * unit_cost_cents, 1000)


def totals(lines: Iterable[LineView]) -> Totals:
    net = tax = cost = 0
    for line in lines:
        net, tax, cost = net + line.net_cents, tax + line.tax_cents, cost + line.cost_cents
    return Totals(net, tax, cost)


def tax_bands(lines: Iterable[LineView]) -> list[TaxBand]:
    """The tax breakdown: net and tax per rate, lowest rate first."""
    bands: dict[int, tuple[int, int]] = {}
    for line in lines:
        net, tax = bands.get(line.tax_rate_bp, (0, 0))
        bands[line.tax_rate_bp] = (net + line.net_cents, tax + line.tax_cents)
    return [TaxBand(rate, net, tax) for rate, (net, tax) in sorted(bands.items())]


def quantity_text(milli: int) -> str:
    """1500 -> '1.5', 3000 -> '3'."""
    whole, frac = divmod(milli, 1000)
    return f"{whole}" if not frac else f"{whole}.{frac:03d}".rstrip("0")


def rate_text(bp: int) -> str:
    """2000 -> '20%', 770 -> '7.7%'."""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"


def parse_percent(text: str, field: str, *, upper_bp: int = 10_000) -> int:
    """'20%', '20' or '7.5%' -> basis points; refused below 0 or above UPPER_BP."""
    match = _PERCENT.match(text.strip())
    if not match:
        raise Invalid(field, f"{text!r} is not a percentage; write e.g. 20% or 7.5%")
    whole, _, frac = match["n"].partition(".")
    bp = int(whole) * 100 + int(frac.ljust(2, "0"))
    if match["sign"] == "-" or bp > upper_bp:
        raise Invalid(field, f"{text} is out of range; give 0% to {rate_text(upper_bp)}")
    return bp


def parse_quantity(text: str) -> tuple[int, str]:
    """'x3' -> (3000, ''), '2h' -> (2000, 'hour'), '1.5days' -> (1500, 'day')."""
    match = _QUANTITY.match(text.strip())
    if not match:
        raise Invalid("quantity", f"{text!r} is not a quantity; write e.g. x3 or 2h")
    number = match["x"] or match["n"] or match["times"]
    unit = ""
    if match["unit"]:
        unit = _UNITS.get(match["unit"].lower(), "")
        if not unit:
            raise Invalid("quantity", f"unknown unit in {text!r}; use h, d, mo, pcs or x3")
    whole, _, frac = number.lstrip("-").partition(".")
    milli = int(whole) * 1000 + int(frac.ljust(3, "0"))
    if number.startswith("-") or milli == 0:
        raise Invalid("quantity", f"{text} must be more than zero")
    if milli > MAX_QUANTITY_MILLI:
        raise Invalid("quantity", f"{text} is too large")
    return milli, unit


def _take_tail(words: list[str]) -> tuple[str, int, int | None]:
    """Peel '@ PRICE', '-N%' and 'tax N%' off the end of WORDS (in any order)."""
    price, discount, tax = "", 0, None
    while words:
        if len(words) >= 2 and words[-2].lower() == "tax":
            tax = parse_percent(words[-1], "tax", upper_bp=MAX_TAX_BP)
            del words[-2:]
        elif words[-1].endswith("%") and words[-1][:1] in "-+":
            discount = parse_percent(words[-1].lstrip("-"), "discount")
            if words[-1].startswith("+"):
                raise Invalid("discount", f"{words[-1]} is not a discount; write e.g. -10%")
            del words[-1]
        elif "@" in words:
            at = len(words) - 1 - words[::-1].index("@")
            price = " ".join(words[at + 1 :])
            if not price:
                raise Invalid("price", f"nothing after '@'; {_HINT}")
            del words[at:]
        else:
            break
    return price, discount, tax


def parse_line(text: str) -> LineSpec:
    """'SKU x3', 'Consulting 2h @ 90', 'SKU x2 @ 45.50 -10% tax 20%' -> a LineSpec.

    No quantity means one; no price means the catalogue's (so the item must be a product)."""
    cleaned = text.replace("@", " @ ").split()
    if not cleaned:
        raise Invalid("line", f"is empty; {_HINT}")
    price, discount, tax = _take_tail(cleaned)
    quantity, unit = 1000, ""
    if len(cleaned) >= 2 and _QUANTITY.match(cleaned[-1]):
        quantity, unit = parse_quantity(cleaned.pop())
    elif len(cleaned) >= 2 and re.match(r"^[x×]?-\d", cleaned[-1]):
        raise Invalid("quantity", f"{cleaned[-1]} must be more than zero")
    item = " ".join(cleaned)
    if not item:
        raise Invalid("line", f"{text!r} names nothing to sell; {_HINT}")
    return LineSpec(item, quantity, unit, price, discount, tax)


def find_product(session: Session, item: str) -> Product | None:
    """The product a line names: its SKU, else its exact name (case-insensitive)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from pocketcrm.core.models import Product

    key = item.strip().upper()
    found = session.exec(select(Product).where(func.upper(col(Product.sku)) == key)).first()
    if found is None:
        found = session.exec(select(Product).where(func.upper(col(Product.name)) == key)).first()
    return found


def _price(spec: LineSpec, currency: str) -> int:
    cents, cur = parse_amount(spec.price, currency, "price")
    if cur != currency:
        raise Invalid(
            "currency", f"the line {spec.item!r} is in {cur}, the document in {currency}; "
            f"give the price in {currency}",
        )  # fmt: skip
    if cents < 0:
        raise Invalid("price", f"{spec.price} is negative; a reduction is a discount, e.g. -10%")
    return cents


def resolve(session: Session, spec: LineSpec, position: int, currency: str) -> LineView:
    """SPEC against the catalogue: prices, rate and today's cost from the product, or a free
    text line (which must have a price). Every refusal names its field."""
    product = find_product(session, spec.item)
    if product is None and not spec.price:
        raise Invalid(
            "line", f"unknown SKU {spec.item!r}; see `pocketcrm product list`, or give a price "
            f"for a free-text line ('{spec.item} @ 90')",
        )  # fmt: skip
    if product is not None and product.retired_at is not None:
        raise Invalid("line", f"{product.sku} is retired; it is sold no more")
    if product is not None and product.currency != currency:
        raise Invalid(
            "currency", f"{product.sku} is priced in {product.currency}, the document in "
            f"{currency}; make the document in {product.currency} (--currency)",
        )  # fmt: skip
    price = _price(spec, currency) if spec.price else (product.price_cents if product else 0)
    rate = spec.tax_rate_bp if spec.tax_rate_bp is not None else (
        product.tax_rate_bp if product else 0
    )  # fmt: skip
    unit_cost = product.cost_cents if product else 0
    net = line_net(spec.quantity_milli, price, spec.discount_bp)
    return LineView(
        position=position,
        product_id=product.id if product else None,
        sku=product.sku if product else "",
        description=product.name if product else spec.item,
        unit=spec.unit or (product.unit if product else ""),
        quantity_milli=spec.quantity_milli,
        unit_price_cents=price,
        discount_bp=spec.discount_bp,
        tax_rate_bp=rate,
        unit_cost_cents=unit_cost,
        net_cents=net,
        tax_cents=line_tax(net, rate),
        cost_cents=line_cost(spec.quantity_milli, unit_cost),
    )


def resolve_all(session: Session, texts: Sequence[str], currency: str) -> list[LineView]:
    """Every typed line, checked before anything is written; at least one."""
    if not texts:
        raise Invalid("line", f"give at least one --line; {_HINT}")
    return [resolve(session, parse_line(t), i, currency) for i, t in enumerate(texts, 1)]


def store_lines(
    session: Session,
    lines: Iterable[LineView],
    *,
    quote_id: int | None = None,
    invoice_id: int | None = None,
) -> None:
    from pocketcrm.core.models import DocumentLine

    for line in lines:
        session.add(
            DocumentLine(
                quote_id=quote_id,
                invoice_id=invoice_id,
                position=line.position,
                product_id=line.product_id,
                description=line.description,
                unit=line.unit,
                quantity_milli=line.quantity_milli,
                unit_price_cents=line.unit_price_cents,
                discount_bp=line.discount_bp,
                tax_rate_bp=line.tax_rate_bp,
                unit_cost_cents=line.unit_cost_cents,
                net_cents=line.net_cents,
                tax_cents=line.tax_cents,
                cost_cents=line.cost_cents,
            )
        )


LINE_COLUMNS = (
    "l.position, l.product_id, coalesce(p.sku, ''), l.description, l.unit, l.quantity_milli, "
    "l.unit_price_cents, l.discount_bp, l.tax_rate_bp, l.unit_cost_cents, l.net_cents, "
    "l.tax_cents, l.cost_cents"
)  # LineView's fields, in order


def load_lines(
    session: Db, *, quote_id: int | None = None, invoice_id: int | None = None
) -> list[LineView]:
    """The lines of one quote or one invoice/order, in order, with their SKUs. Plain SQL, so
    the plain path (an invoice's PDF) reads them without the models."""
    session.flush()  # lines added in this unit of work are read back too
    column, value = ("quote_id", quote_id) if quote_id is not None else ("invoice_id", invoice_id)
    rows = session.run(
        f"SELECT {LINE_COLUMNS} FROM document_line l LEFT JOIN product p ON p.id = l.product_id "
        f"WHERE l.{column} = :id ORDER BY l.position, l.id",
        {"id": value},
    ).all()
    return [LineView(*row) for row in rows]


def single_line(description: str, amount_cents: int) -> LineView:
    """An amount billed without lines: one untaxed line of that amount, cost unknown (0)."""
    return LineView(1, None, "", description, "", 1000, amount_cents, 0, 0, 0, amount_cents, 0, 0)


def with_cost(line: LineView, unit_cost_cents: int) -> LineView:
    """LINE at another unit cost (an order takes today's cost of a quoted product)."""
    from dataclasses import replace

    return replace(
        line,
        unit_cost_cents=unit_cost_cents,
        cost_cents=line_cost(line.quantity_milli, unit_cost_cents),
    )


def describe(line: LineView, currency: str) -> str:
    """'3 x WID-100 Widget @ 45.00 EUR -10% (tax 20%)': one line for a terminal."""
    what = f"{line.sku} {line.description}".strip() if line.sku else line.description
    unit = f" {line.unit}" if line.unit and line.unit != "each" else ""
    off = f" -{rate_text(line.discount_bp)}" if line.discount_bp else ""
    return (
        f"{line.quantity}{unit} x {what} @ {format_amount(line.unit_price_cents, currency)}"
        f"{off} (tax {rate_text(line.tax_rate_bp)})"
    )
