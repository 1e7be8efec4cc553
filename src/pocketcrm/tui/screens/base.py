"""What every pocketcrm screen shares: the store, fresh data on change, and safe workers.

Database work never runs on the event loop: `background` runs a job in a thread worker
(tui.jobs) and hands the result back on the loop. Each screen reloads when the database
changes (its own saves, or another process) while it is showing, or when it comes back to
the top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.screen import Screen

from pocketcrm.tui.host import CrmApp, crm_app
from pocketcrm.tui.jobs import run_in_thread
from pocketcrm.tui.messages import DatabaseChanged, StoreOpened

if TYPE_CHECKING:
    from textual.worker import Worker

    from pocketcrm.core.settings import Settings
    from pocketcrm.core.store import Store
    from pocketcrm.tui.widgets.virtual_table import VirtualTable

T = TypeVar("T")

# A job still running after this many seconds shows the top bar's loading sign.
LOADING_AFTER = 0.2


@dataclass(frozen=True)
class PaletteCommand:
    """A command-palette entry beyond the key bindings: a title, help, and an action."""

    title: str
    help: str
    action: str


class CrmScreen(Screen[None]):
    """A main screen (or one pushed over it) that shows data from the store.

    WRITES names the screen's actions that change data, each with what the role must be
    allowed (core/services/permissions.py's ACTIONS); those in OWNED also need the record in
    focus (focus_owner) to be one the user may change. What the role may never do is hidden
    (footer, palette, key); what this record's owner keeps from them is shown dimmed."""

    WRITES: ClassVar[dict[str, str]] = {}
    OWNED: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.seen_version = -1

    @property
    def crm(self) -> CrmApp:
        return crm_app(self)

    @property
    def store(self) -> Store | None:
        return self.crm.store

    @property
    def settings(self) -> Settings:
        return self.crm.settings

    def background(
        self,
        job: Callable[[], T],
        done: Callable[[T], Any],
        *,
        group: str = "db",
        exclusive: bool = False,
        failed: Callable[[BaseException], Any] | None = None,
    ) -> Worker[None]:
        """JOB in a thread; the top bar says it is working once it takes LOADING_AFTER."""
        worker = run_in_thread(self, job, done, group=group, exclusive=exclusive, failed=failed)
        self.set_timer(LOADING_AFTER, lambda: self.crm.show_busy(worker), name="loading")
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.is_finished and self.crm.busy:
            self.crm.prune_busy()

    def reload(self) -> None:
        """Fetch this screen's data again (subclasses); call mark_seen when starting."""

    def mark_seen(self) -> None:
        self.seen_version = self.crm.data_version

    def refresh_if_stale(self) -> None:
        """Reload if the data changed since this screen last loaded; only while it is shown
        (a screen built ahead, off screen, loads when it is first switched to)."""
        if (
            self.store is not None
            and self.seen_version != self.crm.data_version
            and self.is_current
        ):
            self.reload()

    # Drawn first, then loaded: a worker started before the screen's first frame competes
    # with that frame for the GIL (a switch to the report took several times as long).
    def on_mount(self) -> None:
        self.call_after_refresh(self.refresh_if_stale)

    def on_screen_resume(self) -> None:
        self.call_after_refresh(self.refresh_if_stale)

    def on_database_changed(self, message: DatabaseChanged) -> None:
        self.refresh_if_stale()

    def on_store_opened(self, message: StoreOpened) -> None:
        self.refresh_if_stale()

    def sort_by_header(self, event: VirtualTable.HeaderClicked, rows: str) -> None:
        """A click on a column's header of the list ROWS (core/sorting.py): sorted by it, a
        second click reverses; a column with no sort rule does nothing."""
        from pocketcrm.core.sorting import sortable

        if sortable(rows, event.column):
            event.table.sort_toggled(event.column)
            self.reload()

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands for the palette that have no key of their own on this screen."""
        return []

    def focus_owner(self) -> str | None:
        """The owner of the record an OWNED action would change (None: no record, or not
        known here; the server still judges)."""
        return None

    def permitted(self, action: str) -> bool | None:
        """The role's answer for ACTION: False hides it, None dims it (not this record)."""
        need = self.WRITES.get(action)
        access = self.crm.access
        if need is None or access is None:
            return True
        if not access.may(need):
            return False
        owner = self.focus_owner() if action in self.OWNED else None
        if owner is not None and not access.may_change(owner):
            return None
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.permitted(action)

    def focus_moved(self) -> None:
        """The record in focus changed: its OWNED actions may be dimmed now, or no longer
        (nothing to redo for someone whose role lets them change everything)."""
        access = self.crm.access
        if self.OWNED and access is not None and access.role not in ("", "admin"):
            self.refresh_bindings()
