"""The one clock: every 'now' in pocketcrm comes from here so tests can fix time.

POCKETCRM_NOW (an ISO date-time) fixes the clock for a whole process, which is how the
end-to-end and snapshot tests get stable output.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

_override: Callable[[], datetime] | None = None


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    if _override is not None:
        return _override().astimezone(UTC)
    fixed = os.environ.get("POCKETCRM_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=local_zone())
        return moment.astimezone(UTC)
    return datetime.now(UTC)


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the real one."""
    global _override
    _override = source


_zone: tzinfo | None = None


def local_zone() -> tzinfo:
    """The user's zone: POCKETCRM_TZ or TZ names it, else the system's local zone."""
    global _zone
    if _zone is not None:
        return _zone
    name = os.environ.get("POCKETCRM_TZ")
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            _zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            from pocketcrm.core.errors import Invalid

            raise Invalid(
                "POCKETCRM_TZ", f"unknown zone {name!r}; use a name like Europe/Berlin"
            ) from None
    else:
        local = datetime.now().astimezone().tzinfo
        _zone = local if local is not None else UTC
    return _zone


def set_local_zone(zone: tzinfo | None) -> None:
    """Set the display zone (from config or tests); None re-reads the environment."""
    global _zone
    _zone = zone


def local_now() -> datetime:
    return now().astimezone(local_zone())
