"""`report team|calls --by department` and satisfaction by department (issue 13), counted by hand
on a small team, on both backends. The clock stands at NOW; team's period is the default 30
days before it."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from coresupport import NOW, FixedClock

from pocketcrm.core.analysis import calls, satisfaction, team
from pocketcrm.core.analysis.departments import NO_DEPARTMENT
from pocketcrm.core.analysis.model import Analysis, Value
from pocketcrm.core.services import activity, contacts, departments, users
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store

_made = [0]


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def values(result: Analysis, name: str) -> dict[str, tuple[Value, ...]]:
    return {r.key: r.values for r in next(b for b in result.breakdowns if b.name == name).rows}


def _team(store: Store, clock: FixedClock) -> dict[str, str]:
    """ann (its lead) and bob in Field, cy in no department, Desk with nobody working: their
    logins (unique to the test on PostgreSQL, whose login roles are server-wide)."""
    _made[0] += 1
    tail = "" if store.is_sqlite else f"{os.getpid()}d{_made[0]}"
    who = {name: f"{name}{tail}" for name in ("ann", "bob", "cy")}
    departments.add_department(store, "Field")
    departments.add_department(store, "Desk")
    for name, dept in (("ann", "Field"), ("bob", "Field"), ("cy", "")):
        users.add_user(store, users.UserInput(who[name], name=name.title(), department=dept),
                       password=None if store.is_sqlite else "a long password!")  # fmt: skip
    departments.edit_department(store, "Field", lead=who["ann"])
    clock.moment = ago(3)
    for n, owner in enumerate(("bob", "bob", "cy")):
        contacts.create_contact(
            store, ContactInput(name=f"Lead {n}", stage="lead", owner=who[owner])
        )
    clock.moment = NOW

    def log(owner: str, days: float, **fields: object) -> None:
        data = InteractionInput(when=ago(days), owner=who[owner], **fields)  # type: ignore[arg-type]
        activity.log_interaction(store, "Lead 0", data)

    log("ann", 2, outcome="reached", satisfaction=4)
    log("ann", 2, outcome="no_answer")
    log("ann", 1, direction="in", outcome="reached")
    log("bob", 1, outcome="meeting_booked", satisfaction=1)
    log("cy", 1, outcome="voicemail", satisfaction=5)
    log("cy", 40, outcome="reached")  # before the period
    return who


def test_team_by_department_adds_up_its_people_and_names_its_lead(
    store: Store, fixed_clock: FixedClock
) -> None:
    who = _team(store, fixed_clock)
    result = team.team(store, by="department")
    assert [b.name for b in result.breakdowns] == ["department"]
    rows = values(result, "department")
    assert list(rows) == ["Field", "Desk", NO_DEPARTMENT]  # busiest first, the rest last
    # lead, people, made, got, reach %, success %, leads, customers, deals won, satisfaction
    assert rows["Field"] == (who["ann"], 2, 3, 1, 75.0, 75.0, 2, 0, 0, 2.5)
    assert rows["Desk"] == ("", 0, 0, 0, None, None, 0, 0, 0, None)
    assert rows[NO_DEPARTMENT][1:8] == (1, 1, 0, 0.0, 0.0, 1, 0)
    assert any(
        f"The Field department (led by {who['ann']}) generated" in f for f in result.findings
    )


def test_satisfaction_by_department_of_the_owner(store: Store, fixed_clock: FixedClock) -> None:
    _team(store, fixed_clock)
    rows = values(satisfaction.satisfaction(store, by="department"), "department")
    # average, rated, low %
    assert rows == {"Field": (2.5, 2, 50.0), NO_DEPARTMENT: (5.0, 1, 0.0)}


def test_calls_by_department(store: Store, fixed_clock: FixedClock) -> None:
    _team(store, fixed_clock)
    rows = values(calls.calls(store, by="department"), "department")
    # got, made, reach %, success %: ann's three calls and bob's meeting in Field
    assert rows == {
        "Field": (1, 3, 75.0, 75.0),
        "Desk": (0, 0, None, None),
        NO_DEPARTMENT: (0, 1, 0.0, 0.0),
    }
    assert list(rows)[-1] == NO_DEPARTMENT
