"""The line at the top of every main screen: where you are, which key goes where, what is due."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

TABS: tuple[tuple[str, str, str], ...] = (
    ("1", "contacts", "Contacts"),
    ("2", "agenda", "Agenda"),
    ("3", "companies", "Companies"),
    ("4", "report", "Report"),
)


class TopBar(Static):
    """Tabs with their keys, the database name and the due counts (kept fresh by the app)."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, active: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.active = active

    def on_mount(self) -> None:
        self.watch(self.app, "status_text", self._redraw, init=True)

    def _redraw(self, status: str = "") -> None:
        line = Text(" pocketcrm ", style="bold")
        for key, mode, label in TABS:
            if mode == self.active:
                line.append(f" {key} {label} ", style="bold reverse")
            else:
                line.append(f" {key}", style="bold dim")
                line.append(f" {label} ")
        status = str(getattr(self.app, "status_text", ""))
        if status:
            room = self.size.width - line.cell_len - 1
            if room > 8:
                shown = status if len(status) <= room else status[: room - 1] + "…"
                line.append(" " * (room - len(shown)) + shown, style="dim")
        self.update(line)

    def on_resize(self) -> None:
        self._redraw()
