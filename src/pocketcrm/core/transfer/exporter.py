"""Take contacts out: pocketcrm JSON (everything, lossless), CSV, vCard 4.0/3.0 and iCalendar.

Contacts are read a chunk at a time (a handful of queries per 1,000 contacts) inside one read
transaction, so an export is a consistent snapshot and 100,000 contacts never sit in memory.
Filters are the list's (stage, tag, company, owner); with none, the JSON export holds the whole
database (trash, tag cadence rules and suppression hashes included) and is a full backup. Each
JSON contact carries its deals (with stage history), invoices and payments; the CSV and vCard
exports stay contact-only and the calendar holds follow-ups and dates only.

Exports carry the contact's uuid (vCard UID "urn:uuid:..." unless it came with its own UID;
CSV external id "pocketcrm"), so importing an export updates instead of duplicating.
Files are created 0600 before anything is written (contact data is never world-readable),
under a temporary name renamed when complete; a symbolic link at the target is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import text

from pocketcrm.core import queries
from pocketcrm.core.errors import Invalid
from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.sessions import CrmSession as Session  # a Db too (core/db.py)
from pocketcrm.core.sql import chunks, id_list
from pocketcrm.core.store import Store
from pocketcrm.core.transfer import jsoncatalog, jsonfmt, jsonrecords
from pocketcrm.core.transfer.records import (
    AddressDraft,
    ContactDraft,
    EmailDraft,
    PhoneDraft,
    WebsiteDraft,
)

EXPORT_FORMATS = ("json", "csv", "vcard", "ics")
CHUNK = 1000


@contextmanager
def open_private(path: str | os.PathLike[str], *, newline: str | None = None) -> Iterator[TextIO]:
    """Write PATH as a 0600 file: into a temporary file beside it, renamed over PATH when
    complete, so a failed export never leaves half a file nor truncates the last good one.

    A symbolic link at PATH is refused: writing through it would put contact data wherever
    it points (another user's file, a synced folder). A pipe or device is written directly.
    """
    target = Path(path)
    if target.is_symlink():
        raise Invalid(
            "output", f"{target} is a symbolic link; refusing to write through it, give a real path"
        )
    if target.exists() and not target.is_file() and not target.is_dir():
        with target.open("w", encoding="utf-8", newline=newline) as stream:  # a FIFO, /dev/null
            yield stream
        return
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise Invalid("output", f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Invalid("output", f"cannot write {target}: {exc.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _is_everything(query: ContactQuery | None) -> bool:
    return query is None or query == ContactQuery()


def contact_ids(
    session: Session, store: Store, query: ContactQuery | None, *, trash: bool = True
) -> list[int]:
    """Ids to export in id order: every contact (trash too) without filters, else the list's."""
    if _is_everything(query) and trash:
        return [int(i) for (i,) in session.execute(text("SELECT id FROM contact ORDER BY id"))]
    where, params = queries.where(session, query or ContactQuery(), store.settings)
    sql = "SELECT c.id FROM contact c LEFT JOIN company co ON co.id = c.company_id" + where
    return [int(i) for (i,) in session.execute(text(sql + " ORDER BY c.id"), params)]


def iter_records(
    store: Store, query: ContactQuery | None = None, *, trash: bool = False, activity: bool = True
) -> Iterator[tuple[jsonfmt.Record, str]]:
    """(JSON record, company name) per contact, a chunk at a time (live ones unless trash);
    activity=False skips reading stage history, interactions, follow-ups, cadences, deals,
    invoices and payments."""
    with store.read() as session:
        companies = jsonrecords.company_uuids(session)
        names = {uid: name for uid, name in companies.values()}
        ids = contact_ids(session, store, query, trash=trash)
        for chunk in chunks(ids, CHUNK):
            for record in jsonrecords.contact_records(session, chunk, companies, activity=activity):
                yield record, names.get(record["company"] or "", "")


def export_json(store: Store, stream: TextIO, query: ContactQuery | None = None) -> int:
    """The pocketcrm JSON document; returns the number of contacts written."""
    everything = _is_everything(query)
    with store.read() as session:
        companies = jsonrecords.company_uuids(session)
        ids = contact_ids(session, store, query)
        out = jsonfmt.DocumentWriter(stream)
        out.begin("tags")
        if everything:
            tags = [str(n) for (n,) in session.execute(text("SELECT name FROM tag ORDER BY name"))]
            company_ids = None
        else:
            tags = _tags_of(session, ids)
            company_ids = _companies_of(session, ids)
        out.write_all(tags)
        out.begin("products")  # the catalogue, whole: lines name their products by SKU
        out.write_all(jsoncatalog.product_records(session))
        out.begin("companies")
        out.write_all(jsonrecords.company_records(session, company_ids))
        out.begin("contacts")
        count = 0
        for chunk in chunks(ids, CHUNK):
            records = jsonrecords.contact_records(session, chunk, companies)
            out.write_all(records)
            count += len(records)
        out.begin("costs")
        if everything:
            out.write_all(jsoncatalog.cost_records(session))
        out.begin("cadences")
        if everything:
            out.write_all(jsonrecords.tag_cadence_records(session))
        out.begin("suppressions")
        if everything:
            out.write_all(jsonrecords.suppression_records(session))
        out.close()
    return count


def _tags_of(session: Session, ids: list[int]) -> list[str]:
    names: set[str] = set()
    for chunk in chunks(ids, CHUNK):
        marks = id_list(chunk)
        names.update(
            str(n)
            for (n,) in session.execute(
                text(
                    "SELECT DISTINCT t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
                    f"WHERE ct.contact_id IN ({marks})"
                )
            )
        )
    return sorted(names)


def _companies_of(session: Session, ids: list[int]) -> list[int]:
    found: set[int] = set()
    for chunk in chunks(ids, CHUNK):
        marks = id_list(chunk)
        found.update(
            int(c)
            for (c,) in session.execute(
                text(
                    f"SELECT company_id FROM contact WHERE id IN ({marks}) AND company_id IS NOT "
                    f"NULL UNION SELECT company_id FROM interaction WHERE contact_id IN ({marks}) "
                    f"AND company_id IS NOT NULL UNION SELECT company_id FROM deal WHERE "
                    f"contact_id IN ({marks}) AND company_id IS NOT NULL"
                )
            )
        )
    return sorted(found)


def draft_from_record(record: jsonfmt.Record, company: str = "") -> ContactDraft:
    """The neutral draft the vCard and CSV writers take, from a contact's JSON record."""
    external: dict[str, str] = {}
    custom: dict[str, str] = {}
    for item in record["external_ids"]:
        if item["system"] in external:
            custom[f"id {item['system']}"] = item["value"]
        else:
            external[item["system"]] = item["value"]
    external.setdefault("pocketcrm", record["uuid"])
    for item in record["custom"]:
        name = item["name"]
        custom[name] = f"{custom[name]}\n{item['value']}" if name in custom else item["value"]
    return ContactDraft(
        display_name=record["display_name"],
        given_name=record["given_name"],
        family_name=record["family_name"],
        additional_names=record["additional_names"],
        prefix=record["prefix"],
        suffix=record["suffix"],
        nickname=record["nickname"],
        emails=[EmailDraft(e["address"], e["label"], e["primary"]) for e in record["emails"]],
        phones=[
            PhoneDraft(p["number"], p["label"], p["primary"], p["extension"])
            for p in record["phones"]
        ],
        addresses=[
            AddressDraft(
                label=a["label"],
                street=a["street"],
                city=a["city"],
                region=a["region"],
                postcode=a["postcode"],
                country=a["country"],
                po_box=a["po_box"],
                extended=a["extended"],
            )
            for a in record["addresses"]
        ],
        websites=[WebsiteDraft(w["url"], w["label"]) for w in record["websites"]],
        company=company,
        title=record["title"],
        department=record["department"],
        birthday=record["birthday"],
        anniversary=record["anniversary"],
        notes=record["notes"],
        tags=list(record["tags"]),
        stage=record["stage"],
        source=record["source"],
        external_ids=external,
        email_opt_out=record["email_opt_out"],
        do_not_contact=record["do_not_contact"],
        photo=record["photo"],
        custom=custom,
    )


def iter_drafts(store: Store, query: ContactQuery | None = None) -> Iterator[ContactDraft]:
    """Drafts of the live contacts matching QUERY (the trash is not exported to other apps)."""
    with store.read() as session:
        companies = jsonrecords.company_uuids(session)
        names = {uid: name for uid, name in companies.values()}
        ids = contact_ids(session, store, query, trash=False)
        for start in range(0, len(ids), CHUNK):
            yield from _drafts(session, ids[start : start + CHUNK], companies, names)


def _drafts(
    session: Session,
    ids: list[int],
    companies: dict[int, tuple[str, str]],
    names: dict[str, str],
) -> list[ContactDraft]:
    """What draft_from_record makes of contact_records' records, made straight from the rows:
    a vCard or CSV export skips building (and dropping) a JSON record per contact."""
    rows = jsonrecords.contact_rows(session, ids)
    birthday = jsonfmt.birthday_text
    drafts: list[ContactDraft] = []
    for cid in ids:
        r = rows.contacts.get(int(cid))
        if r is None:
            continue
        external: dict[str, str] = {}
        custom: dict[str, str] = {}
        for x in rows.external.get(cid, ()):
            if x[1] in external:
                custom[f"id {x[1]}"] = x[2]
            else:
                external[x[1]] = x[2]
        external.setdefault("pocketcrm", r[1])
        for c in rows.custom.get(cid, ()):
            name = c[1]
            custom[name] = f"{custom[name]}\n{c[2]}" if name in custom else c[2]
        company = None if r[9] is None else companies.get(int(str(r[9])))
        drafts.append(
            ContactDraft(
                display_name=r[2],
                given_name=r[3],
                family_name=r[4],
                additional_names=r[5],
                prefix=r[6],
                suffix=r[7],
                nickname=r[8],
                emails=[EmailDraft(e[1], e[2], bool(e[3])) for e in rows.emails.get(cid, ())],
                phones=[PhoneDraft(p[1], p[5], bool(p[6]), p[4]) for p in rows.phones.get(cid, ())],
                addresses=[
                    AddressDraft(
                        label=a[1],
                        street=a[2],
                        city=a[5],
                        region=a[6],
                        postcode=a[7],
                        country=a[8],
                        po_box=a[4],
                        extended=a[3],
                    )
                    for a in rows.addresses.get(cid, ())
                ],
                websites=[WebsiteDraft(w[1], w[2]) for w in rows.websites.get(cid, ())],
                company=names.get((company[0] if company else None) or "", ""),
                title=r[10],
                department=r[11],
                birthday=birthday(r[15], r[16], r[17]),
                anniversary=birthday(r[18], r[19], r[20]),
                notes=r[14],
                tags=[t[1] for t in rows.tags.get(cid, ())],
                stage=r[12],
                source=r[23],
                external_ids=external,
                email_opt_out=bool(r[22]),
                do_not_contact=bool(r[21]),
                photo=r[24],
                custom=custom,
            )
        )
    return drafts


def vcard_draft(draft: ContactDraft) -> ContactDraft:
    """vCard carries identity in UID: the source's own UID, else urn:uuid:<our uuid>."""
    uid = draft.external_ids.get("pocketcrm", "")
    if "vcard_uid" not in draft.external_ids and uid:
        draft.external_ids["vcard_uid"] = f"urn:uuid:{uid}"
    return draft


def export_vcard(
    store: Store, stream: TextIO, query: ContactQuery | None = None, *, version: str = "4.0"
) -> int:
    from pocketcrm.core.transfer.vcard import VCARD_VERSIONS, write_vcard

    if version not in VCARD_VERSIONS:
        raise Invalid("vcard-version", f"cannot write vCard {version!r}; use 4.0 or 3.0")
    count = 0
    for draft in iter_drafts(store, query):
        stream.write(write_vcard(vcard_draft(draft), version))
        count += 1
    return count


def export_csv(
    store: Store, stream: TextIO, query: ContactQuery | None = None, *, raw: bool = False
) -> int:
    from pocketcrm.core.transfer.csv_formats import write_csv

    return write_csv(iter_drafts(store, query), stream, raw=raw)


def export_ics(store: Store, stream: TextIO, *, birthdays: bool = False, todo: bool = False) -> int:
    import importlib

    try:
        ics = importlib.import_module("pocketcrm.core.transfer.ics")
    except ModuleNotFoundError:
        raise Invalid("format", "iCalendar export is not available in this build") from None
    write: Any = ics.write_ics
    return int(write(store, stream, birthdays=birthdays, todo=todo))


def export(
    store: Store,
    fmt: str,
    stream: TextIO,
    query: ContactQuery | None = None,
    *,
    raw: bool = False,
    vcard_version: str = "4.0",
    birthdays: bool = False,
    todo: bool = False,
) -> int:
    """Write FMT to STREAM; returns how many records (contacts, or calendar entries) it holds."""
    if fmt == "json":
        return export_json(store, stream, query)
    if fmt == "csv":
        return export_csv(store, stream, query, raw=raw)
    if fmt in ("vcard", "vcf"):
        return export_vcard(store, stream, query, version=vcard_version)
    if fmt in ("ics", "ical"):
        return export_ics(store, stream, birthdays=birthdays, todo=todo)
    raise Invalid("format", f"unknown format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
