"""pocketcrm's own JSON: every record and sub-record, lossless, with uuids as identity.

Layout (one record per line, so both sides stream and a 100,000-contact file never sits in
memory; any other valid JSON of the same shape is read too, just not streamed):

    {"format": "pocketcrm", "version": 1,
    "tags": [
    "vip"
    ],
    "companies": [
    {...one company...}
    ],
    "contacts": [
    {...one contact with emails, phones, alternates, interactions, follow-ups, history,
    deals, invoices and payments...}
    ],
    "cadences": [
    ],
    "suppressions": [
    ]}

Integer ids are not written (a fresh database gives its own); references between records use
uuids (an invoice names its deal, a payment its invoice, by uuid). Dates without a time (an
invoice's issued_on, a payment's paid_on) are plain ISO dates; amounts are integer cents. Times are UTC ISO 8601 with microseconds and a Z. There is no export date, so exporting,
importing into an empty database and exporting again gives the same bytes.

The raw-row snapshots at the end (`snapshot_contact`, `restore_contact`) serve undo: an import
batch and a merge keep the exact stored state of what they change.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TextIO

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core.errors import Invalid
from pocketcrm.core.models import db_time
from pocketcrm.core.sql import id_list

FORMAT = "pocketcrm"
VERSION = 1
SECTIONS = ("tags", "companies", "contacts", "cadences", "suppressions")
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


# -- reading the database in bulk -------------------------------------------------------------


def _fetch(session: Session, sql: str) -> list[Any]:
    """All rows as plain tuples straight from the driver: a bulk export reads millions of
    rows, and SQLAlchemy's row objects cost more than the query (measured: half the time)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _grouped(session: Session, sql: str) -> dict[int, list[Any]]:
    """Rows by their first column (the queries order by it, so runs are grouped in C)."""
    grouped: dict[int, list[Any]] = {}
    for key, run in itertools.groupby(_fetch(session, sql), key=_FIRST):
        found = grouped.get(key)
        if found is None:
            grouped[key] = list(run)
        else:
            found.extend(run)
    return grouped


_FIRST = operator.itemgetter(0)


def company_uuids(session: Session) -> dict[int, tuple[str, str]]:
    """id -> (uuid, name) of every company, for references in contact records."""
    return {
        int(r[0]): (str(r[1]), str(r[2]))
        for r in session.execute(text("SELECT id, uuid, name FROM company"))
    }


