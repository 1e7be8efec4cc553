"""The records of pocketcrm's JSON (transfer/jsonfmt.py) read from the database in bulk: a
handful of queries per chunk of contacts, rows straight from the driver. The JSON export,
the person export and the CSV and vCard exports (contact_rows) all read through here.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core.sql import id_list
from pocketcrm.core.transfer import jsoncatalog
from pocketcrm.core.transfer.jsonfmt import Record, birthday_text, day, iso


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
        f"satisfaction, owner, notes, created_at, deleted_at, id, channel, number, reason "
        f"FROM interaction "
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
    lines: dict[int, list[Any]] | None = None  # by invoice id (issue 12)
    quotes: dict[int, list[Any]] | None = None  # by contact id (see jsoncatalog.quote_rows)
    quote_lines: dict[int, list[Any]] | None = None  # by quote id
    quote_uuid: dict[int, str] | None = None


NO_MONEY = MoneyRows({}, {}, {}, {}, {}, {})


def _has_money(session: Session) -> bool:
    """Whether any deal or invoice exists (asked once a session): most address books have
    none, and three empty lookups per chunk of contacts were a fifth of a JSON export."""
    if "pocketcrm_has_money" not in session.info:
        found = session.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM deal) OR EXISTS (SELECT 1 FROM invoice) "
                "OR EXISTS (SELECT 1 FROM quote)"
            )
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
        f"deleted_at, id, net_cents, tax_cents, cost_cents, order_id, quote_id FROM invoice "
        f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    invoice_uuid = {int(r[15]): str(r[1]) for rs in invoices.values() for r in rs}
    lines = jsoncatalog.lines_of(session, "invoice_id", list(invoice_uuid))
    quotes, quote_lines = jsoncatalog.quote_rows(session, m)
    quote_uuid = {int(r[19]): str(r[1]) for rs in quotes.values() for r in rs}
    payments = _grouped(
        session,
        f"SELECT contact_id, uuid, invoice_id, amount_cents, currency, paid_on, method, notes, "
        f"created_at, deleted_at FROM payment WHERE contact_id IN ({m}) ORDER BY contact_id, id",
    )
    _other_uuids(session, "deal", deal_uuid, (r[4] for rs in invoices.values() for r in rs))
    _other_uuids(session, "invoice", invoice_uuid, (r[2] for rs in payments.values() for r in rs))
    _other_uuids(session, "invoice", invoice_uuid, (r[19] for rs in invoices.values() for r in rs))
    _other_uuids(session, "quote", quote_uuid, (r[20] for rs in invoices.values() for r in rs))
    _other_uuids(session, "deal", deal_uuid, (r[3] for rs in quotes.values() for r in rs))
    return MoneyRows(
        deals, history, invoices, payments, deal_uuid, invoice_uuid, lines,
        quotes, quote_lines, quote_uuid,
    )  # fmt: skip


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
            "net_cents": i[16],
            "tax_cents": i[17],
            "cost_cents": i[18],
            "order": None if i[19] is None else money.invoice_uuid.get(int(i[19])),
            "quote": None if i[20] is None else (money.quote_uuid or {}).get(int(i[20])),
            "lines": jsoncatalog.line_records((money.lines or {}).get(int(i[15]), ())),
        }
        for i in money.invoices.get(cid, ())
    ]


def quote_records(money: MoneyRows, cid: int) -> list[Record]:
    def deal_ref(deal_id: object) -> str | None:
        return None if deal_id is None else money.deal_uuid.get(int(str(deal_id)))

    return jsoncatalog.quote_records(
        (money.quotes or {}).get(cid, ()), money.quote_lines or {}, deal_ref
    )


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


@dataclass(frozen=True)
class _History:
    """What a chunk of contacts did, grouped by contact id: what contact_records adds to the
    reach of each (none of it for the vCard and CSV exports)."""

    stages: dict[int, list[Any]]
    interactions: dict[int, list[Any]]
    follow_ups: dict[int, list[Any]]
    cadences: dict[int, list[Any]]
    interaction_uuid: dict[int, str]
    alternates: dict[int, list[Any]]
    money: MoneyRows


_NO_HISTORY = _History({}, {}, {}, {}, {}, {}, NO_MONEY)

CompanyRef = Callable[[object], str | None]


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
    base = contact_rows(session, ids)
    history = _read_history(session, id_list(ids)) if activity else _NO_HISTORY

    def company_ref(company_id: object) -> str | None:
        if company_id is None:
            return None
        found = companies.get(int(str(company_id)))
        return found[0] if found else None

    records: list[Record] = []
    for cid in ids:
        row = base.contacts.get(int(cid))
        if row is not None:
            records.append(
                {
                    **_own_fields(row, company_ref),
                    **_reach(base, cid),
                    **_history_of(history, cid, company_ref),
                }
            )
    return records


def _read_history(session: Session, m: str) -> _History:
    stages, interactions, follow_ups, cadences, interaction_uuid = _activity(session, m)
    return _History(
        stages,
        interactions,
        follow_ups,
        cadences,
        interaction_uuid,
        _grouped(
            session,
            f"SELECT contact_id, field, value, source, recorded_at FROM contact_alternate "
            f"WHERE contact_id IN ({m}) ORDER BY contact_id, id",
        ),
        money_rows(session, m) if _has_money(session) else NO_MONEY,
    )


def _own_fields(r: Any, company_ref: CompanyRef) -> Record:
    """A contact's own columns (the row of contact_rows' first query)."""
    return {
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
    }


def _reach(base: ContactRows, cid: int) -> Record:
    """A contact's emails, phones, addresses, websites, custom fields, external ids and tags."""
    return {
        "emails": [
            {"address": e[1], "label": e[2], "primary": bool(e[3])}
            for e in base.emails.get(cid, ())
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
            for p in base.phones.get(cid, ())
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
            for a in base.addresses.get(cid, ())
        ],
        "websites": [{"url": w[1], "label": w[2]} for w in base.websites.get(cid, ())],
        "custom": [{"name": c[1], "value": c[2]} for c in base.custom.get(cid, ())],
        "external_ids": [{"system": x[1], "value": x[2]} for x in base.external.get(cid, ())],
        "tags": [t[1] for t in base.tags.get(cid, ())],
    }


