"""Read and write vCard (2.1, 3.0 and 4.0) as ContactDraft records, with no database.

Hand-written rather than vobject because real exports bend the standards in ways a strict
parser throws away: Android's quoted-printable soft breaks that split UTF-8 characters, Apple's
item groups with X-ABLabel, the year 1604 that means "no year", inline photos. The reader is
lenient (a broken card becomes a draft with problems, never an exception) and streams card by
card; the writer is strict so other programs read what it writes.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, unquote

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.encoding import decode_bytes
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)

__all__ = [
    "VCARD_VERSIONS",
    "canonical_label",
    "display_name_for",
    "normalize_date",
    "read_vcard_text",
    "read_vcards",
    "write_vcard",
    "write_vcards",
]

VCARD_VERSIONS = ("4.0", "3.0")

# --------------------------------------------------------------------------------------------
# Labels and dates, shared with the CSV formats so every source speaks the same vocabulary.
# --------------------------------------------------------------------------------------------

_CANONICAL_LABELS = {
    "mobile": "mobile",
    "cell": "mobile",
    "cellular": "mobile",
    "mobile phone": "mobile",
    "cell phone": "mobile",
    "work": "work",
    "business": "work",
    "office": "work",
    "home": "home",
    "other": "other",
    "main": "main",
    "company main": "main",
    "pager": "pager",
    "fax": "fax",
    "work fax": "work fax",
    "workfax": "work fax",
    "business fax": "work fax",
    "home fax": "home fax",
    "homefax": "home fax",
    "other fax": "other fax",
    "otherfax": "other fax",
    "iphone": "iphone",
    "homepage": "homepage",
    "home page": "homepage",
    "school": "school",
    "anniversary": "anniversary",
}

_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_", re.DOTALL)


def _unwrap_apple_label(text: str) -> str:
    """Apple stores its built-in labels as ``_$!<Mobile>!$_``; custom ones as plain text."""
    match = _APPLE_LABEL.fullmatch(text.strip())
    return match.group(1).strip() if match else text.strip()


def canonical_label(text: str) -> str:
    """Turn a label from any source into pocketcrm's vocabulary ("Mobile" -> "mobile").

    Well-known labels are lower-cased so "Work", "WORK" and Apple's ``_$!<Work>!$_`` agree;
    anything else is a person's own label and is kept as typed.
    """
    label = _unwrap_apple_label(text)
    return _CANONICAL_LABELS.get(" ".join(label.lower().split()), label)


_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_NO_YEAR_DATE = re.compile(r"--(\d{2})-?(\d{2})")
_NO_YEAR_MARKERS = ("1604", "0000")  # Apple's "year unknown" and the all-zero placeholder


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def normalize_date(value: str, *, omit_year: str = "") -> str | None:
    """Read a birthday-style date; return "YYYY-MM-DD", "--MM-DD" (no year) or None.

    Accepts "1980-05-17", "19800517", "--0517", "--05-17" and a trailing time part. Apple
    writes year 1604 (or says so in X-APPLE-OMIT-YEAR, passed as omit_year) for "no year".
    """
    text = value.strip()
    if "T" in text:
        text = text.split("T", 1)[0]
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = match.groups()
        if year in _NO_YEAR_MARKERS or (omit_year and year == omit_year):
            return f"--{month}-{day}" if _valid_day(2000, int(month), int(day)) else None
        if _valid_day(int(year), int(month), int(day)):
            return f"{year}-{month}-{day}"
        return None
    match = _NO_YEAR_DATE.fullmatch(text)
    if match:
        month, day = match.groups()
        # 2000 is a leap year, so --02-29 is accepted.
        return f"--{month}-{day}" if _valid_day(2000, int(month), int(day)) else None
    return None


def display_name_for(draft: ContactDraft) -> str:
    """The name to show when a source gave none: the person's name parts, else what we have."""
    parts = (draft.prefix, draft.given_name, draft.additional_names, draft.family_name)
    name = " ".join(part.strip() for part in parts if part.strip())
    if draft.suffix.strip():
        name = f"{name}, {draft.suffix.strip()}" if name else draft.suffix.strip()
    if name:
        return name
    for candidate in (draft.company, draft.nickname):
        if candidate.strip():
            return candidate.strip()
    if draft.emails:
        return draft.emails[0].address
    if draft.phones:
        return draft.phones[0].number
    return ""


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass
class _Property:
    line: int
    group: str  # lower-cased; "" when the property has no group
    name: str  # upper-cased
    raw_name: str  # as written, for custom keys
    params: dict[str, list[str]] = field(default_factory=dict)
    value: str = ""  # quoted-printable already decoded, vCard escapes still in place

    def param(self, key: str) -> str:
        values = self.params.get(key)
        return values[0] if values else ""

    def types(self) -> list[str]:
        found: list[str] = []
        for value in self.params.get("TYPE", []):
            found.extend(token.strip().lower() for token in value.split(",") if token.strip())
        return found

    @property
    def is_binary(self) -> bool:
        return self.param("ENCODING").upper() in ("B", "BASE64")


