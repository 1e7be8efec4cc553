"""Read contact spreadsheets (Google, Outlook, HubSpot or any CSV) and write pocketcrm's own.

Every flavour is a table whose header names the columns, so each column is classified once
into a target (a draft field, or one part of an email/phone/address "slot") and every row is
then read the same way. Rows stream one at a time; row-level trouble becomes draft.problems.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)
from pocketcrm.core.transfer.vocabulary import canonical_label, display_name_for, normalize_date

__all__ = [
    "CSV_COLUMNS",
    "CSV_FORMATS",
    "MAP_FIELDS",
    "MULTI_SEPARATOR",
    "detect_format",
    "read_csv",
    "sanitize_cell",
    "write_csv",
]

CSV_FORMATS = ("google", "outlook", "hubspot", "generic")

# The columns write_csv produces, in order. Several emails, phones, addresses or websites
# share one cell joined by " ::: " (Google's convention); a label starting with "* " marks the
# primary one. Custom fields and external ids are JSON objects so any key survives.
CSV_COLUMNS: tuple[str, ...] = (
    "Name",
    "Prefix",
    "Given Name",
    "Additional Names",
    "Family Name",
    "Suffix",
    "Nickname",
    "Company",
    "Department",
    "Title",
    "Is Company",
    "Email",
    "Email Label",
    "Phone",
    "Phone Label",
    "Phone Extension",
    "Street",
    "Extended Address",
    "PO Box",
    "City",
    "Region",
    "Postcode",
    "Country",
    "Address Label",
    "Website",
    "Website Label",
    "Birthday",
    "Anniversary",
    "Tags",
    "Stage",
    "Notes",
    "Email Opt Out",
    "Do Not Contact",
    "Photo",
    "External IDs",
    "Custom",
)

MULTI_SEPARATOR = " ::: "
_MULTI_SPLIT = re.compile(r"\s*:::\s*")
_FIELD_LIMIT = 64 * 1024 * 1024  # inline photos make cells far larger than csv's 128 KiB default


# --------------------------------------------------------------------------------------------
# Column targets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """What one column feeds.

    kind: attr (a text field), date, tags, stage, flag, email, phone, address, website, pair
    (Google "Custom Field n" label/value), external, external_json, custom, custom_json, ignore.
    Multi-part kinds group columns by slot; part says which piece this column is.
    """

    kind: str
    part: str = ""
    slot: str = ""
    label: str = ""
    primary: bool = False
    separator: str = ""  # a second separator for multi-value cells (HubSpot uses ";")


def _attr(name: str) -> _Target:
    return _Target("attr", name)


_IGNORE = _Target("ignore")


def _normalize(header: str) -> str:
    """'E-mail 1 - Value' -> 'e mail 1 value': compare headers without punctuation or case."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


_ATTR_NAMES = {
    "display_name": "display_name",
    "given_name": "given_name",
    "additional_names": "additional_names",
    "family_name": "family_name",
    "prefix": "prefix",
    "suffix": "suffix",
    "nickname": "nickname",
    "company": "company",
    "department": "department",
    "title": "title",
    "notes": "notes",
    "photo": "photo",
}

# Field names accepted by --map "Column=field".
_FIELD_TARGETS: dict[str, _Target] = {
    **{name: _attr(attr) for name, attr in _ATTR_NAMES.items()},
    "email": _Target("email", "value"),
    "email_label": _Target("email", "label"),
    "phone": _Target("phone", "value"),
    "phone_label": _Target("phone", "label"),
    "phone_extension": _Target("phone", "extension"),
    "mobile": _Target("phone", "value", "mobile", "mobile"),
    "street": _Target("address", "street"),
    "extended": _Target("address", "extended"),
    "po_box": _Target("address", "po_box"),
    "city": _Target("address", "city"),
    "region": _Target("address", "region"),
    "postcode": _Target("address", "postcode"),
    "country": _Target("address", "country"),
    "address_label": _Target("address", "label"),
    "website": _Target("website", "value"),
    "website_label": _Target("website", "label"),
    "birthday": _Target("date", "birthday"),
    "anniversary": _Target("date", "anniversary"),
    "tags": _Target("tags"),
    "stage": _Target("stage"),
    "email_opt_out": _Target("flag", "email_opt_out"),
    "do_not_contact": _Target("flag", "do_not_contact"),
    "is_company": _Target("flag", "is_company"),
    "external_ids": _Target("external_json"),
    "custom": _Target("custom"),
    "ignore": _IGNORE,
}
MAP_FIELDS: tuple[str, ...] = tuple(_FIELD_TARGETS)


def _synonyms(target: _Target, *names: str) -> dict[str, _Target]:
    return dict.fromkeys(names, target)


