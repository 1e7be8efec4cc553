"""The card's History view (h): who changed what about this contact, newest first.

The screen fetches the history in a worker (core.services.history) and hands the read model
here; this modal only draws it. The change ids are the ones `pocketcrm undo ID` takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from pocketcrm.tui.format import local
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.history import History


def history_text(found: History) -> Text:
    """One line per change: when, who (face), what, and the change id in brackets."""
    text = Text()
    if not found.changes:
        text.append("No changes journaled yet.", style="dim")
        return text
    for change in found.changes:
        text.append(f"{local(change.at)} ", style="dim")
        text.append(change.actor, style="bold")
        text.append(f" ({change.face}) ", style="dim")
        text.append(change.summary, style="strike" if change.undone else "")
        if change.undone:
            text.append(" (undone)", style="dim")
        text.append(f"  [{change.id}]\n", style="cyan")
    text.rstrip()
    return text


class HistoryModal(ModalScreen[None]):
    """A contact's journal, read only; Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,h,q", "close", "Close", id="history-close"),
    ]

    def __init__(self, found: History) -> None:
        super().__init__(classes="form")
        self.found = found

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box wide-form", id="history-box"):
            yield Static(f"History of {self.found.subject}", classes="form-title", markup=False)
            with VerticalScroll(id="history-scroll"):
                yield Static(history_text(self.found), id="history-text")
            yield Static(
                "Newest first. `pocketcrm undo ID` takes a change back.",
                id="history-hint",
                classes="dim",
                markup=False,
            )
        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss(None)
