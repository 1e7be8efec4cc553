"""The pipeline and revenue figures, in plain SQL without the SQLModel classes.

The report runs in a cold process where building the ORM classes (about 100 ms) or compiling
ORM statements would cost more than the queries; the deals and billing services use the
same functions, so the report and `pocketcrm pipeline` agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pocketcrm.core import clock
from pocketcrm.core.db import Db
from pocketcrm.core.settings import Settings
from pocketcrm.core.sql import bound_list
from pocketcrm.core.times import db_time

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.report import MonthAmount, PipelineStage


@dataclass(frozen=True)
class Pipeline:
    """Open deals by stage, plus what closed lately.

    Amounts are summed in the default currency only; open deals in another currency are
    counted in other_currencies (converting needs rates a local CRM does not have).
    """

    stages: tuple[PipelineStage, ...]
    currency: str
    other_currencies: int
    won_count: int
    won_cents: int
    lost_count: int


@dataclass(frozen=True)
class Revenue:
    """Payments received in [since, until), by month, in the default currency."""

    since: date
    until: date
    currency: str
    by_month: tuple[MonthAmount, ...]
    total_cents: int
    other_currencies: int  # payments in the period in another currency (not summed)
    outstanding_cents: int  # balance of open invoices in the default currency, now
    open_count: int
    overdue_count: int


def open_stages(settings: Settings) -> list[str]:
    """Every stage before won and lost (the last two, which close a deal)."""
    return list(settings.deal_stages[:-2])


def won_stage(settings: Settings) -> str:
    return settings.deal_stages[-2]


def lost_stage(settings: Settings) -> str:
    return settings.deal_stages[-1]


def stage_weight(settings: Settings, stage: str) -> float:
    """How likely an open stage is to close: its 1-based position / (open stages + 1).

    With qualified, proposal, negotiation that is 1/4, 2/4, 3/4: a plain rule of thumb that
    needs no configuration and grows as a deal moves on. Closed stages weigh 0."""
    stages = open_stages(settings)
    if stage not in stages:
        return 0.0
    return (stages.index(stage) + 1) / (len(stages) + 1)


def today() -> date:
    """Today where the user is (a due date is a local calendar day)."""
    return clock.now().astimezone(clock.local_zone()).date()


def as_date(value: object) -> date | None:
    """A stored date (SQLite gives text, PostgreSQL a date) as a date."""
    return None if value is None else date.fromisoformat(str(value)[:10])


def invoice_status(
    cancelled: bool, amount_cents: int, paid_cents: int, due_on: date | None, on: date
) -> str:
    """cancelled, else paid (payments cover it), else overdue (past its due day), else open."""
    if cancelled:
        return "cancelled"
    if paid_cents >= amount_cents:
        return "paid"
    if due_on is not None and due_on < on:
        return "overdue"
    return "open"


def _months(since: date, until: date) -> list[str]:
    """Every YYYY-MM touching [since, until)."""
    months: list[str] = []
    year, month = since.year, since.month
    last = until - timedelta(days=1)
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def pipeline_figures(
    session: Db, settings: Settings, since: datetime, until: datetime
) -> tuple[Pipeline, int, int]:
    """The pipeline now, with won/lost counted over [since, until); also the open deal count
    and their open amount (default currency). Shared by pipeline() and the report."""
    from pocketcrm.core.readmodels.report import PipelineStage  # not for the card's money line

    currency = settings.currency
    stages = open_stages(settings)
    sums: dict[str, tuple[int, int]] = {}
    other = 0
    # Plain SQL: the report runs this in a cold process, where compiling ORM statements
    # cost more than the queries.
    marks, params = bound_list("s", stages)
    rows = session.run(
        "SELECT d.stage, d.currency, count(*), sum(d.amount_cents) FROM deal d "
        "JOIN contact c ON c.id = d.contact_id WHERE d.deleted_at IS NULL "
        f"AND c.deleted_at IS NULL AND d.stage IN ({marks}) GROUP BY d.stage, d.currency",
        params,
    ).all()
    for stage, deal_currency, n, total in rows:
        if deal_currency != currency:
            other += int(n)
            continue
        count, cents = sums.get(stage, (0, 0))
        sums[stage] = (count + int(n), cents + int(total or 0))
    figures = []
    for stage in stages:
        count, cents = sums.get(stage, (0, 0))
        weighted = round(cents * stage_weight(settings, stage))
        figures.append(PipelineStage(stage, count, cents, weighted))
    won, lost = won_stage(settings), lost_stage(settings)
    closed = session.run(
        "SELECT d.stage, d.currency, count(*), sum(d.amount_cents) FROM deal d "
        "JOIN contact c ON c.id = d.contact_id WHERE d.deleted_at IS NULL "
        "AND c.deleted_at IS NULL AND d.stage IN (:won, :lost) "
        "AND d.closed_at >= :since AND d.closed_at < :until GROUP BY d.stage, d.currency",
        {"won": won, "lost": lost, "since": db_time(since), "until": db_time(until)},
    ).all()
    won_count = won_cents = lost_count = 0
    for stage, deal_currency, n, total in closed:
        if stage == won:
            won_count += int(n)
            if deal_currency == currency:
                won_cents += int(total or 0)
        else:
            lost_count += int(n)
    result = Pipeline(tuple(figures), currency, other, won_count, won_cents, lost_count)
    return result, sum(f.count for f in figures), sum(f.amount_cents for f in figures)


def revenue_figures(session: Db, currency: str, since: date, until: date) -> Revenue:
    """Revenue for [since, until) and what is owed now; shared by revenue() and the report."""
    from pocketcrm.core.readmodels.report import MonthAmount  # not for the card's money line

    received = Counter[str]()
    other = 0
    # Plain SQL: the report runs this in a cold process, where compiling ORM statements
    # and building Invoice objects cost more than the queries.
    rows = session.run(
        "SELECT p.paid_on, p.currency, p.amount_cents FROM payment p "
        "JOIN invoice i ON i.id = p.invoice_id JOIN contact c ON c.id = p.contact_id "
        "WHERE p.deleted_at IS NULL AND i.deleted_at IS NULL AND c.deleted_at IS NULL "
        "AND p.paid_on >= :since AND p.paid_on < :until",
        {"since": since.isoformat(), "until": until.isoformat()},
    ).all()
    for paid_on, paid_currency, cents in rows:
        if paid_currency != currency:
            other += 1
            continue
        received[f"{as_date(paid_on):%Y-%m}"] += int(cents)
    open_rows = session.run(
        "SELECT i.amount_cents, i.currency, i.due_on, coalesce((SELECT sum(p.amount_cents) "
        "FROM payment p WHERE p.invoice_id = i.id AND p.deleted_at IS NULL), 0) "
        "FROM invoice i JOIN contact c ON c.id = i.contact_id WHERE i.deleted_at IS NULL "
        "AND c.deleted_at IS NULL AND i.cancelled_at IS NULL"
    ).all()
    on = today()
    outstanding = open_count = overdue = 0
    for amount, invoice_currency, due_on, paid in open_rows:
        status = invoice_status(False, int(amount), int(paid), as_date(due_on), on)
        if status == "paid":
            continue
        open_count += 1
        overdue += status == "overdue"
        if invoice_currency == currency:
            outstanding += int(amount) - int(paid)
    by_month = tuple(MonthAmount(m, received.get(m, 0)) for m in _months(since, until))
    return Revenue(
        since=since,
        until=until,
        currency=currency,
        by_month=by_month,
        total_cents=sum(received.values()),
        other_currencies=other,
        outstanding_cents=outstanding,
        open_count=open_count,
        overdue_count=overdue,
    )
