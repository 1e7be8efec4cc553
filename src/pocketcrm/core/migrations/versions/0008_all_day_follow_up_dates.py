"""follow-ups: an all-day follow-up keeps its day as a date, not as a midnight moment

Until now an all-day follow-up was stored as the writer's local midnight, so it moved to
the day before when read in a zone further west (due 3 December showed as 2 December
19:00 in New York). `follow_up.due_date` now holds the day ("YYYY-MM-DD"); `due_at` stays
as the order key. `contact.next_follow_up_date` does the same for the list's column.

Existing all-day rows get the day the user saw when they wrote it: the local date if the
stored moment is a local midnight here, otherwise the nearest UTC midnight's date (rows
written with the zone set to UTC, or any zone less than 12 hours away from it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _day(value: object) -> str:
    """A frozen copy of the rule (dates.day_of_stored_midnight): a migration must not change
    with the code."""
    from pocketcrm.core import clock

    moment = _moment(value)
    local = moment.astimezone(clock.local_zone())
    if local.time() == time(0):
        return local.date().isoformat()
    return (moment + timedelta(hours=12)).date().isoformat()


def _report_index(columns: list[str]) -> None:
    """The counting index (report, agenda sizes): with due_date in it a count of what is
    due before a window's end reads the index alone (without it: 190 ms instead of 20 ms
    at 100,000 follow-ups)."""
    op.drop_index("ix_follow_up_report", table_name="follow_up")
    op.create_index("ix_follow_up_report", "follow_up", columns, unique=False)


def upgrade() -> None:
    # Nullable, so SQLite adds both in place (ALTER TABLE ADD COLUMN), without a table copy.
    op.add_column("follow_up", sa.Column("due_date", sa.String(), nullable=True))
    op.add_column("contact", sa.Column("next_follow_up_date", sa.String(), nullable=True))
    _report_index(["deleted_at", "due_at", "done_at", "all_day", "due_date"])
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, due_at FROM follow_up WHERE all_day")).all()
    if rows:
        bind.execute(
            sa.text("UPDATE follow_up SET due_date = :d WHERE id = :i"),
            [{"d": _day(due), "i": follow_up_id} for follow_up_id, due in rows],
        )
    # The list's column: the day of each contact's next open follow-up, if it is all-day.
    bind.execute(
        sa.text(
            "UPDATE contact SET next_follow_up_date = (SELECT f.due_date FROM follow_up f "
            "WHERE f.contact_id = contact.id AND f.done_at IS NULL AND f.deleted_at IS NULL "
            "ORDER BY f.due_at, f.id LIMIT 1) WHERE next_follow_up_at IS NOT NULL"
        )
    )


def downgrade() -> None:
    _report_index(["deleted_at", "due_at", "done_at", "all_day"])
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("next_follow_up_date")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_column("due_date")
