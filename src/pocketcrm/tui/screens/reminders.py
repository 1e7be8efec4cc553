"""Reminders: when they last ran, what runs them, and what is stuck, as `remind --status`.

The health and the undelivered list come from core/reminders/health.py (the rules the top
bar's warning, `doctor` and `remind --status` use); which schedulers hold the job from
core/scheduling.py. R gives what was given up a fresh set of attempts (`remind --retry`),
for after the cause (a password, a server) was fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from pocketcrm import humanize
from pocketcrm.tui import format as fmt
from pocketcrm.tui.jobs import report_failure
from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.reminders.health import PendingReminder, ReminderHealth


@dataclass(frozen=True)
class ReminderStatus:
    """What the screen shows: the health, the schedulers holding the job, what is stuck."""

    health: ReminderHealth
    jobs: tuple[str, ...]
    pending: list[PendingReminder]


def _state(reminder: PendingReminder) -> Cell:
    if reminder.gave_up:
        return (f"gave up: {reminder.last_error}", "bold red")
    if reminder.last_error:
        return (reminder.last_error, "yellow")
    sent = ", ".join(reminder.delivered_channels)
    return "waiting" + (f" (sent by {sent})" if sent else "")


PENDING_COLUMNS = [
    Column("due", "Due", 16, lambda p: fmt.local(p.due_at)),
    Column("contact", "Contact", 14, lambda p: p.contact_name, grow=1),
    Column("kind", "Kind", 9, lambda p: p.kind.replace("_", " ")),
    Column("tries", "Tries", 5, lambda p: str(p.attempts), justify="right"),
    Column("state", "State", 14, _state, grow=2),
]


def status_text(status: ReminderStatus) -> Text:
    """The lines `remind --status` prints above its table, a warning in colour."""
    health = status.health
    text = Text()
    last = (
        f"{fmt.local(health.last_run)} ({fmt.ago(health.last_run)})" if health.last_run else "never"
    )
    text.append("last run  ", style="dim")
    text.append(last + "\n")
    text.append("schedule  ", style="dim")
    if status.jobs:
        minutes = humanize.count(health.schedule_minutes, "minute")
        text.append(f"every {minutes} ({', '.join(status.jobs)})\n")
    else:
        text.append("none installed; set one up with `pocketcrm cron install`\n")
    text.append(health.message + "\n", style="" if health.ok else "bold yellow")
    text.append(
        f"pending {health.pending} · failing {health.failing} · given up {health.gave_up}",
        style="dim",
    )
    return text


class RemindersScreen(CrmScreen):
    """The reminders' health and every reminder not delivered yet."""

    WRITES: ClassVar[dict[str, str]] = {"retry": "log"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "R",
            "retry",
            "Retry given up",
            id="reminders-retry",
            tooltip="Try the given-up reminders again (after fixing the cause)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="reminders")
        self.status: ReminderStatus | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("reminders")
        yield Static("Loading…", id="reminders-head")
        yield Static("Not delivered yet", id="reminders-title", classes="pane-title")
        yield VirtualTable(
            PENDING_COLUMNS,
            id="reminder-list",
            empty_text="Every reminder went out.",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#reminder-list", VirtualTable).focus()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.query_one("#reminder-list", VirtualTable).sort

        def job() -> ReminderStatus:
            from pocketcrm.core import scheduling
            from pocketcrm.core.reminders.health import reminder_health, undelivered
            from pocketcrm.core.sorting import sort_rows

            pending = sort_rows(undelivered(store), "reminders", sort)
            return ReminderStatus(reminder_health(store), scheduling.installed_jobs(), pending)

        def done(status: ReminderStatus) -> None:
            self.status = status
            self.query_one("#reminders-head", Static).update(status_text(status))
            self.query_one("#reminders-title", Static).update(
                f"Not delivered yet ({fmt.number(len(status.pending))})"
            )
            self.query_one("#reminder-list", VirtualTable).set_rows(status.pending)
            self.refresh_bindings()

        self.background(job, done, group="reminders", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#reminder-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "reminders")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action == "retry" and (self.status is None or not self.status.health.gave_up):
            return None  # shown dimmed: nothing was given up
        return True

    def action_retry(self) -> None:
        store = self.store
        if store is None:
            return

        def job() -> int:
            from pocketcrm.core.reminders.health import retry_given_up

            return retry_given_up(store)

        def done(count: int) -> None:
            self.notify(
                f"{humanize.count(count, 'reminder')} will be tried again on the next run",
                title="Reminders",
            )
            self.crm.data_written()

        self.background(job, done, group="write", failed=lambda e: report_failure(self.app, e))
