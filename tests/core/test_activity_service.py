"""Interactions and follow-ups: logging, the agenda's windows in the user's zone, done, snooze.

The clock is fixed at Tue 1 Dec 2026 10:00 in Berlin (09:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from coresupport import BERLIN, NOW, FixedClock

from pocketcrm.core import clock
from pocketcrm.core.errors import Invalid, NotFound
from pocketcrm.core.services import activity, contacts, trash, users
from pocketcrm.core.services.activity import InteractionInput
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store


def berlin(day: int, hour: int = 0, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def ann(store: Store) -> int:
    return contacts.create_contact(store, ContactInput(name="Ann Lee")).id


def test_log_a_call_with_everything(store: Store, ann: int) -> None:
    created = activity.log_interaction(
        store,
        "ann",
        InteractionInput(
            kind="Call",
            when=berlin(1, 9, 15),
            duration_s=900,
            outcome="Reached",
            satisfaction=4,
            direction="inbound",
            notes="  Wants a quote  ",
        ),
    )
    assert created.label == "call with Ann Lee"
    assert created.follow_up is None
    card = contacts.get_card(store, str(ann))
    [call] = card.interactions
    assert (call.kind, call.outcome, call.satisfaction, call.direction) == (
        "call",
        "reached",
        4,
        "in",
    )
    me = "Me" if store.is_sqlite else users.acting_login(store)  # the server's: the login
    assert (call.duration_s, call.notes, call.owner) == (900, "Wants a quote", me)
    assert call.occurred_at == berlin(1, 9, 15)
    assert card.last_contact_at == berlin(1, 9, 15)
    assert card.interaction_count == 1


def test_log_with_a_follow_up_in_one_step(store: Store, ann: int) -> None:
    created = activity.log_interaction(
        store,
        "ann",
        InteractionInput(notes="quote sent", follow_up_at=berlin(4), follow_up_all_day=True),
    )
    assert created.follow_up is not None
    assert created.follow_up.note == "quote sent"
    assert created.follow_up.all_day is True
    card = contacts.get_card(store, str(ann))
    assert [f.id for f in card.follow_ups] == [created.follow_up.id]
    assert card.next_follow_up_at == date(2026, 12, 4)  # an all-day one is its day


def test_a_note_is_not_being_in_touch(store: Store, ann: int) -> None:
    activity.log_interaction(store, "ann", InteractionInput(kind="note", when=berlin(1, 8)))
    assert contacts.get_card(store, str(ann)).last_contact_at is None
    activity.log_interaction(store, "ann", InteractionInput(kind="email", when=berlin(1, 7)))
    assert contacts.get_card(store, str(ann)).last_contact_at == berlin(1, 7)


def test_trashing_the_last_call_moves_last_contact_back(store: Store, ann: int) -> None:
    activity.log_interaction(store, "ann", InteractionInput(when=berlin(20, month=11)))
    latest = activity.log_interaction(store, "ann", InteractionInput(when=berlin(30, month=11)))
    trash.trash_interaction(store, latest.id)
    card = contacts.get_card(store, str(ann))
    assert card.last_contact_at == berlin(20, month=11)
    assert card.interaction_count == 1
    trash.restore(store, str(latest.id), "interaction")
    assert contacts.get_card(store, str(ann)).last_contact_at == berlin(30, month=11)


@pytest.fixture
def plans(store: Store, ann: int) -> dict[str, int]:
    """Follow-ups around now, in Berlin time."""

    def plan(due: datetime, all_day: bool = False) -> int:
        return activity.schedule_follow_up(store, "ann", due, all_day=all_day, note=str(due)).id

    return {
        "yesterday_timed": plan(berlin(30, 15, month=11)),
        "yesterday_all_day": plan(berlin(30, month=11), all_day=True),
        "today_8am": plan(berlin(1, 8)),
        "today_all_day": plan(berlin(1), all_day=True),
        "today_5pm": plan(berlin(1, 17)),
        "today_1130pm": plan(berlin(1, 23, 30)),
        "tomorrow_0030": plan(berlin(2, 0, 30)),  # still Dec 1 in UTC
        "sat": plan(berlin(5), all_day=True),
        "next_mon_9am": plan(berlin(7, 9)),
        "next_tue_9am": plan(berlin(8, 9)),
        "next_year": plan(datetime(2027, 1, 15, 9, tzinfo=BERLIN)),
    }


def window(store: Store, name: str) -> list[int]:
    return [f.id for f in activity.agenda(store, name)]


def test_overdue_window(store: Store, plans: dict[str, int]) -> None:
    assert window(store, "overdue") == [
        plans["yesterday_all_day"],
        plans["yesterday_timed"],
        plans["today_8am"],
    ]


def test_today_window_is_the_local_day_overdue_first(store: Store, plans: dict[str, int]) -> None:
    items = activity.agenda(store, "today")
    assert [f.id for f in items] == [
        plans["yesterday_all_day"],
        plans["yesterday_timed"],
        plans["today_8am"],
        plans["today_all_day"],
        plans["today_5pm"],
        plans["today_1130pm"],
    ]
    assert [f.overdue for f in items] == [True, True, True, False, False, False]


def test_week_window_is_today_and_the_seven_days_after(
    store: Store, plans: dict[str, int], ann: int
) -> None:
    """ "The next 7 days" includes day 7 (Tue 8 Dec), timed or all-day, and ends with it."""
    day_7 = activity.schedule_follow_up(store, "ann", berlin(8), all_day=True).id
    day_8 = activity.schedule_follow_up(store, "ann", berlin(9), all_day=True).id
    ids = window(store, "week")
    assert plans["tomorrow_0030"] in ids
    assert plans["sat"] in ids
    assert plans["next_mon_9am"] in ids
    assert plans["next_tue_9am"] in ids and day_7 in ids
    assert day_8 not in ids
    assert plans["next_year"] not in ids
    assert len(ids) == 11
    assert activity.agenda_size(store, "week") == 11


def test_all_window(store: Store, plans: dict[str, int]) -> None:
    assert sorted(window(store, "all")) == sorted(plans.values())


def test_windows_follow_the_users_zone(store: Store, plans: dict[str, int]) -> None:
    """In New York it is 04:00 on Dec 1: Berlin's 00:30 Dec 2 is 18:30 Dec 1 there."""
    from zoneinfo import ZoneInfo

    clock.set_local_zone(ZoneInfo("America/New_York"))
    today = window(store, "today")
    assert plans["tomorrow_0030"] in today
    assert plans["today_1130pm"] in today


