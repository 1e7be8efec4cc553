"""`report team`: each owner's work in a period: calls made and got, reach and success,
leads generated and customers won (from the stage history, by the configured stages'
roles, never by their names), deals won and satisfaction.

Grouped by owner (the login that did the work), and by department: each owner's figures
added up in the department the owner's user belongs to (departments.py), with its lead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pocketcrm.core.analysis.calls import success_sql
from pocketcrm.core.analysis.departments import NO_DEPARTMENT, departments
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, Value, check_by, done, percent
from pocketcrm.core.db import Db
from pocketcrm.core.periods import period
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


def _stage_entries(session: Db, stage: str, params: dict[str, Any]) -> dict[str, int]:
    """Per person, the contacts that entered STAGE in the period: credited to who made the
    change, else to the contact's owner."""
    if not stage:
        return {}
    rows = session.run(
        "SELECT CASE WHEN s.by <> '' THEN s.by ELSE c.owner END, count(DISTINCT s.contact_id) "
        "FROM stage_change s JOIN contact c ON c.id = s.contact_id "
        "WHERE c.deleted_at IS NULL AND s.to_stage = :stage AND s.at >= :a AND s.at < :b "
        "GROUP BY 1",
        {**params, "stage": stage},
    )
    return {str(who or ""): int(n) for who, n in rows}


def _per_owner(session: Db, store: Store, params: dict[str, Any]) -> dict[str, _Tally]:
    reached, success = success_sql(store.settings, params)
    table: dict[str, _Tally] = defaultdict(_Tally)
    rows = session.run(
        "SELECT i.owner, sum(CASE WHEN i.direction <> 'in' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN i.direction = 'in' THEN 1 ELSE 0 END), count(*), {reached}, {success} "
        f"FROM interaction i WHERE {_LIVE} AND i.kind = 'call' GROUP BY i.owner",
        params,
    )
    for owner, made, got, n, r, s in rows:
        mine = table[str(owner or "")]
        mine.made, mine.got, mine.calls = int(made), int(got), int(n)
        mine.reached, mine.succeeded = int(r), int(s)
    settings = store.settings
    for who, n in _stage_entries(session, settings.stage_for("lead"), params).items():
        table[who].leads = n
    for who, n in _stage_entries(session, settings.stage_for("customer"), params).items():
        table[who].customers = n
    deals = session.run(
        "SELECT owner, count(*) FROM deal WHERE deleted_at IS NULL AND stage = 'won' "
        "AND closed_at >= :a AND closed_at < :b GROUP BY owner",
        params,
    )
    for who, n in deals:
        table[str(who or "")].won = int(n)
    scores = session.run(
        "SELECT i.owner, sum(i.satisfaction), count(*) FROM interaction i "
        f"WHERE {_LIVE} AND i.satisfaction IS NOT NULL GROUP BY i.owner",
        params,
    )
    for who, total, n in scores:
        table[str(who or "")].score_sum, table[str(who or "")].scored = int(total), int(n)
    return table


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
