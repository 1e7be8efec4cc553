"""One deleted record in the trash.

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrashItem:
    kind: str  # contact, company, interaction, follow_up
    id: int
    label: str
    deleted_at: datetime
