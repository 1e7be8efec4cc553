"""The report's Profitability tab: the same figures as `pocketcrm report profit`, with a
chart of the margin per customer and the products sold below cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from pocketcrm.core.services.profit import Profit, ProfitRow

BAR_WIDTH = 24


GROUP_ROWS = 12  # the groups charted, as `report profit` draws them


def _money(cents: int, currency: str = "") -> str:
    from pocketcrm.core.money import format_amount

    return format_amount(cents, currency)


def headline(p: Profit) -> Text:
    t = p.total
    text = Text()
    pct = "n/a" if t.margin_pct is None else f"{t.margin_pct:.1f} %"
    for label, value in (
        ("revenue", _money(t.revenue_cents, p.currency)),
        ("cost", _money(t.cost_cents, p.currency)),
        ("gross margin", _money(t.margin_cents, p.currency)),
        ("margin", pct),
        ("lifetime value", _money(p.lifetime_value_cents, p.currency)),
    ):
        text.append(f"{label} ", style="dim")
        text.append(value, style="bold")
        text.append("   ")
    text.append(
        f"\ngoods {_money(t.goods_cost_cents)}  other costs {_money(t.other_cost_cents)}  time "
        f"{_money(t.time_cost_cents) if p.time_cost_counted else 'not counted'}",
        style="dim",
    )
    return text


def chart(title: str, rows: list[ProfitRow]) -> Text:
    """Margin bars, green for profit and red for loss, scaled to the largest."""
    text = Text(title + "\n", style="bold")
    if not rows:
        text.append("no sales in the period\n", style="dim")
        return text
    top = max(abs(r.margin_cents) for r in rows) or 1
    width = min(18, max(len(r.label) for r in rows))
    for r in rows:
        size = max(1, round(BAR_WIDTH * abs(r.margin_cents) / top))
        text.append(f"{r.label[:width]:<{width}} ")
        text.append("█" * size, style="green" if r.margin_cents >= 0 else "red")
        text.append(f" {_money(r.margin_cents)}\n")
    return text


def below_cost(p: Profit) -> Text:
    text = Text("Products sold below cost\n", style="bold")
    if not p.below_cost:
        text.append("none\n", style="dim")
    for b in p.below_cost:
        text.append(f"{b.sku} {b.name}: {b.lines} lines, loss {_money(b.loss_cents, p.currency)}\n")
    return text


def lost(p: Profit) -> Text:
    text = Text("Lost sales by reason\n", style="bold")
    if not p.lost:
        text.append("none\n", style="dim")
    for x in p.lost:
        text.append(
            f"{x.kind:<8} {x.count:>4}  {_money(x.net_cents):>12}  {x.reason or '(no reason)'}\n"
        )
    return text


class ProfitPane(VerticalScroll):
    """Filled by the report screen (which runs the job) through show(); `g` on the report
    screen steps through the groupings (`report profit --by`)."""

    by = "customer"

    def next_group(self) -> str:
        """The grouping after the current one (the core's list, in its order)."""
        from pocketcrm.core.services.profit import GROUPS

        self.by = GROUPS[(GROUPS.index(self.by) + 1) % len(GROUPS)]
        return self.by

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="profit-figures")
        yield Static("", id="profit-groups")
        yield Static("", id="profit-chart")
        yield Static("", id="profit-least")
        yield Static("", id="profit-below")
        yield Static("", id="profit-lost")

    def show(self, p: Profit) -> None:
        self.query_one("#profit-figures", Static).update(headline(p))
        self.query_one("#profit-groups", Static).update(
            chart(f"Margin by {p.by} (g: group by another)", p.rows[:GROUP_ROWS])
        )
        self.query_one("#profit-chart", Static).update(
            chart("Most profitable customers", p.most_profitable)
        )
        self.query_one("#profit-least", Static).update(
            chart("Least profitable customers", p.least_profitable)
        )
        self.query_one("#profit-below", Static).update(below_cost(p))
        self.query_one("#profit-lost", Static).update(lost(p))
