"""Read vCard 2.1, 3.0 and 4.0 into ContactDraft records, lazily and leniently.

A broken card becomes a draft with problems, never an exception; only a source with no card at
all is refused. Each card's lines are unfolded, parsed into properties and handed to one
handler per property name.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

from pocketcrm.core.errors import Invalid
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)
from pocketcrm.core.transfer.vcard.escaping import (
    decode_quoted_printable,
    find_value_colon,
    param_value,
    split_quoted,
    split_unescaped,
    unescape,
    unfold,
)
from pocketcrm.core.transfer.vcard.types import ANNIVERSARY_NAMES, label_from_types
from pocketcrm.core.transfer.vocabulary import (
    canonical_label,
    display_name_for,
    normalize_date,
    unwrap_apple_label,
)

__all__ = ["read_vcard_text", "read_vcards"]


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


def _parse_property(line_no: int, line: str) -> _Property | None:
    colon = find_value_colon(line)
    if colon < 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    pieces = split_quoted(head, ";")
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
            values = [param_value(v) for v in split_quoted(raw, ",")]
        else:  # vCard 2.1 bare parameter: TEL;CELL;PREF or NOTE;QUOTED-PRINTABLE
            key = "ENCODING" if piece.upper() in _BARE_ENCODINGS else "TYPE"
            values = [piece]
        prop.params.setdefault(key, []).extend(values)
    return prop


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
        for line_no, line in unfold(self.raw, self.version):
            prop = _parse_property(line_no, line)
            if prop is None:
                shown = line if len(line) <= 40 else line[:37] + "..."
                self.note(line_no, f"{shown!r} is not a vCard property; ignored")
                continue
            if prop.param("ENCODING").upper() in ("QUOTED-PRINTABLE", "QP"):
                prop.value = decode_quoted_printable(prop.value, prop.param("CHARSET"))
            props.append(prop)
        for prop in props:
            if prop.name == "X-ABLABEL" and prop.group:
                self.labels[prop.group] = unescape(prop.value)
        for prop in _choose_variants(props):
            self.apply(prop)
        self.finish()
        return self.draft

    # -- helpers ---------------------------------------------------------------------------

    def text(self, prop: _Property) -> str:
        return unescape(prop.value)

    def raw_label(self, prop: _Property) -> str:
        return self.labels.get(prop.group, "") if prop.group else ""

    def label_and_primary(self, prop: _Property) -> tuple[str, bool]:
        types = prop.types()
        primary = "pref" in types or prop.param("PREF").strip() == "1"
        grouped = self.raw_label(prop)
        label = canonical_label(grouped) if grouped.strip() else label_from_types(types)
        return label, primary

    def custom_key(self, prop: _Property) -> str:
        name = prop.raw_name if prop.name.startswith("X-") else prop.name
        label = unwrap_apple_label(self.raw_label(prop))
        return f"{name} ({label})" if label else name

    def set_once(self, attr: str, value: str, prop: _Property) -> None:
        """Single-valued fields: the first wins, a different later value is kept in custom."""
        if not value:
            return
        current = getattr(self.draft, attr)
        if not current:
            setattr(self.draft, attr, value)
        elif current != value:
            self.draft.add_custom(self.custom_key(prop), value)

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
        elif name in ANNIVERSARY_NAMES:
            self.read_date(prop, "anniversary")
        else:
            value = self.binary_uri(prop) if prop.is_binary else self.text(prop)
            self.draft.add_custom(self.custom_key(prop), value)

    def read_fn(self, prop: _Property) -> None:
        self.draft.display_name = self.text(prop).strip()

    def read_n(self, prop: _Property) -> None:
        parts = _fit([unescape(p) for p in split_unescaped(prop.value, ";")], 5)
        draft = self.draft
        draft.family_name, draft.given_name, draft.additional_names = parts[0], parts[1], parts[2]
        draft.prefix, draft.suffix = parts[3], parts[4]

    def read_nickname(self, prop: _Property) -> None:
        value = self.text(prop)
        if value:
            current = self.draft.nickname
            self.draft.nickname = f"{current}, {value}" if current else value

    def read_org(self, prop: _Property) -> None:
        parts = [unescape(p) for p in split_unescaped(prop.value, ";")]
        company = parts[0]
        department = "; ".join(p for p in parts[1:] if p)
        if self.draft.company or self.draft.department:
            if company or department:
                self.draft.add_custom(self.custom_key(prop), "; ".join(p for p in parts if p))
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
        parts = _fit([unescape(p) for p in split_unescaped(prop.value, ";")], 7)
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
            self.draft.add_custom(key, value)
            return
        self.set_once(attr, parsed, prop)

    def read_abdate(self, prop: _Property) -> None:
        if canonical_label(self.raw_label(prop)) == "anniversary":
            self.read_date(prop, "anniversary")
        else:
            self.draft.add_custom(self.custom_key(prop), self.text(prop))

    def read_categories(self, prop: _Property) -> None:
        for piece in split_unescaped(prop.value, ","):
            tag = unescape(piece).strip()
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
            self.draft.add_custom("KIND", kind)
        elif kind not in ("", "individual"):
            self.draft.add_custom("KIND", kind)

    def read_show_as(self, prop: _Property) -> None:
        if self.text(prop).strip().upper() == "COMPANY":
            self.draft.is_company = True

    def read_field(self, prop: _Property) -> None:
        key = self.raw_label(prop) or prop.raw_name
        self.draft.add_custom(key, self.text(prop))

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


class _CardSplitter:
    """Cuts a stream of lines into cards and notes text outside any card on a neighbour.

    A finished card is held back until the next one begins, so text after its END:VCARD is
    noted on it; text before the first card is noted on the first.
    """

    def __init__(self) -> None:
        self.card: list[tuple[int, str]] | None = None
        self.begin = 0
        self.seen = False
        self.pending: ContactDraft | None = None
        self.stray: list[int] = []  # [first, last] line of the current run of text outside cards
        self.early_notes: list[str] = []

    def take(self, line_no: int, line: str) -> list[ContactDraft]:
        """Feed one line; return the drafts it completes (only a BEGIN:VCARD completes any)."""
        marker = _card_marker(line)
        if marker == "BEGIN:VCARD":
            return self.start(line_no)
        if marker == "END:VCARD" and self.card is not None:
            self.pending = self.finish(self.card, closed=True)
            self.card = None
        elif self.card is not None:
            self.card.append((line_no, line))
        elif line.strip():
            if self.stray:
                self.stray[1] = line_no
            else:
                self.stray.extend((line_no, line_no))
        return []

    def start(self, line_no: int) -> list[ContactDraft]:
        self.flush_stray()
        done = self.drain()
        self.card, self.begin, self.seen = [], line_no, True
        return done

    def drain(self) -> list[ContactDraft]:
        """The held-back card and an unfinished one, in that order."""
        done: list[ContactDraft] = []
        if self.pending is not None:
            done.append(self.pending)
            self.pending = None
        if self.card is not None:
            done.append(self.finish(self.card, closed=False))
        return done

    def close(self) -> list[ContactDraft]:
        """At the end of the stream: whatever is left."""
        self.flush_stray()
        done = self.drain()
        self.card = None
        return done

    def finish(self, raw: list[tuple[int, str]], closed: bool) -> ContactDraft:
        begin = self.begin
        draft = _CardReader(begin, raw).read()
        if not closed:
            draft.problems.append(f"line {begin}: card has no END:VCARD; read up to where it stops")
        draft.problems[:0] = self.early_notes
        self.early_notes.clear()
        return draft

    def flush_stray(self) -> None:
        stray = self.stray
        if not stray:
            return
        where = f"line {stray[0]}" if stray[0] == stray[1] else f"lines {stray[0]}-{stray[1]}"
        note = f"{where}: text outside any card was ignored"
        if self.pending is not None:
            self.pending.problems.append(note)
        else:
            self.early_notes.append(note)
        stray.clear()


def read_vcards(lines: Iterable[str]) -> Iterator[ContactDraft]:
    """Yield one draft per card, reading lines lazily (a file object works).

    A card that never ends, or text outside any card, becomes a problem on a draft; only a
    source with no card at all is an error (Invalid), since then it is not a vCard file.
    """
    cards = _CardSplitter()
    for line_no, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if line_no == 1:
            line = line.lstrip("\ufeff")
        done = cards.take(line_no, line)
        if done:
            yield from done
    yield from cards.close()
    if not cards.seen:
        raise Invalid(
            "file",
            "no vCard found (no BEGIN:VCARD line); export the contacts as a .vcf file and try again",
        )


def read_vcard_text(text: str) -> Iterator[ContactDraft]:
    """Read cards from a string; line breaks may be CRLF, LF or CR."""
    return read_vcards(io.StringIO(text, newline=""))
