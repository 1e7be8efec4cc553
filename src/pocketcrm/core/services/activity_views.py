"""A call's and a follow-up's read model from a row: what log-call, follow-up, done, snooze
and agenda return, and what the card lists. Apart from the card (core/services/cards.py),
so the activity commands do not build the card's classes (issue 16).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pocketcrm.core import dates
from pocketcrm.core.readmodels.activity import FollowUpView, InteractionView


def interaction_view(row: Any, contact_name: str) -> InteractionView:
    """From an ORM Interaction or a SQL row with the same column names."""
    return InteractionView(
        id=int(row.id),
        uuid=row.uuid,
        contact_id=int(row.contact_id),
        contact_name=contact_name,
        kind=row.kind,
        direction=row.direction,
        occurred_at=row.occurred_at,
        duration_s=row.duration_s,
        outcome=row.outcome,
        satisfaction=row.satisfaction,
        owner=row.owner,
        notes=row.notes,
    )


def follow_up_view(row: Any, contact_name: str, delivery_error: str = "") -> FollowUpView:
    """From an ORM FollowUp or a SQL row with the same column names."""
    due = dates.due_from_store(row.due_at, row.due_date)
    return FollowUpView(
        id=int(row.id),
        uuid=row.uuid,
        contact_id=int(row.contact_id),
        contact_name=contact_name,
        due_at=due,
        all_day=not isinstance(due, datetime),
        note=row.note,
        owner=row.owner,
        done_at=row.done_at,
        snoozed_until=row.snoozed_until,
        overdue=row.done_at is None and dates.is_overdue(due),
        delivery_error=delivery_error,
    )


INTERACTION_COLUMNS = (
    "id, uuid, contact_id, kind, direction, occurred_at, duration_s, outcome, satisfaction, "
    "owner, notes"
)
FOLLOW_UP_COLUMNS = (
    "id, uuid, contact_id, due_at, all_day, due_date, note, owner, done_at, snoozed_until"
)
INTERACTION_TIMES = ("occurred_at",)  # the columns read back as aware UTC moments
FOLLOW_UP_TIMES = ("due_at", "done_at", "snoozed_until")
