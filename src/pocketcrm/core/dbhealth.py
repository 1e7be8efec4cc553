"""The database's own health, for `pocketcrm doctor`: can we reach it, may we use it, and does
the live schema hold everything models.py declares (a revision number alone does not prove
it: a migration edited after it shipped leaves databases upgraded in between without what
the edit added).

Each function returns one plain sentence per problem; an empty list means healthy.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from pocketcrm.core.store import Store, shown_url


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig).strip().splitlines() or ["no reason given"])[0]


def reach_problem(store: Store) -> str | None:
    """Why the server cannot be reached or refuses us (down, wrong password, no such role)."""
    try:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            conn.rollback()
    except DBAPIError as exc:
        return f"cannot reach {shown_url(store.url)}: {_first_line(exc)}"
    return None


# What every pocketcrm command may need on each table.
_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def access_problems(store: Store) -> list[str]:
    """On a server: the tables this role may not read or write, one line per missing right."""
    if store.is_sqlite:
        return []
    from pocketcrm.core.models import metadata

    problems = []
    with store.engine.connect() as conn:
        user = str(conn.exec_driver_sql("SELECT current_user").scalar())
        present = {
            str(name)
            for (name,) in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }
        tables = sorted(name for name in [*metadata.tables, "alembic_version"] if name in present)
        for privilege in _PRIVILEGES:
            denied = [
                table
                for table in tables
                if not conn.exec_driver_sql(
                    "SELECT has_table_privilege(current_user, %(t)s, %(p)s)",
                    {"t": table, "p": privilege},
                ).scalar()
            ]
            if denied:
                shown = ", ".join(denied[:5]) + (
                    f" and {len(denied) - 5} more" if denied[5:] else ""
                )
                problems.append(
                    f"role {user} may not {privilege} on {shown}; "
                    f"GRANT {privilege} ON ALL TABLES IN SCHEMA public TO {user}"
                )
        conn.rollback()
    return problems


def schema_problems(store: Store) -> list[str]:
    """Tables, columns and indexes models.py declares that the live database lacks."""
    from pocketcrm.core.models import metadata

    live = inspect(store.engine)
    tables = set(live.get_table_names())
    problems = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        if table.name not in tables:
            problems.append(f"missing table {table.name}")
            continue
        columns = {c["name"] for c in live.get_columns(table.name)}
        problems += [
            f"missing column {table.name}.{c.name}" for c in table.columns if c.name not in columns
        ]
        indexes = {i["name"] for i in live.get_indexes(table.name)}
        problems += [
            f"missing index {index.name} on {table.name}"
            for index in sorted(table.indexes, key=lambda i: str(i.name))
            if index.name not in indexes
        ]
    return problems
