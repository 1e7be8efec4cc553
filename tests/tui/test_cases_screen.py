"""The Cases screen: the queue soonest due first, the highlighted case's timeline, keys for
reply (an internal note here: no mail server), assign, resolve and close; read back through
the core. Snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.core.services import case_views, cases, users
from pocketcrm.core.services.cases import CaseInput
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.screens.card import CardScreen
from pocketcrm.tui.screens.cases import CasesScreen

Compare = Callable[..., bool]


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


def some_cases(store: Any) -> list[str]:
    users.add_user(store, users.UserInput("sam", name="Sam Reyes"))
    users.add_user(store, users.UserInput("kit", name="Kit Hale"))
    made = [
        cases.open_case(store, "ann.lee@example.com", CaseInput("Printer jams", priority="low", product="Laser 5")),
        cases.open_case(store, "ann.lee@example.com", CaseInput("Invoice wrong", priority="urgent", assignee="Sam Reyes")),
        cases.open_case(store, "ben okafor", CaseInput("Delivery late", description="Order 12 is a week late.")),
    ]  # fmt: skip
    with store.write() as session:
        cases.event(session, made[1].id, "note", "Sam", body="Checking with accounts.")
    return [c.number for c in made]


async def test_queue_reply_assign_resolve_close(crm_store: Any) -> None:
    from pocketcrm.core.services import users

    numbers = some_cases(crm_store)
    users.add_user(crm_store, users.UserInput("robin", name="Robin"))  # the assignee picker's
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CasesScreen)
        first = screen.table.current
        assert first.number == numbers[1]  # urgent: due soonest
        text = screen_text(app)
        assert "Invoice wrong" in text and "Checking with accounts." in text
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Called accounts")
        await pilot.click("#reply-internal")
        await pilot.press("ctrl+s")
        await settle(pilot)
        steps = case_views.timeline(crm_store, numbers[1])
        assert steps[-1].kind == "note" and steps[-1].body == "Called accounts"
        await pilot.press("a")
        await settle(pilot)
        login = app.screen.query_one("#assign-login")
        login.value = "Kitt"  # type: ignore[attr-defined]  # nobody: refused, form stays
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "closest: kit" in screen_text(app)
        assert case_views.get_case(crm_store, numbers[1]).assignee == "sam"
        login = app.screen.query_one("#assign-login")
        login.value = "Kit Hale"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert case_views.get_case(crm_store, numbers[1]).assignee == "kit"
        await pilot.press("s")
        await settle(pilot)
        assert case_views.get_case(crm_store, numbers[1]).status == "resolved"
        assert numbers[1] not in [c.number for c in case_views.list_cases(crm_store, status="open")]
        assert screen.table.current.number != numbers[1]  # resolved: gone from the open queue
        await pilot.press("c")  # an unresolved case: asks first
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        closed = case_views.list_cases(crm_store, status="closed")
        assert len(closed) == 1 and closed[0].resolved_at is not None
        await pilot.press("f")  # breached
        await settle(pilot)
        await pilot.press("f")  # all
        await settle(pilot)
        assert screen.queue == "all"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert "Cases (" in screen_text(app)


def steps(*keys: str) -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_cases_snapshot_120x40(snap_compare: Compare, crm_store: Any) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(120, 40), run_before=steps("7"))


def test_cases_snapshot_80x24(snap_compare: Compare, crm_store: Any) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=steps("7"))


def test_cases_reply_form_snapshot_80x24(snap_compare: Compare, crm_store: Any) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=steps("7", "r"))


async def test_report_service_tab(crm_store: Any) -> None:
    some_cases(crm_store)
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        await pilot.click("#report-tabs Tab#--content-tab-tab-service")
        await settle(pilot)
        text = screen_text(app)
        assert "Cases by product" in text and "Laser 5" in text and "opened" in text


def _service_tab() -> Callable[[Any], Awaitable[None]]:
    async def run(pilot: Any) -> None:
        await steps("4")(pilot)
        pilot.app.screen.action_show_tab("service")  # off screen at 80 columns: many tabs
        await settle(pilot)

    return run


def test_report_service_tab_snapshot_120x40(snap_compare: Compare, crm_store: Any) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(120, 40), run_before=_service_tab())


def test_report_service_tab_snapshot_80x24(snap_compare: Compare, crm_store: Any) -> None:
    some_cases(crm_store)
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=_service_tab())
