"""The overview report and its figures (report, the interface's report screen).

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
