"""The contact list: every contact, searched as you type, filtered, sorted, one key per action.

The list is a VirtualTable: it asks for a page of rows when a line needs one, and this screen
fetches the page with `list_contacts(limit, offset)` in a thread worker. A search keystroke
replaces the whole list in one step (count plus the visible page), newest keystroke wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

from pocketcrm.tui import flows
from pocketcrm.tui import format as fmt
from pocketcrm.tui.modals.filters import FilterForm, ListFilters
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import CardSequence, open_card
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.queries import ContactQuery
    from pocketcrm.core.readmodels.contact_row import ContactRow

SORTS = ("name", "last-contact", "next-follow-up")
T = TypeVar("T")


def make_query(**fields: Any) -> ContactQuery:
    """A ContactQuery (imported when first needed: the core's services import SQLModel)."""
    from pocketcrm.core.queries import ContactQuery

    return ContactQuery(**fields)


def counted_while(count: Callable[[], int], fetch: Callable[[], T]) -> tuple[int, T]:
    """COUNT run in a second thread while FETCH runs in this one: SQLite lets go of the GIL
    in both, so a search keystroke waits for the slower query, not for both in turn (about
    25 ms less for "ann l" at 100,000 contacts)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="count") as pool:
        counting = pool.submit(count)
        fetched = fetch()
        return counting.result(), fetched


SORT_LABELS = {"name": "name", "last-contact": "last contact", "next-follow-up": "next follow-up"}
# The core's sort behind each column a click on its header sorts by (a second click reverses).
COLUMN_SORTS = {
    "name": "name",
    "company": "company",
    "stage": "stage",
    "last": "last-contact",
    "next": "next-follow-up",
}


def sort_label(sort: str) -> str:
    """How the bar names SORT: 'name', 'company, reversed'."""
    key = sort.lstrip("-")
    label = SORT_LABELS.get(key, key.replace("-", " "))
    return f"{label}, reversed" if sort.startswith("-") else label


def _next_follow_up(row: ContactRow) -> Cell:
    if row.next_follow_up_at is None:
        return ""
    from pocketcrm.core import dates

    text = fmt.due(row.next_follow_up_at)
    return (text, "bold red") if dates.is_overdue(row.next_follow_up_at) else text


CONTACT_COLUMNS = [
    Column("name", "Name", 16, lambda r: r.display_name, grow=3),
    Column("company", "Company", 12, lambda r: r.company, grow=2),
    Column("stage", "Stage", 9, lambda r: r.stage.replace("_", " "), grow=1),  # past customer
    Column("tags", "Tags", 6, lambda r: " ".join(r.tags), grow=1),
    Column("last", "Last contact", 12, lambda r: fmt.ago(r.last_contact_at)),
    Column("next", "Next follow-up", 16, _next_follow_up, grow=1),  # "Tue 15 Dec 10:00"
]


def welcome_text(demo_path: str) -> Text:
    """What an empty database shows: the three ways to get started."""
    text = Text()
    text.append("Welcome to pocketcrm\n\n", style="bold")
    text.append("Your box of index cards is empty. Three ways to start:\n\n")
    text.append("  n", style="bold reverse")
    text.append("  add your first contact here\n\n")
    text.append("  pocketcrm import FILE", style="bold")
    text.append("  bring in a vCard (.vcf) or CSV export from your phone or old system\n\n")
    text.append("  D", style="bold reverse")
    text.append("  open the demo database: try everything on made-up contacts first (")
    text.append(demo_path, style="bold")
    text.append("; yours stays as it is)\n\n")
    text.append("Press ? for help and ctrl+p for the command palette.", style="dim")
    return text


class ContactsScreen(CrmScreen):
    """Every contact in one fast list."""

    WRITES: ClassVar[dict[str, str]] = {
        "add": "add",
        "demo": "add",
        "edit": "change",
        "delete": "change",
        "log": "log",
        "follow_up": "log",
    }
    OWNED: ClassVar[frozenset[str]] = frozenset({"edit", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash", "search", "Search", id="contacts-search", tooltip="Search contacts as you type"
        ),
        Binding("enter", "open", "Card", id="contacts-open", tooltip="Open the contact's card"),
        Binding("n", "add", "New", id="contacts-add", tooltip="Add a contact"),
        Binding("e", "edit", "Edit", id="contacts-edit", tooltip="Edit the contact"),
        Binding("l", "log", "Log", id="contacts-log", tooltip="Log a call, meeting, email or note"),
        Binding(
            "f", "follow_up", "Follow-up", id="contacts-follow-up", tooltip="Schedule a follow-up"
        ),
        Binding(
            "d", "delete", "Delete", id="contacts-delete", tooltip="Move the contact to the trash"
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="contacts-sort",
            tooltip="Sort by name, last contact or next follow-up",
        ),
        Binding(
            "F",
            "filter",
            "Filter",
            id="contacts-filter",
            tooltip="Filter by stage, tag, owner or company kind",
        ),
        Binding(
            "escape", "clear", "Clear", id="contacts-clear", tooltip="Clear the search and filters"
        ),
        Binding(
            "S",
            "save_segment",
            "Save segment",
            id="contacts-save-segment",
            show=False,
            tooltip="Save the filters and search as a segment",
        ),
        Binding(
            "o",
            "open_segment",
            "Segment",
            id="contacts-open-segment",
            show=False,
            tooltip="Open a saved segment",
        ),
        Binding(
            "D",
            "demo",
            "Demo",
            id="contacts-demo",
            tooltip="Open the demo database (made-up contacts to try everything on)",
        ),
    ]

    def focus_owner(self) -> str | None:
        row: ContactRow | None = self.table.current
        return None if row is None else row.owner

    def __init__(self) -> None:
        super().__init__(id="contacts")
        self.filters = ListFilters()
        self.segment: tuple[str, ContactQuery] | None = None  # an open segment's name, query
        self._segment_since = ""  # its "not contacted since", as typed
        self.sort = "name"
        self.search_text = ""
        self.list_query: ContactQuery | None = None
        self.list_ids: list[int] | None = None
        self.database_empty = False
        self._land_on: int | None = None
        self._first_frame_done = False
        self.list_painted_at: float | None = None  # perf_counter() when a list was last drawn
        self._ids_wanted: tuple[ContactQuery, int] | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("contacts")
        with Horizontal(id="contacts-bar"):
            yield Input(placeholder="Search names, emails, phones, tags, notes  ( / )", id="search")
            yield Static("", id="contacts-filters")
        yield VirtualTable(
            CONTACT_COLUMNS,
            id="contact-list",
            page_size=100,
            empty_text="No contact matches. Esc clears the search and filters.",
        )
        yield Static("", id="welcome")
        yield Static("Opening the database…", id="contacts-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#contact-list", VirtualTable)

    def on_mount(self) -> None:
        self.query_one("#welcome").display = False
        self.table.display = False  # until the first load: no "No contact matches." flash
        self.table.focus()
        self._show_filters()

    # -- loading ----------------------------------------------------------------------------

    def current_query(self) -> ContactQuery:
        if self.segment is not None:  # the segment's filters, searched and sorted here
            from dataclasses import replace

            return replace(self.segment[1], text=self.search_text, sort=self.sort)
        return make_query(
            stage=self.filters.stage,
            tag=self.filters.tag,
            owner=self.filters.owner,
            company_kind=self.filters.company_kind,
            text=self.search_text,
            sort=self.sort,
        )

    def reload(self, *, cursor: int | None = None) -> None:
        """Replace the list in one step: the count and the visible pages, then the id list."""
        store = self.store
        if store is None:
            return
        self.mark_seen()
        query = self.current_query()
        table = self.table
        want_cursor = table.cursor if cursor is None else cursor
        pages = table.visible_pages(want_cursor)
        size = table.page_size
        # Only the rows the frame draws (the screen's height before the list is first shown).
        shown = table.visible_rows(want_cursor)[1] if table.loaded else self.size.height
        land_on = self._land_on
        self._land_on = None
        filtered = (
            query.text.strip() != "" or self.filters != ListFilters() or self.segment is not None
        )

        def job() -> tuple[int, dict[int, list[ContactRow]], bool, int | None]:
            from pocketcrm.core.services import browse

            landing = None
            if land_on is not None:
                landing = browse.contact_position(store, query, land_on)
            first, last = (pages[0], pages[-1]) if landing is None else (landing // size,) * 2
            limit = (last - first + 1) * size
            if landing is None:
                limit = min(limit, max(shown, want_cursor + 1 - first * size))
            total, rows = counted_while(
                lambda: browse.contact_count(store, query),
                lambda: browse.contact_rows_at(store, query, first * size, limit),
            )
            loaded = {
                page: rows[(page - first) * size : (page - first + 1) * size]
                for page in range(first, last + 1)
            }
            empty = total == 0 and (not filtered or browse.contact_count(store, make_query()) == 0)
            return total, loaded, empty, landing

        def done(result: tuple[int, dict[int, list[ContactRow]], bool, int | None]) -> None:
            total, loaded, empty, landing = result
            self.list_query = query
            self.list_ids = None
            self.database_empty = empty
            generation = table.load(
                total, loaded, cursor=landing if landing is not None else want_cursor
            )
            self._show_empty(empty)
            self._show_status()
            self._ids_wanted = (query, generation) if total > size else None
            self.call_after_refresh(self._list_painted)

        self.background(job, done, group="contacts-list", exclusive=True)

    def _list_painted(self) -> None:
        """The new list is on screen (the benchmark reads list_painted_at)."""
        self.list_painted_at = time.perf_counter()
        if not self._first_frame_done:
            self._first_frame_done = True
            if not self.crm.first_frame_shown():
                return  # closing (the benchmark's run): no more work to wait for at exit
        if self._ids_wanted is not None:  # after the paint: it must not delay the frame
            query, generation = self._ids_wanted
            self._ids_wanted = None
            self._load_ids(query, generation)

    def _load_ids(self, query: ContactQuery, generation: int) -> None:
        """The list's every id, in order: afterwards any page is a lookup by id."""
        store = self.store
        if store is None:
            return

        def job() -> list[int]:
            from pocketcrm.core.services.browse import contact_ids

            return contact_ids(store, query)

        def done(ids: list[int]) -> None:
            if generation == self.table.generation:
                self.list_ids = ids

        self.background(job, done, group="contacts-ids", exclusive=True)

    @on(VirtualTable.PageWanted, "#contact-list")
    def fetch_page(self, message: VirtualTable.PageWanted) -> None:
        store, query, ids = self.store, self.list_query, self.list_ids
        if store is None or query is None:
            return
        size = message.table.page_size
        page, generation = message.page, message.generation

        def job() -> list[ContactRow]:
            from pocketcrm.core.services import browse

            if ids is not None:
                return browse.contact_rows(store, ids[page * size : (page + 1) * size])
            return browse.contact_rows_at(store, query, page * size, size)

        self.background(
            job, lambda rows: message.table.set_page(generation, page, rows), group="contacts-page"
        )

    def _show_empty(self, empty: bool) -> None:
        welcome = self.query_one("#welcome", Static)
        if empty:
            from pocketcrm import paths

            welcome.update(welcome_text(str(paths.demo_db())))
        welcome.display = empty
        self.table.display = not empty
        self.query_one("#contacts-bar").display = not empty
        # Hidden widgets must not keep the focus: keys would go into an unseen search box.
        self.query_one("#search", Input).disabled = empty
        self.table.disabled = empty
        if not empty and self.focused is None:
            self.table.focus()
        self.refresh_bindings()

    def _show_filters(self) -> None:
        text = f"sort: {sort_label(self.sort)}"
        column = next(
            (c for c, sort in COLUMN_SORTS.items() if sort == self.sort.lstrip("-")), None
        )
        self.table.mark_sorted(column, reverse=self.sort.startswith("-"))
        described = self.filters.describe()
        if self.segment is not None:
            described = f"segment {self.segment[0]}"
        if described:
            text = f"{described}  ·  {text}"
        self.query_one("#contacts-filters", Static).update(text)

    def _show_status(self) -> None:
        table = self.table
        if self.list_query is None:  # the first load is still running
            return  # keeps "Opening the database…" (not a false "No contact matches.")
        if self.database_empty:
            status = "No contacts yet."
        elif table.total == 0:
            status = "No contact matches."
        else:
            status = f"{fmt.number(table.cursor + 1)} of {fmt.number(table.total)} contacts"
            if self.query_one("#search", Input).has_focus:
                status += "   enter: to the list"
            elif table.has_focus:
                status += "   enter: open the card"
        # One line of fixed height: no layout pass (a keystroke or a cursor move did one).
        self.query_one("#contacts-status", Static).update(status, layout=False)

    def on_descendant_focus(self) -> None:
        self._show_status()

    @on(VirtualTable.Highlighted, "#contact-list")
    def _highlighted(self) -> None:
        self._show_status()
        self.focus_moved()

    # -- search, sort, filter ---------------------------------------------------------------

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value
        self.reload(cursor=0)

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.table.focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear(self) -> None:
        """Esc undoes one thing at a time: the search text first, then the filters."""
        search = self.query_one("#search", Input)
        if search.has_focus and search.value == "":
            self.table.focus()
            return
        if search.value:
            search.value = ""  # Input.Changed reloads
        elif self.filters != ListFilters() or self.segment is not None:
            self.filters, self.segment = ListFilters(), None
            self._show_filters()
            self.reload(cursor=0)
        self.table.focus()

    def on_key(self, event: events.Key) -> None:
        """Down from the search box goes into the list (as Enter does)."""
        if event.key == "down" and self.query_one("#search", Input).has_focus:
            event.stop()
            self.table.focus()

    def action_sort(self) -> None:
        at = SORTS.index(self.sort) if self.sort in SORTS else -1
        self.sort = SORTS[(at + 1) % len(SORTS)]
        self._show_filters()
        self.reload(cursor=0)
        self.notify(f"Sorted by {sort_label(self.sort)}", timeout=2)

    @on(VirtualTable.HeaderClicked, "#contact-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        """A column's header sorts by it; a second click reverses the order."""
        sort = COLUMN_SORTS.get(event.column)
        if sort is None:
            return
        self.action_set_sort(f"-{sort}" if self.sort == sort else sort)

    def action_set_sort(self, sort: str) -> None:
        self.sort = sort
        self._show_filters()
        self.reload(cursor=0)

    def action_filter(self) -> None:
        def chosen(filters: ListFilters | None) -> None:
            if filters is not None and (filters != self.filters or self.segment is not None):
                self.filters, self.segment = filters, None  # chosen filters replace a segment
                self._show_filters()
                self.reload(cursor=0)

        self.app.push_screen(FilterForm(self.filters), chosen)

    # -- actions on the highlighted contact -------------------------------------------------

    def _selected(self) -> ContactRow | None:
        row: ContactRow | None = self.table.current
        if row is None:
            self.notify("No contact selected.", severity="warning", timeout=3)
        return row

    def card_sequence(self, index: int) -> CardSequence:
        query = self.list_query or self.current_query()
        ids = self.list_ids

        def contact_at(store: Any, position: int) -> int | None:
            if ids is not None:
                return ids[position] if 0 <= position < len(ids) else None
            from pocketcrm.core.services.browse import contact_rows_at

            rows = contact_rows_at(store, query, position, 1)
            return rows[0].id if rows else None

        return CardSequence(index, self.table.total, contact_at)

    def action_open(self) -> None:
        row = self._selected()
        if row is not None:
            open_card(self, row.id, self.card_sequence(self.table.cursor))

    @on(VirtualTable.Chosen, "#contact-list")
    def _chosen(self) -> None:
        self.action_open()

    def action_add(self) -> None:
        def created(contact_id: int) -> None:
            self._land_on = contact_id

        flows.add_contact(self, created)

    def action_edit(self) -> None:
        row = self._selected()
        if row is not None:
            flows.edit_contact(self, row.id)

    def action_log(self) -> None:
        row = self._selected()
        if row is not None:
            flows.log_interaction(self, row.id, row.display_name)

    def action_follow_up(self) -> None:
        row = self._selected()
        if row is not None:
            flows.schedule_follow_up(self, row.id, row.display_name)

    def action_delete(self) -> None:
        row = self._selected()
        if row is not None:
            flows.trash_contact(self, row.id, row.display_name)

    def action_demo(self) -> None:
        """Build (once) and open the demo database in place of the empty one."""
        from pocketcrm import paths

        path, settings = paths.demo_db(), self.settings
        self.query_one("#contacts-status", Static).update(f"Building the demo database at {path}…")

        def job() -> Any:
            from pocketcrm.core.demo import open_demo

            return open_demo(path, settings)

        self.background(job, self.crm.use_store, group="demo", exclusive=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action == "demo":
            return self.database_empty
        needs_contacts = {"edit", "log", "follow_up", "delete", "open", "search", "sort", "filter"}
        needs_contacts.add("clear")  # the welcome has no search or filter to clear
        return not (self.database_empty and action in needs_contacts)

    def palette_commands(self) -> list[PaletteCommand]:
        commands = [
            PaletteCommand(
                f"Sort contacts by {label}", f"Order the list by {label}", f"set_sort('{key}')"
            )
            for key, label in SORT_LABELS.items()
        ]
        commands.append(PaletteCommand("Clear search and filters", "Show every contact", "clear"))
        commands.append(
            PaletteCommand(
                "Save the filters as a segment",
                "Name this list's filters and search",
                "save_segment",
            )
        )
        commands.append(
            PaletteCommand("Open a segment", "List the contacts of a saved segment", "open_segment")
        )
        return commands

    # -- segments ---------------------------------------------------------------------------

    def action_save_segment(self) -> None:
        """The filters and search on screen, saved as a segment (`segment save`)."""
        from pocketcrm.core.services.segments import SegmentFilters
        from pocketcrm.tui.modals.segment_form import SegmentForm

        query = self.current_query()
        filters = SegmentFilters(
            stage=query.stage,
            tag=query.tag,
            company=query.company,
            company_kind=query.company_kind,
            owner=query.owner,
            text=query.text,
            not_contacted_since=self.segment_since(),
        )
        described = "  ·  ".join(
            p for p in (self._described(), f"search {query.text!r}" if query.text else "") if p
        )

        def saved(view: Any) -> None:
            if view is not None:
                self.notify(f"Saved segment {view.name} ({view.members} contacts)", title="Segment")
                self.segment = (view.name, self.current_query())
                self._show_filters()

        self.app.push_screen(SegmentForm(filters, described), saved)

    def _described(self) -> str:
        return f"segment {self.segment[0]}" if self.segment else self.filters.describe()

    def segment_since(self) -> str:
        """An open segment's 'not contacted since' as it was typed (kept relative)."""
        return self._segment_since if self.segment is not None else ""

    def action_open_segment(self) -> None:
        from pocketcrm.tui.modals.pick import PickModal

        store = self.store
        if store is None:
            return

        def job() -> list[Any]:
            from pocketcrm.core.services.segments import list_segments

            return list_segments(store)

        def listed(segments: list[Any]) -> None:
            names = {s.id: s.name for s in segments}
            choices = [(s.id, f"{s.name}  ({s.members} contacts)") for s in segments]

            def picked(segment_id: int | None) -> None:
                if segment_id is not None:
                    self._open_segment(names[segment_id])

            self.app.push_screen(
                PickModal(
                    "Open a segment", choices, empty="No segments yet: save the filters as one."
                ),
                picked,
            )

        self.background(job, listed, group="segments")

    def _open_segment(self, name: str) -> None:
        store = self.store
        if store is None:
            return

        def job() -> tuple[ContactQuery, str]:
            from pocketcrm.core.services.segments import query_for, segment_filters

            filters = segment_filters(store, name)
            return query_for(filters), filters.not_contacted_since

        def opened(found: tuple[ContactQuery, str]) -> None:
            query, self._segment_since = found
            self.filters, self.segment = ListFilters(), (name, query)
            search = self.query_one("#search", Input)
            if search.value != query.text:
                search.value = query.text  # Input.Changed reloads
            self._show_filters()
            self.reload(cursor=0)
            self.table.focus()

        self.background(job, opened, group="segments")
