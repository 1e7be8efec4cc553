"""Profitability: what each customer, company, product, salesperson ... earned the business.

A sale is an invoice, or an order that has no live invoice yet (an invoiced order counts
once, as its invoice); cancelled and trashed ones never count. Revenue is the lines' net
(before tax), the cost of goods the lines' unit costs kept at the time of sale. Costs the
business entered (`cost add`) count for the contact, company or deal they were for (a
campaign's, or a company's when grouped by person, show as "not attributed"). The cost of
time (hourly rate x logged call and meeting time) counts only when the config turns it on.
Only the configured currency is added up; documents in others are counted and left out.
Customer lifetime value is the average all-time margin of the customers who ever bought.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from pocketcrm.core import clock
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid
from pocketcrm.core.money import parse_amount
from pocketcrm.core.periods import period
from pocketcrm.core.sql import chunks, id_list
from pocketcrm.core.store import Store

GROUPS = ("customer", "company", "product", "category", "user", "department", "segment", "source")
DEFAULT_DAYS = 365  # a year of sales unless --since/--until say otherwise
TOP = 10
TIME_KINDS = ("call", "meeting")
NONE_LABEL = {
    "company": "(no company)", "user": "(no owner)", "source": "(no source)",
    "segment": "(in no segment)", "product": "(free text lines)", "category": "(no category)",
    "department": "(no department)",
}  # fmt: skip
UNATTRIBUTED = "(not attributed)"


@dataclass
class ProfitRow:
    key: str
    label: str
    revenue_cents: int = 0
    goods_cost_cents: int = 0
    other_cost_cents: int = 0
    time_cost_cents: int = 0
    sales: int = 0

    @property
    def cost_cents(self) -> int:
        return self.goods_cost_cents + self.other_cost_cents + self.time_cost_cents

    @property
    def margin_cents(self) -> int:
        return self.revenue_cents - self.cost_cents

    @property
    def margin_pct(self) -> float | None:
        """Margin as a share of revenue; None without revenue."""
        if not self.revenue_cents:
            return None
        return round(100 * self.margin_cents / self.revenue_cents, 1)

    def add(self, other: ProfitRow) -> None:
        self.revenue_cents += other.revenue_cents
        self.goods_cost_cents += other.goods_cost_cents
        self.other_cost_cents += other.other_cost_cents
        self.time_cost_cents += other.time_cost_cents
        self.sales += other.sales


@dataclass(frozen=True)
class BelowCost:
    """A product sold for less than it cost at the time (over the period)."""

    sku: str
    name: str
    lines: int
    revenue_cents: int
    cost_cents: int

    @property
    def loss_cents(self) -> int:
        return self.cost_cents - self.revenue_cents


@dataclass(frozen=True)
class LostSale:
    """Sales that did not happen, by reason: cancelled orders and invoices, declined quotes."""

    kind: str  # order | invoice | quote
    reason: str
    count: int
    net_cents: int


@dataclass
class Profit:
    since: datetime
    until: datetime
    by: str
    currency: str
    total: ProfitRow
    rows: list[ProfitRow]
    most_profitable: list[ProfitRow]
    least_profitable: list[ProfitRow]
    below_cost: list[BelowCost]
    lifetime_value_cents: int
    customers_ever: int
    other_currency_sales: int
    time_cost_counted: bool
    lost: list[LostSale] = field(default_factory=list)


def hourly_rates(entries: Iterable[str], currency: str) -> dict[str, int]:
    """'ann=60', 'bob = 45.50' -> {'ann': 6000, 'bob': 4550} (cents an hour)."""
    rates: dict[str, int] = {}
    for entry in entries:
        login, sep, amount = entry.partition("=")
        if not sep or not login.strip():
            raise Invalid("profit.hourly_rates", f"{entry!r} is not login=rate, e.g. ann=60")
        cents, cur = parse_amount(amount, currency, "profit.hourly_rates")
        if cur != currency or cents < 0:
            raise Invalid(
                "profit.hourly_rates", f"{entry!r}: give a rate of 0 or more in {currency}"
            )
        rates[login.strip()] = cents
    return rates


# Which invoice rows are sales (alias i): live, not cancelled, of a contact not in the trash,
# and an order only while no live invoice was made from it. The two lists are built once
# per query (not a join and a correlated subquery per row): the scans stay on the covering
# indexes ix_invoice_profit and ix_document_line_profit. Order ids are positive, so
# `order_id > 0` is a range the index answers (and leaves NULL out).
SALE = (
    "i.deleted_at IS NULL AND i.cancelled_at IS NULL "
    "AND i.contact_id NOT IN (SELECT id FROM contact WHERE deleted_at IS NOT NULL) "
    "AND (i.kind = 'invoice' OR i.id NOT IN (SELECT order_id FROM invoice "
    "WHERE order_id > 0 AND deleted_at IS NULL AND cancelled_at IS NULL))"
)
IN_PERIOD = "i.issued_on >= :since AND i.issued_on < :until"
SALE_IN_PERIOD = f"{SALE} AND i.currency = :currency AND {IN_PERIOD}"


@dataclass
class _Scan:
    """One pass over the sales (all time, every currency) grouped by contact."""

    period: dict[int, ProfitRow]  # in the period, in the currency
    lifetime: dict[int, tuple[int, int]]  # all time, in the currency: (net, cost of goods)
    info: dict[int, tuple[str, int | None, str, str]]  # name, company id, owner, source
    other_currencies: int  # sales in the period in other currencies


def _scan(session: Db, currency: str, span: tuple[date, date]) -> _Scan:
    """Per contact and currency: the period's and all time's figures in one read of the
    covering index ix_invoice_profit; then the names of the period's customers."""
    rows = session.run(
        f"SELECT i.contact_id, i.currency, "
        f"sum(CASE WHEN {IN_PERIOD} THEN i.net_cents ELSE 0 END), "
        f"sum(CASE WHEN {IN_PERIOD} THEN i.cost_cents ELSE 0 END), "
        f"sum(CASE WHEN {IN_PERIOD} THEN 1 ELSE 0 END), sum(i.net_cents), sum(i.cost_cents) "
        f"FROM invoice i WHERE {SALE} GROUP BY i.contact_id, i.currency",
        {"since": span[0], "until": span[1]},
    ).all()
    found = _Scan({}, {}, {}, 0)
    lifetime, per = found.lifetime, found.period
    for cid, cur, net, cost, n, all_net, all_cost in rows:
        if cur != currency:
            found.other_currencies += int(n or 0)
            continue
        lifetime[cid] = (int(all_net or 0), int(all_cost or 0))
        if n:
            per[cid] = ProfitRow(str(cid), "", int(net or 0), int(cost or 0), sales=int(n))
    found.info = _contacts(session, per)
    return found


