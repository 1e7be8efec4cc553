"""One line of a contact list (list, search, a company's people, segments).

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


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
