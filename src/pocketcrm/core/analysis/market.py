"""Markets and the `report market` section: the size of a market the owner knows, our
share of its revenue and customers year by year, the number and kinds of customers over
time, and the revenue trend with a three-month forecast (trend.py).

A market may be narrowed to a saved segment (`segment save`): then "our" customers and
revenue are the segment's members'.

Everything runs on the plain path (core/db.py: sqlite3 itself on SQLite), as the other
counting sections do: SQLAlchemy and the models cost about 330 ms of a cold command. A
segment's members come from the list's own filter rule (queries.where), the one both
paths use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pocketcrm.core import clock, sql
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, Value, check_by, done, percent
from pocketcrm.core.analysis.trend import forecast
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.money import parse_amount
from pocketcrm.core.periods import period
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

BY = ("share", "customers", "stages", "regions", "segments", "revenue", "forecast")
DEFAULT_DAYS = 3 * 365  # shares are per year, the trend wants months


@dataclass(frozen=True)
class MarketView:
    name: str
    segment: str
    year: int
    size_cents: int | None
    customers: int | None
    currency: str


_OF_CONTACT = "FROM contact c LEFT JOIN company co ON co.id = c.company_id"


def _members(session: Db, settings: Settings, segment: str) -> tuple[str, dict[str, object]]:
    """The SQL condition on a contact `c` (and its company `co`) that the segment's contacts
    meet, and its parameters (every live contact without a segment). A condition rather than
    an `IN (SELECT ...)`: the database then looks up only the rows it needs (a year's
    payments, the customers) instead of building the list of 100,000 ids first."""
    if not segment:
        return "c.deleted_at IS NULL", {}
    from pocketcrm.core import queries
    from pocketcrm.core.services import segments

    try:
        filters = segments.segment_filters_in(session, segment)
    except NotFound:
        names = session.run("SELECT name FROM segment ORDER BY name").scalars()
        known = ", ".join(str(n) for n in names) or "none saved yet"
        raise Invalid("segment", f"unknown segment {segment!r}; use one of: {known}") from None
    where, params = queries.where(session, segments.query_for(filters), settings)
    return where.removeprefix(" WHERE "), params


def set_market(
    store: Store,
    name: str,
    *,
    size: str = "",
    customers: int | None = None,
    year: int = 0,
    segment: str = "",
) -> MarketView:
    """Record (or replace) what a market is worth or how many customers it has."""
    name = " ".join(name.split())
    if not name:
        raise Invalid("name", "give the market a name, e.g. 'Bakery supplies'")
    if not size.strip() and customers is None:
        raise Invalid("size", "give --size AMOUNT or --customers N (or both)")
    size_cents, currency = None, store.settings.currency
    if size.strip():
        size_cents, currency = parse_amount(size, store.settings.currency, field="size")
        if size_cents <= 0:
            raise Invalid("size", f"{size} is not a market size; give an amount above zero")
    if customers is not None and customers <= 0:
        raise Invalid("customers", f"{customers} is not a number of customers; give one above zero")
    if year and not 1900 <= year <= 2200:
        raise Invalid("period", f"{year} is not a year; give e.g. 2026")
    segment = segment.strip()
    now = clock.now()
    with store.sql_write() as session:
        _members(session, store.settings, segment)  # refuses an unknown segment
        key = {"n": name, "s": segment, "y": year}
        before = session.run(
            "SELECT size_cents, customers, currency FROM market "
            "WHERE name = :n AND segment = :s AND year = :y",
            key,
        ).first()
        if before is not None:  # a figure not given now keeps its earlier value
            if size_cents is None and before[0] is not None:
                size_cents, currency = int(before[0]), str(before[2])
            customers = customers if customers is not None else before[1]
            session.run("DELETE FROM market WHERE name = :n AND segment = :s AND year = :y", key)
        sql.insert(
            session,
            "market",
            {
                "name": name, "segment": segment, "year": year, "size_cents": size_cents,
                "customers": customers, "currency": currency, "created_at": now,
                "updated_at": now,
            },
        )  # fmt: skip
    return MarketView(name, segment, year, size_cents, customers, currency)


def list_markets(store: Store) -> list[MarketView]:
    with store.sql_read() as session:
        rows = session.run(
            "SELECT name, segment, year, size_cents, customers, currency FROM market "
            "ORDER BY name, segment, year"
        ).tuples()
    return [
        MarketView(
            str(n),
            str(s),
            int(y),
            None if z is None else int(z),
            None if c is None else int(c),
            str(cur),
        )
        for n, s, y, z, c, cur in rows
    ]


def _revenue_in(session: Db, members: str, params: dict[str, object], year: int) -> int:
    """The payments the MEMBERS (a condition on `c`) made in the calendar YEAR, in cents."""
    return int(
        session.run(
            "SELECT sum(p.amount_cents) FROM payment p JOIN contact c ON c.id = p.contact_id "
            "LEFT JOIN company co ON co.id = c.company_id WHERE p.deleted_at IS NULL "
            f"AND p.paid_on >= :year_a AND p.paid_on < :year_b AND {members}",
            {**params, "year_a": date(year, 1, 1), "year_b": date(year + 1, 1, 1)},
        ).scalar()
        or 0
    )


def _customers(session: Db, members: str, params: dict[str, object], stage: str) -> int:
    return int(
        session.run(
            f"SELECT count(*) {_OF_CONTACT} WHERE c.stage = :stage AND {members}",
            {**params, "stage": stage},
        ).scalar()
        or 0
    )


def _shares(session: Db, settings: Settings, markets: list[MarketView]) -> list[Row]:
    rows = []
    stage = settings.stage_for("customer")
    this_year = clock.local_now().year
    for m in markets:
        members, params = _members(session, settings, m.segment)
        year = m.year or this_year
        ours = _revenue_in(session, members, params, year)
        customers = _customers(session, members, params, stage)
        label = m.name + (f" / {m.segment}" if m.segment else "") + f" {year}"
        rows.append(
            Row(
                label,
                (
                    None if m.size_cents is None else percent(ours, m.size_cents),
                    round(ours / 100, 2),
                    None if m.size_cents is None else round(m.size_cents / 100, 2),
                    None if m.customers is None else percent(customers, m.customers),
                    customers,
                    m.customers,
                ),
            )
        )
    return rows


def _over_time(session: Db, settings: Settings, params: dict[str, Any]) -> list[Breakdown]:
    """The number and kinds of customers over time: new customers per month by company
    kind, region and saved segment; contacts at each stage at every month's end."""
    from pocketcrm.core.analysis import customers as over

    stage = settings.stage_for("customer")
    (kinds, kind_names), (places, place_names) = over.by_kind_and_region(session, params, stage)
    names = session.run("SELECT name FROM segment ORDER BY name").scalars()
    saved = {str(name): _members(session, settings, str(name)) for name in names}
    members, segment_names = over.by_segment(session, params, stage, saved)
    stages = list(settings.stages)
    return [
        Breakdown(
            "customers",
            "New customers per month, by company kind",
            ("all", *kind_names),
            tuple(kinds),
        ),
        Breakdown(
            "stages",
            "Contacts at each stage at the end of the month",
            tuple(stages),
            tuple(over.by_stage(session, params, stages)),
            chart=stages.index(stage) if stage in stages else 0,
        ),
        Breakdown(
            "regions",
            "New customers per month, by region",
            ("all", *place_names),
            tuple(places),
            note="the contact's first address, else its company's",
        ),
        Breakdown(
            "segments",
            "New customers per month who are in each saved segment now",
            tuple(segment_names),
            tuple(members),
            note="" if saved else "save a segment with `pocketcrm segment save`",
        ),
    ]