def _activity(
    session: Session, m: str
) -> tuple[
    dict[int, list[Any]],
    dict[int, list[Any]],
    dict[int, list[Any]],
    dict[int, list[Any]],
    dict[int, str],
]:
    """Stage history, interactions, follow-ups and cadence rules of the contacts in M (a list
    of ids for IN), and the uuids of the interactions their follow-ups point to."""
    history = _grouped(
        session,
        f"SELECT contact_id, at, from_stage, to_stage, by FROM stage_change "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    interactions = _grouped(
        session,
        f"SELECT contact_id, uuid, company_id, kind, direction, occurred_at, duration_s, outcome, "
        f"satisfaction, owner, notes, created_at, deleted_at, id FROM interaction "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    interaction_uuid = {int(r[13]): str(r[1]) for rs in interactions.values() for r in rs}
    follow_ups = _grouped(
        session,
        f"SELECT contact_id, uuid, due_at, all_day, note, owner, created_at, done_at, "
        f"snoozed_until, notified_at, interaction_id, deleted_at, due_date FROM follow_up "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    missing = {
        int(r[10])
        for rs in follow_ups.values()
        for r in rs
        if r[10] is not None and int(r[10]) not in interaction_uuid
    }
    if missing:
        for r in session.execute(
            text(f"SELECT id, uuid FROM interaction WHERE id IN ({id_list(sorted(missing))})")
        ):
            interaction_uuid[int(r[0])] = str(r[1])
    cadences = _grouped(
        session,
        f"SELECT contact_id, uuid, tag, ideal_days, max_days, created_at FROM cadence_rule "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )

    return history, interactions, follow_ups, cadences, interaction_uuid


def day(value: object) -> str | None:
    """A stored date as 'YYYY-MM-DD' (SQLite gives text, PostgreSQL a date)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value)[:10]).isoformat()


@dataclass(frozen=True)
class MoneyRows:
    """Deals (with their stage history), invoices and payments of a chunk of contacts, as
    driver rows grouped by contact id (history by deal id), and the uuids that invoices and
    payments point to (deals and invoices of other contacts included)."""

    deals: dict[int, list[Any]]
    history: dict[int, list[Any]]
    invoices: dict[int, list[Any]]
    payments: dict[int, list[Any]]
    deal_uuid: dict[int, str]
    invoice_uuid: dict[int, str]


NO_MONEY = MoneyRows({}, {}, {}, {}, {}, {})


def _has_money(session: Session) -> bool:
    """Whether any deal or invoice exists (asked once a session): most address books have
    none, and three empty lookups per chunk of contacts were a fifth of a JSON export."""
    if "pocketcrm_has_money" not in session.info:
        found = session.execute(
            text("SELECT EXISTS (SELECT 1 FROM deal) OR EXISTS (SELECT 1 FROM invoice)")
        ).scalar()
        session.info["pocketcrm_has_money"] = bool(found)
    return bool(session.info["pocketcrm_has_money"])


def money_rows(session: Session, m: str) -> MoneyRows:
    """Four queries per chunk (plus one per kind of reference to another contact's row)."""
    deals = _grouped(
        session,
        f"SELECT contact_id, uuid, company_id, title, amount_cents, currency, stage, owner, "
        f"expected_close_on, closed_at, lost_reason, notes, created_at, updated_at, deleted_at, "
        f"id FROM deal WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    deal_uuid = {int(r[15]): str(r[1]) for rs in deals.values() for r in rs}
    history: dict[int, list[Any]] = {}
    if deal_uuid:
        history = _grouped(
            session,
            f"SELECT deal_id, at, from_stage, to_stage, changed_by FROM deal_stage_change "
            f"WHERE deal_id IN ({id_list(sorted(deal_uuid))}) ORDER BY deal_id, id",
        )
    invoices = _grouped(
        session,
        f"SELECT contact_id, uuid, number, kind, deal_id, issued_on, due_on, amount_cents, "
        f"currency, description, cancelled_at, cancel_reason, created_at, updated_at, "
        f"deleted_at, id FROM invoice WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    invoice_uuid = {int(r[15]): str(r[1]) for rs in invoices.values() for r in rs}
    payments = _grouped(
        session,
        f"SELECT contact_id, uuid, invoice_id, amount_cents, currency, paid_on, method, notes, "
        f"created_at, deleted_at FROM payment WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    _other_uuids(session, "deal", deal_uuid, (r[4] for rs in invoices.values() for r in rs))
    _other_uuids(session, "invoice", invoice_uuid, (r[2] for rs in payments.values() for r in rs))
    return MoneyRows(deals, history, invoices, payments, deal_uuid, invoice_uuid)


def _other_uuids(
    session: Session, table: str, known: dict[int, str], refs: Iterable[object]
) -> None:
    """Add the uuids of referenced rows that belong to contacts outside the chunk."""
    missing = {int(str(r)) for r in refs if r is not None and int(str(r)) not in known}
    if missing:
        for r in session.execute(
            text(f"SELECT id, uuid FROM {table} WHERE id IN ({id_list(sorted(missing))})")
        ):
            known[int(r[0])] = str(r[1])


def deal_records(money: MoneyRows, cid: int, company_ref: Any) -> list[Record]:
    return [
        {
            "uuid": d[1],
            "company": company_ref(d[2]),
            "title": d[3],
            "amount_cents": d[4],
            "currency": d[5],
            "stage": d[6],
            "owner": d[7],
            "expected_close_on": day(d[8]),
            "closed_at": iso(d[9]),
            "lost_reason": d[10],
            "notes": d[11],
            "created_at": iso(d[12]),
            "updated_at": iso(d[13]),
            "deleted_at": iso(d[14]),
            "history": [
                {"at": iso(h[1]), "from": h[2], "to": h[3], "by": h[4]}
                for h in money.history.get(int(d[15]), ())
            ],
        }
        for d in money.deals.get(cid, ())
    ]


def invoice_records(money: MoneyRows, cid: int) -> list[Record]:
    return [
        {
            "uuid": i[1],
            "number": i[2],
            "kind": i[3],
            "deal": None if i[4] is None else money.deal_uuid.get(int(i[4])),
            "issued_on": day(i[5]),
            "due_on": day(i[6]),
            "amount_cents": i[7],
            "currency": i[8],
            "description": i[9],
            "cancelled_at": iso(i[10]),
            "cancel_reason": i[11],
            "created_at": iso(i[12]),
            "updated_at": iso(i[13]),
            "deleted_at": iso(i[14]),
        }
        for i in money.invoices.get(cid, ())
    ]


def payment_records(money: MoneyRows, cid: int) -> list[Record]:
    return [
        {
            "uuid": p[1],
            "invoice": money.invoice_uuid.get(int(p[2])),
            "amount_cents": p[3],
            "currency": p[4],
            "paid_on": day(p[5]),
            "method": p[6],
            "notes": p[7],
            "created_at": iso(p[8]),
            "deleted_at": iso(p[9]),
        }
        for p in money.payments.get(cid, ())
    ]


@dataclass(frozen=True)
class ContactRows:
    """A chunk of contacts as driver rows (see the queries for the columns), sub-records
    grouped by contact id in their stored order: what contact_records and the vCard/CSV
    drafts are both made from."""

    contacts: dict[int, Any]
    emails: dict[int, list[Any]]
    phones: dict[int, list[Any]]
    addresses: dict[int, list[Any]]
    websites: dict[int, list[Any]]
    custom: dict[int, list[Any]]
    external: dict[int, list[Any]]
    tags: dict[int, list[Any]]


def contact_rows(session: Session, ids: Sequence[int]) -> ContactRows:
    """The contact rows and sub-record rows of these contacts, eight queries in all."""
    m = id_list(ids)
    rows = {
        int(r[0]): r
        for r in _fetch(
            session,
            (
                "SELECT id, uuid, display_name, given_name, family_name, additional_names, "
                "prefix, suffix, nickname, company_id, title, department, stage, owner, notes, "
                "birthday_year, birthday_month, birthday_day, anniversary_year, anniversary_month, "
                "anniversary_day, do_not_contact, email_opt_out, source, photo, created_at, "
                "updated_at, deleted_at, last_contact_at, next_follow_up_at, next_follow_up_date "
                f"FROM contact WHERE id IN ({m})"
            ),
        )
    }
    emails = _grouped(
        session,
        f"SELECT contact_id, address, label, is_primary FROM contact_email "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    phones = _grouped(
        session,
        f"SELECT contact_id, number, e164, valid, extension, label, is_primary FROM contact_phone "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    addresses = _grouped(
        session,
        f"SELECT contact_id, label, street, extended, po_box, city, region, postcode, country "
        f"FROM contact_address WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    websites = _grouped(
        session,
        f"SELECT contact_id, url, label FROM contact_website "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    custom = _grouped(
        session,
        f"SELECT contact_id, name, value FROM custom_field "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    external = _grouped(
        session,
        f"SELECT contact_id, system, value FROM external_id "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    tags = _grouped(
        session,
        f"SELECT ct.contact_id, t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
        f"WHERE ct.contact_id IN ({m}) ORDER BY ct.contact_id, t.name",
    )
    return ContactRows(rows, emails, phones, addresses, websites, custom, external, tags)


def contact_records(
    session: Session,
    ids: Sequence[int],
    companies: dict[int, tuple[str, str]],
    *,
    activity: bool = True,
) -> list[Record]:
    """Full records of these contacts (in the given order), a handful of queries per chunk.

    activity=False leaves alternates, stage_history, interactions, follow_ups, cadences, deals,
    invoices and payments empty without reading them: the vCard and CSV exports carry none of them.
    """
    if not ids:
        return []
    m = id_list(ids)
    base = contact_rows(session, ids)
    rows, emails, phones, addresses = base.contacts, base.emails, base.phones, base.addresses
    websites, custom, external, tags = base.websites, base.custom, base.external, base.tags
    if activity:
        history, interactions, follow_ups, cadences, interaction_uuid = _activity(session, m)
        money = money_rows(session, m) if _has_money(session) else NO_MONEY
        alternates = _grouped(
            session,
            f"SELECT contact_id, field, value, source, recorded_at FROM contact_alternate "
            f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
        )
    else:
        history, interactions, follow_ups, cadences, interaction_uuid = {}, {}, {}, {}, {}
        money = NO_MONEY
        alternates = {}

    def company_ref(company_id: object) -> str | None:
        if company_id is None:
            return None
        found = companies.get(int(str(company_id)))
        return found[0] if found else None

    records: list[Record] = []
    for cid in ids:
        found = rows.get(int(cid))
        if found is None:
            continue
        r = found
        records.append(
            {
                "uuid": r[1],
                "display_name": r[2],
                "given_name": r[3],
                "family_name": r[4],
                "additional_names": r[5],
                "prefix": r[6],
                "suffix": r[7],
                "nickname": r[8],
                "company": company_ref(r[9]),
                "title": r[10],
                "department": r[11],
                "stage": r[12],
                "owner": r[13],
                "notes": r[14],
                "birthday": birthday_text(r[15], r[16], r[17]),
                "anniversary": birthday_text(r[18], r[19], r[20]),
                "do_not_contact": bool(r[21]),
                "email_opt_out": bool(r[22]),
                "source": r[23],
                "photo": r[24],
                "created_at": iso(r[25]),
                "updated_at": iso(r[26]),
                "deleted_at": iso(r[27]),
                "last_contact_at": iso(r[28]),
                "next_follow_up_at": iso(r[29]),
                "next_follow_up_date": r[30],
                "emails": [
                    {"address": e[1], "label": e[2], "primary": bool(e[3])}
                    for e in emails.get(cid, ())
                ],
                "phones": [
                    {
                        "number": p[1],
                        "e164": p[2],
                        "valid": bool(p[3]),
                        "extension": p[4],
                        "label": p[5],
                        "primary": bool(p[6]),
                    }
                    for p in phones.get(cid, ())
                ],
                "addresses": [
                    {
                        "label": a[1],
                        "street": a[2],
                        "extended": a[3],
                        "po_box": a[4],
                        "city": a[5],
                        "region": a[6],
                        "postcode": a[7],
                        "country": a[8],
                    }
                    for a in addresses.get(cid, ())
                ],
                "websites": [{"url": w[1], "label": w[2]} for w in websites.get(cid, ())],
                "custom": [{"name": c[1], "value": c[2]} for c in custom.get(cid, ())],
                "external_ids": [{"system": x[1], "value": x[2]} for x in external.get(cid, ())],
                "tags": [t[1] for t in tags.get(cid, ())],
                "alternates": [
                    {"field": a[1], "value": a[2], "source": a[3], "recorded_at": iso(a[4])}
                    for a in alternates.get(cid, ())
                ],
                "stage_history": [
                    {"at": iso(h[1]), "from": h[2], "to": h[3], "by": h[4]}
                    for h in history.get(cid, ())
                ],
                "interactions": [
                    {
                        "uuid": i[1],
                        "company": company_ref(i[2]),
                        "kind": i[3],
                        "direction": i[4],
                        "occurred_at": iso(i[5]),
                        "duration_s": i[6],
                        "outcome": i[7],
                        "satisfaction": i[8],
                        "owner": i[9],
                        "notes": i[10],
                        "created_at": iso(i[11]),
                        "deleted_at": iso(i[12]),
                    }
                    for i in interactions.get(cid, ())
                ],
                "follow_ups": [
                    {
                        "uuid": f[1],
                        "due_at": iso(f[2]),
                        "all_day": bool(f[3]),
                        "due_date": f[12],
                        "note": f[4],
                        "owner": f[5],
                        "created_at": iso(f[6]),
                        "done_at": iso(f[7]),
                        "snoozed_until": iso(f[8]),
                        "notified_at": iso(f[9]),
                        "interaction": None if f[10] is None else interaction_uuid.get(int(f[10])),
                        "deleted_at": iso(f[11]),
                    }
                    for f in follow_ups.get(cid, ())
                ],
                "cadences": [
                    {
                        "uuid": c[1],
                        "tag": c[2],
                        "ideal_days": c[3],
                        "max_days": c[4],
                        "created_at": iso(c[5]),
                    }
                    for c in cadences.get(cid, ())
                ],
                "deals": deal_records(money, cid, company_ref) if money.deals else [],
                "invoices": invoice_records(money, cid) if money.invoices else [],
                "payments": payment_records(money, cid) if money.payments else [],
            }
        )
    return records


def company_records(session: Session, ids: Sequence[int] | None = None) -> list[Record]:
    """Companies (all, trash included, when ids is None) with their tags."""
    where = "" if ids is None else f" WHERE id IN ({id_list(ids) or 'NULL'})"
    tags = _grouped(
        session,
        "SELECT ct.company_id, t.name FROM company_tag ct JOIN tag t ON t.id = ct.tag_id "
        "ORDER BY ct.company_id, t.name",
    )
    out = []
    for r in session.execute(
        text(
            "SELECT id, uuid, name, kind, website, phone, email, street, city, region, postcode, "
            f"country, notes, owner, created_at, updated_at, deleted_at FROM company{where} "
            "ORDER BY id"
        )
    ):
        out.append(
            {
                "uuid": r[1],
                "name": r[2],
                "kind": r[3],
                "website": r[4],
                "phone": r[5],
                "email": r[6],
                "street": r[7],
                "city": r[8],
                "region": r[9],
                "postcode": r[10],
                "country": r[11],
                "notes": r[12],
                "owner": r[13],
                "tags": [t[1] for t in tags.get(int(r[0]), ())],
                "created_at": iso(r[14]),
                "updated_at": iso(r[15]),
                "deleted_at": iso(r[16]),
            }
        )
    return out


def tag_cadence_records(session: Session) -> list[Record]:
    return [
        {
            "uuid": r[0],
            "tag": r[1],
            "ideal_days": r[2],
            "max_days": r[3],
            "created_at": iso(r[4]),
        }
        for r in session.execute(
            text(
                "SELECT uuid, tag, ideal_days, max_days, created_at FROM cadence_rule "
                "WHERE contact_id IS NULL ORDER BY id"
            )
        )
    ]


def suppression_records(session: Session) -> list[Record]:
    return [
        {"kind": r[0], "digest": r[1], "at": iso(r[2])}
        for r in session.execute(text("SELECT kind, digest, at FROM suppression ORDER BY id"))
    ]


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
        {k: _plain(v) for k, v in row.items()}
        for row in session.execute(text(sql), params).mappings()
    ]


def _plain(value: object) -> Any:
    """Raw column values as JSON keeps them (datetimes from non-SQLite drivers as db text)."""
    if isinstance(value, datetime):
        return db_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    return value


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
