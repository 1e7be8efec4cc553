"""Pick a closed deal to reopen (won or lost by mistake); the result is its id."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pocketcrm.tui.widgets.key_footer import KeyFooter

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


class DealPicker(ModalScreen[int]):
    """Closed deals, most recently closed first; Enter reopens the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="deal-picker-cancel"),
    ]

    def __init__(self, deals: list[DealView], title: str = "Reopen a closed deal") -> None:
        super().__init__(classes="form")
        self.deals = sorted(deals, key=lambda d: d.closed_at or d.updated_at, reverse=True)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box wide-form"):
            yield Static(self.title_text, classes="form-title")
            if not self.deals:
                yield Static("No closed deals.", classes="field-hint")
            yield OptionList(
                *[Option(closed_line(d), id=str(d.id)) for d in self.deals],
                id="deal-picker-list",
                compact=True,
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
