"""The catalogue: products and services with a list price, a unit cost and a tax rate.

A product is found by its SKU (case-insensitive), its id or its exact name; a retired one
stays for the lines that sold it but cannot be sold again. Other areas (support cases) find
a product with `find(store, ref)`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Product
from pocketcrm.core.money import currency_code, parse_amount, plain_amount
from pocketcrm.core.services.lines import MAX_TAX_BP, parse_percent, rate_text
from pocketcrm.core.store import Store

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_ID = re.compile(r"^#?(\d{1,9})$")
CSV_COLUMNS = (
    "sku", "name", "description", "unit", "price", "currency", "cost", "tax_rate", "category",
    "retired",
)  # fmt: skip


@dataclass(frozen=True)
class ProductView:
    id: int
    uuid: str
    sku: str
    name: str
    description: str
    unit: str
    price_cents: int
    currency: str
    cost_cents: int
    tax_rate_bp: int
    category: str
    retired_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def margin_cents(self) -> int:
        return self.price_cents - self.cost_cents


@dataclass
class ProductInput:
    """What `product add` and `product edit` take; None in an edit keeps the value."""

    sku: str | None = None
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    price: str | None = None  # '45.50', '45.50 EUR'
    cost: str | None = None
    tax_rate: str | None = None  # '20%'
    category: str | None = None
    currency: str | None = None


def _view(p: Product) -> ProductView:
    assert p.id is not None
    return ProductView(
        id=p.id,
        uuid=p.uuid,
        sku=p.sku,
        name=p.name,
        description=p.description,
        unit=p.unit,
        price_cents=p.price_cents,
        currency=p.currency,
        cost_cents=p.cost_cents,
        tax_rate_bp=p.tax_rate_bp,
        category=p.category,
        retired_at=p.retired_at,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def _resolve(session: Session, ref: str) -> Product:
    cleaned = ref.strip()
    if not cleaned:
        raise NotFound("product", ref)
    key = cleaned.upper()
    found = session.exec(select(Product).where(func.upper(col(Product.sku)) == key)).first()
    if found is None and (match := _ID.match(cleaned)):
        found = session.get(Product, int(match[1]))
    if found is None:
        named = session.exec(select(Product).where(func.upper(col(Product.name)) == key)).all()
        if len(named) == 1:
            found = named[0]
    if found is None:
        raise NotFound("product", ref)
    return found


def find(store: Store, ref: str) -> ProductView:
    """A product by SKU, id or exact name (NotFound otherwise); retired ones too."""
    with store.read() as session:
        return _view(_resolve(session, ref))


def _text(value: str, field: str, limit: int) -> str:
    cleaned = " ".join(value.split()) if field != "description" else value.strip()
    if len(cleaned) > limit:
        raise Invalid(field, f"is longer than {limit} characters; shorten it")
    return cleaned


def _money(text: str, field: str, currency: str) -> tuple[int, str]:
    cents, cur = parse_amount(text, currency, field)
    if cents < 0:
        raise Invalid(field, f"{text} is negative; give 0 or more")
    return cents, cur


def _apply(product: Product, data: ProductInput, default_currency: str) -> None:
    """DATA onto PRODUCT, every field checked (the price and cost share one currency)."""
    if data.sku is not None:
        sku = data.sku.strip()
        if not _SKU.match(sku):
            raise Invalid("sku", f"{data.sku!r} is not a SKU; use letters, digits, - . _ /")
        product.sku = sku
    if data.name is not None:
        product.name = _text(data.name, "name", 200)
        if not product.name:
            raise Invalid("name", "is empty; give the product a name")
    if data.description is not None:
        product.description = _text(data.description, "description", 10_000)
    if data.unit is not None:
        product.unit = _text(data.unit, "unit", 20) or "each"
    if data.category is not None:
        product.category = _text(data.category, "category", 80)
    currency = product.currency or default_currency
    if data.currency is not None and data.currency.strip():
        currency = currency_code(data.currency)
    if data.price is not None:
        product.price_cents, currency = _money(data.price, "price", currency)
    if data.cost is not None:
        cost, cost_currency = _money(data.cost, "cost", currency)
        if cost_currency != currency:
            raise Invalid("cost", f"is in {cost_currency}, the price in {currency}; use one")
        product.cost_cents = cost
    product.currency = currency
    if data.tax_rate is not None:
        product.tax_rate_bp = parse_percent(data.tax_rate, "tax", upper_bp=MAX_TAX_BP)


def _unused_sku(session: Session, sku: str, product_id: int | None) -> None:
    taken = session.exec(
        select(Product.id).where(func.upper(col(Product.sku)) == sku.upper())
    ).first()
    if taken is not None and taken != product_id:
        raise Invalid("sku", f"{sku} is already in the catalogue; pick another SKU")


def add_product(store: Store, data: ProductInput) -> ProductView:
    """A new product or service; SKU and name are required, the rest has defaults."""
    if not (data.sku or "").strip():
        raise Invalid("sku", "is missing; give the product a SKU, e.g. WID-100")
    if not (data.name or "").strip():
        raise Invalid("name", "is missing; give the product a name")
    now = clock.now()
    product = Product(sku="", name="", created_at=now, updated_at=now)
    _apply(product, data, store.settings.currency)
    with store.write() as session:
        _unused_sku(session, product.sku, None)
        session.add(product)
        session.flush()
        return _view(product)


def edit_product(store: Store, ref: str, data: ProductInput) -> ProductView:
    """Change a product; lines already sold keep their price and cost."""
    with store.write() as session:
        product = _resolve(session, ref)
        _apply(product, data, store.settings.currency)
        _unused_sku(session, product.sku, product.id)
        product.updated_at = clock.now()
        session.flush()
        return _view(product)


def retire_product(store: Store, ref: str, *, undo: bool = False) -> ProductView:
    """Stop selling a product (undo: sell it again); nothing is deleted."""
    with store.write() as session:
        product = _resolve(session, ref)
        if not undo and product.retired_at is not None:
            raise Invalid("product", f"{product.sku} is already retired")
        product.retired_at = None if undo else clock.now()
        product.updated_at = clock.now()
        session.flush()
        return _view(product)


def list_products(
    store: Store, *, category: str = "", retired: bool = False, text: str = ""
) -> list[ProductView]:
    """The catalogue by SKU: active products, or with RETIRED every one."""
    statement = select(Product)
    if not retired:
        statement = statement.where(col(Product.retired_at).is_(None))
    if category.strip():
        statement = statement.where(func.lower(col(Product.category)) == category.strip().lower())
    if text.strip():
        like = f"%{text.strip().lower()}%"
        statement = statement.where(
            func.lower(col(Product.sku)).like(like) | func.lower(col(Product.name)).like(like)
        )
    with store.read() as session:
        return [_view(p) for p in session.exec(statement.order_by(col(Product.sku))).all()]


def categories(store: Store) -> list[str]:
    with store.read() as session:
        rows = session.exec(select(Product.category).distinct().order_by(Product.category)).all()
    return [r for r in rows if r]


# --- import and export ---


def csv_row(p: ProductView) -> list[str]:
    return [
        p.sku, p.name, p.description, p.unit, plain_amount(p.price_cents), p.currency,
        plain_amount(p.cost_cents), rate_text(p.tax_rate_bp), p.category,
        p.retired_at.isoformat() if p.retired_at else "",
    ]  # fmt: skip


def export_csv(store: Store) -> str:
    """The whole catalogue (retired too) as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(p) for p in list_products(store, retired=True))
    return out.getvalue()


