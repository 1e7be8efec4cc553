"""Companies: create, list, card with people and activity, change, tags, trash and restore."""

from __future__ import annotations

import pytest
from coresupport import NOW, FixedClock

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import activity, companies, contacts, trash
from pocketcrm.core.services.companies import CompanyInput, CompanyPatch
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def test_create_and_show(store: Store) -> None:
    created = companies.create_company(
        store,
        CompanyInput(
            name="  Åkesson   Bakery ",
            kind="Supplier",
            website="akesson.example.com",
            email="Hello@Akesson.Example.COM",
            phone="+46 8 123 456",
            city="Stockholm",
            tags=["local", "VIP"],
            notes="Pays on time.",
        ),
    )
    card = companies.get_company(store, "akesson")
    assert card.id == created.id
    assert card.name == "Åkesson Bakery"
    assert card.kind == "supplier"
    assert card.email == "Hello@akesson.example.com"
    assert (card.website, card.city, card.notes) == (
        "akesson.example.com",
        "Stockholm",
        "Pays on time.",
    )
    assert card.tags == ("local", "vip")
    assert card.owner == "Me"
    assert card.created_at == NOW
    assert card.people == () and card.interactions == ()


def test_card_lists_people_and_their_latest_activity(store: Store) -> None:
    companies.create_company(store, CompanyInput(name="Acme"))
    ann = contacts.create_contact(store, ContactInput(name="Ann Lee", company="acme")).id
    bob = contacts.create_contact(store, ContactInput(name="Bob Ray", company="Acme")).id
    contacts.create_contact(store, ContactInput(name="Cy Other"))
    activity.log_interaction(store, "ann", activity.InteractionInput(notes="hi"))
    card = companies.get_company(store, "acme")
    assert [p.id for p in card.people] == [ann, bob]
    assert [(i.contact_name, i.notes) for i in card.interactions] == [("Ann Lee", "hi")]
    trash.trash_contact(store, "bob")
    assert [p.id for p in companies.get_company(store, "acme").people] == [ann]


def test_list_counts_people_and_filters(store: Store) -> None:
    companies.create_company(store, CompanyInput(name="Acme", tags=["vip"]))
    companies.create_company(store, CompanyInput(name="Beta", kind="supplier"))
    contacts.create_contact(store, ContactInput(name="Ann Lee", company="Acme"))
    contacts.create_contact(store, ContactInput(name="Bob Ray", company="Acme"))
    rows = companies.list_companies(store)
    assert [(r.name, r.kind, r.people, r.tags) for r in rows] == [
        ("Acme", "customer", 2, ("vip",)),
        ("Beta", "supplier", 0, ()),
    ]
    assert [r.name for r in companies.list_companies(store, kind="supplier")] == ["Beta"]
    assert [r.name for r in companies.list_companies(store, tag="vip")] == ["Acme"]
    assert [r.name for r in companies.list_companies(store, text_filter="et")] == ["Beta"]
    assert [r.name for r in companies.list_companies(store, limit=1, offset=1)] == ["Beta"]
    people = contacts.list_contacts(store, ContactQuery(company_kind="customer"))
    assert [p.display_name for p in people] == ["Ann Lee", "Bob Ray"]


def test_update_company(store: Store, fixed_clock: FixedClock) -> None:
    companies.create_company(store, CompanyInput(name="Acme", tags=["old"]))
    fixed_clock.advance(hours=2)
    card = companies.update_company(
        store,
        "acme",
        CompanyPatch(
            name="Acme Holdings",
            kind="partner",
            city="Leeds",
            add_tags=["new"],
            remove_tags=["old"],
        ),
    )
    assert (card.name, card.kind, card.city, card.tags) == (
        "Acme Holdings",
        "partner",
        "Leeds",
        ("new",),
    )
    assert card.updated_at == fixed_clock.moment
    assert card.created_at == NOW
    with pytest.raises(Invalid) as caught:
        companies.update_company(store, "acme", CompanyPatch(kind="friend"))
    assert caught.value.field == "kind"
    assert companies.get_company(store, "acme").kind == "partner"


def test_two_companies_cannot_share_a_name(store: Store) -> None:
    companies.create_company(store, CompanyInput(name="Acme"))
    with pytest.raises(Invalid) as caught:
        companies.create_company(store, CompanyInput(name="ACME"))
    assert caught.value.field == "name"


def test_trash_and_restore_a_company(store: Store) -> None:
    companies.create_company(store, CompanyInput(name="Acme"))
    ann = contacts.create_contact(store, ContactInput(name="Ann Lee", company="Acme")).id
    item = trash.trash_company(store, "acme")
    assert (item.kind, item.label) == ("company", "Acme")
    assert companies.list_companies(store) == []
    with pytest.raises(NotFound):
        companies.get_company(store, "acme")
    assert contacts.get_card(store, str(ann)).display_name == "Ann Lee"  # people stay
    assert [i.kind for i in trash.list_trash(store)] == ["company"]
    trash.restore(store, "acme", "company")
    card = companies.get_company(store, "acme")
    assert [p.id for p in card.people] == [ann]


def test_a_trashed_company_shows_nowhere_until_restored(store: Store) -> None:
    ann = contacts.create_contact(store, ContactInput(name="Ann Lee", company="Acme Tools")).id

    def seen() -> tuple[object, str, list[int], list[int]]:
        card = contacts.get_card(store, str(ann))
        [row] = contacts.list_contacts(store, ContactQuery())
        found = [r.id for r in contacts.search_contacts(store, "tools")]
        listed = [r.id for r in contacts.list_contacts(store, ContactQuery(company="acme"))]
        return (card.company.name if card.company else None, row.company, found, listed)

    assert seen() == ("Acme Tools", "Acme Tools", [ann], [ann])
    trash.trash_company(store, "acme tools")
    assert seen() == (None, "", [], [])
    trash.restore(store, "acme tools", "company")
    assert seen() == ("Acme Tools", "Acme Tools", [ann], [ann])


def test_a_new_company_may_reuse_a_trashed_name(store: Store) -> None:
    companies.create_company(store, CompanyInput(name="Acme"))
    trash.trash_company(store, "acme")
    created = companies.create_company(store, CompanyInput(name="Acme"))
    assert companies.get_company(store, "acme").id == created.id


def test_restore_kinds_are_checked(store: Store) -> None:
    with pytest.raises(Invalid) as caught:
        trash.restore(store, "1", "planet")
    assert caught.value.field == "kind"
    with pytest.raises(Invalid):
        trash.restore(store, "abc", "interaction")
    with pytest.raises(NotFound):
        trash.restore(store, "5", "follow_up")