_GENERIC: dict[str, _Target] = {
    **_synonyms(
        _attr("display_name"), "name", "full name", "display name", "contact name", "contact"
    ),
    **_synonyms(_attr("given_name"), "first name", "given name", "first", "firstname", "forename"),
    **_synonyms(
        _attr("additional_names"), "middle name", "middle", "additional names", "additional name"
    ),
    **_synonyms(_attr("family_name"), "last name", "surname", "family name", "last", "lastname"),
    **_synonyms(_attr("prefix"), "prefix", "name prefix", "salutation", "honorific"),
    **_synonyms(_attr("suffix"), "suffix", "name suffix"),
    **_synonyms(_attr("nickname"), "nickname", "nick name", "nick"),
    **_synonyms(
        _attr("company"),
        "company",
        "company name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "org",
        "employer",
    ),
    **_synonyms(_attr("department"), "department", "dept"),
    **_synonyms(_attr("title"), "title", "job title", "position", "job", "role"),
    **_synonyms(
        _Target("email", "value"),
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "emails",
    ),
    **_synonyms(_Target("email", "label"), "email label", "email type", "e mail label"),
    **_synonyms(
        _Target("email", "value", "work", "work"), "work email", "business email", "office email"
    ),
    **_synonyms(
        _Target("email", "value", "home", "home"), "home email", "personal email", "private email"
    ),
    **_synonyms(
        _Target("phone", "value"),
        "phone",
        "telephone",
        "tel",
        "phone number",
        "telephone number",
        "phones",
    ),
    **_synonyms(_Target("phone", "label"), "phone label", "phone type"),
    **_synonyms(_Target("phone", "extension"), "phone extension", "extension", "ext"),
    **_synonyms(
        _Target("phone", "value", "mobile", "mobile"),
        "mobile",
        "cell",
        "mobile phone",
        "cell phone",
        "cellphone",
        "mobile number",
        "handy",
    ),
    **_synonyms(
        _Target("phone", "value", "work", "work"), "work phone", "business phone", "office phone"
    ),
    **_synonyms(_Target("phone", "value", "home", "home"), "home phone", "private phone"),
    **_synonyms(
        _Target("address", "street"),
        "street",
        "address",
        "street address",
        "address 1",
        "address line 1",
        "addr",
    ),
    **_synonyms(_Target("address", "extended"), "address 2", "address line 2", "extended address"),
    **_synonyms(_Target("address", "po_box"), "po box", "p o box", "post office box"),
    **_synonyms(_Target("address", "city"), "city", "town", "locality"),
    **_synonyms(_Target("address", "region"), "state", "region", "province", "state region"),
    **_synonyms(
        _Target("address", "postcode"),
        "zip",
        "zip code",
        "zipcode",
        "postcode",
        "post code",
        "postal code",
        "zip postal code",
    ),
    **_synonyms(_Target("address", "country"), "country", "country region"),
    **_synonyms(_Target("address", "label"), "address label", "address type"),
    **_synonyms(
        _Target("website", "value"),
        "website",
        "url",
        "web",
        "web page",
        "web site",
        "homepage",
        "home page",
        "website url",
    ),
    **_synonyms(_Target("website", "label"), "website label"),
    **_synonyms(
        _Target("date", "birthday"),
        "birthday",
        "birth date",
        "birthdate",
        "date of birth",
        "dob",
        "bday",
    ),
    **_synonyms(_Target("date", "anniversary"), "anniversary"),
    **_synonyms(
        _Target("tags"),
        "tags",
        "tag",
        "labels",
        "label",
        "categories",
        "category",
        "groups",
        "group",
    ),
    **_synonyms(_attr("notes"), "notes", "note", "comments", "comment", "description"),
    **_synonyms(_Target("stage"), "stage", "lifecycle stage", "pipeline stage"),
    **_synonyms(_attr("photo"), "photo", "picture", "avatar", "image", "photo url"),
    **_synonyms(
        _Target("flag", "email_opt_out"), "email opt out", "opt out", "unsubscribed", "opted out"
    ),
    **_synonyms(_Target("flag", "do_not_contact"), "do not contact", "dnc"),
    **_synonyms(_Target("flag", "is_company"), "is company", "is organization", "is organisation"),
    **_synonyms(_Target("external_json"), "external ids"),
    **_synonyms(_Target("custom_json"), "custom", "custom fields"),
}

