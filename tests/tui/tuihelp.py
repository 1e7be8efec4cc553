"""Helpers the interface's tests share: the fixed moment, a fixed CRM built through the core,
and ways to read the screen and wait for the thread workers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pocketcrm.core.settings import Settings

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # a Friday


def fixed_now() -> datetime:
    return NOW


def build_crm(path: Path, settings: Settings) -> Any:
    """A small, fixed CRM: generated people plus Ann Lee, whom the tests know by name."""
    from pocketcrm.core.demo import generate
    from pocketcrm.core.services.activity import (
        InteractionInput,
        log_interaction,
        schedule_follow_up,
    )
    from pocketcrm.core.services.contacts import ContactInput, create_contact
    from pocketcrm.core.store import open_store

    store = open_store(path, settings)
    generate(store, contacts=40, companies=6, interactions=160, follow_ups=14, seed=3)
    ann = create_contact(
        store,
        ContactInput(
            name="Ann Lee",
            emails=["work:ann.lee@example.com"],
            phones=["+44 20 7946 0999"],
            company="Harbor Lights Ltd",
            title="Owner",
            stage="customer",
            tags=["vip"],
            notes="Prefers calls in the morning.",
        ),
    )
    log_interaction(
        store,
        f"#{ann.id}",
        InteractionInput(
            kind="call",
            when=datetime(2026, 11, 18, 9, 30, tzinfo=UTC),
            duration_s=600,
            outcome="reached",
            notes="Talked about the spring order.",
        ),
    )
    schedule_follow_up(
        store, f"#{ann.id}", datetime(2026, 11, 19, 9, 0, tzinfo=UTC), note="Send the quote"
    )
    return store


def screen_text(app: Any) -> str:
    """What the top screen shows, as plain text lines (the compositor's own rendering)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait until the thread workers and the messages they post have all finished."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)
