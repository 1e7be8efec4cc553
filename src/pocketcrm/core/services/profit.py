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

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid
from pocketcrm.core.models import (
    Company,
    Contact,
    Cost,
    Deal,
    DocumentLine,
    Interaction,
    Invoice,
    Product,
)
from pocketcrm.core.money import parse_amount
from pocketcrm.core.periods import period
from pocketcrm.core.store import Store

GROUPS = ("customer", "company", "product", "category", "user", "department", "segment", "source")
NOT_YET = {"department": "departments arrive with users (issue 11)"}
DEFAULT_DAYS = 365  # a year of sales unless --since/--until say otherwise
TOP = 10
TIME_KINDS = ("call", "meeting")
NONE_LABEL = {
    "company": "(no company)", "user": "(no owner)", "source": "(no source)",
    "segment": "(in no segment)", "product": "(free text lines)", "category": "(no category)",
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


def _sales(currency: str, since: date | None, until: date | None) -> Any:
    """The conditions that make an invoice row a sale (in CURRENCY when given).

    Two lists built once per query (trashed contacts, invoiced orders) instead of a join
    and a correlated subquery per row: the scans stay on the covering indexes."""
    later = aliased(Invoice)
    invoiced = select(col(later.order_id)).where(
        col(later.order_id) > 0,  # ids are positive: a range the index answers (not NULL)
        col(later.deleted_at).is_(None),
        col(later.cancelled_at).is_(None),
    )
    trashed = select(col(Contact.id)).where(col(Contact.deleted_at).is_not(None))
    conditions = [
        col(Invoice.deleted_at).is_(None),
        col(Invoice.cancelled_at).is_(None),
        col(Invoice.contact_id).not_in(trashed),
        or_(col(Invoice.kind) == "invoice", col(Invoice.id).not_in(invoiced)),
    ]
    if currency:
        conditions.append(col(Invoice.currency) == currency)
    if since is not None and until is not None:
        conditions += [col(Invoice.issued_on) >= since, col(Invoice.issued_on) < until]
    return and_(*conditions)


@dataclass
class _Scan:
    """One pass over the sales (all time, every currency) grouped by contact."""

    period: dict[int, ProfitRow]  # in the period, in the currency
    lifetime: dict[int, tuple[int, int]]  # all time, in the currency: (net, cost of goods)
    info: dict[int, tuple[str, int | None, str, str]]  # name, company id, owner, source
    other_currencies: int  # sales in the period in other currencies


def _scan(session: Session, currency: str, span: tuple[date, date]) -> _Scan:
    """Per contact and currency: the period's and all time's figures in one read of the
    covering index ix_invoice_profit; then the names of the period's customers."""
    inside = and_(col(Invoice.issued_on) >= span[0], col(Invoice.issued_on) < span[1])
    rows = session.execute(
        select(
            col(Invoice.contact_id), col(Invoice.currency),
            func.sum(case((inside, col(Invoice.net_cents)), else_=0)),
            func.sum(case((inside, col(Invoice.cost_cents)), else_=0)),
            func.sum(case((inside, 1), else_=0)),
            func.sum(col(Invoice.net_cents)), func.sum(col(Invoice.cost_cents)),
        )
        .where(_sales("", None, None))
        .group_by(col(Invoice.contact_id), col(Invoice.currency))
    ).all()  # fmt: skip
    found = _Scan({}, {}, {}, 0)
    for cid, cur, net, cost, n, all_net, all_cost in rows:
        contact = int(cid)
        if cur != currency:
            found.other_currencies += int(n or 0)
            continue
        found.lifetime[contact] = (int(all_net or 0), int(all_cost or 0))
        if n:
            found.period[contact] = ProfitRow(
                str(contact), "", int(net or 0), int(cost or 0), sales=int(n)
            )
    found.info = _contacts(session, found.period)
    return found


@dataclass
class _Costs:
    """Entered costs split by what they can be set against."""

    by_contact: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_company: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    unattributed: int = 0


def _costs(session: Session, currency: str, since: date | None, until: date | None) -> _Costs:
    where = [col(Cost.deleted_at).is_(None), col(Cost.currency) == currency]
    if since is not None and until is not None:
        where += [col(Cost.spent_on) >= since, col(Cost.spent_on) < until]
    rows = session.execute(
        select(
            col(Cost.contact_id), col(Cost.company_id), col(Deal.contact_id), col(Cost.amount_cents)
        )
        .outerjoin(Deal, col(Deal.id) == col(Cost.deal_id))
        .where(*where)
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
    session: Session, rates: Mapping[str, int], since: datetime, until: datetime
) -> dict[int, int]:
    """Cents of each contact's logged call and meeting time at its owner's hourly rate."""
    if not rates:
        return {}
    rows = session.execute(
        select(
            col(Interaction.contact_id), col(Interaction.owner), func.sum(Interaction.duration_s)
        )
        .where(
            col(Interaction.deleted_at).is_(None),
            col(Interaction.kind).in_(TIME_KINDS),
            col(Interaction.owner).in_(list(rates)),
            col(Interaction.occurred_at) >= since,
            col(Interaction.occurred_at) < until,
            col(Interaction.duration_s).is_not(None),
        )
        .group_by(col(Interaction.contact_id), col(Interaction.owner))
    ).all()
    spent: dict[int, int] = defaultdict(int)
    for contact_id, owner, seconds in rows:
        spent[int(contact_id)] += int(seconds or 0) * rates[str(owner)] // 3600
    return spent


def _contacts(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, int | None, str, str]]:
    """id -> (name, company id, owner, source), read in chunks."""
    wanted = list(ids)
    found: dict[int, tuple[str, int | None, str, str]] = {}
    if len(wanted) > 2000:  # one pass over the table beats thousands of lookups
        keep = set(wanted)
        every = session.execute(
            select(col(Contact.id), col(Contact.display_name), col(Contact.company_id),
                   col(Contact.owner), col(Contact.source)).where(col(Contact.deleted_at).is_(None))
        ).all()  # fmt: skip
        return {
            int(r[0]): (str(r[1]), r[2], str(r[3] or ""), str(r[4] or ""))
            for r in every
            if r[0] in keep
        }
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        rows = session.execute(
            select(col(Contact.id), col(Contact.display_name), col(Contact.company_id), col(Contact.owner),
                   col(Contact.source)).where(col(Contact.id).in_(chunk))
        ).all()  # fmt: skip
        for cid, name, company, owner, source in rows:
            found[int(cid)] = (str(name), company, str(owner or ""), str(source or ""))
    return found


