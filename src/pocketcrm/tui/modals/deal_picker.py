"""Pick a closed deal to reopen (won or lost by mistake): a PickModal of closed deals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from pocketcrm.tui.modals.pick import PickModal

if TYPE_CHECKING:
    from pocketcrm.core.services.deals import DealView


def closed_line(deal: DealView) -> Text:
    from pocketcrm.core.money import format_amount

    text = Text(deal.title, style="bold", overflow="ellipsis", no_wrap=True)
    text.append(f"  {deal.stage.replace('_', ' ')}", style="dim")
    if deal.closed_at is not None:
        text.append(f" {deal.closed_at:%d %b %Y}", style="dim")
    text.append(f"\n{deal.contact_name}  {format_amount(deal.amount_cents, deal.currency)}")
    return text


def deal_picker(deals: list[DealView]) -> PickModal:
    """Closed deals, most recently closed first; Enter reopens the highlighted one."""
    latest = sorted(deals, key=lambda d: d.closed_at or d.updated_at, reverse=True)
    return PickModal(
        "Reopen a closed deal",
        [(d.id, closed_line(d)) for d in latest],
        empty="No closed deals.",
        wide=True,
    )
