"""Users: who works here, their role and department, and whether they may log in.

Admins change a user's name, email, department and role (e) and disable or enable them (d)
here; everyone else sees the list read-only, the keys hidden (the server refuses anyway: its refusal is shown as a notification). Adding a user
in team mode needs a password typed twice: that stays on the command line
(`pocketcrm user add`), where it is never echoed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from pocketcrm.tui import format as fmt
from pocketcrm.tui.screens.base import CrmScreen
from pocketcrm.tui.widgets.key_footer import KeyFooter
from pocketcrm.tui.widgets.top_bar import TopBar
from pocketcrm.tui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from pocketcrm.core.services.users import UserView


def _state(user: UserView) -> str:
    if not user.active:
        return "disabled"
    return "no login" if user.can_log_in is False else "active"


USER_COLUMNS = [
    Column("login", "Login", 12, lambda u: u.login),
    Column("name", "Name", 16, lambda u: u.name, grow=1),
    Column("role", "Role", 8, lambda u: u.role),
    Column("department", "Department", 12, lambda u: u.department, grow=1),
    Column("state", "State", 8, _state),
]


class UsersScreen(CrmScreen):
    """The people who work here (admins change them)."""

    WRITES: ClassVar[dict[str, str]] = {"toggle_active": "users", "edit": "users"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e",
            "edit",
            "Edit",
            id="users-edit",
            tooltip="Change the user's name, email, department or role",
        ),
        Binding(
            "d",
            "toggle_active",
            "Disable/enable",
            id="users-toggle",
            tooltip="Disable the highlighted user (or enable a disabled one)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="users")
        self.users: list[UserView] = []

    def compose(self) -> ComposeResult:
        yield TopBar("users")
        yield Static("Users", id="users-title", classes="pane-title")
        yield VirtualTable(USER_COLUMNS, id="user-list", empty_text="No users yet.")
        yield Static("", id="users-status", classes="status")
        yield KeyFooter()

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#user-list", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        super().on_mount()

    def reload(self) -> None:
        store = self.store
        if store is None:
            return
        self.mark_seen()
        sort = self.table.sort

        def job() -> list[UserView]:
            from pocketcrm.core.services import users
            from pocketcrm.core.sorting import sort_rows

            return sort_rows(users.list_users(store), "users", sort)

        def done(result: list[UserView]) -> None:
            keep = self.table.cursor
            self.users = result
            self.table.set_rows(self.users, cursor=min(keep, max(0, len(self.users) - 1)))
            self.query_one("#users-title", Static).update(f"Users ({fmt.number(len(self.users))})")
            self.refresh_bindings()
            self._show_status()

        self.background(job, done, group="users", exclusive=True)

    @on(VirtualTable.HeaderClicked, "#user-list")
    def _header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        self.sort_by_header(event, "users")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if (verdict := self.permitted(action)) is not True:
            return verdict
        if action in ("toggle_active", "edit"):
            return self.table.current is not None
        return True

    @on(VirtualTable.Highlighted, "#user-list")
    def _highlighted(self) -> None:
        self._show_status()

    def _show_status(self) -> None:
        user: UserView | None = self.table.current
        note = "" if self.permitted("toggle_active") else "Only admins change users. "
        if user is None:
            text = note + "Add users with `pocketcrm user add LOGIN`."
        else:
            since = user.created_at.date().isoformat() if user.created_at else "?"
            text = f"{note}{user.name} ({user.login}), {user.role}, since {since}"
        self.query_one("#users-status", Static).update(text)

    def action_edit(self) -> None:
        from pocketcrm.tui.modals.user_form import UserForm

        user: UserView | None = self.table.current
        if user is None:
            return

        def saved(changed: UserView | None) -> None:
            if changed is not None:
                self.notify(f"{changed.login} saved.", timeout=3)
                self.crm.data_written()  # the list, the header and what the role may do

        self.app.push_screen(UserForm(user), saved)

    def action_toggle_active(self) -> None:
        store, user = self.store, self.table.current
        if store is None or user is None:
            return
        target: UserView = user

        def job() -> UserView:
            from pocketcrm.core.services import users

            return users.set_active(store, target.login, not target.active)

        def done(changed: UserView) -> None:
            verb = "enabled" if changed.active else "disabled"
            self.notify(f"{changed.login} {verb}.", timeout=3)
            self.reload()

        self.background(job, done, group="users-change")
