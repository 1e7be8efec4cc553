"""The interface's fast count agrees with count_contacts, trash included."""

from __future__ import annotations

from pathlib import Path

from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import browse, contacts, trash
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import open_store


def test_search_count_matches_the_list_and_leaves_out_the_trash(tmp_path: Path) -> None:
    store = open_store(tmp_path / "crm.db")
    for name in ("Zoë Åkesson", "Zoe Adams", "Ann Lee", "Anna Zorn"):
        contacts.create_contact(store, ContactInput(name=name))
    trash.trash_contact(store, "Zoe Adams")
    for text in ("zo", "zoe", "ann", "a", "x", "!!", ""):
        for query in (ContactQuery(text=text), ContactQuery(text=text, stage="lead")):
            assert browse.contact_count(store, query) == contacts.count_contacts(store, query)
    assert browse.contact_count(store, ContactQuery(text="zo")) == 2
