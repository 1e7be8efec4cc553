"""Small read queries the full-screen interface needs and the other services do not offer.

The interface pages through lists (a count to size the scroll bar, a row's position after a
save), fills its filter pickers, and watches the file for changes made by other processes.
Plain read models out; the SQL stays here, never in tui/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from sqlalchemy import text

from pocketcrm.core import validate
from pocketcrm.core.search import fold
from pocketcrm.core.services.contacts import SORTS, ContactQuery, _where
from pocketcrm.core.settings import COMPANY_KINDS
from pocketcrm.core.store import Store


@dataclass(frozen=True)
class FilterChoices:
    """What the filter pickers offer: the configured stages and what the data holds."""

    stages: tuple[str, ...]
    tags: tuple[str, ...]
    owners: tuple[str, ...]
    company_kinds: tuple[str, ...]


def filter_choices(store: Store) -> FilterChoices:
    """Stages from settings, tags and owners in use, company kinds from the core's list."""
    with store.read() as session:
        tags = session.execute(
            text(
                "SELECT t.name FROM tag t WHERE EXISTS (SELECT 1 FROM contact_tag ct "
                "WHERE ct.tag_id = t.id) ORDER BY t.name"
            )
        ).scalars()
        tag_names = tuple(str(t) for t in tags)
        owners = session.execute(
            text(
                "SELECT DISTINCT owner FROM contact WHERE deleted_at IS NULL AND owner != '' "
                "ORDER BY owner"
            )
        ).scalars()
        owner_names = tuple(str(o) for o in owners)
    return FilterChoices(
        stages=tuple(store.settings.stages),
        tags=tag_names,
        owners=owner_names,
        company_kinds=tuple(COMPANY_KINDS),
    )


def count_companies(store: Store, *, kind: str = "", text_filter: str = "") -> int:
    """How many rows list_companies would return with the same filters (sizes the list)."""
    clauses = ["co.deleted_at IS NULL"]
    params: dict[str, object] = {}
    if kind:
        clauses.append("co.kind = :kind")
        params["kind"] = validate.company_kind(kind)
    if text_filter.strip():
        clauses.append("co.name_key LIKE :like")
        params["like"] = f"%{fold(text_filter)}%"
    sql = "SELECT count(*) FROM company co WHERE " + " AND ".join(clauses)
    with store.read() as session:
        return int(session.execute(text(sql), params).scalar_one())


def contact_position(store: Store, query: ContactQuery, contact_id: int) -> int | None:
    """Where a contact sits in a list (0-based), so the cursor can land on it after a save.

    None when the contact is not in that list (filtered out, or in the trash).
    """
    if query.sort not in SORTS:
        return None
    with store.read() as session:
        where, params = _where(session, replace(query, limit=None, offset=0), store.settings)
        sql = (
            "SELECT c.id FROM contact c LEFT JOIN company co ON co.id = c.company_id"
            + where
            + f" ORDER BY {SORTS[query.sort]}"
        )
        for index, found in enumerate(session.execute(text(sql), params).scalars()):
            if int(found) == contact_id:
                return index
    return None


def change_marker(store: Store) -> tuple[int, ...]:
    """A cheap fingerprint of the database files: it changes whenever any process writes.

    SQLite in WAL mode appends to the -wal file and later checkpoints into the main file,
    so both files' modification times and sizes are part of it. Other databases give ().
    """
    if store.path is None:
        return ()
    marker: list[int] = []
    for suffix in ("", "-wal"):
        try:
            facts = os.stat(str(store.path) + suffix)
        except OSError:
            marker += [0, 0]
        else:
            marker += [facts.st_mtime_ns, facts.st_size]
    return tuple(marker)
