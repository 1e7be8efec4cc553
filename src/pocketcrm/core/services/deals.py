"""Deals: the pipeline of what may be sold, where each stands, and how it got there.

The stages come from settings.deal_stages; the last two (won, lost) close a deal and every
earlier one is open. Every stage change leaves a DealStageChange row, so a deal's history
(including a reopen) can always be told. Both faces (the CLI and the pipeline screen) call
these functions and get frozen read models back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from pocketcrm.core import acting, clock, validate
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import Company, Contact, Deal, DealStageChange
from pocketcrm.core.money import parse_amount
from pocketcrm.core.readmodels.report import PipelineStage as PipelineStage
from pocketcrm.core.readmodels.trash import TrashItem

# Re-exported: the pipeline's rules live with the figures (plain SQL, no ORM classes).
from pocketcrm.core.services.figures import Pipeline as Pipeline
from pocketcrm.core.services.figures import lost_stage as lost_stage
from pocketcrm.core.services.figures import open_stages as open_stages
from pocketcrm.core.services.figures import pipeline_figures as pipeline_figures
from pocketcrm.core.services.figures import stage_weight as stage_weight
from pocketcrm.core.services.figures import won_stage as won_stage
from pocketcrm.core.services.lookup import resolve_contact
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store

WON_LOST_DAYS = 90  # the pipeline's won/lost figures look back this far


@dataclass(frozen=True)
class DealView:
    id: int
    uuid: str
    contact_id: int
    contact_name: str
    company_name: str  # '' when the deal has no company (or it is in the trash)
    title: str
    amount_cents: int
    currency: str
    stage: str
    owner: str
    expected_close_on: date | None
    closed_at: datetime | None
    lost_reason: str
    notes: str
    created_at: datetime
    updated_at: datetime
    is_open: bool


@dataclass
class DealInput:
    """What a person types to open a deal; empty fields take the configured defaults."""

    title: str
    amount: str = ""
    stage: str = ""
    owner: str = ""
    expected_close: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class DealStageStep:
    at: datetime
    from_stage: str  # '' for the step that created the deal
    to_stage: str
    changed_by: str


def _stage(settings: Settings, value: str, field: str = "stage") -> str:
    cleaned = validate.key(value)
    if cleaned not in settings.deal_stages:
        raise Invalid(
            field, f"unknown stage {value!r}; use one of: {', '.join(settings.deal_stages)}"
        )
    return cleaned


def _amount(store: Store, text: str) -> tuple[int, str]:
    """'' is no amount yet (0 in the default currency); a deal is never worth less than 0."""
    if not text.strip():
        return 0, store.settings.currency
    cents, currency = parse_amount(text, store.settings.currency)
    if cents < 0:
        raise Invalid("amount", "must not be negative; give what the deal is worth, e.g. 1200")
    return cents, currency


def _text(value: str, field: str, limit: int) -> str:
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise Invalid(field, f"is longer than {limit} characters; shorten it")
    return cleaned


def _statement() -> Any:
    return (
        select(Deal, Contact.display_name, Company.name)
        .join(Contact, col(Contact.id) == col(Deal.contact_id))
        .outerjoin(
            Company,
            and_(col(Company.id) == col(Deal.company_id), col(Company.deleted_at).is_(None)),
        )
    )


def _view(deal: Deal, contact_name: str, company_name: str | None, settings: Settings) -> DealView:
    assert deal.id is not None
    return DealView(
        id=deal.id,
        uuid=deal.uuid,
        contact_id=deal.contact_id,
        contact_name=contact_name,
        company_name=company_name or "",
        title=deal.title,
        amount_cents=deal.amount_cents,
        currency=deal.currency,
        stage=deal.stage,
        owner=deal.owner,
        expected_close_on=deal.expected_close_on,
        closed_at=deal.closed_at,
        lost_reason=deal.lost_reason,
        notes=deal.notes,
        created_at=deal.created_at,
        updated_at=deal.updated_at,
        is_open=deal.stage not in settings.deal_stages[-2:],
    )


def _load(session: Session, deal_id: int, settings: Settings) -> DealView:
    row = session.exec(
        _statement().where(
            col(Deal.id) == deal_id,
            col(Deal.deleted_at).is_(None),
            col(Contact.deleted_at).is_(None),
        )
    ).first()
    if row is None:
        raise NotFound("deal", str(deal_id))
    return _view(row[0], row[1], row[2], settings)


def _live(session: Session, deal_id: int) -> Deal:
    deal = session.get(Deal, deal_id)
    if deal is None or deal.deleted_at is not None:
        raise NotFound("deal", str(deal_id))
    contact = session.get(Contact, deal.contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFound("deal", str(deal_id))
    return deal


def _step(session: Session, deal_id: int, before: str, after: str, who: str) -> None:
    session.add(
        DealStageChange(
            deal_id=deal_id, at=clock.now(), from_stage=before, to_stage=after, changed_by=who
        )
    )


def create_deal(store: Store, contact_ref: str, data: DealInput) -> DealView:
    """Open a deal for a contact (and the contact's company) in one transaction."""
    settings = store.settings
    title = validate.name(data.title, "title")
    cents, currency = _amount(store, data.amount)
    stage = _stage(settings, data.stage) if data.stage.strip() else settings.deal_stages[0]
    owner = _text(data.owner, "owner", 100)
    notes = _text(data.notes, "notes", 10_000)
    now = clock.now()
    with store.write() as session:
        contact_id = resolve_contact(session, contact_ref, region=settings.default_region)
        contact = session.get(Contact, contact_id)
        assert contact is not None
        owner = owner or acting.owner(session, settings.owner)
        deal = Deal(
            contact_id=contact_id,
            company_id=contact.company_id,
            title=title,
            amount_cents=cents,
            currency=currency,
            stage=stage,
            owner=owner,
            expected_close_on=data.expected_close,
            closed_at=now if stage in settings.deal_stages[-2:] else None,
            notes=notes,
            created_at=now,
            updated_at=now,
        )
        session.add(deal)
        session.flush()
        assert deal.id is not None
        _step(session, deal.id, "", stage, acting.owner(session, settings.owner))
        session.flush()
        return _load(session, deal.id, settings)


def get_deal(store: Store, deal_id: int) -> DealView:
    with store.read() as session:
        return _load(session, deal_id, store.settings)


def deal_history(store: Store, deal_id: int) -> list[DealStageStep]:
    """Every stage the deal went through, oldest first."""
    with store.read() as session:
        _live(session, deal_id)
        steps = session.exec(
            select(DealStageChange)
            .where(col(DealStageChange.deal_id) == deal_id)
            .order_by(col(DealStageChange.at), col(DealStageChange.id))
        ).all()
        return [DealStageStep(s.at, s.from_stage, s.to_stage, s.changed_by) for s in steps]


def move_deal(store: Store, deal_id: int, stage: str, *, reason: str = "") -> DealView:
    """Move a deal along (or back): won/lost close it, an open stage reopens a closed one.

    A lost deal needs its reason (why is the most useful thing to learn from it); a reason
    for any other stage is refused rather than silently dropped."""
    settings = store.settings
    target = _stage(settings, stage)
    reason = _text(reason, "reason", 1000)
    lost = lost_stage(settings)
    if target == lost and not reason:
        raise Invalid("reason", "say why the deal was lost, e.g. --reason 'went with a rival'")
    if target != lost and reason:
        raise Invalid("reason", f"only a lost deal keeps a reason; move it to {lost!r}")
    with store.write() as session:
        deal = _live(session, deal_id)
        if deal.stage == target:
            raise Invalid("stage", f"deal #{deal_id} is already in {target!r}")
        before = deal.stage
        now = clock.now()
        closing = target in settings.deal_stages[-2:]
        deal.stage = target
        deal.closed_at = now if closing else None
        deal.lost_reason = reason if target == lost else ""
        deal.updated_at = now
        _step(session, deal_id, before, target, acting.owner(session, settings.owner))
        session.flush()
        return _load(session, deal_id, settings)


def reopen_deal(store: Store, deal_id: int) -> DealView:
    """Take back a close (won or lost by mistake): the deal returns to the open stage it was
    in before it closed (the first open stage if it never was in one)."""
    settings = store.settings
    deal = get_deal(store, deal_id)
    if deal.is_open:
        raise Invalid("stage", f"deal #{deal_id} is open ({deal.stage}); nothing to reopen")
    stages = open_stages(settings)
    before = [s.from_stage for s in deal_history(store, deal_id) if s.to_stage == deal.stage]
    target = before[-1] if before and before[-1] in stages else stages[0]
    return move_deal(store, deal_id, target)


def update_deal(
    store: Store,
    deal_id: int,
    *,
    title: str | None = None,
    amount: str | None = None,
    owner: str | None = None,
    expected_close: date | None = None,
    notes: str | None = None,
) -> DealView:
    """Change what a deal is (its stage moves only through move_deal, which keeps history)."""
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = validate.name(title, "title")
    if amount is not None:
        changes["amount_cents"], changes["currency"] = _amount(store, amount)
    if owner is not None:
        changes["owner"] = _text(owner, "owner", 100)
    if expected_close is not None:
        changes["expected_close_on"] = expected_close
    if notes is not None:
        changes["notes"] = _text(notes, "notes", 10_000)
    with store.write() as session:
        deal = _live(session, deal_id)
        for name, value in changes.items():
            setattr(deal, name, value)
        if changes:
            deal.updated_at = clock.now()
        session.flush()
        return _load(session, deal_id, store.settings)


def _order(settings: Settings, views: Sequence[DealView]) -> list[DealView]:
    rank = {stage: i for i, stage in enumerate(settings.deal_stages)}
    return sorted(
        views,
        key=lambda d: (
            rank.get(d.stage, len(rank)),
            d.expected_close_on is None,
            d.expected_close_on or date.min,
            d.id,
        ),
    )


def list_deals(
    store: Store,
    *,
    stage: str = "",
    owner: str = "",
    contact_ref: str = "",
    open_only: bool = False,
    closed_only: bool = False,
) -> list[DealView]:
    """Deals not in the trash, in pipeline order (stage, then expected close, then id)."""
    settings = store.settings
    statement = _statement().where(
        col(Deal.deleted_at).is_(None), col(Contact.deleted_at).is_(None)
    )
    if stage.strip():
        statement = statement.where(col(Deal.stage) == _stage(settings, stage))
    if owner.strip():
        statement = statement.where(func.lower(col(Deal.owner)) == owner.strip().lower())
    if open_only:
        statement = statement.where(col(Deal.stage).in_(open_stages(settings)))
    if closed_only:
        statement = statement.where(col(Deal.stage).not_in(open_stages(settings)))
    with store.read() as session:
        if contact_ref.strip():
            contact_id = resolve_contact(session, contact_ref, region=settings.default_region)
            statement = statement.where(col(Deal.contact_id) == contact_id)
        views = [_view(d, name, company, settings) for d, name, company in session.exec(statement)]
    return _order(settings, views)


def pipeline(store: Store) -> Pipeline:
    """Open deals by stage with their weighted value, and won/lost over the last 90 days.

    The weight of an open stage is its 1-based position divided by (number of open stages
    + 1): with qualified, proposal, negotiation that is 25 %, 50 %, 75 %. won_cents and the
    stage sums count the default currency only; other_currencies says how many open deals
    were left out of the sums."""
    now = clock.now()
    with store.read() as session:
        # [90 days ago, now]: a deal closed this very moment counts.
        result, _, _ = pipeline_figures(
            session,
            store.settings,
            now - timedelta(days=WON_LOST_DAYS),
            now + timedelta(microseconds=1),
        )
    return result


def trash_deal(store: Store, deal_id: int) -> TrashItem:
    """The deal goes to the trash (restore brings it back with its history)."""
    with store.write() as session:
        deal = _live(session, deal_id)
        now = clock.now()
        deal.deleted_at = now
        return TrashItem("deal", deal_id, deal.title, now)
