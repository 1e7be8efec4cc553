"""The agenda: overdue, today and upcoming follow-ups; done, snooze and open the card by key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from pocketcrm.tui import format as fmt
from pocketcrm.tui.screens import flows
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import CardSequence, open_card
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, Section, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.readmodels import FollowUpView

WINDOWS = {"week": "the next 7 days", "all": "everything open"}


def _when(row: FollowUpView) -> Cell:
    text = fmt.due(row.due_at, all_day=row.all_day)
    return (text, "bold red") if row.overdue else text


def _note(row: FollowUpView) -> Cell:
    if row.delivery_error:
        return (f"{row.note}  (reminder failed: {row.delivery_error})", "yellow")
    return row.note


AGENDA_COLUMNS = [
    Column("due", "Due", 16, _when),
    Column("contact", "Contact", 18, lambda r: r.contact_name, grow=1),
    Column("note", "Note", 20, _note, grow=3),
    Column("owner", "Owner", 8, lambda r: r.owner),
]


def sections(views: list[FollowUpView]) -> list[Any]:
    """Rows with headings: Overdue, Today, Upcoming (each only when it has follow-ups)."""
    from pocketcrm.core import clock

    today = clock.local_now().date()
    groups: dict[str, list[FollowUpView]] = {"Overdue": [], "Today": [], "Upcoming": []}
    for view in views:
        day = view.due_at.astimezone(clock.local_zone()).date()
        if view.overdue:
            groups["Overdue"].append(view)
        elif day <= today:
            groups["Today"].append(view)
        else:
            groups["Upcoming"].append(view)
    rows: list[Any] = []
    for title, items in groups.items():
        if items:
            rows.append(Section(f"{title} ({fmt.number(len(items))})"))
            rows.extend(items)
    return rows


class AgendaScreen(CrmScreen):
    """What needs doing: one key to mark done, snooze, or open the card."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Card", id="agenda-open", tooltip="Open the contact's card"),
        Binding("x", "done", "Done", id="agenda-done", tooltip="Mark the follow-up done"),
        Binding("z", "snooze", "Snooze", id="agenda-snooze", tooltip="Snooze the follow-up"),
        Binding("l", "log", "Log", id="agenda-log", tooltip="Log a call with this contact"),
        Binding(
            "w",
            "window",
            "Week/all",
            id="agenda-window",
            tooltip="Show this week or everything open",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="agenda")
        self.window = "week"
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield TopBar("agenda")
        yield Static("", id="agenda-title", classes="pane-title")
        yield VirtualTable(
            AGENDA_COLUMNS,
            id="agenda-list",
            page_size=200,
            empty_text="Nothing due. Plan a next step from a card with f.",
        )
        yield Static("", id="agenda-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#agenda-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._title()

    def _title(self) -> None:
        self.query_one("#agenda-title", Static).update(
            f"Follow-ups: {WINDOWS[self.window]}  (w switches)"
        )

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        window = self.window
        keep = self.table.current

        def job() -> list[FollowUpView]:
            from pocketcrm.core.services.activity import agenda

            return agenda(store, window)

        def done(views: list[FollowUpView]) -> None:
            self.rows = sections(views)
            cursor = self.table.cursor
            if keep is not None and not isinstance(keep, Section):
                for index, row in enumerate(self.rows):
                    if getattr(row, "id", None) == keep.id:
                        cursor = index
                        break
            self.table.set_rows(self.rows, cursor=cursor)
            overdue = sum(1 for v in views if v.overdue)
            self.query_one("#agenda-status", Static).update(
                f"{fmt.number(len(views))} open follow-ups, {fmt.number(overdue)} overdue"
            )

        self.background(job, done, group="agenda", exclusive=True)

    def _selected(self) -> FollowUpView | None:
        row = self.table.current
        if row is None or isinstance(row, Section):
            self.notify("No follow-up selected.", severity="warning", timeout=3)
            return None
        view: FollowUpView = row
        return view

    def action_open(self) -> None:
        view = self._selected()
        if view is None:
            return
        ids = [r.contact_id for r in self.rows if not isinstance(r, Section)]
        position = [r for r in self.rows if not isinstance(r, Section)].index(view)
        open_card(self, view.contact_id, CardSequence.of_ids(ids, position))

    @on(VirtualTable.Chosen, "#agenda-list")
    def _chosen(self) -> None:
        self.action_open()

    def action_done(self) -> None:
        view = self._selected()
        if view is not None:
            flows.complete_follow_up(self, view.id, view.contact_name)

    def action_snooze(self) -> None:
        view = self._selected()
        if view is not None:
            flows.snooze_follow_up(self, view)

    def action_log(self) -> None:
        view = self._selected()
        if view is not None:
            flows.log_interaction(self, view.contact_id, view.contact_name)

    def action_window(self) -> None:
        self.action_set_window("all" if self.window == "week" else "week")

    def action_set_window(self, window: str) -> None:
        self.window = window
        self._title()
        self.reload()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                "Agenda: this week", "Overdue, today and the next 7 days", "set_window('week')"
            ),
            PaletteCommand("Agenda: everything open", "Every open follow-up", "set_window('all')"),
        ]
