"""Write vCard 4.0 or 3.0 from ContactDraft records, strictly, so other programs read it.

Fields vCard has no property for travel as X-POCKETCRM-* properties, so an export reads back
without loss.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.records import ContactDraft
from pocketcrm.core.transfer.vcard.escaping import escape_text, escape_uri, fold
from pocketcrm.core.transfer.vcard.types import (
    ANNIVERSARY_NAMES,
    PLACE_TYPES,
    TEL_TYPES,
    types_for_label,
)
from pocketcrm.core.transfer.vocabulary import display_name_for, normalize_date

__all__ = ["VCARD_VERSIONS", "write_vcard", "write_vcards"]

VCARD_VERSIONS = ("4.0", "3.0")
_X_NAME = re.compile(r"[Xx]-[A-Za-z0-9-]+")
_RESERVED_X = {
    "X-ABSHOWAS",
    "X-ABLABEL",
    "X-ABDATE",
    "X-ABADR",
    "X-ADDRESSBOOKSERVER-KIND",
    *ANNIVERSARY_NAMES,
}
_DATA_IMAGE = re.compile(r"data:image/([a-z0-9.+-]+);base64,(.*)", re.DOTALL)


def _date_value(value: str, version: str) -> tuple[str, list[tuple[str, str]]]:
    parsed = normalize_date(value)
    if parsed is None:
        if version == "4.0":
            return escape_text(value), [("VALUE", "text")]
        return escape_text(value), []
    if parsed.startswith("--"):
        month, day = parsed[2:4], parsed[5:7]
        if version == "4.0":
            return f"--{month}{day}", []
        return f"1604-{month}-{day}", [("X-APPLE-OMIT-YEAR", "1604")]
    if version == "4.0":
        return parsed.replace("-", ""), []
    return parsed, []


class _CardWriter:
    def __init__(self, version: str) -> None:
        self.version = version
        self.lines: list[str] = []
        self.groups = 0

    def add(
        self, name: str, value: str, params: Iterable[tuple[str, str]] = (), group: str = ""
    ) -> None:
        if not group and not params:
            self.lines.append(fold(f"{name}:{value}"))
            return
        head = f"{group}.{name}" if group else name
        head += "".join(f";{key}={val}" for key, val in params)
        self.lines.append(fold(f"{head}:{value}"))

    def new_group(self) -> str:
        self.groups += 1
        return f"item{self.groups}"

    def add_labelled(
        self,
        name: str,
        value: str,
        label: str,
        primary: bool,
        allowed: set[str],
        params: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Write TYPE for labels other programs know; anything else as an Apple X-ABLabel."""
        all_params = list(params)
        types = types_for_label(label, allowed)
        group = ""
        if types is None:
            types = []
            group = self.new_group()
        if primary:
            if self.version == "4.0":
                all_params.append(("PREF", "1"))
            else:
                types.append("pref")
        if types:
            all_params.insert(0, ("TYPE", ",".join(types)))
        self.add(name, value, all_params, group)
        if group:
            self.add("X-ABLabel", escape_text(label), group=group)

    def add_with_label(self, name: str, value: str, label: str) -> None:
        group = self.new_group()
        self.add(name, value, group=group)
        self.add("X-ABLabel", escape_text(label), group=group)


def write_vcard(draft: ContactDraft, version: str = "4.0") -> str:
    """One card as text with CRLF line ends, folded at 75 octets, for vCard 4.0 or 3.0.

    Fields vCard has no property for (stage, opt-outs, external ids, custom fields) travel as
    X-POCKETCRM-* properties so an export can be imported again without loss.
    """
    if version not in VCARD_VERSIONS:
        raise Invalid("version", f"cannot write vCard {version!r}; use 4.0 or 3.0")
    v4 = version == "4.0"
    out = _CardWriter(version)
    out.add("BEGIN", "VCARD")
    out.add("VERSION", version)
    if v4 and draft.is_company:
        out.add("KIND", "org")
    _write_names(out, draft, v4)
    _write_reachable(out, draft)
    _write_dates_and_notes(out, draft, v4)
    if not v4 and draft.is_company:
        out.add("X-ABShowAs", "COMPANY")
    _write_pocketcrm_fields(out, draft)
    out.add("END", "VCARD")
    return "".join(out.lines)