_GOOGLE_SIMPLE: dict[str, _Target] = {
    "name": _attr("display_name"),
    "first name": _attr("given_name"),
    "given name": _attr("given_name"),
    "middle name": _attr("additional_names"),
    "additional name": _attr("additional_names"),
    "last name": _attr("family_name"),
    "family name": _attr("family_name"),
    "name prefix": _attr("prefix"),
    "name suffix": _attr("suffix"),
    "nickname": _attr("nickname"),
    "organization name": _attr("company"),
    "organization title": _attr("title"),
    "organization department": _attr("department"),
    "birthday": _Target("date", "birthday"),
    "notes": _attr("notes"),
    "photo": _attr("photo"),
    "labels": _Target("tags"),
    "group membership": _Target("tags"),
    "resource name": _Target("external", "google"),
    "google id": _Target("external", "google"),
    "contact id": _Target("external", "google"),
}
_GOOGLE_ITEM = re.compile(r"(e mail|email|phone|website) (\d+) (label|type|value)")
_GOOGLE_PAIR = re.compile(r"(event|custom field|relation) (\d+) (label|type|value)")
_GOOGLE_ADDRESS = re.compile(
    r"address (\d+) (label|type|formatted|street|city|po box|region|postal code|country"
    r"|extended address)"
)
_GOOGLE_NUMBERED = re.compile(r"(e-mail|email|phone|address|website|organization) \d+ - ")
_GOOGLE_ORG = re.compile(r"organization (\d+) (name|title|department)")
_ADDRESS_PARTS = {
    "type": "label",
    "label": "label",
    "formatted": "formatted",
    "street": "street",
    "street 2": "street2",
    "street 3": "street3",
    "city": "city",
    "po box": "po_box",
    "region": "region",
    "state": "region",
    "postal code": "postcode",
    "country": "country",
    "country region": "country",
    "extended address": "extended",
}


def _google_target(norm: str) -> _Target | None:
    if norm in _GOOGLE_SIMPLE:
        return _GOOGLE_SIMPLE[norm]
    match = _GOOGLE_ITEM.fullmatch(norm)
    if match:
        kind = "email" if match.group(1) in ("e mail", "email") else match.group(1)
        part = "value" if match.group(3) == "value" else "label"
        return _Target(kind, part, f"{kind} {match.group(2)}")
    match = _GOOGLE_PAIR.fullmatch(norm)
    if match:
        part = "value" if match.group(3) == "value" else "label"
        return _Target("pair", part, f"{match.group(1).title()} {match.group(2)}", match.group(1))
    match = _GOOGLE_ADDRESS.fullmatch(norm)
    if match:
        return _Target("address", _ADDRESS_PARTS[match.group(2)], f"address {match.group(1)}")
    match = _GOOGLE_ORG.fullmatch(norm)
    if match and match.group(1) == "1":
        return _attr({"name": "company", "title": "title", "department": "department"}[match[2]])
    return None


_OUTLOOK_SIMPLE: dict[str, _Target] = {
    "title": _attr("prefix"),
    "first name": _attr("given_name"),
    "middle name": _attr("additional_names"),
    "last name": _attr("family_name"),
    "suffix": _attr("suffix"),
    "nickname": _attr("nickname"),
    "company": _attr("company"),
    "department": _attr("department"),
    "job title": _attr("title"),
    "birthday": _Target("date", "birthday"),
    "anniversary": _Target("date", "anniversary"),
    "notes": _attr("notes"),
    "categories": _Target("tags"),
    "web page": _Target("website", "value", "web page"),
    "e mail address": _Target("email", "value", "email 1"),
    "e mail 2 address": _Target("email", "value", "email 2"),
    "e mail 3 address": _Target("email", "value", "email 3"),
}
_OUTLOOK_PHONES = {
    "business phone": "work",
    "business phone 2": "work",
    "home phone": "home",
    "home phone 2": "home",
    "mobile phone": "mobile",
    "other phone": "other",
    "pager": "pager",
    "company main phone": "main",
    "primary phone": "",
    "assistant s phone": "assistant",
    "callback": "callback",
    "car phone": "car",
    "isdn": "isdn",
    "radio phone": "radio",
    "tty tdd phone": "tty",
    "telex": "telex",
}
_OUTLOOK_ADDRESS = re.compile(
    r"(business|home|other) (street|street 2|street 3|city|state|postal code|country region"
    r"|country|po box)"
)
_OUTLOOK_IGNORED = re.compile(r"e mail( \d)? (type|display name)")
# Outlook fills these on every row; as custom fields they would be pure noise.
_OUTLOOK_DEFAULTS = {
    "gender": "unspecified",
    "priority": "normal",
    "sensitivity": "normal",
    "private": "false",
}


def _outlook_target(norm: str) -> _Target | None:
    if norm in _OUTLOOK_SIMPLE:
        return _OUTLOOK_SIMPLE[norm]
    if norm in _OUTLOOK_PHONES:
        label = _OUTLOOK_PHONES[norm]
        return _Target("phone", "value", norm, label, primary=norm == "primary phone")
    match = _OUTLOOK_ADDRESS.fullmatch(norm)
    if match:
        where = match.group(1)
        label = "work" if where == "business" else where
        return _Target("address", _ADDRESS_PARTS[match.group(2)], where, label)
    if _OUTLOOK_IGNORED.fullmatch(norm):
        return _IGNORE
    return None  # faxes included: they are not numbers to call, so they stay custom fields


