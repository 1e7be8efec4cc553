"""The footer: every key binding of the screen, on a second line when one is too narrow.

Textual's Footer is one line and scrolls sideways when the keys do not fit; in an 80-column
terminal that hid the app's own keys (help, undo, quit). This one shows the same keys (keys
of one Binding.Group side by side under one description) and wraps onto a second line only
when the first would overflow (and leaves out the screens' keys, which the tab bar shows,
when two lines are not enough). It rebuilds itself only when what it shows changes: Textual's
footer recomposed on every binding change and resize (eight times while a card opened).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from pocketcrm.tui.textual_internals import FooterKey


class Entry(NamedTuple):
    """One key (or group of keys) as the footer shows it."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    palette: bool = False

    @property
    def width(self) -> int:
        return cell_len(self.display) + cell_len(self.description) + 2


class KeyFooter(Footer):
    """A compact footer that wraps onto a second line instead of hiding keys."""

    DEFAULT_CSS = """
    KeyFooter {
        layout: vertical;
        height: auto;
        max-height: 2;
    }
    KeyFooter > Horizontal {
        height: 1;
        width: 100%;
    }
    KeyFooter FooterKey.-command-palette {
        dock: none;
        border-left: none;
        padding-right: 0;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple[tuple[Entry, ...], int] | None = None

    def _entries(self) -> tuple[Entry, ...]:
        active = self.screen.active_bindings
        first_of_action: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in first_of_action:
                first_of_action[binding.action] = (binding, enabled)
        entries: list[Entry] = []
        group: list[tuple[Binding, bool]] = []

        def flush() -> None:
            if group:
                first, enabled = group[0]
                shown = "".join(self.app.get_key_display(b) for b, _ in group)
                description = first.group.description if first.group else first.description
                entries.append(Entry(first.key, shown, description, first.action, enabled))
                group.clear()

        for binding, enabled in first_of_action.values():
            if binding.group is not None:
                if group and group[0][0].group is not binding.group:
                    flush()
                group.append((binding, enabled))
                continue
            flush()
            entries.append(self._entry(binding, enabled))
        flush()
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            _node, binding, enabled, _tooltip = palette
            entries.append(self._entry(binding, enabled, palette=True))
        return tuple(entries)

    def _entry(self, binding: Binding, enabled: bool, *, palette: bool = False) -> Entry:
        """The footer entry of one binding shown on its own."""
        return Entry(
            binding.key,
            self.app.get_key_display(binding),
            binding.description,
            binding.action,
            enabled,
            palette=palette,
        )

    @staticmethod
    def _split(entries: tuple[Entry, ...], width: int) -> int:
        """How many entries fit on the first line."""
        used = 0
        for index, entry in enumerate(entries):
            used += entry.width
            if used > width:
                return index
        return len(entries)

    def _wanted(self) -> tuple[tuple[Entry, ...], int]:
        entries = self._entries()
        width = self.size.width or self.app.size.width
        split = self._split(entries, width)
        if sum(e.width for e in entries[split:]) > width:
            # Two lines are not enough (the card at 80 columns cut "^p palette" short): the
            # screen keys go first, as the tab bar names each with its key.
            entries = tuple(e for e in entries if not e.action.startswith("switch_mode"))
            split = self._split(entries, width)
        return entries, split

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        entries, split = self._shown = self._wanted()
        keys = [
            FooterKey(
                e.key,
                e.display,
                e.description,
                e.action,
                disabled=not e.enabled,
                classes="-command-palette" if e.palette else "",
            )
            for e in entries
        ]
        with Horizontal():
            yield from keys[:split]
        if split < len(keys):
            with Horizontal():
                yield from keys[split:]

    async def _refresh_if_changed(self) -> None:
        # Not under a modal: the screen's keys are not active there, and its footer lost a
        # line or not depending on timing (the pipeline under the reopen picker, at 80x24).
        if not (self._bindings_ready and self.is_attached and self.screen.is_current):
            return
        if self._wanted() != self._shown:
            await self.recompose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._refresh_if_changed)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._refresh_if_changed)
