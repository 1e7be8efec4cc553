"""`report team`: each owner's work in a period: calls made and got, reach and success,
leads generated and customers won (from the stage history, by the configured stages'
roles, never by their names), deals won and satisfaction.

Grouped by owner (the login that did the work). Departments and their leads come with the
user and department tables (issue 11): until then the department table is left out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pocketcrm.core.analysis.calls import success_sql
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, Value, check_by, done, percent
from pocketcrm.core.db import Db
from pocketcrm.core.periods import period
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

BY = ("owner", "leads")
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
    return {str(who or "(none)"): int(n) for who, n in rows}


def _per_owner(session: Db, store: Store, params: dict[str, Any]) -> dict[str, list[Value]]:
    reached, success = success_sql(store.settings, params)
    table: dict[str, list[Value]] = defaultdict(lambda: [0, 0, None, None, 0, 0, 0, None])
    rows = session.run(
        "SELECT i.owner, sum(CASE WHEN i.direction <> 'in' THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN i.direction = 'in' THEN 1 ELSE 0 END), count(*), {reached}, {success} "
        f"FROM interaction i WHERE {_LIVE} AND i.kind = 'call' GROUP BY i.owner",
        params,
    )
    for owner, made, got, n, r, s in rows:
        table[str(owner or "(none)")][:4] = [
            int(made),
            int(got),
            percent(int(r), int(n)),
            percent(int(s), int(n)),
        ]
    settings = store.settings
    for column, stage in ((4, settings.stage_for("lead")), (5, settings.stage_for("customer"))):
        for who, n in _stage_entries(session, stage, params).items():
            table[who][column] = n
    deals = session.run(
        "SELECT owner, count(*) FROM deal WHERE deleted_at IS NULL AND stage = 'won' "
        "AND closed_at >= :a AND closed_at < :b GROUP BY owner",
        params,
    )
    for who, n in deals:
        table[str(who or "(none)")][6] = int(n)
    scores = session.run(
        "SELECT i.owner, avg(i.satisfaction) FROM interaction i "
        f"WHERE {_LIVE} AND i.satisfaction IS NOT NULL GROUP BY i.owner",
        params,
    )
    for who, avg in scores:
        table[str(who or "(none)")][7] = round(float(avg), 2)
    return table


def team(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """Every owner's figures for [since, until) (default the last 30 days)."""
    check_by(by, BY)
    span = period(since, until)
    params: dict[str, Any] = {"a": db_time(span.since), "b": db_time(span.until)}
    with store.sql_read() as session:
        table = _per_owner(session, store, params)
    rows = sorted(
        (Row(who, tuple(values)) for who, values in table.items()),
        key=lambda r: (-(int(r.values[0] or 0) + int(r.values[1] or 0)), r.key),
    )
    lead_stage = store.settings.stage_for("lead") or "(no lead stage)"
    leads = sorted(
        (Row(r.key, (r.values[4],)) for r in rows if r.values[4]),
        key=lambda r: (-int(r.values[0] or 0), r.key),
    )
    tables = [
        Breakdown(
            "owner",
            "Per owner",
            COLUMNS,
            tuple(rows),
            note="departments and their leads: once users belong to departments (issue 11)",
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
    best = [r for r in rows if isinstance(r.values[3], float) and int(r.values[0] or 0) >= 5]
    if best:
        top = max(best, key=lambda r: float(r.values[3] or 0))
        findings.append(f"{top.key} has the best call success rate ({top.values[3]}%).")
    return done("team", span.since, span.until, headline, tables, findings, by)
