"""The contact card (`show`, the interface's card) and the parts it is made of.

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.activity import FollowUpView, InteractionView


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
