"""Bring contacts in: CSV (Google, Outlook, HubSpot, any), vCard 2.1/3.0/4.0, pocketcrm JSON.

Three steps. Every record is parsed, validated and normalised (phones as typed + E.164 + a
validity flag, stages onto the configured ones, tags, custom fields for whatever has no
column), before the write lock is taken, into a temporary spool; then, in ONE transaction,
matched against what exists (uuid, then external ids such as a vCard UID or a HubSpot id,
then email) and written. On SQLite that run is made on a private snapshot of the database,
without the lock, and only its recorded writes are replayed under the lock (apply.py). The
preview is the very same run rolled back at the end, so what it shows is exactly what a
write would do, and a write either commits everything or nothing (a killed import leaves no
trace). Other writers wait only for the replay (see bench/bench_import_lock.py).

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

The package follows the stages a record passes through: read.py (read and chunk, parsed in
worker processes when big), normalise.py, match.py, contacts.py (write contacts and
companies), history.py (interactions, follow-ups, deals, invoices, payments of JSON
records), update.py (a matched contact, field by field through fidelity.py), run.py (the
whole run and the entry points), apply.py (the locked phase: snapshot, record, replay),
undo.py; tables.py names every table's columns once.
"""

from __future__ import annotations

from pocketcrm.core.matching import digest, phone_key
from pocketcrm.core.transfer.importer.read import CHUNK, FORMATS, PARALLEL_BYTES, detect_format
from pocketcrm.core.transfer.importer.report import (
    KEPT_LOCAL,
    MAX_CHANGES,
    MAX_LISTED,
    BatchView,
    DuplicateHint,
    FieldChange,
    ImportReport,
    RowNote,
    SourceInfo,
    SuppressedRow,
    UndoReport,
)
from pocketcrm.core.transfer.importer.run import import_files, parse_mapping
from pocketcrm.core.transfer.importer.undo import list_batches, undo_import

__all__ = [
    "CHUNK",
    "FORMATS",
    "KEPT_LOCAL",
    "MAX_CHANGES",
    "MAX_LISTED",
    "PARALLEL_BYTES",
    "BatchView",
    "DuplicateHint",
    "FieldChange",
    "ImportReport",
    "RowNote",
    "SourceInfo",
    "SuppressedRow",
    "UndoReport",
    "detect_format",
    "digest",
    "import_files",
    "list_batches",
    "parse_mapping",
    "phone_key",
    "undo_import",
]
