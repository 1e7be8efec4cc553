"""A form around one WHEN field: the follow-up and snooze forms share its focus, echo and reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.widgets import Input, Static

from pocketcrm.core.readmodels.activity import FollowUpView
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.modals.when_hint import update_hint

if TYPE_CHECKING:
    from pocketcrm.core.dates import When
    from pocketcrm.core.store import Store


class WhenForm(FormModal[FollowUpView]):
    """A follow-up form whose #when field has the focus and echoes what its phrase means."""

    def on_mount(self) -> None:
        self.query_one("#when", Input).focus()

    @on(Input.Changed, "#when")
    def _when_typed(self, event: Input.Changed) -> None:
        update_hint(self.query_one("#when-error", Static), event.value)

    def read_when(self, example: str) -> tuple[Store, When] | None:
        """The open store and the #when phrase read; None (error shown) while no store is
        open. An empty phrase is refused with EXAMPLE (how to say it)."""
        from pocketcrm.core.dates import parse_when
        from pocketcrm.core.errors import Invalid

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        text = self.value("when")
        if not text.strip():
            raise Invalid("when", example)
        return store, parse_when(text, field="when")
