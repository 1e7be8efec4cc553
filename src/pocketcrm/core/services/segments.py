"""Saved segments: the filters of `list` under a name, evaluated each time they are used.

A segment stores filters, never ids, so its membership follows the contacts: tag someone
"vip" and they are in the "vip" segment from then on. The filters are JSON in segment.filters;
keys this release does not know (written by a newer one) are ignored, so an older pocketcrm
can still use the segment with the filters it understands. A filter given several times is
stored as a list: tags combine with AND, the other filters' values with OR (ContactQuery).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pocketcrm.core import clock, sql, validate
from pocketcrm.core.db import Db
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.queries import ContactQuery, Filter, filter_values
from pocketcrm.core.readmodels.contact_row import ContactRow
from pocketcrm.core.services.contacts import count_contacts, list_contacts
from pocketcrm.core.store import Store
from pocketcrm.core.times import db_time

# The list filters a segment can hold, in the order they are shown.
FILTER_KEYS = ("stage", "tag", "company", "company_kind", "owner", "text", "not_contacted_since")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SegmentFilters:
    """What a segment selects; every field optional (none: every contact).

    `not_contacted_since` is kept as typed ("30d", "2026-11-01") and read again at each use,
    so "not contacted for 30 days" keeps meaning the last 30 days.
    """

    stage: Filter = ""
    tag: Filter = ""
    company: Filter = ""
    company_kind: Filter = ""
    owner: Filter = ""
    text: str = ""
    not_contacted_since: str = ""


# The filters that may hold several values (the rest are one text each).
MULTI_KEYS = ("stage", "tag", "company", "company_kind", "owner")


@dataclass(frozen=True)
class SegmentView:
    id: int
    name: str
    filters: dict[str, str | list[str]]  # several values: a list (tags AND, the others OR)
    members: int
    created_at: datetime
    updated_at: datetime


def segment_name(value: str) -> str:
    """A segment name is one word (letters, digits, dashes, underscores), kept lower-case."""
    cleaned = value.strip().lower()
    if not _NAME.match(cleaned):
        raise Invalid(
            "segment",
            f"{value!r} is not a segment name; use letters, digits and dashes, "
            "e.g. 'vip-berlin' (at most 64 characters)",
        )
    return cleaned


def _clean(filters: SegmentFilters, store: Store) -> SegmentFilters:
    """Validated and normalised filters (the same rules `list` applies)."""
    since = filters.not_contacted_since.strip()
    if since:
        from pocketcrm.core.dates import parse_past

        parse_past(since, field="not-contacted-since")
    return SegmentFilters(
        stage=_unique(validate.stage(v, store.settings) for v in filter_values(filters.stage)),
        tag=_unique(validate.tag(v) for v in filter_values(filters.tag)),
        company=_unique(filter_values(filters.company)),
        company_kind=_unique(validate.company_kind(v) for v in filter_values(filters.company_kind)),
        owner=_unique(filter_values(filters.owner)),
        text=" ".join(filters.text.split()),
        not_contacted_since=since,
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """The values once each, in the order given ("--tag a --tag a" is one tag)."""
    return tuple(dict.fromkeys(values))


def _shown(filters: SegmentFilters) -> dict[str, str | list[str]]:
    """The set filters: one value as text (as older releases stored it), several as a list."""
    shown: dict[str, str | list[str]] = {}
    for key in FILTER_KEYS:
        value = getattr(filters, key)
        if key in MULTI_KEYS:
            values = filter_values(value)
            if values:
                shown[key] = values[0] if len(values) == 1 else list(values)
        elif value:
            shown[key] = value
    return shown


def _as_json(filters: SegmentFilters) -> str:
    return json.dumps(_shown(filters), ensure_ascii=False, sort_keys=True)


def _from_json(raw: str, name: str) -> SegmentFilters:
    """The stored filters; unknown keys (a newer release) and non-text values are ignored."""
    try:
        data: Any = json.loads(raw or "{}")
    except ValueError as exc:
        raise Invalid(
            "segment", f"the filters of {name!r} are unreadable; save the segment again"
        ) from exc
    if not isinstance(data, dict):
        data = {}

    def one(key: str) -> str:
        value = data.get(key)
        return str(value) if isinstance(value, str | int) else ""

    def some(key: str) -> Filter:
        value = data.get(key)
        if isinstance(value, list):
            return tuple(str(v) for v in value if isinstance(v, str | int))
        return one(key)

    return SegmentFilters(
        stage=some("stage"),
        tag=some("tag"),
        company=some("company"),
        company_kind=some("company_kind"),
        owner=some("owner"),
        text=one("text"),
        not_contacted_since=one("not_contacted_since"),
    )


def query_for(filters: SegmentFilters) -> ContactQuery:
    """The list query these filters mean now (a relative date is read against the clock)."""
    since = None
    if filters.not_contacted_since:
        from pocketcrm.core.dates import parse_past

        since = parse_past(filters.not_contacted_since, field="not-contacted-since").moment
    return ContactQuery(
        stage=filters.stage,
        tag=filters.tag,
        company=filters.company,
        company_kind=filters.company_kind,
        owner=filters.owner,
        not_contacted_since=since,
        text=filters.text,
    )


def _row(store: Store, name: str) -> tuple[int, str, str, datetime, datetime]:
    with store.sql_read() as session:
        return _row_in(session, name)


def _row_in(session: Db, name: str) -> tuple[int, str, str, datetime, datetime]:
    """The saved segment NAME in an open unit of work (either path), or NotFound."""
    key = segment_name(name)
    found = session.run(
        "SELECT id, name, filters, created_at, updated_at FROM segment WHERE name = :n",
        {"n": key},
        times=("created_at", "updated_at"),
    ).first()
    if found is None:
        from difflib import get_close_matches

        names = [str(n) for n in session.run("SELECT name FROM segment ORDER BY name").scalars()]
        raise NotFound("segment", name, get_close_matches(key, names, n=3))
    created, updated = found[3], found[4]
    assert created is not None and updated is not None
    return int(found[0]), str(found[1]), str(found[2]), created, updated


def _view(store: Store, row: tuple[int, str, str, datetime, datetime]) -> SegmentView:
    filters = _from_json(row[2], row[1])
    members = count_contacts(store, query_for(filters))
    return SegmentView(row[0], row[1], _shown(filters), members, row[3], row[4])


def save_segment(store: Store, name: str, filters: SegmentFilters) -> SegmentView:
    """Create the segment, or replace the filters of the one with this name."""
    key = segment_name(name)
    cleaned = _clean(filters, store)
    now = clock.now()
    with store.write() as session:
        found = session.run("SELECT id FROM segment WHERE name = :n", {"n": key}).first()
        if found is None:
            sql.insert(
                session,
                "segment",
                {"name": key, "filters": _as_json(cleaned), "created_at": now, "updated_at": now},
            )
        else:
            session.run(
                "UPDATE segment SET filters = :f, updated_at = :u WHERE id = :i",
                {"f": _as_json(cleaned), "u": db_time(now), "i": int(found[0])},
            )
    return get_segment(store, key)


def get_segment(store: Store, name: str) -> SegmentView:
    return _view(store, _row(store, name))


def segment_filters(store: Store, name: str) -> SegmentFilters:
    row = _row(store, name)
    return _from_json(row[2], row[1])


def segment_filters_in(session: Db, name: str) -> SegmentFilters:
    """The filters of the saved segment NAME, read in an open unit of work (`report
    market` reads them beside its own figures, on the plain path)."""
    row = _row_in(session, name)
    return _from_json(row[2], row[1])


def list_segments(store: Store) -> list[SegmentView]:
    """Every segment by name, each with how many contacts it holds right now."""
    with store.sql_read() as session:
        rows = session.run(
            "SELECT id, name, filters, created_at, updated_at FROM segment ORDER BY name",
            times=("created_at", "updated_at"),
        ).all()
    views = []
    for r in rows:
        assert r[3] is not None and r[4] is not None
        views.append(_view(store, (int(r[0]), str(r[1]), str(r[2]), r[3], r[4])))
    return views


def segment_members(
    store: Store, name: str, *, sort: str = "name", limit: int | None = None
) -> list[ContactRow]:
    """The contacts the segment selects now (trashed contacts never)."""
    query = replace(query_for(segment_filters(store, name)), sort=sort, limit=limit)
    return list_contacts(store, query)


def delete_segment(store: Store, name: str) -> SegmentView:
    """Remove a saved segment (only the filters: no contact changes). Campaigns sent to it
    keep their recipients and the segment's name."""
    view = get_segment(store, name)
    with store.write() as session:
        session.run("DELETE FROM segment WHERE id = :i", {"i": view.id})
    return view