_HUBSPOT: dict[str, _Target] = {
    "record id": _Target("external", "hubspot"),
    "contact id": _Target("external", "hubspot"),
    "hubspot id": _Target("external", "hubspot"),
    "first name": _attr("given_name"),
    "last name": _attr("family_name"),
    "email": _Target("email", "value", "email"),
    "additional email addresses": _Target("email", "value", "more emails", separator=";"),
    "phone number": _Target("phone", "value", "phone"),
    "mobile phone number": _Target("phone", "value", "mobile", "mobile"),
    "company name": _attr("company"),
    "company": _attr("company"),
    "job title": _attr("title"),
    "lifecycle stage": _Target("stage", "hubspot"),
    "contact owner": _Target("custom", "owner"),
    "hubspot owner": _Target("custom", "owner"),
    "unsubscribed from all email": _Target("flag", "email_opt_out"),
    "opted out of all email": _Target("flag", "email_opt_out"),
    "street address": _Target("address", "street", "address"),
    "city": _Target("address", "city", "address"),
    "state region": _Target("address", "region", "address"),
    "state": _Target("address", "region", "address"),
    "postal code": _Target("address", "postcode", "address"),
    "zip": _Target("address", "postcode", "address"),
    "country region": _Target("address", "country", "address"),
    "country": _Target("address", "country", "address"),
    "website url": _Target("website", "value", "website"),
    "website": _Target("website", "value", "website"),
}
_HUBSPOT_STAGES = {
    "subscriber": "lead",
    "lead": "lead",
    "marketingqualifiedlead": "lead",
    "salesqualifiedlead": "lead",
    "opportunity": "prospect",
    "customer": "customer",
    "evangelist": "customer",
}


def _target_for(fmt: str, norm: str) -> _Target | None:
    if fmt == "google":
        return _google_target(norm)
    if fmt == "outlook":
        return _outlook_target(norm)
    if fmt == "hubspot":
        return _HUBSPOT.get(norm)
    return _GENERIC.get(norm)


# --------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------


def detect_format(header: list[str]) -> str:
    """Name the exporter of a CSV from its header row: google, outlook, hubspot or generic."""
    names = {_normalize(name) for name in header}
    # Google numbers its repeated columns "E-mail 1 - Value"; Outlook writes "E-mail 2 Type".
    google_items = any(_GOOGLE_NUMBERED.match(name.strip().lower()) for name in header)
    if "group membership" in names or (
        google_items and names & {"labels", "first name", "given name", "organization name"}
    ):
        return "google"
    hubspot_marks = {
        "lifecycle stage",
        "lead status",
        "contact owner",
        "hubspot owner",
        "unsubscribed from all email",
        "opted out of all email",
        "create date",
        "became a lead date",
    }
    if "record id" in names or len(names & hubspot_marks) >= 2:
        return "hubspot"
    outlook_marks = {
        "business phone",
        "mobile phone",
        "home phone",
        "job title",
        "business street",
        "e mail 2 address",
        "business fax",
        "e mail display name",
    }
    if "e mail address" in names and names & outlook_marks:
        return "outlook"
    return "generic"


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _resolve_field(name: str) -> _Target | None:
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    if key in _FIELD_TARGETS:
        return _FIELD_TARGETS[key]
    return _GENERIC.get(_normalize(name))  # "first name", "mobile", "zip" work too


def _plan(fmt: str, header: list[str], mapping: dict[str, str] | None) -> list[_Target | None]:
    """Classify every column once; --map entries override, clashing slots get their own."""
    plan = [_target_for(fmt, _normalize(name)) for name in header]
    for column, field_name in (mapping or {}).items():
        if column in header:
            index = header.index(column)
        else:
            folded = [name.casefold() for name in header]
            if column.strip().casefold() not in folded:
                raise Invalid(
                    "map",
                    f"no column named {column!r}; the file's columns are: " + ", ".join(header),
                )
            index = folded.index(column.strip().casefold())
        target = _resolve_field(field_name)
        if target is None:
            raise Invalid(
                "map",
                f"unknown field {field_name!r} for column {column!r}; valid fields: "
                + ", ".join(MAP_FIELDS),
            )
        if target.kind == "custom":
            target = _Target("custom", header[index] or f"column {index + 1}")
        plan[index] = target
    seen: set[tuple[str, str, str]] = set()
    for index, target in enumerate(plan):
        if target is None or target.kind not in ("email", "phone", "address", "website"):
            continue
        key = (target.kind, target.slot, target.part)
        if key in seen:
            target = _Target(target.kind, target.part, f"column {index + 1}", target.label)
            plan[index] = target
            key = (target.kind, target.slot, target.part)
        seen.add(key)
    return plan


def _sniff_delimiter(line: str) -> str:
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda key: counts[key])
    return best if counts[best] else ","


