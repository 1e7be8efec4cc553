"""The analysis a small business asks for, over a period.

Interactions are read in daily counts kept by triggers (rollup.py), with the partial
days at the window's ends read from the covering index, and folded in Python: a year of a
million interactions costs a few thousand rollup rows, not a million-row scan.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pocketcrm.core import clock
from pocketcrm.core.dialect import day_after, utc_day, week_start
from pocketcrm.core.errors import Invalid
from pocketcrm.core.readmodels import Count, Report
from pocketcrm.core.services.figures import pipeline_figures, revenue_figures
from pocketcrm.core.settings import NOT_SALES_COMPANY_KINDS
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


def summary(store: Store, since: datetime | None = None, until: datetime | None = None) -> Report:
    """The report for [since, until); by default the last 30 days."""
    now = clock.now()
    until = until or now
    since = since or until - timedelta(days=30)
    if since >= until:
        raise Invalid("since", "must be before --until; e.g. --since 30d --until today")
    window = {"since": db_time(since), "until": db_time(until)}
    with store.read() as session:
        run = session.execute

        def grouped(sql: str, params: dict[str, object] | None = None) -> Counter[str]:
            return Counter({str(k or "(none)"): int(n) for k, n in run(text(sql), params or {})})

        # One scan of the contacts gives stages, owners' leads, new and stale customers.
        # Leads and customers are the stages configured for those roles (renamed or not).
        lead_stage = store.settings.stage_for("lead")
        customer_stage = store.settings.stage_for("customer")
        cuts = {f"cut{days}": db_time(now - timedelta(days=days)) for days in STALE_DAYS}
        stale_columns = ", ".join(
            f"sum(CASE WHEN stage = :customer AND (last_contact_at IS NULL OR "
            f"last_contact_at < :cut{days}) THEN 1 ELSE 0 END)"
            for days in STALE_DAYS
        )
        by_stage, leads = Counter[str](), Counter[str]()
        stale = Counter({str(days): 0 for days in STALE_DAYS})
        contacts_total = new_contacts = 0
        for stage, owner, n, new, *stale_counts in run(
            text(
                "SELECT stage, owner, count(*), sum(CASE WHEN created_at >= :since AND "
                f"created_at < :until THEN 1 ELSE 0 END), {stale_columns} FROM contact "
                "WHERE deleted_at IS NULL GROUP BY stage, owner"
            ),
            {**window, **cuts, "customer": customer_stage},
        ):
            contacts_total += int(n)
            new_contacts += int(new or 0)
            by_stage[str(stage or "(none)")] += int(n)
            if stage == lead_stage:
                leads[str(owner or "(none)")] += int(n)
            for days, count in zip(STALE_DAYS, stale_counts, strict=True):
                stale[str(days)] += int(count or 0)
        leads -= _not_sales_leads(session, lead_stage)
        by_kind = grouped(
            "SELECT kind, count(*) FROM company WHERE deleted_at IS NULL GROUP BY kind"
        )
        customers_by_kind = grouped(
            "SELECT coalesce(co.kind, 'no company'), count(*) FROM contact c "
            "LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL "
            "WHERE c.deleted_at IS NULL AND c.stage = :customer GROUP BY 1",
            {"customer": customer_stage},
        )
        rows = _interaction_days(session, since, until, store.is_sqlite)
        # Interactions of contacts in the trash do not count (they come back on restore).
        # SQLite's CROSS JOIN keeps the (few) trashed contacts as the outer loop; left to
        # itself the planner scanned the million-row interaction index instead (7 s).
        join = "CROSS JOIN" if store.is_sqlite else "JOIN"
        day = utc_day("i.occurred_at", store.is_sqlite)
        trashed = list(run(text(_TRASHED.format(join=join, day=day)), window))
        # One scan of the follow-ups, minus those of contacts in the trash (few, found from
        # the contact side): an EXISTS per follow-up cost 100,000 lookups.
        params = {**window, "now": db_time(now)}
        due_end = day_after("f.due_at", store.is_sqlite)
        everyone = run(
            text(_FOLLOW_UPS.format(source="follow_up f", where="", due_end=due_end)), params
        ).one()
        trashed_follow = run(
            text(
                _FOLLOW_UPS.format(
                    source=f"contact c {join} follow_up f ON f.contact_id = c.id",
                    where="AND c.deleted_at IS NOT NULL",
                    due_end=due_end,
                )
            ),
            params,
        ).one()
        follow = [int(a or 0) - int(b or 0) for a, b in zip(everyone, trashed_follow, strict=True)]
        pipe, open_count, open_cents = pipeline_figures(session, store.settings, since, until)
        money = revenue_figures(session, store.settings.currency, *_local_days(since, until))

    kinds, outcomes, owners = Counter[str](), Counter[str](), Counter[str]()
    calls, reached, weeks = Counter[str](), Counter[str](), Counter[str]()
    satisfaction_sum = satisfaction_n = total = 0
    signed = [(row, 1) for row in rows] + [(row, -1) for row in trashed]
    for (day, kind, outcome, owner, n, s_sum, s_n), sign in signed:
        n = sign * int(n)
        total += n
        kinds[str(kind)] += n
        outcomes[str(outcome or "(none)")] += n
        owners[str(owner or "(none)")] += n
        if kind == "call":
            calls[str(owner or "(none)")] += n
            if outcome in SUCCESS_OUTCOMES:
                reached[str(owner or "(none)")] += n
        satisfaction_sum += sign * int(s_sum or 0)
        satisfaction_n += sign * int(s_n or 0)
        weeks[_week_start(date.fromisoformat(str(day))).isoformat()] += n
    for counter in (kinds, outcomes, owners, calls, reached):
        for key in [k for k, v in counter.items() if v <= 0]:
            del counter[key]
    success = Counter({owner: round(100 * reached[owner] / calls[owner]) for owner in calls})
    first_week = _week_start(since.astimezone(clock.local_zone()).date())
    last_week = _week_start(until.astimezone(clock.local_zone()).date())
    activity = []
    week = first_week
    while week <= last_week:
        activity.append(Count(week.isoformat(), weeks.get(week.isoformat(), 0)))
        week += timedelta(days=7)
    return Report(
        since=since,
        until=until,
        contacts_total=contacts_total,
        contacts_by_stage=_counts(by_stage, list(store.settings.stages)),
        companies_by_kind=_counts(by_kind),
        customers_by_company_kind=_counts(customers_by_kind),
        new_contacts=new_contacts,
        interactions_total=total,
        interactions_by_kind=_counts(kinds),
        interactions_by_outcome=_counts(outcomes),
        interactions_by_owner=_counts(owners),
        calls_by_owner=_counts(calls),
        success_rate_by_owner=_counts(success),
        leads_by_owner=_counts(leads),
        satisfaction_average=round(satisfaction_sum / satisfaction_n, 2)
        if satisfaction_n
        else None,
        satisfaction_count=satisfaction_n,
        follow_ups_due=int(follow[0] or 0),
        follow_ups_overdue=int(follow[1] or 0),
        follow_ups_done=int(follow[2] or 0),
        follow_ups_done_on_time=int(follow[3] or 0),
        customers_not_contacted=_counts(stale, ["30", "60", "90"]),
        activity_by_week=tuple(activity),
        currency=store.settings.currency,
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
