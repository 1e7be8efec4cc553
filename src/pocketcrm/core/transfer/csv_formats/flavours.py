"""Other programs' contact spreadsheets: which exporter wrote a CSV, and what each column feeds.

Google, Outlook and HubSpot each name and number their columns their own way; every column is
classified once into a Target (a draft field, or one part of an email/phone/address "slot"),
so the reader then treats every flavour alike. --map "Column=field" names come from here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CSV_FORMATS",
    "HUBSPOT_STAGES",
    "MAP_FIELDS",
    "OUTLOOK_DEFAULTS",
    "Target",
    "detect_format",
    "normalize_header",
    "resolve_field",
    "target_for",
]

CSV_FORMATS = ("google", "outlook", "hubspot", "generic")


@dataclass(frozen=True)
class Target:
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


def _attr(name: str) -> Target:
    return Target("attr", name)


_IGNORE = Target("ignore")


def normalize_header(header: str) -> str:
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
_FIELD_TARGETS: dict[str, Target] = {
    **{name: _attr(attr) for name, attr in _ATTR_NAMES.items()},
    "email": Target("email", "value"),
    "email_label": Target("email", "label"),
    "phone": Target("phone", "value"),
    "phone_label": Target("phone", "label"),
    "phone_extension": Target("phone", "extension"),
    "mobile": Target("phone", "value", "mobile", "mobile"),
    "street": Target("address", "street"),
    "extended": Target("address", "extended"),
    "po_box": Target("address", "po_box"),
    "city": Target("address", "city"),
    "region": Target("address", "region"),
    "postcode": Target("address", "postcode"),
    "country": Target("address", "country"),
    "address_label": Target("address", "label"),
    "website": Target("website", "value"),
    "website_label": Target("website", "label"),
    "birthday": Target("date", "birthday"),
    "anniversary": Target("date", "anniversary"),
    "tags": Target("tags"),
    "stage": Target("stage"),
    "email_opt_out": Target("flag", "email_opt_out"),
    "do_not_contact": Target("flag", "do_not_contact"),
    "is_company": Target("flag", "is_company"),
    "external_ids": Target("external_json"),
    "custom": Target("custom"),
    "ignore": _IGNORE,
}
MAP_FIELDS: tuple[str, ...] = tuple(_FIELD_TARGETS)


def _synonyms(target: Target, *names: str) -> dict[str, Target]:
    return dict.fromkeys(names, target)


_GENERIC: dict[str, Target] = {
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
        Target("email", "value"),
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "emails",
    ),
    **_synonyms(Target("email", "label"), "email label", "email type", "e mail label"),
    **_synonyms(
        Target("email", "value", "work", "work"), "work email", "business email", "office email"
    ),
    **_synonyms(
        Target("email", "value", "home", "home"), "home email", "personal email", "private email"
    ),
    **_synonyms(
        Target("phone", "value"),
        "phone",
        "telephone",
        "tel",
        "phone number",
        "telephone number",
        "phones",
    ),
    **_synonyms(Target("phone", "label"), "phone label", "phone type"),
    **_synonyms(Target("phone", "extension"), "phone extension", "extension", "ext"),
    **_synonyms(
        Target("phone", "value", "mobile", "mobile"),
        "mobile",
        "cell",
        "mobile phone",
        "cell phone",
        "cellphone",
        "mobile number",
        "handy",
    ),
    **_synonyms(
        Target("phone", "value", "work", "work"), "work phone", "business phone", "office phone"
    ),
    **_synonyms(Target("phone", "value", "home", "home"), "home phone", "private phone"),
    **_synonyms(
        Target("address", "street"),
        "street",
        "address",
        "street address",
        "address 1",
        "address line 1",
        "addr",
    ),
    **_synonyms(Target("address", "extended"), "address 2", "address line 2", "extended address"),
    **_synonyms(Target("address", "po_box"), "po box", "p o box", "post office box"),
    **_synonyms(Target("address", "city"), "city", "town", "locality"),
    **_synonyms(Target("address", "region"), "state", "region", "province", "state region"),
    **_synonyms(
        Target("address", "postcode"),
        "zip",
        "zip code",
        "zipcode",
        "postcode",
        "post code",
        "postal code",
        "zip postal code",
    ),
    **_synonyms(Target("address", "country"), "country", "country region"),
    **_synonyms(Target("address", "label"), "address label", "address type"),
    **_synonyms(
        Target("website", "value"),
        "website",
        "url",
        "web",
        "web page",
        "web site",
        "homepage",
        "home page",
        "website url",
    ),
    **_synonyms(Target("website", "label"), "website label"),
    **_synonyms(
        Target("date", "birthday"),
        "birthday",
        "birth date",
        "birthdate",
        "date of birth",
        "dob",
        "bday",
    ),
    **_synonyms(Target("date", "anniversary"), "anniversary"),
    **_synonyms(
        Target("tags"),
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
    **_synonyms(Target("stage"), "stage", "lifecycle stage", "pipeline stage"),
    **_synonyms(_attr("photo"), "photo", "picture", "avatar", "image", "photo url"),
    **_synonyms(
        Target("flag", "email_opt_out"), "email opt out", "opt out", "unsubscribed", "opted out"
    ),
    **_synonyms(Target("flag", "do_not_contact"), "do not contact", "dnc"),
    **_synonyms(Target("flag", "is_company"), "is company", "is organization", "is organisation"),
    **_synonyms(Target("external_json"), "external ids"),
    **_synonyms(Target("custom_json"), "custom", "custom fields"),
}

_GOOGLE_SIMPLE: dict[str, Target] = {
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
    "birthday": Target("date", "birthday"),
    "notes": _attr("notes"),
    "photo": _attr("photo"),
    "labels": Target("tags"),
    "group membership": Target("tags"),
    "resource name": Target("external", "google"),
    "google id": Target("external", "google"),
    "contact id": Target("external", "google"),
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


def _google_target(norm: str) -> Target | None:
    if norm in _GOOGLE_SIMPLE:
        return _GOOGLE_SIMPLE[norm]
    match = _GOOGLE_ITEM.fullmatch(norm)
    if match:
        kind = "email" if match.group(1) in ("e mail", "email") else match.group(1)
        part = "value" if match.group(3) == "value" else "label"
        return Target(kind, part, f"{kind} {match.group(2)}")
    match = _GOOGLE_PAIR.fullmatch(norm)
    if match:
        part = "value" if match.group(3) == "value" else "label"
        return Target("pair", part, f"{match.group(1).title()} {match.group(2)}", match.group(1))
    match = _GOOGLE_ADDRESS.fullmatch(norm)
    if match:
        return Target("address", _ADDRESS_PARTS[match.group(2)], f"address {match.group(1)}")
    match = _GOOGLE_ORG.fullmatch(norm)
    if match and match.group(1) == "1":
        return _attr({"name": "company", "title": "title", "department": "department"}[match[2]])
    return None


_OUTLOOK_SIMPLE: dict[str, Target] = {
    "title": _attr("prefix"),
    "first name": _attr("given_name"),
    "middle name": _attr("additional_names"),
    "last name": _attr("family_name"),
    "suffix": _attr("suffix"),
    "nickname": _attr("nickname"),
    "company": _attr("company"),
    "department": _attr("department"),
    "job title": _attr("title"),
    "birthday": Target("date", "birthday"),
    "anniversary": Target("date", "anniversary"),
    "notes": _attr("notes"),
    "categories": Target("tags"),
    "web page": Target("website", "value", "web page"),
    "e mail address": Target("email", "value", "email 1"),
    "e mail 2 address": Target("email", "value", "email 2"),
    "e mail 3 address": Target("email", "value", "email 3"),
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
OUTLOOK_DEFAULTS = {
    "gender": "unspecified",
    "priority": "normal",
    "sensitivity": "normal",
    "private": "false",
}


def _outlook_target(norm: str) -> Target | None:
    if norm in _OUTLOOK_SIMPLE:
        return _OUTLOOK_SIMPLE[norm]
    if norm in _OUTLOOK_PHONES:
        label = _OUTLOOK_PHONES[norm]
        return Target("phone", "value", norm, label, primary=norm == "primary phone")
    match = _OUTLOOK_ADDRESS.fullmatch(norm)
    if match:
        where = match.group(1)
        label = "work" if where == "business" else where
        return Target("address", _ADDRESS_PARTS[match.group(2)], where, label)
    if _OUTLOOK_IGNORED.fullmatch(norm):
        return _IGNORE
    return None  # faxes included: they are not numbers to call, so they stay custom fields


_HUBSPOT: dict[str, Target] = {
    "record id": Target("external", "hubspot"),
    "contact id": Target("external", "hubspot"),
    "hubspot id": Target("external", "hubspot"),
    "first name": _attr("given_name"),
    "last name": _attr("family_name"),
    "email": Target("email", "value", "email"),
    "additional email addresses": Target("email", "value", "more emails", separator=";"),
    "phone number": Target("phone", "value", "phone"),
    "mobile phone number": Target("phone", "value", "mobile", "mobile"),
    "company name": _attr("company"),
    "company": _attr("company"),
    "job title": _attr("title"),
    "lifecycle stage": Target("stage", "hubspot"),
    "contact owner": Target("custom", "owner"),
    "hubspot owner": Target("custom", "owner"),
    "unsubscribed from all email": Target("flag", "email_opt_out"),
    "opted out of all email": Target("flag", "email_opt_out"),
    "street address": Target("address", "street", "address"),
    "city": Target("address", "city", "address"),
    "state region": Target("address", "region", "address"),
    "state": Target("address", "region", "address"),
    "postal code": Target("address", "postcode", "address"),
    "zip": Target("address", "postcode", "address"),
    "country region": Target("address", "country", "address"),
    "country": Target("address", "country", "address"),
    "website url": Target("website", "value", "website"),
    "website": Target("website", "value", "website"),
}
HUBSPOT_STAGES = {
    "subscriber": "lead",
    "lead": "lead",
    "marketingqualifiedlead": "lead",
    "salesqualifiedlead": "lead",
    "opportunity": "prospect",
    "customer": "customer",
    "evangelist": "customer",
}


def target_for(fmt: str, norm: str) -> Target | None:
    if fmt == "google":
        return _google_target(norm)
    if fmt == "outlook":
        return _outlook_target(norm)
    if fmt == "hubspot":
        return _HUBSPOT.get(norm)
    return _GENERIC.get(norm)


def detect_format(header: list[str]) -> str:
    """Name the exporter of a CSV from its header row: google, outlook, hubspot or generic."""
    names = {normalize_header(name) for name in header}
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


def resolve_field(name: str) -> Target | None:
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    if key in _FIELD_TARGETS:
        return _FIELD_TARGETS[key]
    return _GENERIC.get(normalize_header(name))  # "first name", "mobile", "zip" work too
