"""Stay-in-touch cadences: "customers every 30 days", "Ann every 14 days (at most 21)".

A rule names one contact or one tag, an ideal interval and a maximum. A contact's clock
runs from the last call, meeting, email or text (`contact.last_contact_at`, kept by the
activity service), so logging any of them resets it; a campaign email does not, unless the
setting cadence_counts_campaigns is on. A contact's own rule wins over tag
rules; among several tag rules the most frequent one applies.

`drifting` is read by `pocketcrm agenda`, the interface and the reminder run, which calls
it every few minutes: it is plain SQL with no model classes imported (about 100 ms saved at
start-up), and one indexed pass narrows the contacts before Python looks at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pocketcrm import humanize
from pocketcrm.core import clock, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.store import Store

if TYPE_CHECKING:
    from pocketcrm.core.sessions import CrmSession

DAY = timedelta(days=1)
_INTERVAL = re.compile(
    r"(?P<n>\d{1,4})\s*(?P<unit>d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)?"
)
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
MAX_DAYS = 3650


@dataclass(frozen=True)
class CadenceView:
    """One rule as the faces show it; `covers` is how many living contacts it reaches."""

    id: int
    uuid: str
    contact_id: int | None
    contact_name: str
    tag: str
    ideal_days: int
    max_days: int
    created_at: datetime
    covers: int

    @property
    def target(self) -> str:
        return f"tag {self.tag}" if self.tag else f"{self.contact_name} (#{self.contact_id})"


@dataclass(frozen=True)
class Drift:
    """A contact past the ideal interval of their cadence; `since` is where the clock starts."""

    contact_id: int
    contact_name: str
    rule_id: int
    rule: str  # "tag customers" or "contact"
    ideal_days: int
    max_days: int
    last_contact_at: datetime | None
    since: datetime
    due_at: datetime  # since + ideal interval: when they started drifting
    days_since: int
    days_over: int  # days past the ideal interval
    past_max: bool


def parse_interval(value: str, field: str = "every") -> int:
    """Days in '30d', '2w', '3m' (30-day months), '1y' or a bare number of days."""
    cleaned = value.strip().lower()
    match = _INTERVAL.fullmatch(cleaned)
    if match is None:
        raise Invalid(field, f"cannot read {value!r}; use a number of days like 30d, 2w or 3m")
    days = int(match["n"]) * _UNIT_DAYS[(match["unit"] or "d")[0]]
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(field, f"{value!r} is out of range; give 1 day to 10 years")
    return days


def default_max(ideal_days: int) -> int:
    """Half as long again as the ideal: a 30-day cadence turns urgent at 45 days."""
    return ideal_days + (ideal_days + 1) // 2


def _moment(value: object) -> datetime | None:
    """The aware UTC moment of a raw SQL value (text on SQLite)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _db_time(value: datetime) -> str:
    """The text form SQLAlchemy stores datetimes in (models.db_time, without the import)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# -- rules -----------------------------------------------------------------------------------


def _covers(session: Db, contact_id: int | None, tag: str) -> int:
    if contact_id is not None:
        return 1
    found = session.run(
        "SELECT count(*) FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
        "JOIN contact c ON c.id = ct.contact_id WHERE t.name = :tag AND c.deleted_at IS NULL",
        {"tag": tag},
    ).scalar()
    return int(found or 0)


def _view(session: CrmSession, row: object) -> CadenceView:
    from pocketcrm.core.models import CadenceRule, Contact

    assert isinstance(row, CadenceRule) and row.id is not None
    name = ""
    if row.contact_id is not None:
        contact = session.get(Contact, row.contact_id)
        name = contact.display_name if contact is not None else ""
    return CadenceView(
        id=row.id,
        uuid=row.uuid,
        contact_id=row.contact_id,
        contact_name=name,
        tag=row.tag,
        ideal_days=row.ideal_days,
        max_days=row.max_days,
        created_at=row.created_at,
        covers=_covers(session, row.contact_id, row.tag),
    )


def set_cadence(
    store: Store,
    *,
    ideal_days: int,
    max_days: int | None = None,
    ref: str = "",
    tag: str = "",
) -> CadenceView:
    """Create or change the rule for one contact (REF) or one tag; one rule per target."""
    from sqlmodel import col, select

    from pocketcrm.core.models import CadenceRule
    from pocketcrm.core.services.lookup import resolve_contact

    if bool(ref.strip()) == bool(tag.strip()):
        raise Invalid("target", "give a contact or --tag, not both")
    if not 1 <= ideal_days <= MAX_DAYS:
        raise Invalid("every", "give 1 day to 10 years")
    limit = default_max(ideal_days) if max_days is None else max_days
    if limit < ideal_days:
        raise Invalid(
            "max", f"must be at least the ideal interval ({humanize.count(ideal_days, 'day')})"
        )
    if limit > MAX_DAYS:
        raise Invalid("max", "give at most 10 years")
    tag_name = validate.tag(tag) if tag.strip() else ""
    with store.write() as session:
        contact_id: int | None = None
        query = select(CadenceRule)
        if ref.strip():
            contact_id = resolve_contact(session, ref, region=store.settings.default_region)
            query = query.where(col(CadenceRule.contact_id) == contact_id)
        else:
            query = query.where(
                col(CadenceRule.contact_id).is_(None), col(CadenceRule.tag) == tag_name
            )
        rule = session.exec(query).first()
        if rule is None:
            rule = CadenceRule(
                contact_id=contact_id,
                tag=tag_name,
                ideal_days=ideal_days,
                max_days=limit,
                created_at=clock.now(),
            )
        else:
            rule.ideal_days, rule.max_days = ideal_days, limit
        session.add(rule)
        session.flush()
        return _view(session, rule)


def list_cadences(store: Store) -> list[CadenceView]:
    """Every rule: tag rules first (by tag), then contact rules (by name)."""
    from sqlmodel import select

    from pocketcrm.core.models import CadenceRule

    with store.read() as session:
        views = [_view(session, r) for r in session.exec(select(CadenceRule)).all()]
    return sorted(views, key=lambda v: (v.contact_id is not None, v.tag, v.contact_name, v.id))


def remove_cadence(store: Store, rule_id: int) -> CadenceView:
    from pocketcrm.core.models import CadenceRule

    with store.write() as session:
        rule = session.get(CadenceRule, rule_id)
        if rule is None:
            raise NotFound("cadence rule", str(rule_id))
        view = _view(session, rule)
        session.delete(rule)
        return view


# -- who is drifting -------------------------------------------------------------------------

# Each contact's one effective rule: its own rule first, else the most frequent tag rule.
_EFFECTIVE = """
WITH applicable AS (
  SELECT r.contact_id AS contact_id, r.id AS rule_id, 0 AS specific_first, r.tag AS tag,
         r.ideal_days AS ideal_days, r.max_days AS max_days, r.created_at AS rule_created
  FROM cadence_rule r WHERE r.contact_id IS NOT NULL
  UNION ALL
  SELECT ct.contact_id, r.id, 1, r.tag, r.ideal_days, r.max_days, r.created_at
  FROM cadence_rule r JOIN tag t ON t.name = r.tag JOIN contact_tag ct ON ct.tag_id = t.id
  WHERE r.contact_id IS NULL
), ranked AS (
  SELECT a.*, row_number() OVER (
    PARTITION BY a.contact_id ORDER BY a.specific_first, a.ideal_days, a.rule_id
  ) AS pick
  FROM applicable a
)
SELECT c.id, c.display_name, {last}, c.created_at,
       k.rule_id, k.tag, k.ideal_days, k.max_days, k.rule_created
