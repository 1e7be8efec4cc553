"""Bad input is refused with the field named, and nothing at all is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from coresupport import NOW

from pocketcrm.core import dates
from pocketcrm.core.errors import Invalid
from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import activity, companies, contacts
from pocketcrm.core.services.contacts import ContactInput, ContactPatch
from pocketcrm.core.store import Store

TABLES = (
    "contact",
    "contact_email",
    "contact_phone",
    "contact_website",
    "contact_tag",
    "tag",
    "company",
    "stage_change",
    "interaction",
    "follow_up",
)


@pytest.fixture
def unchanged(store: Store, rows: Callable[[str], int]) -> Iterator[None]:
    """Every table has the same number of rows after the test as before it."""
    contacts.create_contact(
        store, ContactInput(name="Ann Lee", emails=["ann@x.com"], company="Acme")
    )
    tables = TABLES + (("contact_fts",) if store.is_sqlite else ())
    before = {t: rows(t) for t in tables}
    yield
    assert {t: rows(t) for t in tables} == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"emails": ["ann@"]}, "email"),
        ({"emails": ["not an email"]}, "email"),
        ({"emails": ["ann@example"]}, "email"),
        ({"emails": ["good@x.com", "two@@x.com"]}, "email"),
        ({"phones": ["call me"]}, "phone"),
        ({"stage": "friend"}, "stage"),
        ({"tags": [","]}, "tag"),
        ({"tags": ["  "]}, "tag"),
        ({"birthday": "someday"}, "birthday"),
        ({"birthday": "1980-02-30"}, "birthday"),
        ({"websites": ["not a site"]}, "website"),
    ],
)
def test_create_contact_refuses(
    store: Store, unchanged: None, fields: dict[str, object], field: str
) -> None:
    data = {"name": "Bob Ray", "company": "New Company Inc", "tags": ["fresh"], **fields}
    with pytest.raises(Invalid) as caught:
        contacts.create_contact(store, ContactInput(**data))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        (ContactPatch(name="Changed", add_emails=["bad@"]), "email"),
        (ContactPatch(name=""), "name"),
        (ContactPatch(title="Changed", add_phones=["none"]), "phone"),
        (ContactPatch(title="Changed", birthday="31/31/31"), "birthday"),
        (ContactPatch(title="Changed", add_websites=["a b"]), "website"),
        (ContactPatch(title="Changed", set_custom={" ": "x"}), "field"),
    ],
)
def test_update_contact_refuses(
    store: Store, unchanged: None, patch: ContactPatch, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        contacts.update_contact(store, "ann", patch)
    assert caught.value.field == field
    card = contacts.get_card(store, "ann")
    assert (card.display_name, card.title) == ("Ann Lee", "")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (activity.InteractionInput(satisfaction=9), "satisfaction"),
        (activity.InteractionInput(satisfaction=0), "satisfaction"),
        (activity.InteractionInput(kind="telegram"), "kind"),
        (activity.InteractionInput(outcome="maybe"), "outcome"),
        (activity.InteractionInput(direction="sideways"), "direction"),
        (activity.InteractionInput(duration_s=0), "duration"),
        (activity.InteractionInput(when=NOW + timedelta(days=1)), "at"),
    ],
)
def test_log_interaction_refuses(
    store: Store, unchanged: None, data: activity.InteractionInput, field: str
) -> None:
    data.follow_up_at = NOW + timedelta(days=3)
    with pytest.raises(Invalid) as caught:
        activity.log_interaction(store, "ann", data)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("text", "field"), [("someday", "when"), ("next blursday", "when"), ("2026-13-01", "when")]
)
def test_unparseable_dates_name_the_field(store: Store, text: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        dates.parse_when(text, field=field)
    assert caught.value.field == field
    with pytest.raises(Invalid) as past:
        dates.parse_past(text, field="at")
    assert past.value.field == "at"


def test_snoozing_into_the_past_is_refused(store: Store, rows: Callable[[str], int]) -> None:
    view = activity.schedule_follow_up(store_with_ann(store), "ann", NOW + timedelta(days=1))
    with pytest.raises(Invalid) as caught:
        activity.snooze_follow_up(store, view.id, NOW - timedelta(days=1))
    assert caught.value.field == "when"
    assert activity.agenda(store, "all")[0].due_at == NOW + timedelta(days=1)


def store_with_ann(store: Store) -> Store:
    contacts.create_contact(store, ContactInput(name="Ann Lee"))
    return store


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (companies.CompanyInput(name=""), "name"),
        (companies.CompanyInput(name="Acme"), "name"),  # exists already
        (companies.CompanyInput(name="Beta", kind="friend"), "kind"),
        (companies.CompanyInput(name="Beta", email="nope"), "email"),
        (companies.CompanyInput(name="Beta", website="no site"), "website"),
        (companies.CompanyInput(name="Beta", tags=[","]), "tag"),
    ],
)
def test_create_company_refuses(
    store: Store, unchanged: None, data: companies.CompanyInput, field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        companies.create_company(store, data)
    assert caught.value.field == field


def test_unknown_filters_are_refused(store: Store) -> None:
    with pytest.raises(Invalid) as caught:
        contacts.list_contacts(store, ContactQuery(stage="friend"))
    assert caught.value.field == "stage"
    with pytest.raises(Invalid) as kind:
        companies.list_companies(store, kind="friend")
    assert kind.value.field == "kind"
    with pytest.raises(Invalid) as window:
        activity.agenda(store, "month")
    assert window.value.field == "window"
