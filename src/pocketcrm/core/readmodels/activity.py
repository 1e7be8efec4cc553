"""Calls, meetings and follow-ups: what log-call, log, follow-up, done, snooze and agenda return.

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


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
