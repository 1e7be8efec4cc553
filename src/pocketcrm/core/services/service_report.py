"""`report service`: how customer service went over a period.

Cases opened in [since, until) are counted by product, priority, channel, assignee and
department; opened and closed are counted per week. Times to the first reply and to the
resolution are business hours (core/sla.py), their medians over the cases that reached
them in the period. "Within the service level" is the share of cases resolved in the period
by their resolution target; the reopen rate is the share of cases resolved in the period
that were ever reopened; satisfaction is the survey answers given on cases closed in it.

With `by` (product, priority, channel, assignee or department) the same figures are worked
out for each group of cases as well: `report service --by department`.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid
from pocketcrm.core.periods import period
from pocketcrm.core.readmodels.report import Count
from pocketcrm.core.sla import BusinessHours, business_hours
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time, from_db_time


@dataclass(frozen=True)
class ServiceReport:
    since: datetime
    until: datetime
    opened: int
    closed: int
    open_now: int
    breached_now: int
    opened_by_week: tuple[Count, ...]
    closed_by_week: tuple[Count, ...]
    by_product: tuple[Count, ...]
    by_priority: tuple[Count, ...]
    by_channel: tuple[Count, ...]
    by_assignee: tuple[Count, ...]
    by_department: tuple[Count, ...]
    median_first_response_hours: float | None  # business hours
    median_resolution_hours: float | None
    resolved: int
    resolved_within_level: int
    within_level_percent: float | None
    reopened: int
    reopen_rate_percent: float | None
    satisfaction_average: float | None
    satisfaction_count: int
    satisfaction_by_score: tuple[Count, ...]
    grouped_by: str = ""
    groups: tuple[ServiceGroup, ...] = ()  # with `by`: the figures of each group


@dataclass(frozen=True)
class ServiceGroup:
    """The period's figures for the cases of one product, priority, assignee..."""

    key: str
    opened: int
    closed: int
    open_now: int
    breached_now: int
    median_first_response_hours: float | None
    median_resolution_hours: float | None
    resolved: int
    within_level_percent: float | None
    reopen_rate_percent: float | None
    satisfaction_average: float | None
    satisfaction_count: int


def _counts(counter: Counter[str], empty: str = "(none)") -> tuple[Count, ...]:
    return tuple(
        Count(k or empty, n) for k, n in sorted(counter.items(), key=lambda i: (-i[1], i[0]))
    )


def _weeks(moments: list[datetime], since: datetime, until: datetime) -> tuple[Count, ...]:
    zone = clock.local_zone()
    start = since.astimezone(zone).date()
    start -= timedelta(days=start.weekday())
    last = until.astimezone(zone).date()
    counts: Counter[str] = Counter()
    for moment in moments:
        day = moment.astimezone(zone).date()
        counts[(day - timedelta(days=day.weekday())).isoformat()] += 1
    weeks = []
    while start <= last:
        weeks.append(Count(start.isoformat(), counts[start.isoformat()]))
        start += timedelta(days=7)
    return tuple(weeks)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


_COLUMNS = (
    "s.created_at, s.first_response_at, s.resolved_at, s.closed_at, s.resolution_due_at, "
    "s.reopen_count, s.satisfaction, s.product, s.priority, s.channel, s.assignee, "
    "s.department, s.next_due_at, s.status"
)


def service_report(
    store: Store, since: datetime | None = None, until: datetime | None = None, by: str = ""
) -> ServiceReport:
    """The period's figures; with BY (one of GROUPS) also each group's."""
    group = _group_index(by)
    chosen = period(since, until)
    start, end, now = chosen.since, chosen.until, clock.now()
    hours = business_hours(store.settings.service, clock.local_zone())
    with store.read() as session:
        rows = session.execute(
            text(
                f"SELECT {_COLUMNS} FROM support_case s JOIN contact c ON c.id = s.contact_id "
                "WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL AND (s.next_due_at IS NOT "
                "NULL OR s.status IN ('new','open','waiting') OR (s.created_at >= :a AND "
                "s.created_at < :b) OR (s.resolved_at >= :a AND s.resolved_at < :b) OR "
                "(s.closed_at >= :a AND s.closed_at < :b) OR (s.first_response_at >= :a AND "
                "s.first_response_at < :b))"
            ),
            {"a": db_time(start), "b": db_time(end)},
        ).all()

    tally = _Tally(start, end, now, hours)
    groups: dict[str, _Tally] = {}
    for row in rows:
        tally.add(row)
        if group is not None:
            key = str(row[group])
            if key not in groups:
                groups[key] = _Tally(start, end, now, hours)
            groups[key].add(row)
    report = tally.report()
    if group is None:
        return report
    empty = "(unassigned)" if by.strip().lower() == "assignee" else "(none)"
    found = [_group(key or empty, t.report()) for key, t in groups.items()]
    found = [g for g in found if g.opened or g.closed or g.open_now or g.resolved]
    found.sort(key=lambda g: (-g.opened, -g.open_now, g.key))
    return replace(report, grouped_by=by.strip().lower(), groups=tuple(found))


