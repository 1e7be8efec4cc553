"""`report satisfaction`: how content customers are, over time and by who, department,
product, company kind, channel and lead source; the lowest scores with what was said, and
the reasons given.

A rating counts for a product (the one rule, `_by_product`) when its interaction is linked
to a support case about that product (a case event names the interaction, the case names
a catalogue product: migration 0019); otherwise for every product its contact's company
(the contact itself when it has none) had ordered or been invoiced for, on a live,
uncancelled order or invoice line, on or before the day of the rating. So one rating may
count for several products, and a rating with neither counts for none.
"""

from __future__ import annotations

from collections import defaultdict
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

BY = (
    "month", "owner", "department", "company_kind", "channel", "source", "product", "reason",
    "lowest",
)  # fmt: skip
DEFAULT_DAYS = 365  # a trend needs months
LOWEST = 10
_FROM = (
    "FROM interaction i JOIN contact c ON c.id = i.contact_id "
    "LEFT JOIN company co ON co.id = c.company_id "
    "WHERE i.deleted_at IS NULL AND c.deleted_at IS NULL AND i.satisfaction IS NOT NULL "
    "AND i.occurred_at >= :a AND i.occurred_at < :b"
)
_RATED = (
    "FROM interaction i WHERE i.deleted_at IS NULL AND i.satisfaction IS NOT NULL "
    "AND i.occurred_at >= :a AND i.occurred_at < :b"
)
_SUMS = "sum(i.satisfaction), count(*), sum(CASE WHEN i.satisfaction <= :low THEN 1 ELSE 0 END)"
# breakdown -> (which rows: 0 _by_moment's, 1 _by_contact's; key column; title). A
# department is its owner's (departments.py).
GROUPS = {
    "owner": (0, 1, "By owner"),
    "department": (0, 1, "By department (of the owner)"),
    "company_kind": (1, 0, "By company kind"),
    "channel": (0, 2, "By channel"),
    "source": (1, 1, "By lead source"),
}
COLUMNS = ("average", "rated", "low %")
# The grouped tables in the order shown: GROUPS', then the products (_by_product).
TITLES = (*((name, title) for name, (_w, _c, title) in GROUPS.items()), ("product", "By product"))
PRODUCT_NOTE = (
    "the case's product, else what the contact's company (or the contact) had bought by "
    "then; a rating may count for several"
)


def _month(sqlite: bool) -> str:
    return "substr(i.occurred_at, 1, 7)" if sqlite else "to_char(i.occurred_at, 'YYYY-MM')"


def _by_moment(session: Db, params: dict[str, Any]) -> list[Any]:
    """What the interaction itself says, from the rated index alone: per month, owner,
    channel and reason, the sum of the scores, how many and how many low (a reason comes
    with low scores only, so it adds few combinations). Trashed contacts' are left out by
    their ids, a short list, so no rated interaction looks its contact up."""
    return session.run(
        f"SELECT {_month(is_sqlite(session))}, i.owner, i.channel, i.reason, {_SUMS} "
        f"{_RATED} AND i.contact_id NOT IN (SELECT id FROM contact WHERE deleted_at IS NOT NULL) "
        "GROUP BY 1, 2, 3, 4",
        params,
    ).all()


def _by_contact(session: Db, params: dict[str, Any]) -> list[Any]:
    """What the contact says (company kind, lead source): the scores summed per contact
    first, so each contact and company is looked up once, not once per rating."""
    return session.run(
        "SELECT co.kind, c.source, sum(x.total), sum(x.n), sum(x.low) FROM "
        "(SELECT i.contact_id AS cid, sum(i.satisfaction) AS total, count(*) AS n, "
        "sum(CASE WHEN i.satisfaction <= :low THEN 1 ELSE 0 END) AS low "
        f"{_RATED} GROUP BY i.contact_id) x JOIN contact c ON c.id = x.cid "
        "LEFT JOIN company co ON co.id = c.company_id WHERE c.deleted_at IS NULL GROUP BY 1, 2",
        params,
    ).all()


# A buyer is the contact's company, or the contact itself (a negative id) without one: what
# any contact of a company bought counts for all of them, and a contact's own purchases are
# its company's.
_BUYER = "coalesce(c.company_id, -c.id)"
_CASED = (
    "SELECT DISTINCT e.interaction_id, sc.product_id FROM case_event e "
    "JOIN support_case sc ON sc.id = e.case_id WHERE e.interaction_id IS NOT NULL "
    "AND sc.product_id IS NOT NULL AND sc.deleted_at IS NULL"
)
_FIRST_BOUGHT = (
    f"SELECT {_BUYER}, l.product_id, min(v.issued_on) "
    "FROM document_line l JOIN invoice v ON v.id = l.invoice_id "
    "JOIN contact c ON c.id = v.contact_id WHERE v.deleted_at IS NULL "
    "AND v.cancelled_at IS NULL AND l.product_id IS NOT NULL GROUP BY 1, 2"
)


