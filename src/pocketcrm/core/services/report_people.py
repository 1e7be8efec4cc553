"""`report --by user|department`: what each person (or department) did in a period.

Calls made and received, the share of calls made that reached someone, meetings, leads
generated (contacts made, or moved to the lead stage, credited to who did it), deals won
and their value, and follow-ups done on time. Owners are logins (services/users.py); a
department row adds up its members and names its lead. The rules of "reached", "won" and
"on time" are the overview report's (services/reports.py, figures.py), used from there.

The counting itself (`count_work`, `stage_entries`) is shared with `report team`
(analysis/team.py), which builds its own figures on the same counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pocketcrm.core.db import Db
from pocketcrm.core.dialect import day_after, is_sqlite
from pocketcrm.core.errors import Invalid
from pocketcrm.core.periods import period
from pocketcrm.core.services.figures import won_stage
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

GROUPINGS = ("user", "department")
UNASSIGNED = "(unassigned)"
NO_DEPARTMENT = "(no department)"


@dataclass(frozen=True)
class PersonFigures:
    key: str  # a login, a department's name, or (unassigned) / (no department)
    name: str  # the user's display name, or the department's name
    department: str
    lead: str  # the department's lead (a login)
    calls_made: int
    calls_received: int
    reach_rate: int | None  # percent of calls made that reached someone; None: no calls
    meetings: int
    leads: int
    deals_won: int
    deals_won_cents: int
    follow_ups_done: int
    follow_ups_on_time: int


@dataclass(frozen=True)
class PeopleReport:
    since: datetime
    until: datetime
    by: str
    currency: str
    rows: tuple[PersonFigures, ...]


@dataclass
class Work:
    """What one owner did in a period, counted once for every report that shows people
    (`report --by user|department` here, `report team` in analysis/team.py): each report
    turns these counts into its own figures by its own rules (what "reached" means...)."""

    talk: Counter[tuple[str, str, str]] = field(
        default_factory=Counter
    )  # (kind, direction, outcome)
    won: int = 0  # deals moved to the won stage
    won_cents: int = 0  # their value, in the configured currency (others are left out)


_TALK = (
    "SELECT i.owner, i.kind, i.direction, i.outcome, count(*) FROM interaction i "
    "WHERE i.deleted_at IS NULL AND i.occurred_at >= :since AND i.occurred_at < :until "
    "AND i.kind IN ('call', 'meeting'){trashed} GROUP BY 1, 2, 3, 4"
)
_STAGE_ENTERED = (
    "SELECT s.contact_id, coalesce(nullif(s.by, ''), c.owner) FROM stage_change s "
    "JOIN contact c ON c.id = s.contact_id WHERE c.deleted_at IS NULL AND s.to_stage = :stage "
    "AND s.at >= :since AND s.at < :until ORDER BY s.at, s.id"
)
_LEADS_MADE = (
    "SELECT id, owner FROM contact WHERE deleted_at IS NULL "
    "AND created_at >= :since AND created_at < :until"
)
_WON = (
    "SELECT d.owner, count(*), sum(CASE WHEN d.currency IN ('', :cur) THEN d.amount_cents "
    "ELSE 0 END) FROM deal d JOIN contact c ON c.id = d.contact_id WHERE d.deleted_at IS NULL "
    "AND c.deleted_at IS NULL AND d.stage = :won AND d.closed_at >= :since "
    "AND d.closed_at < :until GROUP BY 1"
)
_DONE = (
    "SELECT f.owner, count(*), sum(CASE WHEN f.done_at <= CASE WHEN f.all_day THEN {due_end} "
    "ELSE f.due_at END THEN 1 ELSE 0 END) FROM follow_up f JOIN contact c ON c.id = f.contact_id "
    "WHERE f.deleted_at IS NULL AND c.deleted_at IS NULL AND f.done_at >= :since "
    "AND f.done_at < :until GROUP BY 1"
)


def count_work(session: Db, settings: Settings, window: dict[str, Any]) -> dict[str, Work]:
    """Per owner (a login, '' for nobody), what they did in WINDOW (:since, :until): the
    calls and meetings by kind, direction and outcome, and the deals won. Trashed contacts' work
    counts nowhere: their interactions (a few) are counted apart and taken off, so the big
    count reads the interactions' covering index alone."""
    work: dict[str, Work] = defaultdict(Work)
    counted = session.run(_TALK.format(trashed=""), window).tuples()
    trashed = session.run(
        _TALK.format(
            trashed=" AND i.contact_id IN (SELECT id FROM contact WHERE deleted_at IS NOT NULL)"
        ),
        window,
    ).tuples()
    for rows, sign in ((counted, 1), (trashed, -1)):
        for owner, kind, direction, outcome, n in rows:
            key = (str(kind), str(direction or ""), str(outcome or ""))
            work[str(owner or "")].talk[key] += sign * int(n)
    won = {**window, "won": won_stage(settings), "cur": settings.currency}
    for owner, n, cents in session.run(_WON, won).tuples():
        work[str(owner or "")].won += int(n)
        work[str(owner or "")].won_cents += int(cents or 0)
    return work


