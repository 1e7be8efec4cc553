"""REF: an id, an email, a phone or part of a name becomes one contact, or a helpful error."""

from __future__ import annotations

import pytest

from pocketcrm.core.errors import Ambiguous, NotFound
from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import companies, contacts, trash
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    def add(name: str, **fields: object) -> int:
        return contacts.create_contact(store, ContactInput(name=name, **fields)).id  # type: ignore[arg-type]

    return {
        "zoe": add("Zoë Åkesson", emails=["Zoe@Example.com"], phones=["+1 (415) 555-0100"]),
        "ann_lee": add("Ann Lee", emails=["ann@lee.example"], phones=["+44 20 7946 0958"]),
        "ann_smith": add("Ann Smith"),
        "bob": add("Robert Ray", phones=["415 555 0142"]),
    }


@pytest.mark.parametrize(
    ("ref", "who"),
    [
        ("1", "zoe"),
        ("#2", "ann_lee"),
        (" 4 ", "bob"),
        ("zoe@example.com", "zoe"),
        ("ZOE@EXAMPLE.COM", "zoe"),
        ("+14155550100", "zoe"),
        ("(415) 555-0100", "zoe"),
        ("415.555.0100", "zoe"),
        ("5550100", "zoe"),
        ("+44 20 7946 0958", "ann_lee"),
        ("4155550142", "bob"),
        ("zoe", "zoe"),
        ("ZOË ÅKESSON", "zoe"),
        ("zoe akesson", "zoe"),
        ("akes", "zoe"),
        ("Ann Lee", "ann_lee"),
        ("ann lee", "ann_lee"),
        ("smith", "ann_smith"),
        ("rob", "bob"),
    ],
)
def test_one_match(store: Store, people: dict[str, int], ref: str, who: str) -> None:
    assert contacts.resolve(store, ref) == people[who]


def test_an_exact_name_wins_over_longer_names(store: Store, people: dict[str, int]) -> None:
    longer = contacts.create_contact(store, ContactInput(name="Ann Lee-Smith")).id
    assert contacts.resolve(store, "ann lee") == people["ann_lee"]
    assert contacts.resolve(store, "Ann Lee-Smith") == longer


def test_several_matches_are_ambiguous_with_candidates(
    store: Store, people: dict[str, int]
) -> None:
    with pytest.raises(Ambiguous) as caught:
        contacts.resolve(store, "ann")
    assert caught.value.exit_code == 4
    assert caught.value.candidates == [
        (people["ann_lee"], "Ann Lee"),
        (people["ann_smith"], "Ann Smith"),
    ]
    assert "use an id" in str(caught.value)


def test_the_same_email_on_two_people_is_ambiguous(store: Store, people: dict[str, int]) -> None:
    other = contacts.create_contact(
        store, ContactInput(name="Zed Other", emails=["zoe@example.com"])
    ).id
    with pytest.raises(Ambiguous) as caught:
        contacts.resolve(store, "zoe@example.com")
    assert {c[0] for c in caught.value.candidates} == {people["zoe"], other}


def test_no_match_is_not_found_with_the_closest_names(store: Store, people: dict[str, int]) -> None:
    with pytest.raises(NotFound) as caught:
        contacts.resolve(store, "Zoey Akeson")
    assert caught.value.exit_code == 3
    assert "Zoë Åkesson" in caught.value.suggestions
    assert "did you mean" in str(caught.value)


@pytest.mark.parametrize("ref", ["99", "#99", "nobody@example.com", "+1 212 555 0000", "", "   "])
def test_no_match_at_all(store: Store, people: dict[str, int], ref: str) -> None:
    with pytest.raises(NotFound):
        contacts.resolve(store, ref)


def test_a_trashed_contact_is_not_a_match_but_can_be_restored_by_name(
    store: Store, people: dict[str, int]
) -> None:
    trash.trash_contact(store, "zoe")
    for ref in ("zoe", "1", "zoe@example.com", "5550100"):
        with pytest.raises(NotFound):
            contacts.resolve(store, ref)
    assert trash.restore(store, "zoe").id == people["zoe"]


def test_company_refs(store: Store) -> None:
    acme = companies.create_company(store, companies.CompanyInput(name="Acme Corp")).id
    acne = companies.create_company(store, companies.CompanyInput(name="Acne Studios")).id
    companies.create_company(store, companies.CompanyInput(name="Ácme Deux"))
    assert companies.get_company(store, str(acme)).id == acme
    assert companies.get_company(store, "acme corp").id == acme
    assert companies.get_company(store, "studios").id == acne
    with pytest.raises(Ambiguous) as caught:
        companies.get_company(store, "acme")
    assert len(caught.value.candidates) == 2
    with pytest.raises(NotFound) as missing:
        companies.get_company(store, "Acme Crop")
    assert "Acme Corp" in missing.value.suggestions


def test_percent_and_underscore_are_characters_not_wildcards(store: Store) -> None:
    acme = companies.create_company(store, companies.CompanyInput(name="100% Organic")).id
    companies.create_company(store, companies.CompanyInput(name="Beta_Works"))
    companies.create_company(store, companies.CompanyInput(name="Gamma"))
    assert companies.get_company(store, "%").id == acme
    assert [r.name for r in companies.list_companies(store, text_filter="_")] == ["Beta_Works"]
    with pytest.raises(NotFound):
        companies.get_company(store, "a_m")
    contacts.create_contact(store, ContactInput(name="Ann Lee", company="Gamma"))
    assert contacts.list_contacts(store, ContactQuery(company="%")) == []
