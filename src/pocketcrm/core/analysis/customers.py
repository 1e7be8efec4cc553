"""The number and kinds of customers over time (`report market`): how many contacts stood
at each stage at the end of every month, and the contacts who became customers each month
by company kind, by region and by saved segment.

Everything is counted in the database; Python only adds the months up. Stages come from
the stage history (every change names the stage it left and the one it entered), so a
month's figure needs no replay of each contact's walk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pocketcrm.core.analysis.model import Row
from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite

NONE = "(none)"
_ENTERED = (
    "FROM stage_change s JOIN contact c ON c.id = s.contact_id "
    "LEFT JOIN company co ON co.id = c.company_id WHERE c.deleted_at IS NULL "
    "AND s.to_stage = :stage AND s.at >= :a AND s.at < :b"
)


def _month(column: str, sqlite: bool) -> str:
    return f"substr({column}, 1, 7)" if sqlite else f"to_char({column}, 'YYYY-MM')"


def _spread(
    rows: Sequence[Any], order: list[str] | None = None, total: bool = True
) -> tuple[list[Row], list[str]]:
    """(month, group, n) rows as one row a month: all (when the groups do not overlap),
    then one column a group (the groups in ORDER when given, else by name)."""
    groups = order if order is not None else sorted({str(g) for _m, g, _n in rows})
    months: dict[str, dict[str, int]] = defaultdict(dict)
    for month, group, n in rows:
        months[str(month)][str(group)] = int(n)
    return [
        Row(
            m,
            (
                *((sum(months[m].values()),) if total else ()),
                *(months[m].get(g, 0) for g in groups),
            ),
        )
        for m in sorted(months)
    ], groups


def _place(region: object, country: object) -> str:
    region, country = str(region or "").strip(), str(country or "").strip()
    if region and country:
        return f"{region}, {country}"
    return region or country or NONE


Table = tuple[list[Row], list[str]]  # one row a month, the groups' names


def by_kind_and_region(session: Db, params: dict[str, Any], stage: str) -> tuple[Table, Table]:
    """Contacts becoming customers per month by company kind, and by region (the contact's
    first address, else its company's): one pass, each contact in one kind and one place."""
    first = (
        "(SELECT {f} FROM contact_address ad WHERE ad.contact_id = c.id "
        "AND (ad.region <> '' OR ad.country <> '') ORDER BY ad.id LIMIT 1)"
    )
    rows = session.run(
        f"SELECT {_month('s.at', is_sqlite(session))}, "
        "CASE WHEN co.kind IS NULL OR co.kind = '' THEN '(no company)' ELSE co.kind END, "
        f"coalesce({first.format(f='ad.region')}, co.region, ''), "
        f"coalesce({first.format(f='ad.country')}, co.country, ''), "
        f"count(DISTINCT s.contact_id) {_ENTERED} GROUP BY 1, 2, 3, 4",
        {**params, "stage": stage},
    ).tuples()
    kinds: dict[tuple[str, str], int] = defaultdict(int)
    places: dict[tuple[str, str], int] = defaultdict(int)
    for month, kind, region, country, n in rows:
        kinds[(str(month), str(kind))] += int(n)
        places[(str(month), _place(region, country))] += int(n)
    totals: dict[str, int] = defaultdict(int)
    for (_m, place), n in places.items():
        totals[place] += n
    order = sorted(totals, key=lambda p: (p == NONE, -totals[p], p))
    return (
        _spread([(m, k, n) for (m, k), n in kinds.items()]),
        _spread([(m, p, n) for (m, p), n in places.items()], order),
    )


def by_segment(
    session: Db,
    params: dict[str, Any],
    stage: str,
    segments: dict[str, tuple[str, dict[str, object]]],
) -> tuple[list[Row], list[str]]:
    """Contacts becoming customers per month who are members of each saved segment now
    (SEGMENTS: name -> the SQL condition its members meet, on the contact `c` and its
    company `co`, and that condition's parameters)."""
    rows: list[tuple[str, str, int]] = []
    for name, (members, bound) in segments.items():
        found = session.run(
            f"SELECT {_month('s.at', is_sqlite(session))}, count(DISTINCT s.contact_id) "
            f"{_ENTERED} AND {members} GROUP BY 1",
            {**params, **bound, "stage": stage},
        ).tuples()
        rows += [(str(m), name, int(n)) for m, n in found]
    return _spread(rows, list(segments), total=False)


def by_stage(session: Db, params: dict[str, Any], stages: list[str]) -> list[Row]:
    """Contacts at each configured stage at the end of every month of the period: the
    changes before it added up (entered minus left), grouped by month in the database."""
    month = _month("s.at", is_sqlite(session))
    rows = session.run(
        f"SELECT CASE WHEN s.at < :a THEN '' ELSE {month} END, s.from_stage, s.to_stage, "
        "count(*) FROM stage_change s WHERE s.at < :b AND s.contact_id NOT IN "
        "(SELECT id FROM contact WHERE deleted_at IS NOT NULL) GROUP BY 1, 2, 3",
        params,
    ).tuples()
    moves: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for when, left, entered, n in rows:
        moves[str(when)][str(entered)] += int(n)
        if left:
            moves[str(when)][str(left)] -= int(n)
    standing: dict[str, int] = defaultdict(int)
    table = []
    for when in sorted(moves):  # '' (everything before the period) sorts first
        for stage, n in moves[when].items():
            standing[stage] += n
        if when:
            table.append(Row(when, tuple(standing.get(s, 0) for s in stages)))
    return table
