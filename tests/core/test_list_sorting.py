"""A list sorted by one of its columns (a click on a column's header in the interface): the
core's rule, the same for every list (core/sorting.py): text accent- and case-folded, empty
values last either way, ties in the service's order, an unknown column refused by name. The
company list sorts in SQL on both backends; the others after their service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.services.companies import CompanyInput, create_company, list_companies
from pocketcrm.core.services.contacts import ContactInput, create_contact
from pocketcrm.core.services.trash import list_trash, trash_contact
from pocketcrm.core.sorting import LISTS, order_sql, sort_rows, sortable


@dataclass(frozen=True)
class Item:
    kind: str
    id: int
    label: str
    deleted_at: datetime


ITEMS = [
    Item("contact", 1, "Émile Zola", datetime(2026, 3, 1, tzinfo=UTC)),
    Item("company", 2, "acme", datetime(2026, 1, 1, tzinfo=UTC)),
    Item("contact", 3, "", datetime(2026, 2, 1, tzinfo=UTC)),
    Item("follow_up", 4, "Call back", datetime(2026, 1, 1, tzinfo=UTC)),
]


def labels(rows: list[Item]) -> list[str]:
    return [row.label for row in rows]


def test_text_folds_accents_and_case_and_empty_values_stay_last() -> None:
    assert labels(sort_rows(ITEMS, "trash", "label")) == ["acme", "Call back", "Émile Zola", ""]
    assert labels(sort_rows(ITEMS, "trash", "-label")) == ["Émile Zola", "Call back", "acme", ""]


def test_ties_keep_the_services_order_both_ways() -> None:
    by_date = [row.id for row in sort_rows(ITEMS, "trash", "deleted")]
    assert by_date == [2, 4, 3, 1]
    assert [row.id for row in sort_rows(ITEMS, "trash", "-deleted")] == [1, 3, 2, 4]


def test_no_sort_keeps_the_services_order_and_an_unknown_column_is_refused() -> None:
    assert sort_rows(ITEMS, "trash", "") == ITEMS
    with pytest.raises(Invalid) as refused:
        sort_rows(ITEMS, "trash", "-colour")
    assert refused.value.field == "sort" and "deleted" in refused.value.message
    assert sortable("trash", "label") and not sortable("trash", "colour")
    assert not sortable("nothing", "label")


def test_priorities_sort_by_rank_not_alphabetically() -> None:
    @dataclass(frozen=True)
    class Case:
        priority: str

    found = sort_rows(
        [Case("low"), Case("urgent"), Case("normal"), Case("high")], "cases", "-priority"
    )
    assert [c.priority for c in found] == ["urgent", "high", "normal", "low"]
    assert set(LISTS) >= {"trash", "products", "cases", "campaigns", "invoices", "users"}


def test_order_sql_puts_empty_text_last_in_either_direction() -> None:
    columns = {"city": ("q.city", True), "people": ("q.people", False)}
    assert order_sql("", columns, "q.id") == " ORDER BY q.id"
    assert order_sql("-city", columns, "q.id") == (
        " ORDER BY CASE WHEN q.city IS NULL OR q.city = '' THEN 1 ELSE 0 END, q.city DESC, q.id"
    )
    assert "q.people, q.id" in order_sql("people", columns, "q.id")
    with pytest.raises(Invalid):
        order_sql("shoe", columns, "q.id")


def test_companies_sort_by_each_column_in_sql(store: Any) -> None:
    for name, kind, city in (
        ("Zeta Ltd", "supplier", "Aberdeen"),
        ("acme", "customer", ""),
        ("Émile & Co", "partner", "york"),
    ):
        create_company(store, CompanyInput(name=name, kind=kind, city=city))
    for person in ("Ann", "Bob"):
        create_contact(store, ContactInput(name=f"{person} Zed", company="Zeta Ltd"))

    def names(sort: str, **kw: Any) -> list[str]:
        return [row.name for row in list_companies(store, sort=sort, **kw)]

    assert names("") == ["acme", "Émile & Co", "Zeta Ltd"]  # by name: the default
    assert names("-name") == ["Zeta Ltd", "Émile & Co", "acme"]
    assert names("city") == ["Zeta Ltd", "Émile & Co", "acme"]  # no city: last
    assert names("-city") == ["Émile & Co", "Zeta Ltd", "acme"]  # still last
    assert names("kind") == ["acme", "Émile & Co", "Zeta Ltd"]
    assert names("-people") == ["Zeta Ltd", "acme", "Émile & Co"]  # ties by name
    assert names("-people", limit=1, offset=1) == ["acme"]  # a page of the sorted list
    with pytest.raises(Invalid) as refused:
        names("colour")
    assert refused.value.field == "sort"


def test_the_trash_sorted_as_the_service_lists_it(store: Any) -> None:
    for name in ("Cy Ray", "ann Lee", "Bea Fox"):
        created = create_contact(store, ContactInput(name=name))
        trash_contact(store, f"#{created.id}")
    found = [item.label for item in sort_rows(list_trash(store), "trash", "label")]
    assert found == ["ann Lee", "Bea Fox", "Cy Ray"]