GROUPS = ("product", "priority", "channel", "assignee", "department")


def _group_index(by: str) -> int | None:
    """The column of _COLUMNS that BY groups on (None without BY; Invalid if unknown)."""
    if not by.strip():
        return None
    name = by.strip().lower()
    if name not in GROUPS:
        raise Invalid("by", f"unknown group {by!r}; use one of: {', '.join(GROUPS)}")
    return 7 + GROUPS.index(name)


def _group(key: str, r: ServiceReport) -> ServiceGroup:
    return ServiceGroup(
        key=key,
        opened=r.opened,
        closed=r.closed,
        open_now=r.open_now,
        breached_now=r.breached_now,
        median_first_response_hours=r.median_first_response_hours,
        median_resolution_hours=r.median_resolution_hours,
        resolved=r.resolved,
        within_level_percent=r.within_level_percent,
        reopen_rate_percent=r.reopen_rate_percent,
        satisfaction_average=r.satisfaction_average,
        satisfaction_count=r.satisfaction_count,
    )


class _Tally:
    """The figures, gathered one case at a time."""

    def __init__(self, start: datetime, end: datetime, now: datetime, hours: BusinessHours) -> None:
        self.start, self.end, self.now, self.hours = start, end, now, hours
        self.opened_at: list[datetime] = []
        self.closed_at: list[datetime] = []
        self.firsts: list[float] = []
        self.resolutions: list[float] = []
        self.groups: dict[str, Counter[str]] = {k: Counter() for k in GROUPS}
        self.resolved = self.within = self.reopened = self.open_now = self.breached = 0
        self.scores: Counter[str] = Counter()

    def inside(self, value: object) -> datetime | None:
        moment = from_db_time(value)
        return moment if moment is not None and self.start <= moment < self.end else None

    def add(self, r: Sequence[Any]) -> None:
        created = from_db_time(r[0])
        assert created is not None
        if str(r[13]) in ("new", "open", "waiting"):
            self.open_now += 1
            due = from_db_time(r[12])
            self.breached += int(due is not None and due <= self.now)
        if self.inside(r[0]):
            self.opened_at.append(created)
            for i, name in enumerate(GROUPS, 7):
                self.groups[name][str(r[i])] += 1
        answered = self.inside(r[1])
        if answered:
            self.firsts.append(self.hours.between(created, answered).total_seconds() / 3600)
        done = self.inside(r[2])
        if done:
            self.resolved += 1
            self.resolutions.append(self.hours.between(created, done).total_seconds() / 3600)
            due_by = from_db_time(r[4])
            self.within += int(due_by is not None and done <= due_by)
            self.reopened += int(int(r[5]) > 0)
        closed = self.inside(r[3])
        if closed:
            self.closed_at.append(closed)
            if r[6] is not None:
                self.scores[str(r[6])] += 1

    def report(self) -> ServiceReport:
        start, end, scores, groups = self.start, self.end, self.scores, self.groups
        rated = sum(scores.values())
        return ServiceReport(
            since=start,
            until=end,
            opened=len(self.opened_at),
            closed=len(self.closed_at),
            open_now=self.open_now,
            breached_now=self.breached,
            opened_by_week=_weeks(self.opened_at, start, end),
            closed_by_week=_weeks(self.closed_at, start, end),
            by_product=_counts(groups["product"]),
            by_priority=_counts(groups["priority"]),
            by_channel=_counts(groups["channel"]),
            by_assignee=_counts(groups["assignee"], "(unassigned)"),
            by_department=_counts(groups["department"]),
            median_first_response_hours=_median(self.firsts),
            median_resolution_hours=_median(self.resolutions),
            resolved=self.resolved,
            resolved_within_level=self.within,
            within_level_percent=_percent(self.within, self.resolved),
            reopened=self.reopened,
            reopen_rate_percent=_percent(self.reopened, self.resolved),
            satisfaction_average=(
                round(sum(int(k) * n for k, n in scores.items()) / rated, 2) if rated else None
            ),
            satisfaction_count=rated,
            satisfaction_by_score=tuple(Count(str(s), scores[str(s)]) for s in range(1, 6)),
        )
