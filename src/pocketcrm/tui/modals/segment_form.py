"""Name the contact list's current filters as a segment (what `segment save` does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.segments import SegmentFilters


class SegmentForm(FormModal[Any]):
    """Save FILTERS (described as DESCRIBED) under a name; the result is the SegmentView."""

    ENTER_SAVES = True
    FIELD_FOR: ClassVar[dict[str, str]] = {"segment": "name"}

    def __init__(self, filters: SegmentFilters, described: str) -> None:
        super().__init__()
        self.filters = filters
        self.described = described

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static("Save as a segment", classes="form-title")
            yield Static(self.described or "every contact", classes="field-hint")
            yield from self.field(
                "name",
                "Name",
                Input(id="name", placeholder="vip-leads", compact=True),
                "a segment of that name gets these filters instead",
            )
            yield from self.buttons("Save segment")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.segments import save_segment, segment_name

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        name = segment_name(self.value("name"))  # raises Invalid("name", ...) beside the field
        filters = self.filters
        return lambda: save_segment(store, name, filters)
