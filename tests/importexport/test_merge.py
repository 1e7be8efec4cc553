"""Duplicates: finding pairs with evidence, merging without loss, undoing exactly."""

from __future__ import annotations

from iehelp import full_export, seed

from pocketcrm.core import matching
from pocketcrm.core.services import companies, contacts, dupes
from pocketcrm.core.services.contacts import get_card_by_id
from pocketcrm.core.store import Store


def _people(store: Store) -> dict[str, int]:
    ids = seed(store)
    twin = contacts.create_contact(
        store,
        contacts.ContactInput(
            name="Lee, Ann",
            emails=["ann.lee@example.com", "ann@home.example"],
            phones=["+1 415 555 0190"],
            title="Chief Executive",
            tags=["golf"],
            notes="Prefers mornings.",
            company="Other Co",
        ),
    )
    contacts.update_contact(
        store, f"#{twin.id}", contacts.ContactPatch(set_custom={"Shoe size": "39"})
    )
    zoe = contacts.create_contact(store, contacts.ContactInput(name="Zoë Åkesson"))
    zoe2 = contacts.create_contact(
        store, contacts.ContactInput(name="Zoe Akesson", company="Nordljus AB")
    )
    contacts.update_contact(store, f"#{zoe.id}", contacts.ContactPatch(company="Nordljus AB"))
    return {**ids, "twin": twin.id, "zoe": zoe.id, "zoe2": zoe2.id}


def test_find_duplicates_with_evidence(store: Store) -> None:
    ids = _people(store)
    pairs = dupes.find_duplicates(store)
    found = {(p.a.id, p.b.id): p for p in pairs}
    ann = found[(ids["ann"], ids["twin"])]
    assert ann.score >= 95
    assert "same email ann.lee@example.com" in ann.reasons and "same name" in ann.reasons
    zoe = found[(ids["zoe"], ids["zoe2"])]
    assert zoe.reasons == ("same name", "same company Nordljus AB")  # accents and case ignored
    assert zoe.score == 90
    assert all(p.score >= 70 for p in pairs)
    assert ids["bob"] not in {i for p in pairs for i in (p.a.id, p.b.id)}
    assert dupes.find_duplicates(store, min_score=91) == [ann]


def test_merge_moves_everything_and_undo_restores_exactly(store: Store) -> None:
    ids = _people(store)
    before = full_export(store)
    result = dupes.merge_contacts(store, f"#{ids['ann']}", f"#{ids['twin']}")
    kept = result.kept
    assert [e.address for e in kept.emails] == [
        "ann@nordljus.se",
        "ann.lee@example.com",
        "ann@home.example",
    ]
    assert [p.number for p in kept.phones] == ["+46 70 123 45 67", "+1 415 555 0190"]
    assert kept.tags == ("design", "golf", "vip")
    assert kept.title == "CEO"
    assert kept.custom["merged: title"] == "Chief Executive"
    assert kept.custom["merged: company"] == "Other Co"
    assert "merged: name" not in kept.custom  # "Lee, Ann" was stored as "Ann Lee"
    assert kept.custom["Shoe size"] == "38" and kept.custom["merged: Shoe size"] == "39"
    assert kept.notes == "Met at Formex.\n---\nPrefers mornings."
    other = get_card_by_id(store, ids["twin"])
    assert other.deleted_at is not None
    assert [e.address for e in other.emails] == ["ann.lee@example.com"]  # the shared one stays
    assert full_export(store) != before
    undone = dupes.undo_merge(store)
    assert undone.id == ids["ann"]
    assert full_export(store) == before
    assert dupes.list_merges(store)[0].undone


def test_merge_history_and_activity_move(store: Store) -> None:
    ids = _people(store)
    result = dupes.merge_contacts(store, f"#{ids['twin']}", f"#{ids['ann']}")
    kept = result.kept
    assert kept.interaction_count == 1 and len(kept.follow_ups) == 1
    assert sorted(h.to_stage for h in kept.stage_history) == ["customer", "lead", "lead"]
    assert kept.last_contact_at is not None
    view = dupes.undo_any_merge(store, result.merge_id)
    assert view.id == result.merge_id and view.undone


