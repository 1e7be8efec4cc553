"""Reminder health: for `remind --status`, `doctor`, the agenda and the interface's header.

When reminders last ran (and how often the installed job runs, so lateness shows), what is
pending, failing or given up, and a fresh set of attempts for what was given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pocketcrm import humanize
from pocketcrm.core import clock
from pocketcrm.core.db import Db
from pocketcrm.core.reminders.channels import channel_set, ordered_channels
from pocketcrm.core.reminders.rows import (
    LAST_RUN_KEY,
    SCHEDULE_KEY,
    get_state,
    set_state,
    stored_moment,
)
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store


@dataclass(frozen=True)
class ReminderHealth:
    """Whether reminders are running, and what is stuck."""

    checked_at: datetime
    last_run: datetime | None
    schedule_minutes: int
    pending: int  # recorded, not yet delivered, still being tried
    failing: int  # of those, how many failed at least once
    gave_up: int
    last_error: str

    @property
    def never_ran(self) -> bool:
        return self.last_run is None

    @property
    def late(self) -> bool:
        """Not run for longer than twice the schedule: the job is missing or broken."""
        if self.last_run is None:
            return False
        return self.checked_at - self.last_run > timedelta(minutes=2 * self.schedule_minutes)

    @property
    def needs_attention(self) -> bool:
        """Late, failing or given up: what `remind --status`, `doctor`, the agenda and the
        interface's top bar warn about. Never set up is nobody's problem yet: not this."""
        return self.late or self.failing > 0 or self.gave_up > 0

    @property
    def attention(self) -> str:
        """The worst problem in a word or two for a narrow header ('' when none)."""
        if self.late:
            return "late"
        if self.failing:
            return "failing"
        return "given up" if self.gave_up else ""

    @property
    def ok(self) -> bool:
        return not self.never_ran and not self.needs_attention

    @property
    def message(self) -> str:
        """One line for a header or a warning."""
        if self.last_run is None:
            return "reminders have never run; set them up with `pocketcrm cron install`"
        ago = humanize.span(self.checked_at - self.last_run, words=True)
        if self.late:
            text_ = (
                f"reminders have not run for {ago} (expected every {self.schedule_minutes} "
                "minutes); check `pocketcrm doctor`"
            )
        else:
            text_ = f"reminders last ran {ago} ago"
        problems = []
        if self.failing:
            problems.append(f"{self.failing} failing")
        if self.gave_up:
            problems.append(f"{self.gave_up} given up")
        if problems:
            text_ += f"; {', '.join(problems)}: see `pocketcrm remind --status`"
        return text_


def schedule_minutes(session: Db, settings: Settings) -> int:
    """The installed job's interval as `cron install` recorded it, else the configured one."""
    recorded = get_state(session, SCHEDULE_KEY)
    if recorded and recorded.isdecimal() and int(recorded) > 0:
        return int(recorded)
    return max(1, settings.reminders.schedule_minutes)


def record_schedule(store: Store, minutes: int) -> None:
    """Remember how often the installed job runs, so the health check knows when it is late."""
    with store.sql_write() as session:
        set_state(session, SCHEDULE_KEY, str(int(minutes)))


def reminder_health(store: Store, *, now: datetime | None = None) -> ReminderHealth:
    """When reminders last ran and what is stuck (cheap: two small queries)."""
    with store.sql_read() as session:
        raw = get_state(session, LAST_RUN_KEY)
        minutes = schedule_minutes(session, store.settings)
        row = session.run(
            "SELECT sum(CASE WHEN gave_up = :no THEN 1 ELSE 0 END), "
            "sum(CASE WHEN gave_up = :no AND last_error != '' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN gave_up = :no THEN 0 ELSE 1 END) "
            "FROM reminder WHERE delivered_at IS NULL",
            {"no": False},
        ).one()
        last_error = session.run(
            "SELECT last_error FROM reminder WHERE delivered_at IS NULL AND last_error != '' "
            "ORDER BY due_at DESC, id DESC LIMIT 1"
        ).scalar()
    return ReminderHealth(
        checked_at=now or clock.now(),
        last_run=datetime.fromisoformat(raw) if raw else None,
        schedule_minutes=minutes,
        pending=int(row[0] or 0),
        failing=int(row[1] or 0),
        gave_up=int(row[2] or 0),
        last_error=str(last_error or ""),
    )


@dataclass(frozen=True)
class PendingReminder:
    """A recorded reminder that has not gone out: waiting, failing, or given up.

    `due_at` is when it reminds (a date-only follow-up: the configured hour of its day);
    `delivered_channels` the channels that took it already (a retry skips them).
    """

    id: int
    key: str
    kind: str
    contact_id: int | None
    contact_name: str
    follow_up_id: int | None
    due_at: datetime
    attempts: int
    last_error: str
    gave_up: bool
    claimed: bool
    delivered_channels: tuple[str, ...] = ()


def undelivered(store: Store, *, limit: int = 200) -> list[PendingReminder]:
    """Reminders not delivered yet, failures first, newest first (for status and the UI)."""
    from pocketcrm.core.reminders.due import due_moment  # SQLAlchemy: not on the agenda's path

    with store.sql_read() as session:
        rows = session.run(
            "SELECT r.id, r.key, r.kind, r.contact_id, coalesce(c.display_name, ''), "
            "r.follow_up_id, r.due_at, r.attempts, r.last_error, r.gave_up, r.claimed_at, "
            "f.due_date, r.delivered_channels FROM reminder r "
            "LEFT JOIN contact c ON c.id = r.contact_id "
            "LEFT JOIN follow_up f ON f.id = r.follow_up_id "
            "WHERE r.delivered_at IS NULL "
            "ORDER BY r.gave_up DESC, (r.last_error = '') ASC, r.due_at DESC, r.id DESC "
            "LIMIT :limit",
            {"limit": limit},
        ).all()
    return [
        PendingReminder(
            id=int(r[0]),
            key=str(r[1]),
            kind=str(r[2]),
            contact_id=None if r[3] is None else int(r[3]),
            contact_name=str(r[4]),
            follow_up_id=None if r[5] is None else int(r[5]),
            due_at=due_moment(stored_moment(r[6]), r[11], store.settings.reminders.all_day_hour),
            attempts=int(r[7]),
            last_error=str(r[8]),
            gave_up=bool(r[9]),
            claimed=r[10] is not None,
            delivered_channels=ordered_channels(channel_set(str(r[12]))),
        )
        for r in rows
    ]


def retry_given_up(store: Store) -> int:
    """Give reminders that were given up a fresh set of attempts (after fixing the cause)."""
    with store.sql_write() as session:
        done = session.run(
            "UPDATE reminder SET gave_up = :no, attempts = 0 "
            "WHERE delivered_at IS NULL AND gave_up = :yes RETURNING id",
            {"no": False, "yes": True},
        ).all()
    return len(done)
