"""Edit a user (admins): name, email, department and role. The department completes the
departments' names and an unknown one is refused beside the field; the role is picked from
the four there are. Adding a user stays on the command line (`pocketcrm user add`): in team
mode it needs a password typed at a hidden prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from pocketcrm.tui.modals import pickers
from pocketcrm.tui.modals.base import FormModal
from pocketcrm.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from pocketcrm.core.services.users import UserView

ROLES = ("admin", "manager", "sales", "viewer")  # users.ROLES (the core checks it again)


class UserForm(FormModal[Any]):
    """Change USER; the result is the user as saved."""

    def __init__(self, user: UserView) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        user = self.user
        with Vertical(classes="form-box"):
            yield Static(f"Edit {user.login}", classes="form-title")
            yield from self.field("name", "Name", Input(user.name, id="name", compact=True))
            yield from self.field("email", "Email", Input(user.email, id="email", compact=True))
            yield from self.field(
                "department",
                "Department",
                Input(
                    user.department,
                    id="department",
                    placeholder=f"none, or {pickers.DEPARTMENT_HINT}",
                    compact=True,
                ),
            )
            role = user.role if user.role in ROLES else "sales"
            yield from self.field(
                "role",
                "Role",
                Select(
                    [(r, r) for r in ROLES], value=role, allow_blank=False, id="role", compact=True
                ),
            )
            yield from self.buttons("Save")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        pickers.offer(self, departments="department")

    def validate(self) -> Callable[[], Any] | None:
        from pocketcrm.core.services.users import UserChanges, edit_user

        store = self.store
        if store is None:
            self.show_error("form", "the database is not open yet")
            return None
        user, role = self.user, str(self.query_one("#role", Select).value)
        typed = {
            "name": self.value("name").strip(),
            "email": self.value("email").strip(),
            "department": self.value("department").strip(),
            "role": role,
        }
        shown = {"name": user.name, "email": user.email, "department": user.department}
        shown["role"] = user.role
        changes = UserChanges(**{k: v for k, v in typed.items() if v != shown[k]})
        login = user.login
        return lambda: edit_user(store, login, changes)