def _revenue_rows(session: Db, params: dict[str, Any]) -> tuple[list[Row], list[Row], str]:
    rows = session.run(
        "SELECT paid_on, amount_cents FROM payment WHERE deleted_at IS NULL "
        "AND paid_on >= :day_a AND paid_on < :day_b",
        params,
    ).tuples()
    months: dict[str, int] = defaultdict(int)
    for paid_on, cents in rows:
        months[str(paid_on)[:7]] += int(cents)
    if not months:
        return [], [], "no revenue recorded in the period"
    ordered = _fill(sorted(months))
    series = [float(months.get(m, 0)) for m in ordered]
    history = [Row(m, (round(months.get(m, 0) / 100, 2),)) for m in ordered]
    ahead, said = forecast(ordered, series)
    future = [
        Row(f.month, (round(f.cents / 100, 2), round(f.low / 100, 2), round(f.high / 100, 2)))
        for f in ahead
    ]
    return history, future, said


def _fill(months: list[str]) -> list[str]:
    """Every month from the first to the last (a month without revenue counts as zero)."""
    from pocketcrm.core.analysis.trend import next_months

    found = [months[0]]
    while found[-1] < months[-1]:
        found += next_months(found[-1], 1)
    return found


def market(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """Shares of the known markets, customers over time, revenue trend and forecast."""
    check_by(by, BY)
    span = period(since, until, default_days=DEFAULT_DAYS)
    zone = clock.local_zone()
    params: dict[str, Any] = {
        "a": db_time(span.since),
        "b": db_time(span.until),
        "day_a": span.since.astimezone(zone).date(),
        "day_b": span.until.astimezone(zone).date(),
    }
    markets = list_markets(store)
    with store.sql_read() as session:
        shares = _shares(session, store.settings, markets)
        over_time = _over_time(session, store.settings, params)
        history, future, said = _revenue_rows(session, params)
    tables = [
        Breakdown(
            "share",
            "Our share of each known market",
            (
                "revenue %",
                "our revenue",
                "market size",
                "customers %",
                "our customers",
                "market customers",
            ),
            tuple(shares),
            note="record a market with `pocketcrm market set NAME --size AMOUNT`"
            if not shares
            else "",
        ),
        *over_time,
        Breakdown("revenue", "Revenue received per month", ("revenue",), tuple(history)),
        Breakdown(
            "forecast",
            "Revenue forecast, next three months (95% interval)",
            ("expected", "low", "high"),
            tuple(future),
            note=said,
        ),
    ]
    headline: list[tuple[str, str]] = [("markets", str(len(markets)))]
    findings = [f"Revenue: {said}."] if said else []
    for row in shares:
        if isinstance(row.values[0], float):
            findings.append(f"We hold {row.values[0]}% of {row.key} by revenue.")
    return done("market", span.since, span.until, headline, tables, findings, by)


__all__ = ["BY", "MarketView", "Value", "list_markets", "market", "set_market"]
