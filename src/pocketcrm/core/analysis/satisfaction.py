"""`report satisfaction`: how content customers are, over time and by who, company kind,
channel and lead source; the lowest scores with what was said, and the reasons given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text

from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, check_by, done
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.periods import period
from pocketcrm.core.sessions import CrmSession
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

BY = ("month", "owner", "company_kind", "channel", "source", "reason", "lowest")
DEFAULT_DAYS = 365  # a trend needs months
LOWEST = 10
_FROM = (
    "FROM interaction i JOIN contact c ON c.id = i.contact_id "
    "LEFT JOIN company co ON co.id = c.company_id "
    "WHERE i.deleted_at IS NULL AND c.deleted_at IS NULL AND i.satisfaction IS NOT NULL "
    "AND i.occurred_at >= :a AND i.occurred_at < :b"
)
GROUPS = {  # breakdown -> (column of _scores' rows, title)
    "owner": (1, "By owner"),
    "company_kind": (2, "By company kind"),
    "channel": (3, "By channel"),
    "source": (4, "By lead source"),
}
COLUMNS = ("average", "rated", "low %")


def _month(sqlite: bool) -> str:
    return "substr(i.occurred_at, 1, 7)" if sqlite else "to_char(i.occurred_at, 'YYYY-MM')"


def _scores(session: CrmSession, params: dict[str, Any]) -> list[Any]:
    """One pass over the rated interactions (their partial index): every combination of
    month, owner, company kind, channel and source with its scores, folded in Python."""
    return list(
        session.execute(
            text(
                f"SELECT {_month(is_sqlite(session))}, i.owner, co.kind, i.channel, c.source, "
                f"i.satisfaction, count(*) {_FROM} GROUP BY 1, 2, 3, 4, 5, 6"
            ),
            params,
        )
    )


def _fold(rows: list[Any], column: int, low: int) -> tuple[Row, ...]:
    """(average, rated, low %) per value of the row's COLUMN (0 month ... 4 source)."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        score, n = int(row[5]), int(row[6])
        acc = sums.setdefault(str(row[column] or "(none)"), [0, 0, 0])
        acc[0] += score * n
        acc[1] += n
        acc[2] += n if score <= low else 0
    return tuple(
        Row(k, (round(total / n, 2), n, round(100.0 * lows / n, 1)))
        for k, (total, n, lows) in sums.items()
    )


def _lowest(session: CrmSession, params: dict[str, Any]) -> tuple[Row, ...]:
    rows = session.execute(
        text(
            "SELECT c.display_name, i.satisfaction, i.reason, i.owner, i.notes, i.occurred_at "
            f"{_FROM} AND i.satisfaction <= :low ORDER BY i.satisfaction, i.occurred_at DESC "
            f"LIMIT {LOWEST}"
        ),
        params,
    )
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
    with store.read() as session:
        rows = _scores(session, params)
        reasons = session.execute(
            text(f"SELECT i.reason, count(*) {_FROM} AND i.satisfaction <= :low GROUP BY 1"),
            params,
        ).all()
        lowest = _lowest(session, params)
    months = tuple(sorted(_fold(rows, 0, low), key=lambda r: r.key))
    groups = {name: _fold(rows, column, low) for name, (column, _t) in GROUPS.items()}
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
    findings = _findings(tables[1:5])
    return done("satisfaction", span.since, span.until, headline, tables, findings, by)


def _findings(tables: list[Breakdown]) -> list[str]:
    """The lowest-rated group of each breakdown with enough ratings to mean something."""
    said = []
    for table in tables:
        solid = [r for r in table.rows if int(r.values[1] or 0) >= 5 and r.key != "(none)"]
        if len(solid) >= 2:
            worst = solid[0]
            said.append(
                f"{table.title}: lowest is {worst.key} ({worst.values[0]}/5 over {worst.values[1]} ratings)."
            )
    return said
