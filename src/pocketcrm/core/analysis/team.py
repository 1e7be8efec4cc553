"""`report team`: each owner's work in a period: calls made and got, reach and success,
leads generated and customers won (from the stage history, by the configured stages'
roles, never by their names), deals won and satisfaction.

Grouped by owner (the login that did the work), and by department: each owner's figures
added up in the department the owner's user belongs to (departments.py), with its lead.
The counting is `report --by user`'s (services/report_people.py: count_work,
stage_entries); this section applies its own rules to it (reach and success as in `report
calls`, leads and customers by the stages' roles).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pocketcrm.core.analysis.calls import reached, success_outcomes
from pocketcrm.core.analysis.departments import NO_DEPARTMENT, departments
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, Value, check_by, done, percent
from pocketcrm.core.db import Db
from pocketcrm.core.periods import period
from pocketcrm.core.services.report_people import Work, count_work, stage_entries
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

BY = ("owner", "department", "leads")
_LIVE = "i.deleted_at IS NULL AND i.occurred_at >= :a AND i.occurred_at < :b"
COLUMNS = (
    "calls made",
    "calls got",
    "reach %",
    "success %",
    "leads",
    "customers",
    "deals won",
    "satisfaction",
)
DEPARTMENT_COLUMNS = ("lead", "people", *COLUMNS)


@dataclass
class _Tally:
    """One owner's (or department's) counts, from which the rates are worked out."""

    made: int = 0
    got: int = 0
    calls: int = 0
    reached: int = 0
    succeeded: int = 0
    leads: int = 0
    customers: int = 0
    won: int = 0
    score_sum: int = 0
    scored: int = 0

    def add(self, other: _Tally) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)

    def values(self) -> tuple[Value, ...]:
        """COLUMNS' values."""
        return (
            self.made,
            self.got,
            percent(self.reached, self.calls),
            percent(self.succeeded, self.calls),
            self.leads,
            self.customers,
            self.won,
            round(self.score_sum / self.scored, 2) if self.scored else None,
        )


def _calls(tally: _Tally, work: Work, success: list[str]) -> None:
    """The calls of one owner's WORK: made (any direction but in) and got, reached and
    succeeded by calls.py's rules."""
    for (kind, direction, outcome), n in work.talk.items():
        if kind != "call":
            continue
        tally.calls += n
        if direction == "in":
            tally.got += n
        else:
            tally.made += n
        tally.reached += n if reached(outcome) else 0
        tally.succeeded += n if outcome in success else 0


def _per_owner(session: Db, store: Store, params: dict[str, Any]) -> dict[str, _Tally]:
    """Each owner's tally, from the counting `report --by user` shares (count_work,
    stage_entries), and the average score of the interactions they handled."""
    settings = store.settings
    window = {"since": params["a"], "until": params["b"]}
    table: dict[str, _Tally] = defaultdict(_Tally)
    success = success_outcomes(settings)
    for owner, work in count_work(session, settings, window).items():
        mine = table[owner]
        _calls(mine, work, success)
        mine.won = work.won
    for role, field in (("lead", "leads"), ("customer", "customers")):
        entered = Counter(stage_entries(session, settings.stage_for(role), window).values())
        for who, n in entered.items():
            setattr(table[who], field, n)
    scores = session.run(
        "SELECT i.owner, sum(i.satisfaction), count(*) FROM interaction i "
        f"WHERE {_LIVE} AND i.satisfaction IS NOT NULL AND i.contact_id NOT IN "
        "(SELECT id FROM contact WHERE deleted_at IS NOT NULL) GROUP BY i.owner",
        params,
    ).tuples()
    for who, total, n in scores:
        table[str(who or "")].score_sum, table[str(who or "")].scored = int(total), int(n)
    return {owner: tally for owner, tally in table.items() if tally != _Tally()}


def _by_department(session: Db, table: dict[str, _Tally]) -> tuple[Row, ...]:
    """The owners' tallies added up per department (every department, idle ones too), with
    the department's lead and how many owners worked in it; busiest first."""
    found = departments(session)
    groups: dict[str, _Tally] = {name: _Tally() for name in found.names()}
    people: dict[str, int] = defaultdict(int)
    for owner, tally in table.items():
        name = found.of(owner)
        groups.setdefault(name, _Tally()).add(tally)
        people[name] += 1
    rows = [
        Row(name, (found.leads.get(name, ""), people[name], *tally.values()))
        for name, tally in groups.items()
    ]
    return tuple(
        sorted(
            rows,
            key=lambda r: (
                r.key == NO_DEPARTMENT,
                -int(r.values[2] or 0) - int(r.values[3] or 0),
                r.key,
            ),
        )
    )


def _department_findings(rows: tuple[Row, ...]) -> list[str]:
    """The department that generated the most leads, named with its lead."""
    named = [r for r in rows if r.key != NO_DEPARTMENT and int(r.values[6] or 0)]
    if not named:
        return []
    top = max(named, key=lambda r: (int(r.values[6] or 0), r.key))
    led = f" (led by {top.values[0]})" if top.values[0] else ""
    return [f"The {top.key} department{led} generated the most leads ({top.values[6]})."]


def team(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """Every owner's figures for [since, until) (default the last 30 days)."""
    check_by(by, BY)
    span = period(since, until)
    params: dict[str, Any] = {"a": db_time(span.since), "b": db_time(span.until)}
    with store.sql_read() as session:
        table = _per_owner(session, store, params)
        by_department = _by_department(session, table)
    rows = sorted(
        (Row(who or "(none)", tally.values()) for who, tally in table.items()),
        key=lambda r: (-(int(r.values[0] or 0) + int(r.values[1] or 0)), r.key),
    )
    lead_stage = store.settings.stage_for("lead") or "(no lead stage)"
    leads = sorted(
        (Row(r.key, (r.values[4],)) for r in rows if r.values[4]),
        key=lambda r: (-int(r.values[0] or 0), r.key),
    )
    tables = [
        Breakdown("owner", "Per owner", COLUMNS, tuple(rows)),
        Breakdown(
            "department",
            "Per department, with its lead",
            DEPARTMENT_COLUMNS,
            by_department,
            chart=2,
            note="each owner's work counts for the department of the owner's user",
        ),
        Breakdown(
            "leads",
            "Leads generated per person",
            ("leads",),
            tuple(leads),
            note=f"contacts who entered the lead stage ({lead_stage}) in the period",
        ),
    ]
    headline = [
        ("people", str(len(rows))),
        ("leads", str(sum(int(r.values[0] or 0) for r in leads))),
    ]
    findings = []
    if leads:
        findings.append(f"{leads[0].key} generated the most leads ({leads[0].values[0]}).")
    findings += _department_findings(by_department)
    best = [r for r in rows if isinstance(r.values[3], float) and int(r.values[0] or 0) >= 5]
    if best:
        top = max(best, key=lambda r: float(r.values[3] or 0))
        findings.append(f"{top.key} has the best call success rate ({top.values[3]}%).")
    return done("team", span.since, span.until, headline, tables, findings, by)