def _split_multi(cell: str, separator: str = "") -> list[str]:
    if ":::" not in cell and not separator:
        return [cell.strip()]  # the common case, without a regex
    pieces = _MULTI_SPLIT.split(cell)
    if separator:
        pieces = [part for piece in pieces for part in piece.split(separator)]
    return [piece.strip() for piece in pieces]


_ASCII_THREE_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){3}")


def _three_digits(value: str) -> bool:
    """Whether VALUE has at least three digits (str.isdigit); one regex for ASCII text."""
    if value.isascii():
        return _ASCII_THREE_DIGITS.match(value) is not None
    return sum(char.isdigit() for char in value) >= 3


_TRUE = {"yes", "y", "true", "t", "1", "x"}
_FALSE = {"", "no", "n", "false", "f", "0"}
_GOOGLE_SYSTEM_GROUPS = {"mycontacts", "my contacts", "starred", "starred in android"}
_SLASH_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})[/.](\d{2}|\d{4})")
_ZERO_DATE = re.compile(r"[0\W_]*")


_SLOT_KINDS = frozenset(("email", "phone", "address", "website", "pair"))
_canonical_label = functools.lru_cache(maxsize=4096)(canonical_label)  # few distinct labels


class _Layout:
    """The column plan worked out once per header, so each row is one pass over its cells:
    column names, targets, the Outlook default a column may hold, and the email, phone,
    address, website and pair slots in the order their first column comes."""

    def __init__(self, header: list[str], plan: list[_Target | None]) -> None:
        self.columns = [name or f"column {index + 1}" for index, name in enumerate(header)]
        self.targets = list(plan) + [None] * (len(header) - len(plan))
        self.defaults = [
            _OUTLOOK_DEFAULTS.get(_normalize(column)) if target is None else None
            for column, target in zip(self.columns, self.targets, strict=True)
        ]
        self.slot_keys: list[tuple[str, str] | None] = []
        self.slots: dict[tuple[str, str], list[tuple[int, _Target]]] = {}
        for index, target in enumerate(self.targets):
            if target is not None and target.kind in _SLOT_KINDS:
                key = (target.kind, target.slot)
                self.slot_keys.append(key)
                self.slots.setdefault(key, []).append((index, target))
            else:
                self.slot_keys.append(None)
        # Each slot's target when the row reaches all its columns (nearly every row): the
        # value column's, else the first column's. build_items works it out for short rows.
        self.full: dict[tuple[str, str], tuple[int, _Target]] = {}
        for key, members in self.slots.items():
            values = [member for _, member in members if member.part == "value"]
            self.full[key] = (members[-1][0], values[-1] if values else members[0][1])


