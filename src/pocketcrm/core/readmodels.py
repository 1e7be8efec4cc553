"""Plain read models the services return: frozen dataclasses, no session attached.

Faces render them; `as_dict` gives the stable JSON shape documented in the README
(times as ISO 8601 in UTC with a Z, missing values as null).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Any


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def as_dict(value: Any) -> Any:
    """JSON-ready form of any read model (or list of them)."""
    return _plain(value)


@dataclass(frozen=True)
class EmailView:
    address: str
    label: str = ""
    primary: bool = False


@dataclass(frozen=True)
class PhoneView:
    number: str
    e164: str = ""
    valid: bool = False
    label: str = ""
    primary: bool = False
    extension: str = ""


@dataclass(frozen=True)
class AddressView:
    label: str = ""
    street: str = ""
    extended: str = ""
    po_box: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def one_line(self) -> str:
        parts = [self.po_box, self.street, self.extended, self.city, self.region, self.postcode]
        parts.append(self.country)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class WebsiteView:
    url: str
    label: str = ""


@dataclass(frozen=True)
class AlternateView:
    """A value of a field that an import did not keep (the card shows it beside the kept one)."""

    field: str
    value: str
    source: str  # the file it came from, or the file the replaced value was replaced by
    recorded_at: datetime


@dataclass(frozen=True)
class CompanyRef:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class StageChangeView:
    at: datetime
    from_stage: str
    to_stage: str
    by: str


@dataclass(frozen=True)
class InteractionView:
    id: int
    uuid: str
    contact_id: int
    contact_name: str
    kind: str
    direction: str
    occurred_at: datetime
    duration_s: int | None
    outcome: str
    satisfaction: int | None
    owner: str
    notes: str


@dataclass(frozen=True)
class FollowUpView:
    id: int
    uuid: str
    contact_id: int
    contact_name: str
    due_at: datetime | date  # a day (no time of day) for an all-day follow-up: see all_day
    all_day: bool
    note: str
    owner: str
    done_at: datetime | None
    snoozed_until: datetime | None
    overdue: bool
    delivery_error: str = ""


@dataclass(frozen=True)
class ContactRow:
    """One line of a contact list."""

    id: int
    display_name: str
    company: str
    stage: str
    tags: tuple[str, ...]
    owner: str
    email: str
    phone: str
    last_contact_at: datetime | None
    next_follow_up_at: datetime | date | None  # a date if the next one is all-day
    phone_e164: str = ""  # the primary phone's E.164 form when it is valid (for display)


@dataclass(frozen=True)
class ContactCard:
    """The index card: everything needed before a call."""

    id: int
    uuid: str
    display_name: str
    given_name: str
    family_name: str
    additional_names: str  # middle names
    prefix: str
    suffix: str
    nickname: str
    company: CompanyRef | None
    title: str
    department: str
    stage: str
    owner: str
    tags: tuple[str, ...]
    notes: str
    birthday: str  # "YYYY-MM-DD", "--MM-DD" without a year, or ""
    anniversary: str
    emails: tuple[EmailView, ...]
    phones: tuple[PhoneView, ...]
    addresses: tuple[AddressView, ...]
    websites: tuple[WebsiteView, ...]
    custom: dict[str, str]
    external_ids: dict[str, str]
    do_not_contact: bool
    email_opt_out: bool
    source: str
    photo: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    last_contact_at: datetime | None
    next_follow_up_at: datetime | date | None  # a date if the next one is all-day
    stage_history: tuple[StageChangeView, ...] = ()
    follow_ups: tuple[FollowUpView, ...] = ()
    interactions: tuple[InteractionView, ...] = ()
    interaction_count: int = 0
    alternates: tuple[AlternateView, ...] = ()

    def name_parts(self) -> tuple[tuple[str, str], ...]:
        """The name's parts as (field, value) when they say more than the name itself (a
        prefix, middle names, a suffix, or given and family names that are not its split);
        empty otherwise, so a card shows them only when they matter."""
        from pocketcrm.core.validate import split_name

        split = split_name(self.display_name)[1:]
        if (self.given_name, self.family_name) == split and not (
            self.prefix or self.additional_names or self.suffix
        ):
            return ()
        parts = (
            ("prefix", self.prefix),
            ("given", self.given_name),
            ("middle", self.additional_names),
            ("family", self.family_name),
            ("suffix", self.suffix),
        )
        return tuple((name, value) for name, value in parts if value)


@dataclass(frozen=True)
class CompanyRow:
    id: int
    name: str
    kind: str
    website: str
    phone: str
    city: str
    people: int
    tags: tuple[str, ...]


@dataclass(frozen=True)
class CompanyCard:
    id: int
    uuid: str
    name: str
    kind: str
    website: str
    phone: str
    email: str
    street: str
    city: str
    region: str
    postcode: str
    country: str
    notes: str
    owner: str
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    people: tuple[ContactRow, ...] = ()
    interactions: tuple[InteractionView, ...] = ()


@dataclass(frozen=True)
class DuplicateCandidate:
    id: int
    display_name: str
    score: int  # 0-100 confidence
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TrashItem:
    kind: str  # contact, company, interaction, follow_up
    id: int
    label: str
    deleted_at: datetime


@dataclass(frozen=True)
class Created:
    """What a create command reports: the new id, and what else happened."""

    id: int
    uuid: str
    label: str
    follow_up: FollowUpView | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Count:
    key: str
    count: int


@dataclass(frozen=True)
class PipelineStage:
    """One open stage of the deal pipeline (amounts in cents, default currency only)."""

    stage: str
    count: int
    amount_cents: int
    weighted_cents: int  # amount x the stage's weight (see services/deals.stage_weight)


@dataclass(frozen=True)
class MonthAmount:
    month: str  # YYYY-MM
    cents: int


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    contacts_total: int
    contacts_by_stage: tuple[Count, ...]
    companies_by_kind: tuple[Count, ...]
    customers_by_company_kind: tuple[Count, ...]
    new_contacts: int
    interactions_total: int
    interactions_by_kind: tuple[Count, ...]
    interactions_by_outcome: tuple[Count, ...]
    interactions_by_owner: tuple[Count, ...]
    calls_by_owner: tuple[Count, ...]
    success_rate_by_owner: tuple[Count, ...]  # percent of calls "reached", per owner
    leads_by_owner: tuple[Count, ...]
    satisfaction_average: float | None
    satisfaction_count: int
    follow_ups_due: int
    follow_ups_overdue: int
    follow_ups_done: int
    follow_ups_done_on_time: int
    customers_not_contacted: tuple[Count, ...]  # keys "30", "60", "90" days
    activity_by_week: tuple[Count, ...] = field(default=())  # ISO week start -> interactions
    # Deals and billing. Amounts are integer cents in `currency` (the default one); figures
    # in other currencies are counted in *_other_currencies, never summed in.
    currency: str = ""
    pipeline: tuple[PipelineStage, ...] = field(default=())  # open deals by stage, weighted
    pipeline_open_count: int = 0
    pipeline_open_cents: int = 0
    pipeline_weighted_cents: int = 0
    pipeline_other_currencies: int = 0
    deals_won: int = 0  # closed as won in the window
    deals_won_cents: int = 0
    deals_lost: int = 0
    revenue_cents: int = 0  # payments received in the window (refunds subtracted)
    revenue_by_month: tuple[MonthAmount, ...] = field(default=())
    revenue_other_currencies: int = 0  # payments in the window in another currency
    invoices_outstanding_cents: int = 0  # balance of open invoices and orders, now
    invoices_open: int = 0  # not paid, not cancelled (overdue included)
    invoices_overdue: int = 0
