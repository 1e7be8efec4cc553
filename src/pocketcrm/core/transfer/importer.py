"""Bring contacts in: CSV (Google, Outlook, HubSpot, any), vCard 2.1/3.0/4.0, pocketcrm JSON.

Three steps. Every record is parsed, validated and normalised (phones as typed + E.164 + a
validity flag, stages onto the configured ones, tags, custom fields for whatever has no
column), before the write lock is taken, into a temporary spool; then, inside ONE write
transaction, matched against what exists (uuid, then external ids such as a vCard UID or a
HubSpot id, then email) and written. The preview is the very same run rolled back at the
end, so what it shows is exactly what a write would do, and a write either commits
everything or nothing (a killed import leaves no trace). Other writers wait only for the
short second part (see bench/bench_import_lock.py).

Files stream: records are handled in chunks of CHUNK and new rows go in with executemany, so
memory stays flat whatever the file size. Every write is an ImportBatch whose ImportChange
rows keep each changed record's exact state before, for `import undo`.

Decisions where the world is vague:
- a record matching an existing contact updates it: a field the contact lacks is filled;
  where both have a value and they differ, fidelity.py decides (`on_conflict`: the richer
  spelling of a name, else the newer value; or keep, or replace) and the value not kept is
  recorded as an alternate of the contact; notes are appended, never overwritten; emails,
  phones, addresses, websites, tags and external ids are added when missing, custom fields
  are set; nothing in the database is removed by an import; the report lists every field
  changed or kept (FieldChange);
- a file none of whose records is a contact (random bytes, a JSON list of numbers, a CSV
  whose columns name no contact field) is refused (Invalid): no batch is made;
- likely duplicates (same phone or a close name, but no shared id or email) are created as
  new contacts and listed in the preview; `pocketcrm dupes` and `merge` join them afterwards;
  names are compared with contacts that existed before the import, not within the file;
- an invalid email is kept in the custom field "email" and the row is listed with the reason;
  an invalid phone is kept as typed and flagged; a row with no name, email or phone is skipped;
- a company-only record (vCard KIND:org, Outlook/Google rows with only a company) becomes a
  company; what a company has no column for is appended to its notes;
- people whose email or phone was erased (Suppression) are skipped unless allow_suppressed;
- a JSON record's deals, invoices and payments are added when their uuid is new (a stored one
  is never changed by an import); an invoice whose number belongs to another invoice is left
  out and noted, and so are its payments; references to a deal or invoice of a later record
  are resolved at the end of the run.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import marshal
import operator
import os
import re
import uuid as uuidlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from pocketcrm.core import clock, dates, search, validate
from pocketcrm.core.errors import CrmError, Invalid, NotFound
from pocketcrm.core.matching import NameIndex
from pocketcrm.core.models import ImportBatch, db_time, from_db_time
from pocketcrm.core.search import fold
from pocketcrm.core.settings import Settings
from pocketcrm.core.sql import json_value
from pocketcrm.core.store import Store
from pocketcrm.core.text import is_blank, source_is_clean, strip_all
from pocketcrm.core.transfer import fidelity, jsonfmt
from pocketcrm.core.transfer.records import ContactDraft

FORMATS = ("google", "outlook", "hubspot", "generic", "csv", "vcard", "json")
CHUNK = 2000
MAX_LISTED = 500  # problems, duplicates and suppressed rows listed in a report (all are counted)
MAX_CHANGES = 10_000  # changed fields listed in a report (all are counted)
# The import_change action of an update that kept a newer or chosen stored value over the
# file's: such an import is not the contact's "last import" for fidelity's newer rule, so
# the local edit stays newer than what that import brought.
KEPT_LOCAL = "updated, kept local"

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
_UUID = re.compile(
    r"^(?:urn:uuid:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


# -- what an import reports -----------------------------------------------------------------


# Column order of the rows the importer writes in bulk, one place for each table: the create
# and the update paths both write these, and a column order that drifted apart between them
# would put values in the wrong columns.
_ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "contact_email": ("contact_id", "address", "address_key", "label", "is_primary"),
    "contact_phone": ("contact_id", "number", "e164", "valid", "extension", "label", "is_primary"),
    "contact_website": ("contact_id", "url", "label"),
    "custom_field": ("contact_id", "name", "value"),
    "external_id": ("contact_id", "system", "value"),
    "contact_tag": ("contact_id", "tag_id"),
    "stage_change": ("contact_id", "at", "from_stage", "to_stage", "by"),
    "import_change": ("batch_id", "entity", "entity_id", "action", "before"),
    "contact_alternate": ("contact_id", "field", "value", "source", "batch_id", "recorded_at"),
    "contact_address": (
        "contact_id",
        "label",
        "street",
        "extended",
        "po_box",
        "city",
        "region",
        "postcode",
        "country",
    ),
}


@dataclass(frozen=True)
class SourceInfo:
    path: str
    format: str  # google, outlook, hubspot, generic, vcard or json
    encoding: str  # utf-8, utf-8-sig, windows-1252, ...
    records: int


@dataclass(frozen=True)
class RowNote:
    """A record with something to say: skipped (why) or imported with notes (what)."""

    file: str
    line: int
    name: str
    reasons: tuple[str, ...]
    skipped: bool


@dataclass(frozen=True)
class DuplicateHint:
    """A new record that looks like an existing contact (same phone, close name)."""

    file: str
    line: int
    name: str
    existing_id: int
    existing_name: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SuppressedRow:
    file: str
    line: int
    name: str
    reason: str


@dataclass(frozen=True)
class FieldChange:
    """One field of a stored contact that the import changes or declines to change.

    action: "set" (it was empty), "replace" (the file's value is written; the old one is
    kept as an alternate), "append" (notes: the file's note is added), "keep" (the stored
    value stays; the file's is recorded as an alternate) or "add" (an email, phone,
    address, website, custom field, id or tag the contact lacked). See fidelity.py.
    """

    file: str
    line: int
    contact_id: int
    name: str
    field: str
    old: str
    new: str
    action: str


@dataclass(frozen=True)
class ImportReport:
    """The preview (written False) or the result (written True) of an import."""

    written: bool
    batch_id: int | None
    sources: tuple[SourceInfo, ...]
    created: int
    updated: int
    unchanged: int
    skipped: int
    suppressed: int
    companies_created: int
    companies_updated: int
    problems: tuple[RowNote, ...]
    problem_count: int
    duplicates: tuple[DuplicateHint, ...]
    duplicate_count: int
    suppressed_rows: tuple[SuppressedRow, ...]
    updated_names: tuple[str, ...]
    on_conflict: str = "newer"
    changes: tuple[FieldChange, ...] = ()  # the first MAX_CHANGES, in file order
    change_count: int = 0
    alternates: int = 0  # values recorded as alternates (not kept in the field itself)

    @property
    def encodings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.encoding for s in self.sources))


@dataclass(frozen=True)
class BatchView:
    id: int
    uuid: str
    source: str
    format: str
    encoding: str
    created: int
    updated: int
    skipped: int
    at: datetime
    undone_at: datetime | None


@dataclass(frozen=True)
class UndoReport:
    batch_id: int
    removed: int  # contacts (and companies) the import had created
    restored: int  # records put back to their state before the import
    changed_since: int  # of those, records someone changed after the import


# -- reading sources ------------------------------------------------------------------------


def _first_line(path: Path) -> str:
    from pocketcrm.core.transfer.encoding import open_text

    stream, _ = open_text(path)
    with stream:
        for line in stream:
            if line.strip():
                return line.lstrip("\ufeff")
    return ""


def detect_format(path: str | os.PathLike[str]) -> str:
    """google/outlook/hubspot/generic, vcard or json, from the file's content."""
    import csv

    from pocketcrm.core.transfer.csv_formats import detect_format as csv_flavour

    head = _first_line(Path(path))
    if not head.strip():
        raise Invalid("file", f"{os.fspath(path)} is empty")
    if head.strip().upper().startswith("BEGIN:VCARD"):
        return "vcard"
    if jsonfmt.looks_like_json(head):
        return "json"
    delimiter = max((",", ";", "\t"), key=head.count)
    header = next(csv.reader([head], delimiter=delimiter))
    return csv_flavour([h.strip() for h in header])


PARALLEL_BYTES = 4_000_000  # files this big are parsed by worker processes
BIG_CACHE_KIB = 32 * 1024  # SQLite's page cache during an import
IN_FLIGHT = 4  # chunks being parsed at once: memory stays bounded whatever the file size
_LINE_REF = re.compile(r"^(lines?|rows?) (\d+)(?:-(\d+))?")


def _workers() -> int:
    return min(2, os.cpu_count() or 1)


def _shift(message: str, offset: int) -> str:
    """A parser's 'line 3: ...' inside a chunk, as the line in the whole file."""

    def moved(found: re.Match[str]) -> str:
        end = f"-{int(found.group(3)) + offset}" if found.group(3) else ""
        return f"{found.group(1)} {int(found.group(2)) + offset}{end}"

    return _LINE_REF.sub(moved, message, count=1)


def _csv_chunks(stream: TextIO, size: int = 0) -> Iterator[tuple[str, str, int]]:
    """(header line, text of SIZE whole records, records before them): the csv module finds
    where records end, so quoted line breaks never split a chunk."""
    import csv

    size = size or CHUNK
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    header = stream.readline()
    while header and not header.strip():
        header = stream.readline()
    lines: list[str] = []

    def feed() -> Iterator[str]:
        for line in stream:
            lines.append(line)
            yield line

    delimiter = max((",", ";", "\t"), key=header.count)
    count = offset = 0
    for _ in csv.reader(feed(), delimiter=delimiter):
        count += 1
        if count >= size:
            yield header, "".join(lines), offset
            lines.clear()
            offset += count
            count = 0
    if lines:
        yield header, "".join(lines), offset


def _vcard_chunks(stream: TextIO, size: int = 0) -> Iterator[tuple[str, str, int]]:
    """("", text of about SIZE cards, lines before them), cut only where a card begins."""
    size = size or CHUNK
    lines: list[str] = []
    cards = offset = 0
    for line in stream:
        if line[:11].upper() == "BEGIN:VCARD":
            if cards >= size:
                yield "", "".join(lines), offset
                offset += len(lines)
                lines.clear()
                cards = 0
            cards += 1
        lines.append(line)
    if lines:
        yield "", "".join(lines), offset


