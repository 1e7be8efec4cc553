"""Move a follow-up to later with a WHEN phrase."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from pocketcrm.core.readmodels.activity import FollowUpView
from pocketcrm.tui import format as fmt
from pocketcrm.tui.modals.when_form import WhenForm
from pocketcrm.tui.widgets.key_footer import KeyFooter


class SnoozeForm(WhenForm):
    """Snooze one follow-up; the result is the follow-up as moved."""

    ENTER_SAVES = True

    def __init__(self, follow_up: FollowUpView) -> None:
        super().__init__()
        self.follow_up = follow_up

    def compose(self) -> ComposeResult:
        f = self.follow_up
        due = fmt.due(f.due_at, all_day=f.all_day)  # "3d overdue" says it alone ("due 3d overdue")
        with Vertical(classes="form-box"):
            yield Static(f"Snooze: {f.contact_name}", classes="form-title")
            yield Static(f"{due if f.overdue else f'due {due}'}  {f.note}", classes="field-hint")
            yield from self.field(
                "when",
                "Until",
                Input(id="when", placeholder="tomorrow 9am, +3d, mon", compact=True),
            )
            yield from self.buttons("Snooze")
        yield KeyFooter()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.activity import snooze_follow_up

        read = self.read_when("say until when, e.g. 'tomorrow 9am' or '+3d'")
        if read is None:
            return None
        store, until = read
        follow_up_id = self.follow_up.id
        return lambda: snooze_follow_up(
            store, follow_up_id, until.moment, all_day=not until.has_time
        )
