"""Daily interaction counts kept by SQLite triggers, so reports never scan a million rows.

Whatever writes an interaction (a command, the interface, an import, a merge) the triggers
keep `interaction_rollup` true in the same transaction. Bulk loaders may drop the triggers,
load, `rebuild`, and create them again (faster than a million upserts). Elsewhere than SQLite
the report reads the interaction table directly.
"""

from __future__ import annotations

from sqlalchemy import text

from pocketcrm.core.dialect import is_sqlite
from pocketcrm.core.sessions import CrmSession as Session  # a Db too (core/db.py)

_ADD = """
INSERT INTO interaction_rollup(day, kind, outcome, owner, n, sat_sum, sat_n)
SELECT substr(NEW.occurred_at, 1, 10), NEW.kind, NEW.outcome, NEW.owner, 1,
       coalesce(NEW.satisfaction, 0), NEW.satisfaction IS NOT NULL
WHERE NEW.deleted_at IS NULL
ON CONFLICT(day, kind, outcome, owner) DO UPDATE SET
  n = n + 1, sat_sum = sat_sum + excluded.sat_sum, sat_n = sat_n + excluded.sat_n;
"""
_REMOVE = """
UPDATE interaction_rollup SET n = n - 1, sat_sum = sat_sum - coalesce(OLD.satisfaction, 0),
       sat_n = sat_n - (OLD.satisfaction IS NOT NULL)
WHERE OLD.deleted_at IS NULL AND day = substr(OLD.occurred_at, 1, 10) AND kind = OLD.kind
  AND outcome = OLD.outcome AND owner = OLD.owner;
"""
TRIGGERS = {
    "interaction_rollup_insert": f"AFTER INSERT ON interaction BEGIN {_ADD} END",
    "interaction_rollup_delete": f"AFTER DELETE ON interaction BEGIN {_REMOVE} END",
    "interaction_rollup_update": (
        "AFTER UPDATE OF occurred_at, kind, outcome, owner, satisfaction, deleted_at "
        f"ON interaction BEGIN {_REMOVE} {_ADD} END"
    ),
}


def create_triggers(session: Session) -> None:
    if not is_sqlite(session):
        return
    for name, body in TRIGGERS.items():
        session.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} {body}"))


def drop_triggers(session: Session) -> None:
    if not is_sqlite(session):
        return
    for name in TRIGGERS:
        session.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(session: Session) -> None:
    """Recount everything from the interaction table (after a bulk load)."""
    if not is_sqlite(session):
        return
    session.execute(text("DELETE FROM interaction_rollup"))
    session.execute(
        text(
            "INSERT INTO interaction_rollup(day, kind, outcome, owner, n, sat_sum, sat_n) "
            "SELECT substr(occurred_at, 1, 10), kind, outcome, owner, count(*), "
            "coalesce(sum(satisfaction), 0), count(satisfaction) FROM interaction "
            "WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4"
        )
    )