def _folded(value: Filter) -> frozenset[str]:
    return frozenset(v.lower() for v in filter_values(value))


def _merged(stored: ContactQuery, given: ContactQuery) -> ContactQuery | None:
    """One query meaning both, or None when it cannot be written as one (two different sets
    of alternatives, two different search texts): then the caller intersects two lists."""
    values: dict[str, Any] = {
        "tag": _unique((*filter_values(stored.tag), *filter_values(given.tag)))
    }
    for key in ("stage", "company", "company_kind", "owner"):  # alternatives: OR
        mine, theirs = getattr(stored, key), getattr(given, key)
        if _folded(mine) and _folded(theirs) and _folded(mine) != _folded(theirs):
            return None
        values[key] = theirs if filter_values(theirs) else mine
    mine_text, their_text = stored.text, given.text
    if mine_text and their_text and mine_text.strip().lower() != their_text.strip().lower():
        return None
    values["text"] = their_text or mine_text
    times = [t for t in (stored.not_contacted_since, given.not_contacted_since) if t is not None]
    return replace(given, not_contacted_since=min(times) if times else None, **values)


def list_in_segment(store: Store, name: str, query: ContactQuery) -> list[ContactRow]:
    """`list --segment NAME` with more filters: contacts in the segment AND matching QUERY,
    in QUERY's sort order and limit."""
    stored = query_for(segment_filters(store, name))
    merged = _merged(stored, query)
    if merged is not None:
        return list_contacts(store, merged)
    # Different alternatives on each side (stage lead here, customer there): intersect.
    members = {r.id for r in list_contacts(store, stored)}
    rows = [
        r for r in list_contacts(store, replace(query, limit=None, offset=0)) if r.id in members
    ]
    rows = rows[query.offset :]
    return rows if query.limit is None else rows[: query.limit]