def test_company_merge_and_undo(store: Store) -> None:
    ids = _people(store)
    companies.create_company(store, companies.CompanyInput(name="Nordljus", website="nordljus.se"))
    before = full_export(store)
    result = dupes.merge_companies(store, "Nordljus AB", "Nordljus")
    assert result.kept.website == "nordljus.se"
    assert "merged: name: Nordljus" in result.kept.notes
    assert {p.id for p in result.kept.people} >= {ids["ann"], ids["zoe"]}
    dupes.undo_any_merge(store)
    assert full_export(store) == before


FIRST_NAMES = [
    "Jack",
    "Jacob",
    "Jade",
    "Jake",
    "James",
    "Jamie",
    "Jane",
    "Janet",
    "Janice",
    "Jared",
    "Jasmine",
    "Jason",
    "Jasper",
    "Javier",
    "Jean",
    "Jeff",
    "Jenna",
    "Jennifer",
    "Jeremy",
    "Jerome",
    "Jess",
    "Jesse",
    "Jill",
    "Jim",
    "Joan",
    "Joanna",
    "Jody",
    "Joel",
    "Johan",
    "John",
    "Jon",
    "Jonas",
    "Jordan",
    "Jose",
    "Joseph",
    "Josh",
    "Joy",
    "Judith",
    "Julia",
    "Julian",
    "Justin",
]


def test_a_block_of_forty_same_surnames_is_compared_without_numpy(store: Store) -> None:
    """Issue 9: 31 or more contacts sharing a name block took rapidfuzz's cdist, which needs
    numpy (no dependency): `dupes` crashed with ModuleNotFoundError."""
    import subprocess
    import sys

    for first in FIRST_NAMES:
        contacts.create_contact(store, contacts.ContactInput(name=f"{first} Smith"))
    jonathan = contacts.create_contact(store, contacts.ContactInput(name="Jonathan Smith")).id
    jonathon = contacts.create_contact(store, contacts.ContactInput(name="Jonathon Smith")).id
    jorg = contacts.create_contact(store, contacts.ContactInput(name="Jörg Smith")).id
    jorg2 = contacts.create_contact(store, contacts.ContactInput(name="JORG SMITH")).id
    in_block = [k for k in (matching.match_key(f"{f} Smith") for f in FIRST_NAMES) if "smith" in k]
    assert len(in_block) + 4 > 40  # one block ("smith" and a J): the big-block path

    pairs = {(p.a.id, p.b.id): p for p in dupes.find_duplicates(store)}

    assert pairs[(jorg, jorg2)].reasons == ("same name",)
    assert pairs[(jonathan, jonathon)].reasons[0].startswith("similar name")
    found = {i for pair in pairs for i in pair}
    everyone_else = set(range(1, len(FIRST_NAMES) + 1))
    # the big-block path keeps the exact rule: no pair the small-block path would not make
    for a, b in pairs:
        key_a = matching.match_key(pairs[(a, b)].a.display_name)
        key_b = matching.match_key(pairs[(a, b)].b.display_name)
        assert matching.name_ratio(key_a, key_b) >= matching.NAME_MIN
    assert found - everyone_else >= {jonathan, jonathon, jorg, jorg2}
    if store.path is not None:  # in a fresh process: this one may hold numpy from other tests
        script = (
            "import sys\nfrom pocketcrm.core.settings import Settings\n"
            "from pocketcrm.core.store import open_store\n"
            "from pocketcrm.core.services import dupes\n"
            f"dupes.find_duplicates(open_store({str(store.path)!r}, Settings()))\n"
            "print('numpy' in sys.modules)"
        )
        ran = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        assert ran.stdout.strip() == "False", ran.stderr
