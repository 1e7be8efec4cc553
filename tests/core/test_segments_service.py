"""Saved segments: filters stored as JSON, evaluated when used (membership follows contacts).

Runs on SQLite and PostgreSQL (the store fixture); the clock is fixed at Tue 1 Dec 2026.
"""

from __future__ import annotations

import pytest
from coresupport import FixedClock
from sqlalchemy import text

from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.readmodels.contact_row import ContactRow
from pocketcrm.core.services import activity, contacts, segments, trash
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.services.segments import SegmentFilters
from pocketcrm.core.store import Store


def add(store: Store, name: str, **fields: object) -> int:
    return contacts.create_contact(store, ContactInput(name=name, **fields)).id  # type: ignore[arg-type]


def names(rows: list[ContactRow]) -> list[str]:
    return [r.display_name for r in rows]


def test_save_list_show_and_delete(store: Store) -> None:
    add(store, "Ann Lee", tags=["vip"], company="Acme")
    add(store, "Bob Ray", tags=["vip"])
    add(store, "Cy Dee")
    saved = segments.save_segment(store, "VIP-Customers", SegmentFilters(tag="#VIP"))
    assert saved.name == "vip-customers"  # names are kept lower-case
    assert saved.filters == {"tag": "vip"}
    assert saved.members == 2
    assert [(s.name, s.members) for s in segments.list_segments(store)] == [("vip-customers", 2)]
    assert names(segments.segment_members(store, "vip-customers")) == ["Ann Lee", "Bob Ray"]
    assert segments.get_segment(store, "VIP-customers").id == saved.id
    segments.delete_segment(store, "vip-customers")
    assert segments.list_segments(store) == []
    with pytest.raises(NotFound):
        segments.get_segment(store, "vip-customers")


def test_membership_follows_contact_changes(store: Store) -> None:
    ann = add(store, "Ann Lee")
    bob = add(store, "Bob Ray", tags=["vip"])
    segments.save_segment(store, "vip", SegmentFilters(tag="vip", stage="lead"))
    assert names(segments.segment_members(store, "vip")) == ["Bob Ray"]
    contacts.change_tags(store, f"#{ann}", ["vip"], [])
    assert names(segments.segment_members(store, "vip")) == ["Ann Lee", "Bob Ray"]
    contacts.set_stage(store, f"#{bob}", "customer")
    assert names(segments.segment_members(store, "vip")) == ["Ann Lee"]
    trash.trash_contact(store, f"#{ann}")
    assert segments.segment_members(store, "vip") == []
    assert segments.get_segment(store, "vip").members == 0


def test_replacing_a_segment_keeps_its_id_and_changes_the_filters(
    store: Store, fixed_clock: FixedClock
) -> None:
    add(store, "Ann Lee", owner="Kim")
    add(store, "Bob Ray", owner="Lou")
    first = segments.save_segment(store, "mine", SegmentFilters(owner="kim"))
    fixed_clock.advance(hours=1)
    second = segments.save_segment(store, "mine", SegmentFilters(owner="Lou"))
    assert second.id == first.id
    assert second.updated_at > first.updated_at == second.created_at
    assert names(segments.segment_members(store, "mine")) == ["Bob Ray"]


def test_every_list_filter_is_kept(store: Store) -> None:
    add(store, "Ann Lee", company="Acme Supplies", stage="customer", owner="Kim", notes="gold")
    add(store, "Ann Other", company="Acme Supplies", stage="customer", owner="Kim")
    add(store, "Bob Ray", company="Other Co", stage="customer", owner="Kim", notes="gold")
    filters = SegmentFilters(
        stage="Customer", company="acme", company_kind="Customer", owner="KIM", text="gold"
    )
    saved = segments.save_segment(store, "gold", filters)
    assert saved.filters == {
        "company": "acme",
        "company_kind": "customer",
        "owner": "KIM",
        "stage": "customer",
        "text": "gold",
    }
    assert names(segments.segment_members(store, "gold")) == ["Ann Lee"]


def test_not_contacted_since_is_read_again_at_each_use(
    store: Store, fixed_clock: FixedClock
) -> None:
    ann = add(store, "Ann Lee")
    activity.log_interaction(store, f"#{ann}", InteractionInput(kind="call"))
    add(store, "Bob Ray")
    segments.save_segment(store, "quiet", SegmentFilters(not_contacted_since="30d"))
    assert names(segments.segment_members(store, "quiet")) == ["Bob Ray"]
    fixed_clock.advance(days=31)  # Ann's call is now more than 30 days ago
    assert names(segments.segment_members(store, "quiet")) == ["Ann Lee", "Bob Ray"]


