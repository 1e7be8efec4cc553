"""The agenda: overdue, today and upcoming follow-ups; done, snooze and open the card by key.

Under the follow-ups, "Drifting out of touch": contacts past the interval of their cadence
(services.cadence.drifting, the list `pocketcrm agenda` prints), most overdue first. Tab moves
between the two lists; Enter opens the card and l logs a call in either. The follow-ups sort
within each section by due date, contact or owner (core/sorting.py): `s` steps through them,
`S` reverses, a click on the column's header too; the header marks the order (▲ ▼).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from pocketcrm.tui import flows
from pocketcrm.tui import format as fmt
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import CardSequence, open_card
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, Section, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.activity import FollowUpView
    from pocketcrm.core.services.cadence import Drift

WINDOWS = {"week": "the next 7 days", "all": "everything open"}
# How the title names the orders of core/sorting.py's "agenda" list.
SORT_LABELS = {"due": "due date", "contact": "contact", "owner": "owner"}
# The agenda shows the earliest 500 (the CLI lists every one): building 36,000 rows on the
# 100,000-contact bench took seconds before the screen showed.
AGENDA_LIMIT = 500


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


def _last_in_touch(row: Drift) -> str:
    if row.last_contact_at is None:
        return "never"
    return f"{fmt.local(row.last_contact_at, date_only=True)} ({fmt.ago(row.last_contact_at)})"


def _over_by(row: Drift) -> Cell:
    if row.past_max:
        return (f"{row.days_over}d, past max", "bold red")
    return f"{row.days_over}d"


DRIFT_COLUMNS = [
    Column("contact", "Contact", 18, lambda r: r.contact_name, grow=2),
    Column("last", "Last in touch", 22, _last_in_touch),
    Column("every", "Every", 6, lambda r: f"{r.ideal_days}d"),
    Column("over", "Over by", 14, _over_by, grow=1),
    Column("rule", "Rule", 10, lambda r: r.rule, grow=1),
]


def sections(views: list[FollowUpView], more: bool = False) -> list[Any]:
    """Rows with headings: Overdue, Today, Upcoming (each only when it has follow-ups);
    MORE: VIEWS are the first AGENDA_LIMIT, so the last heading's count is "N+"."""
    from pocketcrm.core import clock, dates

    today = clock.local_now().date()
    groups: dict[str, list[FollowUpView]] = {"Overdue": [], "Today": [], "Upcoming": []}
    for view in views:
        day = dates.due_day(view.due_at)
        if view.overdue:
            groups["Overdue"].append(view)
        elif day <= today:
            groups["Today"].append(view)
        else:
            groups["Upcoming"].append(view)
    rows: list[Any] = []
    last = [title for title, items in groups.items() if items][-1:]
    for title, items in groups.items():
        if items:
            plus = "+" if more and [title] == last else ""
            rows.append(Section(f"{title} ({fmt.number(len(items))}{plus})"))
            rows.extend(items)
    return rows


