"""The analysis a small business asks for, over a period.

Interactions are read in daily counts kept by triggers (rollup.py), with the partial
days at the window's ends read from the covering index, and folded in Python: a year of a
million interactions costs a few thousand rollup rows, not a million-row scan.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pocketcrm.core import clock
from pocketcrm.core.dialect import day_after, utc_day, week_start
from pocketcrm.core.periods import period
from pocketcrm.core.readmodels.report import Count, Report
from pocketcrm.core.services.figures import pipeline_figures, revenue_figures
from pocketcrm.core.settings import NOT_SALES_COMPANY_KINDS, Settings
from pocketcrm.core.sql import bound_list
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

SUCCESS_OUTCOMES = ("reached",)
STALE_DAYS = (30, 60, 90)


def _counts(counter: Counter[str], order: list[str] | None = None) -> tuple[Count, ...]:
    if order is not None:
        keys = [k for k in order if k in counter] + sorted(k for k in counter if k not in order)
    else:
        keys = sorted(counter, key=lambda k: (-counter[k], k))
    return tuple(Count(k, counter[k]) for k in keys)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


_RAW = (
    "SELECT {day}, kind, outcome, owner, count(*), "
    "sum(satisfaction), count(satisfaction) FROM interaction "
    "WHERE occurred_at >= :a AND occurred_at < :b AND deleted_at IS NULL GROUP BY 1, 2, 3, 4"
)
_TRASHED = (
    "SELECT {day}, i.kind, i.outcome, i.owner, count(*), "
    "sum(i.satisfaction), count(i.satisfaction) FROM contact c "
    "{join} interaction i ON i.contact_id = c.id WHERE c.deleted_at IS NOT NULL "
    "AND i.deleted_at IS NULL AND i.occurred_at >= :since AND i.occurred_at < :until "
    "GROUP BY 1, 2, 3, 4"
)
_FOLLOW_UPS = (
    "SELECT "
    "sum(CASE WHEN f.due_at >= :since AND f.due_at < :until THEN 1 ELSE 0 END), "
    "sum(CASE WHEN f.done_at IS NULL AND (CASE WHEN f.all_day THEN {due_end} "
    "  ELSE f.due_at END) < :now THEN 1 ELSE 0 END), "
    "sum(CASE WHEN f.done_at >= :since AND f.done_at < :until THEN 1 ELSE 0 END), "
    "sum(CASE WHEN f.done_at >= :since AND f.done_at < :until AND "
    "  f.done_at <= CASE WHEN f.all_day THEN {due_end} ELSE f.due_at END "
    "  THEN 1 ELSE 0 END) "
    "FROM {source} WHERE f.deleted_at IS NULL {where}"
)
# Folded to Monday-started weeks in SQL: a year is ~13,000 daily rows but ~2,000 weekly ones,
# and fetching rows one by one into Python was a third of the report's time.
_ROLLUP = (
    f"SELECT {week_start('day', True)}, "
    "kind, outcome, owner, sum(n), sum(sat_sum), sum(sat_n) FROM interaction_rollup "
    "WHERE day >= :a AND day < :b AND n > 0 GROUP BY 1, 2, 3, 4"
)


def _interaction_days(
    session: Session, since: datetime, until: datetime, rollup: bool
) -> list[Any]:
    """(day, kind, outcome, owner, n, satisfaction sum, rated n) for [since, until).

    Whole UTC days come from the trigger-kept rollup; the partial days at either end from
    the interaction index. Without the rollup (not SQLite) everything comes from the index.
    """

    sql = _RAW.format(day=utc_day("occurred_at", rollup))

    def raw(a: datetime, b: datetime) -> list[Any]:
        return list(session.execute(text(sql), {"a": db_time(a), "b": db_time(b)}))

    if not rollup:
        return raw(since, until)
    start, end = since.astimezone(UTC), until.astimezone(UTC)
    first_full = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first_full < start:
        first_full += timedelta(days=1)
    last_full = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if first_full >= last_full:
        return raw(start, end)
    rows = raw(start, first_full) if start < first_full else []
    rows += list(
        session.execute(
            text(_ROLLUP), {"a": first_full.date().isoformat(), "b": last_full.date().isoformat()}
        )
    )
    if last_full < end:
        rows += raw(last_full, end)
    return rows


def _local_days(since: datetime, until: datetime) -> tuple[date, date]:
    """The window as local calendar days [first, end): payments are dated, not timed, so a
    day the window touches counts whole."""
    zone = clock.local_zone()
    first = since.astimezone(zone).date()
    end_local = until.astimezone(zone)
    end = end_local.date()
    if end_local.time() != datetime.min.time() or end == first:
        end += timedelta(days=1)
    return first, end


def _not_sales_leads(session: Session, stage: str) -> Counter[str]:
    """Per owner, the contacts at STAGE who work for a partner, supplier or distributor:
    they are not sales leads (settings.NOT_SALES_COMPANY_KINDS), so the lead counts drop them."""
    marks, kinds = bound_list("kind", NOT_SALES_COMPANY_KINDS)
    rows = session.execute(
        text(
            "SELECT c.owner, count(*) FROM contact c JOIN company co ON co.id = c.company_id "
            "AND co.deleted_at IS NULL WHERE c.deleted_at IS NULL AND c.stage = :stage "
            f"AND co.kind IN ({marks}) GROUP BY c.owner"
        ),
        {"stage": stage, **kinds},
    )
    return Counter({str(owner or "(none)"): int(n) for owner, n in rows})


def _grouped(session: Session, sql: str, params: dict[str, object] | None = None) -> Counter[str]:
    rows = session.execute(text(sql), params or {})
    return Counter({str(k or "(none)"): int(n) for k, n in rows})


@dataclass
class _People:
    """What one scan of the contacts gives: stages, owners' leads, new and stale customers."""

    total: int = 0
    new: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    leads: Counter[str] = field(default_factory=Counter)
    stale: Counter[str] = field(default_factory=lambda: Counter({str(d): 0 for d in STALE_DAYS}))