def _die_with(parent: int, direct: bool) -> None:
    """Worker initialiser: end this worker when the importing process dies, even by SIGKILL.

    Pool workers otherwise outlive a killed parent, each blocked on the other's pipe with the
    database file open. On Linux the kernel kills a worker whose parent dies
    (PR_SET_PDEATHSIG), and a parent that died before that was set shows as a changed
    parent id. DIRECT: forked by PARENT itself; otherwise (a forkserver's child, or no
    prctl) a thread watches PARENT and ends the worker when it is gone.
    """
    armed = _set_death_signal()
    if direct and os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if armed and direct:
        return
    import threading

    first = os.getppid()

    def watch() -> None:
        import time

        while os.getppid() == first and _alive(parent):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _set_death_signal() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL) through ctypes; False where there is no such call."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    """Whether PID still runs: a zombie (killed, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc here: the signal test is all there is
    return stat.rpartition(")")[2].split()[0] != "Z"


def _parse_chunk(
    job: tuple[str, str, dict[str, str] | None, str, str, int, str], norm: _Normaliser
) -> bytes | list[tuple[Any, ...]] | tuple[str, str]:
    """In a worker: parse one chunk and normalise its records (errors come back as data).

    Records travel as tuples of their fields: a third cheaper to unpickle than dataclass
    instances, and the importing process does the unpickling while it is the busier one.
    They are marshalled (plain strings, numbers, lists and dicts): four times cheaper to
    write than pickle and a little cheaper to read.
    """
    import io

    kind, fmt, mapping, head, body, offset, file = job
    norm.clean_source = source_is_clean(body)
    try:
        if kind == "vcard":
            from pocketcrm.core.transfer.vcard import read_vcard_text

            drafts: Iterator[ContactDraft] = read_vcard_text(body)
        else:
            from pocketcrm.core.transfer.csv_formats import read_csv

            drafts = read_csv(io.StringIO(head + body, newline=""), fmt, mapping)
        out = []
        for draft in drafts:
            draft.line += offset
            draft.problems = [_shift(p, offset) for p in draft.problems]
            out.append(_REC_FIELDS(norm.from_draft(draft, file)))
        try:
            return marshal.dumps(out)
        except ValueError:  # something marshal cannot carry: pickle takes it
            return out
    except CrmError as exc:
        if isinstance(exc, Invalid):
            return (exc.field, _shift(exc.message, offset))
        return ("file", str(exc))


class _Source:
    """One file being read: its format, encoding and a count of records seen."""

    def __init__(self, path: Path, fmt: str | None, mapping: dict[str, str] | None) -> None:
        if fmt is not None and fmt not in FORMATS:
            raise Invalid("format", f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
        if not path.exists():
            raise Invalid("file", f"{path} does not exist; check the path")
        self.path = path
        self.mapping = mapping
        detected = detect_format(path)
        if fmt is None:
            fmt = detected
        elif fmt == "csv":
            fmt = "generic" if detected in ("vcard", "json") else detected
        self.fmt = fmt
        self.encoding = ""
        self.records = 0
        # the records' time when they carry none of their own (fidelity's newer rule)
        self.modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        self.clean = False  # no control character anywhere in the file (set by batches)

    def batches(self, norm: _Normaliser) -> Iterator[tuple[str, bytes]]:
        """The file's normalised records (CSV, vCard) or JSON items, a chunk at a time, in
        file order, packed for the spool (see _pack).

        A big CSV or vCard file is parsed and normalised by worker processes, a chunk each:
        parsing and phone normalisation are most of an import's work.
        """
        from pocketcrm.core.transfer.encoding import open_text

        self.clean = norm.clean_source = self._clean(self.fmt == "json")
        stream, self.encoding = open_text(self.path)
        file = self.path.name
        with stream:
            if self.fmt == "json":
                items = []
                for item in jsonfmt.read_document(stream):
                    items.append((item.section, item.line, item.value))
                    if len(items) >= CHUNK:
                        yield _pack(items, "j")
                        items = []
                if items:
                    yield _pack(items, "j")
                return
            if _workers() > 1 and self.path.stat().st_size >= PARALLEL_BYTES:
                yield from self._parallel(stream, norm)
                return
            if self.fmt == "vcard":
                from pocketcrm.core.transfer.vcard import read_vcards

                drafts: Iterator[ContactDraft] = read_vcards(stream)
            else:
                from pocketcrm.core.transfer.csv_formats import read_csv

                drafts = read_csv(stream, self.fmt, self.mapping)
            records = []
            for draft in drafts:
                records.append(_REC_FIELDS(norm.from_draft(draft, file)))
                if len(records) >= CHUNK:
                    yield _pack(records, "r")
                    records = []
            if records:
                yield _pack(records, "r")

    def _clean(self, json: bool) -> bool:
        """No control or bidirectional character anywhere in the file (one read at C speed;
        a big CSV or vCard file is checked chunk by chunk in the workers instead)."""
        from pocketcrm.core.transfer.encoding import open_text

        if not json and _workers() > 1 and self.path.stat().st_size >= PARALLEL_BYTES:
            return False
        stream, _ = open_text(self.path)
        tail = ""  # an escape cut between two blocks is seen whole
        with stream:
            while block := stream.read(1 << 20):
                if not source_is_clean(tail + block, json=json):
                    return False
                tail = block[-5:]
        return True

    def _parallel(self, stream: TextIO, norm: _Normaliser) -> Iterator[tuple[str, bytes]]:
        import multiprocessing
        import threading
        from collections import deque
        from concurrent.futures import Future, ProcessPoolExecutor

        chunks = _vcard_chunks(stream) if self.fmt == "vcard" else _csv_chunks(stream)
        kind = "vcard" if self.fmt == "vcard" else "csv"
        # fork when this process runs one thread: workers start at once with the parsers
        # loaded and never touch the database connection they inherit. With other threads
        # (the interface imports in a worker thread) forking could copy a held lock, so the
        # workers come from a clean forkserver instead (about half a second to start).
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            context: Any = multiprocessing.get_context("fork")
        elif "forkserver" in methods:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
        else:
            context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=_workers(),
            mp_context=context,
            initializer=_die_with,
            initargs=(os.getpid(), context.get_start_method() != "forkserver"),
        ) as pool:
            pending: deque[Future[bytes | list[tuple[Any, ...]] | tuple[str, str]]] = deque()

            def result(
                future: Future[bytes | list[tuple[Any, ...]] | tuple[str, str]],
            ) -> tuple[str, bytes]:
                found = future.result()
                if isinstance(found, tuple):
                    raise Invalid(*found)
                if isinstance(found, bytes):  # marshalled by the worker: kept as it came
                    return "r", found
                return _pack(found, "r")

            for head, body, offset in chunks:
                job = (kind, self.fmt, self.mapping, head, body, offset, self.path.name)
                pending.append(pool.submit(_parse_chunk, job, norm))
                if len(pending) >= IN_FLIGHT:
                    yield result(pending.popleft())
            while pending:
                yield result(pending.popleft())

    def info(self) -> SourceInfo:
        return SourceInfo(str(self.path), self.fmt, self.encoding, self.records)


def _pack(rows: list[tuple[Any, ...]], kind: str) -> tuple[str, bytes]:
    """A chunk of records ("r": _Rec fields) or JSON items ("j": section, line, value) as
    bytes: marshal (cheap both ways), or pickle ("R", "J") for what marshal cannot carry."""
    try:
        return kind, marshal.dumps(rows)
    except ValueError:
        import pickle

        return kind.upper(), pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)


class _Spool:
    """Every source read, parsed and normalised BEFORE the write lock is taken.

    An import used to parse inside its write transaction, holding the lock for the whole
    run (a minute for 100,000 rows on a busy machine), and every other writer waited or
    failed. The chunks wait here instead, in an anonymous temporary file (private, already
    unlinked), so memory stays flat; the locked phase only reads them back and writes.
    """

    def __init__(self) -> None:
        import tempfile

        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.chunks: list[list[tuple[str, int, int]]] = []
        self.size = 0

    def read(self, source: _Source, norm: _Normaliser) -> None:
        chunks: list[tuple[str, int, int]] = []
        for kind, blob in source.batches(norm):
            self.file.write(blob)
            chunks.append((kind, self.size, len(blob)))
            self.size += len(blob)
        self.chunks.append(chunks)

    def items(self, index: int) -> Iterator[_Rec | jsonfmt.Item]:
        """The records of the INDEXth source read, in file order."""
        for kind, start, length in self.chunks[index]:
            self.file.seek(start)
            blob = self.file.read(length)
            if kind.isupper():
                import pickle

                rows = pickle.loads(blob)  # written by this process, just now
            else:
                rows = marshal.loads(blob)
            if kind.lower() == "j":
                for section, line, value in rows:
                    yield jsonfmt.Item(section, line, value)
            else:
                for fields in rows:
                    yield _Rec(*fields)

    def close(self) -> None:
        self.file.close()


# -- the normalised record ------------------------------------------------------------------


@dataclass
class _Rec:
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


# A record's field values in declaration order (_Rec(*values) rebuilds it).
_REC_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(_Rec)))