def _history_of(history: _History, cid: int, company_ref: CompanyRef) -> Record:
    """A contact's alternates, stage history, interactions, follow-ups, cadences and money."""
    money = history.money
    return {
        "alternates": [
            {"field": a[1], "value": a[2], "source": a[3], "recorded_at": iso(a[4])}
            for a in history.alternates.get(cid, ())
        ],
        "stage_history": [
            {"at": iso(h[1]), "from": h[2], "to": h[3], "by": h[4]}
            for h in history.stages.get(cid, ())
        ],
        "interactions": [_interaction(i, company_ref) for i in history.interactions.get(cid, ())],
        "follow_ups": [
            _follow_up(f, history.interaction_uuid) for f in history.follow_ups.get(cid, ())
        ],
        "cadences": [
            {
                "uuid": c[1],
                "tag": c[2],
                "ideal_days": c[3],
                "max_days": c[4],
                "created_at": iso(c[5]),
            }
            for c in history.cadences.get(cid, ())
        ],
        "deals": deal_records(money, cid, company_ref) if money.deals else [],
        "quotes": quote_records(money, cid) if money.quotes else [],
        "invoices": invoice_records(money, cid) if money.invoices else [],
        "payments": payment_records(money, cid) if money.payments else [],
    }


def _interaction(i: Any, company_ref: CompanyRef) -> Record:
    return {
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
        "channel": i[14],
        "number": i[15],
        "reason": i[16],
    }


def _follow_up(f: Any, interaction_uuid: dict[int, str]) -> Record:
    return {
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
