"""Stage 2: parsed drafts and JSON records made into normalised records (no database)."""

from __future__ import annotations

import dataclasses
import operator
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pocketcrm.core import clock, dates, search, validate
from pocketcrm.core.errors import CrmError, Invalid
from pocketcrm.core.models import db_time
from pocketcrm.core.search import fold
from pocketcrm.core.text import is_blank, strip_all
from pocketcrm.core.transfer import jsonfmt
from pocketcrm.core.transfer.records import ContactDraft

_STAGE_SYNONYMS = {
    "subscriber": "lead",
    "marketingqualifiedlead": "lead",
    "mql": "lead",
    "salesqualifiedlead": "prospect",
    "sql": "prospect",
    "opportunity": "prospect",
    "qualified": "prospect",
    "client": "customer",
    "evangelist": "customer",
    "former customer": "past_customer",
    "formercustomer": "past_customer",
    "pastcustomer": "past_customer",
    "churned": "past_customer",
}
UUID_TEXT = re.compile(
    r"^(?:urn:uuid:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


@dataclass
class Rec:
    file: str
    line: int
    name: str
    uuid: str = ""
    cols: dict[str, Any] = field(default_factory=dict)
    company: str = ""  # a company name
    company_key: str = ""  # its folded form, made where the record is parsed
    company_uuid: str = ""  # JSON: the company's uuid
    emails: list[tuple[str, str, str, bool]] = field(default_factory=list)
    phones: list[tuple[str, str, bool, str, str, bool]] = field(default_factory=list)
    addresses: list[tuple[str, str, str, str, str, str, str, str]] = field(default_factory=list)
    websites: list[tuple[str, str]] = field(default_factory=list)
    custom: list[tuple[str, str]] = field(default_factory=list)
    external: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    stage: str = ""
    notes: list[str] = field(default_factory=list)  # non-fatal problems
    fatal: str = ""
    is_company: bool = False
    explicit_name: bool = False  # the source named the person (not a name made up)
    fts_phones: str | None = None  # the search index's phones column, made by the parser
    json: dict[str, Any] | None = None
    revised: str = ""  # the record's own time of change (vCard REV), as written

    def add_custom(self, name: str, value: str) -> None:
        if value and (name, value) not in self.custom:
            self.custom.append((name, value))


# A record's field values in declaration order (Rec(*values) rebuilds it).
REC_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Rec)))

TEXT_COLS = (
    "given_name",
    "family_name",
    "additional_names",
    "prefix",
    "suffix",
    "nickname",
    "title",
    "department",
    "source",
    "photo",
)
# The columns a display name is split into (decided with it when only its spelling differs).
NAME_PARTS = ("given_name", "additional_names", "family_name")


def json_get(item: object, key: str) -> object:
    """A value of a JSON sub-record for a problem line (the item may not be an object)."""
    return item.get(key, "") if isinstance(item, dict) else ""


