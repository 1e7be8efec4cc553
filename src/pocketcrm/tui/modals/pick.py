"""Choose one of several records that a reference matched (the core's Ambiguous)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pocketcrm.tui.widgets.key_footer import KeyFooter


class PickModal(ModalScreen[int]):
    """The result is the chosen id (None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick-cancel"),
    ]

    def __init__(self, title: str, candidates: list[tuple[int, str]]) -> None:
        super().__init__(classes="form")
        self.title_text = title
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(self.title_text, classes="form-title")
            yield OptionList(
                *[Option(f"#{i}  {label}", id=str(i)) for i, label in self.candidates],
                id="pick-list",
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
