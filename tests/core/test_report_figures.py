"""The report's figures, counted by hand on a small known dataset.

The clock stands at Tue 1 Dec 2026 09:00 UTC; the default period is the 30 days before.
Trashed records (a contact, a company, a call, a follow-up) must not count anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from coresupport import NOW, FixedClock

from pocketcrm.core.errors import Invalid
from pocketcrm.core.readmodels.report import Count, Report
from pocketcrm.core.services import activity, companies, contacts, reports, trash
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def counts(items: tuple[Count, ...]) -> dict[str, int]:
    return {c.key: c.count for c in items}


@pytest.fixture
def report(store: Store, fixed_clock: FixedClock) -> Report:
    for name, kind in (("Acme", "customer"), ("Beta", "supplier"), ("Gamma", "prospect")):
        companies.create_company(store, companies.CompanyInput(name=name, kind=kind))
    companies.create_company(store, companies.CompanyInput(name="Trashed Co"))
    trash.trash_company(store, "Trashed Co")

    def person(name: str, stage: str, company: str = "", owner: str = "") -> None:
        contacts.create_contact(
            store, ContactInput(name=name, stage=stage, company=company, owner=owner)
        )

    fixed_clock.moment = ago(100)
    person("Ann Able", "customer", "Acme", "Alex")
    person("Bob Baker", "customer", "Beta", "Sam")
    person("Cy Cole", "customer")
    person("Dee Dent", "lead", "Gamma", "Alex")
    person("Gus Gale", "past_customer")
    person("Hal Hill", "customer", "Acme", "Sam")
    person("Ivy Irwin", "customer")
    fixed_clock.moment = ago(5)
    person("Eve East", "lead", "", "Sam")
    person("Fay Ford", "prospect", "", "Alex")
    fixed_clock.moment = NOW

    def log(who: str, days: float, **fields: object) -> int:
        return activity.log_interaction(
            store,
            who,
            InteractionInput(when=ago(days), **fields),  # type: ignore[arg-type]
        ).id

    log("ann", 10, outcome="reached", satisfaction=5, owner="Alex")
    log("ann", 5, kind="email", owner="Alex")
    log("dee", 3, outcome="no_answer", owner="Alex")
    log("dee", 2, outcome="reached", satisfaction=3, owner="Alex")
    log("eve", 1, outcome="reached", satisfaction=4, owner="Sam")
    log("eve", 1, kind="note", owner="Sam")
    log("fay", 20, kind="meeting", satisfaction=2, owner="Alex")
    log("bob", 45, outcome="voicemail", owner="Sam")  # before the period
    log("ivy", 70, kind="meeting", owner="Alex")  # before the period
    trash.trash_interaction(store, log("ann", 4, outcome="reached", satisfaction=1, owner="Sam"))
    log("hal", 2, outcome="reached", satisfaction=1, owner="Sam")

    def plan(who: str, due: datetime, all_day: bool = False) -> int:
        return activity.schedule_follow_up(store, who, due, all_day=all_day).id

    ann_f = plan("ann", ago(5))
    dee_f = plan("dee", ago(3))
    plan("eve", ago(2))  # open, overdue
    plan("fay", datetime(2026, 11, 30, 23, 0, tzinfo=NOW.tzinfo), all_day=True)  # today in Berlin
    plan("fay", datetime(2026, 11, 29, 23, 0, tzinfo=NOW.tzinfo), all_day=True)  # yesterday
    plan("gus", NOW + timedelta(days=3))
    plan("hal", ago(1))
    trash.trash_follow_up(store, plan("cy", ago(1)))
    fixed_clock.moment = ago(6)
    activity.complete_follow_up(store, ann_f)  # a day early
    fixed_clock.moment = ago(1)
    activity.complete_follow_up(store, dee_f)  # two days late
    fixed_clock.moment = NOW
    trash.trash_contact(store, "hal")
    return reports.summary(store)


def test_period(report: Report) -> None:
    assert report.until == NOW
    assert report.since == ago(30)


def test_contacts(report: Report) -> None:
    assert report.contacts_total == 8
    assert [(c.key, c.count) for c in report.contacts_by_stage] == [
        ("lead", 2),
        ("prospect", 1),
        ("customer", 4),
        ("past_customer", 1),
    ]
    assert report.new_contacts == 2
    assert counts(report.leads_by_owner) == {"Alex": 1, "Sam": 1}


def test_companies(report: Report) -> None:
    assert counts(report.companies_by_kind) == {"customer": 1, "supplier": 1, "prospect": 1}
    assert counts(report.customers_by_company_kind) == {
        "customer": 1,
        "supplier": 1,
        "no company": 2,
    }


def test_interactions(report: Report) -> None:
    assert report.interactions_total == 7
    assert counts(report.interactions_by_kind) == {"call": 4, "email": 1, "note": 1, "meeting": 1}
    assert counts(report.interactions_by_outcome) == {"reached": 3, "no_answer": 1, "(none)": 3}
    assert counts(report.interactions_by_owner) == {"Alex": 5, "Sam": 2}
    assert counts(report.calls_by_owner) == {"Alex": 3, "Sam": 1}
    assert counts(report.success_rate_by_owner) == {"Alex": 67, "Sam": 100}


def test_satisfaction(report: Report) -> None:
    assert report.satisfaction_count == 4
    assert report.satisfaction_average == 3.5


def test_follow_ups(report: Report) -> None:
    assert report.follow_ups_due == 5  # ann, dee, eve, and fay's two date-only ones
    assert report.follow_ups_overdue == 2  # eve's, and fay's from yesterday
    assert report.follow_ups_done == 2
    assert report.follow_ups_done_on_time == 1


def test_customers_not_contacted(report: Report) -> None:
    assert [(c.key, c.count) for c in report.customers_not_contacted] == [
        ("30", 3),
        ("60", 2),
        ("90", 1),
    ]


def test_activity_by_week(report: Report) -> None:
    assert [(c.key, c.count) for c in report.activity_by_week] == [
        ("2026-10-26", 0),
        ("2026-11-02", 0),
        ("2026-11-09", 1),
        ("2026-11-16", 1),
        ("2026-11-23", 3),
        ("2026-11-30", 2),
    ]


def test_an_explicit_period(store: Store, report: Report) -> None:
    narrow = reports.summary(store, ago(3.5), ago(1.5))
    assert narrow.interactions_total == 2
    assert counts(narrow.interactions_by_outcome) == {"no_answer": 1, "reached": 1}
    assert narrow.satisfaction_average == 3.0
    assert narrow.new_contacts == 0


def test_an_empty_database(store: Store) -> None:
    empty = reports.summary(store)
    assert empty.contacts_total == 0
    assert empty.interactions_total == 0
    assert empty.satisfaction_average is None
    assert empty.success_rate_by_owner == ()
    assert [c.count for c in empty.customers_not_contacted] == [0, 0, 0]


def test_since_after_until_is_refused(store: Store) -> None:
    with pytest.raises(Invalid) as caught:
        reports.summary(store, NOW, ago(1))
    assert caught.value.field == "since"


def test_contacts_of_suppliers_partners_and_distributors_are_not_leads(
    store: Store, fixed_clock: FixedClock
) -> None:
    """Issue 17: a supplier's contact came in at stage lead and counted as an open lead."""
    for name, kind in (("Parts Ltd", "supplier"), ("Ally", "partner"), ("Ship Co", "distributor")):
        companies.create_company(store, companies.CompanyInput(name=name, kind=kind))
    companies.create_company(store, companies.CompanyInput(name="Buyer", kind="prospect"))
    for name, company in (
        ("Sue Parts", "Parts Ltd"),
        ("Al Ally", "Ally"),
        ("Dee Ship", "Ship Co"),
        ("Bo Buyer", "Buyer"),
        ("Nia Nobody", ""),
    ):
        contacts.create_contact(store, ContactInput(name=name, company=company, owner="Kim"))
    contacts.create_contact(
        store, ContactInput(name="Sam New", company="Widgets", company_kind="supplier")
    )
    report = reports.summary(store)
    assert counts(report.leads_by_owner) == {"Kim": 2}
    assert dict((c.key, c.count) for c in report.contacts_by_stage)["lead"] == 6