def _iso_day(value: object, field: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise Invalid(field, f"{value!r} is not a date; use YYYY-MM-DD") from None


def _json_day(follow_up: dict[str, Any]) -> str | None:
    """The day of a JSON follow-up if it is all-day: its `due_date`, or (files written before
    0008) the day its midnight `due_at` meant."""
    if not follow_up.get("all_day"):
        return None
    day = follow_up.get("due_date")
    if day:
        return _iso_day(day, "due_date")
    moment = jsonfmt.parse_time(follow_up.get("due_at"), "due_at")
    if moment is None:
        return None
    return dates.day_of_stored_midnight(moment, clock.local_zone()).isoformat()


def json_due(follow_up: dict[str, Any], due_at: Any) -> tuple[Any, bool, str | None]:
    """(due_at, all_day, due_date) columns of a JSON follow-up."""
    day = _json_day(follow_up)
    return due_at, day is not None, day


def _next_follow_up_date(record: dict[str, Any]) -> str | None:
    """The list's next-follow-up day: the earliest open follow-up in the record, if all-day."""
    if "next_follow_up_date" in record:
        day = record.get("next_follow_up_date")
        return _iso_day(day, "next_follow_up_date") if day else None
    open_ones = [
        f
        for f in record.get("follow_ups") or []
        if isinstance(f, dict) and not f.get("done_at") and not f.get("deleted_at")
    ]
    if not open_ones:
        return None
    first = min(open_ones, key=lambda f: str(f.get("due_at") or ""))
    return _json_day(first)


JSON_ACTIVITY_KEYS = (
    "interactions",
    "follow_ups",
    "cadences",
    "deals",
    "quotes",
    "invoices",
    "payments",
    "alternates",
)


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


_random_hex: list[str] = []
_random_pid = [0]  # a forked process must not replay its parent's random bytes


def uuid4() -> str:
    """A random (version 4, RFC 4122 variant) uuid as text: what str(uuid.uuid4()) gives, at a
    fifth of the cost (an import makes one per new contact; the random bytes are read from
    the system 4 KiB at a time instead of 16 bytes a call)."""
    if not _random_hex or _random_pid[0] != os.getpid():
        _random_pid[0] = os.getpid()
        _random_hex.clear()
        block = os.urandom(4096).hex()
        _random_hex.extend(block[i : i + 32] for i in range(0, len(block), 32))
    h = _random_hex.pop()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


STRIPPED = (
    "control or bidirectional characters (ESC, BEL, U+202E ...) removed: they could "
    "rewrite a terminal"
)


def _draft_ids(d: ContactDraft, rec: Rec) -> None:
    """A draft's external ids; a pocketcrm or vCard uid that is a uuid is the record's uuid
    (our own export's is not kept as an id besides)."""
    for system, value in sorted(d.external_ids.items(), key=lambda item: item[0] != "pocketcrm"):
        value = str(value).strip()
        if not value:
            continue
        found = UUID_TEXT.match(value) if system in ("pocketcrm", "vcard_uid") else None
        if found and not rec.uuid:
            rec.uuid = found.group(1).lower()
        own = found is not None and found.group(1).lower() == rec.uuid
        if own and (system == "pocketcrm" or value.lower().startswith("urn:uuid:")):
            continue  # our own identity, written by our export: it is the uuid itself
        rec.external.append((system, value))


class Normaliser:
    """Turns parsed drafts and JSON records into normalised records; needs no database, so it
    also runs in the worker processes that parse big files."""

    def __init__(self, stages: Sequence[str], region: str, sqlite: bool = True) -> None:
        self.stages = list(stages)
        self.region = region
        self.sqlite = sqlite  # JSON times become SQLite's stored text, else datetimes
        self.clean_source = False  # the file holds no control characters: skip the look

    def stage_for(self, raw: str, rec: Rec) -> str:
        value = raw.strip()
        if not value:
            return ""
        chosen = validate.key(value)
        if chosen in self.stages:
            return chosen
        synonym = _STAGE_SYNONYMS.get(chosen.replace("_", "")) or _STAGE_SYNONYMS.get(value.lower())
        if synonym in self.stages:
            rec.add_custom("source stage", value)
            return str(synonym)
        rec.add_custom("stage", value)
        rec.notes.append(
            f"stage {value!r} is not one of {', '.join(self.stages)}; kept in custom field 'stage'"
        )
        return ""

    def _phone(self, number: str, label: str, primary: bool, extension: str, rec: Rec) -> None:
        typed = " ".join(number.split())
        if not any(ch.isdigit() for ch in typed):
            rec.add_custom(f"phone ({label})" if label else "phone", number)
            rec.notes.append(f"phone {number!r} has no digits; kept in a custom field")
            return
        e164, valid = validate.normalize_phone(typed, self.region)
        if not valid:
            rec.notes.append(f"phone {typed!r} does not look valid; kept as typed and flagged")
        if any(p[0] == typed for p in rec.phones):
            return
        rec.phones.append((typed, e164, valid, extension, label, primary))

    def _email(self, address: str, label: str, primary: bool, rec: Rec) -> None:
        try:
            clean = validate.email(address)
        except Invalid:
            rec.add_custom(f"email ({label})" if label else "email", address)
            rec.notes.append(
                f"email {address!r} is not an email address; kept in custom field 'email'"
            )
            return
        key = clean.lower()
        if any(e[1] == key for e in rec.emails):
            return
        rec.emails.append((clean, key, label, primary))

    def _tags(self, tags: Sequence[str], rec: Rec) -> None:
        for raw in tags:
            for piece in str(raw).split(","):
                if not piece.strip():
                    continue
                try:
                    tag = validate.tag(piece)
                except Invalid:
                    continue
                if tag not in rec.tags:
                    rec.tags.append(tag)

    def _date(self, value: str, prefix: str, rec: Rec) -> None:
        if not value.strip():
            return
        parts = jsonfmt.birthday_parts(value)
        if parts is None:
            rec.add_custom(prefix, value)
            rec.notes.append(f"{prefix} {value!r} is not a date; kept in custom field {prefix!r}")
            return
        rec.cols[f"{prefix}_year"], rec.cols[f"{prefix}_month"], rec.cols[f"{prefix}_day"] = parts

    def from_draft(self, d: ContactDraft, file: str) -> Rec:
        from pocketcrm.core.transfer.vcard import display_name_for

        stripped = not self.clean_source and strip_all(d)
        if is_blank(d.display_name):  # only zero-width characters: no name at all
            d.display_name = ""
        display = " ".join((d.display_name or display_name_for(d)).split())
        rec = Rec(
            file=file,
            line=d.line,
            name=display,
            explicit_name=bool(d.display_name.strip()),
            notes=list(d.problems),
            revised=d.revised,
        )
        if stripped:
            rec.notes.append(STRIPPED)
        if not display:
            rec.fatal = "no name, email or phone"
            return rec
        if len(display) > 200:
            rec.add_custom("full name", display)
            rec.notes.append(
                "name is longer than 200 characters; shortened (full name in a custom field)"
            )
            display = display[:200].rstrip()
            rec.name = display
        rec.is_company = d.is_company
        self._draft_columns(d, rec, display)
        self._draft_lists(d, rec)
        self._date(d.birthday, "birthday", rec)
        self._date(d.anniversary, "anniversary", rec)
        self._tags(d.tags, rec)
        rec.stage = self.stage_for(d.stage, rec)
        if d.external_ids:
            _draft_ids(d, rec)
        for name, value in d.custom.items():
            rec.add_custom(name.strip() or "field", str(value))
        rec.fts_phones = search.phone_terms((p[0], p[1]) for p in rec.phones)
        return rec

    @staticmethod
    def _draft_columns(d: ContactDraft, rec: Rec, display: str) -> None:
        cols = rec.cols
        cols["display_name"] = display
        cols["name_key"] = fold(display)
        for column in TEXT_COLS:
            cols[column] = str(getattr(d, column) or "").strip()
        if d.photo:
            cols["photo"] = d.photo
        if (
            not cols["given_name"]
            and not cols["family_name"]
            and d.display_name.strip()
            and not d.is_company
        ):
            _, cols["given_name"], cols["family_name"] = validate.split_name(display)
        cols["notes"] = d.notes.strip()
        cols["do_not_contact"] = bool(d.do_not_contact)
        cols["email_opt_out"] = bool(d.email_opt_out)
        rec.company = " ".join(d.company.split())
        rec.company_key = fold(rec.company) if rec.company else ""

    def _draft_lists(self, d: ContactDraft, rec: Rec) -> None:
        for e in d.emails:
            if e.address.strip():
                self._email(e.address, e.label, e.primary, rec)
        for p in d.phones:
            if p.number.strip():
                self._phone(p.number, p.label, p.primary, p.extension, rec)
        for a in d.addresses:
            row = (a.label, a.street, a.extended, a.po_box, a.city, a.region, a.postcode, a.country)
            if any(row[1:]) and row not in rec.addresses:
                rec.addresses.append(row)
        for w in d.websites:
            if w.url.strip() and (w.url.strip(), w.label) not in rec.websites:
                rec.websites.append((w.url.strip(), w.label))

    def from_json(self, value: Any, file: str, line: int) -> Rec:
        if not isinstance(value, dict):
            return Rec(file=file, line=line, name="", fatal="not a contact record (a JSON object)")
        stripped = not self.clean_source and strip_all(value)
        get = value.get
        display = " ".join(str(get("display_name") or "").split())
        if is_blank(display):
            display = ""
        rec = Rec(file=file, line=line, name=display, json=value, explicit_name=True)
        if stripped:
            rec.notes.append(STRIPPED)
        try:
            self._json_fields(value, rec)
        except (CrmError, TypeError, ValueError, AttributeError) as exc:
            rec.fatal = f"not a valid contact record: {exc}"
        return rec

    def _json_fields(self, value: dict[str, Any], rec: Rec) -> None:
        get = value.get
        if not rec.name:
            emails = get("emails") or []
            rec.name = str(emails[0].get("address", "")) if emails else ""
        if not rec.name:
            rec.fatal = "no name"
            return
        uid = str(get("uuid") or "")
        if uid and UUID_TEXT.match(uid):
            rec.uuid = uid.lower()
        cols = rec.cols
        cols["display_name"] = rec.name[:200]
        cols["name_key"] = fold(cols["display_name"])
        for column in (*TEXT_COLS, "owner", "notes"):
            cols[column] = str(get(column) or "")
        cols["do_not_contact"] = bool(get("do_not_contact"))
        cols["email_opt_out"] = bool(get("email_opt_out"))
        for column in (
            "created_at",
            "updated_at",
            "deleted_at",
            "last_contact_at",
            "next_follow_up_at",
        ):
            moment = jsonfmt.parse_time(get(column), column)
            cols[column] = None if moment is None else (db_time(moment) if self.sqlite else moment)
        if cols["next_follow_up_at"] is not None:
            cols["next_follow_up_date"] = _next_follow_up_date(value)
        self._date(str(get("birthday") or ""), "birthday", rec)
        self._date(str(get("anniversary") or ""), "anniversary", rec)
        rec.company_uuid = str(get("company") or "")
        self._json_lists(value, rec)
        for tag in get("tags") or []:
            rec.tags.append(validate.tag(str(tag)))
        stage = str(get("stage") or "")
        rec.stage = self.stage_for(stage, rec) if stage else ""

    def _json_lists(self, value: dict[str, Any], rec: Rec) -> None:
        """A JSON contact's emails, phones, addresses, websites, custom fields and ids."""
        get = value.get
        for e in get("emails") or []:
            self._email(str(e["address"]), str(e.get("label", "")), bool(e.get("primary")), rec)
        for p in get("phones") or []:
            number = str(p["number"])
            e164 = p.get("e164")
            if e164 is None:
                self._phone(
                    number,
                    str(p.get("label", "")),
                    bool(p.get("primary")),
                    str(p.get("extension", "")),
                    rec,
                )
            else:
                rec.phones.append(
                    (
                        number,
                        str(e164),
                        bool(p.get("valid")),
                        str(p.get("extension", "")),
                        str(p.get("label", "")),
                        bool(p.get("primary")),
                    )
                )
        for a in get("addresses") or []:
            rec.addresses.append(
                tuple(
                    str(a.get(k, ""))
                    for k in (
                        "label",
                        "street",
                        "extended",
                        "po_box",
                        "city",
                        "region",
                        "postcode",
                        "country",
                    )
                )  # type: ignore[arg-type]
            )
        for w in get("websites") or []:
            rec.websites.append((str(w["url"]), str(w.get("label", ""))))
        for c in get("custom") or []:
            rec.custom.append((str(c["name"]), str(c.get("value", ""))))
        for x in get("external_ids") or []:
            rec.external.append((str(x["system"]), str(x["value"])))
