"""The trash: everything deleted, newest first; bring one back (r) or empty it for good (P).

What `pocketcrm trash`, `restore` and `trash --purge` do, through the same core service
(services.trash): a restore puts the record back exactly as it was; purging asks first and
cannot be undone, which the question says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from pocketcrm import humanize
from pocketcrm.tui import format as fmt
from pocketcrm.tui.jobs import report_failure
from pocketcrm.tui.modals.confirm import ConfirmModal
from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.trash import TrashItem


def kind_label(kind: str) -> str:
    """'follow_up' as a person reads it: 'follow-up'."""
    return kind.replace("_", "-")


TRASH_COLUMNS = [
    Column("deleted", "Deleted", 16, lambda i: fmt.local(i.deleted_at)),
    Column("kind", "Kind", 11, lambda i: kind_label(i.kind)),
    Column("label", "What", 20, lambda i: i.label, grow=3),
    Column("id", "Id", 7, lambda i: f"#{i.id}", justify="right"),
]


class TrashScreen(CrmScreen):
    """What was deleted: contacts, companies, calls, follow-ups, deals, invoices, payments."""

    WRITES: ClassVar[dict[str, str]] = {"restore": "change", "purge": "purge"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "restore", "Restore", id="trash-restore", tooltip="Bring it back"),
        Binding("P", "purge", "Purge all", id="trash-purge", tooltip="Empty the trash for good"),
    ]

    def __init__(self) -> None:
        super().__init__(id="trash")
        self.items: list[TrashItem] = []

    def compose(self) -> ComposeResult:
        yield TopBar("trash")
        yield Static("Trash", id="trash-title", classes="pane-title")
        yield VirtualTable(
            TRASH_COLUMNS,
            id="trash-list",
            empty_text="The trash is empty. What you delete waits here until it is purged.",
        )
        yield Static("", id="trash-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#trash-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.table.sort

        def job() -> list[TrashItem]:
            from pocketcrm.core.services.trash import list_trash
            from pocketcrm.core.sorting import sort_rows

            return sort_rows(list_trash(store), "trash", sort)

        def done(items: list[TrashItem]) -> None:
            self.items = items
            self.table.set_rows(items, cursor=min(self.table.cursor, max(0, len(items) - 1)))
            self.query_one("#trash-title", Static).update(
                f"Trash ({fmt.number(len(items))})" if items else "Trash"
            )
            self.query_one("#trash-status", Static).update(
                humanize.count(len(items), "record", number=fmt.number(len(items)))
                + " in the trash"
            )
            self.refresh_bindings()

        self.background(job, done, group="trash", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#trash-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "trash")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action in ("restore", "purge") and not self.items:
            return None  # shown dimmed: nothing to act on
        return True

    def action_restore(self) -> None:
        item: TrashItem | None = self.table.current
        store = self.store
        if item is None or store is None:
            return

        def job() -> TrashItem:
            from pocketcrm.core.services.trash import restore

            return restore(store, f"#{item.id}", item.kind)

        def done(back: TrashItem) -> None:
            self.notify(f"{kind_label(back.kind).capitalize()} {back.label}", title="Restored")
            self.crm.data_written()

        self.background(job, done, group="write", failed=lambda e: report_failure(self.app, e))

    def action_purge(self) -> None:
        count = len(self.items)
        if not count:
            return
        records = humanize.count(count, "record", number=fmt.number(count))

        def answered(yes: bool | None) -> None:
            if yes:
                self._purge()

        self.app.push_screen(
            ConfirmModal(f"Delete {records} for good?", "This cannot be undone.", yes="Purge"),
            answered,
        )

    def _purge(self) -> None:
        store = self.store
        if store is None:
            return

        def job() -> int:
            from pocketcrm.core.services.trash import purge_trash

            return purge_trash(store)

        def done(count: int) -> None:
            self.notify(
                f"Deleted {humanize.count(count, 'record', number=fmt.number(count))} for good",
                title="Trash emptied",
            )
            self.crm.data_written()

        self.background(job, done, group="write", failed=lambda e: report_failure(self.app, e))