_NAME = re.compile(r"(?:([A-Za-z0-9_-]+)\.)?([A-Za-z0-9_-]+)")
_BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
_ESCAPE = re.compile(r"\\([nN\\;,:])")
_CARET = re.compile(r"\^([n^'])")
_HEX = set("0123456789abcdefABCDEF")


def _split_unescaped(text: str, sep: str) -> list[str]:
    """Split on sep where it is not preceded by a backslash escape (``\\;`` stays inside)."""
    parts: list[str] = []
    start = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == sep:
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def _unescape(text: str) -> str:
    """Undo vCard text escapes; unknown escapes are left as typed rather than guessed at."""

    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        return "\n" if char in "nN" else char

    return _ESCAPE.sub(replace, text).replace("\r\n", "\n").replace("\r", "\n")


def _split_quoted(text: str, sep: str) -> list[str]:
    """Split on sep outside double quotes (parameter values may quote ; , and :)."""
    parts: list[str] = []
    buffer: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
            buffer.append(char)
        elif char == sep and not quoted:
            parts.append("".join(buffer))
            buffer = []
        else:
            buffer.append(char)
    parts.append("".join(buffer))
    return parts


def _param_value(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    # RFC 6868: ^n is a newline, ^' a double quote, ^^ a caret.
    return _CARET.sub(lambda m: {"n": "\n", "'": '"', "^": "^"}[m.group(1)], value)


def _find_value_colon(line: str) -> int:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return line.find(":")  # an unbalanced quote: fall back to the first colon


def _parse_property(line_no: int, line: str) -> _Property | None:
    colon = _find_value_colon(line)
    if colon < 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    pieces = _split_quoted(head, ";")
    match = _NAME.fullmatch(pieces[0].strip())
    if match is None:
        return None
    group, raw_name = match.group(1) or "", match.group(2)
    prop = _Property(line_no, group.lower(), raw_name.upper(), raw_name, {}, value)
    for piece in pieces[1:]:
        piece = piece.strip()
        if not piece:
            continue
        if "=" in piece:
            key, _, raw = piece.partition("=")
            key = key.strip().upper()
            values = [_param_value(v) for v in _split_quoted(raw, ",")]
        else:  # vCard 2.1 bare parameter: TEL;CELL;PREF or NOTE;QUOTED-PRINTABLE
            key = "ENCODING" if piece.upper() in _BARE_ENCODINGS else "TYPE"
            values = [piece]
        prop.params.setdefault(key, []).extend(values)
    return prop


def _is_quoted_printable(line: str) -> bool:
    colon = line.find(":")
    head = line[:colon] if colon >= 0 else line
    return "QUOTED-PRINTABLE" in head.upper()


def _decode_quoted_printable(text: str, charset: str) -> str:
    """Decode QP at the byte level, so a UTF-8 character split by a soft break survives."""
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    data = bytearray()
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "=":
            pair = text[index + 1 : index + 3]
            if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
                data.append(int(pair, 16))
                index += 3
                continue
            if index + 1 >= length:  # a soft break at the very end
                break
            data += b"="
        else:
            try:
                data += char.encode(codec)
            except UnicodeEncodeError:
                data += char.encode("utf-8")
        index += 1
    try:
        return bytes(data).decode(codec)
    except UnicodeDecodeError:
        return decode_bytes(bytes(data))[0]


def _unfold(raw: list[tuple[int, str]], version: str) -> list[tuple[int, str]]:
    """Join folded lines and quoted-printable soft breaks into logical lines.

    A fold is a line break followed by a space or tab (3.0/4.0 drop that one character; 2.1
    keeps it). A QP value ending in "=" continues on the next line, which Android does not
    indent, so that line is taken whole.
    """
    logical: list[tuple[int, str]] = []
    qp_open = False
    for line_no, line in raw:
        if not line.strip():
            qp_open = False
            continue
        if qp_open and logical:
            start, text = logical[-1]
            text = text[:-1] + line
            logical[-1] = (start, text)
            qp_open = text.endswith("=")
            continue
        if line[0] in " \t" and logical:
            start, text = logical[-1]
            text += line if version == "2.1" else line[1:]
            logical[-1] = (start, text)
            qp_open = text.endswith("=") and _is_quoted_printable(text)
            continue
        logical.append((line_no, line))
        qp_open = line.endswith("=") and _is_quoted_printable(line)
    return logical


def _detect_version(raw: list[tuple[int, str]]) -> str:
    for _, line in raw:
        if line[:8].upper() == "VERSION:":
            version = line[8:].strip()
            if version.startswith("2"):
                return "2.1"
            if version.startswith("4"):
                return "4.0"
            return "3.0"
    return "3.0"


_LOCATION_TYPES = ("home", "work", "other")
_TYPE_WORDS = {
    "cell": "mobile",
    "mobile": "mobile",
    "fax": "fax",
    "pager": "pager",
    "main": "main",
    "iphone": "iphone",
    "text": "text",
    "video": "video",
    "textphone": "textphone",
    "car": "car",
    "isdn": "isdn",
    "bbs": "bbs",
    "modem": "modem",
    "msg": "msg",
}
_NOISE_TYPES = {
    "pref",
    "voice",
    "internet",
    "x400",
    "dom",
    "intl",
    "postal",
    "parcel",
    "aol",
    "applelink",
    "attmail",
    "cis",
    "eworld",
    "ibmmail",
    "mcimail",
    "powershare",
    "prodigy",
    "tlx",
    "uri",
}


def _label_from_types(types: list[str]) -> str:
    """TYPE=WORK,VOICE -> "work"; TYPE=HOME;TYPE=FAX -> "home fax"; CELL -> "mobile"."""
    where: list[str] = []
    what: list[str] = []
    for token in types:
        if token in _NOISE_TYPES:
            continue
        if token in _LOCATION_TYPES:
            if token not in where:
                where.append(token)
            continue
        word = _TYPE_WORDS.get(token, token)
        if word not in what:
            what.append(word)
    return " ".join(where + what)


_IGNORED = {
    "VERSION",
    "PRODID",
    "REV",
    "LABEL",
    "SORT-STRING",
    "CLIENTPIDMAP",
    "MAILER",
    "NAME",
    "PROFILE",
    "SOURCE",
    "XML",
    "X-ABADR",
    "X-ABLABEL",
    "BEGIN",
    "END",
}
_ANNIVERSARY_NAMES = {
    "ANNIVERSARY",
    "X-ANNIVERSARY",
    "X-MS-ANNIVERSARY",
    "X-EVOLUTION-ANNIVERSARY",
}
_MAGIC_TYPES = (("/9j/", "image/jpeg"), ("iVBOR", "image/png"), ("R0lGOD", "image/gif"))


class _CardReader:
    """Turns the raw lines of one card into a ContactDraft, collecting problems as it goes."""

    def __init__(self, begin_line: int, raw: list[tuple[int, str]]) -> None:
        self.draft = ContactDraft(line=begin_line, source="vcard")
        self.version = _detect_version(raw)
        self.raw = raw
        self.labels: dict[str, str] = {}

    def note(self, line: int, message: str) -> None:
        self.draft.problems.append(f"line {line}: {message}")

    def read(self) -> ContactDraft:
        props: list[_Property] = []
        for line_no, line in _unfold(self.raw, self.version):
            prop = _parse_property(line_no, line)
            if prop is None:
                shown = line if len(line) <= 40 else line[:37] + "..."
                self.note(line_no, f"{shown!r} is not a vCard property; ignored")
                continue
            if prop.param("ENCODING").upper() in ("QUOTED-PRINTABLE", "QP"):
                prop.value = _decode_quoted_printable(prop.value, prop.param("CHARSET"))
            props.append(prop)
        for prop in props:
            if prop.name == "X-ABLABEL" and prop.group:
                self.labels[prop.group] = _unescape(prop.value)
        for prop in _choose_variants(props):
            self.apply(prop)
        self.finish()
        return self.draft

    # -- helpers ---------------------------------------------------------------------------

    def text(self, prop: _Property) -> str:
        return _unescape(prop.value)

    def raw_label(self, prop: _Property) -> str:
        return self.labels.get(prop.group, "") if prop.group else ""

    def label_and_primary(self, prop: _Property) -> tuple[str, bool]:
        types = prop.types()
        primary = "pref" in types or prop.param("PREF").strip() == "1"
        grouped = self.raw_label(prop)
        label = canonical_label(grouped) if grouped.strip() else _label_from_types(types)
        return label, primary

    def add_custom(self, key: str, value: str) -> None:
        custom = self.draft.custom
        if value == "":
            return
        custom[key] = f"{custom[key]}\n{value}" if custom.get(key) else value

    def custom_key(self, prop: _Property) -> str:
        name = prop.raw_name if prop.name.startswith("X-") else prop.name
        label = _unwrap_apple_label(self.raw_label(prop))
        return f"{name} ({label})" if label else name

    def set_once(self, attr: str, value: str, prop: _Property) -> None:
        """Single-valued fields: the first wins, a different later value is kept in custom."""
        if not value:
            return
        current = getattr(self.draft, attr)
        if not current:
            setattr(self.draft, attr, value)
        elif current != value:
            self.add_custom(self.custom_key(prop), value)

    def binary_uri(self, prop: _Property) -> str:
        data = "".join(prop.value.split())
        kind = (prop.param("TYPE") or prop.param("MEDIATYPE")).strip().lower()
        if "/" in kind:
            mime = kind
        elif kind:
            mime = f"image/{kind}"
        else:
            mime = next((m for magic, m in _MAGIC_TYPES if data.startswith(magic)), "")
            mime = mime or "application/octet-stream"
        return f"data:{mime};base64,{data}"

    # -- properties ------------------------------------------------------------------------

    def apply(self, prop: _Property) -> None:
        name = prop.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, prop)
        elif name == "REV":  # when the card last changed: the import's newer rule uses it
            self.draft.revised = prop.value.strip()
        elif name in _IGNORED:
            return
        elif name in _ANNIVERSARY_NAMES:
            self.read_date(prop, "anniversary")
        else:
            value = self.binary_uri(prop) if prop.is_binary else self.text(prop)
            self.add_custom(self.custom_key(prop), value)

    def read_fn(self, prop: _Property) -> None:
        self.draft.display_name = self.text(prop).strip()

    def read_n(self, prop: _Property) -> None:
        parts = _fit([_unescape(p) for p in _split_unescaped(prop.value, ";")], 5)
        draft = self.draft
        draft.family_name, draft.given_name, draft.additional_names = parts[0], parts[1], parts[2]
        draft.prefix, draft.suffix = parts[3], parts[4]

    def read_nickname(self, prop: _Property) -> None:
        value = self.text(prop)
        if value:
            current = self.draft.nickname
            self.draft.nickname = f"{current}, {value}" if current else value

    def read_org(self, prop: _Property) -> None:
        parts = [_unescape(p) for p in _split_unescaped(prop.value, ";")]
        company = parts[0]
        department = "; ".join(p for p in parts[1:] if p)
        if self.draft.company or self.draft.department:
            if company or department:
                self.add_custom(self.custom_key(prop), "; ".join(p for p in parts if p))
            return
        self.draft.company, self.draft.department = company, department

    def read_title(self, prop: _Property) -> None:
        self.set_once("title", self.text(prop), prop)

    def read_note(self, prop: _Property) -> None:
        value = self.text(prop)
        if value:
            notes = self.draft.notes
            self.draft.notes = f"{notes}\n{value}" if notes else value

    def read_email(self, prop: _Property) -> None:
        address = self.text(prop).strip()
        if not address:
            return
        if address.lower().startswith("mailto:"):
            address = address[7:]
        label, primary = self.label_and_primary(prop)
        if "@" not in address:
            self.note(prop.line, f"email {address!r} has no @")
        self.draft.emails.append(EmailDraft(address=address, label=label, primary=primary))

    def read_tel(self, prop: _Property) -> None:
        value = prop.value.strip()
        extension = ""
        if value.lower().startswith("tel:"):
            number, extension = _parse_tel_uri(value)
        elif prop.param("VALUE").lower() == "uri":
            number = value
        else:
            number = self.text(prop).strip()
        if not number:
            return
        label, primary = self.label_and_primary(prop)
        if sum(ch.isdigit() for ch in number) < 3:
            self.note(prop.line, f"phone {number!r} is not a number")
        phone = PhoneDraft(number=number, label=label, primary=primary, extension=extension)
        self.draft.phones.append(phone)

    def read_adr(self, prop: _Property) -> None:
        parts = _fit([_unescape(p) for p in _split_unescaped(prop.value, ";")], 7)
        if not any(part.strip() for part in parts):
            return
        label, _primary = self.label_and_primary(prop)
        po_box, extended, street, city, region, postcode, country = parts
        self.draft.addresses.append(
            AddressDraft(
                label=label,
                street=street,
                city=city,
                region=region,
                postcode=postcode,
                country=country,
                po_box=po_box,
                extended=extended,
            )
        )

    def read_url(self, prop: _Property) -> None:
        url = self.text(prop).strip()
        if url:
            label, _primary = self.label_and_primary(prop)
            self.draft.websites.append(WebsiteDraft(url=url, label=label))

    def read_bday(self, prop: _Property) -> None:
        self.read_date(prop, "birthday")

    def read_date(self, prop: _Property, attr: str) -> None:
        value = self.text(prop).strip()
        if not value:
            return
        parsed = normalize_date(value, omit_year=prop.param("X-APPLE-OMIT-YEAR").strip())
        if parsed is None:
            key = self.custom_key(prop)
            self.note(prop.line, f"{attr} {value!r} is not a date; kept in custom field {key!r}")
            self.add_custom(key, value)
            return
        self.set_once(attr, parsed, prop)

    def read_abdate(self, prop: _Property) -> None:
        if canonical_label(self.raw_label(prop)) == "anniversary":
            self.read_date(prop, "anniversary")
        else:
            self.add_custom(self.custom_key(prop), self.text(prop))

    def read_categories(self, prop: _Property) -> None:
        for piece in _split_unescaped(prop.value, ","):
            tag = _unescape(piece).strip()
            if tag and tag not in self.draft.tags:
                self.draft.tags.append(tag)

    def read_uid(self, prop: _Property) -> None:
        uid = self.text(prop).strip()
        if uid and "vcard_uid" not in self.draft.external_ids:
            self.draft.external_ids["vcard_uid"] = uid

    def read_photo(self, prop: _Property) -> None:
        if prop.is_binary:
            value = self.binary_uri(prop)
        else:
            value = prop.value.strip()
            if value.lower().startswith("data:"):
                value = "".join(value.split())
        self.set_once("photo", value, prop)

    def read_kind(self, prop: _Property) -> None:
        kind = self.text(prop).strip().lower()
        if kind in ("org", "organization"):
            self.draft.is_company = True
        elif kind == "group":
            self.note(prop.line, "this card is a contact group; its members are not imported")
            self.add_custom("KIND", kind)
        elif kind not in ("", "individual"):
            self.add_custom("KIND", kind)

    def read_show_as(self, prop: _Property) -> None:
        if self.text(prop).strip().upper() == "COMPANY":
            self.draft.is_company = True

    def read_field(self, prop: _Property) -> None:
        key = self.raw_label(prop) or prop.raw_name
        self.add_custom(key, self.text(prop))

    def read_external_id(self, prop: _Property) -> None:
        key = self.raw_label(prop) or "vcard"
        value = self.text(prop).strip()
        if value:
            self.draft.external_ids.setdefault(key, value)

    def read_stage(self, prop: _Property) -> None:
        self.set_once("stage", self.text(prop).strip(), prop)

    def read_opt_out(self, prop: _Property) -> None:
        self.draft.email_opt_out = self.text(prop).strip().upper() in ("TRUE", "YES", "1")

    def read_do_not_contact(self, prop: _Property) -> None:
        self.draft.do_not_contact = self.text(prop).strip().upper() in ("TRUE", "YES", "1")

    def finish(self) -> None:
        draft = self.draft
        if not draft.display_name:
            draft.display_name = display_name_for(draft)
        if not draft.display_name:
            self.note(draft.line, "card has no name, company, email or phone")


