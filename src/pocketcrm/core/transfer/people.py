"""Personal-data requests: everything about one person out (access), or gone for good (erasure).

Erasure removes the person and every row tied to them (emails, phones, interactions,
follow-ups, reminders, history, deals with their stage history, invoices and payments, the
import and merge records that hold copies of their data or point at their rows) in one
transaction, then scrubs the files: the full-text index is optimised (its segments
would otherwise keep the words), the database is vacuumed (freed pages keep old bytes) and the
WAL is checkpointed and truncated. What remains is a SHA-256 of each normalised email and
phone in Suppression, so a later import names them as suppressed instead of silently bringing
them back. Backups taken before the erasure are not touched; the result says where they are.

Invoices are erased with the person: a business that must keep them exports the person first
(`export_person`), as the README says. Both requests live with the transfers: they read and
write whole records through jsonfmt (the export's record, the erasure's raw-row snapshot).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core import clock
from pocketcrm.core.matching import digest, phone_key
from pocketcrm.core.models import db_time
from pocketcrm.core.store import Store, backup_dir
from pocketcrm.core.transfer import jsonfmt, jsonrecords


@dataclass(frozen=True)
class PersonExport:
    contact_id: int
    name: str
    document: dict[str, Any]  # JSON-ready: the contact record, company, import and merge history
    vcard: str


@dataclass(frozen=True)
class SavedExport:
    name: str
    json_path: str
    vcard_path: str


@dataclass(frozen=True)
class Erased:
    contact_id: int
    name: str
    rows_removed: int
    suppressed: int  # email and phone hashes kept so imports do not bring them back
    scrubbed: bool  # the index was optimised, the file vacuumed and the WAL truncated
    backups: str  # the folder of earlier backups, which still hold the person ("" if none)


def export_person(store: Store, ref: str) -> PersonExport:
    """Everything pocketcrm holds about one person (the trash included)."""
    from pocketcrm.core.services.history import about_contact
    from pocketcrm.core.services.lookup import resolve_contact
    from pocketcrm.core.transfer.exporter import draft_from_record, vcard_draft
    from pocketcrm.core.transfer.vcard import write_vcard

    with store.read() as session:
        cid = resolve_contact(
            session, ref, region=store.settings.default_region, include_deleted=True
        )
        companies = jsonrecords.company_uuids(session)
        record = jsonrecords.contact_records(session, [cid], companies)[0]
        company_id = session.execute(
            text("SELECT company_id FROM contact WHERE id = :c"), {"c": cid}
        ).scalar()
        company = jsonrecords.company_records(session, [int(company_id)]) if company_id else []
        imports = [
            {"batch": int(r[0]), "source": r[1], "at": jsonfmt.iso(r[2]), "action": r[3]}
            for r in session.execute(
                text(
                    "SELECT b.id, b.source, b.at, ch.action FROM import_change ch "
                    "JOIN import_batch b ON b.id = ch.batch_id "
                    "WHERE ch.entity = 'contact' AND ch.entity_id = :c ORDER BY ch.id"
                ),
                {"c": cid},
            )
        ]
        merges = [
            {
                "merge": int(r[0]),
                "kept_id": int(r[1]),
                "other_id": int(r[2]),
                "at": jsonfmt.iso(r[3]),
            }
            for r in session.execute(
                text(
                    "SELECT id, kept_id, other_id, at FROM merge_record WHERE entity = 'contact' "
                    "AND (kept_id = :c OR other_id = :c) ORDER BY id"
                ),
                {"c": cid},
            )
        ]
        campaigns = [
            {
                "campaign": str(r[0]),
                "subject": r[1],
                "email": r[2],
                "status": r[3],
                "sent_at": jsonfmt.iso(r[4]),
            }
            for r in session.execute(
                text(
                    "SELECT c.uuid, c.subject, r.email, r.status, r.sent_at "
                    "FROM campaign_recipient r JOIN campaign c ON c.id = r.campaign_id "
                    "WHERE r.contact_id = :c ORDER BY r.id"
                ),
                {"c": cid},
            )
        ]
        changes = about_contact(session, cid)  # the journal: who changed what about them
    company_name = company[0]["name"] if company else ""
    document = {
        "format": "pocketcrm-person",
        "version": jsonfmt.VERSION,
        "exported_at": jsonfmt.iso(clock.now()),
        "contact": record,
        "company": company[0] if company else None,
        "imports": imports,
        "merges": merges,
        "campaigns": campaigns,
        "journal": changes,
    }
    card = write_vcard(vcard_draft(draft_from_record(record, company_name)), "4.0")
    return PersonExport(contact_id=cid, name=record["display_name"], document=document, vcard=card)


def _slug(name: str) -> str:
    from pocketcrm.core.search import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or "person"


def save_person_export(store: Store, ref: str, folder: str | os.PathLike[str]) -> SavedExport:
    """Write <name>-<id>.json and .vcf into FOLDER (made 0700), each file 0600."""
    from pocketcrm.core.transfer.exporter import open_private

    found = export_person(store, ref)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"{_slug(found.name)}-{found.contact_id}"
    json_path = target / f"{stem}.json"
    vcard_path = target / f"{stem}.vcf"
    with open_private(json_path) as stream:
        json.dump(found.document, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    with open_private(vcard_path, newline="") as stream:
        stream.write(found.vcard)
    return SavedExport(name=found.name, json_path=str(json_path), vcard_path=str(vcard_path))


def erase_person(store: Store, ref: str) -> Erased:
    """Remove a person for good (one transaction), then scrub the database files."""
    from pocketcrm.core.search import reindex
    from pocketcrm.core.services.history import forget_contact
    from pocketcrm.core.services.lookup import resolve_contact

    with store.write() as session:
        if store.is_sqlite:
            session.execute(text("PRAGMA secure_delete = ON"))
        cid = resolve_contact(
            session, ref, region=store.settings.default_region, include_deleted=True
        )
        name = str(
            session.execute(
                text("SELECT display_name FROM contact WHERE id = :c"), {"c": cid}
            ).scalar_one()
        )
        added = _suppress(session, cid)
        before = jsonfmt.snapshot_contact(session, cid)
        rows = 1 + sum(len(v) for v in before["children"].values())
        jsonfmt.delete_children(session, cid)
        session.execute(text("DELETE FROM contact WHERE id = :c"), {"c": cid})
        session.execute(
            text("DELETE FROM import_change WHERE entity = 'contact' AND entity_id = :c"),
            {"c": cid},
        )
        # An import that added a deal, invoice or payment to this person keeps its id for
        # undo; the id may be reused later, so the entry goes with the row.
        for table in ("deal", "invoice", "payment"):
            gone = [int(row["id"]) for row in before["children"][table]]
            for start in range(0, len(gone), 500):
                marks = ",".join(str(i) for i in gone[start : start + 500])
                session.execute(
                    text(
                        f"DELETE FROM import_change WHERE entity = '{table}' "
                        f"AND entity_id IN ({marks})"
                    )
                )
        session.execute(
            text(
                "DELETE FROM merge_record WHERE entity = 'contact' "
                "AND (kept_id = :c OR other_id = :c)"
            ),
            {"c": cid},
        )
        session.flush()
        reindex(session, [cid])
        forget_contact(session, store, cid)  # the journal's entries about them, last
        if store.is_sqlite:
            session.execute(text("PRAGMA secure_delete = OFF"))
    scrubbed = scrub(store)
    backups = ""
    if store.path is not None and backup_dir(store.path).exists():
        backups = str(backup_dir(store.path))
    return Erased(
        contact_id=cid,
        name=name,
        rows_removed=rows,
        suppressed=added,
        scrubbed=scrubbed,
        backups=backups,
    )


def _suppress(session: Session, cid: int) -> int:
    """Keep a hash of each of the person's emails and phones in Suppression, so a later
    import names them instead of bringing them back; returns how many were new."""
    hashes: dict[str, str] = {}
    for (address_key,) in session.execute(
        text("SELECT address_key FROM contact_email WHERE contact_id = :c"), {"c": cid}
    ):
        hashes[digest("email", str(address_key))] = "email"
    for number, e164 in session.execute(
        text("SELECT number, e164 FROM contact_phone WHERE contact_id = :c"), {"c": cid}
    ):
        key = phone_key(str(number), str(e164 or ""))
        if key:
            hashes[digest("phone", key)] = "phone"
    known = {str(d) for (d,) in session.execute(text("SELECT digest FROM suppression"))}
    now = db_time(clock.now())
    added = 0
    for value, kind in sorted(hashes.items()):
        if value in known:
            continue
        session.execute(
            text("INSERT INTO suppression (kind, digest, at) VALUES (:k, :d, :t)"),
            {"k": kind, "d": value, "t": now},
        )
        added += 1
    return added


def scrub(store: Store) -> bool:
    """Leave no deleted bytes in the SQLite files: optimise the index, VACUUM, truncate the WAL.

    Returns False when another connection kept the WAL from being truncated (it is then
    truncated by the next checkpoint once that connection closes).
    """
    if not store.is_sqlite:
        return True
    with store.write() as session:
        session.execute(text("INSERT INTO contact_fts(contact_fts) VALUES ('optimize')"))
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")  # cannot run in a transaction: the driver's own autocommit
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    return not (busy and busy[0])
