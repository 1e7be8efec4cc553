"""Whose new work is when nobody is named: the configured owner as the login of the user it
names (core/acting.py), in every service that fills an owner or a "by", so owner fields,
reports by user and the journal's who agree (issue 11)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from pocketcrm.core.services import activity, companies, contacts, deals, users
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.companies import CompanyInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.services.deals import DealInput
from pocketcrm.core.store import Store
from pocketcrm.core.transfer.importer.run import import_files


def _owners(store: Store) -> set[str]:
    with store.read() as session:
        found: set[str] = set()
        for table, column in (
            ("contact", "owner"),
            ("company", "owner"),
            ("deal", "owner"),
            ("follow_up", "owner"),
            ("stage_change", "by"),
        ):
            rows = session.execute(text(f"SELECT DISTINCT {column} FROM {table}")).scalars()
            found |= {str(r) for r in rows}
        return found


def test_a_configured_display_name_is_stored_as_the_users_login(
    store: Store, tmp_path: Path
) -> None:
    password = None if store.is_sqlite else "Default-owner-9"
    users.add_user(store, users.UserInput("sam", name="Sam Patel"), password=password)
    store.settings.owner = "sam patel"  # as typed in the config: a name, any case
    contacts.create_contact(store, ContactInput(name="Ann Lee"))
    companies.create_company(store, CompanyInput(name="Acme"))
    deals.create_deal(store, "Ann Lee", DealInput(title="Ovens"))
    activity.log_interaction(store, "Ann Lee", InteractionInput(kind="call"))
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nBen Okafor,ben@example.com\n", encoding="utf-8")
    import_files(store, [source])
    assert _owners(store) == {"sam"}
    with store.read() as session:  # a call is logged as the acting user: on a server, the login
        logged = session.execute(text("SELECT owner FROM interaction")).scalar()
    assert logged == ("sam" if store.is_sqlite else users.acting_login(store))


def test_a_name_that_names_nobody_is_kept_and_none_stays_unassigned(store: Store) -> None:
    store.settings.owner = "Walk-in desk"
    contacts.create_contact(store, ContactInput(name="Ann Lee"))
    store.settings.owner = ""
    contacts.create_contact(store, ContactInput(name="Ben Okafor"))
    with store.read() as session:
        rows = session.execute(text("SELECT display_name, owner FROM contact")).all()
    assert dict(rows) == {"Ann Lee": "Walk-in desk", "Ben Okafor": ""}
