"""Costs the business enters against a contact, a company, a campaign or a deal.

Travel to a customer, an ad campaign, a discount given outside an invoice: each is money
spent, kept with what it was for, so the profit report can set it against what came in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select

from pocketcrm.core import acting, clock
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Campaign, Company, Contact, Cost, Deal
from pocketcrm.core.money import parse_amount
from pocketcrm.core.readmodels.trash import TrashItem
from pocketcrm.core.services.figures import today
from pocketcrm.core.services.lookup import resolve_company, resolve_contact
from pocketcrm.core.sessions import CrmSession
from pocketcrm.core.store import Store

KINDS = ("travel", "ads", "discount", "other")
TARGETS = ("contact", "company", "campaign", "deal")
_ID = re.compile(r"^#?(\d{1,9})$")


@dataclass(frozen=True)
class CostView:
    id: int
    uuid: str
    amount_cents: int
    currency: str
    kind: str
    spent_on: date
    target: str  # contact | company | campaign | deal
    target_id: int
    target_label: str
    notes: str
    created_by: str
    created_at: datetime


def _target_id(session: CrmSession, target: str, ref: str, region: str) -> int:
    if target == "contact":
        return resolve_contact(session, ref, region=region)
    if target == "company":
        return resolve_company(session, ref)
    match = _ID.match(ref.strip())
    model = Deal if target == "deal" else Campaign
    row = session.get(model, int(match[1])) if match else None
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise NotFound(target, ref)
    return int(match[1]) if match else 0


def _label(session: CrmSession, target: str, target_id: int) -> str:
    if target == "contact":
        contact = session.get(Contact, target_id)
        return contact.display_name if contact else ""
    if target == "company":
        company = session.get(Company, target_id)
        return company.name if company else ""
    if target == "deal":
        deal = session.get(Deal, target_id)
        return deal.title if deal else ""
    campaign = session.get(Campaign, target_id)
    return campaign.subject if campaign else ""


def _target_of(cost: Cost) -> tuple[str, int]:
    for target in TARGETS:
        value = getattr(cost, f"{target}_id")
        if value is not None:
            return target, int(value)
    return "", 0


def _view(session: CrmSession, cost: Cost) -> CostView:
    assert cost.id is not None
    target, target_id = _target_of(cost)
    return CostView(
        id=cost.id,
        uuid=cost.uuid,
        amount_cents=cost.amount_cents,
        currency=cost.currency,
        kind=cost.kind,
        spent_on=cost.spent_on,
        target=target,
        target_id=target_id,
        target_label=_label(session, target, target_id) if target else "",
        notes=cost.notes,
        created_by=cost.created_by,
        created_at=cost.created_at,
    )


def add_cost(
    store: Store,
    amount: str,
    *,
    target: str,
    ref: str,
    kind: str = "other",
    spent_on: date | None = None,
    notes: str = "",
) -> CostView:
    """Money spent for TARGET (contact, company, campaign, deal) REF on SPENT_ON."""
    target = target.strip().lower()
    if target not in TARGETS:
        raise Invalid("for", f"unknown {target!r}; use one of: {', '.join(TARGETS)}")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise Invalid("kind", f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    cents, currency = parse_amount(amount, store.settings.currency)
    if cents <= 0:
        raise Invalid("amount", "must be more than zero")
    on = spent_on or today()
    if len(notes) > 10_000:
        raise Invalid("notes", "is longer than 10000 characters; shorten it")
    with store.write() as session:
        target_id = _target_id(session, target, ref, store.settings.default_region)
        cost = Cost(
            amount_cents=cents,
            currency=currency,
            kind=kind,
            spent_on=on,
            notes=notes.strip(),
            created_by=acting.owner(session, store.settings.owner),
            created_at=clock.now(),
        )
        setattr(cost, f"{target}_id", target_id)
        session.add(cost)
        session.flush()
        return _view(session, cost)


def list_costs(
    store: Store, *, since: date | None = None, until: date | None = None, kind: str = ""
) -> list[CostView]:
    """Costs not in the trash, oldest first; UNTIL is exclusive."""
    statement = select(Cost).where(col(Cost.deleted_at).is_(None))
    if kind.strip():
        if kind.strip().lower() not in KINDS:
            raise Invalid("kind", f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
        statement = statement.where(col(Cost.kind) == kind.strip().lower())
    if since is not None:
        statement = statement.where(col(Cost.spent_on) >= since)
    if until is not None:
        statement = statement.where(col(Cost.spent_on) < until)
    with store.read() as session:
        rows = session.exec(statement.order_by(col(Cost.spent_on), col(Cost.id))).all()
        return [_view(session, c) for c in rows]


def trash_cost(store: Store, cost_id: int) -> TrashItem:
    """A cost entered by mistake goes to the trash."""
    with store.write() as session:
        cost = session.get(Cost, cost_id)
        if cost is None or cost.deleted_at is not None:
            raise NotFound("cost", str(cost_id))
        now = clock.now()
        cost.deleted_at = now
        return TrashItem("cost", cost_id, f"{cost.kind} {cost.amount_cents / 100:.2f}", now)
