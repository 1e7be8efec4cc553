"""The rules for what a field may hold. Every face validates through here, so the CLI and the
interface reject the same input with the same one-line message (field named, fix given)."""

from __future__ import annotations

import re
from functools import lru_cache

from pocketcrm.core.errors import Invalid
from pocketcrm.core.settings import CHANNELS, COMPANY_KINDS, INTERACTION_KINDS, Settings
from pocketcrm.core.text import is_blank, unsafe_in, visible

_EMAIL = re.compile(r"^[^@\s\"<>(),;:]+@[^@\s\"<>(),;:]+\.[^@\s\"<>(),;:.]{2,}$")
_LABELLED = re.compile(r"^([A-Za-z][\w -]{0,20}):(.+)$")


def key(value: str) -> str:
    """Machine form of a choice: 'Past Customer' -> 'past_customer'."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def safe(value: str, field: str) -> str:
    """VALUE unchanged, or Invalid when it holds a control or bidirectional character (they
    could retitle or recolour a terminal; tab and newline are whitespace)."""
    found = unsafe_in(value)
    if found:
        raise Invalid(
            field, f"holds the control character {visible(found)}; remove it and type plain text"
        )
    return value


def line(value: str, field: str) -> str:
    """A single-line text field (title, department, owner, ...): checked, spaces folded."""
    return " ".join(safe(value, field).split())


def block(value: str, field: str = "notes") -> str:
    """A multi-line text field (notes): checked, lines and tabs kept, ends trimmed."""
    return safe(value, field).strip()


def name(value: str, field: str = "name") -> str:
    cleaned = " ".join(safe(value, field).split())
    if not cleaned or is_blank(cleaned):
        raise Invalid(field, "must not be empty; give a name, e.g. 'Ann Lee'")
    if len(cleaned) > 200:
        raise Invalid(field, "is longer than 200 characters; shorten it")
    return cleaned


def split_label(value: str) -> tuple[str, str]:
    """'work:ann@x.com' -> ('work', 'ann@x.com'); an unlabelled value keeps an empty label."""
    match = _LABELLED.match(value.strip())
    if match and "@" not in match.group(1) and not match.group(2).startswith("//"):
        return match.group(1).strip().lower(), match.group(2).strip()
    return "", value.strip()


def email(value: str, field: str = "email") -> str:
    """A syntactically valid address, domain lower-cased (deliverability is not checked offline)."""
    cleaned = safe(value, field).strip()
    if not _EMAIL.match(cleaned):
        raise Invalid(field, f"{value!r} is not an email address; use the form name@example.com")
    local, _, domain = cleaned.rpartition("@")
    return f"{local}@{domain.lower()}"


def phone_text(value: str, field: str = "phone") -> str:
    cleaned = " ".join(safe(value, field).split())
    if not any(ch.isdigit() for ch in cleaned):
        raise Invalid(field, f"{value!r} has no digits; give a number such as +1 555 0100")
    return cleaned


@lru_cache(maxsize=4096)
def normalize_phone(number: str, region: str) -> tuple[str, bool]:
    """(E.164, valid) for a typed number; unparseable numbers give ('', False) and are kept."""
    from pocketcrm.core.phones import normalize  # phonenumbers' metadata: only when needed

    return normalize(number, region)


def _choice(value: str, allowed: list[str], field: str) -> str:
    chosen = key(value)
    if chosen not in allowed:
        raise Invalid(field, f"unknown {field} {value!r}; use one of: {', '.join(allowed)}")
    return chosen


def stage(value: str, settings: Settings) -> str:
    return _choice(value, settings.stages, "stage")


def outcome(value: str, settings: Settings) -> str:
    if not value.strip():
        return ""
    return _choice(value, settings.outcomes, "outcome")


def interaction_kind(value: str) -> str:
    return _choice(value, INTERACTION_KINDS, "kind")


def company_kind(value: str) -> str:
    return _choice(value, COMPANY_KINDS, "kind")


def direction(value: str) -> str:
    if not value.strip():
        return ""
    chosen = {"in": "in", "inbound": "in", "incoming": "in", "out": "out", "outbound": "out"}
    found = chosen.get(value.strip().lower())
    if found is None:
        raise Invalid("direction", f"unknown direction {value!r}; use 'in' or 'out'")
    return found


CHANNEL_OF_KIND = {"call": "phone", "sms": "phone", "email": "email", "meeting": "meeting"}


def channel(value: str, kind: str) -> str:
    """The channel an interaction came through; by default the one its kind implies."""
    if not value.strip():
        return CHANNEL_OF_KIND.get(kind, "other")
    return _choice(value, CHANNELS, "channel")


def reason(value: str, score: int | None, settings: Settings) -> str:
    """Why the customer was unhappy: one of the configured reasons, and only with a low score."""
    if not value.strip():
        return ""
    chosen = _choice(value, settings.analysis.reasons, "reason")
    low = settings.analysis.low_satisfaction
    if score is None or score > low:
        raise Invalid(
            "reason", f"goes with a low score; add --satisfaction 1 to {low} (or leave it out)"
        )
    return chosen


def satisfaction(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= 5:
        raise Invalid("satisfaction", f"{value} is out of range; give a whole number from 1 to 5")
    return value


def tag(value: str) -> str:
    cleaned = "-".join(safe(value, "tag").strip().lstrip("#+").lower().split())
    if not cleaned:
        raise Invalid("tag", "must not be empty; give a word such as 'vip'")
    if "," in cleaned:
        raise Invalid("tag", f"{value!r} holds a comma; give one tag at a time")
    return cleaned


def url(value: str, field: str = "website") -> str:
    cleaned = safe(value, field).strip()
    if not cleaned or " " in cleaned or "." not in cleaned:
        raise Invalid(field, f"{value!r} is not a web address; use the form example.com")
    return cleaned


ADDRESS_FORM = (
    "'Street 1, City, Postcode, Country' (or 'home:Street 1, City, Region, Postcode, Country')"
)


def address(value: str, field: str = "address") -> tuple[str, str, str, str, str, str]:
    """(label, street, city, region, postcode, country) from one typed line.

    Comma-separated, in the order of an envelope: street; street, city; street, city,
    country; street, city, postcode, country; street, city, region, postcode, country.
    A leading 'home:' or 'work:' is the label. Empty parts may be left blank ('a, , b')."""
    label, rest = split_label(safe(value, field))
    parts = [" ".join(p.split()) for p in rest.split(",")]
    if not any(parts):
        raise Invalid(field, f"is empty; give {ADDRESS_FORM}")
    if len(parts) > 5:
        raise Invalid(field, f"{value!r} has more than five parts; give {ADDRESS_FORM}")
    order = {
        1: ("street",),
        2: ("street", "city"),
        3: ("street", "city", "country"),
        4: ("street", "city", "postcode", "country"),
        5: ("street", "city", "region", "postcode", "country"),
    }[len(parts)]
    found = dict(zip(order, parts, strict=True))
    return (
        label,
        found.get("street", ""),
        found.get("city", ""),
        found.get("region", ""),
        found.get("postcode", ""),
        found.get("country", ""),
    )


def split_name(display: str) -> tuple[str, str, str]:
    """(display, given, family) from 'Ann Lee' or 'Lee, Ann'."""
    if "," in display:
        family, _, given = display.partition(",")
        given, family = given.strip(), family.strip()
        if given and family:
            return f"{given} {family}", given, family
    parts = display.split()
    if len(parts) == 1:
        return display, parts[0], ""
    return display, " ".join(parts[:-1]), parts[-1]
