"""Each Textual internal pocketcrm relies on (tui/textual_internals.py) is still there and
still does what it is used for: an upgrade that changes one fails here, by name, instead of
somewhere in the card screen or the footer."""

from __future__ import annotations

import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from pocketcrm.tui.textual_internals import (
    FooterKey,
    lay_out_off_screen,
    register_screen,
    screen_text,
    styled_as_built,
)

ROOT = Path(__file__).resolve().parents[2]


class Parked(Screen[None]):
    """A screen installed but never shown."""

    mounted: ClassVar[list[str]] = []

    def compose(self) -> ComposeResult:
        yield Static("parked", id="parked-text")

    def on_mount(self) -> None:
        self.mounted.append("parked")


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("front")


def test_textual_is_within_the_pinned_range() -> None:
    """The tested range in pyproject.toml is what is installed (the snapshots depend on it)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pin = next(d for d in project["project"]["dependencies"] if d.startswith("textual"))
    found = re.fullmatch(r"textual>=(\d+)\.(\d+)\.(\d+),<(\d+)\.(\d+)", pin.replace(" ", ""))
    assert found, pin
    low = tuple(int(part) for part in found.groups()[:3])
    high = tuple(int(part) for part in found.groups()[3:])
    installed = tuple(int(part) for part in version("textual").split(".")[:3])
    assert low <= installed and installed[:2] < high, (pin, installed)


def test_footer_key_takes_what_the_key_footer_gives_it() -> None:
    names = list(inspect.signature(FooterKey.__init__).parameters)
    assert names[1:5] == ["key", "key_display", "description", "action"], names
    assert {"disabled", "classes"} <= set(names)
    assert issubclass(FooterKey, Widget)
    key = FooterKey("q", "q", "Quit", "quit", disabled=True, classes="-command-palette")
    assert key.has_class("-disabled") and key.has_class("-command-palette")


def test_footer_keeps_the_hooks_the_key_footer_overrides() -> None:
    """KeyFooter reads Footer's `_bindings_ready` and overrides its `bindings_changed`."""
    assert isinstance(vars(Footer).get("_bindings_ready"), Reactive)
    assert list(inspect.signature(Footer.bindings_changed).parameters) == ["self", "screen"]


async def test_register_screen_mounts_an_installed_screen_without_showing_it() -> None:
    app = Host()
    Parked.mounted.clear()
    async with app.run_test(size=(40, 10)) as pilot:
        parked = Parked()
        app.install_screen(parked, "parked")
        assert not parked.is_running
        assert register_screen(app, "parked") is parked
        await pilot.pause()
        assert parked.is_running and Parked.mounted == ["parked"]
        assert app.screen is not parked and parked not in app.screen_stack


async def test_lay_out_off_screen_sizes_a_screen_that_is_not_shown() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        parked = Parked()
        app.install_screen(parked, "parked")
        register_screen(app, "parked")
        await pilot.pause()
        text = parked.query_one("#parked-text", Static)
        lay_out_off_screen(parked, Size(40, 10))
        assert text.size.width == 40 and text.region.height >= 1
        assert app.screen is not parked


async def test_screen_text_reads_what_the_screen_shows() -> None:
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        lines = screen_text(app.screen).splitlines()
        assert len(lines) == 10 and lines[0].rstrip() == "front"


class Moded(App[None]):
    """Two modes, each a new screen: the second is built at its first switch."""

    MODES: ClassVar[dict[str, Any]] = {
        "front": lambda: styled_as_built(Parked()),
        "back": lambda: styled_as_built(Parked()),
    }
    DEFAULT_MODE: ClassVar[str] = "front"


async def test_a_screen_styled_as_built_is_switched_to_without_restyling_the_app() -> None:
    """Textual reparses the whole stylesheet when it switches to a screen it counts as stale
    (every new one); styled_as_built spares that, and the screen is styled all the same."""
    app = Moded()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        reparsed: list[int] = []
        real = app.stylesheet.reparse

        def counted() -> None:
            reparsed.append(1)
            real()

        app.stylesheet.reparse = counted  # type: ignore[method-assign]
        await app.switch_mode("back")
        await pilot.pause()
        assert app.current_mode == "back" and reparsed == []
        text = app.screen.query_one("#parked-text", Static)
        assert text.styles.height is not None and text.region.height >= 1
        assert screen_text(app.screen).splitlines()[0].rstrip() == "parked"
