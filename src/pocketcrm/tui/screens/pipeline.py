"""The pipeline: one column per open deal stage, deals moved along with a key.

Left and right go from column to column, up and down through a column's deals; `]` and `[`
move the highlighted deal a stage on or back (the cursor goes with it), `w` and `l` close it
won or lost (won asks first, lost asks why), `o` reopens a closed deal, `u` undoes the last
move, `n` adds a deal, enter opens the contact's card. `s` sorts each column by the next of
close date, value, age and name (core/sorting.py), `S` reverses; the title says the order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pocketcrm.core.text import escape
from pocketcrm.tui import flows
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import CardSequence, open_card
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar

if TYPE_CHECKING:
    from pocketcrm.core.services.deals import DealView, Pipeline

# The deals a column lists, first in the chosen order; the rest are counted on its last line.
# Textual's OptionList measures every option: 1,200 deals in a stage took 4.6 s to show.
PER_STAGE = 60

# How the title names each order of core/sorting.py's "pipeline" list (▲ as sorted, ▼ reversed).
# Short: the title names the order after the totals, in 80 columns too.
SORT_LABELS = {
    "close": ("soonest close", "latest close"),
    "value": ("smallest value", "largest value"),
    "age": ("newest", "oldest"),
    "name": ("name A to Z", "name Z to A"),
}


def sort_label(sort: str) -> str:
    """'largest value' for "-value"."""
    ascending, descending = SORT_LABELS[sort.removeprefix("-")]
    return descending if sort.startswith("-") else ascending


def deal_line(deal: DealView) -> Text:
    """A deal as its column shows it: title and who, then how much and by when (what the
    sorts order by: in a narrow column each line is cut at its end, the figures kept)."""
    from pocketcrm.core.money import format_amount

    text = Text(escape(deal.title), style="bold", overflow="ellipsis", no_wrap=True)
    text.append("  ")
    text.append(escape(deal.contact_name), style="dim")
    text.append("\n")
    text.append(format_amount(deal.amount_cents, deal.currency))
    if deal.expected_close_on is not None:
        text.append(f"  by {deal.expected_close_on:%d %b}", style="dim")
    return text


class StageColumn(Vertical):
    """One stage: a heading with its count and total, and its deals."""

    def __init__(self, stage: str) -> None:
        super().__init__(classes="stage-column")
        self.stage = stage
        self.deals: list[DealView] = []

    def compose(self) -> ComposeResult:
        yield Static(self.stage.replace("_", " "), classes="stage-heading")
        yield OptionList(id=f"stage-{self.stage}", classes="stage-deals", compact=True)

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    def show(
        self, deals: list[DealView], heading: Text, *, more: int = 0, after: str = "in this order"
    ) -> None:
        """DEALS in the column; MORE (those further down the order, AFTER says how) are
        counted on a last line."""
        keep = self.highlighted
        self.deals = deals
        self.query_one(".stage-heading", Static).update(heading)
        options = self.options
        options.clear_options()
        options.add_options([Option(deal_line(d), id=str(d.id)) for d in deals])
        if more > 0:
            options.add_option(
                Option(Text(f"… {more:,} more, {after}", style="dim"), disabled=True)
            )
        if deals:
            ids = [d.id for d in deals]
            options.highlighted = ids.index(keep.id) if keep and keep.id in ids else 0

    @property
    def highlighted(self) -> DealView | None:
        index = self.options.highlighted
        if index is None or not 0 <= index < len(self.deals):
            return None
        return self.deals[index]


class PipelineScreen(CrmScreen):
    """Open deals by stage, with totals; won and lost of the last 90 days below."""

    WRITES: ClassVar[dict[str, str]] = {
        "move": "change",
        "won": "change",
        "lost": "change",
        "reopen": "change",
        "new": "add",
    }
    OWNED: ClassVar[frozenset[str]] = frozenset({"move", "won", "lost", "reopen"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "column(-1)", "Prev stage", show=False),
        Binding("right", "column(1)", "Next stage", show=False),
        Binding("right_square_bracket", "move(1)", "Move on", id="deal-forward"),
        Binding("left_square_bracket", "move(-1)", "Move back", id="deal-back"),
        Binding("w", "won", "Won", id="deal-won", tooltip="Close the deal as won (asks first)"),
        Binding("l", "lost", "Lost", id="deal-lost", tooltip="Close the deal as lost"),
        Binding("o", "reopen", "Reopen", id="deal-reopen", tooltip="Reopen a closed deal"),
        Binding("n", "new", "New deal", id="deal-new", tooltip="Add a deal"),
        Binding(
            "s",
            "sort",
            "Sort",
            id="deal-sort",
            tooltip="Sort each stage by close date, value, age or name",
        ),
        Binding(
            "S", "reverse", "Reverse", id="deal-reverse", show=False, tooltip="Reverse the sort"
        ),
        Binding("enter", "open", "Open card", id="deal-open", show=False),
    ]

    MOVE_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓", "move through a stage's deals"),
        ("← →", "the previous or next stage"),
    ]

    def focus_owner(self) -> str | None:
        found = self.highlighted()
        return None if found is None else found[1].owner

    def __init__(self) -> None:
        super().__init__(id="pipeline")
        self.stages: list[str] = []
        self.follow: int | None = None  # a deal just moved: the cursor goes with it
        self.sort = "close"  # core/sorting.py's order within each stage

    def compose(self) -> ComposeResult:
        yield TopBar("pipeline")
        yield Static("Pipeline", id="pipeline-title", classes="pane-title")
        yield Horizontal(id="pipeline-board")
        yield Static("", id="pipeline-closed")
        yield KeyFooter()

    def columns(self) -> list[StageColumn]:
        return list(self.query(StageColumn))

    def current(self) -> StageColumn | None:
        focused = self.focused
        for column in self.columns():
            if focused is not None and focused is column.options:
                return column
        found = self.columns()
        return found[0] if found else None

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.sort

        def job() -> tuple[list[DealView], Pipeline]:
            from pocketcrm.core.services import deals
            from pocketcrm.core.sorting import sort_rows

            found = deals.list_deals(store, open_only=True)
            return sort_rows(found, "pipeline", sort), deals.pipeline(store)

        self.background(job, self.show, group="pipeline", exclusive=True)

    async def show(self, found: tuple[list[DealView], Pipeline]) -> None:
        from pocketcrm.core.money import format_amount

        open_deals, summary = found
        stages = [s.stage for s in summary.stages]
        board = self.query_one("#pipeline-board", Horizontal)
        if stages != self.stages:
            focused_stage = getattr(self.current(), "stage", None)
            await board.remove_children()
            await board.mount_all([StageColumn(stage) for stage in stages])
            self.stages = stages
            columns = self.columns()
            target = next((c for c in columns if c.stage == focused_stage), None)
            if target is None and columns:
                target = columns[0]
            if target is not None:
                target.options.focus()
        totals = {s.stage: s for s in summary.stages}
        after = "closing later" if self.sort == "close" else "further down this order"
        for column in self.columns():
            mine = [d for d in open_deals if d.stage == column.stage]
            line = totals[column.stage]
            heading = Text(column.stage.replace("_", " ").upper(), style="bold")
            heading.append(f"  {line.count}  ", style="dim")
            heading.append(format_amount(line.amount_cents, summary.currency))
            column.show(mine[:PER_STAGE], heading, more=len(mine) - PER_STAGE, after=after)
        self._follow_moved()
        weighted = sum(s.weighted_cents for s in summary.stages)
        total = sum(s.amount_cents for s in summary.stages)
        title = Text("Pipeline  ", style="bold")
        title.append(f"open {format_amount(total, summary.currency)}", style="")
        title.append(f"   weighted {format_amount(weighted, summary.currency)}", style="dim")
        if summary.other_currencies:
            title.append(f"   (+{summary.other_currencies} in other currencies)", style="dim")
        title.append(f"   by {sort_label(self.sort)}", style="dim")
        self.query_one("#pipeline-title", Static).update(title)
        closed = Text("Last 90 days: ", style="dim")
        closed.append(
            f"won {summary.won_count} ({format_amount(summary.won_cents, summary.currency)})"
        )
        closed.append(f"   lost {summary.lost_count}")
        self.query_one("#pipeline-closed", Static).update(closed)

    def _follow_moved(self) -> None:
        """Put the cursor on the deal just moved, in its new column."""
        deal_id, self.follow = self.follow, None
        for column in self.columns():
            ids = [d.id for d in column.deals]
            if deal_id in ids:
                column.options.focus()
                column.options.highlighted = ids.index(deal_id)
                return

    def action_column(self, step: int) -> None:
        columns = self.columns()
        current = self.current()
        if not columns or current is None:
            return
        index = (columns.index(current) + step) % len(columns)
        columns[index].options.focus()

    def _change(self, deal: DealView, stage: str, reason: str = "") -> None:
        store = self.store
        if store is None:
            return

        def job() -> DealView:
            from pocketcrm.core.services.deals import move_deal

            return move_deal(store, deal.id, stage, reason=reason)

        self.background(job, lambda moved: self._changed(deal, moved), group="pipeline-write")

    def _changed(self, before: DealView, moved: DealView) -> None:
        """Say which deal went where, keep the cursor on it, and make it undoable (u)."""
        store = self.store
        where = moved.stage.replace("_", " ")
        verb = "closed as" if not moved.is_open else "reopened in" if not before.is_open else "to"
        self.notify(f"{moved.title} ({moved.contact_name}) {verb} {where}.", timeout=4)
        self.follow = moved.id

        def undo() -> str:
            from pocketcrm.core.services.deals import move_deal, reopen_deal

            if store is None:
                return "the database is not open"
            back = (
                move_deal(store, moved.id, before.stage)
                if before.is_open and moved.is_open
                else reopen_deal(store, moved.id)
                if before.is_open
                else move_deal(store, moved.id, before.stage, reason=before.lost_reason)
            )
            self.follow = back.id
            return f"{back.title} is back in {back.stage.replace('_', ' ')}."

        self.crm.remember_undo(f"undo moving {moved.title}", undo)
        self.crm.data_written()

    def highlighted(self) -> tuple[StageColumn, DealView] | None:
        """The focused column and its highlighted deal, if there is one."""
        column = self.current()
        deal = column.highlighted if column else None
        return (column, deal) if column is not None and deal is not None else None

    def action_move(self, step: int) -> None:
        if (found := self.highlighted()) is None:
            return
        column, deal = found
        index = self.stages.index(column.stage) + step
        if not 0 <= index < len(self.stages):
            self.notify("Use w or l to close a deal from the last stage.", timeout=3)
            return
        self._change(deal, self.stages[index])

    def action_won(self) -> None:
        from pocketcrm.core.services.figures import won_stage
        from pocketcrm.tui.modals.confirm import ConfirmModal

        if (found := self.highlighted()) is None:
            return
        deal = found[1]

        def answered(yes: bool | None) -> None:
            if yes:
                self._change(deal, won_stage(self.settings))

        question = f"Close {deal.title} ({deal.contact_name}) as won?"
        self.app.push_screen(ConfirmModal(question, "u undoes it afterwards.", yes="Won"), answered)

    def action_reopen(self) -> None:
        """Pick a closed deal and put it back in the stage it closed from."""
        from pocketcrm.tui.modals.deal_picker import deal_picker

        store = self.store
        if store is None:
            return

        def job() -> list[DealView]:
            from pocketcrm.core.services.deals import list_deals

            return list_deals(store, closed_only=True)

        def picked(deal_id: int | None) -> None:
            if deal_id is None or store is None:
                return
            before = next(d for d in closed if d.id == deal_id)

            def reopen() -> DealView:
                from pocketcrm.core.services.deals import reopen_deal

                return reopen_deal(store, deal_id)

            self.background(reopen, lambda moved: self._changed(before, moved), group="write")

        closed: list[DealView] = []

        def show(found: list[DealView]) -> None:
            closed.extend(found)
            self.app.push_screen(deal_picker(found), picked)

        self.background(job, show, group="pipeline-closed")

    def action_lost(self) -> None:
        from pocketcrm.tui.modals.deal_form import LostForm

        if (found := self.highlighted()) is None:
            return
        deal = found[1]

        def closed(moved: Any) -> None:
            if moved is not None:
                self._changed(deal, moved)

        self.app.push_screen(LostForm(deal.id, deal.title), closed)

    def action_new(self) -> None:
        flows.add_deal(self)

    def action_open(self) -> None:
        if (found := self.highlighted()) is None:
            return
        column, deal = found
        ids = [d.contact_id for d in column.deals]
        open_card(self, deal.contact_id, CardSequence.of_ids(ids, ids.index(deal.contact_id)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.focus_moved()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a deal (the list takes the key before the screen's binding)."""
        event.stop()
        self.action_open()

    def action_sort(self) -> None:
        from pocketcrm.core.sorting import next_sort

        self.action_set_sort(next_sort("pipeline", self.sort))

    def action_reverse(self) -> None:
        from pocketcrm.core.sorting import reversed_sort

        self.action_set_sort(reversed_sort(self.sort))

    def action_set_sort(self, sort: str) -> None:
        """Each stage in SORT's order; the cursor stays on its deal."""
        self.sort = sort  # the title names it once the deals are back
        self.reload()

    def palette_commands(self) -> list[PaletteCommand]:
        from pocketcrm.core.sorting import CYCLES

        sorts = [
            PaletteCommand(
                f"Sort deals by {sort_label(sort)}",
                "Order each stage's deals",
                f"set_sort({sort!r})",
            )
            for sort in CYCLES["pipeline"]
        ]
        return [PaletteCommand("New deal", "Add a deal to the pipeline", "new"), *sorts]
