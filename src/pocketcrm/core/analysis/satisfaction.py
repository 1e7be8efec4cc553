"""`report satisfaction`: how content customers are, over time and by who, department,
company kind, channel and lead source; the lowest scores with what was said, and the
reasons given."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pocketcrm.core.analysis.departments import departments
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, check_by, done
from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.periods import period
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

BY = ("month", "owner", "department", "company_kind", "channel", "source", "reason", "lowest")
DEFAULT_DAYS = 365  # a trend needs months
LOWEST = 10
_FROM = (
    "FROM interaction i JOIN contact c ON c.id = i.contact_id "
    "LEFT JOIN company co ON co.id = c.company_id "
    "WHERE i.deleted_at IS NULL AND c.deleted_at IS NULL AND i.satisfaction IS NOT NULL "
    "AND i.occurred_at >= :a AND i.occurred_at < :b"
)
GROUPS = {  # breakdown -> (column of _scores' rows, title); department: the owner's
    "owner": (1, "By owner"),
    "department": (1, "By department (of the owner)"),
    "company_kind": (2, "By company kind"),
    "channel": (3, "By channel"),
    "source": (4, "By lead source"),
}
COLUMNS = ("average", "rated", "low %")


def _month(sqlite: bool) -> str:
    return "substr(i.occurred_at, 1, 7)" if sqlite else "to_char(i.occurred_at, 'YYYY-MM')"


def _scores(session: Db, params: dict[str, Any], low: int) -> Sequence[Any]:
    """One pass over the rated interactions (their partial index): per combination of
    month, owner, company kind, channel, source and reason, the sum of the scores, how many
    and how many low, folded in Python (a reason comes with low scores only, so it adds few
    combinations)."""
    return session.run(
        f"SELECT {_month(is_sqlite(session))}, i.owner, co.kind, i.channel, c.source, "
        "sum(i.satisfaction), count(*), "
        "sum(CASE WHEN i.satisfaction <= :low THEN 1 ELSE 0 END), i.reason "
        f"{_FROM} GROUP BY 1, 2, 3, 4, 5, 9",
        {**params, "low": low},
    ).all()


def _fold(rows: Sequence[Any], column: int, name: Callable[[str], str] = str) -> tuple[Row, ...]:
    """(average, rated, low %) per value of the row's COLUMN (0 month ... 4 source), each
    value shown as NAME says (an owner as the department, say)."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        acc = sums.setdefault(name(str(row[column] or "")) or "(none)", [0, 0, 0])
        acc[0] += int(row[5])
        acc[1] += int(row[6])
        acc[2] += int(row[7])
    return tuple(
        Row(k, (round(total / n, 2), n, round(100.0 * lows / n, 1)))
        for k, (total, n, lows) in sums.items()
    )


def _reasons(rows: Sequence[Any]) -> dict[str, int]:
    """Times each reason was given with a low score, from _scores' rows."""
    found: dict[str, int] = {}
    for row in rows:
        if int(row[7]):
            found[str(row[8] or "")] = found.get(str(row[8] or ""), 0) + int(row[7])
    return found


def _lowest(session: Db, params: dict[str, Any], scores: list[int]) -> tuple[Row, ...]:
    """The LOWEST lowest scores, latest first within a score: one score at a time (SCORES,
    ascending), each read backwards along the rated index by time, so only the rows shown
    are looked up."""
    rows: list[Any] = []
    for score in scores:
        rows += session.run(
            "SELECT c.display_name, i.satisfaction, i.reason, i.owner, i.notes, "
            f"i.occurred_at {_FROM} AND i.satisfaction = :score "
            f"ORDER BY i.occurred_at DESC LIMIT {LOWEST - len(rows)}",
            {**params, "score": score},
        ).all()
        if len(rows) >= LOWEST:
            break
    return tuple(
        Row(
            str(name),
            (int(score), str(reason or ""), str(owner or ""), " ".join(str(notes).split())[:80]),
        )
        for name, score, reason, owner, notes, _at in rows
    )


def satisfaction(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """Scores of [since, until) (default the last year)."""
    check_by(by, BY)
    span = period(since, until, default_days=DEFAULT_DAYS)
    low = store.settings.analysis.low_satisfaction
    params: dict[str, Any] = {"a": db_time(span.since), "b": db_time(span.until), "low": low}
    with store.sql_read() as session:
        rows = _scores(session, params, low)
        lowest = _lowest(session, params, list(range(1, low + 1)))
        found = departments(session)
    reasons = _reasons(rows).items()
    months = tuple(sorted(_fold(rows, 0), key=lambda r: r.key))
    groups = {name: _fold(rows, column) for name, (column, _t) in GROUPS.items()}
    groups["department"] = _fold(rows, GROUPS["department"][0], found.of)
    rated = sum(int(r.values[1] or 0) for r in months)
    total = sum(float(r.values[0] or 0) * int(r.values[1] or 0) for r in months)
    tables = [Breakdown("month", "Average score by month (trend)", COLUMNS, months)]
    for name, (_key, title) in GROUPS.items():
        ordered = tuple(sorted(groups[name], key=lambda r: (float(r.values[0] or 0), r.key)))
        tables.append(Breakdown(name, title, COLUMNS, ordered))
    tables.append(
        Breakdown(
            "reason",
            f"Reasons given with a low score (<= {low})",
            ("times",),
            tuple(
                Row(str(k or "(none given)"), (int(n),))
                for k, n in sorted(reasons, key=lambda kv: (-int(kv[1]), str(kv[0])))
            ),
        )
    )
    tables.append(
        Breakdown(
            "lowest",
            "The lowest scores, with what was said",
            ("score", "reason", "owner", "said"),
            lowest,
            chart=-1,
        )
    )
    average = f"{total / rated:.2f}/5" if rated else "n/a"
    headline = [("average", average), ("rated", str(rated))]
    findings = _findings(tables[1 : 1 + len(GROUPS)])
    return done("satisfaction", span.since, span.until, headline, tables, findings, by)


def _findings(tables: list[Breakdown]) -> list[str]:
    """The lowest-rated group of each breakdown with enough ratings to mean something."""
    said = []
    for table in tables:
        solid = [r for r in table.rows if int(r.values[1] or 0) >= 5 and not r.key.startswith("(")]
        if len(solid) >= 2:
            worst = solid[0]
            said.append(
                f"{table.title}: lowest is {worst.key} ({worst.values[0]}/5 over {worst.values[1]} ratings)."
            )
    return said
