"""A table that holds only the rows on screen: the Line API over pages fetched on demand.

Textual's DataTable keeps every row and measures every cell (11.7 s and 158 MiB for 100,000
contacts, see FIELD-NOTES). This widget knows only the row count (the virtual height) and a
small cache of pages; when a line needs a row it does not have, it draws a placeholder and
posts PageWanted. The screen fetches that page in a thread worker and hands it back with
set_page. A generation number drops pages that arrive after the list changed.

Rows may also be given all at once (set_rows) for short in-memory lists; a Section row is a
heading the cursor skips.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pocketcrm.core.text import escape

Cell = str | tuple[str, str]
"""A cell's text, or (text, Rich style) for a coloured cell."""


@dataclass(frozen=True)
class Column:
    """One column: a title, a minimum width, a share of spare width, and how to show a row."""

    key: str
    title: str
    width: int
    cell: Callable[[Any], Cell]
    grow: int = 0
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Section:
    """A heading row inside a list (e.g. "Overdue"); the cursor passes over it."""

    title: str


def fit(text: str, width: int, justify: str = "left") -> str:
    """TEXT cut (with an ellipsis) or padded to exactly WIDTH cells; control characters of
    stored text are spelled out (core/text.py), never sent to the terminal."""
    if width <= 0:
        return ""
    text = escape(text).replace("\n", " ").replace("\t", " ")
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    if justify == "right":
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)


