"""The Users screen and who you are in the header (issue 11): Pilot and snapshots.

The database is made with LOGNAME=robin, so its first user (the OS login, an admin) is the
same on every machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tuihelp import NOW, settle

from pocketcrm.core.services import departments, users
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import Store, open_store
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.users import UsersScreen
from pocketcrm.tui.widgets.top_bar import TopBar

Compare = Callable[..., bool]


@pytest.fixture
def team_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("LOGNAME", "robin")
    store = open_store(tmp_path / "team.db", Settings())
    departments.add_department(store, "Field sales")
    users.add_user(store, users.UserInput("ann.lee", name="Ann Lee", department="Field sales",
                                          role="manager"))  # fmt: skip
    users.add_user(store, users.UserInput("sam", name="Sam Reyes", department="Field sales"))
    users.add_user(store, users.UserInput("vic", name="Vic Viewer", role="viewer"))
    users.set_active(store, "vic", False)
    yield store
    store.close()


def app_for(store: Store) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def _to_users(pilot: Any) -> None:
    await settle(pilot)
    await pilot.app.switch_mode("users")
    await settle(pilot)


def test_users_screen_120x40(snap_compare: Compare, team_store: Store) -> None:
    assert snap_compare(app_for(team_store), terminal_size=(120, 40), run_before=_to_users)


def test_users_screen_80x24(snap_compare: Compare, team_store: Store) -> None:
    assert snap_compare(app_for(team_store), terminal_size=(80, 24), run_before=_to_users)


async def test_an_admin_disables_and_enables_a_user(team_store: Store) -> None:
    app = app_for(team_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_users(pilot)
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        assert [u.login for u in screen.users] == ["ann.lee", "robin", "sam", "vic"]
        await pilot.press("down", "down")  # sam
        await pilot.press("d")
        await settle(pilot)
        assert not users.get_user(team_store, "sam").active
        await pilot.press("d")
        await settle(pilot)
        assert users.get_user(team_store, "sam").active
        await pilot.press("up", "up")  # ann.lee
        assert str(screen.query_one(TopBar).render()).find("robin · admin") >= 0


async def test_the_last_admin_is_refused_in_a_notification(team_store: Store) -> None:
    app = app_for(team_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _to_users(pilot)
        await pilot.press("down", "d")  # robin, the only admin
        await settle(pilot)
        assert any("last admin" in n.message for n in app._notifications)  # noqa: SLF001
        assert users.get_user(team_store, "robin").active


async def test_the_palette_offers_the_users_screen(team_store: Store) -> None:
    from pocketcrm.tui.app import screen_commands

    app = app_for(team_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for _owner, c in screen_commands(app, app.screen)]
        assert "Go to the users: roles and departments" in titles


async def _edit_sam(pilot: Any) -> None:
    await _to_users(pilot)
    await pilot.press("down", "down", "e")  # sam
    await settle(pilot)
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await settle(pilot)


async def test_an_admin_edits_a_users_department_and_role(team_store: Store) -> None:
    from textual.widgets import Input, Select

    from pocketcrm.tui.modals.user_form import UserForm

    departments.add_department(team_store, "Support")
    app = app_for(team_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _edit_sam(pilot)
        form = app.screen
        assert isinstance(form, UserForm) and form.user.login == "sam"
        dept = form.query_one("#department", Input)
        dept.value = "Nowhere"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "no department 'Nowhere'" in str(form.query_one("#department-error").render())
        assert users.get_user(team_store, "sam").department == "Field sales"  # nothing written
        dept.value = ""
        dept.focus()
        await pilot.press(*"supp")
        await settle(pilot)
        await pilot.press("right")  # the picker's suggestion
        assert dept.value == "Support"
        form.query_one("#role", Select).value = "manager"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
    sam = users.get_user(team_store, "sam")
    assert (sam.department, sam.role) == ("Support", "manager")


async def test_a_viewer_has_no_edit_or_disable_key(team_store: Store) -> None:
    users.set_active(team_store, "vic", True)
    viewer = open_store(team_store.path, Settings(owner="vic"))  # type: ignore[arg-type]
    try:
        app = app_for(viewer)
        async with app.run_test(size=(120, 40)) as pilot:
            await _to_users(pilot)
            screen = app.screen
            assert screen.check_action("edit", ()) is False
            assert screen.check_action("toggle_active", ()) is False
            await pilot.press("e")
            await settle(pilot)
            assert app.screen is screen
            assert "Only admins change users." in str(screen.query_one("#users-status").render())
    finally:
        viewer.close()


def test_user_form_120x40(snap_compare: Compare, team_store: Store) -> None:
    assert snap_compare(app_for(team_store), terminal_size=(120, 40), run_before=_edit_sam)


def test_user_form_80x24(snap_compare: Compare, team_store: Store) -> None:
    assert snap_compare(app_for(team_store), terminal_size=(80, 24), run_before=_edit_sam)