def export_json(store: Store) -> str:
    """Lossless: every field, with uuid, cents, basis points and times."""
    from pocketcrm.core.readmodels import as_dict

    return json.dumps(
        {"format": "pocketcrm-catalogue", "version": 1,
         "products": as_dict(list_products(store, retired=True))},
        indent=2, ensure_ascii=False,
    )  # fmt: skip


def _from_csv(text: str) -> list[tuple[ProductInput, bool, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"sku", "name"} - set(reader.fieldnames or [])
    if missing:
        raise Invalid("file", f"the CSV has no {', '.join(sorted(missing))} column")
    rows = []
    for row in reader:

        def get(key: str, row: dict[str, str] = row) -> str:
            return (row.get(key) or "").strip()

        rows.append(
            (
                ProductInput(
                    sku=get("sku"), name=get("name"), description=get("description"),
                    unit=get("unit") or "each", price=get("price") or "0",
                    cost=get("cost") or "0", tax_rate=get("tax_rate") or "0",
                    category=get("category"), currency=get("currency"),
                ),
                bool(get("retired")),
                "",
            )
        )  # fmt: skip
    return rows


def _from_json(text: str) -> list[tuple[ProductInput, bool, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid("file", f"is not JSON ({exc.msg} at line {exc.lineno})") from None
    items = data.get("products") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise Invalid("file", "has no list of products")
    rows = []
    for item in items:
        if not isinstance(item, dict):
            raise Invalid("file", "a product is not an object")
        rows.append((_json_input(item), bool(item.get("retired_at")), str(item.get("uuid") or "")))
    return rows


def _json_input(item: dict[str, Any]) -> ProductInput:
    currency = str(item.get("currency") or "")
    return ProductInput(
        sku=str(item.get("sku") or ""),
        name=str(item.get("name") or ""),
        description=str(item.get("description") or ""),
        unit=str(item.get("unit") or "each"),
        price=plain_amount(int(item.get("price_cents") or 0)),
        cost=plain_amount(int(item.get("cost_cents") or 0)),
        tax_rate=rate_text(int(item.get("tax_rate_bp") or 0)),
        category=str(item.get("category") or ""),
        currency=currency,
    )


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def import_catalogue(store: Store, text: str, fmt: str) -> ImportResult:
    """CSV or JSON into the catalogue, all or nothing: a product whose SKU exists is
    updated, a new SKU added; any bad row refuses the whole file (naming the row)."""
    rows = _from_json(text) if fmt == "json" else _from_csv(text)
    added = updated = 0
    now = clock.now()
    with store.write() as session:
        for number, (data, retired, uuid) in enumerate(rows, 1):
            existing = session.exec(
                select(Product).where(func.upper(col(Product.sku)) == (data.sku or "").upper())
            ).first()
            product = existing or Product(sku="", name="", created_at=now, updated_at=now)
            if uuid and existing is None:
                product.uuid = uuid
            try:
                _apply(product, data, store.settings.currency)
            except Invalid as exc:
                raise Invalid(exc.field, f"row {number}: {exc.message}") from None
            product.retired_at = (product.retired_at or now) if retired else None
            product.updated_at = now
            session.add(product)
            session.flush()
            added, updated = (added, updated + 1) if existing else (added + 1, updated)
    return ImportResult(added, updated)
