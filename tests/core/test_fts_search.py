"""Full-text search: accents and case ignored, prefixes, phones by digits, and an index that
follows every edit."""

from __future__ import annotations

import pytest

from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.search import fold
from pocketcrm.core.services import activity, companies, contacts, trash
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.store import Store


@pytest.fixture
def people(store: Store) -> dict[str, int]:
    def add(name: str, **fields: object) -> int:
        return contacts.create_contact(store, ContactInput(name=name, **fields)).id  # type: ignore[arg-type]

    return {
        "zoe": add(
            "Zoë Åkesson",
            emails=["zoe.akesson@bakery.example.com"],
            phones=["+1 (415) 555-0100"],
            company="Nordic Breads",
            tags=["vip"],
            notes="Wants sourdough starters every spring",
        ),
        "francois": add("François Müller", phones=["+44 20 7946 0958"], tags=["wholesale"]),
        "ann": add("Ann Lee", emails=["ann@lee.example.org"], company="Acme Corp"),
    }


def found(store: Store, words: str) -> list[int]:
    return [r.id for r in contacts.search_contacts(store, words)]


@pytest.mark.parametrize(
    ("words", "who"),
    [
        ("zoe", "zoe"),
        ("ZOË", "zoe"),
        ("akesson", "zoe"),
        ("Åke", "zoe"),
        ("zo ak", "zoe"),
        ("francois", "francois"),
        ("muller", "francois"),
        ("Müll", "francois"),
        ("zoe.akesson@bakery.example.com", "zoe"),
        ("ann@lee", "ann"),
        ("nordic", "zoe"),
        ("acme", "ann"),
        ("vip", "zoe"),
        ("wholesale", "francois"),
        ("sourdough", "zoe"),
        ("spring", "zoe"),
    ],
)
def test_finds_by_every_kind_of_text(
    store: Store, people: dict[str, int], words: str, who: str
) -> None:
    assert found(store, words) == [people[who]]


@pytest.mark.parametrize(
    "digits",
    ["5550100", "4155550100", "+14155550100", "415 555 0100", "(415) 555-0100", "555-0100", "0100"],
)
def test_finds_phones_by_digits_however_typed(
    store: Store, people: dict[str, int], digits: str
) -> None:
    assert found(store, digits) == [people["zoe"]]


def test_finds_an_international_number_by_its_national_digits(
    store: Store, people: dict[str, int]
) -> None:
    assert found(store, "79460958") == [people["francois"]]
    assert found(store, "7946 0958") == [people["francois"]]
    assert found(store, "442079460958") == [people["francois"]]


def test_nothing_and_junk_find_nothing(store: Store, people: dict[str, int]) -> None:
    assert found(store, "") == []
    assert found(store, '"*()') == []
    assert found(store, "nobody") == []
    assert found(store, "zoe nobody") == []


def test_a_trashed_contact_is_not_found_and_comes_back_when_restored(
    store: Store, people: dict[str, int]
) -> None:
    trash.trash_contact(store, str(people["zoe"]))
    assert found(store, "zoe") == []
    assert found(store, "5550100") == []
    assert contacts.list_contacts(store, ContactQuery(text="zoe")) == []
    trash.restore(store, str(people["zoe"]))
    assert found(store, "zoe") == [people["zoe"]]


def test_an_edit_updates_the_index(store: Store, people: dict[str, int]) -> None:
    ann = people["ann"]
    contacts.update_contact(
        store,
        str(ann),
        ContactPatch(
            name="Annabel Lee",
            add_emails=["annabel@poems.example.net"],
            add_phones=["+1 212 555 0199"],
            append_note="likes ravens",
            company="Poe Ltd",
        ),
    )
    assert found(store, "annabel") == [ann]
    assert found(store, "poems") == [ann]
    assert found(store, "2125550199") == [ann]
    assert found(store, "ravens") == [ann]
    assert found(store, "poe") == [ann]
    assert found(store, "acme") == []
    contacts.change_tags(store, str(ann), add=["poet"], remove=[])
    assert found(store, "poet") == [ann]
    contacts.change_tags(store, str(ann), add=[], remove=["poet"])
    assert found(store, "poet") == []


def test_renaming_a_company_updates_its_peoples_index(store: Store, people: dict[str, int]) -> None:
    companies.update_company(store, "nordic", companies.CompanyPatch(name="Baltic Loaves"))
    assert found(store, "baltic") == [people["zoe"]]
    assert found(store, "nordic") == []


def test_list_with_text_filter_uses_the_same_index(store: Store, people: dict[str, int]) -> None:
    rows = contacts.list_contacts(store, ContactQuery(text="ak"))
    assert [r.id for r in rows] == [people["zoe"]]
    rows = contacts.list_contacts(store, ContactQuery(text="e", sort="name"))
    assert people["ann"] in [r.id for r in rows]