def stage_entries(session: Db, stage: str, window: dict[str, Any]) -> dict[int, str]:
    """The contacts that entered STAGE in WINDOW, each credited once: to who made its first
    such change in the window, else to the contact's owner (trashed contacts: none)."""
    credited: dict[int, str] = {}
    if not stage:
        return credited
    for contact_id, who in session.run(_STAGE_ENTERED, {**window, "stage": stage}).tuples():
        credited.setdefault(int(contact_id), str(who or ""))
    return credited


@dataclass
class _Tally:
    made: int = 0
    received: int = 0
    reached: int = 0
    meetings: int = 0
    leads: set[int] = field(default_factory=set)
    won: int = 0
    won_cents: int = 0
    done: int = 0
    on_time: int = 0

    def add(self, other: _Tally) -> None:
        self.made += other.made
        self.received += other.received
        self.reached += other.reached
        self.meetings += other.meetings
        self.leads |= other.leads
        self.won += other.won
        self.won_cents += other.won_cents
        self.done += other.done
        self.on_time += other.on_time


def _from_work(work: Work, reached_outcomes: tuple[str, ...]) -> _Tally:
    """Calls made (any direction but in), received, made and reached (the overview's rule),
    meetings; deals won."""
    mine = _Tally(won=work.won, won_cents=work.won_cents)
    for (kind, direction, outcome), n in work.talk.items():
        if kind == "call" and direction == "in":
            mine.received += n
        elif kind == "call":
            mine.made += n
            mine.reached += n if outcome in reached_outcomes else 0
        elif kind == "meeting":
            mine.meetings += n
    return mine


def _tally(store: Store, window: dict[str, Any]) -> dict[str, _Tally]:
    from pocketcrm.core.services.reports import SUCCESS_OUTCOMES  # the overview's "reached"

    settings = store.settings
    with store.sql_read() as session:
        work = count_work(session, settings, window)
        tally: dict[str, _Tally] = defaultdict(_Tally)
        for owner, done in work.items():
            tally[owner] = _from_work(done, SUCCESS_OUTCOMES)
        # A lead is a contact moved to the lead stage (credited to who moved it), else one
        # made in the period (its owner): each contact once.
        credited = stage_entries(session, settings.stage_for("lead"), window)
        for contact_id, owner in session.run(_LEADS_MADE, window).tuples():
            credited.setdefault(int(contact_id), str(owner or ""))
        for contact_id, who in credited.items():
            tally[who].leads.add(contact_id)
        done_sql = _DONE.format(due_end=day_after("f.due_at", is_sqlite(session)))
        for owner, n, on_time in session.run(done_sql, window).tuples():
            tally[str(owner or "")].done += int(n)
            tally[str(owner or "")].on_time += int(on_time or 0)
    return tally


def _people(store: Store) -> dict[str, tuple[str, str, str]]:
    """login -> (display name, department name, department lead)."""
    with store.sql_read() as session:
        rows = session.run(
            "SELECT u.login, u.display_name, coalesce(d.name, ''), coalesce(d.lead, '') "
            "FROM app_user u LEFT JOIN department d ON d.id = u.department_id"
        ).tuples()
    return {str(r[0]): (str(r[1] or r[0]), str(r[2]), str(r[3])) for r in rows}


def _row(key: str, name: str, department: str, lead: str, t: _Tally) -> PersonFigures:
    return PersonFigures(
        key=key,
        name=name,
        department=department,
        lead=lead,
        calls_made=t.made,
        calls_received=t.received,
        reach_rate=round(100 * t.reached / t.made) if t.made else None,
        meetings=t.meetings,
        leads=len(t.leads),
        deals_won=t.won,
        deals_won_cents=t.won_cents,
        follow_ups_done=t.done,
        follow_ups_on_time=t.on_time,
    )


def by_people(
    store: Store, since: datetime | None = None, until: datetime | None = None, *, by: str = "user"
) -> PeopleReport:
    """Each user's (or department's) figures for [since, until); every active user appears,
    idle ones with zeros, and work of owners who are not users under their own name."""
    if by not in GROUPINGS:
        raise Invalid("by", f"group by user or department, not {by!r}")
    asked = period(since, until)
    window = {"since": db_time(asked.since), "until": db_time(asked.until)}
    tally = _tally(store, window)
    people = _people(store)
    for login in people:
        tally.setdefault(login, _Tally())
    rows = []
    if by == "user":
        for login in sorted(tally, key=lambda k: (k == "", k)):
            name, dept, lead = people.get(login, (login or UNASSIGNED, "", ""))
            rows.append(_row(login or UNASSIGNED, name, dept, lead, tally[login]))
    else:
        groups: dict[str, _Tally] = defaultdict(_Tally)
        leads: dict[str, str] = {}
        for login, t in tally.items():
            _name, dept, lead = people.get(login, ("", "", ""))
            key = dept or (NO_DEPARTMENT if login else UNASSIGNED)
            groups[key].add(t)
            leads.setdefault(key, lead)
        for key in sorted(groups, key=lambda k: (k.startswith("("), k.casefold())):
            rows.append(_row(key, key, key, leads.get(key, ""), groups[key]))
    return PeopleReport(asked.since, asked.until, by, store.settings.currency, tuple(rows))
