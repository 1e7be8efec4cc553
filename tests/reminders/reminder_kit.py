"""Shared helpers for the reminder tests: a fixed zone, a settable clock, a small CRM."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from pocketcrm.core import clock
from pocketcrm.core.reminders import engine
from pocketcrm.core.settings import ReminderConfig, Settings
from pocketcrm.core.store import Store, open_store

ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
BIN = Path(sys.executable).parent
POCKETCRM = str(BIN / "pocketcrm")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Berlin wall-clock moment, as the aware UTC datetime the core uses."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def set_now(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def open_crm(path: Path, **config: Any) -> Store:
    clock.set_local_zone(ZONE)
    settings = Settings(timezone=ZONE_NAME, reminders=ReminderConfig(**config))
    return open_store(path, settings)


def add_contact(
    store: Store, name: str, *, email: str = "", tags: tuple[str, ...] = (), birthday: str = ""
) -> int:
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    data = ContactInput(
        name=name, emails=[email] if email else [], tags=list(tags), birthday=birthday
    )
    return create_contact(store, data).id


def add_follow_up(
    store: Store, contact_id: int, due: datetime, *, all_day: bool = False, note: str = ""
) -> int:
    from pocketcrm.core.services.activity import schedule_follow_up

    return schedule_follow_up(store, f"#{contact_id}", due, all_day=all_day, note=note).id


def run_once(store: Store, *channels: str) -> tuple[engine.RunResult, str]:
    """One reminder run with the stdout channel captured."""
    stream = io.StringIO()
    result = engine.run(store, channels=list(channels) or ["stdout"], stream=stream)
    return result, stream.getvalue()


def keys(result: engine.RunResult) -> list[str]:
    return sorted(r.key for r in result.delivered)


def rows(store: Store, where: str = "1=1") -> list[dict[str, Any]]:
    with store.read() as session:
        found = session.execute(text(f"SELECT * FROM reminder WHERE {where} ORDER BY id"))
        return [dict(r) for r in found.mappings()]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a `pocketcrm` subprocess: the test's paths, Berlin, no colour."""
    env = dict(os.environ)
    env.update({"POCKETCRM_TZ": ZONE_NAME, "NO_COLOR": "1", "COLUMNS": "200"})
    env.update(extra)
    return env


def pocketcrm(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
    return subprocess.run(
        [POCKETCRM, *args],
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_config(text_: str) -> Path:
    path = Path(os.environ["POCKETCRM_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text_, encoding="utf-8")
    return path
