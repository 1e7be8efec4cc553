"""A list sorted by one of its columns (a click on a column's header in the interface): the
core's rule, the same for every list (core/sorting.py): text accent- and case-folded, empty
values last either way, ties in the service's order, an unknown column refused by name. The
company list sorts in SQL on both backends; the others after their service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from pocketcrm.core.errors import Invalid
from pocketcrm.core.services.companies import CompanyInput, create_company, list_companies
from pocketcrm.core.services.contacts import ContactInput, create_contact
from pocketcrm.core.services.trash import list_trash, trash_contact
from pocketcrm.core.sorting import (
    CYCLES,
    LISTS,
    next_sort,
    order_sql,
    reversed_sort,
    sort_rows,
    sortable,
)


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


@dataclass(frozen=True)
class Deal:
    title: str
    amount_cents: int
    expected_close_on: date | None
    created_at: datetime


DEALS = [
    Deal("Chairs", 4800, date(2026, 12, 20), datetime(2026, 6, 1, tzinfo=UTC)),
    Deal("desks", 120000, None, datetime(2026, 1, 1, tzinfo=UTC)),
    Deal("Ämter", 900, date(2026, 12, 5), datetime(2026, 11, 1, tzinfo=UTC)),
]


def titles(rows: list[Deal]) -> list[str]:
    return [row.title for row in rows]


def test_pipeline_deals_sort_by_close_value_age_and_name() -> None:
    assert titles(sort_rows(DEALS, "pipeline", "close")) == ["Ämter", "Chairs", "desks"]
    assert titles(sort_rows(DEALS, "pipeline", "-close")) == ["Chairs", "Ämter", "desks"]
    assert titles(sort_rows(DEALS, "pipeline", "-value")) == ["desks", "Chairs", "Ämter"]
    assert titles(sort_rows(DEALS, "pipeline", "-age")) == ["desks", "Chairs", "Ämter"]  # oldest
    assert titles(sort_rows(DEALS, "pipeline", "age")) == ["Ämter", "Chairs", "desks"]
    assert titles(sort_rows(DEALS, "pipeline", "name")) == ["Ämter", "Chairs", "desks"]


@dataclass(frozen=True)
class FollowUp:
    id: int
    due_at: datetime | date
    contact_name: str
    owner: str


def test_agenda_sorts_by_due_with_all_day_items_at_the_start_of_their_day() -> None:
    rows = [
        FollowUp(1, datetime(2026, 12, 5, 9, 0, tzinfo=UTC), "Zoë", "sam"),
        FollowUp(2, date(2026, 12, 5), "anna", ""),
        FollowUp(3, datetime(2026, 12, 4, 17, 0, tzinfo=UTC), "Bo", "Alex"),
    ]
    assert [r.id for r in sort_rows(rows, "agenda", "due")] == [3, 2, 1]
    assert [r.id for r in sort_rows(rows, "agenda", "-due")] == [1, 2, 3]
    assert [r.id for r in sort_rows(rows, "agenda", "contact")] == [2, 3, 1]
    assert [r.id for r in sort_rows(rows, "agenda", "-owner")] == [1, 3, 2]  # no owner: last


def test_the_sort_key_steps_through_each_lists_orders_and_reverses() -> None:
    assert next_sort("pipeline", "close") == "-value"
    assert next_sort("pipeline", "value") == "-age"  # a reversed order counts as its column
    assert next_sort("pipeline", "name") == "close"  # round again
    assert next_sort("agenda", "") == "due"
    assert next_sort("dupes", "-score") == "left"
    assert next_sort("dupes", "right") == "-score"  # a header's column not in the cycle
    assert (reversed_sort("value"), reversed_sort("-value"), reversed_sort("")) == (
        "-value",
        "value",
        "",
    )
    for name, cycle in CYCLES.items():
        assert all(sortable(name, sort.removeprefix("-")) for sort in cycle)