class _RowReader:
    """Reads one data row into a draft; knows the format only where formats differ."""

    def __init__(self, fmt: str, row_no: int) -> None:
        self.fmt = fmt
        self.row_no = row_no
        self.draft = ContactDraft(line=row_no, source=fmt)

    def note(self, message: str) -> None:
        self.draft.problems.append(f"row {self.row_no}: {message}")

    def add_custom(self, key: str, value: str) -> None:
        custom = self.draft.custom
        custom[key] = f"{custom[key]}\n{value}" if custom.get(key) else value

    def read(self, layout: _Layout, row: list[str]) -> ContactDraft:
        columns, targets, slot_keys = layout.columns, layout.targets, layout.slot_keys
        known = len(columns)
        parts: dict[tuple[str, str], dict[str, str]] = {}
        for index, cell in enumerate(row):
            value = cell.strip()
            if not value:
                continue  # an empty cell feeds nothing, whatever its column
            if index >= known:
                self.add_custom(f"column {index + 1}", value)
                continue
            target = targets[index]
            if target is None:
                if layout.defaults[index] != value.lower():
                    self.add_custom(columns[index], value)
                continue
            key = slot_keys[index]
            if key is not None:
                found = parts.get(key)
                if found is None:
                    parts[key] = {target.part: cell}
                else:
                    found[target.part] = cell
                continue
            kind = target.kind
            if kind == "attr":
                current = getattr(self.draft, target.part)
                if not current:
                    setattr(self.draft, target.part, value)
                elif current != value:
                    self.add_custom(columns[index], value)
            elif kind != "ignore":
                self.take(columns[index], target, value)
        if parts:
            self.build_items(layout, parts, len(row))
        self.finish()
        return self.draft

    def take(self, column: str, target: _Target, value: str) -> None:
        """A non-empty, stripped cell of a column that is not an email/phone/address slot."""
        kind = target.kind
        if kind == "date":
            self.take_date(column, target.part, value)
        elif kind == "tags":
            self.take_tags(value)
        elif kind == "stage":
            self.take_stage(column, target.part, value)
        elif kind == "flag":
            self.take_flag(column, target.part, value)
        elif kind == "external":
            self.draft.external_ids.setdefault(target.part, value)
        elif kind == "custom":
            self.add_custom(target.part, value)
        elif kind in ("custom_json", "external_json"):
            self.take_json(column, kind, value)

    def take_date(self, column: str, attr: str, value: str) -> None:
        if _ZERO_DATE.fullmatch(value):
            return  # Outlook's 0/0/00, Google's 0000-00-00: no date was ever entered
        parsed, reason = _parse_date(value, self.fmt)
        if parsed is None:
            self.note(f"{attr} {value!r} {reason}; kept in custom field {column!r}")
            self.add_custom(column, value)
        elif getattr(self.draft, attr) and getattr(self.draft, attr) != parsed:
            self.add_custom(column, value)
        else:
            setattr(self.draft, attr, parsed)

    def take_tags(self, value: str) -> None:
        if self.fmt == "google":
            pieces = _split_multi(value)
            pieces = [
                piece
                for piece in pieces
                if not piece.startswith("*")
                and not piece.lower().startswith("system group:")
                and piece.lower() not in _GOOGLE_SYSTEM_GROUPS
            ]
        elif self.fmt == "outlook":
            pieces = [piece.strip() for piece in value.split(";")]
        elif ":::" in value:
            pieces = _split_multi(value)
        else:
            pieces = [piece.strip() for piece in re.split(r"[,;]", value)]
        for tag in pieces:
            if tag and tag not in self.draft.tags:
                self.draft.tags.append(tag)

    def take_stage(self, column: str, flavour: str, value: str) -> None:
        if flavour == "hubspot":
            stage = _HUBSPOT_STAGES.get(re.sub(r"[^a-z]", "", value.lower()), "")
            if not stage:
                self.add_custom(column, value)
                return
        else:
            stage = re.sub(r"[\s-]+", "_", value.lower())
        if not self.draft.stage:
            self.draft.stage = stage

    def take_flag(self, column: str, attr: str, value: str) -> None:
        lowered = value.lower()
        if lowered in _TRUE:
            setattr(self.draft, attr, True)
        elif lowered not in _FALSE:
            self.note(f"{column} {value!r} is not yes or no; kept in custom field {column!r}")
            self.add_custom(column, value)

    def take_json(self, column: str, kind: str, value: str) -> None:
        parsed: object = None
        if value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
        if not isinstance(parsed, dict) or not all(
            isinstance(v, str) and isinstance(k, str) for k, v in parsed.items()
        ):
            if kind == "external_json":
                self.note(f"{column} is not a JSON object of ids; kept in custom field {column!r}")
            self.add_custom(column, value)
            return
        target = self.draft.external_ids if kind == "external_json" else self.draft.custom
        for key, item in parsed.items():
            target.setdefault(key, item)

    # -- emails, phones, addresses, websites -------------------------------------------------

    def build_items(
        self, layout: _Layout, parts: dict[tuple[str, str], dict[str, str]], width: int
    ) -> None:
        for key, members in layout.slots.items():
            found = parts.get(key)
            if found is None:
                continue
            # The slot's target: its value column's (the last one the row reaches), else the
            # first of its columns the row reaches.
            last, full = layout.full[key]
            target: _Target | None = full
            if last >= width:
                target = None
                for index, member in members:
                    if index >= width:
                        break
                    if member.part == "value" or target is None:
                        target = member
            if target is None:
                continue
            kind, name = key
            if kind == "address":
                self.build_addresses(found, target)
            elif kind == "pair":
                self.build_pair(name, found, target)
            else:
                self.build_values(kind, found, target)

    def build_values(self, kind: str, parts: dict[str, str], target: _Target) -> None:
        values = _split_multi(parts.get("value", ""), target.separator)
        labels = _labels_for(values, parts.get("label", ""), target)
        extensions = _split_multi(parts["extension"]) if "extension" in parts else []
        for index, value in enumerate(values):
            if not value:
                continue
            label, primary = labels[index]
            if kind == "email":
                if "@" not in value:
                    self.note(f"email {value!r} has no @")
                self.draft.emails.append(EmailDraft(address=value, label=label, primary=primary))
            elif kind == "phone":
                if not _three_digits(value):
                    self.note(f"phone {value!r} is not a number")
                extension = extensions[index] if index < len(extensions) else ""
                self.draft.phones.append(
                    PhoneDraft(number=value, label=label, primary=primary, extension=extension)
                )
            else:
                self.draft.websites.append(WebsiteDraft(url=value, label=label))

    def build_addresses(self, parts: dict[str, str], target: _Target) -> None:
        split = {part: _split_multi(cell) for part, cell in parts.items()}
        count = max((len(pieces) for name, pieces in split.items() if name != "label"), default=0)
        labels = _labels_cached(count, parts.get("label", ""), target)
        empty: list[str] = []
        streets = [split.get(name, empty) for name in ("street", "street2", "street3")]
        city, region, postcode, country, po_box, extended = (
            split.get(name, empty)
            for name in ("city", "region", "postcode", "country", "po_box", "extended")
        )
        for index in range(count):
            street = "\n".join(
                pieces[index] for pieces in streets if index < len(pieces) and pieces[index]
            )
            address = AddressDraft(
                label=labels[index][0],
                street=street,
                city=city[index] if index < len(city) else "",
                region=region[index] if index < len(region) else "",
                postcode=postcode[index] if index < len(postcode) else "",
                country=country[index] if index < len(country) else "",
                po_box=po_box[index] if index < len(po_box) else "",
                extended=extended[index] if index < len(extended) else "",
            )
            fields = (street, address.city, address.region, address.postcode, address.country)
            if not any(fields) and not address.po_box and not address.extended:
                # Only Google's one-line "Formatted" address was filled in: keep it as the street.
                formatted = split.get("formatted", empty)
                address.street = formatted[index] if index < len(formatted) else ""
            if any(fields) or address.street or address.po_box or address.extended:
                self.draft.addresses.append(address)

    def build_pair(self, slot: str, parts: dict[str, str], target: _Target) -> None:
        value = parts.get("value", "").strip()
        if not value:
            return
        label = parts.get("label", "").strip()
        if target.label == "event" and canonical_label(label) in ("anniversary", "birthday"):
            attr = "anniversary" if canonical_label(label) == "anniversary" else "birthday"
            self.take_date(f"{slot} - Value", attr, value)
            return
        self.add_custom(label or slot, value)

    def finish(self) -> None:
        draft = self.draft
        if not draft.display_name:
            person = (
                draft.given_name,
                draft.family_name,
                draft.additional_names,
                draft.prefix,
                draft.suffix,
                draft.nickname,
            )
            if not any(person) and draft.company:
                draft.is_company = True
                draft.display_name = draft.company
            else:
                draft.display_name = display_name_for(draft)
        if not draft.display_name:
            self.note("no name, company, email or phone")


