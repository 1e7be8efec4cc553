"""Constants and helpers the core tests import (conftest.py only holds fixtures)."""

from __future__ import annotations

import itertools
import os
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


_logins = itertools.count(1)


def login_tail(is_sqlite: bool) -> str:
    """What makes a test's logins unique on the PostgreSQL server, whose roles every database
    (every test) shares: one counter for the whole process, so two test modules never make
    the same name (each had its own, and "bob<pid>x2" was made twice)."""
    return "" if is_sqlite else f"{os.getpid()}x{next(_logins)}"
