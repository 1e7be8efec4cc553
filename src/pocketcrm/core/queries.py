"""The contact query: the list's filters and its one row shape, below every service.

`services.contacts` lists and counts with it, `services.browse` pages through it, segments
store it and `transfer.exporter` exports what it selects: one definition of each filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pocketcrm.core import dates, validate
from pocketcrm.core.db import Db
from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.errors import Invalid
from pocketcrm.core.readmodels.contact_row import ContactRow
from pocketcrm.core.search import contains, matching_ids_sql
from pocketcrm.core.settings import Settings
from pocketcrm.core.times import db_time, from_db_time

SORTS = {
    "name": "c.name_key ASC, c.id ASC",
    "last-contact": "c.last_contact_at IS NULL, c.last_contact_at DESC, c.id ASC",
    "next-follow-up": "c.next_follow_up_at IS NULL, c.next_follow_up_at ASC, c.id ASC",
    "created": "c.created_at DESC, c.id DESC",
    "stage": "c.stage ASC, c.name_key ASC",
    "company": "co.name_key IS NULL, co.name_key ASC, c.name_key ASC",
}


def order_by(sort: str) -> str:
    """SORT's ORDER BY terms; "-name" is the same order reversed (a clicked column header's
    second click), with the rows that have no value still last."""
    key = sort[1:] if sort.startswith("-") else sort
    if key not in SORTS:
        raise Invalid("sort", f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if key == sort:
        return SORTS[key]
    flipped = []
    for term in SORTS[key].split(", "):
        if term.endswith(" ASC"):
            term = term[: -len(" ASC")] + " DESC"
        elif term.endswith(" DESC"):
            term = term[: -len(" DESC")] + " ASC"
        flipped.append(term)  # "x IS NULL" stays: no value sorts last either way
    return ", ".join(flipped)


# A filter is one value or several (an option given more than once). Several tags must all
# be on the contact (AND: "boilers" and "trade"); several stages, companies, company kinds
# or owners are alternatives (OR: stage lead or customer). No value is ever dropped.
Filter = str | tuple[str, ...]


def filter_values(value: Filter) -> tuple[str, ...]:
    """The non-blank values of a filter, one or several, in the order given."""
    given = (value,) if isinstance(value, str) else value
    return tuple(v.strip() for v in given if v.strip())


@dataclass
class ContactQuery:
    """Filters for lists; every field optional. Tags combine with AND, the other filters'
    alternatives with OR (see Filter)."""

    stage: Filter = ""
    tag: Filter = ""
    company: Filter = ""
    company_kind: Filter = ""
    owner: Filter = ""
    not_contacted_since: datetime | None = None
    text: str = ""
    sort: str = "name"
    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        # No value or one value is kept as text, so a query built from options given once
        # equals one built from plain strings ("no filters" is ContactQuery() either way).
        for name in ("stage", "tag", "company", "company_kind", "owner"):
            value = getattr(self, name)
            if not isinstance(value, str):
                setattr(self, name, "" if not value else value[0] if len(value) == 1 else value)


_LIST_SQL = """
SELECT c.id, c.display_name, coalesce(co.name, ''), c.stage,
       coalesce((SELECT group_concat(name, ',') FROM (SELECT t.name FROM contact_tag ct
                 JOIN tag t ON t.id = ct.tag_id WHERE ct.contact_id = c.id ORDER BY t.name)), ''),
       c.owner,
       coalesce((SELECT address FROM contact_email WHERE contact_id = c.id
                 ORDER BY is_primary DESC, id LIMIT 1), ''),
       coalesce((SELECT number || char(9) || CASE WHEN valid THEN e164 ELSE '' END
                 FROM contact_phone WHERE contact_id = c.id
                 ORDER BY is_primary DESC, id LIMIT 1), ''),
       c.last_contact_at, c.next_follow_up_at, c.next_follow_up_date
FROM contact c LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL
"""
_LIST_SQL_PG = """
SELECT c.id, c.display_name, coalesce(co.name, ''), c.stage,
       coalesce((SELECT string_agg(t.name, ',' ORDER BY t.name) FROM contact_tag ct
                 JOIN tag t ON t.id = ct.tag_id WHERE ct.contact_id = c.id), ''),
       c.owner,
       coalesce((SELECT address FROM contact_email WHERE contact_id = c.id
                 ORDER BY is_primary DESC, id LIMIT 1), ''),
       coalesce((SELECT number || chr(9) || CASE WHEN valid THEN e164 ELSE '' END
                 FROM contact_phone WHERE contact_id = c.id
                 ORDER BY is_primary DESC, id LIMIT 1), ''),
       c.last_contact_at, c.next_follow_up_at, c.next_follow_up_date
