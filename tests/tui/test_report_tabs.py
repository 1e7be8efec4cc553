"""The report screen's analysis tabs (issue 13): each section in its own tab, loaded in a
worker when the tab opens, for the screen's period; snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from textual.widgets import Sparkline, Static, TabbedContent
from tuihelp import NOW, screen_text, settle

from pocketcrm.core.analysis.calls import calls
from pocketcrm.core.analysis.team import team
from pocketcrm.tui.app import PocketCRM, make_app
from pocketcrm.tui.widgets.analysis_tab import SECTIONS

Compare = Callable[..., bool]


def app_for(store: Any) -> PocketCRM:
    return make_app(store, clock=lambda: NOW, watch_seconds=0)


async def test_t_walks_through_every_section(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        tabs = app.screen.query_one("#report-tabs", TabbedContent)
        assert tabs.active == "tab-overview"
        for section, _title, _where in SECTIONS:
            await pilot.press("t")
            await settle(pilot)
            assert tabs.active == f"tab-{section}"
            assert "Loading…" not in screen_text(app), section
        await pilot.press("t")
        await settle(pilot)
        assert tabs.active == "tab-profit"
        await pilot.press("t")
        await settle(pilot)
        assert tabs.active == "tab-service"
        await pilot.press("t")
        await settle(pilot)
        assert tabs.active == "tab-overview"


async def test_the_calls_tab_shows_the_cores_figures(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        expected = calls(crm_store, NOW - timedelta(days=30), NOW)
        text = screen_text(app)
        for label, value in expected.headline:
            assert f"{label} {value}" in text
        spark = app.screen.query_one("#calls-spark", Sparkline)
        hours = next(b for b in expected.breakdowns if b.name == "hour")
        assert list(spark.data or []) == [float(r.values[0] or 0) for r in hours.rows]


async def test_the_period_key_reloads_the_open_tab(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4", "t", "t")
        await settle(pilot)
        await pilot.press("p", "p")  # 30 -> 90 -> 365 days
        await settle(pilot)
        text = screen_text(app)
        assert "the last 365 days" in text
        expected = team(crm_store, NOW - timedelta(days=365), NOW)
        for label, value in expected.headline:
            assert f"{label} {value}" in text


async def test_the_team_tab_shows_the_departments(crm_store: Any) -> None:
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4", "t", "t")
        await settle(pilot)
        tables = str(app.screen.query_one("#team-tables", Static).render())
        assert "Per department, with its lead" in tables
        assert "(no department)" in tables  # the sample's owners belong to none


async def test_the_satisfaction_tab_shows_the_products(crm_store: Any) -> None:
    """The products' table (issue 13) is drawn with the others, from the core's figures."""
    from pocketcrm.core.analysis.satisfaction import satisfaction
    from pocketcrm.core.services import activity, billing, products
    from pocketcrm.core.services.activity import InteractionInput

    products.add_product(crm_store, products.ProductInput(sku="RYE", name="Rye loaf", price="4"))
    # The sample's first contact buys rye today, then rates us.
    billing.create_invoice(crm_store, "1", None, line_texts=["RYE x3"])
    rated = InteractionInput(when=NOW - timedelta(hours=1), satisfaction=2, kind="email")
    activity.log_interaction(crm_store, "1", rated)
    expected = satisfaction(crm_store, NOW - timedelta(days=30), NOW, by="product")
    [rye] = expected.breakdowns[0].rows
    app = app_for(crm_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4", "t", "t", "t")
        await settle(pilot)
        tables = str(app.screen.query_one("#satisfaction-tables", Static).render())
        assert "By product" in tables
        assert "Rye loaf" in tables and f"{rye.values[1]}" in tables


def _steps(*keys: str) -> Callable[[Any], Any]:
    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_report_calls_tab_80x24(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=_steps("4", "t"))


def test_report_calls_tab_120x40(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(120, 40), run_before=_steps("4", "t"))


def test_report_factors_tab_120x40(snap_compare: Compare, crm_store: Any) -> None:
    run = _steps("4", "t", "t", "t", "t", "p", "p")
    assert snap_compare(app_for(crm_store), terminal_size=(120, 40), run_before=run)


def test_report_overview_tab_80x24(snap_compare: Compare, crm_store: Any) -> None:
    assert snap_compare(app_for(crm_store), terminal_size=(80, 24), run_before=_steps("4"))
