"""Small read queries the full-screen interface needs and the other services do not offer.

The interface pages through lists (a count to size the scroll bar, a row's position after a
save), fills its filter pickers, and watches the file for changes made by other processes.
Plain read models out; the SQL stays here, never in tui/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from pocketcrm.core import queries, validate
from pocketcrm.core.db import Db
from pocketcrm.core.queries import ContactQuery, list_sql, order_by
from pocketcrm.core.readmodels.contact_row import ContactRow
from pocketcrm.core.search import LIVE_ROWS, fold, match_expression, matching_ids_sql
from pocketcrm.core.settings import COMPANY_KINDS
from pocketcrm.core.sql import chunks, id_list
from pocketcrm.core.store import Store

ROWS_BY_ID_CHUNK = 500


def _list_where(
    session: Db, query: ContactQuery, store: Store
) -> tuple[str, str, dict[str, object]]:
    """(FROM, WHERE, params) selecting the same contacts as list_contacts, only faster.

    Same filters (queries.where) with two differences that do not change the result:
    the company join only when a company filter needs it (a plain count uses an index:
    8 ms instead of 95 ms at 100,000 contacts), and the full-text match without
    `ORDER BY rank` inside the IN subquery (ranking 35,000 prefix matches for a one-letter
    search cost 140 ms and the ranking is thrown away by the outer ORDER BY).
    """
    order_by(query.sort)  # an unknown sort is refused here, before any query
    where, params = queries.where(session, replace(query, text=""), store.settings)
    if query.text.strip():
        if store.is_sqlite:
            expression = match_expression(query.text)
            if expression is None:
                where += " AND 1 = 0"
            else:
                where += (
                    " AND c.id IN (SELECT rowid FROM contact_fts "
                    "WHERE contact_fts MATCH :browse_fts)"
                )
                params["browse_fts"] = expression
        else:
            found = matching_ids_sql(session, query.text)
            if found is None:
                where += " AND 1 = 0"
            else:
                sql, extra = found
                where += f" AND c.id IN ({sql})"
                params.update(extra)
    needs_company = "co." in where or "co." in order_by(query.sort)
    source = " FROM contact c"
    if needs_company:
        source += " LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL"
    return source, where, params


def _rows_by_id(session: Db, ids: list[int]) -> list[ContactRow]:
    rows: dict[int, ContactRow] = {}
    for chunk in chunks(ids, ROWS_BY_ID_CHUNK):
        marks = id_list(chunk)
        for raw in session.run(list_sql(session) + f" WHERE c.id IN ({marks})").all():
            row = queries.row(raw)
            rows[row.id] = row
    return [rows[i] for i in ids if i in rows]


def _page_ids(session: Db, query: ContactQuery, store: Store, offset: int, limit: int) -> list[int]:
    source, where, params = _list_where(session, query, store)
    sql = (
        "SELECT c.id" + source + where + f" ORDER BY {order_by(query.sort)}"
        " LIMIT :browse_limit OFFSET :browse_offset"
    )
    found = session.run(sql, {**params, "browse_limit": limit, "browse_offset": offset})
    return [int(i) for i in found.scalars()]


def contact_count(store: Store, query: ContactQuery) -> int:
    """How many contacts a list holds (what count_contacts says, faster)."""
    only_text = query.text.strip() and query == ContactQuery(
        text=query.text, sort=query.sort, limit=query.limit, offset=query.offset
    )
    if only_text and store.is_sqlite:
        # The index holds exactly the live contacts (search.reindex drops trashed ones), so
        # a search alone is counted there: 3 ms instead of 20 ms for "a" at 100,000
        # (up to the last contact: an import writes its rows ahead, search.LIVE_ROWS).
        expression = match_expression(query.text)
        if expression is None:
            return 0
        with store.sql_read() as session:
            return int(
                session.run(
                    f"SELECT count(*) FROM contact_fts WHERE contact_fts MATCH :m AND {LIVE_ROWS}",
                    {"m": expression},
                ).scalar_one()
            )
    with store.sql_read() as session:
        source, where, params = _list_where(session, query, store)
        return int(session.run("SELECT count(*)" + source + where, params).scalar_one())


def contact_rows_at(store: Store, query: ContactQuery, offset: int, limit: int) -> list[ContactRow]:
    """One page of a list, in list_contacts' order (what list_contacts(limit, offset) gives)."""
    with store.sql_read() as session:
        return _rows_by_id(session, _page_ids(session, query, store, offset, limit))


def contact_ids(store: Store, query: ContactQuery) -> list[int]:
    """Every id of a list in order: then any page is a lookup by id, wherever it scrolls.

    Paging by OFFSET walks every skipped row (150 to 2,000 ms deep into 100,000 contacts,
    depending on the sort); this one scan costs about 250 ms once per list.
    """
    with store.sql_read() as session:
        source, where, params = _list_where(session, query, store)
        sql = "SELECT c.id" + source + where + f" ORDER BY {order_by(query.sort)}"
        return [int(i) for i in session.run(sql, params).scalars()]


def contact_rows(store: Store, ids: list[int]) -> list[ContactRow]:
    """List rows for these contacts, in the order given (missing ones left out)."""
    with store.sql_read() as session:
        return _rows_by_id(session, list(ids))


@dataclass(frozen=True)
class FilterChoices:
    """What the filter pickers offer: the configured stages and what the data holds."""

    stages: tuple[str, ...]
    tags: tuple[str, ...]
    owners: tuple[str, ...]
    company_kinds: tuple[str, ...]


def filter_choices(store: Store) -> FilterChoices:
    """Stages from settings, tags and owners in use, company kinds from the core's list."""
    with store.sql_read() as session:
        tags = session.run(
            "SELECT t.name FROM tag t WHERE EXISTS (SELECT 1 FROM contact_tag ct "
            "WHERE ct.tag_id = t.id) ORDER BY t.name"
        ).scalars()
        tag_names = tuple(str(t) for t in tags)
        owners = session.run(
            "SELECT DISTINCT owner FROM contact WHERE deleted_at IS NULL AND owner != '' "
            "ORDER BY owner"
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
    with store.sql_read() as session:
        return int(session.run(sql, params).scalar_one())


def contact_position(store: Store, query: ContactQuery, contact_id: int) -> int | None:
    """Where a contact sits in a list (0-based), so the cursor can land on it after a save.

    None when the contact is not in that list (filtered out, or in the trash).
    """
    try:
        return contact_ids(store, query).index(contact_id)
    except ValueError:
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