_HANDLERS = {
    "FN": _CardReader.read_fn,
    "N": _CardReader.read_n,
    "NICKNAME": _CardReader.read_nickname,
    "ORG": _CardReader.read_org,
    "TITLE": _CardReader.read_title,
    "NOTE": _CardReader.read_note,
    "EMAIL": _CardReader.read_email,
    "TEL": _CardReader.read_tel,
    "ADR": _CardReader.read_adr,
    "URL": _CardReader.read_url,
    "BDAY": _CardReader.read_bday,
    "X-ABDATE": _CardReader.read_abdate,
    "CATEGORIES": _CardReader.read_categories,
    "UID": _CardReader.read_uid,
    "PHOTO": _CardReader.read_photo,
    "KIND": _CardReader.read_kind,
    "X-ADDRESSBOOKSERVER-KIND": _CardReader.read_kind,
    "X-ABSHOWAS": _CardReader.read_show_as,
    "X-POCKETCRM-FIELD": _CardReader.read_field,
    "X-POCKETCRM-ID": _CardReader.read_external_id,
    "X-POCKETCRM-STAGE": _CardReader.read_stage,
    "X-POCKETCRM-EMAIL-OPT-OUT": _CardReader.read_opt_out,
    "X-POCKETCRM-DO-NOT-CONTACT": _CardReader.read_do_not_contact,
}


