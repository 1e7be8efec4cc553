"""Satisfaction by product (`report satisfaction --by product`, issue 13): which products a
rating counts for, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from coresupport import NOW, FixedClock

from pocketcrm.core.analysis import satisfaction
from pocketcrm.core.analysis.model import Value
from pocketcrm.core.errors import Invalid
from pocketcrm.core.services import (
    activity,
    billing,
    cases,
    companies,
    contacts,
    products,
    trash,
)
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.companies import CompanyInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def by_product(store: Store) -> dict[str, tuple[Value, ...]]:
    [table] = satisfaction.satisfaction(store, by="product").breakdowns
    assert table.name == "product" and table.columns == ("average", "rated", "low %")
    return {r.key: r.values for r in table.rows}


def _rate(store: Store, who: str, days: float, score: int) -> int:
    done = activity.log_interaction(
        store, who, InteractionInput(when=ago(days), satisfaction=score, kind="email")
    )
    return done.id


def _buy(store: Store, fixed_clock: FixedClock, who: str, days: float, line: str) -> str:
    fixed_clock.moment = ago(days)
    bill = billing.create_invoice(store, who, None, line_texts=[line])
    fixed_clock.moment = NOW
    return bill.number


def _plant(store: Store, fixed_clock: FixedClock) -> None:
    """Ann and Bob work at the bakery, Cy on his own. The bakery (through Ann) bought flour
    30 days ago; Cy bought an oven 20 days ago and a mixer on an invoice later cancelled."""
    fixed_clock.moment = ago(100)
    for sku, name in (("FLR", "Flour"), ("OVN", "Oven"), ("MIX", "Mixer"), ("SLC", "Slicer")):
        products.add_product(store, products.ProductInput(sku=sku, name=name, price="10"))
    companies.create_company(store, CompanyInput(name="Bakery"))
    for name, company in (("Ann Able", "Bakery"), ("Bob Baker", "Bakery"), ("Cy Cole", "")):
        contacts.create_contact(store, ContactInput(name=name, company=company))
    fixed_clock.moment = NOW
    _buy(store, fixed_clock, "Ann", 30, "FLR x2")
    _buy(store, fixed_clock, "Cy", 20, "OVN x1")
    cancelled = _buy(store, fixed_clock, "Cy", 25, "MIX x1")
    billing.cancel_invoice(store, cancelled, "ordered by mistake")


def test_a_rating_counts_for_what_the_company_had_bought_by_then(
    store: Store, fixed_clock: FixedClock
) -> None:
    _plant(store, fixed_clock)
    _rate(store, "Bob", 10, 1)  # the bakery had flour by then: counts for flour
    _rate(store, "Bob", 40, 5)  # before the flour: counts for nothing
    _rate(store, "Ann", 5, 4)  # her own purchase
    _rate(store, "Cy", 5, 2)  # the oven (the mixer's invoice was cancelled)
    _rate(store, "Cy", 21, 3)  # the day before the oven: nothing
    assert by_product(store) == {"Flour": (2.5, 2, 50.0), "Oven": (2.0, 1, 100.0)}


def test_a_rating_on_a_case_counts_for_the_cases_product_only(
    store: Store, fixed_clock: FixedClock
) -> None:
    _plant(store, fixed_clock)
    case = cases.open_case(store, "Ann", cases.CaseInput(subject="Slicer jams", product="SLC"))
    rated = _rate(store, "Ann", 2, 1)  # about the slicer's case: not the flour's
    with store.sql_write() as session:
        cases.add_inbound(
            session, store, case.id, "still jams", message_id="", interaction_id=rated, at=ago(2)
        )
    _rate(store, "Bob", 3, 5)  # no case: the bakery's flour
    assert by_product(store) == {"Slicer": (1.0, 1, 100.0), "Flour": (5.0, 1, 0.0)}


def test_trashed_contacts_and_ratings_outside_the_period_are_left_out(
    store: Store, fixed_clock: FixedClock
) -> None:
    _plant(store, fixed_clock)
    _rate(store, "Bob", 10, 2)
    _rate(store, "Ann", 3, 4)
    trash.trash_contact(store, "Bob")
    assert by_product(store) == {"Flour": (4.0, 1, 0.0)}
    [table] = satisfaction.satisfaction(store, since=ago(2), by="product").breakdowns
    assert table.rows == ()


def test_an_unknown_by_names_product_among_the_choices(store: Store) -> None:
    with pytest.raises(Invalid) as refused:
        satisfaction.satisfaction(store, by="products")
    assert refused.value.field == "by" and "product" in str(refused.value)
