"""`pocketcrm market set|list`: the size of the markets the owner knows, for `report market`."""

from __future__ import annotations

from typing import Annotated

import typer

from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    handle_errors,
    open_db,
    print_json,
    print_result,
    table,
)

market_app = typer.Typer(
    add_completion=False,
    help="Markets: what a market is worth or how many customers it has, for `report market`.",
    no_args_is_help=True,
)


@market_app.command("set")
@handle_errors
def set_(
    name: Annotated[str, typer.Argument(help="The market's name.", metavar="NAME")],
    size: Annotated[
        str,
        typer.Option(
            "--size", help="What it is worth a year, e.g. 2.5m or 120000 EUR.", metavar="AMOUNT"
        ),
    ] = "",
    customers: Annotated[
        int | None, typer.Option("--customers", help="How many customers it has.", metavar="N")
    ] = None,
    year: Annotated[
        int,
        typer.Option(
            "--period", help="The year the figure is for (default: every year).", metavar="YEAR"
        ),
    ] = 0,
    segment: Annotated[
        str,
        typer.Option(
            "--segment",
            help="A saved segment: our part of it is the segment's members.",
            metavar="SEGMENT",
        ),
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record what a market is worth (--size) or how many customers it has (--customers)."""
    from pocketcrm.core.analysis.market import set_market
    from pocketcrm.core.money import format_amount

    view = set_market(open_db(db), name, size=size, customers=customers, year=year, segment=segment)
    parts = []
    if view.size_cents is not None:
        parts.append(format_amount(view.size_cents, view.currency))
    if view.customers is not None:
        parts.append(f"{view.customers:,} customers")
    where = f" ({view.segment})" if view.segment else ""
    when = f" in {view.year}" if view.year else ""
    print_result(view, as_json, f"market {view.name}{where}{when}: {', '.join(parts)}")


@market_app.command("list")
@handle_errors
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The markets recorded, with their sizes."""
    from pocketcrm.core.analysis.market import list_markets
    from pocketcrm.core.money import format_amount

    markets = list_markets(open_db(db))
    if as_json:
        print_json(markets)
        return
    table(
        ["market", "segment", "year", "size", "customers"],
        [
            [
                m.name,
                m.segment,
                str(m.year or "any"),
                "" if m.size_cents is None else format_amount(m.size_cents, m.currency),
                "" if m.customers is None else f"{m.customers:,}",
            ]
            for m in markets
        ],
    )
