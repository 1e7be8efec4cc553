"""Plan the next step with a contact: a WHEN phrase and a note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.when_form import WhenForm
from pocketcrm.tui.widgets.key_footer import KeyFooter


class FollowUpForm(WhenForm):
    """Schedule a follow-up; the result is the new follow-up."""

    def __init__(self, contact_id: int, name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"Follow up with {self.contact_name}", classes="form-title")
            yield from self.field(
                "when",
                "When",
                Input(id="when", placeholder="tomorrow 9am, fri 3pm, +2w, dec 1", compact=True),
            )
            yield from self.field(
                "note", "Note", Input(id="note", placeholder="Send the quote", compact=True)
            )
            yield from self.field(
                "owner",
                "Whose (default: the configured owner)",
                Input(id="owner", placeholder="a user's login or name", compact=True),
            )
            yield from self.buttons("Schedule")
        yield KeyFooter()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.activity import schedule_follow_up

        read = self.read_when("say when, e.g. 'tomorrow 9am', 'fri' or '+2w'")
        if read is None:
            return None
        store, due = read
        note, ref, typed = self.value("note"), f"#{self.contact_id}", self.value("owner")

        def job() -> Any:
            from pocketcrm.core.services.users import resolve_owner

            owner = resolve_owner(store, typed)
            return schedule_follow_up(
                store, ref, due.moment, all_day=not due.has_time, note=note, owner=owner
            )

        return job

    def on_mount(self) -> None:
        pickers.offer(self, people="owner")
