"""Cases: the support queue, soonest due first, with the highlighted case and its timeline.

`r` replies (mailed to the customer) or notes, `a` assigns, `s` resolves, `c` closes (an
unresolved case asks first), `o` reopens, `f` cycles the queue (open, breached, all),
enter opens the contact's card.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import CardSequence, open_card
from pocketcrm.tui.widgets.case_lines import CASE_COLUMNS, case_detail
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.services.case_views import CaseEventView, CaseView

QUEUES = ("open", "breached", "all")
QUEUE_LIMIT = 500  # the queue shows the first 500 (the CLI lists every one)


class CasesScreen(CrmScreen):
    """The support queue and the highlighted case."""

    WRITES: ClassVar[dict[str, str]] = {
        "reply": "log",
        "assign": "change",
        "resolve": "change",
        "close": "change",
        "reopen": "change",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", "Reply", id="case-reply", tooltip="Reply to the customer, or note"),
        Binding("a", "assign", "Assign", id="case-assign", tooltip="Give the case to someone"),
        Binding("s", "resolve", "Resolve", id="case-resolve", tooltip="Mark the case resolved"),
        Binding("c", "close", "Close", id="case-close", tooltip="Close the case"),
        Binding("o", "reopen", "Reopen", id="case-reopen", tooltip="Reopen a resolved case"),
        Binding("f", "queue", "Queue", id="case-queue", tooltip="Open, breached or all cases"),
        Binding("enter", "open", "Card", id="case-open", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="cases")
        self.queue = "open"
        self.shown: CaseView | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("cases")
        yield Static("Cases", id="cases-title", classes="pane-title")
        yield VirtualTable(CASE_COLUMNS, id="case-list", empty_text="No cases in this queue.")
        with VerticalScroll(id="case-pane"):
            yield Static("", id="case-detail")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#case-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        super().on_mount()

    @on(VirtualTable.HeaderClicked, "#case-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "cases")

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        queue = self.queue
        keep = self.shown.id if self.shown else None
        sort = self.table.sort

        def job() -> list[CaseView]:
            from pocketcrm.core.services.case_views import list_cases
            from pocketcrm.core.sorting import sort_rows

            status = "" if queue == "all" else "open"
            found = list_cases(
                store, status=status, breached=queue == "breached", limit=QUEUE_LIMIT
            )
            return sort_rows(found, "cases", sort)

        def done(found: list[CaseView]) -> None:
            ids = [c.id for c in found]
            self.table.set_rows(found, cursor=ids.index(keep) if keep in ids else 0)
            breached = sum(1 for c in found if c.breached)
            title = f"Cases  {self.queue}: {len(found)}" + (
                f", {breached} breached" if breached else ""
            )
            self.query_one("#cases-title", Static).update(title)
            if not found:
                self.shown = None
                self.query_one("#case-detail", Static).update("")

        self.background(job, done, group="cases", exclusive=True)

    @on(VirtualTable.Highlighted, "#case-list")
    def _highlighted(self, message: VirtualTable.Highlighted) -> None:
        case: CaseView | None = message.row
        store = self.store
        if case is None or store is None:
            return
        self.shown = case

        def job() -> tuple[CaseView, list[CaseEventView]]:
            from pocketcrm.core.services.case_views import get_case, timeline

            return get_case(store, case.number), timeline(store, case.number)

        def done(loaded: tuple[CaseView, list[CaseEventView]]) -> None:
            if self.shown is not None and self.shown.id == loaded[0].id:
                self.query_one("#case-detail", Static).update(case_detail(*loaded))

        self.background(job, done, group="case-detail", exclusive=True)

    def _current(self) -> CaseView | None:
        case: CaseView | None = self.table.current
        return case

    def _write(self, job: Any, said: str) -> None:
        def done(view: CaseView) -> None:
            self.notify(f"{view.number} {said}.", timeout=3)
            self.crm.data_written()

        self.background(job, done, group="case-write")

    def action_reply(self) -> None:
        from pocketcrm.tui.modals.case_forms import ReplyForm

        if (case := self._current()) is None:
            return
        self.app.push_screen(ReplyForm(case.number, case.subject), self._form_done)

    def action_assign(self) -> None:
        from pocketcrm.tui.modals.case_forms import AssignForm

        if (case := self._current()) is None:
            return
        self.app.push_screen(
            AssignForm(case.number, case.assignee, case.department), self._form_done
        )

    def _form_done(self, view: CaseView | None) -> None:
        if view is not None:
            self.notify(f"{view.number} saved.", timeout=3)
            self.crm.data_written()

    def action_resolve(self) -> None:
        store = self.store
        if (case := self._current()) is None or store is None:
            return
        from pocketcrm.core.services.cases import resolve_case

        self._write(lambda: resolve_case(store, case.number), "resolved")

    def action_reopen(self) -> None:
        store = self.store
        if (case := self._current()) is None or store is None:
            return
        from pocketcrm.core.services.cases import reopen_case

        self._write(lambda: reopen_case(store, case.number), "reopened")

    def action_close(self) -> None:
        from pocketcrm.tui.modals.confirm import ConfirmModal

        store = self.store
        if (case := self._current()) is None or store is None:
            return
        from pocketcrm.core.services.cases import close_case

        if not case.is_open:
            self._write(lambda: close_case(store, case.number), "closed")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(lambda: close_case(store, case.number, force=True), "closed")

        question = f"{case.number} is {case.status}, not resolved. Close it anyway?"
        self.app.push_screen(
            ConfirmModal(question, "s resolves it instead.", yes="Close"), answered
        )

    def action_queue(self) -> None:
        self.action_set_queue(QUEUES[(QUEUES.index(self.queue) + 1) % len(QUEUES)])

    def action_set_queue(self, queue: str) -> None:
        self.queue = queue
        self.shown = None
        self.reload()

    def action_open(self) -> None:
        if (case := self._current()) is None:
            return
        open_card(self, case.contact_id, CardSequence.of_ids([case.contact_id], 0))

    @on(VirtualTable.Chosen, "#case-list")
    def _chosen(self) -> None:
        self.action_open()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                f"Cases: {queue}", "Show this queue of support cases", f"set_queue('{queue}')"
            )
            for queue in QUEUES
        ]
