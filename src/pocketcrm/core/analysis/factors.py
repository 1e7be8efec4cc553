"""`report factors`: which circumstances go with low satisfaction, with churn (customer to
past customer) and with winning a deal. For each candidate factor the outcome's rate with
and without it and the risk ratio with its 95% interval; then one logistic regression over
all of them (adjusted odds ratios, intervals, p-values), said in plain words.

Candidate factors, computed from the data: no contact for 60+ days before, a slow answer to
their last inbound contact, a support case open at the time, an overdue follow-up, an
overdue unpaid invoice, a cancelled invoice, more than one person dealing with the contact,
having bought each of the most bought products (invoice and order lines), the channel, the
lead source, the company kind and the department of who dealt with them (one 0/1 factor per
value, the most common value being the baseline). For deals: size, lead source, owner, days
open and the number of interactions.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pocketcrm.core import clock
from pocketcrm.core.analysis.model import Analysis, Breakdown, Row, check_by, done
from pocketcrm.core.analysis.stats import Data, adjusted, in_words, load_soon, risks, too_little
from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite, joined
from pocketcrm.core.periods import period
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time

BY = ("satisfaction", "churn", "deals")
DEFAULT_DAYS = 365
QUIET_DAYS = 60
SLOW_DAYS = 2  # an inbound contact not answered within this many days was answered slowly
SLOW = f"a slow answer to their last inbound contact (over {SLOW_DAYS} days)"
QUIET = f"no contact for {QUIET_DAYS}+ days before"
OPEN_CASE = "an open support case"
MAX_UNITS = 10_000  # past this many rated interactions, an even sample of them is studied
MAX_VALUES = 6  # of a categorical factor, the most common this many get a factor each
RISK_COLUMNS = ("with n", "with %", "without %", "risk ratio", "95% low", "95% high")
MODEL_COLUMNS = ("odds ratio", "95% low", "95% high", "p")
SUBJECTS = {
    "satisfaction": "a low score",
    "churn": "becoming a past customer",
    "deals": "winning the deal",
}


def _circumstances(contact: str) -> dict[str, str]:
    """The contact-level circumstances as SQL 0/1 columns of the contact CONTACT names:
    read for the units studied only (each an index lookup), not for every contact."""
    return {
        "an overdue follow-up": "SELECT 1 FROM follow_up f WHERE f.contact_id = {c} "
        "AND f.done_at IS NULL AND f.deleted_at IS NULL AND f.due_at < :now",
        "an overdue invoice": "SELECT 1 FROM invoice v WHERE v.contact_id = {c} "
        "AND v.deleted_at IS NULL AND v.cancelled_at IS NULL AND v.due_on < :today "
        "AND v.amount_cents > (SELECT coalesce(sum(p.amount_cents), 0) FROM payment p "
        "WHERE p.invoice_id = v.id AND p.deleted_at IS NULL)",
        "a cancelled invoice": "SELECT 1 FROM invoice v WHERE v.contact_id = {c} "
        "AND v.cancelled_at IS NOT NULL AND v.deleted_at IS NULL",
        # An owner after the first one by name: two index lookups, where counting the
        # distinct owners read every interaction of the contact.
        "several people dealing with them": "SELECT 1 FROM interaction o "
        "WHERE o.contact_id = {c} AND o.deleted_at IS NULL AND o.owner > "
        "(SELECT min(m.owner) FROM interaction m WHERE m.contact_id = {c} "
        "AND m.deleted_at IS NULL AND m.owner <> '')",
    }


def _open_case(contact: str, at: str) -> str:
    """SQL 0/1: the contact had a support case open at AT (opened by then, neither resolved
    nor closed by then), so a case closed before a call does not count for it."""
    return (
        "CASE WHEN EXISTS (SELECT 1 FROM support_case k WHERE k.contact_id = "
        f"{contact} AND k.deleted_at IS NULL AND k.created_at <= {at} "
        f"AND (k.resolved_at IS NULL OR k.resolved_at > {at}) "
        f"AND (k.closed_at IS NULL OR k.closed_at > {at})) THEN 1 ELSE 0 END"
    )


def _department(owner: str) -> str:
    """SQL join naming the department of the user whose login is OWNER (as `d.name`)."""
    return f"LEFT JOIN app_user u ON u.login = {owner} LEFT JOIN department d ON d.id = u.department_id"


def bought(session: Db) -> dict[str, set[int]]:
    """'bought PRODUCT' -> the contacts with a live invoice or order line of it, for the
    MAX_VALUES products most contacts bought (each a 0/1 factor; not exclusive, so no
    baseline). One row a product, its buyers' ids joined: tens of thousands of rows read
    one by one fought the statistics import (stats.load_soon) for the interpreter."""
    buyers_of = joined("x.cid", "','", is_sqlite(session))
    rows = session.run(
        f"SELECT x.name, {buyers_of} FROM (SELECT p.name AS name, v.contact_id AS cid "
        "FROM document_line l JOIN invoice v ON v.id = l.invoice_id "
        "JOIN product p ON p.id = l.product_id WHERE v.deleted_at IS NULL "
        "AND v.cancelled_at IS NULL GROUP BY p.name, v.contact_id) x GROUP BY x.name"
    ).tuples()
    buyers = {str(name): {int(c) for c in str(ids).split(",")} for name, ids in rows}
    top = sorted(buyers, key=lambda n: (-len(buyers[n]), n))[:MAX_VALUES]
    return {f"bought {name}": buyers[name] for name in top}


def _flags_sql(contact: str) -> str:
    """The circumstances as trailing select columns (1 when it holds, else 0)."""
    return ", ".join(
        f"CASE WHEN EXISTS ({sql.format(c=contact)}) THEN 1 ELSE 0 END"
        for sql in _circumstances(contact).values()
    )


def _today(now: datetime) -> dict[str, Any]:
    return {"now": db_time(now), "today": now.date().isoformat()}


def _collect(sets: dict[str, set[int]], contact: int, flags: tuple[Any, ...]) -> None:
    """Add CONTACT to the set of each circumstance its trailing FLAGS say holds."""
    for found, flag in zip(sets.values(), flags, strict=True):
        if int(flag):
            found.add(contact)


def _empty_sets() -> dict[str, set[int]]:
    return {name: set() for name in _circumstances("")}


def _categories(values: list[str], label: str) -> list[tuple[str, str]]:
    """(factor name, value) for the common values of a categorical factor but the most
    common one (the baseline every other is compared with)."""
    common = [v for v, n in Counter(values).most_common(MAX_VALUES + 1) if v and n]
    return [(f"{label} {v}", v) for v in common[1:]]


Unit = tuple[int, int, dict[str, str], tuple[bool, ...]]
PER_UNIT = (QUIET, SLOW, OPEN_CASE)  # the circumstances of the moment, a unit's own flags


def _build(units: list[Unit], sets: dict[str, set[int]], every: int = 1) -> Data:
    """Units are (contact, outcome, categorical values, PER_UNIT flags): one 0/1 row each;
    SETS name the contacts each contact-level circumstance holds for; EVERY is the sampling
    step the units were taken with."""
    names = [*PER_UNIT, *sets]
    fields = sorted({k for _c, _y, cats, _q in units for k in cats})
    dummies = [
        (field, value, name)
        for field in fields
        for name, value in _categories([cats.get(field, "") for _c, _y, cats, _q in units], field)
    ]
    names += [name for _f, _v, name in dummies]
    found = list(sets.values())
    column = {(field, value): i for i, (field, value, _n) in enumerate(dummies)}
    rows = []
    for contact, _y, cats, own in units:  # ten thousand units of about thirty factors
        values = [0] * len(dummies)
        for field, value in cats.items():
            i = column.get((field, value))
            if i is not None:
                values[i] = 1
        rows.append([*map(int, own), *(1 if contact in s else 0 for s in found), *values])
    return Data(names, rows, [y for _c, y, _cats, _q in units], every)


def _every(session: Db, params: dict[str, Any]) -> int:
    """Take every Nth rated interaction (by id) so that at most MAX_UNITS are studied: a
    random-enough sample of that size answers as surely, in a fraction of the time."""
    rated = session.run(
        "SELECT count(*) FROM interaction i WHERE i.satisfaction IS NOT NULL "
        "AND i.deleted_at IS NULL AND i.occurred_at >= :a AND i.occurred_at < :b",
        params,
    ).scalar()
    return max(1, -(-int(rated or 0) // MAX_UNITS))


def _answer(contact: str, before: str) -> str:
    """SQL of two columns: the contact's last inbound interaction before BEFORE (NULL when
    none) and our first interaction after it, up to BEFORE (NULL while unanswered)."""
    last_in = (
        f"(SELECT max(q.occurred_at) FROM interaction q WHERE q.contact_id = {contact} "
        f"AND q.deleted_at IS NULL AND q.direction = 'in' AND q.occurred_at < {before})"
    )
    return (
        f"{last_in}, (SELECT min(r.occurred_at) FROM interaction r WHERE r.contact_id = {contact} "
        f"AND r.deleted_at IS NULL AND r.direction <> 'in' AND r.occurred_at > {last_in} "
        f"AND r.occurred_at <= {before})"
    )


def _slow(asked: object, answered: object, until: datetime | None) -> bool:
    """Whether the last inbound contact waited over SLOW_DAYS for our answer (an unanswered
    one has waited until UNTIL)."""
    start = from_db_time(asked)
    end = from_db_time(answered) or until
    return start is not None and end is not None and end - start > timedelta(days=SLOW_DAYS)


Sample = tuple[list[Unit], dict[str, set[int]], int]  # units, circumstances, sampling step


def _satisfaction(
    session: Db, params: dict[str, Any], low: int, now: datetime, products: dict[str, set[int]]
) -> Sample:
    every = _every(session, params)
    rows = session.run(
        "SELECT i.contact_id, i.satisfaction, i.channel, c.source, co.kind, d.name, "
        "i.occurred_at, (SELECT max(j.occurred_at) FROM interaction j "
        "WHERE j.contact_id = i.contact_id AND j.deleted_at IS NULL "
        f"AND j.occurred_at < i.occurred_at), {_answer('i.contact_id', 'i.occurred_at')}, "
        f"{_open_case('i.contact_id', 'i.occurred_at')}, {_flags_sql('i.contact_id')} "
        "FROM interaction i JOIN contact c ON c.id = i.contact_id "
        f"LEFT JOIN company co ON co.id = c.company_id {_department('i.owner')} "
        "WHERE i.deleted_at IS NULL AND c.deleted_at IS NULL "
        "AND i.satisfaction IS NOT NULL AND i.occurred_at >= :a AND i.occurred_at < :b "
        "AND i.id % :every = 0",
        {**params, **_today(now), "every": every},
    ).tuples()
    units: list[Unit] = []
    sets = _empty_sets()
    quiet = timedelta(days=QUIET_DAYS)
    for row in rows:
        contact, score, channel, source, kind, dept, at, before, asked, answered, case = row[:11]
        flags = row[11:]
        _collect(sets, int(contact), tuple(flags))
        when, prev = from_db_time(at), from_db_time(before)
        gap = prev is None or (when is not None and when - prev > quiet)
        cats = {"channel": str(channel or ""), "source": str(source or ""), "kind": str(kind or "")}
        cats["department"] = str(dept or "")
        slow = _slow(asked, answered, when)
        units.append((int(contact), int(score <= low), cats, (gap, slow, bool(case))))
    return units, {**sets, **products}, every


def _every_customer(session: Db, customer: str) -> int:
    """Every Nth customer (by id) so that at most MAX_UNITS are studied."""
    n = session.run(
        "SELECT count(DISTINCT contact_id) FROM stage_change WHERE to_stage = :customer",
        {"customer": customer},
    ).scalar()
    return max(1, -(-int(n or 0) // MAX_UNITS))


def _churn(session: Db, store: Store, now: datetime, products: dict[str, set[int]]) -> Sample:
    settings = store.settings
    customer, past = settings.stage_for("customer"), settings.stage_for("past")
    every = _every_customer(session, customer)
    rows = session.run(
        "SELECT c.id, c.stage, c.source, co.kind, d.name, c.last_contact_at, "
        f"{_answer('c.id', ':now')}, {_open_case('c.id', ':now')}, {_flags_sql('c.id')} "
        f"FROM contact c LEFT JOIN company co ON co.id = c.company_id {_department('c.owner')} "
        "WHERE c.deleted_at IS NULL AND "
        "c.id IN (SELECT contact_id FROM stage_change WHERE to_stage = :customer) "
        "AND c.id % :every = 0",
        {"customer": customer, "every": every, **_today(now)},
    ).tuples()
    units: list[Unit] = []
    sets = _empty_sets()
    for contact, stage, source, kind, dept, last, asked, answered, case, *flags in rows:
        _collect(sets, int(contact), tuple(flags))
        seen = from_db_time(last)
        quiet = seen is None or now - seen > timedelta(days=QUIET_DAYS)
        cats = {"source": str(source or ""), "kind": str(kind or ""), "department": str(dept or "")}
        own = (quiet, _slow(asked, answered, now), bool(case))
        units.append((int(contact), int(bool(past) and stage == past), cats, own))
    return units, {**sets, **products}, every


def _deals(session: Db, params: dict[str, Any]) -> Data:
    """Closed deals of the period: won (1) or lost (0), with what might have decided it
    (an even sample of MAX_UNITS when there are more)."""
    closed = int(
        session.run(
            "SELECT count(*) FROM deal WHERE deleted_at IS NULL AND stage IN ('won', 'lost') "
            "AND closed_at >= :a AND closed_at < :b",
            params,
        ).scalar()
        or 0
    )
    every = max(1, -(-closed // MAX_UNITS))
    rows = session.run(
        "SELECT d.stage, d.amount_cents, d.owner, c.source, d.created_at, d.closed_at, "
        "(SELECT count(*) FROM interaction i WHERE i.contact_id = d.contact_id "
        " AND i.deleted_at IS NULL AND i.occurred_at <= d.closed_at) "
        "FROM deal d JOIN contact c ON c.id = d.contact_id WHERE d.deleted_at IS NULL "
        "AND d.stage IN ('won', 'lost') AND d.closed_at >= :a AND d.closed_at < :b "
        "AND d.id % :every = 0",
        {**params, "every": every},
    ).all()
    if not rows:
        return Data([], [], [])
    amounts = sorted(int(r[1]) for r in rows)
    median = amounts[len(amounts) // 2]
    units = []
    for stage, amount, owner, source, created, closed, touches in rows:
        start, end = from_db_time(created), from_db_time(closed)
        days = (end - start).days if start and end else 0
        cats = {"owner": str(owner or ""), "source": str(source or "")}
        extra = [int(int(amount) > median), int(days > 30), int(int(touches) >= 5)]
        units.append((int(stage == "won"), cats, extra))
    base = _build([(0, y, cats, ()) for y, cats, _e in units], {})
    names = ["larger than the median deal", "open over 30 days", "5+ interactions"]
    names += base.names[len(PER_UNIT) :]
    rows_out = [extra + row for (_y, _c, extra), row in zip(units, base.rows, strict=True)]
    return Data(names, rows_out, base.outcome, every)


def _tables(name: str, data: Data) -> tuple[list[Breakdown], list[str]]:
    subject = SUBJECTS[name]
    crude = [
        Row(
            r.name,
            (
                r.with_n,
                round(r.with_rate, 1),
                round(r.without_rate, 1),
                None if r.ratio is None else round(r.ratio, 2),
                None if r.low is None else round(r.low, 2),
                None if r.high is None else round(r.high, 2),
            ),
        )
        for r in risks(data)
    ]
    events = sum(data.outcome)
    note = f"{events} of {len(data.outcome)} with {subject}"
    if data.every > 1:
        note += (
            f"; an even sample (one in {data.every}) of about {len(data.outcome) * data.every:,}"
        )
    tables = [
        Breakdown(
            name,
            f"{subject.capitalize()}: rate with and without",
            RISK_COLUMNS,
            tuple(crude),
            chart=3,
            note=note,
        )
    ]
    fitted, reason = adjusted(data)
    if reason:
        return tables, [f"{subject.capitalize()}: {reason}."]
    model = tuple(
        Row(
            a.name, (round(a.odds_ratio, 2), round(a.low, 2), round(a.high, 2), float(f"{a.p:.2g}"))
        )
        for a in fitted
    )
    tables.append(
        Breakdown(
            f"{name}_model",
            f"{subject.capitalize()}: adjusted odds ratios (logistic regression)",
            MODEL_COLUMNS,
            model,
            chart=0,
        )
    )
    clear = [a for a in fitted if a.p < 0.05 and not a.low <= 1.0 <= a.high]
    said = [in_words(a, subject) for a in sorted(clear, key=lambda a: a.p)]
    if not said:
        said = [f"{subject.capitalize()}: no factor stands out once the others are held equal."]
    return tables, said


def factors(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> Analysis:
    """The factors of [since, until) (default the last year); --by one outcome only."""
    wanted = check_by(by, BY)
    span = period(since, until, default_days=DEFAULT_DAYS)
    params: dict[str, Any] = {"a": db_time(span.since), "b": db_time(span.until)}
    now = clock.now()
    low = store.settings.analysis.low_satisfaction
    data: dict[str, Data] = {}
    load_soon()  # statsmodels loads while the units are read
    with store.sql_read() as session:
        products = bought(session) if wanted in ("", "satisfaction", "churn") else {}
        if wanted in ("", "satisfaction"):
            data["satisfaction"] = _build(*_satisfaction(session, params, low, now, products))
        if wanted in ("", "churn"):
            data["churn"] = _build(*_churn(session, store, now, products))
        if wanted in ("", "deals"):
            data["deals"] = _deals(session, params)
    tables: list[Breakdown] = []
    findings: list[str] = []
    for name, found in data.items():
        more, said = _tables(name, found)
        tables += more
        findings += said
    headline = [(f"{n} units", str(len(d.outcome))) for n, d in data.items()]
    headline.append(("low score", f"<= {low}"))
    result = done("factors", span.since, span.until, headline, tables, findings)
    return result


__all__ = ["BY", "factors", "too_little"]
