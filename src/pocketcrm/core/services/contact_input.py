"""What a person types to create or change a contact: validated by core/services/contacts.py.

Apart from the service so that a command that only reads, tags or stages a contact does not
build these two classes (sixty fields: about 18M instructions a start; issue 16); they can
still be named as `contacts.ContactInput` and `contacts.ContactPatch`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ContactInput:
    """What a person types to create a contact; validated by create_contact."""

    name: str
    emails: list[str] = field(default_factory=list)  # "ann@x.com" or "work:ann@x.com"
    phones: list[str] = field(default_factory=list)  # as typed, optionally "mobile:+1 ..."
    company: str = ""  # a company name or id; a new name creates the company
    company_kind: str = ""  # the kind of a company this creates (empty: from the stage)
    title: str = ""
    department: str = ""
    stage: str = ""  # empty: the first configured stage
    tags: list[str] = field(default_factory=list)
    owner: str = ""  # empty: the configured owner
    notes: str = ""
    birthday: str = ""
    websites: list[str] = field(default_factory=list)
    source: str = ""
    addresses: list[str] = field(default_factory=list)  # "home:Street 1, City, Postcode, Country"
    anniversary: str = ""
    nickname: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    do_not_contact: bool = False
    email_opt_out: bool = False
    # The name's parts; an empty one comes from the name ("Ann B. Lee": given "Ann B.").
    given_name: str = ""
    family_name: str = ""
    additional_names: str = ""  # middle names (--middle)
    prefix: str = ""  # "Dr."
    suffix: str = ""  # "Jr."
    photo: str = ""  # an image file, an http(s) address or a data: URI (core/photo.py)


@dataclass
class ContactPatch:
    """A change to a contact; None leaves a field as it is."""

    name: str | None = None
    company: str | None = None  # "" removes the company
    title: str | None = None
    department: str | None = None
    owner: str | None = None
    notes: str | None = None
    append_note: str | None = None
    birthday: str | None = None  # "" clears it
    anniversary: str | None = None  # "" clears it
    nickname: str | None = None
    source: str | None = None
    add_addresses: list[str] = field(default_factory=list)  # as ContactInput.addresses
    remove_addresses: list[str] = field(default_factory=list)  # a label or the one-line text
    add_emails: list[str] = field(default_factory=list)
    remove_emails: list[str] = field(default_factory=list)
    add_phones: list[str] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    add_websites: list[str] = field(default_factory=list)
    set_custom: dict[str, str] = field(default_factory=dict)
    remove_custom: list[str] = field(default_factory=list)
    do_not_contact: bool | None = None
    email_opt_out: bool | None = None
    # The name's parts, after `name` (which splits into given and family); "" clears one.
    given_name: str | None = None
    family_name: str | None = None
    additional_names: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    photo: str | None = None  # as ContactInput.photo; "" removes it
    remove_websites: list[str] = field(default_factory=list)  # a label or the address
