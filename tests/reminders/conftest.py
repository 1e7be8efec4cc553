"""The user's real crontab, for the tests that install into it."""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pocketcrm.core.scheduling import crontab_available


@pytest.fixture
def real_crontab() -> Iterator[str]:
    """The user's crontab (its text), saved before and restored after, whatever happens.

    There is one crontab per user, so a lock file every test run on the machine shares keeps
    the tests that use it apart (pytest-xdist's workers, or two checkouts at once)."""
    if not crontab_available():
        if os.environ.get("CI"):
            pytest.fail("the crontab program is missing in CI; install cron")
        pytest.skip("no crontab program (Debian: apt-get install cron)")
    with (Path(tempfile.gettempdir()) / "pocketcrm-tests-crontab.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        listed = subprocess.run(["crontab", "-l"], capture_output=True, text=True, check=False)
        had_crontab = listed.returncode == 0
        saved = listed.stdout if had_crontab else ""
        try:
            yield saved
        finally:
            if had_crontab:
                subprocess.run(["crontab", "-"], input=saved, text=True, check=True)
            else:
                subprocess.run(["crontab", "-r"], capture_output=True, check=False)