def _customer_rows(
    session: Session, store: Store, scan: _Scan, span: tuple[date, date], moments: Any
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
    info = {**_contacts(session, [c for c in per if c not in scan.info]), **scan.info}
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


def _people_groups(
    session: Session, store: Store, by: str, per: dict[int, ProfitRow], costs: _Costs, scan: _Scan
) -> dict[str, ProfitRow]:
    """Customer, company, user, source or segment groups from the per-contact figures."""
    if by == "customer":
        groups = {str(cid): row for cid, row in per.items()}
    elif by == "segment":
        groups = _fold(per, _segment_keys(store, per), by)
    else:
        info = {**_contacts(session, [c for c in per if c not in scan.info]), **scan.info}
        pick = {"company": 1, "user": 2, "source": 3}[by]
        keys = {cid: [str(info[cid][pick] or "")] for cid in per}
        groups = _fold(per, keys, by)
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


def _company_names(session: Session, groups: dict[str, ProfitRow]) -> None:
    ids = [int(k) for k in groups if k.isdigit()]
    names: dict[int, str] = dict(
        session.execute(
            select(col(Company.id), col(Company.name)).where(col(Company.id).in_(ids))
        ).all()
    )
    for key, row in groups.items():
        if key.isdigit():
            row.label = str(names.get(int(key), f"company #{key}"))


def _product_groups(
    session: Session, by: str, where: Any, costs: _Costs, time_cents: int
) -> dict[str, ProfitRow]:
    key = col(Product.category) if by == "category" else col(DocumentLine.product_id)
    rows = session.execute(
        select(
            key, func.sum(DocumentLine.net_cents), func.sum(DocumentLine.cost_cents), func.count()
        )
        .select_from(DocumentLine)
        .join(Invoice, col(Invoice.id) == col(DocumentLine.invoice_id))
        .outerjoin(Product, col(Product.id) == col(DocumentLine.product_id))
        .where(where)
        .group_by(key)
    ).all()
    groups: dict[str, ProfitRow] = {}
    for value, net, cost, n in rows:
        k = "" if value is None else str(value)
        groups[k] = ProfitRow(k, k or NONE_LABEL[by], int(net or 0), int(cost or 0), sales=int(n))
    if by == "product":
        labels: dict[str, str] = {}
        for pid, sku, name in session.execute(
            select(col(Product.id), col(Product.sku), col(Product.name))
        ).all():
            labels[str(pid)] = f"{sku} {name}"
        for k, row in groups.items():
            row.label = labels.get(k, row.label)
    other = costs.unattributed + sum(costs.by_contact.values()) + sum(costs.by_company.values())
    if other or time_cents:
        groups[UNATTRIBUTED] = ProfitRow(
            UNATTRIBUTED, UNATTRIBUTED, other_cost_cents=other, time_cost_cents=time_cents
        )
    return groups


def _below_cost(session: Session, where: Any) -> list[BelowCost]:
    rows = session.execute(
        select(col(Product.sku), col(Product.name), func.count(), func.sum(DocumentLine.net_cents),
               func.sum(DocumentLine.cost_cents))
        .select_from(DocumentLine)
        .join(Invoice, col(Invoice.id) == col(DocumentLine.invoice_id))
        .join(Product, col(Product.id) == col(DocumentLine.product_id))
        .where(where, col(DocumentLine.net_cents) < col(DocumentLine.cost_cents))
        .group_by(col(Product.sku), col(Product.name))
    ).all()  # fmt: skip
    found = [BelowCost(str(s), str(n), int(c), int(r or 0), int(k or 0)) for s, n, c, r, k in rows]
    return sorted(found, key=lambda b: (-b.loss_cents, b.sku))


def _lifetime(session: Session, currency: str, scan: _Scan) -> tuple[int, int]:
    """(average all-time margin of customers who bought, how many bought)."""
    costs = _costs(session, currency, None, None)
    if not scan.lifetime:
        return 0, 0
    margins = [net - goods - costs.by_contact.get(cid, 0)
               for cid, (net, goods) in scan.lifetime.items()]  # fmt: skip
    return round(sum(margins) / len(margins)), len(margins)


def _ranked(per: Mapping[int, ProfitRow]) -> tuple[list[ProfitRow], list[ProfitRow]]:
    buyers = [row for row in per.values() if row.sales]
    best = sorted(buyers, key=lambda r: (-r.margin_cents, r.label))[:TOP]
    worst = sorted(buyers, key=lambda r: (r.margin_cents, r.label))[:TOP]
    return best, worst


def _lost(session: Session, currency: str, since: datetime, until: datetime) -> list[LostSale]:
    """Cancellations and declined quotes decided in the period, by kind and reason."""
    from pocketcrm.core.models import Quote

    cancelled = session.execute(
        select(col(Invoice.kind), col(Invoice.cancel_reason), func.count(), func.sum(col(Invoice.net_cents)))
        .where(col(Invoice.deleted_at).is_(None), col(Invoice.currency) == currency,
               col(Invoice.cancelled_at) >= since, col(Invoice.cancelled_at) < until)
        .group_by(col(Invoice.kind), col(Invoice.cancel_reason))
    ).all()  # fmt: skip
    declined = session.execute(
        select(col(Quote.decline_reason), func.count(), func.sum(col(Quote.net_cents)))
        .where(col(Quote.deleted_at).is_(None), col(Quote.status) == "declined",
               col(Quote.currency) == currency, col(Quote.decided_at) >= since,
               col(Quote.decided_at) < until)
        .group_by(col(Quote.decline_reason))
    ).all()  # fmt: skip
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
    if by in NOT_YET:
        raise Invalid("by", f"{by} is not available yet: {NOT_YET[by]}")
    span_moments = period(since, until, default_days=DEFAULT_DAYS)
    zone = clock.local_zone()
    span = (
        _day_from(span_moments.since.astimezone(zone)),
        _day_from(span_moments.until.astimezone(zone)),
    )
    currency = store.settings.currency
    with store.read() as session:
        moments = tuple(datetime.combine(day, time(0), zone) for day in span)  # whole days
        scan = _scan(session, currency, span)
        per, costs = _customer_rows(session, store, scan, span, moments)
        total = ProfitRow("total", "total")
        for row in per.values():
            total.add(row)
        total.other_cost_cents += costs.unattributed + sum(costs.by_company.values())
        best, worst = _ranked(per)
        where = _sales(currency, *span)
        if by in ("product", "category"):
            groups = _product_groups(
                session, by, where, costs, sum(r.time_cost_cents for r in per.values())
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
            below_cost=_below_cost(session, where),
            lifetime_value_cents=clv,
            customers_ever=ever,
            other_currency_sales=scan.other_currencies,
            time_cost_counted=store.settings.profit.time_cost,
            lost=_lost(session, currency, *moments),
        )
