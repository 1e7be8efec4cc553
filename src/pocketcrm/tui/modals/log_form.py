"""Log a call, meeting, email, note or text, and optionally the next step, in one save."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from pocketcrm.core.readmodels.created import Created
from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.modals.when_hint import update_hint
from pocketcrm.tui.widgets.key_footer import KeyFooter


class LogForm(FormModal[Created]):
    """What happened with a contact; the result is what the core created.

    The fields go from what is typed most (notes, the next step) to what is picked least
    (kind, outcome, duration, satisfaction, when, direction, who handled it); the cursor
    starts on the first.
    """

    FIELD_FOR: ClassVar[dict[str, str]] = {"kind": "kind"}

    def __init__(self, contact_id: int, name: str, kind: str = "call") -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = name
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box wide-form"):
            yield Static(f"Log with {self.contact_name}", classes="form-title")
            with VerticalScroll(classes="form-fields"):
                yield from self._typed_fields()
                yield from self._picked_fields()
            yield from self.buttons("Log")
        yield KeyFooter()

    def _typed_fields(self) -> ComposeResult:
        """What is typed most, one field a line: the notes and the next step."""
        yield from self.field(
            "notes",
            "Notes",
            Input(id="notes", placeholder="What was said or agreed", compact=True),
        )
        yield from self.field(
            "follow-up",
            "Follow-up (optional WHEN)",
            Input(id="follow-up", placeholder="tomorrow 9am, fri, +2w, 2026-12-01", compact=True),
        )
        yield from self.field(
            "follow-up-note",
            "Follow-up note",
            Input(id="follow-up-note", placeholder="(the notes, if empty)", compact=True),
        )

    def _picked_fields(self) -> ComposeResult:
        """What is picked least, two fields a line."""
        from pocketcrm.core.settings import INTERACTION_KINDS

        outcomes = [("(none)", "")] + [(o.replace("_", " "), o) for o in self.settings.outcomes]
        yield from self._row(
            ("kind", "Kind", self._select([(k, k) for k in INTERACTION_KINDS], self.kind, "kind")),
            ("outcome", "Outcome", self._select(outcomes, "", "outcome")),
        )
        satisfaction = [("(none)", 0)] + [(f"{n}/5", n) for n in range(1, 6)]
        yield from self._row(
            ("duration", "Duration", Input(id="duration", placeholder="15m, 1h30m", compact=True)),
            ("satisfaction", "Satisfaction", self._select(satisfaction, 0, "satisfaction")),
        )
        at = Input(id="at", placeholder="yesterday 3pm, mon, 2h ago", compact=True)
        yield from self._row(
            ("at", "When (default now)", at),
            (
                "direction",
                "Direction",
                self._select([("out", "out"), ("in", "in")], "out", "direction"),
            ),
        )
        yield from self.field(
            "owner",
            "Handled by (default: you)",
            Input(id="owner", placeholder="a user's login or name", compact=True),
        )

    @staticmethod
    def _select(options: list[tuple[str, Any]], value: object, widget_id: str) -> Select[Any]:
        return Select(options, value=value, allow_blank=False, id=widget_id, compact=True)

    def _row(self, *fields: tuple[str, str, Widget]) -> ComposeResult:
        """FIELDS side by side, each a label, its widget and its error line."""
        with Horizontal(classes="field-row"):
            for name, label, widget in fields:
                with Vertical():
                    yield from self.field(name, label, widget)

    def on_mount(self) -> None:
        self.query_one("#notes", Input).focus()  # the first field: Tab walks the form in order
        pickers.offer(self, people="owner")

    @on(Input.Changed, "#follow-up")
    def _when_typed(self, event: Input.Changed) -> None:
        update_hint(self.query_one("#follow-up-error", Static), event.value)

    @on(Input.Changed, "#at")
    def _at_typed(self, event: Input.Changed) -> None:
        update_hint(self.query_one("#at-error", Static), event.value, past=True)

    @on(Select.Changed, "#kind")
    def _kind_chosen(self, event: Select.Changed) -> None:
        self.query_one("#direction", Select).disabled = event.value != "call"

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core import validate
        from pocketcrm.core.dates import parse_duration, parse_past, parse_when
        from pocketcrm.core.errors import Invalid
        from pocketcrm.core.services.activity import (
            InteractionInput,
            check_log,
            log_interaction,
        )

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        kind = validate.interaction_kind(str(self.query_one("#kind", Select).value))
        outcome = validate.outcome(str(self.query_one("#outcome", Select).value), store.settings)
        problems: list[Invalid] = []
        duration_text = self.value("duration")
        duration = (
            self.gather(problems, lambda: parse_duration(duration_text))
            if duration_text.strip()
            else None
        )
        rating = self.query_one("#satisfaction", Select).value
        satisfaction = validate.satisfaction(rating if isinstance(rating, int) and rating else None)
        follow_text = self.value("follow-up")
        follow = (
            self.gather(problems, lambda: parse_when(follow_text, field="follow-up"))
            if follow_text.strip()
            else None
        )
        at_text = self.value("at")
        past = (
            self.gather(problems, lambda: parse_past(at_text, field="at"))
            if at_text.strip()
            else None
        )
        at = past.moment if past else None
        if problems:
            self.show_errors(problems)
            return None
        direction = str(self.query_one("#direction", Select).value)
        data = InteractionInput(
            kind=kind,
            when=at,
            duration_s=duration,
            outcome=outcome,
            satisfaction=satisfaction,
            direction=direction if kind == "call" else "",
            notes=self.value("notes"),
            follow_up_at=follow.moment if follow else None,
            follow_up_all_day=bool(follow and not follow.has_time),
            follow_up_note=self.value("follow-up-note"),
        )
        check_log(store, data, require_content=True)
        ref, typed = f"#{self.contact_id}", self.value("owner")

        def job() -> Created:
            from pocketcrm.core.services.users import resolve_owner

            data.owner = resolve_owner(store, typed)  # none: the acting user (the service)
            return log_interaction(store, ref, data)

        return job
