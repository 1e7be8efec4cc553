"""The history of imports and their undo."""

from __future__ import annotations

import json

from sqlalchemy import text

from pocketcrm.core import clock, search
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
