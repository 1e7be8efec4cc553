"""`report lifecycle`: the customer life cycle from the stage history. The funnel (how many
reached each configured stage and went on to the next, the median days spent in it), deals
won and lost and customers lost per month, cohorts by the month people became customers
(how many are still customers, what they paid) and past customers worth winning back.

Stages are read by their configured order and roles (settings.stage_for), never by name.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, check_by, done, percent
from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.periods import period
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

BY = ("funnel", "deals", "churn", "cohorts", "win_back")
DEFAULT_DAYS = 365
WIN_BACK = 10


# The stage changes of contacts not in the trash: the trashed are a short list of ids, so no
# stage change looks its (wide) contact row up.
_LIVE = "s.contact_id NOT IN (SELECT id FROM contact WHERE deleted_at IS NOT NULL)"


def _month(column: str, sqlite: bool) -> str:
    return f"substr({column}, 1, 7)" if sqlite else f"to_char({column}, 'YYYY-MM')"


def _funnel(session: Db, stages: list[str], until: str) -> list[Row]:
    """Per stage: contacts that ever reached it, the share that reached the next one, and the
    median days between entering it and leaving it."""
    day = "julianday(s.at)" if is_sqlite(session) else "extract(epoch FROM s.at) / 86400.0"
    rows = session.run(
        f"SELECT s.contact_id, s.to_stage, {day} FROM stage_change s WHERE {_LIVE} "
        "AND s.at < :b ORDER BY s.contact_id, s.at, s.id",
        {"b": until},
    )
    reached: dict[str, set[int]] = defaultdict(set)
    spent: dict[str, list[float]] = defaultdict(list)
    last_contact, last_stage, last_at = None, "", 0.0
    for contact, stage, at in rows.tuples():  # days as numbers: no date parsing, no names
        reached[stage].add(contact)
        if last_contact == contact:
            spent[last_stage].append(float(at) - last_at)
        last_contact, last_stage, last_at = contact, stage, float(at)
    table = []
    for i, stage in enumerate(stages):
        here = reached.get(stage, set())
        onward = (
            set().union(*(reached.get(s, set()) for s in stages[i + 1 :]))
            if i + 1 < len(stages)
            else set()
        )
        days = spent.get(stage)
        table.append(
            Row(
                stage,
                (
                    len(here),
                    percent(len(here & onward), len(here)) if i + 1 < len(stages) else None,
                    round(statistics.median(days), 1) if days else None,
                ),
            )
        )
    return table


def _deals(session: Db, params: dict[str, Any]) -> list[Row]:
    rows = session.run(
        f"SELECT {_month('closed_at', is_sqlite(session))}, "
        "sum(CASE WHEN stage = 'won' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN stage = 'lost' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN stage = 'won' THEN amount_cents ELSE 0 END) FROM deal "
        "WHERE deleted_at IS NULL AND stage IN ('won', 'lost') "
        "AND closed_at >= :a AND closed_at < :b GROUP BY 1 ORDER BY 1",
        params,
    )
    return [
        Row(
            str(m), (int(w), int(lost), percent(int(w), int(w) + int(lost)), round(int(c) / 100, 2))
        )
        for m, w, lost, c in rows
    ]


def _churn(session: Db, params: dict[str, Any], past: str) -> list[Row]:
    if not past:
        return []
    rows = session.run(
        f"SELECT {_month('s.at', is_sqlite(session))}, count(DISTINCT s.contact_id) "
        f"FROM stage_change s WHERE {_LIVE} AND s.to_stage = :past AND s.at >= :a "
        "AND s.at < :b GROUP BY 1 ORDER BY 1",
        {**params, "past": past},
    )
    return [Row(str(m), (int(n),)) for m, n in rows]


def _cohorts(session: Db, params: dict[str, Any], customer: str) -> list[Row]:
    """By the month each contact first became a customer: how many, how many still are,
    and what they have paid in all (counted and summed in the database, a month a row;
    the contacts still customers and the payments per contact each read once, by index)."""
    rows = session.run(
        "SELECT f.month, count(*), sum(CASE WHEN f.contact_id IN (SELECT id FROM contact "
        "WHERE stage = :customer AND deleted_at IS NULL) THEN 1 ELSE 0 END), "
        "sum((SELECT coalesce(sum(p.amount_cents), 0) FROM payment p "
        "WHERE p.contact_id = f.contact_id AND p.deleted_at IS NULL)) FROM "
        f"(SELECT {_month('min(s.at)', is_sqlite(session))} AS month, s.contact_id "
        f"FROM stage_change s WHERE {_LIVE} AND s.to_stage = :customer GROUP BY s.contact_id "
        "HAVING min(s.at) >= :a AND min(s.at) < :b) f GROUP BY f.month ORDER BY f.month",
        {**params, "customer": customer},
    )
    return [
        Row(str(m), (int(n), int(still), percent(int(still), int(n)), round(int(paid) / 100, 2)))
        for m, n, still, paid in rows
    ]


def _win_back(session: Db, past: str) -> list[Row]:
    """Past customers who paid the most: the first to call (each one's payments summed by
    the payment index, the WIN_BACK largest kept by the database)."""
    if not past:
        return []
    rows = session.run(
        "SELECT id, display_name, owner, last_contact_at, paid FROM (SELECT c.id, "
        "c.display_name, c.owner, c.last_contact_at, (SELECT coalesce(sum(p.amount_cents), 0) "
        "FROM payment p WHERE p.contact_id = c.id AND p.deleted_at IS NULL) AS paid "
        "FROM contact c WHERE c.deleted_at IS NULL AND c.stage = :past) w WHERE paid > 0 "
        f"ORDER BY paid DESC, id LIMIT {WIN_BACK}",
        {"past": past},
    ).all()
    return [
        Row(
            f"{name} #{cid}",
            (
                round(int(paid) / 100, 2),
                str(owner or ""),
                (lambda m: m.date().isoformat() if m else "never")(from_db_time(last)),
            ),
        )
        for cid, name, owner, last, paid in rows
    ]


def lifecycle(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """The life cycle up to UNTIL; monthly figures and cohorts over [since, until)."""
    check_by(by, BY)
    span = period(since, until, default_days=DEFAULT_DAYS)
    settings = store.settings
    params: dict[str, Any] = {"a": db_time(span.since), "b": db_time(span.until)}
    customer, past = settings.stage_for("customer"), settings.stage_for("past")
    with store.sql_read() as session:
        funnel = _funnel(session, list(settings.stages), params["b"])
        deals = _deals(session, params)
        churn = _churn(session, params, past)
        cohorts = _cohorts(session, params, customer)
        win_back = _win_back(session, past)
    tables = [
        Breakdown(
            "funnel",
            "Funnel: reached each stage, went on, median days in it",
            ("reached", "went on %", "median days"),
            tuple(funnel),
        ),
        Breakdown(
            "deals",
            "Deals won and lost per month",
            ("won", "lost", "win %", "won value"),
            tuple(deals),
        ),
        Breakdown(
            "churn",
            f"Customers lost per month (to {past or 'no past stage'})",
            ("lost",),
            tuple(churn),
        ),
        Breakdown(
            "cohorts",
            f"Cohorts by the month they became customers ({customer})",
            ("became", "still", "retained %", "paid"),
            tuple(cohorts),
            chart=2,
        ),
        Breakdown(
            "win_back",
            "Win back: past customers who paid the most",
            ("paid", "owner", "last contact"),
            tuple(win_back),
        ),
    ]
    headline = [
        (
            "ever customers",
            str(next((int(r.values[0] or 0) for r in funnel if r.key == customer), 0)),
        ),
        ("lost in period", str(sum(int(r.values[0] or 0) for r in churn))),
    ]
    findings = []
    for row in funnel:
        if isinstance(row.values[1], float):
            findings.append(f"{row.values[1]}% of those who reached {row.key} went further.")
    findings.append("Drivers of winning a deal: `pocketcrm report factors --by deals`.")
    return done("lifecycle", span.since, span.until, headline, tables, findings, by)