_TEXT_COLS = (
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
_NAME_PARTS = ("given_name", "additional_names", "family_name")
# Columns of the deal, invoice and payment rows a JSON import writes.
_MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "deal": (
        "id",
        "uuid",
        "contact_id",
        "company_id",
        "title",
        "amount_cents",
        "currency",
        "stage",
        "owner",
        "expected_close_on",
        "closed_at",
        "lost_reason",
        "notes",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "deal_stage_change": ("deal_id", "at", "from_stage", "to_stage", "changed_by"),
    "invoice": (
        "id",
        "uuid",
        "number",
        "kind",
        "contact_id",
        "deal_id",
        "issued_on",
        "due_on",
        "amount_cents",
        "currency",
        "description",
        "cancelled_at",
        "cancel_reason",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "payment": (
        "id",
        "uuid",
        "invoice_id",
        "contact_id",
        "amount_cents",
        "currency",
        "paid_on",
        "method",
        "notes",
        "created_at",
        "deleted_at",
    ),
}


def _get(item: object, key: str) -> object:
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


def _json_due(follow_up: dict[str, Any], due_at: Any) -> tuple[Any, bool, str | None]:
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


# Sub-records of a JSON contact that are written after the contact row (they point to it).
_JSON_ACTIVITY_KEYS = (
    "interactions",
    "follow_ups",
    "cadences",
    "deals",
    "invoices",
    "payments",
    "alternates",
)

_CONTACT_COLUMNS = (
    "id",
    "uuid",
    "display_name",
    "given_name",
    "family_name",
    "additional_names",
    "prefix",
    "suffix",
    "nickname",
    "name_key",
    "company_id",
    "title",
    "department",
    "stage",
    "owner",
    "notes",
    "birthday_year",
    "birthday_month",
    "birthday_day",
    "anniversary_year",
    "anniversary_month",
    "anniversary_day",
    "do_not_contact",
    "email_opt_out",
    "source",
    "photo",
    "last_contact_at",
    "next_follow_up_at",
    "next_follow_up_date",
    "created_at",
    "updated_at",
    "deleted_at",
)


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


_random_hex: list[str] = []
_random_pid = [0]  # a forked process must not replay its parent's random bytes


def _uuid4() -> str:
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


_STRIPPED = (
    "control or bidirectional characters (ESC, BEL, U+202E ...) removed: they could "
    "rewrite a terminal"
)


def phone_key(number: str, e164: str) -> str:
    """How a phone is matched: its E.164 form, else its digits."""
    return e164 or "".join(ch for ch in number if ch.isdigit())


def digest(kind: str, value: str) -> str:
    """The Suppression hash of a normalised email (lower-cased) or E.164 phone."""
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


# -- the import run -------------------------------------------------------------------------


class _Normaliser:
    """Turns parsed drafts and JSON records into normalised records; needs no database, so it
    also runs in the worker processes that parse big files."""

    def __init__(self, stages: Sequence[str], region: str, sqlite: bool = True) -> None:
        self.stages = list(stages)
        self.region = region
        self.sqlite = sqlite  # JSON times become SQLite's stored text, else datetimes
        self.clean_source = False  # the file holds no control characters: skip the look

    def stage_for(self, raw: str, rec: _Rec) -> str:
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

    def _phone(self, number: str, label: str, primary: bool, extension: str, rec: _Rec) -> None:
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

    def _email(self, address: str, label: str, primary: bool, rec: _Rec) -> None:
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

    def _tags(self, tags: Sequence[str], rec: _Rec) -> None:
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

    def _date(self, value: str, prefix: str, rec: _Rec) -> None:
        if not value.strip():
            return
        parts = jsonfmt.birthday_parts(value)
        if parts is None:
            rec.add_custom(prefix, value)
            rec.notes.append(f"{prefix} {value!r} is not a date; kept in custom field {prefix!r}")
            return
        rec.cols[f"{prefix}_year"], rec.cols[f"{prefix}_month"], rec.cols[f"{prefix}_day"] = parts

    def from_draft(self, d: ContactDraft, file: str) -> _Rec:
        from pocketcrm.core.transfer.vcard import display_name_for

        stripped = not self.clean_source and strip_all(d)
        if is_blank(d.display_name):  # only zero-width characters: no name at all
            d.display_name = ""
        display = " ".join((d.display_name or display_name_for(d)).split())
        rec = _Rec(
            file=file,
            line=d.line,
            name=display,
            explicit_name=bool(d.display_name.strip()),
            notes=list(d.problems),
            revised=d.revised,
        )
        if stripped:
            rec.notes.append(_STRIPPED)
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
        cols = rec.cols
        cols["display_name"] = display
        cols["name_key"] = fold(display)
        for column in _TEXT_COLS:
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
        self._date(d.birthday, "birthday", rec)
        self._date(d.anniversary, "anniversary", rec)
        self._tags(d.tags, rec)
        rec.stage = self.stage_for(d.stage, rec)
        ordered = (
            sorted(d.external_ids.items(), key=lambda item: item[0] != "pocketcrm")
            if d.external_ids
            else ()
        )
        for system, value in ordered:
            value = str(value).strip()
            if not value:
                continue
            found = _UUID.match(value) if system in ("pocketcrm", "vcard_uid") else None
            if found and not rec.uuid:
                rec.uuid = found.group(1).lower()
            own = found is not None and found.group(1).lower() == rec.uuid
            if own and (system == "pocketcrm" or value.lower().startswith("urn:uuid:")):
                continue  # our own identity, written by our export: it is the uuid itself
            rec.external.append((system, value))
        for name, value in d.custom.items():
            rec.add_custom(name.strip() or "field", str(value))
        rec.fts_phones = search.phone_terms((p[0], p[1]) for p in rec.phones)
        return rec

    def from_json(self, value: Any, file: str, line: int) -> _Rec:
        if not isinstance(value, dict):
            return _Rec(file=file, line=line, name="", fatal="not a contact record (a JSON object)")
        stripped = not self.clean_source and strip_all(value)
        get = value.get
        display = " ".join(str(get("display_name") or "").split())
        if is_blank(display):
            display = ""
        rec = _Rec(file=file, line=line, name=display, json=value, explicit_name=True)
        if stripped:
            rec.notes.append(_STRIPPED)
        try:
            self._json_fields(value, rec)
        except (CrmError, TypeError, ValueError, AttributeError) as exc:
            rec.fatal = f"not a valid contact record: {exc}"
        return rec

    def _json_fields(self, value: dict[str, Any], rec: _Rec) -> None:
        get = value.get
        if not rec.name:
            emails = get("emails") or []
            rec.name = str(emails[0].get("address", "")) if emails else ""
        if not rec.name:
            rec.fatal = "no name"
            return
        uid = str(get("uuid") or "")
        if uid and _UUID.match(uid):
            rec.uuid = uid.lower()
        cols = rec.cols
        cols["display_name"] = rec.name[:200]
        cols["name_key"] = fold(cols["display_name"])
        for column in (*_TEXT_COLS, "owner", "notes"):
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
        for tag in get("tags") or []:
            rec.tags.append(validate.tag(str(tag)))
        stage = str(get("stage") or "")
        rec.stage = self.stage_for(stage, rec) if stage else ""


class _Fields:
    """The scalar fields of one stored contact against one record: what the import writes,
    what it keeps, and the alternates it records (the rule itself is fidelity.decide)."""

    def __init__(self, run: _Run, cid: int, row: Any, rec: _Rec) -> None:
        self.run, self.cid, self.row, self.rec = run, cid, row, rec
        self.alternates: list[tuple[str, str]] = []  # (field, value) to record
        self._known: set[tuple[str, str]] | None = None
        self._times: fidelity.Times | None = None
        self.kept_local = False  # a stored value was kept over the file's (not a spelling)

    def times(self) -> fidelity.Times:
        if self._times is None:
            self._times = self.run.times_of(self.cid, self.row, self.rec)
        return self._times

    def known(self) -> set[tuple[str, str]]:
        """The contact's alternates as (field, value), read when first needed."""
        if self._known is None:
            self._known = {
                (str(f), str(v))
                for f, v in self.run.conn.exec_driver_sql(
                    f"SELECT field, value FROM contact_alternate WHERE contact_id = {int(self.cid)}"
                )
            }
        return self._known

    def alternate(self, field_name: str, value: str) -> bool:
        """Record VALUE as an alternate unless the contact has it already; True if new."""
        known = self.known()
        if not value or (field_name, value) in known:
            return False
        known.add((field_name, value))
        self.alternates.append((field_name, value))
        return True

    def listed(self, field_name: str, old: str, new: str, action: str) -> None:
        run = self.run
        run.change_count += 1
        if len(run.changes) < MAX_CHANGES:
            run.changes.append(
                FieldChange(
                    self.rec.file,
                    self.rec.line,
                    self.cid,
                    str(self.row["display_name"]),
                    field_name,
                    old,
                    new,
                    action,
                )
            )

    def settle(
        self, name: str, incoming: str, changes: dict[str, Any], stored: str | None = None
    ) -> None:
        """Put the file's value of NAME in CHANGES if it is to be written."""
        current = str(self.row[name] or "") if stored is None else stored
        if incoming and incoming != current and self.choose(name, current, incoming):
            changes[name] = incoming

    def choose(self, name: str, current: str, incoming: str) -> bool:
        """Whether the file's differing value of NAME is written; lists the decision and
        records the value not kept as an alternate."""
        choice = fidelity.decide(current, incoming, self.run.on_conflict, self.times)
        if choice is None:  # nothing stored: the file fills it
            self.listed(name, current, incoming, "set")
            return True
        if choice == fidelity.TAKE:
            self.alternate(name, current)
            self.listed(name, current, incoming, "replace")
            return True
        self.kept_local |= not fidelity.same_name(current, incoming)
        if self.alternate(name, incoming):
            self.listed(name, current, incoming, "keep")
        return False

    def follow(self, name: str, incoming: str, changes: dict[str, Any]) -> None:
        """Write the file's value of NAME (a part of a name taken as a whole), the stored
        one kept as an alternate."""
        current = str(self.row[name] or "")
        if incoming == current:
            return
        changes[name] = incoming
        self.alternate(name, current)
        self.listed(name, current, incoming, "replace" if current else "set")

    def settle_notes(self, incoming: str, changes: dict[str, Any]) -> None:
        """Notes are never overwritten: the file's note is appended, or kept aside."""
        current = str(self.row["notes"] or "")
        if not incoming or incoming in current:
            return
        if fidelity.decide(current, incoming, self.run.on_conflict, self.times) == fidelity.KEEP:
            self.kept_local = True
            if self.alternate("notes", incoming):
                self.listed("notes", current, incoming, "keep")
            return
        changes["notes"] = f"{current}\n{incoming}" if current else incoming
        self.listed("notes", current, incoming, "append" if current else "set")


class _Rollback(Exception):
    """Raised inside the write transaction to end a preview without keeping anything."""


class _Run:
    """One import inside one write transaction; `write=False` is the same run, rolled back."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        *,
        allow_suppressed: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.session = session
        self.conn: Connection = session.connection()
        self.settings = settings
        self.region = settings.default_region
        self.allow_suppressed = allow_suppressed
        self.progress = progress
        self.sqlite = self.conn.dialect.name == "sqlite"
        self.norm = _Normaliser(settings.stages, settings.default_region, self.sqlite)
        self.mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        # Bulk inserts go straight to SQLite's driver (about 4x SQLAlchemy's executemany);
        # the cursor shares the session's connection, so its transaction too.
        self.cursor: Any = self.conn.connection.cursor() if self.sqlite else None
        self.now = clock.now()
        self.now_db: Any = db_time(self.now) if self.sqlite else self.now
        self.owner = settings.owner
        # counters and report lines
        self.created = self.updated = self.unchanged = self.skipped = self.suppressed = 0
        self.companies_created = self.companies_updated = 0
        self.problems: list[RowNote] = []
        self.problem_count = 0
        self.duplicates: list[DuplicateHint] = []
        self.duplicate_count = 0
        self.suppressed_rows: list[SuppressedRow] = []
        self.updated_names: list[str] = []
        self.batch = ImportBatch(at=self.now)
        session.add(self.batch)
        session.flush()
        assert self.batch.id is not None
        self.batch_id = self.batch.id
        self._load_state()
        self._reset_buffers()
        self.created_ids: set[int] = set()
        self.touched: set[int] = set()
        self.pending: set[int] = set()  # created in the current (unflushed) chunk
        # conflicts between stored and imported values (fidelity.py)
        self.on_conflict = fidelity.DEFAULT_POLICY
        self.source_times: dict[str, datetime] = {}
        self.last_imports: dict[int, datetime] | None = None
        self.synced: set[int] = set()  # updated by this run without keeping a local value
        self.changes: list[FieldChange] = []
        self.change_count = self.alternate_count = 0

    @contextmanager
    def big_cache(self) -> Iterator[None]:
        """32 MiB of page cache while the run writes (SQLite's default is 2 MiB): the new
        rows' index pages stay in memory between chunks (about 4% of an import's time)."""
        if self.cursor is None:
            yield
            return
        (before,) = self.cursor.execute("PRAGMA cache_size").fetchone()
        self.cursor.execute(f"PRAGMA cache_size={-BIG_CACHE_KIB}")
        try:
            yield
        finally:
            self.cursor.execute(f"PRAGMA cache_size={int(before)}")

    # -- state ------------------------------------------------------------------------------

    def _scalar(self, sql: str) -> int:
        return int(self.conn.exec_driver_sql(sql).scalar() or 0)

    def _load_state(self) -> None:
        conn = self.conn
        self.next_contact = self._scalar("SELECT max(id) FROM contact") + 1
        self.next_company = self._scalar("SELECT max(id) FROM company") + 1
        self.next_tag = self._scalar("SELECT max(id) FROM tag") + 1
        self.next_interaction = self._scalar("SELECT max(id) FROM interaction") + 1
        self.had_contacts = self.next_contact > 1
        self.had_interactions = self.next_interaction > 1
        # Deals, invoices and payments take ids from these (an invoice names its deal, a
        # payment its invoice); uuids and numbers written by this run, for matching.
        self.next_deal = self._scalar("SELECT max(id) FROM deal") + 1
        self.next_invoice = self._scalar("SELECT max(id) FROM invoice") + 1
        self.next_payment = self._scalar("SELECT max(id) FROM payment") + 1
        self.had_deals = self.next_deal > 1
        self.had_invoices = self.next_invoice > 1
        self.had_payments = self.next_payment > 1
        self.deal_ids: dict[str, int] = {}
        self.invoice_ids: dict[str, int] = {}
        self.invoice_numbers: set[str] = set()
        self.payment_uuids: set[str] = set()
        # invoice -> deal and payment -> invoice references to rows of later records
        self.late_deal_links: list[tuple[int, str]] = []
        self.late_payments: list[tuple[int, dict[str, Any], _Rec]] = []
        if self.sqlite:
            # New contacts take ids above the largest; a search row left above it (by a
            # purge elsewhere) must not sit beside the new contact's row.
            conn.exec_driver_sql(f"DELETE FROM contact_fts WHERE rowid >= {self.next_contact}")
        self.by_email: dict[str, int] = {}
        self.by_external: dict[tuple[str, str], int] = {}
        self.by_uuid: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        # (name key, phone key): the fallback for records without ids or emails; a record
        # with neither emails nor phones uses (name key, "") against contacts likewise bare.
        self.by_name_phone: dict[tuple[str, str], int] = {}
        self.names: NameIndex | None = None
        self.name_of: dict[int, str] = {}
        if self.had_contacts:
            for address_key, cid in conn.exec_driver_sql(
                "SELECT e.address_key, e.contact_id FROM contact_email e "
                "JOIN contact c ON c.id = e.contact_id WHERE c.deleted_at IS NULL ORDER BY e.id"
            ):
                self.by_email.setdefault(str(address_key), int(cid))
            for system, value, cid in conn.exec_driver_sql(
                "SELECT system, value, contact_id FROM external_id"
            ):
                self.by_external[(str(system), str(value))] = int(cid)
            for uid, cid in conn.exec_driver_sql("SELECT uuid, id FROM contact"):
                self.by_uuid[str(uid)] = int(cid)
            for e164, cid in conn.exec_driver_sql(
                "SELECT p.e164, p.contact_id FROM contact_phone p JOIN contact c "
                "ON c.id = p.contact_id WHERE c.deleted_at IS NULL AND p.e164 != ''"
            ):
                self.by_phone.setdefault(str(e164), int(cid))
            for cid, name_key, e164, number in conn.exec_driver_sql(
                "SELECT c.id, c.name_key, p.e164, p.number FROM contact c LEFT JOIN contact_phone p "
                "ON p.contact_id = c.id WHERE c.deleted_at IS NULL AND (p.id IS NOT NULL OR "
                "NOT EXISTS (SELECT 1 FROM contact_email e WHERE e.contact_id = c.id))"
            ):
                self.by_name_phone.setdefault(
                    (str(name_key), phone_key(str(number or ""), str(e164 or ""))), int(cid)
                )
            self.names = NameIndex()
            for cid, name in conn.exec_driver_sql(
                "SELECT id, display_name FROM contact WHERE deleted_at IS NULL"
            ):
                self.names.add(int(cid), str(name))
                self.name_of[int(cid)] = str(name)
        self.company_by_key: dict[str, int] = {}
        self.company_by_uuid: dict[str, int] = {}
        # every company's name, for the search rows of new contacts
        self.company_names = {
            int(i): str(n) for i, n in conn.exec_driver_sql("SELECT id, name FROM company")
        }
        self.tag_names: dict[int, str] = {}
        for coid, name_key, uid in conn.exec_driver_sql(
            "SELECT id, name_key, uuid FROM company WHERE deleted_at IS NULL ORDER BY id"
        ):
            self.company_by_key.setdefault(str(name_key), int(coid))
            self.company_by_uuid[str(uid)] = int(coid)
        self.tag_ids = {str(n): int(i) for i, n in conn.exec_driver_sql("SELECT id, name FROM tag")}
        self.tag_names = {i: n for n, i in self.tag_ids.items()}
        self.suppressions = {
            str(d) for (d,) in conn.exec_driver_sql("SELECT digest FROM suppression")
        }

    def _reset_buffers(self) -> None:
        self.buf_companies: list[tuple[Any, ...]] = []
        self.buf_tags: list[tuple[Any, ...]] = []
        self.buf_contacts: list[tuple[Any, ...]] = []
        self.buf_emails: list[tuple[Any, ...]] = []
        self.buf_phones: list[tuple[Any, ...]] = []
        self.buf_addresses: list[tuple[Any, ...]] = []
        self.buf_websites: list[tuple[Any, ...]] = []
        self.buf_custom: list[tuple[Any, ...]] = []
        self.buf_external: list[tuple[Any, ...]] = []
        self.buf_contact_tags: list[tuple[Any, ...]] = []
        self.buf_history: list[tuple[Any, ...]] = []
        self.buf_changes: list[tuple[Any, ...]] = []
        self.buf_json: list[tuple[int, _Rec]] = []
        self.buf_fts: list[tuple[Any, ...]] = []

    def _many(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            marks = ", ".join([self.mark] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            if self.cursor is not None:
                self.cursor.executemany(sql, rows)
            else:
                self.conn.exec_driver_sql(sql, rows)

    def flush(self) -> None:
        """Write the chunk's new rows, parents first."""
        self._many(
            "company",
            (
                "id",
                "uuid",
                "name",
                "name_key",
                "kind",
                "website",
                "phone",
                "email",
                "street",
                "city",
                "region",
                "postcode",
                "country",
                "notes",
                "owner",
                "created_at",
                "updated_at",
                "deleted_at",
            ),
            self.buf_companies,
        )
        self._many("tag", ("id", "name"), self.buf_tags)
        self._many("contact", _CONTACT_COLUMNS, self.buf_contacts)
        self._many(
            "contact_email",
            _ROW_COLUMNS["contact_email"],
            self.buf_emails,
        )
        self._many(
            "contact_phone",
            _ROW_COLUMNS["contact_phone"],
            self.buf_phones,
        )
        self._many(
            "contact_address",
            _ROW_COLUMNS["contact_address"],
            self.buf_addresses,
        )
        self._many("contact_website", _ROW_COLUMNS["contact_website"], self.buf_websites)
        self._many("custom_field", _ROW_COLUMNS["custom_field"], self.buf_custom)
        self._many("external_id", _ROW_COLUMNS["external_id"], self.buf_external)
        self._many("contact_tag", _ROW_COLUMNS["contact_tag"], self.buf_contact_tags)
        self._many("stage_change", _ROW_COLUMNS["stage_change"], self.buf_history)
        self._many(
            "import_change",
            _ROW_COLUMNS["import_change"],
            self.buf_changes,
        )
        for contact_id, json_rec in self.buf_json:
            assert json_rec.json is not None
            self._json_activity(contact_id, json_rec.json, new=True)
            problems = self._json_money(contact_id, json_rec.json, json_rec)
            if problems:
                self.note(json_rec, problems, skipped=False)
        if self.buf_fts and self.cursor is not None:
            # Indexed a chunk at a time, from rows create() built out of the records: what
            # search.reindex would read back, without reading it back.
            self.cursor.executemany(search.INSERT_SQL, search.folded_rows(self.buf_fts))
        self._reset_buffers()
        self.pending.clear()

    # -- reporting --------------------------------------------------------------------------

    def note(self, rec: _Rec, reasons: Sequence[str], skipped: bool) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(RowNote(rec.file, rec.line, rec.name, tuple(reasons), skipped))

    # -- records from the sources -----------------------------------------------------------

    def from_draft(self, d: ContactDraft, file: str) -> _Rec:
        return self.norm.from_draft(d, file)

    def from_json(self, value: Any, file: str, line: int) -> _Rec:
        return self.norm.from_json(value, file, line)

    # -- matching ---------------------------------------------------------------------------

    def match(self, rec: _Rec) -> tuple[int | None, str]:
        if rec.uuid and rec.uuid in self.by_uuid:
            return self.by_uuid[rec.uuid], "uuid"
        for pair in rec.external:
            if pair in self.by_external:
                return self.by_external[pair], f"{pair[0]} id"
        for email in rec.emails:
            if email[1] in self.by_email:
                return self.by_email[email[1]], f"email {email[0]}"
        key = rec.cols.get("name_key", "")
        for phone in rec.phones:
            found = self.by_name_phone.get((key, phone_key(phone[0], phone[1])))
            if found is not None:
                return found, f"name and phone {phone[0]}"
        for phone in rec.phones:  # the same phone, the name spelled otherwise (fidelity)
            found = self.by_phone.get(phone[1]) if phone[1] else None
            if found is not None and fidelity.spelling_key(
                self.name_of.get(found, "")
            ) == fidelity.spelling_key(rec.name):
                return found, f"phone {phone[0]} and the name spelled otherwise"
        if not rec.phones and not rec.emails:
            found = self.by_name_phone.get((key, ""))
            if found is not None:
                return found, "name"
        return None, ""

    def suppressed_by(self, rec: _Rec) -> str:
        if not self.suppressions:
            return ""
        for email in rec.emails:
            if digest("email", email[1]) in self.suppressions:
                return f"email {email[0]} belongs to an erased person"
        for phone in rec.phones:
            key = phone_key(phone[0], phone[1])
            if key and digest("phone", key) in self.suppressions:
                return f"phone {phone[0]} belongs to an erased person"
        return ""

    def hint_duplicates(self, rec: _Rec) -> None:
        if not self.had_contacts:
            return
        from pocketcrm.core.matching import match_key, name_ratio, pair_score

        best: tuple[int, tuple[str, ...], int] | None = None
        candidates: dict[int, dict[str, Any]] = {}
        for phone in rec.phones:
            if phone[1] and phone[1] in self.by_phone:
                candidates.setdefault(self.by_phone[phone[1]], {})["phone"] = phone[1]
        if self.names is not None:
            for cid, ratio in self.names.similar(rec.name)[:5]:
                candidates.setdefault(cid, {})["ratio"] = ratio
        for cid, found in candidates.items():
            if cid in self.created_ids or cid not in self.name_of:
                continue
            ratio = found.get("ratio") or name_ratio(
                match_key(rec.name), match_key(self.name_of[cid])
            )
            score, reasons = pair_score(phone=found.get("phone", ""), ratio=int(ratio))
            if score and (best is None or score > best[0]):
                best = (score, reasons, cid)
        if best is not None and best[0] >= 70:
            self.duplicate_count += 1
            if len(self.duplicates) < MAX_LISTED:
                self.duplicates.append(
                    DuplicateHint(
                        rec.file,
                        rec.line,
                        rec.name,
                        best[2],
                        self.name_of[best[2]],
                        best[0],
                        best[1],
                    )
                )

    # -- companies --------------------------------------------------------------------------

    def buying_stages(self) -> set[str]:
        """The stages playing the customer and past-customer roles: a company first met
        through someone in them is a customer."""
        roles = self.settings
        return {roles.stage_for("customer"), roles.stage_for("past")} - {""}

    def company_id(self, name: str, stage: str, key: str = "") -> int:
        key = key or fold(name)
        found = self.company_by_key.get(key)
        if found is not None:
            return found
        kind = "customer" if stage in self.buying_stages() else "prospect"
        return self._new_company({"name": name[:200], "kind": kind}, key)

    def _new_company(self, values: dict[str, Any], key: str, uid: str = "") -> int:
        coid = self.next_company
        self.next_company += 1
        row = {
            "id": coid,
            "uuid": uid or _uuid4(),
            "name": values["name"],
            "name_key": key,
            "kind": values.get("kind", "customer"),
            **{
                k: str(values.get(k, ""))
                for k in (
                    "website",
                    "phone",
                    "email",
                    "street",
                    "city",
                    "region",
                    "postcode",
                    "country",
                    "notes",
                )
            },
            "owner": str(values.get("owner", self.owner)),
            "created_at": values.get("created_at", self.now_db),
            "updated_at": values.get("updated_at", self.now_db),
            "deleted_at": values.get("deleted_at"),
        }
        self.buf_companies.append(tuple(row.values()))
        self.buf_changes.append((self.batch_id, "company", coid, "created", ""))
        self.company_by_key.setdefault(key, coid)
        self.company_by_uuid[row["uuid"]] = coid
        self.company_names[coid] = row["name"]
        self.companies_created += 1
        return coid

    def tag_id(self, name: str) -> int:
        found = self.tag_ids.get(name)
        if found is None:
            found = self.next_tag
            self.next_tag += 1
            self.tag_ids[name] = found
            self.tag_names[found] = name
            self.buf_tags.append((found, name))
            self.buf_changes.append((self.batch_id, "tag", found, "created", ""))
        return found

    def company_record(self, rec: _Rec) -> None:
        """A company-only draft: create the company, or fill what an existing one lacks."""

        name = rec.company or rec.name
        values: dict[str, Any] = {"name": name[:200]}
        extra: list[str] = []
        if rec.websites:
            values["website"] = rec.websites[0][0]
            extra += [f"website: {u}" for u, _ in rec.websites[1:]]
        if rec.phones:
            values["phone"] = rec.phones[0][0]
            extra += [f"phone: {p[0]}" for p in rec.phones[1:]]
        if rec.emails:
            values["email"] = rec.emails[0][0]
            extra += [f"email: {e[0]}" for e in rec.emails[1:]]
        if rec.addresses:
            a = rec.addresses[0]
            street = ", ".join(p for p in (a[3], a[1], a[2]) if p)
            values.update(street=street, city=a[4], region=a[5], postcode=a[6], country=a[7])
            extra += [f"address: {', '.join(p for p in b[1:] if p)}" for b in rec.addresses[1:]]
        if rec.name and rec.name != name:
            extra.append(f"name on card: {rec.name}")
        for column in ("title", "department", "nickname"):
            if rec.cols.get(column):
                extra.append(f"{column}: {rec.cols[column]}")
        if rec.cols.get("photo"):
            extra.append(f"photo: {rec.cols['photo']}")
        extra += [f"{n}: {v}" for n, v in rec.custom]
        extra += [f"id {s}: {v}" for s, v in rec.external]
        notes = "\n".join(p for p in [rec.cols.get("notes", ""), *extra] if p)
        values["notes"] = notes
        if rec.stage in self.buying_stages():
            values["kind"] = "customer"
        key = fold(values["name"])
        existing = self.company_by_key.get(key)
        if existing is None:
            coid = self._new_company(values, key)
            for tag in rec.tags:
                self._link_company_tag(coid, tag)
            return
        self.flush()
        self._update_company(existing, values, rec.tags)

    def _link_company_tag(self, coid: int, tag: str) -> None:
        tid = self.tag_id(tag)
        self.flush()  # the company and the tag exist before the link
        self.conn.exec_driver_sql(
            f"INSERT INTO company_tag (company_id, tag_id) VALUES ({self.mark}, {self.mark})",
            [(coid, tid)],
        )

    def _update_company(self, coid: int, values: dict[str, Any], tags: Sequence[str]) -> None:
        row = (
            self.session.execute(text("SELECT * FROM company WHERE id = :c"), {"c": coid})
            .mappings()
            .one()
        )
        changes: dict[str, Any] = {}
        for column in (
            "website",
            "phone",
            "email",
            "street",
            "city",
            "region",
            "postcode",
            "country",
        ):
            if values.get(column) and not row[column]:
                changes[column] = values[column]
        if values.get("notes") and values["notes"] not in row["notes"]:
            changes["notes"] = (
                f"{row['notes']}\n{values['notes']}" if row["notes"] else values["notes"]
            )
        current = {
            int(t)
            for (t,) in self.conn.exec_driver_sql(
                f"SELECT tag_id FROM company_tag WHERE company_id = {int(coid)}"
            )
        }
        new_tags = [t for t in tags if self.tag_ids.get(t) not in current]
        if not changes and not new_tags:
            return
        before = {
            "company": {k: json_value(v) for k, v in row.items()},
            "tags": sorted(current),
        }
        self.conn.exec_driver_sql(
            f"INSERT INTO import_change (batch_id, entity, entity_id, action, before) VALUES ({', '.join([self.mark] * 5)})",
            [(self.batch_id, "company", coid, "updated", json.dumps(before, ensure_ascii=False))],
        )
        if changes:
            changes["updated_at"] = self.now_db
            self.session.execute(
                text(
                    f"UPDATE company SET {', '.join(f'{c} = :{c}' for c in changes)} WHERE id = :id"
                ),
                {**changes, "id": coid},
            )
        for tag in new_tags:
            self._link_company_tag(coid, tag)
        self.companies_updated += 1

    # -- creating contacts ------------------------------------------------------------------

    def create(self, rec: _Rec) -> int:
        cid = self.next_contact
        self.next_contact += 1
        cols = rec.cols
        is_json = rec.json is not None
        stage = rec.stage or self.settings.stages[0]
        company_id = None
        if is_json and rec.company_uuid:
            company_id = self.company_by_uuid.get(rec.company_uuid)
        elif rec.company:
            company_id = self.company_id(rec.company, stage, rec.company_key)
        uid = rec.uuid if rec.uuid and rec.uuid not in self.by_uuid else _uuid4()

        row = (
            cid,
            uid,
            cols["display_name"],
            cols.get("given_name", ""),
            cols.get("family_name", ""),
            cols.get("additional_names", ""),
            cols.get("prefix", ""),
            cols.get("suffix", ""),
            cols.get("nickname", ""),
            cols["name_key"],
            company_id,
            cols.get("title", ""),
            cols.get("department", ""),
            stage,
            cols.get("owner", "") if is_json else self.owner,
            cols.get("notes", ""),
            cols.get("birthday_year"),
            cols.get("birthday_month"),
            cols.get("birthday_day"),
            cols.get("anniversary_year"),
            cols.get("anniversary_month"),
            cols.get("anniversary_day"),
            cols.get("do_not_contact", False),
            cols.get("email_opt_out", False),
            cols.get("source", ""),
            cols.get("photo", ""),
            cols.get("last_contact_at"),
            cols.get("next_follow_up_at"),
            cols.get("next_follow_up_date"),
            cols.get("created_at") or self.now_db,
            cols.get("updated_at") or self.now_db,
            cols.get("deleted_at"),
        )
        self.buf_contacts.append(row)
        primary = next((i for i, e in enumerate(rec.emails) if e[3]), 0)
        for i, (address, key, label, _) in enumerate(rec.emails):
            self.buf_emails.append((cid, address, key, label, i == primary))
            self.by_email.setdefault(key, cid)
        primary = next((i for i, p in enumerate(rec.phones) if p[5]), 0)
        for i, (number, e164, valid, extension, label, _) in enumerate(rec.phones):
            self.buf_phones.append((cid, number, e164, valid, extension, label, i == primary))
            self.by_name_phone.setdefault((cols["name_key"], phone_key(number, e164)), cid)
        if not rec.phones and not rec.emails:
            self.by_name_phone.setdefault((cols["name_key"], ""), cid)
        for a in rec.addresses:
            self.buf_addresses.append((cid, *a))
        for url, label in rec.websites:
            self.buf_websites.append((cid, url, label))
        for name, value in rec.custom:
            self.buf_custom.append((cid, name, value))
        for system, value in rec.external:
            if (system, value) in self.by_external:
                rec.notes.append(
                    f"{system} id {value!r} already belongs to another contact; not linked"
                )
                continue
            self.buf_external.append((cid, system, value))
            self.by_external[(system, value)] = cid
        for tag in rec.tags:
            self.buf_contact_tags.append((cid, self.tag_id(tag)))
        if is_json:
            assert rec.json is not None
            for h in rec.json.get("stage_history") or []:
                at = jsonfmt.parse_time(h.get("at"), "stage_history.at") or self.now
                self.buf_history.append(
                    (
                        cid,
                        db_time(at) if self.sqlite else at,
                        str(h.get("from", "")),
                        str(h.get("to", "")),
                        str(h.get("by", "")),
                    )
                )
            if any(rec.json.get(k) for k in _JSON_ACTIVITY_KEYS):
                self.buf_json.append((cid, rec))
        else:
            self.buf_history.append((cid, self.now_db, "", stage, self.owner))
        self.buf_changes.append((self.batch_id, "contact", cid, "created", ""))
        self.by_uuid[uid] = cid
        self.created_ids.add(cid)
        self.pending.add(cid)
        if self.sqlite:
            self._index_row(cid, rec, company_id)
        self.created += 1
        return cid

    def _index_row(self, cid: int, rec: _Rec, company_id: int | None) -> None:
        """The search row of a new contact, as search._SOURCE_SQL would read it back: sub-rows
        in the order they are inserted, tags in tag id order, trashed contacts left out."""
        cols = rec.cols
        if cols.get("deleted_at") is not None:
            return
        if rec.json is not None and rec.json.get("interactions"):
            self.touched.add(cid)  # their notes are indexed: read back at the end
            return
        company = ""
        if company_id is not None:
            if company_id not in self.company_names:
                self.touched.add(cid)  # read back from the database at the end instead
                return
            company = self.company_names[company_id]
        phones = rec.fts_phones
        if phones is None:
            phones = search.phone_terms((p[0], p[1]) for p in rec.phones)
        tags = sorted({self.tag_ids[t] for t in rec.tags})
        self.buf_fts.append(
            (
                cid,
                f"{cols['display_name']} {cols.get('given_name', '')} "
                f"{cols.get('family_name', '')} {cols.get('nickname', '')}",
                " ".join(e[0] for e in rec.emails),
                phones,
                company,
                " ".join(self.tag_names[t] for t in tags),
                f"{cols.get('notes', '')} {cols.get('title', '')} {cols.get('department', '')}",
                search.activity_text(value for _, value in rec.custom),
            )
        )

    def _json_activity(self, cid: int, record: dict[str, Any], *, new: bool) -> bool:
        """Interactions, follow-ups and cadence rules of a JSON record; existing uuids stay."""
        changed = False
        conn, m = self.conn, self.mark

        def t(value: object, name: str) -> Any:
            moment = jsonfmt.parse_time(value, name)
            if moment is None:
                return None
            return db_time(moment) if self.sqlite else moment

        def taken(table: str, uid: str) -> bool:
            if new and not self.had_interactions:
                return False
            return (
                conn.exec_driver_sql(f"SELECT 1 FROM {table} WHERE uuid = {m}", (uid,)).first()
                is not None
            )

        interaction_ids: dict[str, int] = {}
        rows: list[tuple[Any, ...]] = []
        for i in record.get("interactions") or []:
            uid = str(i.get("uuid") or uuidlib.uuid4())
            if taken("interaction", uid):
                continue
            iid = self.next_interaction
            self.next_interaction += 1
            interaction_ids[uid] = iid
            company = self.company_by_uuid.get(str(i.get("company") or ""))
            rows.append(
                (
                    iid,
                    uid,
                    cid,
                    company,
                    str(i.get("kind", "note")),
                    str(i.get("direction", "")),
                    t(i.get("occurred_at"), "occurred_at") or self.now_db,
                    i.get("duration_s"),
                    str(i.get("outcome", "")),
                    i.get("satisfaction"),
                    str(i.get("owner", "")),
                    str(i.get("notes", "")),
                    t(i.get("created_at"), "created_at") or self.now_db,
                    t(i.get("deleted_at"), "deleted_at"),
                )
            )
        self._many(
            "interaction",
            (
                "id",
                "uuid",
                "contact_id",
                "company_id",
                "kind",
                "direction",
                "occurred_at",
                "duration_s",
                "outcome",
                "satisfaction",
                "owner",
                "notes",
                "created_at",
                "deleted_at",
            ),
            rows,
        )
        changed |= bool(rows)
        rows = []
        for f in record.get("follow_ups") or []:
            uid = str(f.get("uuid") or uuidlib.uuid4())
            if taken("follow_up", uid):
                continue
            ref = f.get("interaction")
            interaction_id = interaction_ids.get(str(ref)) if ref else None
            if ref and interaction_id is None:
                found = conn.exec_driver_sql(
                    f"SELECT id FROM interaction WHERE uuid = {m}", (str(ref),)
                ).first()
                interaction_id = int(found[0]) if found else None
            rows.append(
                (
                    uid,
                    cid,
                    *_json_due(f, t(f.get("due_at"), "due_at") or self.now_db),
                    str(f.get("note", "")),
                    str(f.get("owner", "")),
                    t(f.get("created_at"), "created_at") or self.now_db,
                    t(f.get("done_at"), "done_at"),
                    t(f.get("snoozed_until"), "snoozed_until"),
                    t(f.get("notified_at"), "notified_at"),
                    interaction_id,
                    t(f.get("deleted_at"), "deleted_at"),
                )
            )
        self._many(
            "follow_up",
            (
                "uuid",
                "contact_id",
                "due_at",
                "all_day",
                "due_date",
                "note",
                "owner",
                "created_at",
                "done_at",
                "snoozed_until",
                "notified_at",
                "interaction_id",
                "deleted_at",
            ),
            rows,
        )
        changed |= bool(rows)
        rows = []
        for c in record.get("cadences") or []:
            uid = str(c.get("uuid") or uuidlib.uuid4())
            if taken("cadence_rule", uid):
                continue
            rows.append(
                (
                    uid,
                    cid,
                    str(c.get("tag", "")),
                    int(c["ideal_days"]),
                    int(c["max_days"]),
                    t(c.get("created_at"), "created_at") or self.now_db,
                )
            )
        self._many(
            "cadence_rule",
            ("uuid", "contact_id", "tag", "ideal_days", "max_days", "created_at"),
            rows,
        )
        changed |= bool(rows)
        if new and record.get("alternates"):  # an update adds them with its other fields
            rows = self._alternate_rows(cid, record["alternates"], set())
            self._many("contact_alternate", _ROW_COLUMNS["contact_alternate"], rows)
        return changed

    # -- deals, invoices and payments of JSON records ----------------------------------------

    def _db_value(self, moment: datetime | None) -> Any:
        if moment is None:
            return None
        return db_time(moment) if self.sqlite else moment

    def _time(self, value: object, name: str) -> Any:
        return self._db_value(jsonfmt.parse_time(value, name))

    def _day(self, value: object, name: str) -> Any:
        """A date column's value from 'YYYY-MM-DD' (text for SQLite, a date for PostgreSQL)."""
        if value is None or value == "":
            return None
        try:
            found = date.fromisoformat(str(value))
        except ValueError:
            raise Invalid(name, f"{value!r} is not a date; use YYYY-MM-DD") from None
        return found.isoformat() if self.sqlite else found

    @staticmethod
    def _cents(value: object, name: str) -> int:
        if type(value) is int:
            return value
        raise Invalid(name, f"{value!r} is not an amount in cents; use a whole number")

    def _known(self, table: str, had: bool, uid: str) -> int | None:
        """The id of a stored row with this uuid (None when the table was empty before)."""
        if not had:
            return None
        found = self.conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE uuid = {self.mark}", (uid,)
        ).first()
        return None if found is None else int(found[0])

    def _deal_id(self, uid: str) -> int | None:
        found = self.deal_ids.get(uid)
        return found if found is not None else self._known("deal", self.had_deals, uid)

    def _invoice_id(self, uid: str) -> int | None:
        found = self.invoice_ids.get(uid)
        return found if found is not None else self._known("invoice", self.had_invoices, uid)

    def _number_taken(self, number: str) -> bool:
        if number in self.invoice_numbers:
            return True
        return (
            self.had_invoices
            and self.conn.exec_driver_sql(
                f"SELECT 1 FROM invoice WHERE number = {self.mark}", (number,)
            ).first()
            is not None
        )

    def _created_rows(self, cid: int, entity: str, ids: Sequence[int]) -> None:
        """Undo entries for rows added to a contact that existed before this import (a new
        contact's rows go with it)."""
        if ids and cid not in self.created_ids:
            self._many(
                "import_change",
                _ROW_COLUMNS["import_change"],
                [(self.batch_id, entity, i, "created", "") for i in ids],
            )

    def _json_money(self, cid: int, record: dict[str, Any], rec: _Rec) -> list[str]:
        """Deals with their history, invoices and payments of a JSON record whose uuids are
        new; returns the problems (one per item left out)."""
        problems: list[str] = []
        deals: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        for d in record.get("deals") or []:
            try:
                if not isinstance(d, dict):
                    raise Invalid("deals", "a deal is not a JSON object")
                uid = str(d.get("uuid") or uuidlib.uuid4())
                if uid in self.deal_ids or self._known("deal", self.had_deals, uid) is not None:
                    continue
                title = str(d.get("title", "")).strip()
                if not title:
                    raise Invalid("deal", "a deal without a title")
                row: tuple[Any, ...] = (
                    self.next_deal,
                    uid,
                    cid,
                    self.company_by_uuid.get(str(d.get("company") or "")),
                    title,
                    self._cents(d.get("amount_cents", 0), "amount_cents"),
                    str(d.get("currency", "")),
                    str(d.get("stage", "")) or self.settings.deal_stages[0],
                    str(d.get("owner", "")),
                    self._day(d.get("expected_close_on"), "expected_close_on"),
                    self._time(d.get("closed_at"), "closed_at"),
                    str(d.get("lost_reason", "")),
                    str(d.get("notes", "")),
                    self._time(d.get("created_at"), "created_at") or self.now_db,
                    self._time(d.get("updated_at"), "updated_at") or self.now_db,
                    self._time(d.get("deleted_at"), "deleted_at"),
                )
                steps = [
                    (
                        self.next_deal,
                        self._time(h.get("at"), "history.at") or self.now_db,
                        str(h.get("from", "")),
                        str(h.get("to", "")),
                        str(h.get("by", "")),
                    )
                    for h in d.get("history") or []
                    if isinstance(h, dict)
                ]
            except CrmError as exc:
                problems.append(f"deal {str(_get(d, 'title'))!r} left out: {exc}")
                continue
            self.deal_ids[uid] = self.next_deal
            self.next_deal += 1
            deals.append(row)
            history.extend(steps)
        self._many("deal", _MONEY_COLUMNS["deal"], deals)
        self._many("deal_stage_change", _MONEY_COLUMNS["deal_stage_change"], history)
        self._created_rows(cid, "deal", [r[0] for r in deals])
        invoices: list[tuple[Any, ...]] = []
        for i in record.get("invoices") or []:
            try:
                if not isinstance(i, dict):
                    raise Invalid("invoices", "an invoice is not a JSON object")
                uid = str(i.get("uuid") or uuidlib.uuid4())
                if uid in self.invoice_ids or self._invoice_id(uid) is not None:
                    continue
                number = str(i.get("number", "")).strip()
                if not number:
                    raise Invalid("number", "an invoice without a number")
                if self._number_taken(number):
                    raise Invalid(
                        "number",
                        f"number {number} already belongs to another invoice; change it in "
                        "the file or remove that invoice, then import again",
                    )
                created = jsonfmt.parse_time(i.get("created_at"), "created_at")
                issued = self._day(i.get("issued_on"), "issued_on")
                if issued is None:
                    issued = self._day((created or self.now).date().isoformat(), "issued_on")
                ref = str(i.get("deal") or "")
                deal_id = self._deal_id(ref) if ref else None
                row = (
                    self.next_invoice,
                    uid,
                    number,
                    str(i.get("kind", "")) or "invoice",
                    cid,
                    deal_id,
                    issued,
                    self._day(i.get("due_on"), "due_on"),
                    self._cents(i.get("amount_cents"), "amount_cents"),
                    str(i.get("currency", "")),
                    str(i.get("description", "")),
                    self._time(i.get("cancelled_at"), "cancelled_at"),
                    str(i.get("cancel_reason", "")),
                    self._db_value(created) or self.now_db,
                    self._time(i.get("updated_at"), "updated_at") or self.now_db,
                    self._time(i.get("deleted_at"), "deleted_at"),
                )
            except CrmError as exc:
                problems.append(f"invoice {str(_get(i, 'number'))!r} left out: {exc}")
                continue
            if ref and deal_id is None:
                self.late_deal_links.append((self.next_invoice, ref))
            self.invoice_ids[uid] = self.next_invoice
            self.invoice_numbers.add(number)
            self.next_invoice += 1
            invoices.append(row)
        self._many("invoice", _MONEY_COLUMNS["invoice"], invoices)
        self._created_rows(cid, "invoice", [r[0] for r in invoices])
        problems.extend(self._payments(cid, record.get("payments") or [], rec, late=False))
        return problems

    def _payments(self, cid: int, items: Sequence[Any], rec: _Rec, *, late: bool) -> list[str]:
        """Write payments whose invoice is known; one whose invoice may come in a later record
        waits for the end of the run with those after it, so a contact's payments keep their
        order (late=True is that last try)."""
        problems: list[str] = []
        rows: list[tuple[Any, ...]] = []
        waiting = False
        for p in items:
            if waiting:
                self.late_payments.append((cid, p, rec))
                continue
            try:
                if not isinstance(p, dict):
                    raise Invalid("payments", "a payment is not a JSON object")
                uid = str(p.get("uuid") or uuidlib.uuid4())
                if (
                    uid in self.payment_uuids
                    or self._known("payment", self.had_payments, uid) is not None
                ):
                    continue
                ref = str(p.get("invoice") or "")
                if not ref:
                    raise Invalid("invoice", "a payment names no invoice")
                invoice_id = self._invoice_id(ref)
                if invoice_id is None and not late:
                    self.late_payments.append((cid, p, rec))
                    waiting = True
                    continue
                if invoice_id is None:
                    raise Invalid(
                        "invoice",
                        f"its invoice {ref} is neither in the database nor imported",
                    )
                row = (
                    self.next_payment,
                    uid,
                    invoice_id,
                    cid,
                    self._cents(p.get("amount_cents"), "amount_cents"),
                    str(p.get("currency", "")),
                    self._day(p.get("paid_on"), "paid_on")
                    or self._day(self.now.date().isoformat(), "paid_on"),
                    str(p.get("method", "")),
                    str(p.get("notes", "")),
                    self._time(p.get("created_at"), "created_at") or self.now_db,
                    self._time(p.get("deleted_at"), "deleted_at"),
                )
            except CrmError as exc:
                amount = _get(p, "amount_cents")
                problems.append(
                    f"payment of {amount} cents on {_get(p, 'paid_on')} left out: {exc}"
                )
                continue
            self.payment_uuids.add(uid)
            self.next_payment += 1
            rows.append(row)
        self._many("payment", _MONEY_COLUMNS["payment"], rows)
        self._created_rows(cid, "payment", [r[0] for r in rows])
        return problems

    def settle_late(self) -> None:
        """Resolve references to deals and invoices that came in later records."""
        for invoice_id, ref in self.late_deal_links:
            deal_id = self._deal_id(ref)
            if deal_id is not None:
                self.conn.exec_driver_sql(
                    f"UPDATE invoice SET deal_id = {self.mark} WHERE id = {self.mark}",
                    (deal_id, invoice_id),
                )
        self.late_deal_links = []
        waiting, self.late_payments = self.late_payments, []
        for cid, payment, rec in waiting:
            problems = self._payments(cid, [payment], rec, late=True)
            if problems:
                self.note(rec, problems, skipped=False)

    # -- updating contacts ------------------------------------------------------------------

    def times_of(self, cid: int, row: Any, rec: _Rec) -> fidelity.Times:
        """The moments fidelity's newer rule compares for this contact and record."""
        if rec.json is not None:
            record = from_db_time(rec.cols.get("updated_at"))
        else:
            record = fidelity.revision_time(rec.revised)
        if record is None and rec.file in self.source_times:
            record = self.source_times[rec.file] + fidelity.FILE_TIME_GRACE
        return fidelity.Times(
            stored=from_db_time(row["updated_at"]),
            last_import=self._last_import(cid),
            record=record,
        )

    def _last_import(self, cid: int) -> datetime | None:
        """When an import (not undone) last created or updated the contact; read for all
        contacts at once the first time it is asked."""
        if cid in self.created_ids or cid in self.synced:
            return self.now
        if self.last_imports is None:
            self.last_imports = {}
            for contact_id, at in self.conn.exec_driver_sql(
                "SELECT ch.entity_id, max(b.at) FROM import_change ch JOIN import_batch b "
                "ON b.id = ch.batch_id WHERE ch.entity = 'contact' AND b.undone_at IS NULL "
                f"AND ch.action != '{KEPT_LOCAL}' "
                "AND b.id != " + str(int(self.batch_id)) + " GROUP BY ch.entity_id"
            ):
                moment = from_db_time(at)
                if moment is not None:
                    self.last_imports[int(contact_id)] = moment
        return self.last_imports.get(cid)

    def _company_name(self, company_id: object) -> str:
        return "" if company_id is None else self.company_names.get(int(str(company_id)), "")

    def _alternate_rows(
        self, cid: int, items: Sequence[Any], known: set[tuple[str, str]]
    ) -> list[tuple[Any, ...]]:
        """Rows for the alternates of a JSON record that the contact lacks."""
        rows = []
        for item in items:
            if not isinstance(item, dict) or not item.get("field"):
                continue
            pair = (str(item["field"]), str(item.get("value", "")))
            if pair in known:
                continue
            known.add(pair)
            at = self._time(item.get("recorded_at"), "recorded_at") or self.now_db
            rows.append((cid, *pair, str(item.get("source", "")), self.batch_id, at))
        return rows

    def update(self, cid: int, rec: _Rec, matched_by: str) -> None:
        """Add what the record brings to an existing contact; count it unchanged if nothing."""
        if cid in self.pending:
            self.flush()
        conn, session = self.conn, self.session
        row = (
            session.execute(text("SELECT * FROM contact WHERE id = :c"), {"c": cid})
            .mappings()
            .one()
        )
        cols = rec.cols
        changes: dict[str, Any] = {}
        fields = _Fields(self, cid, row, rec)
        display = str(cols.get("display_name") or "")
        variant = fidelity.same_name(display, str(row["display_name"]))
        if variant:
            # The same name spelled otherwise: its parts are that spelling too, so the
            # name is decided once, as a whole (the richer spelling is kept).
            fields.settle("display_name", display, changes)
            if "display_name" in changes:
                for column in _NAME_PARTS:
                    fields.follow(column, str(cols.get(column) or ""), changes)
        elif rec.json is not None or rec.explicit_name:
            fields.settle("display_name", display, changes)
        if "display_name" in changes:
            changes["name_key"] = fold(changes["display_name"])
        for column in _TEXT_COLS:
            if column not in ("source", "photo") and not (variant and column in _NAME_PARTS):
                fields.settle(column, str(cols.get(column) or ""), changes)
        value = cols.get("photo", "")
        if value and value != row["photo"]:
            changes["photo"] = value
        for prefix in ("birthday", "anniversary"):
            if cols.get(f"{prefix}_month") is not None:
                parts = [f"{prefix}_{part}" for part in ("year", "month", "day")]
                found: dict[str, Any] = {}
                fields.settle(
                    prefix,
                    jsonfmt.birthday_text(*(cols.get(p) for p in parts)),
                    found,
                    jsonfmt.birthday_text(*(row[p] for p in parts)),
                )
                if found:
                    changes.update({p: cols.get(p) for p in parts})
        fields.settle_notes(str(cols.get("notes") or ""), changes)
        for flag in ("do_not_contact", "email_opt_out"):
            if cols.get(flag) and not row[flag]:
                changes[flag] = True
                fields.listed(flag, "no", "yes", "set")
        if rec.json is not None:
            fields.settle("owner", str(cols.get("owner") or ""), changes)
        fields.settle("stage", rec.stage, changes)
        new_stage = str(changes.get("stage", ""))
        company_id = None
        if rec.json is not None and rec.company_uuid:
            company_id = self.company_by_uuid.get(rec.company_uuid)
            incoming = self.company_names.get(company_id, "") if company_id is not None else ""
        else:
            incoming = rec.company
        stored = self._company_name(row["company_id"])
        if incoming and fold(incoming) != fold(stored):
            taken: dict[str, Any] = {}
            fields.settle("company", incoming, taken, stored)
            if taken and company_id is None:
                company_id = self.company_id(
                    rec.company, rec.stage or str(row["stage"]), rec.company_key
                )
            if taken and company_id is not None and company_id != row["company_id"]:
                changes["company_id"] = company_id
        # sub-records: add what is missing
        emails = {
            str(k)
            for (k,) in conn.exec_driver_sql(
                f"SELECT address_key FROM contact_email WHERE contact_id = {cid}"
            )
        }
        new_emails = [e for e in rec.emails if e[1] not in emails]
        phone_rows = conn.exec_driver_sql(
            f"SELECT number, e164 FROM contact_phone WHERE contact_id = {cid}"
        ).all()
        known = {str(n) for n, _ in phone_rows} | {str(e) for _, e in phone_rows if e}
        new_phones = [p for p in rec.phones if p[0] not in known and not (p[1] and p[1] in known)]
        addresses = {
            tuple(str(v) for v in r)
            for r in conn.exec_driver_sql(
                "SELECT label, street, extended, po_box, city, region, postcode, country "
                f"FROM contact_address WHERE contact_id = {cid}"
            )
        }
        new_addresses = [
            a
            for a in rec.addresses
            if a not in addresses and a[1:] not in {x[1:] for x in addresses}
        ]
        sites = {
            str(u)
            for (u,) in conn.exec_driver_sql(
                f"SELECT url FROM contact_website WHERE contact_id = {cid}"
            )
        }
        new_sites = [w for w in rec.websites if w[0] not in sites]
        custom: dict[str, list[tuple[int, str]]] = {}
        for fid, name, value in conn.exec_driver_sql(
            f"SELECT id, name, value FROM custom_field WHERE contact_id = {cid} ORDER BY id"
        ):
            custom.setdefault(str(name), []).append((int(fid), str(value)))
        set_custom: list[tuple[int, str]] = []
        new_custom: list[tuple[str, str]] = []
        for name, value in rec.custom:
            current = custom.get(name)
            if current is None:
                new_custom.append((name, value))
                custom[name] = [(0, value)]
            elif value not in [v for _, v in current]:
                if current[0][0]:
                    if not fields.choose(f"custom: {name}", current[0][1], value):
                        continue
                    set_custom.append((current[0][0], value))
                current[0] = (current[0][0], value)
        external = [x for x in rec.external if self.by_external.get(x) != cid]
        new_external = []
        for pair in external:
            if pair in self.by_external:
                rec.notes.append(
                    f"{pair[0]} id {pair[1]!r} already belongs to another contact; not linked"
                )
            else:
                new_external.append(pair)
        tags = {
            int(t)
            for (t,) in conn.exec_driver_sql(
                f"SELECT tag_id FROM contact_tag WHERE contact_id = {cid}"
            )
        }
        new_tags = [t for t in rec.tags if self.tag_ids.get(t) not in tags]
        history: list[Any] = []
        if rec.json is not None:
            seen = {
                (jsonfmt.iso(at), str(to))
                for at, to in conn.exec_driver_sql(
                    f"SELECT at, to_stage FROM stage_change WHERE contact_id = {cid}"
                )
            }
            for h in rec.json.get("stage_history") or []:
                at = jsonfmt.parse_time(h.get("at"), "stage_history.at") or self.now
                if (jsonfmt.iso(at), str(h.get("to", ""))) not in seen:
                    history.append(
                        (
                            cid,
                            db_time(at) if self.sqlite else at,
                            str(h.get("from", "")),
                            str(h.get("to", "")),
                            str(h.get("by", "")),
                        )
                    )
        elif new_stage:
            history.append((cid, self.now_db, row["stage"], new_stage, self.owner))
        added = (
            [("email", e[0]) for e in new_emails]
            + [("phone", p[0]) for p in new_phones]
            + [("address", ", ".join(x for x in a[1:] if x)) for a in new_addresses]
            + [("website", w[0]) for w in new_sites]
            + [(f"custom: {n}", v) for n, v in new_custom]
            + [(f"{system} id", v) for system, v in new_external]
            + [("tag", t) for t in new_tags]
        )
        for name, value in added:
            fields.listed(name, "", value, "add")
        activity = rec.json is not None and self._json_has_new_activity(rec.json)
        alternates = [
            (cid, f, v, rec.file, self.batch_id, self.now_db) for f, v in fields.alternates
        ]
        if rec.json is not None and rec.json.get("alternates"):
            alternates += self._alternate_rows(cid, rec.json["alternates"], fields.known())
        self.alternate_count += len(fields.alternates)
        anything = (
            changes
            or alternates
            or new_emails
            or new_phones
            or new_addresses
            or new_sites
            or set_custom
            or new_custom
            or new_external
            or new_tags
            or history
            or activity
        )
        if not anything:
            self.unchanged += 1
            return
        if cid not in self.created_ids:
            snapshot = jsonfmt.snapshot_contact(session, cid)
            self._many(
                "import_change",
                _ROW_COLUMNS["import_change"],
                [
                    (
                        self.batch_id,
                        "contact",
                        cid,
                        KEPT_LOCAL if fields.kept_local else "updated",
                        json.dumps(snapshot, ensure_ascii=False),
                    )
                ],
            )
            self.updated += 1
            if not fields.kept_local:
                self.synced.add(cid)
            if len(self.updated_names) < 20:
                self.updated_names.append(f"{row['display_name']} (matched by {matched_by})")
        if changes or not fields.kept_local:
            # An import that only added rows or alternates while keeping newer local values
            # leaves the contact's time alone: it stays the time of that local edit.
            changes["updated_at"] = self.now_db
        links = [(cid, self.tag_id(t)) for t in new_tags]
        self.flush()  # a company or tag this record brought is written before it is used
        if changes:
            session.execute(
                text(
                    f"UPDATE contact SET {', '.join(f'{c} = :{c}' for c in changes)} WHERE id = :id"
                ),
                {**changes, "id": cid},
            )
        has_primary = bool(emails)
        rows_e = []
        for address, key, label, _ in new_emails:
            rows_e.append((cid, address, key, label, not has_primary))
            has_primary = True
            self.by_email.setdefault(key, cid)
        self._many("contact_email", _ROW_COLUMNS["contact_email"], rows_e)
        has_primary = bool(phone_rows)
        rows_p = []
        for number, e164, valid, extension, label, _ in new_phones:
            rows_p.append((cid, number, e164, valid, extension, label, not has_primary))
            has_primary = True
        self._many(
            "contact_phone",
            _ROW_COLUMNS["contact_phone"],
            rows_p,
        )
        self._many(
            "contact_address",
            _ROW_COLUMNS["contact_address"],
            [(cid, *a) for a in new_addresses],
        )
        self._many(
            "contact_website", _ROW_COLUMNS["contact_website"], [(cid, *w) for w in new_sites]
        )
        self._many("custom_field", _ROW_COLUMNS["custom_field"], [(cid, *c) for c in new_custom])
        for fid, value in set_custom:
            conn.exec_driver_sql(
                f"UPDATE custom_field SET value = {self.mark} WHERE id = {fid}", (value,)
            )
        for pair in new_external:
            self.by_external[pair] = cid
        self._many("external_id", _ROW_COLUMNS["external_id"], [(cid, *x) for x in new_external])
        self._many("contact_tag", _ROW_COLUMNS["contact_tag"], links)
        self._many("stage_change", _ROW_COLUMNS["stage_change"], history)
        self._many("contact_alternate", _ROW_COLUMNS["contact_alternate"], alternates)
        if rec.json is not None and self._json_activity(cid, rec.json, new=False):
            from pocketcrm.core.services.activity import refresh_contact_dates

            refresh_contact_dates(session, cid)
        if rec.json is not None:
            rec.notes.extend(self._json_money(cid, rec.json, rec))
        self.touched.add(cid)

    def _json_has_new_activity(self, record: dict[str, Any]) -> bool:
        for table, key in (
            ("interaction", "interactions"),
            ("follow_up", "follow_ups"),
            ("cadence_rule", "cadences"),
            ("deal", "deals"),
            ("invoice", "invoices"),
            ("payment", "payments"),
        ):
            for item in record.get(key) or []:
                uid = str(item.get("uuid") or "")
                if not uid:
                    return True
                if (
                    self.conn.exec_driver_sql(
                        f"SELECT 1 FROM {table} WHERE uuid = {self.mark}", (uid,)
                    ).first()
                    is None
                ):
                    return True
        return False

    # -- one record -------------------------------------------------------------------------

    def handle(self, rec: _Rec) -> None:
        if rec.fatal:
            self.skipped += 1
            self.note(rec, [rec.fatal, *rec.notes], skipped=True)
            return
        reason = self.suppressed_by(rec)
        if reason and not self.allow_suppressed:
            self.suppressed += 1
            if len(self.suppressed_rows) < MAX_LISTED:
                self.suppressed_rows.append(SuppressedRow(rec.file, rec.line, rec.name, reason))
            return
        if rec.is_company:
            self.company_record(rec)
        else:
            cid, matched_by = self.match(rec)
            if cid is None:
                self.hint_duplicates(rec)
                self.create(rec)
            else:
                self.update(cid, rec, matched_by)
        if rec.notes:
            self.note(rec, rec.notes, skipped=False)

    # -- JSON sections other than contacts --------------------------------------------------

    def json_item(self, item: jsonfmt.Item, file: str) -> None:

        value = item.value
        if item.section == "contacts":
            self.handle(self.from_json(value, file, item.line))
            return
        if item.section == "tags":
            if isinstance(value, str) and value.strip():
                self.tag_id(validate.tag(value))
            return
        if not isinstance(value, dict):
            self.note(
                _Rec(file, item.line, ""),
                [f"{item.section} entry is not a JSON object"],
                skipped=True,
            )
            return
        if item.section == "companies":
            name = " ".join(str(value.get("name", "")).split())
            if not name:
                self.note(_Rec(file, item.line, ""), ["company without a name"], skipped=True)
                return
            uid = str(value.get("uuid") or "")
            if uid in self.company_by_uuid:
                return
            key = fold(name)
            existing = self.company_by_key.get(key)
            if existing is not None and value.get("deleted_at") is None:
                self.company_by_uuid[uid] = existing
                return
            values = dict(value)
            for column in ("created_at", "updated_at", "deleted_at"):
                moment = jsonfmt.parse_time(value.get(column), column)
                values[column] = (
                    None if moment is None else (db_time(moment) if self.sqlite else moment)
                )
            values["created_at"] = values["created_at"] or self.now_db
            values["updated_at"] = values["updated_at"] or self.now_db
            coid = self._new_company(values, key, uid if _UUID.match(uid) else "")
            if value.get("deleted_at") is not None and self.company_by_key.get(key) == coid:
                del self.company_by_key[key]  # names match live companies only
            for tag in value.get("tags") or []:
                self._link_company_tag(coid, validate.tag(str(tag)))
            return
        if item.section == "cadences":
            uid = str(value.get("uuid") or uuidlib.uuid4())
            if self.conn.exec_driver_sql(
                f"SELECT 1 FROM cadence_rule WHERE uuid = {self.mark}", (uid,)
            ).first():
                return
            created = jsonfmt.parse_time(value.get("created_at"), "created_at") or self.now
            self.conn.exec_driver_sql(
                f"INSERT INTO cadence_rule (uuid, contact_id, tag, ideal_days, max_days, created_at) VALUES ({', '.join([self.mark] * 6)})",
                (
                    uid,
                    None,
                    str(value.get("tag", "")),
                    int(value["ideal_days"]),
                    int(value["max_days"]),
                    db_time(created) if self.sqlite else created,
                ),
            )
            new_id = self._scalar("SELECT max(id) FROM cadence_rule")
            self.buf_changes.append((self.batch_id, "cadence", new_id, "created", ""))
            return
        if item.section == "suppressions":
            found = str(value.get("digest", ""))
            if not found or found in self.suppressions:
                return
            at = jsonfmt.parse_time(value.get("at"), "at") or self.now
            self.conn.exec_driver_sql(
                f"INSERT INTO suppression (kind, digest, at) VALUES ({self.mark}, {self.mark}, {self.mark})",
                (str(value.get("kind", "")), found, db_time(at) if self.sqlite else at),
            )
            self.suppressions.add(found)
            new_id = self._scalar("SELECT max(id) FROM suppression")
            self.buf_changes.append((self.batch_id, "suppression", new_id, "created", ""))

    # -- the whole run ----------------------------------------------------------------------

    def run(self, sources: Sequence[_Source], spool: _Spool) -> None:
        seen = 0
        for index, source in enumerate(sources):
            file = source.path.name
            self.source_times[file] = source.modified
            self.norm.clean_source = source.clean  # JSON records are normalised from here
            skipped = self.skipped
            for item in spool.items(index):
                source.records += 1
                seen += 1
                if isinstance(item, jsonfmt.Item):
                    try:
                        self.json_item(item, file)
                    except CrmError as exc:
                        self.skipped += 1
                        self.note(_Rec(file, item.line, ""), [str(exc)], skipped=True)
                else:
                    self.handle(item)
                if len(self.buf_contacts) >= CHUNK:
                    self.flush()
                if self.progress is not None and seen % CHUNK == 0:
                    self.progress(seen)
            if source.records and self.skipped - skipped == source.records:
                _nothing_recognised(source)
        self.flush()
        self.settle_late()
        self.finish(sources)

    def finish(self, sources: Sequence[_Source]) -> None:
        session = self.session
        search.reindex(session, sorted(self.touched))  # new ones were indexed as written
        if not self.sqlite:
            for table in ("contact", "company", "tag", "interaction", "deal", "invoice", "payment"):
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 1))"
                )
        batch = self.batch
        batch.source = ", ".join(str(s.path) for s in sources)
        batch.format = ", ".join(dict.fromkeys(s.fmt for s in sources))
        batch.encoding = ", ".join(dict.fromkeys(s.encoding for s in sources))
        batch.created = self.created + self.companies_created
        batch.updated = self.updated + self.companies_updated
        batch.skipped = self.skipped + self.suppressed
        session.add(batch)
        session.flush()

    def report(self, sources: Sequence[_Source], written: bool) -> ImportReport:
        return ImportReport(
            written=written,
            batch_id=self.batch_id if written else None,
            sources=tuple(s.info() for s in sources),
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=self.skipped,
            suppressed=self.suppressed,
            companies_created=self.companies_created,
            companies_updated=self.companies_updated,
            problems=tuple(self.problems),
            problem_count=self.problem_count,
            duplicates=tuple(self.duplicates),
            duplicate_count=self.duplicate_count,
            suppressed_rows=tuple(self.suppressed_rows),
            updated_names=tuple(self.updated_names),
            on_conflict=self.on_conflict,
            changes=tuple(self.changes),
            change_count=self.change_count,
            alternates=self.alternate_count,
        )


