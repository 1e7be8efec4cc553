"""Choose one of several records: the contacts a reference matched (the core's Ambiguous),
or a closed deal to reopen. The result is the chosen id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pocketcrm.tui.widgets.key_footer import KeyFooter


class PickModal(ModalScreen[int]):
    """The result is the chosen id (None when cancelled); EMPTY is said when there is none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick-cancel"),
    ]

    def __init__(
        self,
        title: str,
        candidates: Sequence[tuple[int, RenderableType]],
        *,
        empty: str = "Nothing to choose from.",
        wide: bool = False,
    ) -> None:
        super().__init__(classes="form")
        self.title_text = title
        self.candidates = candidates
        self.empty = empty
        self.wide = wide

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box wide-form" if self.wide else "form-box"):
            yield Static(self.title_text, classes="form-title")
            if not self.candidates:
                yield Static(self.empty, classes="field-hint")
            yield OptionList(
                *[
                    Option(f"#{i}  {label}" if isinstance(label, str) else label, id=str(i))
                    for i, label in self.candidates
                ],
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
