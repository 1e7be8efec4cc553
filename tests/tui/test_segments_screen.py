"""Segments on screen (before: only `pocketcrm segment`): save the contact list's filters and
search as a segment (S), open one (o) to list its contacts; read back through the core."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input
from tuihelp import NOW, screen_text, settle, type_text

from pocketcrm.core.services.segments import (
    SegmentFilters,
    list_segments,
    save_segment,
    segment_filters,
    segment_members,
)
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.modals.filters import ListFilters
from pocketcrm.tui.modals.segment_form import SegmentForm
from pocketcrm.tui.screens.contacts import ContactsScreen


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def test_the_filters_on_screen_are_saved_as_a_segment(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        screen.filters = ListFilters(tag="vip")
        screen.reload(cursor=0)
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, SegmentForm)
        assert "tag=vip" in screen_text(app)
        await type_text(pilot, "not a name!")
        await pilot.press("enter")
        await settle(pilot)
        assert "not a segment name" in str(app.screen.query_one("#name-error").render())
        app.screen.query_one("#name", Input).value = "vips"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert segment_filters(crm_store, "vips") == SegmentFilters(tag="vip")
        assert "segment vips" in screen_text(app)


async def test_a_segment_opens_as_the_list(crm_store: Any) -> None:
    save_segment(crm_store, "customers", SegmentFilters(stage="customer"))
    save_segment(crm_store, "leads", SegmentFilters(stage="lead"))
    members = {r.display_name for r in segment_members(crm_store, "customers")}
    assert [s.name for s in list_segments(crm_store)] == ["customers", "leads"]
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert "customers" in screen_text(app) and "leads" in screen_text(app)
        await pilot.press("enter")  # the first: customers
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        assert screen.table.total == len(members)
        shown = {screen.table.row_at(i).display_name for i in range(screen.table.total)}
        assert shown == members
        assert "segment customers" in screen_text(app)
        await pilot.press("escape")  # esc clears it: every contact again
        await settle(pilot)
        assert screen.segment is None and screen.table.total > len(members)