@pytest.mark.parametrize(
    ("name", "filters", "field"),
    [
        ("two words", SegmentFilters(), "segment"),
        ("", SegmentFilters(), "segment"),
        ("a" * 65, SegmentFilters(), "segment"),
        ("ok", SegmentFilters(stage="nonsense"), "stage"),
        ("ok", SegmentFilters(company_kind="nonsense"), "kind"),
        ("ok", SegmentFilters(not_contacted_since="blorp"), "not-contacted-since"),
    ],
)
def test_bad_names_and_filters_are_refused_and_nothing_is_written(
    store: Store, name: str, filters: SegmentFilters, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        segments.save_segment(store, name, filters)
    assert caught.value.field == field
    assert segments.list_segments(store) == []


def test_unknown_keys_from_a_newer_release_are_ignored(store: Store) -> None:
    add(store, "Ann Lee", tags=["vip"])
    add(store, "Bob Ray")
    segments.save_segment(store, "vip", SegmentFilters(tag="vip"))
    with store.write() as session:
        session.execute(
            text("UPDATE segment SET filters = :f WHERE name = 'vip'"),
            {"f": '{"tag": "vip", "lifetime_value_over": 1000, "regions": ["EU"]}'},
        )
    assert names(segments.segment_members(store, "vip")) == ["Ann Lee"]
    assert segments.get_segment(store, "vip").filters == {"tag": "vip"}


def test_unreadable_filters_say_how_to_fix(store: Store) -> None:
    segments.save_segment(store, "vip", SegmentFilters(tag="vip"))
    with store.write() as session:
        session.execute(text("UPDATE segment SET filters = 'not json' WHERE name = 'vip'"))
    with pytest.raises(Invalid, match="save the segment again"):
        segments.segment_members(store, "vip")


def test_a_misspelt_name_suggests_the_closest(store: Store) -> None:
    segments.save_segment(store, "newsletter", SegmentFilters())
    with pytest.raises(NotFound, match="newsletter"):
        segments.segment_members(store, "newsleter")


def test_an_empty_segment_means_every_contact(store: Store) -> None:
    add(store, "Ann Lee")
    add(store, "Bob Ray")
    assert segments.save_segment(store, "all", SegmentFilters()).members == 2


def test_list_in_segment_combines_with_more_filters(store: Store) -> None:
    add(store, "Ann Lee", tags=["vip", "eu"], owner="Kim")
    add(store, "Bob Ray", tags=["vip"], owner="Kim")
    add(store, "Cy Dee", tags=["eu"], owner="Lou")
    segments.save_segment(store, "vip", SegmentFilters(tag="vip"))
    # Different fields: one query.
    assert names(segments.list_in_segment(store, "vip", ContactQuery(owner="kim"))) == [
        "Ann Lee",
        "Bob Ray",
    ]
    # The same field twice (two tags): both must hold.
    assert names(segments.list_in_segment(store, "vip", ContactQuery(tag="eu"))) == ["Ann Lee"]
    assert names(segments.list_in_segment(store, "vip", ContactQuery(stage="customer"))) == []
    limited = segments.list_in_segment(store, "vip", ContactQuery(tag="eu", limit=0))
    assert limited == []
    by_created = segments.list_in_segment(store, "vip", ContactQuery(sort="created", limit=1))
    assert names(by_created) == ["Bob Ray"]  # same moment: the newer id first


def test_an_opt_out_does_not_change_membership(store: Store) -> None:
    """A segment is who matches; campaigns decide who may be emailed."""
    ann = add(store, "Ann Lee", tags=["vip"])
    segments.save_segment(store, "vip", SegmentFilters(tag="vip"))
    contacts.update_contact(store, f"#{ann}", ContactPatch(email_opt_out=True))
    assert names(segments.segment_members(store, "vip")) == ["Ann Lee"]


def test_repeated_filters_combine_tags_with_and_the_rest_with_or(store: Store) -> None:
    """Issue 17: `--tag boilers --tag trade` kept only the last tag."""
    add(store, "Ann Lee", tags=["boilers", "trade"], owner="Kim")
    add(store, "Bob Ray", tags=["boilers"], owner="Lou", stage="customer")
    add(store, "Cy Dee", tags=["trade"], owner="Max")
    both = segments.save_segment(store, "bt", SegmentFilters(tag=("boilers", "trade")))
    assert both.members == 1 and both.filters == {"tag": ["boilers", "trade"]}
    assert names(segments.segment_members(store, "bt")) == ["Ann Lee"]
    either = segments.save_segment(store, "st", SegmentFilters(stage=("lead", "customer")))
    assert either.members == 3
    segments.save_segment(store, "ow", SegmentFilters(owner=("kim", "LOU")))
    assert names(segments.segment_members(store, "ow")) == ["Ann Lee", "Bob Ray"]
    # A list of several stages merges with --stage given to `list --segment`: both must hold.
    assert names(segments.list_in_segment(store, "st", ContactQuery(stage="customer"))) == [
        "Bob Ray"
    ]
    assert names(segments.list_in_segment(store, "bt", ContactQuery(owner=("max",)))) == []
    # One value is still stored as text, as older releases read it.
    single = segments.save_segment(store, "one", SegmentFilters(tag=("trade", "trade")))
    assert single.filters == {"tag": "trade"}
    with pytest.raises(Invalid, match="stage"):
        segments.save_segment(store, "bad", SegmentFilters(stage=("lead", "nonsense")))


def test_the_list_query_combines_repeated_filters(store: Store) -> None:
    add(store, "Ann Lee", tags=["boilers", "trade"], company="Acme")
    add(store, "Bob Ray", tags=["boilers"], company="Beta")
    add(store, "Cy Dee", tags=["trade"], company="Gamma")
    query = ContactQuery(tag=("boilers", "trade"))
    assert names(contacts.list_contacts(store, query)) == ["Ann Lee"]
    assert contacts.count_contacts(store, query) == 1
    query = ContactQuery(company=("acme", "gam"))
    assert names(contacts.list_contacts(store, query)) == ["Ann Lee", "Cy Dee"]
    assert contacts.count_contacts(store, query) == 2
