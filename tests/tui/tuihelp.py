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


PEOPLE = [
    "Amélie Rossi", "Ben Okafor", "Björn Lindqvist", "Carmen García", "Chloé Dubois",
    "Daniel Kim", "Elif Öztürk", "Eva Jensen", "Felix Schmidt", "Grace Murphy",
    "Hugo Moreau", "Ines Silva", "Jonas Berg", "Karin Nielsen", "Liam Walsh",
    "Maya Patel", "Noah Cohen", "Olivia Martin", "Paul Novak", "Priya Shah",
    "Quinn Larsen", "Rosa Costa", "Samuel Levi", "Sofía López", "Tara Nakamura",
    "Ugo Ferreira", "Vera Ivanova", "William Brennan", "Yara Haddad", "Zoë Åkesson",
]  # fmt: skip
COMPANIES = [
    ("Harbor Lights Ltd", "customer"),
    ("Northwind Foods", "customer"),
    ("Granite Print", "prospect"),
    ("Cedar Logistics", "supplier"),
    ("Falcon Partners", "partner"),
]
STAGES = ["lead", "prospect", "customer", "customer", "past_customer"]
TAGS = [[], ["vip"], ["wholesale"], [], ["retail", "newsletter"], ["referral"]]
OWNERS = ["Robin", "Sam", "Alex"]
NOTES = [
    "Asked for the new catalogue.",
    "Left a voicemail about the renewal.",
    "Wants samples before deciding.",
    "Confirmed the order for March.",
    "Complained about a late invoice; sorted it.",
]
OUTCOMES = ["reached", "voicemail", "no_answer", "reached"]


def build_crm(path: Path, settings: Settings) -> Any:
    """A small CRM that is the same on every run: 30 people, 5 companies, a year of calls,
    follow-ups overdue, today and ahead, plus Ann Lee, whom the tests know by name.

    Built through the core's services only, with the clock fixed at NOW.
    """
    from datetime import timedelta

    from pocketcrm.core.services.activity import (
        InteractionInput,
        log_interaction,
        schedule_follow_up,
    )
    from pocketcrm.core.services.companies import CompanyInput, create_company
    from pocketcrm.core.services.contacts import ContactInput, create_contact
    from pocketcrm.core.store import open_store

    store = open_store(path, settings)
    for name, kind in COMPANIES:
        create_company(store, CompanyInput(name=name, kind=kind, city="Leeds"))
    for index, name in enumerate(PEOPLE):
        given = name.split()[0].lower().replace("é", "e").replace("ö", "o").replace("ë", "e")
        created = create_contact(
            store,
            ContactInput(
                name=name,
                emails=[f"work:{given}.{index}@example.com"],
                phones=[f"+44 20 7946 {index:04d}"],
                company=COMPANIES[index % 6][0] if index % 6 < len(COMPANIES) else "",
                title=["Buyer", "Owner", "Office manager", ""][index % 4],
                stage=STAGES[index % len(STAGES)],
                tags=TAGS[index % len(TAGS)],
                owner=OWNERS[index % len(OWNERS)],
            ),
        )
        for call in range(index % 5):
            when = NOW - timedelta(days=1 + (index * 11 + call * 37) % 120, hours=call)
            log_interaction(
                store,
                f"#{created.id}",
                InteractionInput(
                    kind=["call", "email", "meeting", "call", "note"][call],
                    when=when,
                    duration_s=600 if call in (0, 3) else None,
                    outcome=OUTCOMES[(index + call) % len(OUTCOMES)] if call in (0, 3) else "",
                    satisfaction=4 if call == 2 else None,
                    owner=OWNERS[call % len(OWNERS)],
                    notes=NOTES[(index + call) % len(NOTES)],
                ),
            )
        if index % 3 == 0:
            due = NOW + timedelta(days=(index % 9) - 4, hours=index % 5)
            schedule_follow_up(store, f"#{created.id}", due, note=NOTES[index % len(NOTES)])
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
            owner="Robin",
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
    strips = app.screen._compositor.render_strips()  # noqa: SLF001 (no public rendering to text)
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait until the thread workers and the messages they post have all finished."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*text)