@dataclass
class _Costs:
    """Entered costs split by what they can be set against."""

    by_contact: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_company: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    unattributed: int = 0


def _costs(session: Db, currency: str, since: date | None, until: date | None) -> _Costs:
    where = "c.deleted_at IS NULL AND c.currency = :currency"
    if since is not None and until is not None:
        where += " AND c.spent_on >= :since AND c.spent_on < :until"
    rows = session.run(
        "SELECT c.contact_id, c.company_id, d.contact_id, c.amount_cents FROM cost c "
        f"LEFT JOIN deal d ON d.id = c.deal_id WHERE {where}",
        {"currency": currency, "since": since, "until": until},
    ).all()
    found = _Costs()
    for contact_id, company_id, deal_contact, cents in rows:
        person = contact_id or deal_contact
        if person is not None:
            found.by_contact[int(person)] += int(cents)
        elif company_id is not None:
            found.by_company[int(company_id)] += int(cents)
        else:
            found.unattributed += int(cents)
    return found


def _time_costs(
    session: Db, rates: Mapping[str, int], since: datetime, until: datetime
) -> dict[int, int]:
    """Cents of each contact's logged call and meeting time at its owner's hourly rate."""
    if not rates:
        return {}
    logins = list(rates)
    marks = ", ".join(f":o{n}" for n in range(len(logins)))
    rows = session.run(
        "SELECT contact_id, owner, sum(duration_s) FROM interaction "
        f"WHERE deleted_at IS NULL AND kind IN ({', '.join(repr(k) for k in TIME_KINDS)}) "
        f"AND owner IN ({marks}) AND occurred_at >= :since AND occurred_at < :until "
        "AND duration_s IS NOT NULL GROUP BY contact_id, owner",
        {"since": since, "until": until, **{f"o{n}": login for n, login in enumerate(logins)}},
    ).all()
    spent: dict[int, int] = defaultdict(int)
    for contact_id, owner, seconds in rows:
        spent[int(contact_id)] += int(seconds or 0) * rates[str(owner)] // 3600
    return spent


