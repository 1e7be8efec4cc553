"""The history of imports and their undo."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from pocketcrm.core import clock, journal, search
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.models import ImportBatch, db_time, from_db_time
from pocketcrm.core.store import Store
from pocketcrm.core.transfer import jsonfmt
from pocketcrm.core.transfer.importer.report import BatchView, UndoReport


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


@journal.as_face("import")
def undo_import(store: Store, batch_id: int | None = None) -> UndoReport:
    """Remove what an import created and put back exactly what it changed (one transaction)."""
    with store.write() as session:
        batch = _batch_to_undo(session, batch_id)
        assert batch.id is not None
        changes = session.execute(
            text(
                "SELECT entity, entity_id, action, before FROM import_change "
                "WHERE batch_id = :b ORDER BY id DESC"
            ),
            {"b": batch.id},
        ).all()
        at = db_time(batch.at)
        restored = changed_since = 0
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
            elif entity == "contact":
                later = session.execute(
                    text("SELECT 1 FROM contact WHERE id = :c AND updated_at > :t"),
                    {"c": entity_id, "t": at},
                ).first()
                changed_since += 1 if later else 0
                jsonfmt.restore_contact(session, entity_id, json.loads(before))
                touched.append(entity_id)
                restored += 1
            elif entity == "company":
                _restore_company(session, entity_id, json.loads(before))
                restored += 1
        _remove_contacts(session, created_contacts)
        removed = len(created_contacts)
        for entity, entity_id in created_other:
            removed += _remove_created(session, entity, entity_id)
        total = int(session.execute(text("SELECT count(*) FROM contact")).scalar_one())
        if len(created_contacts) > max(total, 1000):
            search.rebuild(session)
        else:
            search.reindex(session, created_contacts + touched)
        batch.undone_at = clock.now()
        session.add(batch)
        return UndoReport(
            batch_id=batch.id, removed=removed, restored=restored, changed_since=changed_since
        )


def _batch_to_undo(session: Session, batch_id: int | None) -> ImportBatch:
    """The batch numbered BATCH_ID, or the last one not undone."""
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
    return batch


def _restore_company(session: Session, company_id: int, state: dict[str, Any]) -> None:
    row = state["company"]
    columns = [c for c in row if c != "id"]
    session.execute(
        text(f"UPDATE company SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id"),
        row,
    )
    session.execute(text("DELETE FROM company_tag WHERE company_id = :c"), {"c": company_id})
    for tag_id in state.get("tags", []):
        session.execute(
            text("INSERT INTO company_tag (company_id, tag_id) VALUES (:c, :t)"),
            {"c": company_id, "t": tag_id},
        )


# What removing a contact the import created removes with it, children first ({ids}: theirs).
_CONTACT_ROWS = (
    "DELETE FROM reminder WHERE contact_id IN ({ids}) OR follow_up_id IN "
    "(SELECT id FROM follow_up WHERE contact_id IN ({ids}))",
    "DELETE FROM follow_up WHERE contact_id IN ({ids})",
    "DELETE FROM payment WHERE contact_id IN ({ids}) OR invoice_id IN "
    "(SELECT id FROM invoice WHERE contact_id IN ({ids}))",
    "DELETE FROM invoice WHERE contact_id IN ({ids})",
    "DELETE FROM quote WHERE contact_id IN ({ids})",  # with its lines (ON DELETE CASCADE)
    "DELETE FROM cost WHERE contact_id IN ({ids})",
    "DELETE FROM deal_stage_change WHERE deal_id IN (SELECT id FROM deal WHERE contact_id IN ({ids}))",
    "DELETE FROM deal WHERE contact_id IN ({ids})",
    "DELETE FROM contact WHERE id IN ({ids})",
)

# What removing another row the import created takes, by entity (:i is its id); a tag goes
# only when nothing uses it any more, a company's links are cut first.
_CREATED_ROWS: dict[str, tuple[str, ...]] = {
    "company": (
        "UPDATE contact SET company_id = NULL WHERE company_id = :i",
        "UPDATE interaction SET company_id = NULL WHERE company_id = :i",
        "UPDATE deal SET company_id = NULL WHERE company_id = :i",
        "DELETE FROM company WHERE id = :i",
    ),
    "tag": (
        "DELETE FROM tag WHERE id = :i AND NOT EXISTS (SELECT 1 FROM contact_tag "
        "WHERE tag_id = :i) AND NOT EXISTS (SELECT 1 FROM company_tag WHERE tag_id = :i)",
    ),
    "cadence": ("DELETE FROM cadence_rule WHERE id = :i",),
    "suppression": ("DELETE FROM suppression WHERE id = :i",),
    "payment": ("DELETE FROM payment WHERE id = :i",),
    "invoice": ("DELETE FROM payment WHERE invoice_id = :i", "DELETE FROM invoice WHERE id = :i"),
    "deal": ("DELETE FROM deal_stage_change WHERE deal_id = :i", "DELETE FROM deal WHERE id = :i"),
    "quote": ("UPDATE invoice SET quote_id = NULL WHERE quote_id = :i",
              "DELETE FROM document_line WHERE quote_id = :i", "DELETE FROM quote WHERE id = :i"),
    "cost": ("DELETE FROM cost WHERE id = :i",),
    # a product goes only when no line names it any more (the import's own went first)
    "product": (
        "DELETE FROM product WHERE id = :i AND NOT EXISTS "
        "(SELECT 1 FROM document_line WHERE product_id = :i)",
    ),
}  # fmt: skip


def _remove_contacts(session: Session, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        marks = ",".join(str(int(i)) for i in ids[start : start + 500])
        for sql in _CONTACT_ROWS:
            session.execute(text(sql.format(ids=marks)))


def _remove_created(session: Session, entity: str, entity_id: int) -> int:
    """Remove one row the import created; 1 when it counts as removed (a company)."""
    for sql in _CREATED_ROWS.get(entity, ()):
        session.execute(text(sql), {"i": entity_id})
    return 1 if entity == "company" else 0