def _write_names(out: _CardWriter, draft: ContactDraft, v4: bool) -> None:
    """FN, N (always in 3.0, which requires it), NICKNAME, ORG and TITLE."""
    out.add("FN", escape_text(draft.display_name or display_name_for(draft)))
    name_parts = (
        draft.family_name,
        draft.given_name,
        draft.additional_names,
        draft.prefix,
        draft.suffix,
    )
    if not v4 or any(name_parts):
        out.add("N", ";".join(escape_text(part) for part in name_parts))
    if draft.nickname:
        out.add("NICKNAME", escape_text(draft.nickname))
    if draft.company or draft.department:
        org = escape_text(draft.company)
        if draft.department:
            org += ";" + escape_text(draft.department)
        out.add("ORG", org)
    if draft.title:
        out.add("TITLE", escape_text(draft.title))


def _write_reachable(out: _CardWriter, draft: ContactDraft) -> None:
    """EMAIL, TEL, ADR and URL, each with its label."""
    for email in draft.emails:
        out.add_labelled(
            "EMAIL", escape_text(email.address), email.label, email.primary, PLACE_TYPES
        )
    for phone in draft.phones:
        params: list[tuple[str, str]] = []
        if phone.extension or phone.number.lower().startswith("tel:"):
            value = "tel:" + quote(phone.number, safe="+-.()")
            if phone.extension:
                value += ";ext=" + quote(phone.extension, safe="+-.()")
            params.append(("VALUE", "uri"))
        else:
            value = escape_text(phone.number)
        out.add_labelled("TEL", value, phone.label, phone.primary, TEL_TYPES, params)
    for address in draft.addresses:
        parts = (
            address.po_box,
            address.extended,
            address.street,
            address.city,
            address.region,
            address.postcode,
            address.country,
        )
        value = ";".join(escape_text(part) for part in parts)
        out.add_labelled("ADR", value, address.label, False, PLACE_TYPES)
    for site in draft.websites:
        out.add_labelled("URL", escape_uri(site.url), site.label, False, PLACE_TYPES)


def _write_dates_and_notes(out: _CardWriter, draft: ContactDraft, v4: bool) -> None:
    """BDAY, the anniversary, NOTE, CATEGORIES, UID and PHOTO."""
    if draft.birthday:
        value, params = _date_value(draft.birthday, out.version)
        out.add("BDAY", value, params)
    if draft.anniversary:
        value, params = _date_value(draft.anniversary, out.version)
        out.add("ANNIVERSARY" if v4 else "X-ANNIVERSARY", value, params)
    if draft.notes:
        out.add("NOTE", escape_text(draft.notes))
    tags = [escape_text(tag) for tag in draft.tags if tag]
    if tags:
        out.add("CATEGORIES", ",".join(tags))
    uid = draft.external_ids.get("vcard_uid", "")
    if uid:
        out.add("UID", escape_uri(uid))
    if draft.photo:
        _write_photo(out, re.sub(r"[\r\n]", "", draft.photo), v4)


def _write_pocketcrm_fields(out: _CardWriter, draft: ContactDraft) -> None:
    """What vCard has no property for: stage, opt-outs, external ids and custom fields."""
    if draft.stage:
        out.add("X-POCKETCRM-STAGE", escape_text(draft.stage))
    if draft.email_opt_out:
        out.add("X-POCKETCRM-EMAIL-OPT-OUT", "TRUE")
    if draft.do_not_contact:
        out.add("X-POCKETCRM-DO-NOT-CONTACT", "TRUE")
    for key, external in draft.external_ids.items():
        if key != "vcard_uid" and external:
            out.add_with_label("X-POCKETCRM-ID", escape_text(external), key)
    for key, value in draft.custom.items():
        if value == "":
            continue
        upper = key.upper()
        if (
            _X_NAME.fullmatch(key)
            and upper not in _RESERVED_X
            and not upper.startswith("X-POCKETCRM-")
        ):
            out.add(key, escape_text(value))
        else:
            out.add_with_label("X-POCKETCRM-FIELD", escape_text(value), key)


def _write_photo(out: _CardWriter, photo: str, v4: bool) -> None:
    if v4:
        out.add("PHOTO", photo)
        return
    match = _DATA_IMAGE.fullmatch(photo)
    if match:
        out.add("PHOTO", match.group(2), [("ENCODING", "b"), ("TYPE", match.group(1).upper())])
    else:
        out.add("PHOTO", photo, [("VALUE", "uri")])


def write_vcards(drafts: Iterable[ContactDraft], version: str = "4.0") -> Iterator[str]:
    """Yield one card of text per draft, so a large export never sits in memory."""
    if version not in VCARD_VERSIONS:
        raise Invalid("version", f"cannot write vCard {version!r}; use 4.0 or 3.0")
    for draft in drafts:
        yield write_vcard(draft, version)