def _contacts(session: Db, ids: Iterable[int]) -> dict[int, tuple[str, int | None, str, str]]:
    """id -> (name, company id, owner, source) of the contacts not in the trash."""
    wanted = list(ids)
    columns = "SELECT id, display_name, company_id, owner, source FROM contact"
    if len(wanted) > 2000:  # one pass over the table beats thousands of lookups
        keep = set(wanted)
        rows = session.run(f"{columns} WHERE deleted_at IS NULL").all()
        rows = [r for r in rows if r[0] in keep]
    else:
        rows = [
            r
            for chunk in chunks(wanted, 5000)
            for r in session.run(f"{columns} WHERE id IN ({id_list(chunk)})").all()
        ]
    return {int(r[0]): (str(r[1]), r[2], str(r[3] or ""), str(r[4] or "")) for r in rows}


def _customer_rows(
    session: Db, store: Store, scan: _Scan, span: tuple[date, date], moments: Any
) -> tuple[dict[int, ProfitRow], _Costs]:
    """Per contact: revenue and cost of goods, their entered costs and cost of time."""
    currency = store.settings.currency
    per = scan.period
    costs = _costs(session, currency, *span)
    if store.settings.profit.time_cost:
        rates = hourly_rates(store.settings.profit.hourly_rates, currency)
        for cid, cents in _time_costs(session, rates, *moments).items():
            per.setdefault(cid, ProfitRow(str(cid), "")).time_cost_cents += cents
    for cid, cents in costs.by_contact.items():
        per.setdefault(cid, ProfitRow(str(cid), "")).other_cost_cents += cents
    missing = [c for c in per if c not in scan.info]
    if missing:
        scan.info.update(_contacts(session, missing))
    info = scan.info
    for cid, row in list(per.items()):
        if cid not in info:  # a trashed contact's costs
            del per[cid]
            costs.unattributed += row.other_cost_cents
        else:
            row.label = info[cid][0]
    return per, costs


def _fold(
    per: Mapping[int, ProfitRow], key_of: Mapping[int, Iterable[str]], by: str
) -> dict[str, ProfitRow]:
    groups: dict[str, ProfitRow] = {}
    for cid, row in per.items():
        for key in key_of.get(cid) or [""]:
            group = groups.setdefault(key, ProfitRow(key, key or NONE_LABEL.get(by, key)))
            group.add(row)
    return groups


def _segment_keys(store: Store, ids: Iterable[int]) -> dict[int, list[str]]:
    from pocketcrm.core.services import segments

    wanted = set(ids)
    keys: dict[int, list[str]] = defaultdict(list)
    for segment in segments.list_segments(store):
        for member in segments.segment_members(store, segment.name):
            if member.id in wanted:
                keys[member.id].append(segment.name)
    return keys


def _departments(session: Db) -> dict[str, str]:
    """Each user's login -> the name of their department (users in none are left out).
    Owners are logins; an owner typed before users existed ("Ann") finds the login "ann"."""
    rows = session.run(
        "SELECT u.login, d.name FROM app_user u JOIN department d ON d.id = u.department_id"
    ).all()
    return {str(login): str(name) for login, name in rows}