def _contact_figures(
    session: Session, settings: Settings, window: dict[str, str], now: datetime
) -> _People:
    """Leads and customers are the stages configured for those roles (renamed or not)."""
    lead_stage = settings.stage_for("lead")
    customer_stage = settings.stage_for("customer")
    cuts = {f"cut{days}": db_time(now - timedelta(days=days)) for days in STALE_DAYS}
    stale_columns = ", ".join(
        f"sum(CASE WHEN stage = :customer AND (last_contact_at IS NULL OR "
        f"last_contact_at < :cut{days}) THEN 1 ELSE 0 END)"
        for days in STALE_DAYS
    )
    people = _People()
    for stage, owner, n, new, *stale_counts in session.execute(
        text(
            "SELECT stage, owner, count(*), sum(CASE WHEN created_at >= :since AND "
            f"created_at < :until THEN 1 ELSE 0 END), {stale_columns} FROM contact "
            "WHERE deleted_at IS NULL GROUP BY stage, owner"
        ),
        {**window, **cuts, "customer": customer_stage},
    ):
        people.total += int(n)
        people.new += int(new or 0)
        people.by_stage[str(stage or "(none)")] += int(n)
        if stage == lead_stage:
            people.leads[str(owner or "(none)")] += int(n)
        for days, count in zip(STALE_DAYS, stale_counts, strict=True):
            people.stale[str(days)] += int(count or 0)
    people.leads -= _not_sales_leads(session, lead_stage)
    return people


def _company_figures(session: Session, customer_stage: str) -> tuple[Counter[str], Counter[str]]:
    """Companies by kind, and customers by the kind of company they work for."""
    by_kind = _grouped(
        session, "SELECT kind, count(*) FROM company WHERE deleted_at IS NULL GROUP BY kind"
    )
    customers_by_kind = _grouped(
        session,
        "SELECT coalesce(co.kind, 'no company'), count(*) FROM contact c "
        "LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL "
        "WHERE c.deleted_at IS NULL AND c.stage = :customer GROUP BY 1",
        {"customer": customer_stage},
    )
    return by_kind, customers_by_kind


def _signed_interactions(
    session: Session, since: datetime, until: datetime, is_sqlite: bool
) -> list[tuple[Any, int]]:
    """Daily interaction groups, +1 each, and those of contacts in the trash, -1 each.

    Interactions of contacts in the trash do not count (they come back on restore).
    SQLite's CROSS JOIN keeps the (few) trashed contacts as the outer loop; left to
    itself the planner scanned the million-row interaction index instead (7 s).
    """
    rows = _interaction_days(session, since, until, is_sqlite)
    join = "CROSS JOIN" if is_sqlite else "JOIN"
    day = utc_day("i.occurred_at", is_sqlite)
    window = {"since": db_time(since), "until": db_time(until)}
    trashed = list(session.execute(text(_TRASHED.format(join=join, day=day)), window))
    return [(row, 1) for row in rows] + [(row, -1) for row in trashed]


def _follow_up_figures(
    session: Session, window: dict[str, str], now: datetime, is_sqlite: bool
) -> list[int]:
    """Due, overdue, done and done on time: one scan of the follow-ups, minus those of
    contacts in the trash (few, found from the contact side): an EXISTS per follow-up cost
    100,000 lookups."""
    join = "CROSS JOIN" if is_sqlite else "JOIN"
    params = {**window, "now": db_time(now)}
    due_end = day_after("f.due_at", is_sqlite)
    everyone = session.execute(
        text(_FOLLOW_UPS.format(source="follow_up f", where="", due_end=due_end)), params
    ).one()
    trashed_follow = session.execute(
        text(
            _FOLLOW_UPS.format(
                source=f"contact c {join} follow_up f ON f.contact_id = c.id",
                where="AND c.deleted_at IS NOT NULL",
                due_end=due_end,
            )
        ),
        params,
    ).one()
    return [int(a or 0) - int(b or 0) for a, b in zip(everyone, trashed_follow, strict=True)]


