"""The ? screen: what each screen is for and every key that works where you are."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from pocketcrm.tui.widgets.key_footer import KeyFooter

# Each screen by its key and its tab's name (tests/tui/test_trial_fixes.py checks them
# against tui/tabs.py: the help once named 7 Trash and 8 Reminders after the keys moved on).
INTRO = (
    "pocketcrm keeps one index card per person. 1 Contacts lists everyone (type / to search as "
    "you type, F to filter, s to sort); Enter opens the card with every call, meeting and note; "
    "← → flip to the neighbouring cards. 2 Agenda shows what is overdue, due today and coming "
    "up. 3 Companies and 4 Report show the organisations and the figures. 5 Dupes lists "
    "likely duplicate contacts to merge, 6 Pipeline shows the open deals by stage, 7 Cases the "
    "support queue, 8 Products the catalogue; 9 Campaigns mails a segment and 0 Import "
    "previews and imports a file (and undoes an import). The Trash (restore what was deleted), "
    "the Reminders' status and the Users are in the command palette (ctrl+p), with what the "
    "screen underneath can do, the screen switches and help. Changes made elsewhere (cron "
    "reminders, one-line commands) show up here within two seconds."
)


class HelpModal(ModalScreen[None]):
    """Lists the keys of the screen underneath, then the keys that work everywhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help-close"),
    ]

    def __init__(self, screen_keys: list[tuple[str, str]], global_keys: list[tuple[str, str]]):
        super().__init__(classes="form")
        self.screen_keys = screen_keys
        self.global_keys = global_keys

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(INTRO + "\n\n")
        for title, keys in (("On this screen", self.screen_keys), ("Everywhere", self.global_keys)):
            text.append(title + "\n", style="bold")
            for key, description in keys:
                text.append(f"  {key:<14}", style="bold cyan")
                text.append(description + "\n")
            text.append("\n")
        text.append("Esc closes this help.", style="dim")
        with Vertical(classes="form-box wide-form", id="help-box"):
            yield Static("Help", classes="form-title")
            with VerticalScroll():
                yield Static(text, id="help-text")

        yield KeyFooter()

    def action_close(self) -> None:
        self.dismiss(None)