def _fit(parts: list[str], size: int) -> list[str]:
    """Pad a structured value to size; extra components stay in the last one, not dropped."""
    if len(parts) > size:
        parts = [*parts[: size - 1], ";".join(parts[size - 1 :])]
    return parts + [""] * (size - len(parts))


def _parse_tel_uri(value: str) -> tuple[str, str]:
    """``tel:+1-555-555-0100;ext=42`` -> ("+1-555-555-0100", "42")."""
    number, *params = value[4:].split(";")
    extension = ""
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "ext":
            extension = unquote(val.strip())
    return unquote(number.strip()), extension


def _choose_variants(props: list[_Property]) -> list[_Property]:
    """Keep one of each set of alternatives (ALTID, or several FN/N) so names are not doubled.

    The one without LANGUAGE wins, else the first; an empty value never beats a filled one.
    """
    best: dict[tuple[str, str], _Property] = {}
    keyed: set[int] = set()

    def rank(prop: _Property) -> tuple[bool, bool]:
        return (not prop.value.strip(), bool(prop.param("LANGUAGE")))

    for prop in props:
        altid = prop.param("ALTID")
        if prop.name in ("FN", "N"):
            key = (prop.name, "")
        elif altid:
            key = (prop.name, altid)
        else:
            continue
        keyed.add(id(prop))
        current = best.get(key)
        if current is None or rank(prop) < rank(current):
            best[key] = prop
    chosen = {id(prop) for prop in best.values()}
    return [prop for prop in props if id(prop) not in keyed or id(prop) in chosen]