@dataclass
class _Talk:
    """The interactions folded: totals by kind, outcome and owner, calls, ratings, weeks."""

    total: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    owners: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    reached: Counter[str] = field(default_factory=Counter)
    weeks: Counter[str] = field(default_factory=Counter)
    satisfaction_sum: int = 0
    satisfaction_n: int = 0

    @property
    def success(self) -> Counter[str]:
        """Percent of each owner's calls that reached someone."""
        calls, reached = self.calls, self.reached
        return Counter({owner: round(100 * reached[owner] / calls[owner]) for owner in calls})

    @property
    def satisfaction_average(self) -> float | None:
        if not self.satisfaction_n:
            return None
        return round(self.satisfaction_sum / self.satisfaction_n, 2)


def _fold_interactions(signed: list[tuple[Any, int]]) -> _Talk:
    talk = _Talk()
    for (day, kind, outcome, owner, n, s_sum, s_n), sign in signed:
        n = sign * int(n)
        talk.total += n
        talk.kinds[str(kind)] += n
        talk.outcomes[str(outcome or "(none)")] += n
        talk.owners[str(owner or "(none)")] += n
        if kind == "call":
            talk.calls[str(owner or "(none)")] += n
            if outcome in SUCCESS_OUTCOMES:
                talk.reached[str(owner or "(none)")] += n
        talk.satisfaction_sum += sign * int(s_sum or 0)
        talk.satisfaction_n += sign * int(s_n or 0)
        talk.weeks[_week_start(date.fromisoformat(str(day))).isoformat()] += n
    for counter in (talk.kinds, talk.outcomes, talk.owners, talk.calls, talk.reached):
        for key in [k for k, v in counter.items() if v <= 0]:
            del counter[key]
    return talk


def _weekly(weeks: Counter[str], since: datetime, until: datetime) -> tuple[Count, ...]:
    """Interactions per local week of the window, empty weeks included."""
    first_week = _week_start(since.astimezone(clock.local_zone()).date())
    last_week = _week_start(until.astimezone(clock.local_zone()).date())
    activity = []
    week = first_week
    while week <= last_week:
        activity.append(Count(week.isoformat(), weeks.get(week.isoformat(), 0)))
        week += timedelta(days=7)
    return tuple(activity)


def summary(store: Store, since: datetime | None = None, until: datetime | None = None) -> Report:
    """The report for [since, until); by default the last 30 days."""
    now = clock.now()
    asked = period(since, until)
    since, until = asked.since, asked.until
    window = {"since": db_time(since), "until": db_time(until)}
    settings = store.settings
    with store.read() as session:
        people = _contact_figures(session, settings, window, now)
        by_kind, customers_by_kind = _company_figures(session, settings.stage_for("customer"))
        signed = _signed_interactions(session, since, until, store.is_sqlite)
        follow = _follow_up_figures(session, window, now, store.is_sqlite)
        pipe, open_count, open_cents = pipeline_figures(session, settings, since, until)
        money = revenue_figures(session, settings.currency, *_local_days(since, until))
    talk = _fold_interactions(signed)
    return Report(
        since=since,
        until=until,
        contacts_total=people.total,
        contacts_by_stage=_counts(people.by_stage, list(settings.stages)),
        companies_by_kind=_counts(by_kind),
        customers_by_company_kind=_counts(customers_by_kind),
        new_contacts=people.new,
        interactions_total=talk.total,
        interactions_by_kind=_counts(talk.kinds),
        interactions_by_outcome=_counts(talk.outcomes),
        interactions_by_owner=_counts(talk.owners),
        calls_by_owner=_counts(talk.calls),
        success_rate_by_owner=_counts(talk.success),
        leads_by_owner=_counts(people.leads),
        satisfaction_average=talk.satisfaction_average,
        satisfaction_count=talk.satisfaction_n,
        follow_ups_due=follow[0],
        follow_ups_overdue=follow[1],
        follow_ups_done=follow[2],
        follow_ups_done_on_time=follow[3],
        customers_not_contacted=_counts(people.stale, ["30", "60", "90"]),
        activity_by_week=_weekly(talk.weeks, since, until),
        currency=settings.currency,
        pipeline=pipe.stages,
        pipeline_open_count=open_count,
        pipeline_open_cents=open_cents,
        pipeline_weighted_cents=sum(s.weighted_cents for s in pipe.stages),
        pipeline_other_currencies=pipe.other_currencies,
        deals_won=pipe.won_count,
        deals_won_cents=pipe.won_cents,
        deals_lost=pipe.lost_count,
        revenue_cents=money.total_cents,
        revenue_by_month=money.by_month,
        revenue_other_currencies=money.other_currencies,
        invoices_outstanding_cents=money.outstanding_cents,
        invoices_open=money.open_count,
        invoices_overdue=money.overdue_count,
    )
