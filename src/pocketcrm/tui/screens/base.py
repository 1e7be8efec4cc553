"""What every pocketcrm screen shares: the store, fresh data on change, and safe workers.

Database work never runs on the event loop: `background` runs a job in a thread worker and
hands the result back on the loop; the core's typed errors become notifications, so nothing
a person types can crash the app. Each screen reloads when the database changes (its own
saves, or another process) while it is showing, or when it comes back to the top.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from pocketcrm.tui.messages import DatabaseChanged, StoreOpened

if TYPE_CHECKING:
    from pocketcrm.core.settings import Settings
    from pocketcrm.core.store import Store
    from pocketcrm.tui.app import PocketCRM

T = TypeVar("T")


@dataclass(frozen=True)
class PaletteCommand:
    """A command-palette entry beyond the key bindings: a title, help, and an action."""

    title: str
    help: str
    action: str


def report_failure(app: Any, exc: BaseException) -> None:
    """A core error as one line; anything else as an error notification (never a crash)."""
    from pocketcrm.core.errors import CrmError  # light: no SQLModel

    if isinstance(exc, CrmError):
        app.notify(str(exc), title="pocketcrm", severity="warning")
    else:
        app.notify(f"{type(exc).__name__}: {exc}", title="Unexpected error", severity="error")
        app.log.error(repr(exc))


def run_in_thread(
    node: Any,
    job: Callable[[], T],
    done: Callable[[T], Any],
    *,
    group: str,
    exclusive: bool = False,
    failed: Callable[[BaseException], Any] | None = None,
) -> Worker[None]:
    """Run JOB in a thread worker; call DONE (or FAILED) with its outcome on the event loop.

    A cancelled worker (an exclusive one replaced by a newer search) delivers nothing.
    FAILED (or a notification) gets the exception.
    """
    app = node.app

    def deliver(callback: Callable[..., Any], value: Any) -> None:
        # Never block this thread on the event loop (call_from_thread would wait forever if
        # the app quits meanwhile, and the process would not exit): queue a callback message
        # on the node; a node that has gone away simply drops it.
        with contextlib.suppress(RuntimeError):  # the loop closed while the job ran
            node.call_later(callback, value)

    def work() -> None:
        worker = get_current_worker()
        try:
            result = job()
        except Exception as exc:
            if not worker.is_cancelled:
                deliver(failed or (lambda e: report_failure(app, e)), exc)
            return
        if not worker.is_cancelled:
            deliver(done, result)

    return cast(
        "Worker[None]",
        node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False),
    )


class CrmScreen(Screen[None]):
    """A main screen (or one pushed over it) that shows data from the store."""

    def __init__(self, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.seen_version = -1

    @property
    def crm(self) -> PocketCRM:
        return cast("PocketCRM", self.app)

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
        return run_in_thread(self, job, done, group=group, exclusive=exclusive, failed=failed)

    def reload(self) -> None:
        """Fetch this screen's data again (subclasses); call mark_seen when starting."""

    def mark_seen(self) -> None:
        self.seen_version = self.crm.data_version

    def refresh_if_stale(self) -> None:
        if self.store is not None and self.seen_version != self.crm.data_version:
            self.reload()

    def on_mount(self) -> None:
        self.refresh_if_stale()

    def on_screen_resume(self) -> None:
        self.refresh_if_stale()

    def on_database_changed(self, message: DatabaseChanged) -> None:
        self.refresh_if_stale()

    def on_store_opened(self, message: StoreOpened) -> None:
        self.refresh_if_stale()

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands for the palette that have no key of their own on this screen."""
        return []
