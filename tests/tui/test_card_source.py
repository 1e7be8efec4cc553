"""The interface's card names the contact's lead source (issue 13), beside the CLI's."""

from __future__ import annotations

from pathlib import Path

from pocketcrm.core.services import contacts
from pocketcrm.core.services.contacts import ContactInput, get_card
from pocketcrm.core.store import open_store


def test_the_card_shows_the_lead_source(tmp_path: Path) -> None:
    from pocketcrm.tui.screens.card import card_details

    store = open_store(tmp_path / "crm.db")
    try:
        contacts.create_contact(store, ContactInput(name="Ann Able", source="referral"))
        contacts.create_contact(store, ContactInput(name="Bob Baker"))
        lines = card_details(get_card(store, "Ann")).plain.splitlines()
        assert any(line.split() == ["source", "referral"] for line in lines), lines
        assert "source" not in card_details(get_card(store, "Bob")).plain
    finally:
        store.close()