def test_count_due(store: Store, plans: dict[str, int]) -> None:
    assert activity.count_due(store) == (3, 3)


def test_done_and_undo(store: Store, plans: dict[str, int], fixed_clock: FixedClock) -> None:
    target = plans["today_8am"]
    view = activity.complete_follow_up(store, target)
    assert view.done_at == NOW
    assert view.overdue is False
    assert target not in window(store, "all")
    with pytest.raises(Invalid) as caught:
        activity.complete_follow_up(store, target)
    assert caught.value.field == "id"
    reopened = activity.reopen_follow_up(store, target)
    assert reopened.done_at is None
    assert target in window(store, "overdue")
    with pytest.raises(NotFound):
        activity.complete_follow_up(store, 999)


def test_done_moves_next_follow_up(store: Store, ann: int) -> None:
    first = activity.schedule_follow_up(store, "ann", berlin(2, 9))
    activity.schedule_follow_up(store, "ann", berlin(9, 9))
    assert contacts.get_card(store, str(ann)).next_follow_up_at == berlin(2, 9)
    activity.complete_follow_up(store, first.id)
    assert contacts.get_card(store, str(ann)).next_follow_up_at == berlin(9, 9)


def test_snooze_moves_it_to_a_later_window(store: Store, plans: dict[str, int]) -> None:
    target = plans["yesterday_timed"]
    view = activity.snooze_follow_up(store, target, berlin(3, 9))
    assert view.due_at == berlin(3, 9)
    assert view.snoozed_until == berlin(3, 9)
    assert view.overdue is False
    assert target not in window(store, "today")
    assert target in window(store, "week")
    day_only = activity.snooze_follow_up(store, target, berlin(4), all_day=True)
    assert day_only.all_day is True