def _nothing_recognised(source: _Source) -> None:
    """A file none of whose records is a contact: not an import, a mistake (wrong file)."""
    why = {
        "json": "none of its records is a contact (a JSON object with a name or an email)",
        "vcard": "none of its cards has a name, email or phone",
    }.get(
        source.fmt,
        "no row has a name, email or phone (is it a CSV file whose first line names the "
        "columns, such as Name, Email, Phone? --map names others)",
    )
    raise Invalid("file", f"{source.path}: no contact records found: {why}; nothing was imported")


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """--map "Column Name=field" options as a dict."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise Invalid("map", f"{pair!r} is not COLUMN=FIELD; e.g. --map 'Mobile=phone'")
        mapping[column.strip()] = target.strip()
    return mapping


def import_files(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    write: bool = True,
    allow_suppressed: bool = False,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    on_conflict: str = fidelity.DEFAULT_POLICY,
) -> ImportReport:
    """Import FILES in one transaction; write=False gives the exact preview and keeps nothing.

    strict: refuse to write when any record was skipped or has a problem.
    on_conflict: newer, keep or replace, for a stored value the file differs on (fidelity).
    """
    if not paths:
        raise Invalid("file", "give at least one file to import")
    fidelity.check_policy(on_conflict)
    sources = [_Source(Path(p), fmt, mapping) for p in paths]
    report: ImportReport | None = None
    # Millions of short-lived acyclic objects: the cyclic collector's passes over them cost
    # more than half the run (measured), and reference counting frees them anyway.
    collecting = gc.isenabled()
    gc.disable()
    spool = _Spool()
    try:
        # Parse and normalise first, without the lock: other writers go on meanwhile.
        settings = store.settings
        norm = _Normaliser(settings.stages, settings.default_region, store.is_sqlite)
        for source in sources:
            spool.read(source, norm)
        with store.write() as session:
            run = _Run(
                session, store.settings, allow_suppressed=allow_suppressed, progress=progress
            )
            run.on_conflict = on_conflict
            with run.big_cache():
                run.run(sources, spool)
            if strict and run.problem_count:
                first = run.problems[0]
                raise Invalid(
                    "file",
                    f"{run.problem_count} record(s) have problems (first: {first.file} line "
                    f"{first.line}: {'; '.join(first.reasons)}); nothing was written",
                )
            report = run.report(sources, written=write)
            if not write:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        spool.close()
        if collecting:
            gc.enable()
    assert report is not None
    return report


# -- history and undo -----------------------------------------------------------------------


def list_batches(store: Store, *, limit: int = 20) -> list[BatchView]:
    with store.read() as session:
        rows = session.execute(
            text(
                "SELECT id, uuid, source, format, encoding, created, updated, skipped, at, "
                "undone_at FROM import_batch ORDER BY id DESC LIMIT :n"
            ),
            {"n": limit},
        ).all()
    views = []
    for r in rows:
        at = from_db_time(r[8])
        assert at is not None
        views.append(
            BatchView(
                id=int(r[0]),
                uuid=str(r[1]),
                source=str(r[2]),
                format=str(r[3]),
                encoding=str(r[4]),
                created=int(r[5]),
                updated=int(r[6]),
                skipped=int(r[7]),
                at=at,
                undone_at=from_db_time(r[9]),
            )
        )
    return views


def undo_import(store: Store, batch_id: int | None = None) -> UndoReport:
    """Remove what an import created and put back exactly what it changed (one transaction)."""
    with store.write() as session:
        if batch_id is None:
            batch_id = session.execute(
                text("SELECT max(id) FROM import_batch WHERE undone_at IS NULL")
            ).scalar()
            if batch_id is None:
                raise NotFound("import to undo", "last")
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            raise NotFound("import batch", str(batch_id))
        if batch.undone_at is not None:
            raise Invalid("batch", f"import {batch_id} was already undone")
        removed = restored = changed_since = 0
        at = db_time(batch.at)
        changes = session.execute(
            text(
                "SELECT entity, entity_id, action, before FROM import_change "
                "WHERE batch_id = :b ORDER BY id DESC"
            ),
            {"b": batch_id},
        ).all()
        touched: list[int] = []
        created_contacts: list[int] = []
        created_other: list[tuple[str, int]] = []
        for entity, entity_id, action, before in changes:
            entity_id = int(entity_id)
            if action == "created":
                if entity == "contact":
                    created_contacts.append(entity_id)
                else:
                    created_other.append((str(entity), entity_id))
                continue
            if entity == "contact":
                later = session.execute(
                    text("SELECT 1 FROM contact WHERE id = :c AND updated_at > :t"),
                    {"c": entity_id, "t": at},
                ).first()
                changed_since += 1 if later else 0
                jsonfmt.restore_contact(session, entity_id, json.loads(before))
                touched.append(entity_id)
                restored += 1
            elif entity == "company":
                state = json.loads(before)
                row = state["company"]
                columns = [c for c in row if c != "id"]
                session.execute(
                    text(
                        f"UPDATE company SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id"
                    ),
                    row,
                )
                session.execute(
                    text("DELETE FROM company_tag WHERE company_id = :c"), {"c": entity_id}
                )
                for tag_id in state.get("tags", []):
                    session.execute(
                        text("INSERT INTO company_tag (company_id, tag_id) VALUES (:c, :t)"),
                        {"c": entity_id, "t": tag_id},
                    )
                restored += 1
        for start in range(0, len(created_contacts), 500):
            marks = ",".join(str(i) for i in created_contacts[start : start + 500])
            session.execute(
                text(
                    f"DELETE FROM reminder WHERE contact_id IN ({marks}) OR follow_up_id IN "
                    f"(SELECT id FROM follow_up WHERE contact_id IN ({marks}))"
                )
            )
            session.execute(text(f"DELETE FROM follow_up WHERE contact_id IN ({marks})"))
            session.execute(
                text(
                    f"DELETE FROM payment WHERE contact_id IN ({marks}) OR invoice_id IN "
                    f"(SELECT id FROM invoice WHERE contact_id IN ({marks}))"
                )
            )
            session.execute(text(f"DELETE FROM invoice WHERE contact_id IN ({marks})"))
            session.execute(
                text(
                    "DELETE FROM deal_stage_change WHERE deal_id IN "
                    f"(SELECT id FROM deal WHERE contact_id IN ({marks}))"
                )
            )
            session.execute(text(f"DELETE FROM deal WHERE contact_id IN ({marks})"))
            session.execute(text(f"DELETE FROM contact WHERE id IN ({marks})"))
        removed += len(created_contacts)
        for entity, entity_id in created_other:
            if entity == "company":
                session.execute(
                    text("UPDATE contact SET company_id = NULL WHERE company_id = :c"),
                    {"c": entity_id},
                )
                session.execute(
                    text("UPDATE interaction SET company_id = NULL WHERE company_id = :c"),
                    {"c": entity_id},
                )
                session.execute(
                    text("UPDATE deal SET company_id = NULL WHERE company_id = :c"),
                    {"c": entity_id},
                )
                session.execute(text("DELETE FROM company WHERE id = :c"), {"c": entity_id})
                removed += 1
            elif entity == "tag":
                used = session.execute(
                    text(
                        "SELECT 1 FROM contact_tag WHERE tag_id = :t UNION ALL "
                        "SELECT 1 FROM company_tag WHERE tag_id = :t"
                    ),
                    {"t": entity_id},
                ).first()
                if not used:
                    session.execute(text("DELETE FROM tag WHERE id = :t"), {"t": entity_id})
            elif entity == "cadence":
                session.execute(text("DELETE FROM cadence_rule WHERE id = :i"), {"i": entity_id})
            elif entity == "suppression":
                session.execute(text("DELETE FROM suppression WHERE id = :i"), {"i": entity_id})
            elif entity == "payment":
                session.execute(text("DELETE FROM payment WHERE id = :i"), {"i": entity_id})
            elif entity == "invoice":
                session.execute(text("DELETE FROM payment WHERE invoice_id = :i"), {"i": entity_id})
                session.execute(text("DELETE FROM invoice WHERE id = :i"), {"i": entity_id})
            elif entity == "deal":
                session.execute(
                    text("DELETE FROM deal_stage_change WHERE deal_id = :i"), {"i": entity_id}
                )
                session.execute(text("DELETE FROM deal WHERE id = :i"), {"i": entity_id})
        total = int(session.execute(text("SELECT count(*) FROM contact")).scalar_one())
        if len(created_contacts) > max(total, 1000):
            search.rebuild(session)
        else:
            search.reindex(session, created_contacts + touched)
        batch.undone_at = clock.now()
        session.add(batch)
        return UndoReport(
            batch_id=batch_id, removed=removed, restored=restored, changed_since=changed_since
        )
