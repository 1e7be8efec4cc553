"""Neutral records that every parser produces and every writer consumes.

Parsers (vCard, CSV flavours, JSON) know nothing of the database; the importer maps these
drafts onto the store. Keeping them plain dataclasses lets the parsers be tested alone and
keeps import cost low.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EmailDraft:
    address: str
    label: str = ""
    primary: bool = False


@dataclass
class PhoneDraft:
    number: str  # exactly as typed in the source, never normalised here
    label: str = ""
    primary: bool = False
    extension: str = ""


@dataclass
class AddressDraft:
    label: str = ""
    street: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    po_box: str = ""
    extended: str = ""


@dataclass
class WebsiteDraft:
    url: str
    label: str = ""


@dataclass
class ContactDraft:
    """One person (or, with is_company, one organisation) as read from a source row or card."""

    display_name: str = ""
    given_name: str = ""
    family_name: str = ""
    additional_names: str = ""
    prefix: str = ""
    suffix: str = ""
    nickname: str = ""
    emails: list[EmailDraft] = field(default_factory=list)
    phones: list[PhoneDraft] = field(default_factory=list)
    addresses: list[AddressDraft] = field(default_factory=list)
    websites: list[WebsiteDraft] = field(default_factory=list)
    company: str = ""
    title: str = ""
    department: str = ""
    birthday: str = ""  # "YYYY-MM-DD" or "--MM-DD" when the year is unknown
    anniversary: str = ""  # same forms as birthday
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    stage: str = ""  # pocketcrm stage name (lead, prospect, customer, past_customer, ...)
    source: str = ""
    external_ids: dict[str, str] = field(
        default_factory=dict
    )  # e.g. {"vcard_uid": ..., "hubspot": ...}
    email_opt_out: bool = False
    do_not_contact: bool = False
    photo: str = ""  # a data: URI or an http(s) URI, kept whole
    custom: dict[str, str] = field(default_factory=dict)
    is_company: bool = False
    revised: str = ""  # when the source last changed the record (vCard REV), as written
    line: int = 0  # row number (CSV, 1 = first data row) or line where the card began (vCard)
    problems: list[str] = field(default_factory=list)  # non-fatal notes: "phone '12' is not valid"

    def add_custom(self, key: str, value: str) -> None:
        """Keep VALUE in custom field KEY; a second value for the key goes on a line of its own
        (nothing a source held is dropped), and an empty one makes no field."""
        if value == "":
            return
        custom = self.custom
        custom[key] = f"{custom[key]}\n{value}" if custom.get(key) else value
