"""`pocketcrm report profit`: revenue, cost, margin and lifetime value, grouped as asked."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    CsvOption,
    DbOption,
    JsonOption,
    handle_errors,
    local,
    open_db,
    say,
    table,
)
from pocketcrm.commands.reportkit import BAR_WIDTH, UntilOption, moments

if TYPE_CHECKING:
    from pocketcrm.core.services.profit import Profit, ProfitRow

BY_HELP = "customer, company, product, category, user, department, segment or source."
SinceOption = Annotated[
    str,
    typer.Option(help="Start (WHEN, e.g. 90d, 2026-01-01; default 365 days ago).", metavar="WHEN"),
]
COLUMNS = [
    "group",
    "sales",
    "revenue",
    "cost of goods",
    "other costs",
    "time",
    "margin",
    "margin %",
]


def _money(cents: int, currency: str = "") -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def _pct(row: ProfitRow) -> str:
    return "" if row.margin_pct is None else f"{row.margin_pct:.1f}"


def _cells(row: ProfitRow, as_csv: bool) -> list[object]:
    from pocketcrm.core.money import plain_amount

    show = plain_amount if as_csv else _money
    return [
        row.label, row.sales, show(row.revenue_cents), show(row.goods_cost_cents),
        show(row.other_cost_cents), show(row.time_cost_cents), show(row.margin_cents), _pct(row),
    ]  # fmt: skip


def _chart(rows: list[ProfitRow], limit: int = 12) -> list[str]:
    """Margin per group as bars (losses in red)."""
    shown = [r for r in rows if r.revenue_cents or r.cost_cents][:limit]
    if not shown:
        return ["  (no sales in the period)"]
    top = max(abs(r.margin_cents) for r in shown) or 1
    width = min(max(len(r.label) for r in shown), 32)
    out = []
    for r in shown:
        bar = "█" * max(1, round(BAR_WIDTH * abs(r.margin_cents) / top))
        colour = "green" if r.margin_cents >= 0 else "red"
        label = r.label[:width].replace("[", "\\[")
        out.append(f"  {label:<{width}}  {_money(r.margin_cents):>16}  [{colour}]{bar}[/{colour}]")
    return out


def render(p: Profit) -> None:
    cur = p.currency
    t = p.total
    pct = "n/a" if t.margin_pct is None else f"{t.margin_pct:.1f} %"
    lines = [
        f"[bold]Profitability by {p.by}[/bold]  {local(p.since, date_only=True)} to "
        f"{local(p.until, date_only=True)}  ({cur})",
        "",
        f"revenue {_money(t.revenue_cents, cur)}   cost {_money(t.cost_cents, cur)} "
        f"(goods {_money(t.goods_cost_cents)}, other {_money(t.other_cost_cents)}, "
        f"time {_money(t.time_cost_cents) if p.time_cost_counted else 'not counted'})",
        f"gross margin [bold]{_money(t.margin_cents, cur)}[/bold]   margin {pct}   "
        f"customer lifetime value {_money(p.lifetime_value_cents, cur)} "
        f"({p.customers_ever} customers ever)",
    ]
    if p.other_currency_sales:
        lines.append(f"  ({p.other_currency_sales} sales in other currencies left out)")
    lines += ["", f"[bold]Margin by {p.by}[/bold]", *_chart(p.rows), ""]
    for title, rows in (("Most profitable customers", p.most_profitable),
                        ("Least profitable customers", p.least_profitable)):  # fmt: skip
        lines.append(f"[bold]{title}[/bold]")
        lines += [
            f"  {r.label.replace('[', chr(92) + '[')}  {_money(r.margin_cents, cur)}" for r in rows
        ]
        lines += ["  (none)"] if not rows else []
        lines.append("")
    lines.append("[bold]Products sold below cost[/bold]")
    lines += [
        f"  {b.sku} {b.name.replace('[', chr(92) + '[')}: {b.lines} lines, revenue "
        f"{_money(b.revenue_cents)}, cost {_money(b.cost_cents)}, loss {_money(b.loss_cents, cur)}"
        for b in p.below_cost
    ] or ["  (none)"]
    lines += [
        "",
        "[bold]Lost sales by reason[/bold] (cancelled orders and invoices, declined quotes)",
    ]
    lines += [
        f"  {x.kind:<8} {x.count:>5}  {_money(x.net_cents):>14}  {(x.reason or '(no reason)').replace('[', chr(92) + '[')}"
        for x in p.lost
    ] or ["  (none)"]
    say("\n".join(lines))


def _row(r: ProfitRow) -> dict[str, object]:
    """One group as JSON, built directly: --by customer has a row per customer (20,000 of
    them made the generic dataclass walk the slowest part of the command)."""
    return {
        "key": r.key, "label": r.label, "revenue_cents": r.revenue_cents,
        "goods_cost_cents": r.goods_cost_cents, "other_cost_cents": r.other_cost_cents,
        "time_cost_cents": r.time_cost_cents, "sales": r.sales, "cost_cents": r.cost_cents,
        "margin_cents": r.margin_cents, "margin_pct": r.margin_pct,
    }  # fmt: skip


def _as_json(p: Profit) -> dict[str, object]:
    from dataclasses import replace

    from pocketcrm.core.readmodels import as_dict

    small = replace(p, rows=[], most_profitable=[], least_profitable=[], below_cost=[])
    data = as_dict(small)
    data.update(
        total=_row(p.total), rows=[_row(r) for r in p.rows],
        most_profitable=[_row(r) for r in p.most_profitable],
        least_profitable=[_row(r) for r in p.least_profitable],
        below_cost=[{**as_dict(b), "loss_cents": b.loss_cents} for b in p.below_cost],
    )  # fmt: skip
    return dict(data)


@handle_errors
def profit(
    by: Annotated[str, typer.Option("--by", help=BY_HELP, metavar="GROUP")] = "customer",
    since: SinceOption = "",
    until: UntilOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Revenue, cost, gross margin and margin %, lifetime value, best and worst customers, products sold below cost."""
    from pocketcrm.core.services.profit import profit as compute

    result = compute(open_db(db), *moments(since, until), by=by)
    if as_json:
        typer.echo(json.dumps(_as_json(result), ensure_ascii=False, indent=2))  # plain already
    elif as_csv:
        table(COLUMNS, [_cells(r, True) for r in [*result.rows, result.total]], as_csv=True)
    else:
        render(result)