def test_a_done_follow_up_cannot_be_snoozed(store: Store, plans: dict[str, int]) -> None:
    activity.complete_follow_up(store, plans["sat"])
    with pytest.raises(Invalid):
        activity.snooze_follow_up(store, plans["sat"], berlin(10))


def test_agenda_by_owner_and_without_trashed_contacts(store: Store, ann: int) -> None:
    bob = contacts.create_contact(store, ContactInput(name="Bob Ray")).id
    mine = activity.schedule_follow_up(store, "ann", berlin(2))
    sams = activity.schedule_follow_up(store, str(bob), berlin(2), owner="Sam")
    assert [f.id for f in activity.agenda(store, "all", owner="Sam")] == [sams.id]
    trash.trash_contact(store, str(bob))
    assert window(store, "all") == [mine.id]
    assert activity.count_due(store) == (0, 0)


def test_a_trashed_follow_up_leaves_the_agenda_and_comes_back(store: Store, ann: int) -> None:
    view = activity.schedule_follow_up(store, "ann", berlin(2))
    trash.trash_follow_up(store, view.id)
    assert window(store, "all") == []
    assert contacts.get_card(store, str(ann)).next_follow_up_at is None
    trash.restore(store, str(view.id), "follow_up")
    assert window(store, "all") == [view.id]


def test_timeline_and_recent(store: Store, ann: int, fixed_clock: FixedClock) -> None:
    for day in (27, 28, 29):
        activity.log_interaction(store, "ann", InteractionInput(when=berlin(day, 9, month=11)))
    timeline = activity.contact_interactions(store, ann, limit=2)
    assert [i.occurred_at.day for i in timeline] == [29, 28]
    assert [i.occurred_at.day for i in activity.contact_interactions(store, ann, offset=2)] == [27]
    recent = activity.recent_interactions(store, since=berlin(28, month=11))
    assert [i.occurred_at.day for i in recent] == [29, 28]
    with pytest.raises(NotFound):
        activity.contact_interactions(store, 999)


def test_the_views_are_aware_utc(store: Store, plans: dict[str, int]) -> None:
    for f in activity.agenda(store, "all"):
        if f.all_day:
            assert type(f.due_at) is date
        else:
            assert isinstance(f.due_at, datetime) and f.due_at.tzinfo is UTC


def test_a_call_a_little_in_the_future_is_tolerated(store: Store, ann: int) -> None:
    created = activity.log_interaction(
        store, "ann", InteractionInput(when=NOW + timedelta(minutes=2))
    )
    assert created.id


def test_the_week_window_across_the_end_of_summer_time(
    store: Store, ann: int, fixed_clock: FixedClock
) -> None:
    """Berlin leaves summer time on Sun 25 Oct 2026: the window still ends at local midnight."""
    fixed_clock.moment = datetime(2026, 10, 24, 10, 0, tzinfo=BERLIN)
    inside = activity.schedule_follow_up(
        store, "ann", datetime(2026, 10, 31, 23, 30, tzinfo=BERLIN)
    )
    outside = activity.schedule_follow_up(store, "ann", datetime(2026, 11, 1, 0, 30, tzinfo=BERLIN))
    today_late = activity.schedule_follow_up(
        store, "ann", datetime(2026, 10, 24, 23, 30, tzinfo=BERLIN)
    )
    week = window(store, "week")
    assert inside.id in week and outside.id not in week
    assert window(store, "today") == [today_late.id]


