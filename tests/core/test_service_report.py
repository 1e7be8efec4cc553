"""`report service` figures from real cases (SQLite and PostgreSQL), at Tue 1 Dec 2026 10:00
Berlin with the default business hours (09:00-17:00, Monday to Friday)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from coresupport import NOW, FixedClock

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid
from pocketcrm.core.services import case_views, cases, contacts, users
from pocketcrm.core.services.cases import CaseInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.services.service_report import service_report
from pocketcrm.core.store import Store


def _reply(store: Store, number: str) -> None:
    """A reply as the mail intake records one sent from a mail program (no SMTP needed)."""
    view = case_views.get_case(store, number)
    with store.write() as session:
        cases.add_outbound(session, store, view.id, "on it", message_id="", interaction_id=None,
                           at=clock.now())  # fmt: skip


def test_service_figures(store: Store, fixed_clock: FixedClock) -> None:
    contacts.create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"]))
    bob = "bob" if store.is_sqlite else f"bob{os.getpid()}r"
    users.add_user(store, users.UserInput(bob, name="Bob Stone"),
                   password=None if store.is_sqlite else "a long password!")  # fmt: skip
    a = cases.open_case(
        store, "ann", CaseInput("Oven", priority="urgent", product="Oven X2", assignee=bob)
    )
    b = cases.open_case(store, "ann", CaseInput("Mixer", product="Mixer", channel="phone"))
    c = cases.open_case(store, "ann", CaseInput("Scale", product="Oven X2", department="repairs"))
    fixed_clock.advance(hours=2)  # 12:00: replies after 2 business hours
    _reply(store, a.number)
    _reply(store, b.number)
    cases.resolve_case(store, a.number)  # within urgent's 8 h
    cases.reopen_case(store, a.number)
    cases.resolve_case(store, a.number)
    fixed_clock.advance(days=7)  # a week later: past normal's 40 h
    cases.resolve_case(store, b.number)
    cases.close_case(store, a.number)
    with store.write() as session:
        cases.record_satisfaction(session, store, a.id, 5, "great", at=clock.now())
    report = service_report(store, NOW - timedelta(days=1), clock.now() + timedelta(hours=1))
    assert (report.opened, report.closed, report.open_now) == (3, 1, 1)
    assert [(x.key, x.count) for x in report.by_product] == [("Oven X2", 2), ("Mixer", 1)]
    assert {x.key: x.count for x in report.by_priority} == {"urgent": 1, "normal": 2}
    assert {x.key: x.count for x in report.by_channel} == {"email": 2, "phone": 1}
    assert {x.key: x.count for x in report.by_assignee} == {bob: 1, "(unassigned)": 2}
    assert {x.key: x.count for x in report.by_department} == {"repairs": 1, "(none)": 2}
    assert report.median_first_response_hours == 2.0
    assert report.resolved == 2 and report.resolved_within_level == 1
    assert report.within_level_percent == 50.0
    assert report.reopened == 1 and report.reopen_rate_percent == 50.0
    assert report.satisfaction_average == 5.0 and report.satisfaction_count == 1
    assert report.breached_now == 1  # the scale: unanswered for a week
    assert c.number not in {x.key for x in report.by_product}
    assert sum(w.count for w in report.opened_by_week) == 3


def test_service_figures_by_department(store: Store, fixed_clock: FixedClock) -> None:
    """`report service --by department`: each department's own figures; a case with no
    department counts under "(none)"; an unknown group is refused naming the field."""
    contacts.create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"]))
    repairs = cases.open_case(store, "ann", CaseInput("Oven", department="Repairs"))
    cases.open_case(store, "ann", CaseInput("Door", department="Repairs", priority="urgent"))
    cases.open_case(store, "ann", CaseInput("Bill", department="Accounts"))
    cases.open_case(store, "ann", CaseInput("Other"))
    fixed_clock.advance(hours=2)
    _reply(store, repairs.number)
    cases.resolve_case(store, repairs.number)
    since, until = NOW - timedelta(days=1), clock.now() + timedelta(hours=1)
    report = service_report(store, since, until, by="Department")
    assert report.grouped_by == "department" and report.opened == 4
    rows = {g.key: g for g in report.groups}
    assert [g.key for g in report.groups] == ["Repairs", "(none)", "Accounts"]
    assert (rows["Repairs"].opened, rows["Repairs"].resolved, rows["Repairs"].open_now) == (
        2, 1, 1
    )  # fmt: skip
    assert rows["Repairs"].median_first_response_hours == 2.0
    assert rows["Repairs"].within_level_percent == 100.0
    assert rows["Repairs"].breached_now == 1  # the urgent door: 1 business hour, unanswered
    assert (rows["Accounts"].opened, rows["Accounts"].resolved) == (1, 0)
    assert service_report(store, since, until).groups == ()
    with pytest.raises(Invalid) as caught:
        service_report(store, since, until, by="colour")
    assert caught.value.field == "by"
