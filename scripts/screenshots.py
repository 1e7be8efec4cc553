"""Regenerate the interface's screenshots in docs/screenshots/ (one command, same result).

    .venv/bin/python scripts/screenshots.py

Builds the demo database (fixed seed, fixed clock, UTC) in a temporary folder, runs the app
headless at a fixed size, walks to each main screen and saves an SVG of it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SIZE = (120, 36)
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# name, keys pressed from the contact list, terminal size
SHOTS: list[tuple[str, Sequence[str], tuple[int, int]]] = [
    ("contacts", (), SIZE),
    ("search", ("slash", *"ann", "enter"), SIZE),
    ("card", ("slash", *"ann", "enter", "enter"), SIZE),
    ("log-call", ("slash", *"ann", "enter", "enter", "l", *"Wants a quote for 40 units"), SIZE),
    ("agenda", ("2",), SIZE),
    ("companies", ("3",), SIZE),
    ("company", ("3", "enter"), SIZE),
    ("report", ("4",), (120, 44)),
    ("pipeline", ("6",), (120, 32)),
    ("help", ("question_mark",), SIZE),
    ("contacts-80x24", (), (80, 24)),
]


async def shoot(store: object, name: str, keys: Sequence[str], size: tuple[int, int]) -> Path:
    from textual.widgets import Input, TextArea

    from pocketcrm.tui.app import make_app

    app = make_app(store, clock=lambda: NOW, watch_seconds=0)  # type: ignore[arg-type]

    async def settle() -> None:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.pause()

    async with app.run_test(size=size) as pilot:
        await settle()
        for key in keys:
            await pilot.press(key)
            await settle()
        for widget in app.screen.query("Input, TextArea"):
            if isinstance(widget, Input | TextArea):
                widget.cursor_blink = False
        await settle()
        path = OUT / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(path.parent))
    return path


def add_duplicates(store: object) -> None:
    """Two likely duplicates for the review screen, made through the core like the demo."""
    from pocketcrm.core.queries import ContactQuery
    from pocketcrm.core.services.contacts import ContactInput, create_contact, list_contacts

    first, second = list_contacts(store, ContactQuery(limit=6))[::5]  # type: ignore[arg-type]
    create_contact(
        store,  # type: ignore[arg-type]
        ContactInput(name=first.display_name, emails=[first.email] if first.email else []),
    )
    create_contact(
        store,  # type: ignore[arg-type]
        ContactInput(name=second.display_name, phones=[second.phone] if second.phone else []),
    )


def main() -> int:
    os.environ["POCKETCRM_TZ"] = "UTC"
    from pocketcrm.core import clock
    from pocketcrm.core.demo import build_demo
    from pocketcrm.core.settings import Settings
    from pocketcrm.core.store import open_store

    clock.set_clock(lambda: NOW)
    clock.set_local_zone(ZoneInfo("UTC"))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["POCKETCRM_DATA_DIR"] = "/home/you/.local/share/pocketcrm"
        store = open_store(Path(folder) / "demo.db", Settings(owner="Robin"))
        build_demo(store, contacts=300, seed=7)
        for name, keys, size in SHOTS:
            path = asyncio.run(shoot(store, name, keys, size))
            print(path.relative_to(OUT.parent.parent))
        add_duplicates(store)  # after the other shots, so they stay as they were
        path = asyncio.run(shoot(store, "duplicates", ("5",), SIZE))
        print(path.relative_to(OUT.parent.parent))
        empty = open_store(Path(folder) / "empty.db", Settings(owner="Robin"))
        path = asyncio.run(shoot(empty, "welcome", (), (100, 30)))
        print(path.relative_to(OUT.parent.parent))
        store.close()
        empty.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
