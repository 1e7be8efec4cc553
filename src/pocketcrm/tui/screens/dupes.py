"""Duplicates review: likely pairs, most certain first, both cards side by side, merge by key.

The pairs come from services.dupes.find_duplicates (the rules `pocketcrm dupes` uses: same
email, same phone, close name, same company). ← keeps the left card and merges the right one
into it, → the other way round; both ask first. A merge is undone with u (the app's undo, as
for a delete) or U (the last merge not yet undone, even one made by `pocketcrm merge`).
Skipping a pair hides it until the screen's list is reloaded from scratch (r): the database
has no "not a duplicate" mark, so nothing about a skip is saved. `o` orders the pairs by
score or name (core/sorting.py; `s` is skip here), `O` reverses, a click on a header too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from pocketcrm import humanize
from pocketcrm.core.text import escape
from pocketcrm.tui import format as fmt
from pocketcrm.tui.jobs import collector_paused
from pocketcrm.tui.screens.base import CrmScreen, PaletteCommand
from pocketcrm.tui.screens.card import card_details, card_head
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Cell, Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.readmodels.card import ContactCard
    from pocketcrm.core.services.dupes import DuplicatePair

PAIR_LIMIT = 200  # the most certain pairs; `pocketcrm dupes --limit` shows more
# How the title names the orders of core/sorting.py's "dupes" list.
SORT_LABELS = {
    "-score": "most certain first",
    "score": "least certain first",
    "left": "by left name",
    "-left": "by left name, Z to A",
    "right": "by right name",
    "-right": "by right name, Z to A",
}
KEEP = Binding.Group("Keep", compact=True)


def _confidence(pair: DuplicatePair) -> Cell:
    style = {"high": "bold green", "medium": "yellow"}.get(pair.confidence, "")
    return (f"{pair.score}%", style)


PAIR_COLUMNS = [
    Column("score", "Sure", 5, _confidence, justify="right"),
    Column("left", "Left", 16, lambda p: f"{p.a.display_name} #{p.a.id}", grow=1),
    Column("right", "Right", 16, lambda p: f"{p.b.display_name} #{p.b.id}", grow=1),
    Column("evidence", "Evidence", 20, lambda p: "; ".join(p.reasons), grow=2),
]


def _count(n: int, what: str) -> str:
    return humanize.count(n, what, number=fmt.number(n))


def pair_card(card: ContactCard, side: str, region: str = "") -> Text:
    """One side of the pair: the card's head and details, and how much history it carries."""
    text = Text()
    text.append(f"{side}\n", style="bold reverse")
    text.append_text(card_head(card))
    text.append_text(card_details(card, region))
    text.append(
        f"{_count(card.interaction_count, 'interaction')}, "
        f"{_count(len(card.follow_ups), 'open follow-up')}\n",
        style="dim",
    )
    if card.notes:
        text.append(escape(card.notes) + "\n", style="italic")
    text.rstrip()
    return text


