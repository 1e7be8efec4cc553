"""The line at the top of every main screen: where you are, which key goes where, what is due."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import Static

from pocketcrm.tui.host import crm_app
from pocketcrm.tui.tabs import TABS

# How much room the due counts need at least before the tabs are shortened to make it.
STATUS_ROOM = 24


class TopBar(Static):
    """Tabs with their keys, the database name and the due counts (kept fresh by the app)."""

    DEFAULT_CSS = """
    TopBar {
        height: auto;
        max-height: 2;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, active: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.active = active

    def on_mount(self) -> None:
        self.watch(self.app, "status_text", self._redraw, init=False)
        self.watch(self.app, "reminder_warning", self._redraw, init=False)
        self.watch(self.app, "busy", self._redraw, init=True)

    def _tabs(self, *, brand: bool, short: bool) -> Text:
        """Every screen's tab with its key (the active one reversed); SHORT labels the others
        by their short names; where each tab lies is kept for a click."""
        line = Text(" pocketcrm " if brand else "", style="bold")
        self._spans: list[tuple[int, int, str]] = []
        for tab in TABS:
            start = line.cell_len
            if not tab.key and tab.mode != self.active:
                continue  # a palette-only screen, named while it is shown
            if tab.mode == self.active:
                key = f" {tab.key}" if tab.key else ""
                line.append(f"{key} {tab.label} ", style="bold reverse")
            else:
                line.append(f" {tab.key}", style="bold dim")
                line.append(f" {tab.short if short else tab.label}")
            self._spans.append((start, line.cell_len, tab.mode))
        line.append(" ")
        return line

    def _fitting_tabs(self, wanted: int) -> tuple[Text, bool]:
        """The widest form of the tabs that leaves WANTED cells for the counts and the
        warning (at least STATUS_ROOM) on the same line; else (narrow, or many screens) the
        widest that fits alone, and True: the counts go on a second line."""
        width = self.size.width
        forms = ((True, False), (False, False), (False, True))
        for brand, short in forms:
            line = self._tabs(brand=brand, short=short)
            if width - line.cell_len - 1 >= max(wanted, STATUS_ROOM):
                return line, False
        line = self._tabs(brand=False, short=False)
        if line.cell_len > width:
            line = self._tabs(brand=False, short=True)
        return line, True

    async def on_click(self, event: events.Click) -> None:
        """A click on a tab shows its screen."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for start, end, mode in getattr(self, "_spans", []):
            if start <= offset.x < end and mode != self.active:
                event.stop()
                await self.app.run_action(f"switch_mode({mode!r})")
                return

    def _redraw(self, _value: object = None) -> None:
        warning = crm_app(self).reminder_warning
        counts = crm_app(self).status_text
        if crm_app(self).busy:  # a job has run past LOADING_AFTER: say so first
            counts = "⟳ loading… " + counts
        wanted = cell_len(counts) + (cell_len(warning[0]) + 1 if warning else 0)
        line, second = self._fitting_tabs(wanted)
        tabs = line
        if second:  # the counts on a line of their own, right-aligned as on one line
            tabs.pad_right(max(0, self.size.width - tabs.cell_len))
            line = Text()
        room = self.size.width - line.cell_len - 1
        status = Text()
        self.tooltip = None
        if warning:  # first: it matters more than the counts; the longest wording that fits
            *wordings, detail = warning
            shown = next((w for w in wordings if cell_len(w) < room), "")
            if shown:
                status = Text(shown + " ", style="bold yellow")
                self.tooltip = detail
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
        self.update(Text.assemble(tabs, "\n", line) if second else line)

    def on_resize(self) -> None:
        self._redraw()
