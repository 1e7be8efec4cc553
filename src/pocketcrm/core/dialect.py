"""The few SQL spellings that differ between SQLite and PostgreSQL, in one place.

Times are UTC text on SQLite ('2026-11-26 09:30:00.000000', see times.py) and timestamps on
PostgreSQL; string aggregation and date arithmetic are spelled differently. Services build
their SQL with these instead of branching on the dialect themselves.
"""

from __future__ import annotations

from pocketcrm.core.db import Db


def is_sqlite(session: Db) -> bool:
    return session.dialect_name == "sqlite"


def utc_day(column: str, sqlite: bool) -> str:
    """The UTC day (YYYY-MM-DD text) of a stored time."""
    return f"substr({column}, 1, 10)" if sqlite else f"to_char({column}, 'YYYY-MM-DD')"


def day_after(column: str, sqlite: bool) -> str:
    """A stored time plus one day, comparable with stored times."""
    return f"datetime({column}, '+1 day')" if sqlite else f"({column} + interval '1 day')"


def joined(expression: str, separator: str, sqlite: bool) -> str:
    """The aggregate joining EXPRESSION's values with SEPARATOR (a SQL string literal)."""
    if sqlite:
        return f"group_concat({expression}, {separator})"
    return f"string_agg(CAST({expression} AS text), {separator})"


def week_start(day: str, sqlite: bool) -> str:
    """The Monday starting the week of a YYYY-MM-DD text day, as YYYY-MM-DD text."""
    if sqlite:
        return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"
    return f"to_char(date_trunc('week', CAST({day} AS date)), 'YYYY-MM-DD')"