FROM ranked k JOIN contact c ON c.id = k.contact_id
WHERE k.pick = 1 AND c.deleted_at IS NULL AND c.do_not_contact = :no
  AND coalesce({last}, c.created_at) <= :cutoff
"""
# The last call, meeting, email or text that was not a campaign email. A campaign's sent email
# is logged with the moment the recipient row was marked sent (campaigns._mark_sent), which is
# how it is told apart; only people a campaign reached need the second look.
_PERSONAL_LAST = """CASE WHEN EXISTS (SELECT 1 FROM campaign_recipient r
    WHERE r.contact_id = c.id AND r.status = 'sent')
  THEN (SELECT max(i.occurred_at) FROM interaction i WHERE i.contact_id = c.id
    AND i.deleted_at IS NULL AND i.kind IN ('call', 'meeting', 'email', 'sms')
    AND NOT (i.kind = 'email' AND EXISTS (SELECT 1 FROM campaign_recipient r
      WHERE r.contact_id = c.id AND r.status = 'sent' AND r.sent_at = i.occurred_at)))
  ELSE c.last_contact_at END"""


def drifting_in(
    session: Db, now: datetime, *, owner: str = "", count_campaigns: bool = False
) -> list[Drift]:
    """Contacts past their ideal interval at NOW, most overdue first (inside a session).

    A campaign email is a newsletter, not keeping in touch: it resets no clock unless
    count_campaigns (the setting cadence_counts_campaigns)."""
    shortest = session.run("SELECT min(ideal_days) FROM cadence_rule").scalar()
    if shortest is None:
        return []
    sql = _EFFECTIVE.format(last="c.last_contact_at" if count_campaigns else _PERSONAL_LAST)
    params: dict[str, object] = {"no": False, "cutoff": _db_time(now - int(shortest) * DAY)}
    if owner:
        sql += " AND c.owner = :owner"
        params["owner"] = owner
    found: list[Drift] = []
    for row in session.run(sql, params).all():
        contact_id = int(row[0])
        last = _moment(row[2])
        created = _moment(row[3])
        rule_created = _moment(row[8])
        assert created is not None and rule_created is not None
        since = last if last is not None else max(created, rule_created)
        ideal, limit = int(row[6]), int(row[7])
        due = since + ideal * DAY
        if due > now:
            continue
        days_since = (now - since) // DAY
        found.append(
            Drift(
                contact_id=contact_id,
                contact_name=str(row[1]),
                rule_id=int(row[4]),
                rule=f"tag {row[5]}" if row[5] else "contact",
                ideal_days=ideal,
                max_days=limit,
                last_contact_at=last,
                since=since,
                due_at=due,
                days_since=days_since,
                days_over=(now - due) // DAY,
                past_max=now >= since + limit * DAY,
            )
        )
    found.sort(key=lambda d: (-(d.days_over), not d.past_max, d.contact_name, d.contact_id))
    return found


def drifting(store: Store, *, owner: str = "", now: datetime | None = None) -> list[Drift]:
    """Who is drifting out of touch, most overdue first (for agenda and the interface)."""
    with store.sql_read() as session:
        return drifting_in(
            session,
            now or clock.now(),
            owner=owner,
            count_campaigns=store.settings.cadence_counts_campaigns,
        )
