"""`report --by user|department`, counted by hand on a small team (issue 11), on both
backends. The clock stands at NOW; the period is the default 30 days before it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from coresupport import NOW, FixedClock, login_tail

from pocketcrm.core.errors import Invalid
from pocketcrm.core.services import (
    activity,
    contacts,
    deals,
    departments,
    report_people,
    trash,
    users,
)
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _team(store: Store, clock: FixedClock) -> dict[str, str]:
    """ann and bob in Field (ann leads it), cy in none: their logins (on PostgreSQL, unique
    to the test: login roles are shared by the server's databases)."""
    tail = login_tail(store.is_sqlite)
    who = {name: f"{name}{tail}" for name in ("ann", "bob", "cy")}
    departments.add_department(store, "Field")
    for name, dept in (("ann", "Field"), ("bob", "Field"), ("cy", "")):
        users.add_user(store, users.UserInput(who[name], name=name.title(), department=dept),
                       password=None if store.is_sqlite else "a long password!")  # fmt: skip
    departments.edit_department(store, "Field", lead=who["ann"])
    clock.moment = ago(100)
    contacts.create_contact(
        store, ContactInput(name="Old Customer", stage="customer", owner=who["ann"])
    )
    clock.moment = ago(3)
    contacts.create_contact(store, ContactInput(name="New Lead", stage="lead", owner=who["bob"]))
    contacts.create_contact(store, ContactInput(name="Gone Lead", stage="lead", owner=who["bob"]))
    trash.trash_contact(store, "gone lead")  # counts nowhere
    contacts.create_contact(
        store, ContactInput(name="Made By Cy", stage="prospect", owner=who["cy"])
    )
    clock.moment = NOW

    def log(who: str, owner: str, days: float, **fields: object) -> None:
        data = InteractionInput(when=ago(days), owner=owner, **fields)  # type: ignore[arg-type]
        activity.log_interaction(store, who, data)

    log("old", who["ann"], 2, outcome="reached")
    log("old", who["ann"], 2, outcome="no_answer")
    log("old", who["ann"], 1, direction="in")
    log("new", who["bob"], 1, kind="meeting")
    log("old", who["ann"], 40, outcome="reached")  # before the period
    clock.moment = ago(1)
    deal = deals.create_deal(
        store, "old", deals.DealInput(title="Big", amount="1000", owner=who["bob"])
    )
    deals.move_deal(store, deal.id, store.settings.deal_stages[-2])
    clock.moment = NOW
    on_time = activity.schedule_follow_up(store, "old", ago(-1), owner=who["ann"])
    late = activity.schedule_follow_up(store, "new", ago(2), owner=who["bob"])
    clock.moment = ago(0.5)
    activity.complete_follow_up(store, on_time.id)
    activity.complete_follow_up(store, late.id)
    clock.moment = NOW
    return who


def test_figures_by_user(store: Store, fixed_clock: FixedClock) -> None:
    who = _team(store, fixed_clock)
    rows = {r.key: r for r in report_people.by_people(store).rows}
    ann, bob, cy = rows[who["ann"]], rows[who["bob"]], rows[who["cy"]]
    assert (ann.calls_made, ann.calls_received, ann.reach_rate, ann.meetings) == (2, 1, 50, 0)
    assert (ann.department, ann.lead, ann.name) == ("Field", who["ann"], "Ann")
    assert (bob.meetings, bob.leads, bob.deals_won, bob.deals_won_cents) == (1, 1, 1, 100000)
    assert (ann.follow_ups_done, ann.follow_ups_on_time) == (1, 1)
    assert (bob.follow_ups_done, bob.follow_ups_on_time) == (1, 0)
    assert (cy.leads, cy.reach_rate, cy.department) == (1, None, "")  # a contact made by cy


def test_figures_by_department(store: Store, fixed_clock: FixedClock) -> None:
    who = _team(store, fixed_clock)
    report = report_people.by_people(store, by="department")
    rows = {r.key: r for r in report.rows}
    field = rows["Field"]
    assert (field.calls_made, field.meetings, field.leads, field.deals_won) == (2, 1, 1, 1)
    assert (field.lead, field.follow_ups_done, field.follow_ups_on_time) == (who["ann"], 2, 1)
    assert rows["(no department)"].leads == 1
    assert next(iter(rows)) == "Field"


def test_an_unknown_grouping_is_refused(store: Store) -> None:
    with pytest.raises(Invalid, match="user or department"):
        report_people.by_people(store, by="team")