def _labels_for(values: list[str], cell: str, target: _Target) -> tuple[tuple[str, bool], ...]:
    """Pair labels with values: one label per value, or Google's one label for the whole cell.

    A label starting with "*" marks the primary; a shared "* Work" makes only the first primary.
    """
    return _labels_cached(len(values), cell, target)


@functools.lru_cache(maxsize=4096)  # label cells repeat ("Work", "* Mobile"): few distinct
def _labels_cached(count: int, cell: str, target: _Target) -> tuple[tuple[str, bool], ...]:
    return tuple(_labels_uncached(count, cell, target))


def _labels_uncached(count: int, cell: str, target: _Target) -> list[tuple[str, bool]]:
    pieces = _split_multi(cell) if cell.strip() else []
    if not pieces:
        default = (target.label, target.primary)
        return [default] + [(target.label, False)] * max(count - 1, 0)

    def parse(piece: str) -> tuple[str, bool]:
        if piece.startswith("*"):
            return _canonical_label(piece[1:]), True
        return _canonical_label(piece), False

    if len(pieces) == 1 and count > 1:
        label, primary = parse(pieces[0])
        return [(label, primary)] + [(label, False)] * (count - 1)
    parsed = [parse(piece) for piece in pieces]
    return parsed + [("", False)] * max(count - len(parsed), 0)


def _parse_date(value: str, fmt: str) -> tuple[str | None, str]:
    """Return (date or None, why not). Slash dates are month first, as Outlook writes them."""
    parsed = normalize_date(value)
    if parsed is not None:
        return parsed, ""
    match = _SLASH_DATE.fullmatch(value)
    if match is None:
        return None, "is not a date"
    first, separator, second, year = match.groups()
    if len(year) == 2:
        return None, "has a two-digit year"
    a, b = int(first), int(second)
    if separator == "." or a > 12:  # 17.05.1980 is day first wherever it is written
        day, month = a, b
    elif b > 12 or a == b or fmt == "outlook":
        month, day = a, b
    else:
        return None, "could be day/month or month/day; write it as YYYY-MM-DD"
    return normalize_date(f"{year}-{month:02d}-{day:02d}"), "is not a date"


def read_csv(
    stream: TextIO, fmt: str | None = None, mapping: dict[str, str] | None = None
) -> Iterator[ContactDraft]:
    """Read contacts row by row. fmt None detects the format from the header.

    The header is read (and fmt and mapping checked) at call time, so a wrong file fails
    before anything is imported; rows are read lazily as the result is iterated.
    """
    if fmt is not None and fmt not in CSV_FORMATS:
        raise Invalid("format", f"unknown CSV format {fmt!r}; use one of {', '.join(CSV_FORMATS)}")
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    first = stream.readline()
    while first and not first.strip():
        first = stream.readline()
    if not first:
        raise Invalid("file", "the CSV file is empty; it needs a header row naming the columns")
    reader = csv.reader(itertools.chain([first], stream), delimiter=_sniff_delimiter(first))
    try:
        header = [name.strip().lstrip("\ufeff").strip() for name in next(reader)]
    except csv.Error as error:
        raise Invalid("file", f"the header row is not valid CSV ({error})") from None
    chosen = fmt or detect_format(header)
    plan = _plan(chosen, header, mapping)
    return _read_rows(reader, header, plan, chosen)


