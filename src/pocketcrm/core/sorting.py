"""Sorting a list by one of its columns: what each column of each list sorts by, in one place.

Both faces ask for a list in an order by naming a column ("amount", or "-amount" reversed);
the interface does when a column's header is clicked. The lists the services return whole
(the trash, products, cases, campaigns, invoices, users, reminders, import batches) are sorted
here, after the service; a paged list sorts in its SQL (companies: `order_sql`).

The same rules everywhere: text compares accent- and case-folded (core/folding.py), an empty
value (None, "") sorts last in either direction, and equal values keep the service's own order
(the sort is stable), so a second click reverses the column without shuffling the ties.

The lists that are not plain tables (the pipeline's stage columns, the agenda's sections,
the duplicate pairs) are sorted the same way, within each column or section, and also by a
key that steps through CYCLES (`next_sort`) and one that reverses (`reversed_sort`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from operator import attrgetter
from typing import Any, TypeVar

from pocketcrm.core.dates.due import due_start
from pocketcrm.core.errors import Invalid
from pocketcrm.core.folding import fold
from pocketcrm.core.sla import PRIORITIES

T = TypeVar("T")
Key = Callable[[Any], object]


def _rank(order: tuple[str, ...], field: str) -> Key:
    """A value by its place in ORDER (priorities low to urgent), not alphabetically."""
    get = attrgetter(field)
    return lambda row: order.index(get(row)) if get(row) in order else len(order)


def _by(*fields: str) -> dict[str, Key]:
    return {field: attrgetter(field) for field in fields}


def _age(row: Any) -> float:
    """How long ago a deal was opened, as a number that grows with age (oldest last)."""
    created: datetime = row.created_at
    return -created.timestamp()


# Per list: the column's name (as the interface names its columns) -> the value it sorts by.
LISTS: dict[str, dict[str, Key]] = {
    "trash": {"deleted": attrgetter("deleted_at"), **_by("kind", "label", "id")},
    "products": {
        **_by("sku", "name", "category"),
        "price": attrgetter("price_cents"),
        "cost": attrgetter("cost_cents"),
        "tax": attrgetter("tax_rate_bp"),
        "state": lambda p: p.retired_at is not None,  # active first
    },
    "cases": {
        **_by("number", "status", "subject", "assignee"),
        "due": attrgetter("next_due_at"),
        "priority": _rank(PRIORITIES, "priority"),
        "contact": attrgetter("contact_name"),
    },
    "campaigns": {
        **_by("subject", "segment", "sent", "failed"),
        "made": attrgetter("created_at"),
        "state": lambda c: (c.finished_at is not None, bool(c.sent or c.failed)),
    },
    "invoices": {
        **_by("number", "status"),
        "issued": attrgetter("issued_on"),
        "due": attrgetter("due_on"),
        "amount": attrgetter("amount_cents"),
        "balance": attrgetter("balance_cents"),
        "for": lambda i: i.description or i.cancel_reason,
    },
    "users": {
        **_by("login", "name", "role", "department"),
        "state": lambda u: (not u.active, u.can_log_in is False),  # active first
    },
    "reminders": {
        **_by("kind"),
        "due": attrgetter("due_at"),
        "contact": attrgetter("contact_name"),
        "tries": attrgetter("attempts"),
    },
    "imports": {
        **_by("id", "at", "created", "updated"),
        "source": attrgetter("source"),
        "undone": attrgetter("undone_at"),
    },
    # Within each stage column of the pipeline (value in cents: currencies are not converted).
    "pipeline": {
        "value": attrgetter("amount_cents"),
        "close": attrgetter("expected_close_on"),
        "age": _age,
        "name": attrgetter("title"),
    },
    # Within each of the agenda's sections (overdue, today, upcoming): an all-day follow-up
    # at the start of its day, as the agenda itself orders them.
    "agenda": {
        "due": lambda f: due_start(f.due_at),
        "contact": attrgetter("contact_name"),
        "owner": attrgetter("owner"),
    },
    "dupes": {
        "score": attrgetter("score"),
        "left": lambda p: p.a.display_name,
        "right": lambda p: p.b.display_name,
    },
}

# The orders a sort key steps through, each in the direction one looks at first: the deals
# closing soonest, then the biggest, the oldest; the most certain pair first.
CYCLES: dict[str, tuple[str, ...]] = {
    "pipeline": ("close", "-value", "-age", "name"),
    "agenda": ("due", "contact", "owner"),
    "dupes": ("-score", "left"),
}


def parse(sort: str, known: Iterable[str]) -> tuple[str, bool]:
    """(column, reversed) of SORT ("amount", "-amount"); Invalid names the known columns."""
    column, reverse = sort.removeprefix("-"), sort.startswith("-")
    names = sorted(known)
    if column not in names:
        raise Invalid("sort", f"unknown column {column!r}; one of: {', '.join(names)}")
    return column, reverse


def next_sort(list_name: str, sort: str) -> str:
    """The order after SORT in the list's CYCLES (reversed or not, SORT's column counts)."""
    cycle = CYCLES[list_name]
    columns = [entry.removeprefix("-") for entry in cycle]
    column = sort.removeprefix("-")
    at = columns.index(column) if column in columns else -1
    return cycle[(at + 1) % len(cycle)]


def reversed_sort(sort: str) -> str:
    """SORT the other way round ("value" <-> "-value"); "" (the service's order) stays."""
    if not sort:
        return ""
    return sort.removeprefix("-") if sort.startswith("-") else f"-{sort}"


def sortable(rows: str, column: str) -> bool:
    """Whether the list ROWS can be sorted by COLUMN (a header with no rule is not)."""
    return column in LISTS.get(rows, {})


def _comparable(value: object) -> Any:
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, datetime | date):
        return value.isoformat()  # aware and naive, dates and times: never compared raw
    return value


def _empty(value: object) -> bool:
    return value is None or value == ""


def sort_rows(rows: Iterable[T], list_name: str, sort: str) -> list[T]:
    """ROWS of the list LIST_NAME (a key of LISTS) in the order SORT names; "" keeps the
    service's order. Empty values last either way; ties keep their order."""
    found = list(rows)
    if not sort:
        return found
    keys = LISTS[list_name]
    column, reverse = parse(sort, keys)
    key = keys[column]
    valued = [(key(row), row) for row in found]
    filled = [(v, row) for v, row in valued if not _empty(v)]
    empty = [row for v, row in valued if _empty(v)]
    filled.sort(key=lambda pair: _comparable(pair[0]), reverse=reverse)
    return [row for _v, row in filled] + empty


def order_sql(sort: str, columns: Mapping[str, tuple[str, bool]], tie: str) -> str:
    """The ORDER BY clause of a paged list: SORT by one of COLUMNS (name -> (SQL expression,
    whether it is text)), empty text last in either direction, then TIE. The expressions
    name the columns of an inner SELECT (PostgreSQL allows no alias inside an expression)."""
    if not sort:
        return f" ORDER BY {tie}"
    column, reverse = parse(sort, columns)
    expression, is_text = columns[column]
    direction = " DESC" if reverse else ""
    empty_last = f"CASE WHEN {expression} IS NULL OR {expression} = '' THEN 1 ELSE 0 END, "
    if not is_text:
        empty_last = f"CASE WHEN {expression} IS NULL THEN 1 ELSE 0 END, "
    return f" ORDER BY {empty_last}{expression}{direction}, {tie}"
