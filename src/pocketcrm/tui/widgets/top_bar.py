"""The line at the top of every main screen: where you are, which key goes where, what is due."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from pocketcrm.tui.host import crm_app

TABS: tuple[tuple[str, str, str], ...] = (
    ("1", "contacts", "Contacts"),
    ("2", "agenda", "Agenda"),
    ("3", "companies", "Companies"),
    ("4", "report", "Report"),
    ("5", "dupes", "Dupes"),
    ("6", "pipeline", "Pipeline"),
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
        self.watch(self.app, "status_text", self._redraw, init=False)
        self.watch(self.app, "reminder_warning", self._redraw, init=True)

    def _tabs(self, *, compact: bool) -> Text:
        """The tabs; compact shows the other screens by their keys only."""
        line = Text(" pocketcrm ", style="bold")
        for key, mode, label in TABS:
            if mode == self.active:
                line.append(f" {key} {label} ", style="bold reverse")
            elif compact:
                line.append(f" {key}", style="bold dim")
            else:
                line.append(f" {key}", style="bold dim")
                line.append(f" {label} ")
        if compact:
            line.append(" ")
        return line

    def _redraw(self, _value: object = None) -> None:
        line = self._tabs(compact=False)
        if self.size.width - line.cell_len - 1 < 24:  # narrow: keep room for the due counts
            line = self._tabs(compact=True)
        room = self.size.width - line.cell_len - 1
        status = Text()
        self.tooltip = None
        warning = crm_app(self).reminder_warning
        if warning:  # first: it matters more than the counts; the longest wording that fits
            *wordings, detail = warning
            shown = next((w for w in wordings if cell_len(w) < room), "")
            if shown:
                status = Text(shown + " ", style="bold yellow")
                self.tooltip = detail
        counts = crm_app(self).status_text
        left = room - status.cell_len - (1 if status.cell_len else 0)
        if counts and left > 8:
            shown = counts if len(counts) <= left else counts[: left - 1] + "…"
            if status.cell_len:
                shown += " "
            status = Text.assemble(
                (" " * (room - status.cell_len - len(shown)) + shown, "dim"), status
            )
        elif status.cell_len:
            status = Text.assemble((" " * (room - status.cell_len), "dim"), status)
        line.append_text(status)
        self.update(line)

    def on_resize(self) -> None:
        self._redraw()
