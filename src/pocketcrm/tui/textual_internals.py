"""The few Textual internals pocketcrm relies on, each in one place, with why.

Textual has no public way to do these three things; each use goes through here, so an
upgrade that changes one is fixed in this file alone. Textual is pinned to the tested minor
range (pyproject.toml) and tests/tui/test_textual_internals.py fails when any of them
changes (a name gone, a signature changed, or the behaviour relied on).

- FooterKey: the footer's key widget. Textual exports Footer but not the widget it draws
  each key with; KeyFooter lays the same widgets out on two lines (and inherits Footer's
  `_bindings_ready` and `bindings_changed`, which the test checks too).
- register_screen: an installed screen composed and mounted off screen, not shown. The
  public `get_screen` does not register a screen; `_get_screen` (what push_screen uses) does.
- lay_out_off_screen: a screen not on top laid out and rendered once at a size, so that
  when it is pushed the first frame costs no layout pass.
- screen_text: what a screen shows, as plain text (the tests read the screen with it;
  Textual exports a screenshot only as SVG).
- styled_as_built: a screen made for a mode counted as styled by the current stylesheet.
  Textual counts a new screen as stale, so the first switch to each mode reparsed the whole
  stylesheet and restyled every widget of the app, twice (about 0.2 s per first visit at
  120x40); a new screen's widgets are styled as they mount anyway.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual._context import active_app
from textual.app import App
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets._footer import FooterKey

S = TypeVar("S", bound=Screen[Any])

__all__ = [
    "FooterKey",
    "lay_out_off_screen",
    "register_screen",
    "screen_text",
    "styled_as_built",
]


def register_screen(app: App[Any], name: str) -> Screen[Any]:
    """Compose and mount the screen installed under NAME without showing it."""
    screen, _mounted = app._get_screen(name)
    return screen


def lay_out_off_screen(screen: Screen[Any], size: Size) -> None:
    """Lay SCREEN out at SIZE and render it once, off screen."""
    screen._refresh_layout(size)
    screen._compositor.render_update(full=True)


def screen_text(screen: Screen[Any]) -> str:
    """SCREEN as its compositor draws it, one line of plain text a row."""
    strips = screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def styled_as_built(screen: S) -> S:
    """SCREEN (just made for the running app, not mounted) counted as up to date with the
    app's stylesheet."""
    screen._css_update_count = active_app.get()._css_update_count
    return screen