def _card_marker(line: str) -> str:
    return line.rstrip().upper() if line[:1] not in (" ", "\t") else ""


def read_vcards(lines: Iterable[str]) -> Iterator[ContactDraft]:
    """Yield one draft per card, reading lines lazily (a file object works).

    A card that never ends, or text outside any card, becomes a problem on a draft; only a
    source with no card at all is an error (Invalid), since then it is not a vCard file.
    """
    card: list[tuple[int, str]] | None = None
    begin = 0
    seen = False
    pending: ContactDraft | None = None
    stray: list[int] = []  # [first, last] line of the current run of text outside cards
    early_notes: list[str] = []

    def stray_note() -> str:
        where = f"line {stray[0]}" if stray[0] == stray[1] else f"lines {stray[0]}-{stray[1]}"
        return f"{where}: text outside any card was ignored"

    def finish(raw: list[tuple[int, str]], closed: bool) -> ContactDraft:
        draft = _CardReader(begin, raw).read()
        if not closed:
            draft.problems.append(f"line {begin}: card has no END:VCARD; read up to where it stops")
        draft.problems[:0] = early_notes
        early_notes.clear()
        return draft

    def flush_stray() -> None:
        if stray:
            if pending is not None:
                pending.problems.append(stray_note())
            else:
                early_notes.append(stray_note())
            stray.clear()

    for line_no, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if line_no == 1:
            line = line.lstrip("\ufeff")
        marker = _card_marker(line)
        if marker == "BEGIN:VCARD":
            flush_stray()
            if pending is not None:
                yield pending
                pending = None
            if card is not None:
                yield finish(card, closed=False)
            card, begin, seen = [], line_no, True
        elif marker == "END:VCARD" and card is not None:
            # Held back until the next card begins, so text after END can be noted on it.
            pending = finish(card, closed=True)
            card = None
        elif card is not None:
            card.append((line_no, line))
        elif line.strip():
            if stray:
                stray[1] = line_no
            else:
                stray.extend((line_no, line_no))
    flush_stray()
    if pending is not None:
        yield pending
    if card is not None:
        yield finish(card, closed=False)
    if not seen:
        raise Invalid(
            "file",
            "no vCard found (no BEGIN:VCARD line); export the contacts as a .vcf file and try again",
        )


