"""Constants and helpers the core tests import (conftest.py only holds fixtures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
# Tue 1 Dec 2026, 10:00 in Berlin (CET, UTC+1).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class FixedClock:
    """A clock the test moves by hand."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment = self.moment + timedelta(**delta)