FROM contact c LEFT JOIN company co ON co.id = c.company_id AND co.deleted_at IS NULL
"""


def list_sql(session: Db) -> str:
    """The list's one row shape (SELECT ... FROM contact c LEFT JOIN company co): tags are
    joined in name order, spelled per dialect."""
    return _LIST_SQL if is_sqlite(session) else _LIST_SQL_PG


def _any_of(column: str, name: str, values: Sequence[str], params: dict[str, object]) -> str:
    """COLUMN equal to one of VALUES, as bound parameters NAME0, NAME1, ..."""
    marks = []
    for i, value in enumerate(values):
        params[f"{name}{i}"] = value
        marks.append(f":{name}{i}")
    return f"{column} IN ({', '.join(marks)})"


def needs_company_join(query: ContactQuery) -> bool:
    """Whether the filters read the company (a kind, or a company by name rather than id)."""
    return bool(filter_values(query.company_kind)) or any(
        not v.isdecimal() for v in filter_values(query.company)
    )


def where(session: Db, query: ContactQuery, settings: Settings) -> tuple[str, dict[str, object]]:
    """The WHERE clause (with its leading space) and parameters selecting QUERY's live contacts;
    it may read the company as `co` (see needs_company_join)."""
    clauses = ["c.deleted_at IS NULL"]
    params: dict[str, object] = {}
    stages = [validate.stage(v, settings) for v in filter_values(query.stage)]
    if stages:
        clauses.append(_any_of("c.stage", "stage", stages, params))
    for i, tag in enumerate(filter_values(query.tag)):  # every tag: AND
        clauses.append(
            "EXISTS (SELECT 1 FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
            f"WHERE ct.contact_id = c.id AND t.name = :tag{i})"
        )
        params[f"tag{i}"] = validate.tag(tag)
    companies = []
    for i, company in enumerate(filter_values(query.company)):  # any of them: OR
        if company.isdecimal():
            companies.append(f"c.company_id = :company_id{i}")
            params[f"company_id{i}"] = int(company)
        else:
            companies.append(f"co.name_key LIKE :company{i} ESCAPE '\\'")
            params[f"company{i}"] = contains(company)
    if companies:
        clauses.append("(" + " OR ".join(companies) + ")")
    kinds = [validate.company_kind(v) for v in filter_values(query.company_kind)]
    if kinds:
        clauses.append(_any_of("co.kind", "company_kind", kinds, params))
    owners = [v.lower() for v in filter_values(query.owner)]
    if owners:
        clauses.append(_any_of("lower(c.owner)", "owner", owners, params))
    if query.not_contacted_since is not None:
        clauses.append("(c.last_contact_at IS NULL OR c.last_contact_at < :since)")
        params["since"] = db_time(query.not_contacted_since)
    if query.text.strip():
        found = matching_ids_sql(session, query.text, ranked=False)
        if found is None:
            clauses.append("0")
        else:
            sql, extra = found
            clauses.append(f"c.id IN ({sql})")
            params.update(extra)
    return " WHERE " + " AND ".join(clauses), params


def row(r: Sequence[object]) -> ContactRow:
    """A ContactRow from one row of `list_sql`."""
    tags = str(r[4])
    phone, _, e164 = str(r[7]).partition("\t")  # stored numbers hold no tab (whitespace folds)
    return ContactRow(
        id=int(str(r[0])),
        display_name=str(r[1]),
        company=str(r[2]),
        stage=str(r[3]),
        tags=tuple(tags.split(",")) if tags else (),
        owner=str(r[5]),
        email=str(r[6]),
        phone=phone,
        last_contact_at=from_db_time(r[8]),
        next_follow_up_at=None if r[9] is None else dates.due_from_store(r[9], r[10]),
        phone_e164=e164,
    )


def select_rows(session: Db, query: ContactQuery, settings: Settings) -> list[ContactRow]:
    """The list's rows for QUERY, in its sort order, one page when it has a limit."""
    order = order_by(query.sort)
    clause, params = where(session, query, settings)
    statement = list_sql(session) + clause + f" ORDER BY {order}"
    if query.limit is not None:
        statement += " LIMIT :limit OFFSET :offset"
        params["limit"] = query.limit
        params["offset"] = query.offset
    return [row(r) for r in session.run(statement, params).all()]