def _people_groups(
    session: Db, store: Store, by: str, per: dict[int, ProfitRow], costs: _Costs, scan: _Scan
) -> dict[str, ProfitRow]:
    """Customer, company, user, department, source or segment groups from the per-contact
    figures (a contact's department is its owner's)."""
    if by == "customer":
        groups = {str(cid): row for cid, row in per.items()}
    elif by == "segment":
        groups = _fold(per, _segment_keys(store, per), by)
    else:
        info = scan.info
        pick = {"company": 1, "user": 2, "department": 2, "source": 3}[by]
        keys = {cid: str(info[cid][pick] or "") for cid in per}
        if by == "department":
            department_of = _departments(session)
            keys = {
                cid: department_of.get(owner) or department_of.get(owner.lower(), "")
                for cid, owner in keys.items()
            }
        groups = _fold(per, {cid: [key] for cid, key in keys.items()}, by)
        if by == "company":
            for company_id, cents in costs.by_company.items():
                groups.setdefault(
                    str(company_id), ProfitRow(str(company_id), "")
                ).other_cost_cents += cents
            _company_names(session, groups)
            costs.by_company.clear()
    leftover = costs.unattributed + sum(costs.by_company.values())
    if leftover:
        groups[UNATTRIBUTED] = ProfitRow(UNATTRIBUTED, UNATTRIBUTED, other_cost_cents=leftover)
    return groups


def _company_names(session: Db, groups: dict[str, ProfitRow]) -> None:
    ids = [int(k) for k in groups if k.isdigit()]
    names: dict[int, str] = {}
    for chunk in chunks(ids, 5000):
        rows = session.run(f"SELECT id, name FROM company WHERE id IN ({id_list(chunk)})")
        names.update((int(i), str(n)) for i, n in rows.all())
    for key, row in groups.items():
        if key.isdigit():
            row.label = names.get(int(key), f"company #{key}")


def _product_groups(
    session: Db, by: str, params: Mapping[str, Any], costs: _Costs, time_cents: int
) -> dict[str, ProfitRow]:
    """Lines of the period's sales by product or category: one pass over the covering index
    ix_document_line_product_sales in product order (no sort, no row read), each line's
    invoice looked up in the list of the period's sales."""
    rows = session.run(
        "SELECT l.product_id, sum(l.net_cents), sum(l.cost_cents), count(*) "
        "FROM document_line l WHERE +l.invoice_id IN "  # +: read in product order, not by sale
        f"(SELECT i.id FROM invoice i WHERE {SALE_IN_PERIOD}) GROUP BY l.product_id",
        params,
    ).all()
    catalogue = {
        int(pid): (f"{sku} {name}", str(category or ""))
        for pid, sku, name, category in session.run(
            "SELECT id, sku, name, category FROM product"
        ).all()
    }
    groups: dict[str, ProfitRow] = {}
    for pid, net, cost, n in rows:
        label, category = catalogue.get(int(pid), ("", "")) if pid is not None else ("", "")
        k = category if by == "category" else ("" if pid is None else str(pid))
        group = groups.setdefault(
            k, ProfitRow(k, (label if by == "product" else k) or NONE_LABEL[by])
        )
        group.add(ProfitRow(k, "", int(net or 0), int(cost or 0), sales=int(n)))
    other = costs.unattributed + sum(costs.by_contact.values()) + sum(costs.by_company.values())
    if other or time_cents:
        groups[UNATTRIBUTED] = ProfitRow(
            UNATTRIBUTED, UNATTRIBUTED, other_cost_cents=other, time_cost_cents=time_cents
        )
    return groups


def _below_cost(session: Db, params: Mapping[str, Any]) -> list[BelowCost]:
    """Only the lines sold below cost: the partial index ix_document_line_below_cost."""
    rows = session.run(
        "SELECT p.sku, p.name, count(*), sum(l.net_cents), sum(l.cost_cents) "
        "FROM document_line l JOIN invoice i ON i.id = l.invoice_id "
        "JOIN product p ON p.id = l.product_id "
        f"WHERE l.net_cents < l.cost_cents AND {SALE_IN_PERIOD} GROUP BY p.sku, p.name",
        params,
    ).all()
    found = [BelowCost(str(s), str(n), int(c), int(r or 0), int(k or 0)) for s, n, c, r, k in rows]
    return sorted(found, key=lambda b: (-b.loss_cents, b.sku))


