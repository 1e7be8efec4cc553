"""One rule for "reminders need attention" (the core's ReminderHealth.needs_attention), read
by the interface's top bar as by `remind --status`, `doctor` and the agenda."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tuihelp import NOW

from pocketcrm.core.reminders.health import ReminderHealth
from pocketcrm.tui.app import reminder_warning


def health(
    *, last_run: timedelta | None = timedelta(minutes=5), failing: int = 0, gave_up: int = 0
) -> ReminderHealth:
    """Health as checked at NOW, reminders every 15 minutes, last run LAST_RUN before."""
    ran = None if last_run is None else NOW - last_run
    return ReminderHealth(NOW, ran, 15, failing, failing, gave_up, "")


@pytest.mark.parametrize(
    ("state", "attention"),
    [
        (health(), ""),
        (health(last_run=None), ""),  # never set up: nobody's problem yet
        (health(last_run=timedelta(minutes=30)), ""),  # exactly twice the schedule: not late
        (health(last_run=timedelta(minutes=31)), "late"),
        (health(failing=2), "failing"),
        (health(gave_up=1), "given up"),
        (health(last_run=timedelta(hours=5), failing=1, gave_up=1), "late"),
        (health(failing=1, gave_up=1), "failing"),
    ],
)
def test_the_core_decides_and_the_top_bar_follows(state: ReminderHealth, attention: str) -> None:
    assert state.needs_attention is bool(attention)
    assert state.attention == attention
    assert state.ok is (not attention and state.last_run is not None)
    warning = reminder_warning(state)
    if not attention:
        assert warning == ()
    else:
        assert warning[1] == f"⚠ reminders {attention}" and warning[-1] == state.message


def test_the_top_bar_names_every_problem() -> None:
    state = health(last_run=timedelta(hours=5), failing=2, gave_up=1)
    assert reminder_warning(state)[0] == "⚠ reminders not run for 5h, 2 failing, 1 given up"
