"""The iCalendar writer: parsed back with icalendar, one entry per open follow-up, stable UIDs."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import cast

import pytest
from icalendar import Calendar, vRecur
from reminder_kit import add_contact, add_follow_up, at, open_crm, set_now
from sqlalchemy import text

from pocketcrm.core import clock
from pocketcrm.core.models import db_time
from pocketcrm.core.services import activity
from pocketcrm.core.store import Store
from pocketcrm.core.transfer.ics import write_ics


@pytest.fixture
def crm(tmp_path: Path) -> Store:
    set_now(at(2026, 3, 1, 9, 0))
    store = open_crm(tmp_path / "crm.db")
    ann = add_contact(store, "Ann Smith", birthday="1990-06-15")
    bob = add_contact(store, "Bob Jones", birthday="--02-29")
    gone = add_contact(store, "Gone Person")
    add_follow_up(store, ann, at(2026, 3, 4, 15, 30), note="send the quote")
    add_follow_up(store, bob, at(2026, 3, 5), all_day=True)
    finished = add_follow_up(store, ann, at(2026, 3, 2, 10, 0))
    activity.complete_follow_up(store, finished)
    add_follow_up(store, gone, at(2026, 3, 6, 10, 0))
    with store.write() as session:
        session.execute(
            text("UPDATE contact SET deleted_at = :t WHERE id = :id"),
            {"t": db_time(clock.now()), "id": gone},
        )
        session.execute(
            text("UPDATE contact SET anniversary_month = 9, anniversary_day = 1 WHERE id = :id"),
            {"id": ann},
        )
    return store


def export(store: Store, **options: bool) -> tuple[int, Calendar, str]:
    stream = io.StringIO(newline="")
    count = write_ics(store, stream, **options)
    raw = stream.getvalue()
    return count, Calendar.from_ical(raw), raw


def follow_up_uids(store: Store) -> set[str]:
    with store.read() as session:
        found = session.execute(
            text(
                "SELECT f.uuid FROM follow_up f JOIN contact c ON c.id = f.contact_id "
                "WHERE f.done_at IS NULL AND f.deleted_at IS NULL AND c.deleted_at IS NULL"
            )
        )
        return {f"{uid}@pocketcrm" for (uid,) in found}


def test_one_event_with_an_alarm_per_open_follow_up(crm: Store) -> None:
    count, calendar, raw = export(crm)
    events = calendar.walk("VEVENT")
    assert count == len(events) == 2
    assert {str(e["UID"]) for e in events} == follow_up_uids(crm)
    assert "\r\n" in raw and raw.startswith("BEGIN:VCALENDAR\r\n")
    timed, all_day = sorted(events, key=lambda e: str(e["SUMMARY"]))
    assert str(timed["SUMMARY"]) == "Follow up: Ann Smith"
    assert timed.decoded("DTSTART") == at(2026, 3, 4, 15, 30)
    assert timed.decoded("DTEND") - timed.decoded("DTSTART") == timedelta(minutes=30)
    assert "send the quote" in str(timed["DESCRIPTION"])
    [alarm] = timed.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(0) and str(alarm["ACTION"]) == "DISPLAY"

    assert str(all_day["SUMMARY"]) == "Follow up: Bob Jones"
    assert all_day.decoded("DTSTART") == date(2026, 3, 5)  # the local day, not a UTC instant
    [alarm] = all_day.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=9)  # reminders.all_day_hour


def test_exporting_again_keeps_the_uids(crm: Store) -> None:
    first = {str(e["UID"]) for e in export(crm)[1].walk("VEVENT")}
    set_now(at(2026, 3, 2, 9, 0))
    add_follow_up(crm, 1, at(2026, 3, 9, 9, 0))
    second = {str(e["UID"]) for e in export(crm)[1].walk("VEVENT")}
    assert first < second and len(second - first) == 1


def test_todo_mode_writes_vtodos_with_due(crm: Store) -> None:
    count, calendar, _ = export(crm, todo=True)
    todos = calendar.walk("VTODO")
    assert count == len(todos) == 2 and calendar.walk("VEVENT") == []
    for todo in todos:
        assert str(todo["STATUS"]) == "NEEDS-ACTION" and "DUE" in todo
        assert todo.walk("VALARM")[0]["TRIGGER"].params["RELATED"] == "END"


def test_birthdays_are_yearly_all_day_events(crm: Store) -> None:
    count, calendar, _ = export(crm, birthdays=True)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert count == len(events) == 5  # two follow-ups, two birthdays, one anniversary
    ann = events["Birthday: Ann Smith (born 1990)"]
    assert ann.decoded("DTSTART") == date(1990, 6, 15)
    assert cast("vRecur", ann["RRULE"])["FREQ"] == ["YEARLY"]
    assert str(ann["UID"]).startswith("birthday-") and str(ann["UID"]).endswith("@pocketcrm")
    leap = events["Birthday: Bob Jones"]
    assert leap.decoded("DTSTART") == date(2000, 2, 29)
    leap_rule = cast("vRecur", leap["RRULE"])
    assert leap_rule["BYMONTHDAY"] == [-1] and leap_rule["BYMONTH"] == [2]
    assert "Anniversary: Ann Smith" in events
    assert "Gone Person" not in " ".join(events)


def test_a_binary_stream_and_an_empty_database(tmp_path: Path) -> None:
    store = open_crm(tmp_path / "empty.db")
    stream = io.BytesIO()
    assert write_ics(store, stream, birthdays=True) == 0
    calendar = Calendar.from_ical(stream.getvalue())
    assert str(calendar["PRODID"]).startswith("-//pocketcrm//")
    assert calendar.walk("VEVENT") == []


def test_an_all_day_follow_up_keeps_its_date_in_another_zone(crm: Store) -> None:
    """Written in Berlin, exported in New York: DTSTART;VALUE=DATE:20260305, not the 4th."""
    from zoneinfo import ZoneInfo

    clock.set_local_zone(ZoneInfo("America/New_York"))
    _, calendar, raw = export(crm)
    [all_day] = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).endswith("Bob Jones")]
    assert all_day.decoded("DTSTART") == date(2026, 3, 5)
    assert "DTSTART;VALUE=DATE:20260305" in raw
    [todo] = [
        t for t in export(crm, todo=True)[1].walk("VTODO") if str(t["SUMMARY"]).endswith("Jones")
    ]
    assert todo.decoded("DUE") == date(2026, 3, 5)