def test_snoozing_a_date_only_follow_up_to_an_earlier_day_is_refused(
    store: Store, ann: int
) -> None:
    view = activity.schedule_follow_up(store, "ann", berlin(3), all_day=True)
    with pytest.raises(Invalid) as caught:
        activity.snooze_follow_up(store, view.id, berlin(30, month=11), all_day=True)
    assert caught.value.field == "when"
    today = activity.snooze_follow_up(store, view.id, berlin(1), all_day=True)
    assert today.due_at == date(2026, 12, 1)


def test_agenda_owner_ignores_case(store: Store, ann: int) -> None:
    sams = activity.schedule_follow_up(store, "ann", berlin(2), owner="Sam")
    activity.schedule_follow_up(store, "ann", berlin(2), owner="Alex")
    assert [f.id for f in activity.agenda(store, "all", owner=" sam ")] == [sams.id]
    assert activity.agenda_size(store, "all", owner="SAM") == 1


# --- all-day follow-ups keep their day in every zone (issue 17) ---------------------------


def test_an_all_day_follow_up_keeps_its_day_in_another_zone(
    store: Store, ann: int, fixed_clock: FixedClock
) -> None:
    """Written in UTC, read in New York: due 3 December stays 3 December (not 2 Dec 19:00)."""
    from zoneinfo import ZoneInfo

    clock.set_local_zone(UTC)
    made = activity.schedule_follow_up(
        store, "ann", datetime(2026, 12, 3, tzinfo=UTC), all_day=True
    )
    clock.set_local_zone(ZoneInfo("America/New_York"))
    [view] = activity.agenda(store, "all")
    assert (view.id, view.due_at, view.all_day) == (made.id, date(2026, 12, 3), True)
    assert contacts.get_card(store, str(ann)).next_follow_up_at == date(2026, 12, 3)
    [row] = contacts.list_contacts(store)
    assert row.next_follow_up_at == date(2026, 12, 3)
    # Due on the 3rd in New York: not late until that day ends there (05:00 UTC on the 4th).
    fixed_clock.moment = datetime(2026, 12, 4, 4, 59, tzinfo=UTC)
    assert activity.agenda(store, "overdue") == []
    assert activity.count_due(store) == (0, 1)
    fixed_clock.moment = datetime(2026, 12, 4, 5, 0, tzinfo=UTC)
    assert [f.id for f in activity.agenda(store, "overdue")] == [made.id]
    assert activity.count_due(store) == (1, 0)


def test_the_today_window_finds_an_all_day_item_written_in_another_zone(
    store: Store, ann: int
) -> None:
    """Written in Tokyo (its order key is 15:00 UTC the day before), read in New York."""
    from zoneinfo import ZoneInfo

    clock.set_local_zone(ZoneInfo("Asia/Tokyo"))
    made = activity.schedule_follow_up(
        store, "ann", datetime(2026, 12, 2, tzinfo=ZoneInfo("Asia/Tokyo")), all_day=True
    )
    clock.set_local_zone(ZoneInfo("America/New_York"))  # now: 04:00 on 1 Dec there
    assert made.id not in window(store, "today")
    assert made.id in window(store, "week")
    clock.set_local_zone(ZoneInfo("Pacific/Kiritimati"))  # UTC+14: 23:00 on 1 Dec there
    assert made.id not in window(store, "today")


def test_is_overdue_is_one_rule_for_days_and_moments() -> None:
    from pocketcrm.core import dates

    now = datetime(2026, 12, 1, 9, tzinfo=UTC)  # 10:00 in Berlin
    assert dates.is_overdue(date(2026, 11, 30), now)
    assert not dates.is_overdue(date(2026, 12, 1), now)  # due today is not late
    assert dates.is_overdue(datetime(2026, 12, 1, 8, 59, tzinfo=UTC), now)
    assert not dates.is_overdue(datetime(2026, 12, 1, 9, 1, tzinfo=UTC), now)
