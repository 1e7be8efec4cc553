"""The footer: every key binding of the screen, on a second line when one is too narrow.

Textual's Footer is one line and scrolls sideways when the keys do not fit; in an 80-column
terminal that hid the app's own keys (help, undo, quit). This one shows the same keys (keys
of one Binding.Group side by side under one description) and wraps onto a second line only
when the first would overflow.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


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
        self._rows = 0
        self._split_at = 0

    def _keys(self) -> list[FooterKey]:
        active = self.screen.active_bindings
        seen: dict[str, list[tuple[Any, bool, str]]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen[binding.action] = [(binding, enabled, tooltip)]
        keys: list[FooterKey] = []
        pending: list[tuple[Any, bool, str]] = []

        def flush() -> None:
            if not pending:
                return
            first, enabled, _tooltip = pending[0]
            shown = "".join(self.app.get_key_display(b) for b, _, _ in pending)
            keys.append(
                FooterKey(
                    first.key, shown, first.group.description, first.action, disabled=not enabled
                )
            )
            pending.clear()

        for (binding, enabled, tooltip), *_rest in seen.values():
            if binding.group is not None:
                if pending and pending[0][0].group is not binding.group:
                    flush()
                pending.append((binding, enabled, tooltip))
                continue
            flush()
            keys.append(
                FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    disabled=not enabled,
                    tooltip=tooltip,
                )
            )
        flush()
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            _node, binding, enabled, _tooltip = palette
            keys.append(
                FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                )
            )
        return keys

    @staticmethod
    def _width(key: FooterKey) -> int:
        return cell_len(key.key_display) + cell_len(key.description) + 2

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        keys = self._keys()
        room = self.size.width or self.app.size.width
        used, split = 0, len(keys)
        for index, key in enumerate(keys):
            used += self._width(key)
            if used > room:
                split = index
                break
        self._split_at = split
        self._rows = 1 if split == len(keys) else 2
        with Horizontal():
            yield from keys[:split]
        if split < len(keys):
            with Horizontal():
                yield from keys[split:]

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
