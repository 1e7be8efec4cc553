"""What an import reports: the preview or the result, the history of batches, an undo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_LISTED = 500  # problems, duplicates and suppressed rows listed in a report (all are counted)

MAX_CHANGES = 10_000  # changed fields listed in a report (all are counted)

# The import_change action of an update that kept a newer or chosen stored value over the

# file's: such an import is not the contact's "last import" for fidelity's newer rule, so

# the local edit stays newer than what that import brought.

KEPT_LOCAL = "updated, kept local"


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