class DuplicatesScreen(CrmScreen):
    """Likely duplicate contacts, reviewed one pair at a time."""

    WRITES: ClassVar[dict[str, str]] = {"merge": "change", "skip": "change", "undo_merge": "change"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left,left_square_bracket",
            "merge('left')",
            "Keep left",
            id="dupes-keep-left",
            tooltip="Keep the left card; merge the right one into it",
            group=KEEP,
            key_display="←",
        ),
        Binding(
            "right,right_square_bracket",
            "merge('right')",
            "Keep right",
            id="dupes-keep-right",
            tooltip="Keep the right card; merge the left one into it",
            group=KEEP,
            key_display="→",
        ),
        Binding("s", "skip", "Skip", id="dupes-skip", tooltip="Not a duplicate: hide this pair"),
        Binding("U", "undo_merge", "Undo merge", id="dupes-undo", tooltip="Undo the last merge"),
        Binding("o", "sort", "Order", id="dupes-sort", tooltip="Order the pairs by score or name"),
        Binding(
            "O", "reverse", "Reverse", id="dupes-reverse", show=False, tooltip="Reverse the order"
        ),
        Binding(
            "r", "rescan", "Rescan", id="dupes-rescan", tooltip="Look again, skipped pairs too"
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="dupes")
        self.found: list[DuplicatePair] = []  # in the service's order, most certain first
        self.pairs: list[DuplicatePair] = []  # shown: not skipped, in the header's order
        self.skipped: set[tuple[int, int]] = set()
        self.scanning = False

    def compose(self) -> ComposeResult:
        yield TopBar("dupes")
        yield Static("Likely duplicates", id="dupes-title", classes="pane-title")
        yield VirtualTable(
            PAIR_COLUMNS,
            id="dupe-list",
            page_size=PAIR_LIMIT,
            empty_text="No likely duplicates. Contacts sharing an email, a phone or a close "
            "name show up here.",
        )
        with Horizontal(id="dupe-cards"):
            with VerticalScroll(id="dupe-left", classes="dupe-card"):
                yield Static("", id="dupe-left-card")
            with VerticalScroll(id="dupe-right", classes="dupe-card"):
                yield Static("", id="dupe-right-card")
        yield Static("Looking for duplicates…", id="dupes-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#dupe-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.mark_sorted("score", reverse=True)
        self.table.focus()
        self.query_one("#dupe-cards").display = False
        for pane in self.query(".dupe-card"):
            pane.can_focus = False  # ← and → must reach the screen, not scroll a card

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        self.scanning = True
        keep = self.current_pair()

        def job() -> list[DuplicatePair]:
            from pocketcrm.core.services.dupes import find_duplicates

            with collector_paused():  # its sweeps would stop the interface meanwhile
                return find_duplicates(store, limit=PAIR_LIMIT)  # the core's LIKELY threshold

        def done(pairs: list[DuplicatePair]) -> None:
            self.scanning = False
            self.found = pairs
            self._order()
            cursor = self.table.cursor
            if keep is not None:
                keys = [(p.a.id, p.b.id) for p in self.pairs]
                if (keep.a.id, keep.b.id) in keys:
                    cursor = keys.index((keep.a.id, keep.b.id))
            self._show_pairs(cursor)

        self.background(job, done, group="dupes", exclusive=True)

    def _order(self) -> None:
        from pocketcrm.core.sorting import sort_rows

        shown = [p for p in self.found if (p.a.id, p.b.id) not in self.skipped]
        self.pairs = sort_rows(shown, "dupes", self.table.sort)

    def _show_pairs(self, cursor: int) -> None:
        pairs = self.pairs
        self.table.set_rows(pairs, cursor=min(cursor, max(0, len(pairs) - 1)))
        skipped = (
            f", {fmt.number(len(self.skipped))} skipped (r shows them)" if self.skipped else ""
        )
        sort = self.table.sort
        order = SORT_LABELS.get(sort, "most certain first")
        self.query_one("#dupes-title", Static).update(
            f"Likely duplicates ({fmt.number(len(pairs))}){skipped}  ·  {order} (o)"
        )
        self.query_one("#dupe-cards").display = bool(pairs)
        self.refresh_bindings()
        self._show_status()
        self._load_cards()

    def current_pair(self) -> DuplicatePair | None:
        pair: DuplicatePair | None = self.table.current
        return pair

    @on(VirtualTable.Highlighted, "#dupe-list")
    def _highlighted(self) -> None:
        self._show_status()
        self._load_cards()

    def _show_status(self) -> None:
        status = self.query_one("#dupes-status", Static)
        pair = self.current_pair()
        if self.scanning and not self.pairs:
            status.update("Looking for duplicates…")
        elif pair is None:
            status.update("Nothing to review.")
        else:
            status.update(
                f"Pair {fmt.number(self.table.cursor + 1)} of {fmt.number(len(self.pairs))}, "
                f"{pair.score}% sure: {'; '.join(pair.reasons)}"
            )

    def _load_cards(self) -> None:
        """Both cards of the highlighted pair, fetched together in a thread worker."""
        store, pair = self.store, self.current_pair()
        if store is None or pair is None:
            return
        left_id, right_id = pair.a.id, pair.b.id

        def job() -> tuple[ContactCard, ContactCard]:
            from pocketcrm.core.services.contacts import get_card_by_id

            return (
                get_card_by_id(store, left_id, interactions=0),
                get_card_by_id(store, right_id, interactions=0),
            )

        def done(cards: tuple[ContactCard, ContactCard]) -> None:
            current = self.current_pair()
            if current is None or (current.a.id, current.b.id) != (left_id, right_id):
                return  # the cursor moved on meanwhile
            left, right = cards
            region = self.settings.default_region
            self.query_one("#dupe-left-card", Static).update(pair_card(left, "Left (←)", region))
            self.query_one("#dupe-right-card", Static).update(pair_card(right, "Right (→)", region))
            for pane in ("#dupe-left", "#dupe-right"):
                self.query_one(pane, VerticalScroll).scroll_home(animate=False)

        self.background(job, done, group="dupe-cards", exclusive=True)

    # -- actions ----------------------------------------------------------------------------

    def _selected(self) -> DuplicatePair | None:
        pair = self.current_pair()
        if pair is None:
            self.notify("No pair selected.", timeout=3)
        return pair

    def action_merge(self, keep_side: str) -> None:
        """Ask, then merge the other card into the one kept; undo is offered."""
        from pocketcrm.tui.modals.confirm import ConfirmModal

        pair, store = self._selected(), self.store
        if pair is None or store is None:
            return
        keep, other = (pair.a, pair.b) if keep_side == "left" else (pair.b, pair.a)

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def job() -> tuple[int, str]:
                from pocketcrm.core.services.dupes import merge_contacts

                result = merge_contacts(store, f"#{keep.id}", f"#{other.id}")
                return result.merge_id, result.kept.display_name

            def done(result: tuple[int, str]) -> None:
                merge_id, kept_name = result

                def undo() -> str:
                    from pocketcrm.core.services.dupes import undo_merge

                    undo_merge(store, merge_id)
                    return f"Merge undone: {other.display_name} is back as a card of their own."

                self.crm.remember_undo("undo the merge", undo)
                self.notify(
                    f"Merged {other.display_name} (#{other.id}) into {kept_name} (#{keep.id}). "
                    "Press u to undo.",
                    title="Merged",
                    timeout=8,
                )
                self.crm.data_written()

            self.background(job, done, group="write")

        self.app.push_screen(
            ConfirmModal(
                f"Keep {keep.display_name} (#{keep.id}) and merge "
                f"{other.display_name} (#{other.id}) into it?",
                f"#{other.id}'s emails, phones, calls, follow-ups and tags move to #{keep.id}; "
                f"where both have a value, #{keep.id}'s wins and the other is kept as a "
                f"'merged:' field. #{other.id} goes to the trash. Undo with u.",
                yes="Merge",
            ),
            answered,
        )

    def action_skip(self) -> None:
        pair = self._selected()
        if pair is None:
            return
        self.skipped.add((pair.a.id, pair.b.id))
        self._order()
        self._show_pairs(self.table.cursor)

    def action_sort(self) -> None:
        from pocketcrm.core.sorting import next_sort

        self.action_set_sort(next_sort("dupes", self.table.sort))

    def action_reverse(self) -> None:
        from pocketcrm.core.sorting import reversed_sort

        self.action_set_sort(reversed_sort(self.table.sort))

    def action_set_sort(self, sort: str) -> None:
        """The pairs in SORT's order (core/sorting.py); the cursor stays on its pair."""
        self.table.mark_sorted(sort.removeprefix("-"), reverse=sort.startswith("-"))
        self._resorted()

    @on(VirtualTable.HeaderClicked, "#dupe-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        from pocketcrm.core.sorting import sortable

        if sortable("dupes", event.column):
            self.table.sort_toggled(event.column)
            self._resorted()

    def _resorted(self) -> None:
        keep = self.current_pair()
        self._order()
        keys = [(p.a.id, p.b.id) for p in self.pairs]
        at = keys.index((keep.a.id, keep.b.id)) if keep and (keep.a.id, keep.b.id) in keys else 0
        self._show_pairs(at)

    def action_rescan(self) -> None:
        self.skipped.clear()
        self.reload()

    def action_undo_merge(self) -> None:
        """The last merge not yet undone, whoever made it (`pocketcrm merge --undo`)."""
        store = self.store
        if store is None:
            return

        def job() -> str:
            from pocketcrm.core.services.dupes import undo_merge

            return undo_merge(store).display_name

        def done(kept_name: str) -> None:
            self.notify(f"Merge into {kept_name} undone.", title="Undone", timeout=5)
            self.crm.data_written()

        self.background(job, done, group="write")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action in {"merge", "skip"} and not self.pairs:
            return None  # shown dimmed: nothing to review
        return True

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                f"Duplicates: {SORT_LABELS[sort]}", "Order the pairs", f"set_sort({sort!r})"
            )
            for sort in ("-score", "left", "right")
        ]
