"""A sort reversed ("-name": a column header's second click in the interface): the same
order backwards, rows without a value still last, on both backends; an unknown sort is
refused with the field named."""

from __future__ import annotations

from typing import Any

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.queries import ContactQuery, order_by
from pocketcrm.core.services import browse, contacts
from pocketcrm.core.services.contacts import ContactInput


def test_reversing_flips_each_term_but_keeps_the_empty_ones_last() -> None:
    assert order_by("name") == "c.name_key ASC, c.id ASC"
    assert order_by("-name") == "c.name_key DESC, c.id DESC"
    assert order_by("-company").startswith("co.name_key IS NULL, co.name_key DESC")
    with pytest.raises(Invalid) as refused:
        order_by("-shoe-size")
    assert refused.value.field == "sort"


def test_a_reversed_list_is_the_list_backwards(store: Any) -> None:
    for name, company in (
        ("Ann Lee", "Acme"),
        ("Ben Ode", "Zeta"),
        ("Cy Ray", ""),
        ("Di Fox", "Mid"),
    ):
        contacts.create_contact(store, ContactInput(name=name, company=company))

    def names(sort: str) -> list[str]:
        return [r.display_name for r in contacts.list_contacts(store, ContactQuery(sort=sort))]

    assert names("-name") == names("name")[::-1]
    assert names("company") == ["Ann Lee", "Di Fox", "Ben Ode", "Cy Ray"]
    assert names("-company") == ["Ben Ode", "Di Fox", "Ann Lee", "Cy Ray"]  # no company: last
    query = ContactQuery(sort="-company")  # the interface's paged reads agree
    rows = browse.contact_rows_at(store, query, 0, 10)
    assert [r.display_name for r in rows] == names("-company")
    by_id = {r.id: r.display_name for r in rows}
    assert [by_id[i] for i in browse.contact_ids(store, query)] == names("-company")