class VirtualTable(ScrollView, can_focus=True):
    """A focusable, keyboard-driven list of rows with a fixed header line."""

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
    }
    VirtualTable > .virtual-table--header {
        text-style: bold;
        color: $text-accent;
        background: $boost;
    }
    VirtualTable > .virtual-table--cursor {
        background: $block-cursor-blurred-background;
    }
    VirtualTable:focus > .virtual-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    VirtualTable > .virtual-table--section {
        text-style: bold;
        color: $text-primary;
    }
    VirtualTable > .virtual-table--placeholder {
        color: $text-muted;
    }
    VirtualTable > .virtual-table--empty {
        color: $text-muted;
        text-style: italic;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--section",
        "virtual-table--placeholder",
        "virtual-table--empty",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table-up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table-page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table-page-down"),
        Binding("home,g", "first", "First", show=False, id="table-first"),
        Binding("end,G", "last", "Last", show=False, id="table-last"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class PageWanted(Message):
        """A line needs rows this table does not hold: fetch PAGE and call set_page."""

        def __init__(self, table: VirtualTable, generation: int, page: int) -> None:
            super().__init__()
            self.table = table
            self.generation = generation
            self.page = page

        @property
        def control(self) -> VirtualTable:
            return self.table

    class RowMessage(Message):
        """Something happened to the row at INDEX (ROW is None while its page is loading)."""

        def __init__(self, table: VirtualTable, index: int, row: Any) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

        @property
        def control(self) -> VirtualTable:
            return self.table

    class HeaderClicked(Message):
        """The header of COLUMN (its key) was clicked: the screen may sort by it."""

        def __init__(self, table: VirtualTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Highlighted(RowMessage):
        """The cursor moved to ROW (None while its page is still loading)."""

    class Chosen(RowMessage):
        """A row was clicked twice (or clicked while highlighted)."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        page_size: int = 100,
        max_pages: int = 40,
        empty_text: str = "Nothing to show.",
        row_style: Callable[[Any], str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.page_size = page_size
        self.max_pages = max_pages
        self.empty_text = empty_text
        self.row_style = row_style
        self._total = 0
        self._loaded = False
        self._generation = 0
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        self._wanted: set[int] = set()
        self._partial: set[int] = set()  # pages load() was given cut short (row_at)
        self._widths: list[int] = []
        self._widths_for = -1
        self.sorted_by: tuple[str, bool] | None = None  # (column key, reversed): shown ▲/▼

    # -- data -------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return self._total

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def pages_held(self) -> int:
        """How many pages of rows are in memory (at most max_pages; the rest is fetched)."""
        return len(self._pages)

    @property
    def loaded(self) -> bool:
        """True once the first data arrived (an empty list is loaded too)."""
        return self._loaded

    def load(self, total: int, pages: Mapping[int, list[Any]], *, cursor: int | None = None) -> int:
        """Replace the contents in one step (no flicker): TOTAL rows, some pages known.

        Returns the new generation; pages for older generations are ignored.
        """
        self._generation += 1
        self._total = max(0, total)
        self._loaded = True
        self._pages = OrderedDict(sorted(pages.items()))
        self._wanted = set()
        self._partial = {
            page
            for page, rows in pages.items()
            if len(rows) < min(self.page_size, self._total - page * self.page_size)
        }
        self.virtual_size = Size(self.size.width, self._total + 1)
        wanted = self.cursor if cursor is None else cursor
        self._set_cursor(self._selectable_near(min(max(0, wanted), max(0, self._total - 1)), 1))
        self.refresh()
        return self._generation

    def set_rows(self, rows: Sequence[Any], *, cursor: int | None = None) -> int:
        """Show a complete in-memory list."""
        pages = {
            start // self.page_size: list(rows[start : start + self.page_size])
            for start in range(0, len(rows), self.page_size)
        }
        self.max_pages = max(self.max_pages, len(pages) + 1)
        return self.load(len(rows), pages, cursor=cursor)

    def set_page(self, generation: int, page: int, rows: list[Any]) -> None:
        """A page arrived from the screen's worker."""
        if generation != self._generation:
            return
        self._wanted.discard(page)
        self._partial.discard(page)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        self.refresh()
        if page == self.cursor // self.page_size:
            self._post_highlight()

    def row_at(self, index: int) -> Any:
        """The row at INDEX if its page is here; None otherwise (and the page is requested).
        A page may arrive cut short (load() with only the rows on screen): a row past its end
        requests the whole page."""
        if not 0 <= index < self._total:
            return None
        page, offset = divmod(index, self.page_size)
        rows = self._pages.get(page)
        if rows is None or (offset >= len(rows) and page in self._partial):
            if page not in self._wanted:
                self._wanted.add(page)
                self.post_message(self.PageWanted(self, self._generation, page))
            return None
        return rows[offset] if offset < len(rows) else None

    @property
    def current(self) -> Any:
        """The row under the cursor (None if there is none or it is loading)."""
        return self.row_at(self.cursor)

    def visible_pages(self, cursor: int | None = None) -> list[int]:
        """The pages the viewport needs (for preloading them with load())."""
        top = int(self.scroll_y)
        height = max(1, self.scrollable_content_region.height)
        where = self.cursor if cursor is None else cursor
        first = min(top, where)
        last = max(top + height, where)
        return sorted({first // self.page_size, last // self.page_size})

    def visible_rows(self, cursor: int | None = None) -> tuple[int, int]:
        """(offset, limit): from the first visible page's start to the last row the viewport
        (or the cursor) shows, so a new list fetches only what the frame draws; the rest of
        the page comes on demand (row_at)."""
        first = self.visible_pages(cursor)[0] * self.page_size
        where = self.cursor if cursor is None else cursor
        bottom = int(self.scroll_y) + max(1, self.scrollable_content_region.height)
        return first, max(bottom, where + 1) - first

    # -- cursor ------------------------------------------------------------------------------

    def _is_selectable(self, index: int) -> bool:
        return not isinstance(self.row_at(index), Section)

    def _selectable_near(self, index: int, step: int) -> int:
        probe = index
        while 0 <= probe < self._total and not self._is_selectable(probe):
            probe += step
        if 0 <= probe < self._total:
            return probe
        probe = index
        while 0 <= probe < self._total and not self._is_selectable(probe):
            probe -= step
        return probe if 0 <= probe < self._total else max(0, index)

    def _set_cursor(self, index: int) -> None:
        self.cursor = max(0, min(index, max(0, self._total - 1)))

    def move_to(self, index: int) -> None:
        """Put the cursor on INDEX (clamped) and scroll it into view."""
        self._set_cursor(self._selectable_near(index, 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self._post_highlight()

    def _post_highlight(self) -> None:
        if self._total:
            self.post_message(self.Highlighted(self, self.cursor, self.row_at(self.cursor)))

    def _rows_visible(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        visible = self._rows_visible()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        target = self.cursor + step
        if 0 <= target < self._total:
            self._set_cursor(self._selectable_near(target, step))

    def action_page(self, direction: int) -> None:
        target = self.cursor + direction * self._rows_visible()
        self._set_cursor(self._selectable_near(max(0, min(target, self._total - 1)), direction))

    def action_first(self) -> None:
        self._set_cursor(self._selectable_near(0, 1))

    def action_last(self) -> None:
        self._set_cursor(self._selectable_near(self._total - 1, -1))

    def on_click(self, event: events.Click) -> None:
        # Instead of Widget's own click handling (text selection on a double click).
        event.prevent_default()
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            self._header_clicked(offset.x)
            return
        index = int(self.scroll_y) + offset.y - 1
        if not 0 <= index < self._total or not self._is_selectable(index):
            return
        if index == self.cursor or event.chain > 1:
            self.post_message(self.Chosen(self, index, self.row_at(index)))
        self._set_cursor(index)

    def _header_clicked(self, x: int) -> None:
        start = 1  # the line's leading space
        widths = self._column_widths(self.scrollable_content_region.width)
        for column, width in zip(self.columns, widths, strict=True):
            if start <= x < start + width + 1:
                self.post_message(self.HeaderClicked(self, column.key))
                return
            start += width + 1

    def mark_sorted(self, column: str | None, *, reverse: bool = False) -> None:
        """Show ▲ (▼ reversed) beside COLUMN's title: the list is sorted by it."""
        self.sorted_by = None if column is None else (column, reverse)
        self.refresh()

    def sort_toggled(self, column: str) -> str:
        """A click on COLUMN's header: sorted by it, reversed if it already was; the sort the
        core is asked for ("-column" reversed)."""
        self.mark_sorted(column, reverse=self.sorted_by == (column, False))
        return self.sort

    @property
    def sort(self) -> str:
        """The sort marked on the header, as the core names it: "", "column" or "-column"."""
        if self.sorted_by is None:
            return ""
        column, reverse = self.sorted_by
        return f"-{column}" if reverse else column

    # -- drawing -----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.size.width, self._total + 1)
        self._widths_for = -1
        self._scroll_to_cursor()

    def _column_widths(self, width: int) -> list[int]:
        if width == self._widths_for:
            return self._widths
        gaps = len(self.columns) + 1
        fixed = sum(c.width for c in self.columns)
        spare = max(0, width - fixed - gaps)
        grow = sum(c.grow for c in self.columns)
        widths = []
        for column in self.columns:
            extra = spare * column.grow // grow if grow else 0
            widths.append(column.width + extra)
        if grow and spare:
            leftover = width - gaps - sum(widths)
            for i, column in enumerate(self.columns):
                if column.grow and leftover > 0:
                    widths[i] += leftover
                    break
        overflow = sum(widths) + gaps - width
        for i in range(len(widths) - 1, -1, -1):  # too narrow: shrink from the right
            if overflow <= 0:
                break
            cut = min(overflow, max(0, widths[i] - 3))
            widths[i] -= cut
            overflow -= cut
        self._widths, self._widths_for = widths, width
        return widths

    def _line(self, cells: Sequence[Cell], widths: list[int], base: Style) -> Strip:
        segments = [Segment(" ", base)]
        for column, width, cell in zip(self.columns, widths, cells, strict=True):
            if isinstance(cell, tuple):
                text, extra = cell
                style = base + Style.parse(extra) if extra else base
            else:
                text, style = cell, base
            segments.append(Segment(fit(text, width, column.justify), style))
            segments.append(Segment(" ", base))
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        # Beside the scrollbar, not under it: a long list's last column (a date, "Next
        # follow-up") was cut by the scrollbar without its ellipsis.
        width = self.scrollable_content_region.width
        base = self.rich_style
        widths = self._column_widths(width)
        if y == 0:
            header = base + self.get_component_rich_style("virtual-table--header")
            marked = self.sorted_by
            titles = [
                f"{'▼' if marked[1] else '▲'}{c.title}"  # first: a narrow column cuts the end
                if marked is not None and c.key == marked[0]
                else c.title
                for c in self.columns
            ]
            strip = self._line(titles, widths, header)
            return strip.crop_extend(0, width, header)
        index = int(self.scroll_y) + y - 1
        if index >= self._total:
            if index == 0 and self._loaded:
                empty = base + self.get_component_rich_style("virtual-table--empty")
                return Strip([Segment(fit(" " + self.empty_text, width), empty)])
            return Strip.blank(width, base)
        row = self.row_at(index)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("virtual-table--cursor")
        if row is None:
            style += self.get_component_rich_style("virtual-table--placeholder")
            return Strip([Segment(fit("  …", width), style)])
        if isinstance(row, Section):
            section = style + self.get_component_rich_style("virtual-table--section")
            return Strip([Segment(fit(" " + row.title, width), section)])
        if self.row_style is not None and index != self.cursor:
            extra = self.row_style(row)
            if extra:
                style = style + Style.parse(extra)
        cells = [column.cell(row) for column in self.columns]
        return self._line(cells, widths, style).crop_extend(0, width, style)