def _by_product(session: Db, params: dict[str, Any]) -> list[Any]:
    """(product, sku, sum, count, lows) per product, by the rule in the module's docstring:
    the case's product when a case links the rating, else what the buyer had bought by the
    rating's day (an order or invoice dated that day counts).

    Matched in Python over the rated index's rows: joining every rating to its contact and
    the purchases in SQL cost half as much again (137,000 ratings on the benchmark)."""
    cased: dict[int, list[int]] = defaultdict(list)
    for interaction, product in session.run(_CASED).tuples():
        cased[int(interaction)].append(int(product))
    firsts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for buyer, product, day in session.run(_FIRST_BOUGHT).tuples():
        firsts[int(buyer)].append((str(day)[:10], int(product)))
    if not firsts and not cased:
        return []
    live = session.run(f"SELECT c.id, {_BUYER} FROM contact c WHERE c.deleted_at IS NULL")
    alive: set[int] = set()
    bought_by: dict[int, list[tuple[str, int]]] = {}  # a live contact -> its buyer's firsts
    for contact, buyer in live.tuples():
        alive.add(int(contact))
        if int(buyer) in firsts:
            bought_by[int(contact)] = firsts[int(buyer)]
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    low = int(params["low"])
    rated = session.run(
        "SELECT i.id, i.contact_id, i.occurred_at, i.satisfaction FROM interaction i "
        "WHERE i.deleted_at IS NULL AND i.satisfaction IS NOT NULL "
        "AND i.occurred_at >= :a AND i.occurred_at < :b",
        params,
    ).tuples()
    for interaction, contact, at, score in rated:
        found = cased.get(interaction) if cased else None
        if found is None:
            mine = bought_by.get(contact)
            if mine is None:  # bought nothing yet, or trashed
                continue
            day = str(at)[:10]
            found = [product for first, product in mine if first <= day]
        elif contact not in alive:
            continue
        for product in found:
            acc = sums[product]
            acc[0] += score
            acc[1] += 1
            acc[2] += score <= low
    names = session.run("SELECT id, name, sku FROM product").tuples()
    return [(name, sku, *sums[int(ident)]) for ident, name, sku in names if int(ident) in sums]


def _products(rows: Sequence[Any]) -> tuple[Row, ...]:
    """_by_product's rows as (average, rated, low %) per product name (with its SKU when two
    products share a name)."""
    names = [str(r[0]) for r in rows]
    keyed = [
        (f"{name} ({r[1]})" if names.count(name) > 1 else name, *r[2:])
        for name, r in zip(names, rows, strict=True)
    ]
    return _fold(keyed, 0)


def _fold(rows: Sequence[Any], column: int, name: Callable[[str], str] = str) -> tuple[Row, ...]:
    """(average, rated, low %) per value of the row's COLUMN, each value shown as NAME says
    (an owner as the department, say); a row ends with its sum, count and count of lows."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        acc = sums.setdefault(name(str(row[column] or "")) or "(none)", [0, 0, 0])
        acc[0] += int(row[-3])
        acc[1] += int(row[-2])
        acc[2] += int(row[-1])
    return tuple(
        Row(k, (round(total / n, 2), n, round(100.0 * lows / n, 1)))
        for k, (total, n, lows) in sums.items()
    )


def _reasons(rows: Sequence[Any]) -> dict[str, int]:
    """Times each reason was given with a low score, from _by_moment's rows."""
    found: dict[str, int] = {}
    for row in rows:
        if int(row[-1]):
            found[str(row[3] or "")] = found.get(str(row[3] or ""), 0) + int(row[-1])
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
        rows = (_by_moment(session, params), _by_contact(session, params))
        products = _products(_by_product(session, params))
        lowest = _lowest(session, params, list(range(1, low + 1)))
        found = departments(session)
    reasons = _reasons(rows[0]).items()
    months = tuple(sorted(_fold(rows[0], 0), key=lambda r: r.key))
    groups = {name: _fold(rows[which], column) for name, (which, column, _t) in GROUPS.items()}
    groups["department"] = _fold(rows[0], GROUPS["department"][1], found.of)
    rated = sum(int(r.values[1] or 0) for r in months)
    total = sum(float(r.values[0] or 0) * int(r.values[1] or 0) for r in months)
    tables = [Breakdown("month", "Average score by month (trend)", COLUMNS, months)]
    groups["product"] = products
    for name, title in TITLES:
        ordered = tuple(sorted(groups[name], key=lambda r: (float(r.values[0] or 0), r.key)))
        note = PRODUCT_NOTE if name == "product" else ""
        tables.append(Breakdown(name, title, COLUMNS, ordered, note=note))
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
    findings = _findings(tables[1 : 1 + len(TITLES)])
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
