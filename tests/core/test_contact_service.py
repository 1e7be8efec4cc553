"""People through the core: create, read, change, tag, stage with history, trash, restore, purge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from coresupport import NOW, FixedClock

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import activity, contacts, trash
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.store import Store


def add(store: Store, name: str, **fields: object) -> int:
    return contacts.create_contact(store, ContactInput(name=name, **fields)).id  # type: ignore[arg-type]


def test_create_and_read_back_the_card(store: Store) -> None:
    created = contacts.create_contact(
        store,
        ContactInput(
            name="Ann Lee",
            emails=["work:Ann.Lee@Example.COM", "ann@home.example.org"],
            phones=["mobile:+1 415 555 0100"],
            company="Acme Corp",
            title="Buyer",
            tags=["VIP", "#wholesale"],
            notes="Met at the fair.",
            birthday="1980-05-17",
            websites=["ann.example.com"],
            source="fair",
        ),
    )
    card = contacts.get_card(store, str(created.id))
    assert created.label == "Ann Lee"
    assert (card.given_name, card.family_name) == ("Ann", "Lee")
    assert [(e.address, e.label, e.primary) for e in card.emails] == [
        ("Ann.Lee@example.com", "work", True),
        ("ann@home.example.org", "", False),
    ]
    assert [(p.number, p.e164, p.valid, p.label) for p in card.phones] == [
        ("+1 415 555 0100", "+14155550100", True, "mobile")
    ]
    assert card.company is not None and card.company.name == "Acme Corp"
    assert card.company.kind == "prospect"  # a new company of a lead is a prospect
    assert card.stage == "lead"
    assert card.owner == "Me"
    assert card.tags == ("vip", "wholesale")
    assert card.notes == "Met at the fair."
    assert card.birthday == "1980-05-17"
    assert [w.url for w in card.websites] == ["ann.example.com"]
    assert card.created_at == NOW
    assert card.deleted_at is None
    assert [(h.from_stage, h.to_stage, h.by, h.at) for h in card.stage_history] == [
        ("", "lead", "Me", NOW)
    ]


def test_lee_comma_ann_is_ann_lee(store: Store) -> None:
    card = contacts.get_card(store, str(add(store, "Lee, Ann")))
    assert (card.display_name, card.given_name, card.family_name) == ("Ann Lee", "Ann", "Lee")


def test_customer_company_is_created_as_a_customer_and_reused(store: Store) -> None:
    first = add(store, "Ann Lee", company="Acme", stage="customer")
    second = add(store, "Bob Ray", company="ACME")
    a = contacts.get_card(store, str(first)).company
    b = contacts.get_card(store, str(second)).company
    assert a is not None and b is not None
    assert a.id == b.id and a.kind == "customer"


def test_an_invalid_phone_is_kept_flagged_with_a_warning(store: Store) -> None:
    created = contacts.create_contact(store, ContactInput(name="Ann Lee", phones=["555 12"]))
    assert created.warnings and "555 12" in created.warnings[0]
    card = contacts.get_card(store, str(created.id))
    assert [(p.number, p.valid) for p in card.phones] == [("555 12", False)]


def test_update_changes_fields_and_keeps_the_rest(store: Store, fixed_clock: FixedClock) -> None:
    cid = add(store, "Ann Lee", emails=["ann@x.com"], phones=["+1 415 555 0100"])
    fixed_clock.advance(hours=1)
    card = contacts.update_contact(
        store,
        str(cid),
        ContactPatch(
            name="Ann Lee-Smith",
            title="CEO",
            company="Beta GmbH",
            append_note="Second line",
            add_emails=["second@x.com"],
            remove_emails=["ANN@x.com"],
            add_phones=["+1 415 555 0199"],
            remove_phones=["+14155550100"],
            set_custom={"shoe size": "38"},
            do_not_contact=True,
        ),
    )
    assert card.display_name == "Ann Lee-Smith"
    assert card.title == "CEO"
    assert card.company is not None and card.company.name == "Beta GmbH"
    assert card.notes == "Second line"
    assert [(e.address, e.primary) for e in card.emails] == [("second@x.com", True)]
    assert [(p.e164, p.primary) for p in card.phones] == [("+14155550199", True)]
    assert card.custom == {"shoe size": "38"}
    assert card.do_not_contact is True
    assert card.updated_at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert card.created_at == NOW
    again = contacts.update_contact(
        store, str(cid), ContactPatch(company="", remove_custom=["shoe size"], birthday="--05-17")
    )
    assert again.company is None
    assert again.custom == {}
    assert again.birthday == "--05-17"
    assert again.title == "CEO"


def test_removing_an_email_the_contact_does_not_have_changes_nothing(
    store: Store, rows: Callable[[str], int]
) -> None:
    cid = add(store, "Ann Lee", emails=["ann@x.com"])
    with pytest.raises(Invalid) as caught:
        contacts.update_contact(
            store, str(cid), ContactPatch(name="Changed", remove_emails=["nobody@x.com"])
        )
    assert caught.value.field == "email"
    assert contacts.get_card(store, str(cid)).display_name == "Ann Lee"


def test_tags_add_and_remove_in_one_step(store: Store) -> None:
    cid = add(store, "Ann Lee", tags=["cold", "retail"])
    card = contacts.change_tags(store, str(cid), add=["+VIP", "retail"], remove=["cold"])
    assert card.tags == ("retail", "vip")
    assert [r.id for r in contacts.list_contacts(store, ContactQuery(tag="vip"))] == [cid]
    assert contacts.list_contacts(store, ContactQuery(tag="cold")) == []


def test_stage_changes_are_kept_with_when_from_to_and_who(
    store: Store, fixed_clock: FixedClock
) -> None:
    cid = add(store, "Ann Lee")
    fixed_clock.advance(days=1)
    contacts.set_stage(store, str(cid), "Prospect", by="Sam")
    fixed_clock.advance(days=2)
    card = contacts.set_stage(store, str(cid), "customer")
    contacts.set_stage(store, str(cid), "customer")  # no change, no history line
    card = contacts.get_card(store, str(cid))
    assert card.stage == "customer"
    assert [(h.at.day, h.from_stage, h.to_stage, h.by) for h in card.stage_history] == [
        (1, "", "lead", "Me"),
        (2, "lead", "prospect", "Sam"),
        (4, "prospect", "customer", "Me"),
    ]
    assert all(h.at.tzinfo is not None for h in card.stage_history)


def test_unknown_stage_is_refused(store: Store) -> None:
    cid = add(store, "Ann Lee")
    with pytest.raises(Invalid) as caught:
        contacts.set_stage(store, str(cid), "friend")
    assert caught.value.field == "stage"
    assert "lead" in caught.value.message
    assert contacts.get_card(store, str(cid)).stage == "lead"


def test_trash_hides_restore_brings_back_exactly(store: Store, fixed_clock: FixedClock) -> None:
    cid = add(store, "Zoë Åkesson", emails=["zoe@x.com"], tags=["vip"])
    activity.log_interaction(store, str(cid), activity.InteractionInput(notes="hello"))
    before = contacts.get_card(store, str(cid))
    fixed_clock.advance(minutes=5)
    item = trash.trash_contact(store, "zoe")
    assert (item.kind, item.id, item.label) == ("contact", cid, "Zoë Åkesson")
    assert contacts.list_contacts(store) == []
    assert contacts.search_contacts(store, "zoe") == []
    with pytest.raises(NotFound):
        contacts.get_card(store, "zoe@x.com")
    assert [i.id for i in trash.list_trash(store)] == [cid]
    trash.restore(store, "zoe")
    after = contacts.get_card(store, str(cid))
    assert after == before
    assert [r.id for r in contacts.search_contacts(store, "zoe")] == [cid]
    assert trash.list_trash(store) == []


def test_restoring_a_live_contact_is_refused(store: Store) -> None:
    cid = add(store, "Ann Lee")
    with pytest.raises(Invalid):
        trash.restore(store, str(cid))


def test_purge_deletes_for_good_with_everything_tied(
    store: Store, rows: Callable[[str], int], fixed_clock: FixedClock
) -> None:
    gone = add(store, "Gone Person", emails=["g@x.com"], phones=["+1 415 555 0100"], tags=["x"])
    kept = add(store, "Kept Person", tags=["x"])
    activity.log_interaction(
        store,
        str(gone),
        activity.InteractionInput(follow_up_at=NOW.replace(day=5), notes="call back"),
    )
    trash.trash_contact(store, str(gone))
    fixed_clock.advance(seconds=1)
    assert trash.purge_trash(store) == 1
    for table in ("contact_email", "contact_phone", "interaction", "follow_up", "stage_change"):
        assert rows(table) == (1 if table == "stage_change" else 0), table
    assert rows("contact") == 1
    assert rows("contact_tag") == 1
    if store.is_sqlite:
        assert rows("contact_fts") == 1
    assert trash.list_trash(store) == []
    with pytest.raises(NotFound):
        trash.restore(store, str(gone))
    assert contacts.get_card(store, str(kept)).tags == ("x",)


def test_purge_of_a_trashed_call_whose_follow_up_lives_on(
    store: Store, rows: Callable[[str], int], fixed_clock: FixedClock
) -> None:
    """A follow-up scheduled with a call points at it; emptying the trash must still work."""
    cid = add(store, "Ann Lee")
    created = activity.log_interaction(
        store, str(cid), activity.InteractionInput(follow_up_at=NOW.replace(day=5))
    )
    trash.trash_interaction(store, created.id)
    fixed_clock.advance(seconds=1)
    assert trash.purge_trash(store) == 1
    assert rows("interaction") == 0
    assert [f.contact_id for f in activity.agenda(store, "all")] == [cid]


def test_purge_of_a_trashed_company_keeps_its_people(store: Store, fixed_clock: FixedClock) -> None:
    cid = add(store, "Ann Lee", company="Acme")
    activity.log_interaction(store, str(cid), activity.InteractionInput())
    trash.trash_company(store, "acme")
    fixed_clock.advance(seconds=1)
    assert trash.purge_trash(store) == 1
    card = contacts.get_card(store, str(cid))
    assert card.company is None
    assert card.interaction_count == 1


def test_list_filters_and_sorts(store: Store, fixed_clock: FixedClock) -> None:
    a = add(store, "Ann Lee", stage="customer", company="Acme", owner="Sam")
    b = add(store, "Bob Ray", company="Beta", tags=["vip"])
    c = add(store, "Cy Young", stage="customer")
    activity.log_interaction(
        store, str(c), activity.InteractionInput(when=NOW.replace(day=1, hour=8))
    )
    fixed_clock.advance(days=40)
    activity.log_interaction(store, str(a), activity.InteractionInput())

    def ids(**query: object) -> list[int]:
        return [r.id for r in contacts.list_contacts(store, ContactQuery(**query))]  # type: ignore[arg-type]

    assert ids() == [a, b, c]
    assert ids(stage="customer") == [a, c]
    assert ids(company="acm") == [a]
    assert ids(owner="sam") == [a]
    assert ids(tag="vip") == [b]
    assert ids(sort="last-contact") == [a, c, b]
    assert ids(sort="created") == [c, b, a]
    assert ids(not_contacted_since=fixed_clock.moment.replace(day=1)) == [b, c]
    assert ids(limit=2) == [a, b]
    assert contacts.count_contacts(store, ContactQuery(stage="customer")) == 2
    with pytest.raises(Invalid) as caught:
        contacts.list_contacts(store, ContactQuery(sort="age"))
    assert caught.value.field == "sort"


def test_likely_duplicates_by_email_phone_and_name(store: Store) -> None:
    cid = add(store, "Zoë Åkesson", emails=["zoe@x.com"], phones=["+1 415 555 0100"])
    assert [d.id for d in contacts.likely_duplicates(store, "Someone", ["ZOE@x.com"])] == [cid]
    assert [d.id for d in contacts.likely_duplicates(store, "X", [], ["(415) 555-0100"])] == [cid]
    assert [d.id for d in contacts.likely_duplicates(store, "zoe akesson")] == [cid]
    assert contacts.likely_duplicates(store, "Ann Lee", ["ann@x.com"]) == []
    assert contacts.likely_duplicates(store, "zoe akesson", exclude_id=cid) == []


def test_an_email_or_phone_given_twice_is_kept_once(store: Store) -> None:
    cid = add(
        store,
        "Ann Lee",
        emails=["ann@x.com", "work:ANN@x.com"],
        phones=["+1 415 555 0100", "(415) 555-0100"],
    )
    card = contacts.update_contact(
        store, str(cid), ContactPatch(add_emails=["Ann@X.com"], add_phones=["4155550100"])
    )
    assert [e.address for e in card.emails] == ["ann@x.com"]
    assert [p.number for p in card.phones] == ["+1 415 555 0100"]


def test_names_with_fts_syntax_are_plain_text(store: Store) -> None:
    """Quotes, stars and parentheses in a name are no full-text query syntax anywhere."""
    cid = add(store, 'Robert "Bob" Ray (NEAR) *')
    assert [d.id for d in contacts.likely_duplicates(store, 'robert "bob" ray')] == [cid]
    assert contacts.likely_duplicates(store, '"(*') == []
    assert [r.id for r in contacts.search_contacts(store, '"bob"')] == [cid]
    assert contacts.resolve(store, '"Bob" Ray') == cid
