"""Companies: a line of the company list and the company's card.

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.activity import InteractionView
    from pocketcrm.core.readmodels.contact_row import ContactRow


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