def test_search_limit(store: Store) -> None:
    for n in range(5):
        contacts.create_contact(store, ContactInput(name=f"Sam Person{n}"))
    assert len(contacts.search_contacts(store, "sam", limit=3)) == 3


# -- issue 9: interaction notes and custom fields are searched ------------------------------


def test_finds_a_contact_by_what_was_said_in_a_call(store: Store, people: dict[str, int]) -> None:
    ann = people["ann"]
    assert found(store, "unhappy") == []
    logged = activity.log_interaction(
        store, "ann", activity.InteractionInput(notes="Unhappy with delivery times")
    )
    assert found(store, "unhappy") == [ann]
    assert found(store, "unhap deliv") == [ann]
    assert found(store, "ann unhappy") == [ann]  # a word of the name and one of a note
    assert found(store, "zoe unhappy") == []
    assert found(store, "wi") == []  # one or two letters: not looked for in old notes
    assert found(store, "wit") == [ann]
    assert contacts.list_contacts(store, ContactQuery(text="delivery")) != []
    trash.trash_interaction(store, logged.id)
    assert found(store, "unhappy") == []
    trash.restore(store, str(logged.id), "interaction")
    assert found(store, "unhappy") == [ann]
    trash.trash_contact(store, str(ann))
    assert found(store, "unhappy") == []


def test_notes_are_folded_like_names(store: Store, people: dict[str, int]) -> None:
    activity.log_interaction(
        store, "zoe", activity.InteractionInput(kind="note", notes="Très mécontent: Łódź order")
    )
    assert found(store, "mecontent") == [people["zoe"]]
    assert found(store, "lodz") == [people["zoe"]]
    assert found(store, "MÉCONTENT") == [people["zoe"]]


def test_finds_a_contact_by_a_custom_field_value(store: Store, people: dict[str, int]) -> None:
    francois = people["francois"]
    contacts.update_contact(
        store, str(francois), ContactPatch(set_custom={"favourite cake": "Pistachio Éclair"})
    )
    assert found(store, "pistachio") == [francois]
    assert found(store, "eclair") == [francois]
    contacts.update_contact(store, str(francois), ContactPatch(remove_custom=["favourite cake"]))
    assert found(store, "pistachio") == []


def test_a_name_match_ranks_above_a_note_match(store: Store, people: dict[str, int]) -> None:
    activity.log_interaction(
        store, "zoe", activity.InteractionInput(notes="Ann from Acme recommended us")
    )
    assert found(store, "ann") == [people["ann"], people["zoe"]]


# -- issue 17: one folding rule for lookup and search ---------------------------------------


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("Łukasz Żółkiewski", "lukasz"),
        ("Łukasz Żółkiewski", "zolk"),
        ("Søren Kierkegaard", "soren"),
        ("Æsa Strauß", "aesa strauss"),
        ("Đorđe Balašević", "dorde"),
        ("Œdipe Roi", "oedipe"),
        ("Þóra Ísaksdóttir", "thora"),
        ("Işıl Kaya", "isil"),
    ],
)
def test_letters_nfkd_keeps_whole_are_folded_everywhere(
    store: Store, name: str, typed: str
) -> None:
    cid = contacts.create_contact(store, ContactInput(name=name)).id
    assert found(store, typed) == [cid]
    assert found(store, name) == [cid]
    assert contacts.resolve(store, typed) == cid
    assert contacts.resolve(store, fold(name)) == cid


def test_fold() -> None:
    assert fold("Łukasz Żółkiewski") == "lukasz zolkiewski"
    assert fold("  Zoë   ÅKESSON ") == "zoe akesson"
    assert fold("Straße ẞ") == "strasse ss"
    assert fold("Æ æ Œ œ Þ þ Ø ø Đ đ Ð ð ı İ") == "ae ae oe oe th th o o d d d d i i"
    assert fold("ﬁne") == "fine"


@pytest.mark.parametrize("backend", ["postgres"])
def test_the_database_folds_as_python_does(store: Store) -> None:
    """PostgreSQL searches notes through sql_fold: it must agree with fold letter by letter."""
    from sqlalchemy import text

    from pocketcrm.core.search import sql_fold

    sample = "Łukasz ŻÓŁKIEWSKI Søren Æsa Straße Đorđe Œdipe Þóra Işıl Zoë Åkesson ǅ Ďŭŗ Ёлка"
    with store.read() as session:
        folded = session.execute(text(f"SELECT {sql_fold(':v')}"), {"v": sample}).scalar_one()
    assert folded == fold(sample)