class AgendaScreen(CrmScreen):
    """What needs doing: one key to mark done, snooze, or open the card."""

    WRITES: ClassVar[dict[str, str]] = {
        "done": "log",
        "snooze": "log",
        "remove": "change",
        "log": "log",
    }
    OWNED: ClassVar[frozenset[str]] = frozenset({"done", "snooze", "remove"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Card", id="agenda-open", tooltip="Open the contact's card"),
        Binding("x", "done", "Done", id="agenda-done", tooltip="Mark the follow-up done"),
        Binding("z", "snooze", "Snooze", id="agenda-snooze", tooltip="Snooze the follow-up"),
        Binding(
            "d",
            "remove",
            "Remove",
            id="agenda-remove",
            tooltip="Move the follow-up to the trash (entered by mistake; u undoes)",
        ),
        Binding("l", "log", "Log", id="agenda-log", tooltip="Log a call with this contact"),
        Binding(
            "tab",
            "switch_list",
            "Follow-ups/drifting",
            id="agenda-switch",
            tooltip="Move between the follow-ups and who is drifting out of touch",
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="agenda-sort",
            tooltip="Sort each section by due date, contact or owner",
        ),
        Binding(
            "S", "reverse", "Reverse", id="agenda-reverse", show=False, tooltip="Reverse the sort"
        ),
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
        self.views: tuple[list[FollowUpView], bool] = ([], False)  # as found; more than shown
        self.drifts: list[Drift] = []
        self.follow_up_count: tuple[int, int | None] = (0, 0)  # (open, overdue; None: not counted)

    def compose(self) -> ComposeResult:
        yield TopBar("agenda")
        yield Static("", id="agenda-title", classes="pane-title")
        yield VirtualTable(
            AGENDA_COLUMNS,
            id="agenda-list",
            page_size=200,
            empty_text="Nothing due. Plan a next step from a card with f.",
        )
        yield Static("", id="drift-title", classes="pane-title")
        yield VirtualTable(DRIFT_COLUMNS, id="drift-list", page_size=200)
        yield Static("", id="agenda-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#agenda-list", VirtualTable)

    @property
    def drift_table(self) -> VirtualTable:
        return self.query_one("#drift-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.mark_sorted("due")
        self.table.focus()
        self._title()
        self._show_drifts()

    def _title(self) -> None:
        sort = self.table.sort
        order = SORT_LABELS.get(sort.removeprefix("-"), "due date")
        reverse = ", reversed" if sort.startswith("-") else ""
        self.query_one("#agenda-title", Static).update(
            f"Follow-ups: {WINDOWS[self.window]}  (w switches)  ·  by {order}{reverse} (s)"
        )

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        window = self.window
        keep = self.table.current

        def job() -> tuple[list[FollowUpView], bool, tuple[int, int | None], list[Drift]]:
            from pocketcrm.core.services.activity import agenda, agenda_size
            from pocketcrm.core.services.cadence import drifting

            views = agenda(store, window, limit=AGENDA_LIMIT)
            more = len(views) == AGENDA_LIMIT and agenda_size(store, window) > AGENDA_LIMIT
            counts: tuple[int, int | None] = (len(views), sum(1 for v in views if v.overdue))
            if more:  # how many in all (the top bar says how many are overdue)
                counts = (agenda_size(store, window), None)
            return views, more, counts, drifting(store)

        def done(
            result: tuple[list[FollowUpView], bool, tuple[int, int | None], list[Drift]],
        ) -> None:
            views, more, counts, drifts = result
            self.views = (views, more)
            self._show_rows(keep)
            self.follow_up_count = counts
            self.drifts = drifts
            self._show_drifts(keep_drift)
            self._show_status()

        keep_drift = self.drift_table.current
        self.background(job, done, group="agenda", exclusive=True)

    def _show_rows(self, keep: Any) -> None:
        """The follow-ups in sections, each in the header's order; the cursor stays on KEEP."""
        from pocketcrm.core.sorting import sort_rows

        views, more = self.views
        self.rows = sections(sort_rows(views, "agenda", self.table.sort), more)
        cursor = self.table.cursor
        if keep is not None and not isinstance(keep, Section):
            for index, row in enumerate(self.rows):
                if getattr(row, "id", None) == keep.id:
                    cursor = index
                    break
        self.table.set_rows(self.rows, cursor=cursor)

    def _show_drifts(self, keep: Drift | None = None) -> None:
        """The drifting section, shown only when someone is drifting."""
        drifts, table = self.drifts, self.drift_table
        cursor = table.cursor
        if keep is not None:
            ids = [d.contact_id for d in drifts]
            cursor = ids.index(keep.contact_id) if keep.contact_id in ids else cursor
        table.set_rows(drifts, cursor=min(cursor, max(0, len(drifts) - 1)))
        title = self.query_one("#drift-title", Static)
        title.update(f"Drifting out of touch ({fmt.number(len(drifts))})  (tab switches lists)")
        for widget in (title, table):
            widget.display = bool(drifts)
        if not drifts and table.has_focus:
            self.table.focus()
        self.refresh_bindings()

    def _show_status(self) -> None:
        """Counts, or what went wrong with the highlighted follow-up's reminder."""
        status = self.query_one("#agenda-status", Static)
        row = self.table.current
        error = "" if row is None or isinstance(row, Section) else str(row.delivery_error)
        if self.table.has_focus and error:
            status.update(f"Reminder failed: {error}  (pocketcrm remind --status)")
            return
        total, overdue = self.follow_up_count
        text = f"{fmt.number(total)} open follow-ups, {fmt.number(overdue or 0)} overdue"
        if overdue is None:
            text = f"{fmt.number(total)} open follow-ups, the first {AGENDA_LIMIT} shown"
        if self.drifts:
            text += f"; {fmt.number(len(self.drifts))} drifting out of touch"
        status.update(text)

    @on(VirtualTable.Highlighted)
    def _highlighted(self) -> None:
        self._show_status()
        self.focus_moved()

    def focus_owner(self) -> str | None:
        row = self.table.current  # a follow-up, or a section's heading
        return None if row is None or isinstance(row, Section) else str(row.owner)

    def on_descendant_focus(self) -> None:
        self._show_status()

    def _drift_focused(self) -> bool:
        return self.drift_table.has_focus

    def _selected_drift(self) -> Drift | None:
        drift: Drift | None = self.drift_table.current
        if drift is None:
            self.notify("Nobody is drifting out of touch.", timeout=3)
        return drift

    def action_switch_list(self) -> None:
        if self._drift_focused() or not self.drifts:
            self.table.focus()
        else:
            self.drift_table.focus()

    def _selected(self) -> FollowUpView | None:
        if self._drift_focused():
            self.notify(
                "That is a cadence, not a follow-up: log a call with l, or open the card.",
                timeout=3,
            )
            return None
        row = self.table.current
        if row is None or isinstance(row, Section):
            self.notify("No follow-up selected.", severity="warning", timeout=3)
            return None
        view: FollowUpView = row
        return view

    def action_open(self) -> None:
        if self._drift_focused():
            self._open_drift()
            return
        view = self._selected()
        if view is None:
            return
        ids = [r.contact_id for r in self.rows if not isinstance(r, Section)]
        position = [r for r in self.rows if not isinstance(r, Section)].index(view)
        open_card(self, view.contact_id, CardSequence.of_ids(ids, position))

    def _open_drift(self) -> None:
        drift = self._selected_drift()
        if drift is not None:
            ids = [d.contact_id for d in self.drifts]
            open_card(self, drift.contact_id, CardSequence.of_ids(ids, self.drift_table.cursor))

    @on(VirtualTable.Chosen, "#agenda-list")
    def _chosen(self) -> None:
        self.action_open()

    @on(VirtualTable.Chosen, "#drift-list")
    def _drift_chosen(self) -> None:
        self._open_drift()

    def action_done(self) -> None:
        view = self._selected()
        if view is not None:
            flows.complete_follow_up(self, view.id, view.contact_name)

    def action_snooze(self) -> None:
        view = self._selected()
        if view is not None:
            flows.snooze_follow_up(self, view)

    def action_remove(self) -> None:
        view = self._selected()
        if view is not None:
            flows.trash_record(self, "follow_up", view.id)

    def action_log(self) -> None:
        if self._drift_focused():
            drift = self._selected_drift()
            if drift is not None:
                flows.log_interaction(self, drift.contact_id, drift.contact_name)
            return
        view = self._selected()
        if view is not None:
            flows.log_interaction(self, view.contact_id, view.contact_name)

    def action_sort(self) -> None:
        from pocketcrm.core.sorting import next_sort

        self.action_set_sort(next_sort("agenda", self.table.sort))

    def action_reverse(self) -> None:
        from pocketcrm.core.sorting import reversed_sort

        self.action_set_sort(reversed_sort(self.table.sort))

    def action_set_sort(self, sort: str) -> None:
        """Each section in SORT's order (core/sorting.py); the cursor stays on its row."""
        self.table.mark_sorted(sort.removeprefix("-"), reverse=sort.startswith("-"))
        self._resorted()

    @on(VirtualTable.HeaderClicked, "#agenda-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        from pocketcrm.core.sorting import sortable

        if sortable("agenda", event.column):
            self.table.sort_toggled(event.column)
            self._resorted()

    def _resorted(self) -> None:
        self._title()
        self._show_rows(self.table.current)
        self._show_status()

    def action_window(self) -> None:
        self.action_set_window("all" if self.window == "week" else "week")

    def action_set_window(self, window: str) -> None:
        self.window = window
        self._title()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        # tab is hidden while nobody is drifting: there is nothing to switch to
        return not (action == "switch_list" and not self.drifts)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                "Agenda: this week", "Overdue, today and the next 7 days", "set_window('week')"
            ),
            PaletteCommand("Agenda: everything open", "Every open follow-up", "set_window('all')"),
            *(
                PaletteCommand(
                    f"Agenda: sort by {label}", "Order each section", f"set_sort({column!r})"
                )
                for column, label in SORT_LABELS.items()
            ),
        ]
