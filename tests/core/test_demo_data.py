"""The demo database: realistic, repeatable, searchable, and only ever built on an empty file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketcrm.core.demo import build_demo
from pocketcrm.core.errors import Invalid
from pocketcrm.core.services import activity, contacts, reports
from pocketcrm.core.store import Store, open_store


def test_demo_counts_search_and_report(store: Store) -> None:
    counts = build_demo(store, contacts=40, seed=3)
    assert counts == {"contacts": 40, "companies": 5, "interactions": 240, "follow_ups": 13}
    assert contacts.count_contacts(store) == 40
    first = contacts.list_contacts(store)[0]
    given = first.display_name.split()[0]
    assert first.id in [r.id for r in contacts.search_contacts(store, given)]
    assert reports.summary(store).contacts_total == 40
    assert activity.agenda(store, "all")
    card = contacts.get_card(store, str(first.id))
    assert card.last_contact_at == max(
        (i.occurred_at for i in card.interactions if i.kind != "note"), default=None
    )


def test_demo_is_repeatable(tmp_path: Path, store: Store) -> None:
    build_demo(store, contacts=12, seed=5)
    other = open_store(tmp_path / "other.db")
    try:
        build_demo(other, contacts=12, seed=5)
        assert contacts.list_contacts(other) == contacts.list_contacts(store)
    finally:
        other.close()


def test_demo_refuses_a_database_with_contacts(store: Store) -> None:
    contacts.create_contact(store, contacts.ContactInput(name="Real Customer"))
    with pytest.raises(Invalid) as caught:
        build_demo(store, contacts=10)
    assert caught.value.field == "db"
    assert contacts.count_contacts(store) == 1


def test_demo_needs_at_least_one_contact(store: Store) -> None:
    with pytest.raises(Invalid) as caught:
        build_demo(store, contacts=0)
    assert caught.value.field == "contacts"
