"""pocketcrm's own JSON: every record and sub-record, lossless, with uuids as identity.

Layout (one record per line, so both sides stream and a 100,000-contact file never sits in
memory; any other valid JSON of the same shape is read too, just not streamed):

    {"format": "pocketcrm", "version": 1,
    "tags": [
    "vip"
    ],
    "products": [
    {...one product of the catalogue (transfer/jsoncatalog.py)...}
    ],
    "companies": [
    {...one company...}
    ],
    "contacts": [
    {...one contact with emails, phones, alternates, interactions, follow-ups, history,
    deals, quotes and invoices with their lines, and payments...}
    ],
    "costs": [
    {...one cost, naming its contact, company, deal or campaign by uuid...}
    ],
    "cadences": [
    ],
    "suppressions": [
    ]}

Integer ids are not written (a fresh database gives its own); references between records use
uuids (an invoice names its deal, a payment its invoice, by uuid). Dates without a time (an
invoice's issued_on, a payment's paid_on) are plain ISO dates; amounts are integer cents. Times are UTC ISO 8601 with microseconds and a Z. There is no export date, so exporting,
importing into an empty database and exporting again gives the same bytes.

The records themselves are read from the database in bulk by transfer/jsonrecords.py. The
raw-row snapshots at the end (`snapshot_contact`, `restore_contact`) serve undo: an import
batch and an erasure keep the exact stored state of what they change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TextIO

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core.errors import Invalid
from pocketcrm.core.sql import json_value

FORMAT = "pocketcrm"
VERSION = 1
SECTIONS = ("tags", "products", "companies", "contacts", "costs", "cadences", "suppressions")
CHUNK = 1000

Record = dict[str, Any]


# -- times ----------------------------------------------------------------------------------


def iso(value: object) -> str | None:
    """A stored moment as '2026-01-02T03:04:05.000006Z' (raw SQLite text or a datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return value[:10] + "T" + value[11:] + "Z"
        moment = datetime.fromisoformat(value)
    elif isinstance(value, datetime):
        moment = value
    else:
        raise TypeError(f"not a moment: {value!r}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: object) -> str | None:
    """A stored date as 'YYYY-MM-DD' (SQLite gives text, PostgreSQL a date)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value)[:10]).isoformat()


def parse_time(value: object, field: str) -> datetime | None:
    """An aware UTC datetime from the JSON form (None stays None)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(field, f"{value!r} is not a time; use ISO 8601 such as 2026-01-02T09:00:00Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            field, f"{value!r} is not a time; use ISO 8601 such as 2026-01-02T09:00:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def birthday_text(year: object, month: object, day: object) -> str:
    if month is None or day is None:
        return ""
    if type(month) is int and type(day) is int and (year is None or type(year) is int):
        return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
    if year:
        return f"{int(str(year)):04d}-{int(str(month)):02d}-{int(str(day)):02d}"
    return f"--{int(str(month)):02d}-{int(str(day)):02d}"


_FULL_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NO_YEAR = re.compile(r"--(\d{2})-(\d{2})")


def birthday_parts(value: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) from 'YYYY-MM-DD' or '--MM-DD'; None when it is neither."""
    text_value = value.strip()
    found = _FULL_DATE.fullmatch(text_value)
    if found:
        year, month, day = (int(g) for g in found.groups())
        parts: tuple[int | None, int, int] = (year, month, day)
    else:
        found = _NO_YEAR.fullmatch(text_value)
        if not found:
            return None
        parts = (None, int(found.group(1)), int(found.group(2)))
    try:
        datetime(parts[0] or 2000, parts[1], parts[2])
    except ValueError:
        return None
    return parts


# -- writing the document -------------------------------------------------------------------


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_dump = _ENCODER.encode  # one encoder for every record: json.dumps builds one per call


class DocumentWriter:
    """Writes the sections in order, one record per line, never holding a section in memory."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.section = ""
        self.first = True
        self.stream.write(f'{{"format":"{FORMAT}","version":{VERSION},\n')

    def begin(self, name: str) -> None:
        if self.section:
            self.stream.write("\n],\n" if not self.first else "],\n")
        self.section = name
        self.first = True
        self.stream.write(f'"{name}":[')

    def write(self, record: object) -> None:
        self.stream.write(("\n" if self.first else ",\n") + _dump(record))
        self.first = False

    def write_all(self, records: Iterable[object]) -> None:
        for record in records:
            self.write(record)

    def close(self) -> None:
        if self.section:
            self.stream.write("\n]}\n" if not self.first else "]}\n")
        else:
            self.stream.write('"contacts":[]}\n')


# -- reading the document -------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One record of a document: its section ('contacts', ...), its line, and the value."""

    section: str
    line: int
    value: Any


_SECTION_START = re.compile(r'^"(\w+)"\s*:\s*\[(.*)$')


def looks_like_json(head: str) -> bool:
    return head.lstrip("\ufeff \t\r\n").startswith(("{", "["))


def read_document(stream: TextIO) -> Iterator[Item]:
    """Records of a pocketcrm JSON file, streamed when it has the one-record-per-line layout."""
    first = stream.readline()
    stripped = first.lstrip("\ufeff").strip()
    if (
        stripped.startswith("{")
        and stripped.endswith(",")
        and f'"format":"{FORMAT}"' in (stripped.replace(" ", ""))
    ):
        try:
            header = json.loads(stripped[:-1] + "}")
        except json.JSONDecodeError:
            header = None
        if isinstance(header, dict):
            _check_header(header)
            yield from _read_lines(stream)
            return
    rest = stream.read()
    try:
        document = json.loads(first.lstrip("\ufeff") + rest)
    except json.JSONDecodeError as exc:
        raise Invalid("file", f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(document, list):
        for index, value in enumerate(document, 1):
            yield Item("contacts", index, value)
        return
    if not isinstance(document, dict):
        raise Invalid("file", "the JSON file holds neither a pocketcrm export nor a list")
    _check_header(document)
    for section in SECTIONS:
        values = document.get(section) or []
        if not isinstance(values, list):
            raise Invalid("file", f"{section!r} must be a list")
        for index, value in enumerate(values, 1):
            yield Item(section, index, value)


def _check_header(header: dict[str, Any]) -> None:
    fmt = header.get("format", FORMAT)
    if fmt != FORMAT:
        raise Invalid("file", f"this JSON file is a {fmt!r} file, not a pocketcrm export")
    version = header.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise Invalid(
            "file", f"this export is version {version}; this pocketcrm reads up to {VERSION}"
        )


def _read_lines(stream: TextIO) -> Iterator[Item]:
    section = ""
    for line_no, raw in enumerate(stream, 2):
        line = raw.strip()
        if not line:
            continue
        if not section:
            found = _SECTION_START.match(line)
            if found is None:
                if line in ("}", "]}"):
                    continue
                raise Invalid("file", f'line {line_no}: expected a section such as "contacts": [')
            section = found.group(1)
            line = found.group(2).strip()
            if not line:
                continue
        closing = line.startswith("]")
        if not closing:
            body = line[:-1] if line.endswith(",") else line
            try:
                value = json.loads(body)
            except json.JSONDecodeError as exc:
                raise Invalid("file", f"line {line_no}: not valid JSON ({exc.msg})") from None
            if section in SECTIONS:
                yield Item(section, line_no, value)
            continue
        section = ""


# -- raw snapshots for undo -----------------------------------------------------------------

# Child tables of a contact, in the order rows can be inserted (parents first).
CHILD_TABLES = (
    "contact_email",
    "contact_phone",
    "contact_address",
    "contact_website",
    "custom_field",
    "external_id",
    "contact_tag",
    "contact_alternate",
    "stage_change",
    "cadence_rule",
    "interaction",
    "follow_up",
    "reminder",
    "deal",
    "deal_stage_change",
    "invoice",
    "payment",
)

# Rows tied to a contact through a parent rather than a contact_id column of their own (a
# payment has both: another contact's payment against this contact's invoice goes too).
_CHILD_WHERE = {
    "reminder": "contact_id = :c OR follow_up_id IN (SELECT id FROM follow_up WHERE contact_id = :c)",
    "deal_stage_change": "deal_id IN (SELECT id FROM deal WHERE contact_id = :c)",
    "payment": "contact_id = :c OR invoice_id IN (SELECT id FROM invoice WHERE contact_id = :c)",
}


def _rows(session: Session, sql: str, params: Mapping[str, object]) -> list[dict[str, Any]]:
    return [
        {k: json_value(v) for k, v in row.items()}
        for row in session.execute(text(sql), params).mappings()
    ]


def snapshot_contact(session: Session, contact_id: int) -> dict[str, Any]:
    """The exact stored state of a contact and every row tied to it (ids included)."""
    params = {"c": contact_id}
    rows = _rows(session, "SELECT * FROM contact WHERE id = :c", params)
    children: dict[str, list[dict[str, Any]]] = {}
    for table in CHILD_TABLES:
        if table == "contact_tag":
            sql = "SELECT * FROM contact_tag WHERE contact_id = :c ORDER BY tag_id"
        else:
            where = _CHILD_WHERE.get(table, "contact_id = :c")
            sql = f"SELECT * FROM {table} WHERE {where} ORDER BY id"
        children[table] = _rows(session, sql, params)
    return {"contact": rows[0] if rows else None, "children": children}


def _insert(session: Session, table: str, row: dict[str, Any]) -> None:
    columns = list(row)
    session.execute(
        text(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})"
        ),
        row,
    )


def delete_children(session: Session, contact_id: int) -> None:
    """Remove every row tied to a contact, children of children first (reminders before
    follow-ups; payments, invoices, deal stage changes, then deals)."""
    params = {"c": contact_id}
    session.execute(text(f"DELETE FROM reminder WHERE {_CHILD_WHERE['reminder']}"), params)
    for table in reversed(CHILD_TABLES):
        if table != "reminder":
            where = _CHILD_WHERE.get(table, "contact_id = :c")
            session.execute(text(f"DELETE FROM {table} WHERE {where}"), params)


def restore_contact(session: Session, contact_id: int, snapshot: dict[str, Any]) -> None:
    """Put a contact and all its rows back exactly as snapshot_contact saw them.

    A snapshot of a contact that did not exist yet (None) deletes the contact.
    """
    delete_children(session, contact_id)
    row = snapshot.get("contact")
    if row is None:
        session.execute(text("DELETE FROM contact WHERE id = :c"), {"c": contact_id})
        return
    exists = session.execute(text("SELECT 1 FROM contact WHERE id = :c"), {"c": contact_id}).first()
    if exists:
        columns = [c for c in row if c != "id"]
        session.execute(
            text(f"UPDATE contact SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id"),
            row,
        )
    else:
        _insert(session, "contact", row)
    children = snapshot.get("children", {})
    for table in CHILD_TABLES:
        for child in children.get(table, []):
            _insert(session, table, child)
