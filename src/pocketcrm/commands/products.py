"""`pocketcrm product add|list|show|edit|retire|import|export`: the catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    JsonOption,
    handle_errors,
    open_db,
    print_json,
    print_list,
    print_result,
    say,
)

if TYPE_CHECKING:
    from pocketcrm.core.services.products import ProductInput, ProductView

product_app = typer.Typer(
    add_completion=False,
    help="The catalogue: products and services with a price, a cost and a tax rate.",
    no_args_is_help=True,
)
Sku = Annotated[
    str, typer.Argument(help="The product's SKU (or id, or exact name).", metavar="SKU")
]
NameOpt = Annotated[str | None, typer.Option("--name", help="What it is called.", metavar="TEXT")]
PriceOpt = Annotated[
    str | None,
    typer.Option(help="List price per unit before tax: 45.50, '45.50 EUR'.", metavar="AMOUNT"),
]
CostOpt = Annotated[str | None, typer.Option(help="What one unit costs you.", metavar="AMOUNT")]
TaxOpt = Annotated[str | None, typer.Option("--tax", help="Tax rate, e.g. 20%.", metavar="RATE")]
UnitOpt = Annotated[str | None, typer.Option(help="each, hour, day, month ...", metavar="UNIT")]
CategoryOpt = Annotated[str | None, typer.Option(help="A category to group by.", metavar="TEXT")]
DescriptionOpt = Annotated[str | None, typer.Option(help="A longer description.", metavar="TEXT")]
CurrencyOpt = Annotated[
    str | None, typer.Option(help="Currency (default: the configured one).", metavar="CODE")
]


def _money(cents: int, currency: str) -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def _input(sku: str | None, **fields: str | None) -> ProductInput:
    from pocketcrm.core.services.products import ProductInput

    return ProductInput(sku=sku, **fields)


@product_app.command("add")
@handle_errors
def add(
    sku: Sku,
    name: NameOpt = None,
    price: PriceOpt = None,
    cost: CostOpt = None,
    tax: TaxOpt = None,
    unit: UnitOpt = None,
    category: CategoryOpt = None,
    description: DescriptionOpt = None,
    currency: CurrencyOpt = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a product or service to the catalogue (SKU and --name are required)."""
    from pocketcrm.core.services import products

    data = _input(
        sku, name=name, price=price, cost=cost, tax_rate=tax, unit=unit, category=category,
        description=description, currency=currency,
    )  # fmt: skip
    view = products.add_product(open_db(db), data)
    print_result(view, as_json, f"added {view.sku} {view.name} ({view.id})")


@product_app.command("edit")
@handle_errors
def edit(
    sku: Sku,
    new_sku: Annotated[str | None, typer.Option("--sku", help="A new SKU.", metavar="SKU")] = None,
    name: NameOpt = None,
    price: PriceOpt = None,
    cost: CostOpt = None,
    tax: TaxOpt = None,
    unit: UnitOpt = None,
    category: CategoryOpt = None,
    description: DescriptionOpt = None,
    currency: CurrencyOpt = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a product; what was already sold keeps its price and cost."""
    from pocketcrm.core.services import products

    data = _input(
        new_sku, name=name, price=price, cost=cost, tax_rate=tax, unit=unit, category=category,
        description=description, currency=currency,
    )  # fmt: skip
    view = products.edit_product(open_db(db), sku, data)
    print_result(view, as_json, f"updated {view.sku} {view.name}")


@product_app.command("retire")
@handle_errors
def retire(
    sku: Sku,
    undo: Annotated[bool, typer.Option("--undo", help="Sell it again.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop selling a product; it stays for the lines that sold it (--undo sells it again)."""
    from pocketcrm.core.services import products

    view = products.retire_product(open_db(db), sku, undo=undo)
    print_result(view, as_json, f"{'reactivated' if undo else 'retired'} {view.sku} {view.name}")


def _cells(p: ProductView, as_csv: bool) -> list[object]:
    from pocketcrm.core.money import plain_amount
    from pocketcrm.core.services.lines import rate_text

    if as_csv:
        money = [plain_amount(p.price_cents), plain_amount(p.cost_cents), p.currency]
    else:
        money = [_money(p.price_cents, p.currency), _money(p.cost_cents, p.currency)]
    state = "active" if p.active else "retired"
    return [p.sku, p.name, p.category, p.unit, *money, rate_text(p.tax_rate_bp), state]


@product_app.command("list")
@handle_errors
def list_(
    category: Annotated[str, typer.Option(help="Only this category.", metavar="TEXT")] = "",
    text: Annotated[str, typer.Option("--find", help="SKU or name contains.", metavar="TEXT")] = "",
    retired: Annotated[bool, typer.Option("--retired", help="Retired ones too.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """The catalogue by SKU: price, cost and tax rate (active products unless --retired)."""
    from pocketcrm.core.services import products

    found = products.list_products(open_db(db), category=category, retired=retired, text=text)
    currency = ["currency"] if as_csv else []
    print_list(
        found,
        ["sku", "name", "category", "unit", "price", "cost", *currency, "tax", "status"],
        lambda p: _cells(p, as_csv),
        as_json=as_json,
        as_csv=as_csv,
    )


@product_app.command("show")
@handle_errors
def show(sku: Sku, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One product with its price, cost, margin and tax rate."""
    from pocketcrm.core.services import products
    from pocketcrm.core.services.lines import rate_text

    p = products.find(open_db(db), sku)
    if as_json:
        print_json(p)
        return

    def esc(text: str) -> str:
        return text.replace("[", "\\[")

    lines = [
        f"[bold]{esc(p.sku)}[/bold]  {esc(p.name)}  ({'active' if p.active else 'retired'})",
        f"price     {_money(p.price_cents, p.currency)} per {esc(p.unit)}",
        f"cost      {_money(p.cost_cents, p.currency)}",
        f"margin    {_money(p.margin_cents, p.currency)}",
        f"tax       {rate_text(p.tax_rate_bp)}",
    ]
    if p.category:
        lines.append(f"category  {esc(p.category)}")
    if p.description:
        lines += ["", esc(p.description)]
    say("\n".join(lines))


@product_app.command("export")
@handle_errors
def export(
    fmt: Annotated[
        str, typer.Option("--format", help="csv or json (lossless).", metavar="csv|json")
    ] = "json",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (default: stdout).", metavar="FILE"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export the whole catalogue (retired products too) as CSV or lossless JSON."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import products

    if fmt not in ("csv", "json"):
        raise Invalid("format", f"unknown format {fmt!r}; use csv or json")
    store = open_db(db)
    text = products.export_csv(store) if fmt == "csv" else products.export_json(store) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)


@product_app.command("import")
@handle_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A CSV or JSON catalogue.", metavar="FILE")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a catalogue (CSV or JSON), all or nothing: known SKUs are updated, new ones added."""
    from pocketcrm.core.errors import Invalid
    from pocketcrm.core.services import products

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise Invalid("file", f"cannot read {path}: {exc.strerror}") from None
    fmt = (
        "json" if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")) else "csv"
    )
    result = products.import_catalogue(open_db(db), text, fmt)
    print_result(result, as_json, f"imported: {result.added} added, {result.updated} updated")
