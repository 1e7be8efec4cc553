"""reporting: daily interaction counts kept by triggers, covering indexes for the report

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the code does.
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


def upgrade() -> None:
    op.create_table(
        "interaction_rollup",
        sa.Column("day", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sat_sum", sa.Integer(), nullable=False),
        sa.Column("sat_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "kind", "outcome", "owner", name=op.f("pk_interaction_rollup")
        ),
    )
    op.create_index(
        "ix_contact_report",
        "contact",
        ["stage", "owner", "deleted_at", "created_at", "last_contact_at", "company_id"],
    )
    op.create_index(
        "ix_follow_up_report", "follow_up", ["deleted_at", "due_at", "done_at", "all_day"]
    )
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "INSERT INTO interaction_rollup(day, kind, outcome, owner, n, sat_sum, sat_n) "
        "SELECT substr(occurred_at, 1, 10), kind, outcome, owner, count(*), "
        "coalesce(sum(satisfaction), 0), count(satisfaction) FROM interaction "
        "WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_follow_up_report", "follow_up")
    op.drop_index("ix_contact_report", "contact")
    op.drop_table("interaction_rollup")