def _lifetime(session: Db, currency: str, scan: _Scan) -> tuple[int, int]:
    """(average all-time margin of customers who bought, how many bought)."""
    costs = _costs(session, currency, None, None)
    if not scan.lifetime:
        return 0, 0
    margins = [net - goods - costs.by_contact.get(cid, 0)
               for cid, (net, goods) in scan.lifetime.items()]  # fmt: skip
    return round(sum(margins) / len(margins)), len(margins)


def _ranked(per: Mapping[int, ProfitRow]) -> tuple[list[ProfitRow], list[ProfitRow]]:
    buyers = [row for row in per.values() if row.sales]
    best = heapq.nsmallest(TOP, buyers, key=lambda r: (-r.margin_cents, r.label))
    worst = heapq.nsmallest(TOP, buyers, key=lambda r: (r.margin_cents, r.label))
    return best, worst


def _lost(session: Db, currency: str, since: datetime, until: datetime) -> list[LostSale]:
    """Cancellations and declined quotes decided in the period, by kind and reason."""
    params = {"currency": currency, "since": since, "until": until}
    cancelled = session.run(
        "SELECT kind, cancel_reason, count(*), sum(net_cents) FROM invoice "
        "WHERE deleted_at IS NULL AND currency = :currency AND cancelled_at >= :since "
        "AND cancelled_at < :until GROUP BY kind, cancel_reason",
        params,
    ).all()
    declined = session.run(
        "SELECT decline_reason, count(*), sum(net_cents) FROM quote "
        "WHERE deleted_at IS NULL AND status = 'declined' AND currency = :currency "
        "AND decided_at >= :since AND decided_at < :until GROUP BY decline_reason",
        params,
    ).all()
    found = [LostSale(str(k), str(r), int(n), int(c or 0)) for k, r, n, c in cancelled]
    found += [LostSale("quote", str(r), int(n), int(c or 0)) for r, n, c in declined]
    return sorted(found, key=lambda x: (-x.count, x.kind, x.reason))


def _day_from(moment: datetime) -> date:
    """The first day starting at or after MOMENT: days are whole in a period of dates."""
    day = moment.date()
    return day if moment.time() == time(0) else day + timedelta(days=1)


def profit(
    store: Store,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    by: str = "customer",
) -> Profit:
    """The profitability report over [since, until) (default: the last 365 days)."""
    by = by.strip().lower() or "customer"
    if by not in GROUPS:
        raise Invalid("by", f"unknown {by!r}; use one of: {', '.join(GROUPS)}")
    span_moments = period(since, until, default_days=DEFAULT_DAYS)
    zone = clock.local_zone()
    span = (
        _day_from(span_moments.since.astimezone(zone)),
        _day_from(span_moments.until.astimezone(zone)),
    )
    currency = store.settings.currency
    with store.sql_read() as session:  # sqlite3 itself on SQLite: no SQLAlchemy to import
        moments = tuple(datetime.combine(day, time(0), zone) for day in span)  # whole days
        scan = _scan(session, currency, span)
        per, costs = _customer_rows(session, store, scan, span, moments)
        total = ProfitRow("total", "total")
        for row in per.values():
            total.add(row)
        total.other_cost_cents += costs.unattributed + sum(costs.by_company.values())
        best, worst = _ranked(per)
        params = {"currency": currency, "since": span[0], "until": span[1]}
        if by in ("product", "category"):
            groups = _product_groups(
                session, by, params, costs, sum(r.time_cost_cents for r in per.values())
            )
        else:
            groups = _people_groups(session, store, by, per, costs, scan)
        rows = sorted(groups.values(), key=lambda r: (-r.margin_cents, r.label))
        clv, ever = _lifetime(session, currency, scan)
        return Profit(
            since=span_moments.since,
            until=span_moments.until,
            by=by,
            currency=currency,
            total=total,
            rows=rows,
            most_profitable=best,
            least_profitable=worst,
            below_cost=_below_cost(session, params),
            lifetime_value_cents=clv,
            customers_ever=ever,
            other_currency_sales=scan.other_currencies,
            time_cost_counted=store.settings.profit.time_cost,
            lost=_lost(session, currency, *moments),
        )
