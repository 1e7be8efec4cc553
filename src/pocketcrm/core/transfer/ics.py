"""Calendars: open follow-ups (and birthdays) as an iCalendar file any calendar app imports.

VEVENT by default, because Google Calendar has no VTODO (and ignores imported alarms);
Thunderbird and Apple show both, and `todo=True` writes VTODOs for task lists. Every entry
has a stable UID (`<follow-up uuid>@pocketcrm`, `birthday-<contact uuid>@pocketcrm`), so
importing a newer file updates the entries instead of adding copies.

Times are written in UTC (no VTIMEZONE needed); date-only follow-ups and birthdays are
all-day dates. Alarms fire when `pocketcrm remind` would: at the follow-up's time, or at
`reminders.all_day_hour` on the day. Birthdays on 29 February recur on the last day of
February, which is the 28th in other years, as the reminder run does.

Components are written one at a time, so a 100,000-follow-up export never holds the whole
calendar in memory. icalendar (~70 ms to import) is imported only here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any, cast

from sqlalchemy import text

from pocketcrm import __version__
from pocketcrm.core import clock
from pocketcrm.core.store import Store

EVENT_LENGTH = timedelta(minutes=30)
CHUNK = 2_000  # rows fetched at a time


def _moment(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rows(store: Store, sql: str) -> Iterator[Any]:
    """A query's rows, a chunk at a time, in one read snapshot."""
    with store.read() as session:
        result = session.execute(text(sql))
        while chunk := result.fetchmany(CHUNK):
            yield from chunk


_FOLLOW_UPS = """
SELECT f.uuid, f.id, f.due_at, f.due_date, f.note, f.owner, f.created_at,
       c.id, c.display_name
FROM follow_up f JOIN contact c ON c.id = f.contact_id
WHERE f.done_at IS NULL AND f.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY f.due_at, f.id
"""

_CELEBRATIONS = """
SELECT c.uuid, c.id, c.display_name, c.birthday_year, c.birthday_month, c.birthday_day,
       c.anniversary_year, c.anniversary_month, c.anniversary_day
FROM contact c
WHERE c.deleted_at IS NULL
  AND (c.birthday_month IS NOT NULL OR c.anniversary_month IS NOT NULL)
ORDER BY c.id
"""


def _alarm(summary: str, trigger: timedelta, related: str) -> Any:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", trigger, parameters={"RELATED": related})
    return alarm


def _follow_up(row: Any, *, todo: bool, stamp: datetime, all_day_hour: int) -> Any:
    from icalendar import Event, Todo

    uid, follow_up_id, due_raw, due_date, note, owner, created, contact_id, name = row
    due = _moment(due_raw)
    summary = f"Follow up: {name}"
    component = Todo() if todo else Event()
    component.add("uid", f"{uid}@pocketcrm")
    component.add("dtstamp", stamp)
    component.add("created", _moment(created))
    component.add("summary", summary)
    details = [str(note)] if note else []
    details.append(f"pocketcrm follow-up #{follow_up_id} with contact #{contact_id}")
    component.add("description", "\n".join(details))
    component.add("categories", ["pocketcrm"])
    if owner:
        component.add("x-pocketcrm-owner", str(owner))
    if due_date:  # all-day: its stored day as a DATE value, the same in every zone
        day = date.fromisoformat(str(due_date))
        trigger = timedelta(hours=all_day_hour)
        if todo:
            component.add("due", day)
        else:
            component.add("dtstart", day)
            component.add("dtend", day + timedelta(days=1))
            component.add("transp", "TRANSPARENT")
    else:
        trigger = timedelta(0)
        if todo:
            component.add("due", due)
        else:
            component.add("dtstart", due)
            component.add("dtend", due + EVENT_LENGTH)
    if todo:
        component.add("status", "NEEDS-ACTION")
    # A VTODO with only DUE relates its alarm to the end (RFC 5545, 3.8.6.3); a DUE date
    # starts at its midnight, so the all-day hour lands on the day itself either way.
    component.add_component(_alarm(summary, trigger, "END" if todo else "START"))
    return component


def _yearly(
    uid: str,
    summary: str,
    year: int | None,
    month: int,
    day: int,
    *,
    stamp: datetime,
    all_day_hour: int,
    category: str,
) -> Any:
    from icalendar import Event

    # Without a year, start in 2000 (a leap year, so 29 February exists).
    first = date(year or 2000, month, day)
    rule: dict[str, Any] = {"freq": "yearly"}
    if (month, day) == (2, 29):
        rule.update({"bymonth": 2, "bymonthday": -1})  # the 28th in other years
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", first)
    event.add("dtend", first + timedelta(days=1))
    event.add("rrule", rule)
    event.add("transp", "TRANSPARENT")
    event.add("categories", [category, "pocketcrm"])
    event.add_component(_alarm(summary, timedelta(hours=all_day_hour), "START"))
    return event


def _celebrations(row: Any, *, stamp: datetime, all_day_hour: int) -> Iterator[Any]:
    uid, _contact_id, name, b_year, b_month, b_day, a_year, a_month, a_day = row
    if b_month and b_day:
        yield _yearly(
            f"birthday-{uid}@pocketcrm",
            f"Birthday: {name}" + (f" (born {b_year})" if b_year else ""),
            b_year,
            int(b_month),
            int(b_day),
            stamp=stamp,
            all_day_hour=all_day_hour,
            category="BIRTHDAY",
        )
    if a_month and a_day:
        yield _yearly(
            f"anniversary-{uid}@pocketcrm",
            f"Anniversary: {name}" + (f" (since {a_year})" if a_year else ""),
            a_year,
            int(a_month),
            int(a_day),
            stamp=stamp,
            all_day_hour=all_day_hour,
            category="ANNIVERSARY",
        )


def _header() -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", f"-//pocketcrm//pocketcrm {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "pocketcrm")
    whole = bytes(calendar.to_ical())
    return whole.removesuffix(b"END:VCALENDAR\r\n")


def write_ics(
    store: Store, stream: IO[str] | IO[bytes], *, birthdays: bool = False, todo: bool = False
) -> int:
    """Write open follow-ups (and, with BIRTHDAYS, yearly birthdays and anniversaries).

    STREAM may be text (opened with newline="") or binary. Returns the number of events
    and to-dos written.
    """
    text_stream = isinstance(stream, io.TextIOBase) or hasattr(stream, "encoding")

    def put(chunk: bytes) -> None:
        if text_stream:
            cast(IO[str], stream).write(chunk.decode("utf-8"))
        else:
            cast(IO[bytes], stream).write(chunk)

    stamp = clock.now().replace(microsecond=0)
    hour = store.settings.reminders.all_day_hour
    count = 0
    put(_header())
    for row in _rows(store, _FOLLOW_UPS):
        put(_follow_up(row, todo=todo, stamp=stamp, all_day_hour=hour).to_ical())
        count += 1
    if birthdays:
        for row in _rows(store, _CELEBRATIONS):
            for event in _celebrations(row, stamp=stamp, all_day_hour=hour):
                put(event.to_ical())
                count += 1
    put(b"END:VCALENDAR\r\n")
    return count
