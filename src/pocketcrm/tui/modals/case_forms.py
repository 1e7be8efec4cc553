"""The Cases screen's forms: a reply to the customer (or an internal note), and an assignment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Static, TextArea

from pocketcrm.core.text import escape
from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter


class ReplyForm(FormModal[Any]):
    """Write to the customer (mailed through the SMTP server) or note for the team."""

    FIELD_FOR: ClassVar[dict[str, str]] = {"text": "reply-text", "email": "reply-text"}

    def __init__(self, number: str, subject: str, *, internal: bool = False) -> None:
        super().__init__()
        self.number, self.subject, self.internal = number, subject, internal

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"Reply on {self.number}", classes="form-title")
            yield Static(escape(self.subject), classes="field-hint")
            yield from self.field("reply-text", "Text", TextArea(id="reply-text", compact=True))
            yield Checkbox(
                "Internal note (not mailed)", self.internal, id="reply-internal", compact=True
            )
            yield Checkbox("Then wait on the customer", False, id="reply-wait", compact=True)
            yield from self.buttons("Send")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#reply-text", TextArea).focus()
        super().on_mount()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services import cases

        store = self.store
        if store is None:
            return None
        body = self.query_one("#reply-text", TextArea).text
        internal = self.query_one("#reply-internal", Checkbox).value
        wait = self.query_one("#reply-wait", Checkbox).value
        number = self.number
        if internal:
            return lambda: cases.add_note(store, number, body)
        return lambda: cases.reply(store, number, body, wait=wait)


class AssignForm(FormModal[Any]):
    """Give the case to a user (a login or a name) and, optionally, a department (empty:
    the user's own)."""

    ENTER_SAVES = True
    FIELD_FOR: ClassVar[dict[str, str]] = {"assignee": "assign-login", "department": "assign-dept"}

    def __init__(self, number: str, assignee: str, department: str) -> None:
        super().__init__()
        self.number, self.assignee, self.department = number, assignee, department

    def on_mount(self) -> None:
        pickers.offer(self, people="assign-login", departments="assign-dept")

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static(f"Assign {self.number}", classes="form-title")
            yield from self.field(
                "assign-login",
                "User",
                Input(self.assignee, placeholder="login or name", id="assign-login", compact=True),
            )
            yield from self.field(
                "assign-dept", "Department", Input(self.department, id="assign-dept", compact=True)
            )
            yield from self.buttons("Assign")
        yield KeyFooter()

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services import cases

        store = self.store
        if store is None:
            return None
        login, department, number = (
            self.value("assign-login").strip(),
            self.value("assign-dept").strip(),
            self.number,
        )
        kept = (self.assignee.strip(), self.department.strip())

        def job() -> Any:
            from pocketcrm.core.services.departments import resolve_department
            from pocketcrm.core.services.users import resolve_owner

            # a new assignee must be a user, a new department a department (beside the field);
            # a department left as it was lets the new assignee's own apply (the core's rule)
            who = login if login == kept[0] else resolve_owner(store, login, field="assignee")
            team = None if department == kept[1] else resolve_department(store, department)
            return cases.assign_case(store, number, who, team)

        return job