def read_vcard_text(text: str) -> Iterator[ContactDraft]:
    """Read cards from a string; line breaks may be CRLF, LF or CR."""
    return read_vcards(io.StringIO(text, newline=""))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

_TEL_TYPES = {"home", "work", "other", "mobile", "fax", "pager", "text", "video", "textphone"}
_PLACE_TYPES = {"home", "work", "other"}
_X_NAME = re.compile(r"[Xx]-[A-Za-z0-9-]+")
_RESERVED_X = {
    "X-ABSHOWAS",
    "X-ABLABEL",
    "X-ABDATE",
    "X-ABADR",
    "X-ADDRESSBOOKSERVER-KIND",
    *_ANNIVERSARY_NAMES,
}
_DATA_IMAGE = re.compile(r"data:image/([a-z0-9.+-]+);base64,(.*)", re.DOTALL)


_NEEDS_ESCAPE = re.compile(r"[\\\r\n,;]")


def _escape_text(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return text  # most values: nothing to escape
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def _escape_uri(text: str) -> str:
    """URIs are not comma/semicolon-escaped; only a backslash or a line break needs care."""
    text = text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold to lines of at most 75 octets, never inside a UTF-8 character; end with CRLF."""
    if len(line) <= 18 or len(line.encode("utf-8")) <= 75:  # 18 characters fit in 72 octets
        return line + "\r\n"
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines spend one octet on the space
        current.append(char)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks) + "\r\n"


def _date_value(value: str, version: str) -> tuple[str, list[tuple[str, str]]]:
    parsed = normalize_date(value)
    if parsed is None:
        if version == "4.0":
            return _escape_text(value), [("VALUE", "text")]
        return _escape_text(value), []
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
            self.lines.append(_fold(f"{name}:{value}"))
            return
        head = f"{group}.{name}" if group else name
        head += "".join(f";{key}={val}" for key, val in params)
        self.lines.append(_fold(f"{head}:{value}"))

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
        types = _types_for_label(label, allowed)
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
            self.add("X-ABLabel", _escape_text(label), group=group)

    def add_with_label(self, name: str, value: str, label: str) -> None:
        group = self.new_group()
        self.add(name, value, group=group)
        self.add("X-ABLabel", _escape_text(label), group=group)


_TYPES_CACHE: dict[tuple[str, int], list[str] | None] = {}


def _types_for_label(label: str, allowed: set[str]) -> list[str] | None:
    """The TYPE tokens that read back as exactly this label, or None if there are none
    (a fresh list each time: the caller adds to it). Remembered per label and TYPE set."""
    if allowed is not _TEL_TYPES and allowed is not _PLACE_TYPES:
        return _types_for(label, allowed)
    key = (label, id(allowed))
    if key not in _TYPES_CACHE:
        if len(_TYPES_CACHE) > 4096:
            _TYPES_CACHE.clear()
        _TYPES_CACHE[key] = _types_for(label, allowed)
    found = _TYPES_CACHE[key]
    return None if found is None else list(found)


def _types_for(label: str, allowed: set[str]) -> list[str] | None:
    if not label:
        return []
    words = label.split(" ")
    if not all(word in allowed for word in words):
        return None
    types = ["cell" if word == "mobile" else word for word in words]
    return types if _label_from_types(types) == label else None


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
    out.add("FN", _escape_text(draft.display_name or display_name_for(draft)))
    name_parts = (
        draft.family_name,
        draft.given_name,
        draft.additional_names,
        draft.prefix,
        draft.suffix,
    )
    if not v4 or any(name_parts):
        out.add("N", ";".join(_escape_text(part) for part in name_parts))
    if draft.nickname:
        out.add("NICKNAME", _escape_text(draft.nickname))
    if draft.company or draft.department:
        org = _escape_text(draft.company)
        if draft.department:
            org += ";" + _escape_text(draft.department)
        out.add("ORG", org)
    if draft.title:
        out.add("TITLE", _escape_text(draft.title))
    for email in draft.emails:
        out.add_labelled(
            "EMAIL", _escape_text(email.address), email.label, email.primary, _PLACE_TYPES
        )
    for phone in draft.phones:
        params: list[tuple[str, str]] = []
        if phone.extension or phone.number.lower().startswith("tel:"):
            value = "tel:" + quote(phone.number, safe="+-.()")
            if phone.extension:
                value += ";ext=" + quote(phone.extension, safe="+-.()")
            params.append(("VALUE", "uri"))
        else:
            value = _escape_text(phone.number)
        out.add_labelled("TEL", value, phone.label, phone.primary, _TEL_TYPES, params)
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
        value = ";".join(_escape_text(part) for part in parts)
        out.add_labelled("ADR", value, address.label, False, _PLACE_TYPES)
    for site in draft.websites:
        out.add_labelled("URL", _escape_uri(site.url), site.label, False, _PLACE_TYPES)
    if draft.birthday:
        value, params = _date_value(draft.birthday, version)
        out.add("BDAY", value, params)
    if draft.anniversary:
        value, params = _date_value(draft.anniversary, version)
        out.add("ANNIVERSARY" if v4 else "X-ANNIVERSARY", value, params)
    if draft.notes:
        out.add("NOTE", _escape_text(draft.notes))
    tags = [_escape_text(tag) for tag in draft.tags if tag]
    if tags:
        out.add("CATEGORIES", ",".join(tags))
    uid = draft.external_ids.get("vcard_uid", "")
    if uid:
        out.add("UID", _escape_uri(uid))
    if draft.photo:
        _write_photo(out, re.sub(r"[\r\n]", "", draft.photo), v4)
    if not v4 and draft.is_company:
        out.add("X-ABShowAs", "COMPANY")
    if draft.stage:
        out.add("X-POCKETCRM-STAGE", _escape_text(draft.stage))
    if draft.email_opt_out:
        out.add("X-POCKETCRM-EMAIL-OPT-OUT", "TRUE")
    if draft.do_not_contact:
        out.add("X-POCKETCRM-DO-NOT-CONTACT", "TRUE")
    for key, external in draft.external_ids.items():
        if key != "vcard_uid" and external:
            out.add_with_label("X-POCKETCRM-ID", _escape_text(external), key)
    for key, value in draft.custom.items():
        if value == "":
            continue
        upper = key.upper()
        if (
            _X_NAME.fullmatch(key)
            and upper not in _RESERVED_X
            and not upper.startswith("X-POCKETCRM-")
        ):
            out.add(key, _escape_text(value))
        else:
            out.add_with_label("X-POCKETCRM-FIELD", _escape_text(value), key)
    out.add("END", "VCARD")
    return "".join(out.lines)


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
