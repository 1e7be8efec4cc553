"""When a screen's data arrives: a switch draws the screen first and fills it from a worker.

The report and the pipeline are built ahead, off screen, once the contact list is up (their
first build took 250 to 300 ms at 120x40): they load nothing until first shown. What start-up
made, and each main screen when first built, is frozen out of the collector's sweeps while the
app runs, and released when it ends.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Static
from tuihelp import NOW

from pocketcrm.tui.app import make_app
from pocketcrm.tui.jobs import collector_paused
from pocketcrm.tui.screens.contacts import counted_while
from pocketcrm.tui.screens.report import ReportScreen


@pytest.fixture(autouse=True)
def _nothing_frozen() -> None:
    """These tests read the app's start-up freeze as the process's freeze count rising from
    0: what an earlier test in this worker froze (the launcher freezes too) is let go."""
    gc.unfreeze()


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for CHECK to hold (the machine may be loaded: a condition, never a fixed time)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the interface never got there"
        await asyncio.sleep(0.01)


async def test_a_screen_built_ahead_loads_its_data_only_when_first_shown(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reloads: list[bool] = []
    real_reload = ReportScreen.reload

    def counted(self: ReportScreen) -> None:
        reloads.append(self.is_current)
        real_reload(self)

    monkeypatch.setattr(ReportScreen, "reload", counted)
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: gc.get_freeze_count() > 0)  # the last step of building ahead
        await app.workers.wait_for_complete()
        report = app.get_screen("mode-report")
        assert report.is_running
        assert isinstance(report, ReportScreen) and not report.is_current
        figures = report.query_one("#report-figures", Static)
        assert str(figures.render()) == "Loading…" and reloads == []  # nothing fetched yet
        await pilot.press("4")
        assert app.screen is report  # the very screen built ahead
        await until(lambda: "contacts" in str(figures.render()))
        assert reloads and all(reloads)  # fetched once shown, never off screen


async def test_a_switch_shows_the_screen_while_its_data_is_still_loading(
    crm_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The companies' query held back: the screen is up, says nothing false, and fills in
    when the worker ends."""
    from pocketcrm.core.services import browse
    from pocketcrm.tui.screens.companies import CompaniesScreen

    gate = threading.Event()
    real_count = browse.count_companies

    def held(*args: Any, **kwargs: Any) -> int:
        gate.wait(30)
        return real_count(*args, **kwargs)

    monkeypatch.setattr(browse, "count_companies", held)
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: gc.get_freeze_count() > 0)  # start-up is over
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, CompaniesScreen)
        drawn: list[bool] = []
        screen.call_after_refresh(lambda: drawn.append(True))
        await until(lambda: bool(drawn))
        status = screen.query_one("#companies-status", Static)
        assert str(status.render()) == ""  # drawn, its count not known yet
        gate.set()
        await until(lambda: "companies" in str(status.render()))
        assert screen.table.total == 5


def frozen(thing: object) -> bool:
    """THING is in the permanent generation: gc.get_objects lists only what sweeps visit."""
    return not any(o is thing for o in gc.get_objects())


async def test_start_up_objects_are_frozen_while_the_app_runs_and_released_after(
    crm_store: Any,
) -> None:
    """Asked of the screens themselves, not of the freeze count, which also falls whenever
    frozen objects are freed (CI once saw a first visit's freeze outweighed by that)."""
    app = make_app(crm_store, clock=lambda: NOW, watch_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        contacts = app.screen
        await until(lambda: frozen(contacts))
        await pilot.press("2")  # a screen built for the first time joins them
        await until(lambda: app.current_mode == "agenda")
        agenda = app.screen
        await until(lambda: frozen(agenda))
        again = gc.get_freeze_count()
        await pilot.press("1", "2")  # a revisit builds nothing
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert gc.get_freeze_count() <= again  # (frozen objects freed since count down)
        await pilot.press("q")
    assert gc.get_freeze_count() == 0
    assert not frozen(agenda)


def test_the_collector_is_paused_while_a_big_job_runs_and_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # two jobs at once: the first to end does not resume it
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_a_list_is_counted_while_its_rows_are_fetched() -> None:
    started = threading.Event()

    def count() -> int:
        started.set()
        return 7

    def fetch() -> list[str]:
        assert started.wait(10)  # the count runs meanwhile, in another thread
        return ["a", "b"]

    assert counted_while(count, fetch) == (7, ["a", "b"])

    def broken() -> int:
        raise RuntimeError("the count failed")

    with pytest.raises(RuntimeError, match="the count failed"):
        counted_while(broken, lambda: [])
