"""What a create command reports (add, log-call, log, follow-up, a new company).

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.activity import FollowUpView


@dataclass(frozen=True)
class Created:
    """What a create command reports: the new id, and what else happened."""

    id: int
    uuid: str
    label: str
    follow_up: FollowUpView | None = None
    warnings: tuple[str, ...] = ()