def _read_rows(
    reader: Iterator[list[str]], header: list[str], plan: list[_Target | None], fmt: str
) -> Iterator[ContactDraft]:
    layout = _Layout(header, plan)
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise Invalid(
                "file", f"row {row_no + 1} is not valid CSV ({error}); check its quotes"
            ) from None
        row_no += 1
        if not any(cell.strip() for cell in row):
            continue
        yield _RowReader(fmt, row_no).read(layout, row)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@")
_PHONE_LIKE = re.compile(r"\s*\+?[\d\s().-]+(?:\s*:::\s*\+?[\d\s().-]+)*\s*")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def sanitize_cell(value: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection).

    Every line that starts (after spaces) with = + - @, or starts with a tab, gets a leading
    apostrophe, which spreadsheets show as text. Lines that are only a phone number such as
    "+44 20 7946 0958" (or a list of them) are left alone: digits alone cannot do harm.
    """
    pieces = _LINE_BREAK.split(value)
    for index in range(0, len(pieces), 2):
        line = pieces[index]
        if not line:
            continue
        risky = line[0] == "\t" or line.lstrip()[:1] in _FORMULA_START
        if risky and not _PHONE_LIKE.fullmatch(line):
            pieces[index] = "'" + line
    return "".join(pieces)


def _join(values: list[str]) -> str:
    return MULTI_SEPARATOR.join(values) if any(values) else ""


def _label_cell(labels: list[tuple[str, bool]]) -> str:
    return _join([f"* {label}".strip() if primary else label for label, primary in labels])


def _tags_cell(tags: list[str]) -> str:
    """Comma-separated for people; with " ::: " (trailing for a lone tag) if a tag has , or ;."""
    tags = [tag for tag in tags if tag]
    if not any("," in tag or ";" in tag for tag in tags):
        return ", ".join(tags)
    joined = MULTI_SEPARATOR.join(tags)
    return joined + MULTI_SEPARATOR.rstrip() if len(tags) == 1 else joined


def _row(draft: ContactDraft) -> list[str]:
    addresses = draft.addresses
    cells = {
        "Name": draft.display_name,
        "Prefix": draft.prefix,
        "Given Name": draft.given_name,
        "Additional Names": draft.additional_names,
        "Family Name": draft.family_name,
        "Suffix": draft.suffix,
        "Nickname": draft.nickname,
        "Company": draft.company,
        "Department": draft.department,
        "Title": draft.title,
        "Is Company": "yes" if draft.is_company else "",
        "Email": _join([email.address for email in draft.emails]),
        "Email Label": _label_cell([(email.label, email.primary) for email in draft.emails]),
        "Phone": _join([phone.number for phone in draft.phones]),
        "Phone Label": _label_cell([(phone.label, phone.primary) for phone in draft.phones]),
        "Phone Extension": _join([phone.extension for phone in draft.phones]),
        "Street": _join([address.street for address in addresses]),
        "Extended Address": _join([address.extended for address in addresses]),
        "PO Box": _join([address.po_box for address in addresses]),
        "City": _join([address.city for address in addresses]),
        "Region": _join([address.region for address in addresses]),
        "Postcode": _join([address.postcode for address in addresses]),
        "Country": _join([address.country for address in addresses]),
        "Address Label": _join([address.label for address in addresses]),
        "Website": _join([site.url for site in draft.websites]),
        "Website Label": _join([site.label for site in draft.websites]),
        "Birthday": draft.birthday,
        "Anniversary": draft.anniversary,
        "Tags": _tags_cell(draft.tags),
        "Stage": draft.stage,
        "Notes": draft.notes,
        "Email Opt Out": "yes" if draft.email_opt_out else "",
        "Do Not Contact": "yes" if draft.do_not_contact else "",
        "Photo": draft.photo,
        "External IDs": json.dumps(draft.external_ids, ensure_ascii=False)
        if draft.external_ids
        else "",
        "Custom": json.dumps(draft.custom, ensure_ascii=False) if draft.custom else "",
    }
    return [cells[column] for column in CSV_COLUMNS]


def write_csv(drafts: Iterable[ContactDraft], stream: TextIO, *, raw: bool = False) -> int:
    """Write a header and one row per draft; return the number of rows.

    By default cells are passed through sanitize_cell so the file is safe to open in a
    spreadsheet; raw=True writes values exactly, for a lossless export to re-import.
    Open the stream with newline="" (and encoding="utf-8-sig" if Excel will open it).
    """
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for draft in drafts:
        row = _row(draft)
        writer.writerow(row if raw else [sanitize_cell(cell) for cell in row])
        count += 1
    return count
