"""The reminder engine against a real SQLite file, with the clock under the test's control."""

from __future__ import annotations

import shlex
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from reminder_kit import (
    add_contact,
    add_follow_up,
    at,
    keys,
    open_crm,
    rows,
    run_once,
    set_now,
)
from sqlalchemy import text

from pocketcrm.core import clock, reminders
from pocketcrm.core.errors import Invalid
from pocketcrm.core.models import db_time, from_db_time
from pocketcrm.core.services import activity
from pocketcrm.core.store import Store


@pytest.fixture
def crm(tmp_path: Path) -> Store:
    set_now(at(2026, 3, 2, 8, 0))
    return open_crm(tmp_path / "crm.db")


def test_raw_time_helpers_match_the_models() -> None:
    moment = at(2026, 7, 1, 13, 45)
    # white-box: the engine's raw-SQL time helpers against the models' (SLF001 on purpose)
    assert reminders._db(moment) == db_time(moment)  # noqa: SLF001
    assert reminders._moment(db_time(moment)) == from_db_time(db_time(moment))  # noqa: SLF001


def test_a_follow_up_reminds_when_due_and_only_once(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith", email="ann@example.com")
    fid = add_follow_up(crm, ann, at(2026, 3, 2, 10, 0), note="send the quote")

    set_now(at(2026, 3, 2, 9, 59))
    result, printed = run_once(crm)
    assert result.delivered == () and printed == ""

    set_now(at(2026, 3, 2, 10, 0))
    result, printed = run_once(crm)
    assert [r.kind for r in result.delivered] == ["follow_up"]
    assert "Follow up with Ann Smith - send the quote" in printed
    assert "Mon 02 Mar 2026 10:00" in printed  # shown in the user's zone
    assert result.exit_code == 0

    set_now(at(2026, 3, 2, 10, 20))
    again, printed = run_once(crm)
    assert again.delivered == () and printed == ""
    with crm.read() as session:
        notified = session.execute(
            text("SELECT notified_at FROM follow_up WHERE id = :id"), {"id": fid}
        ).scalar()
    assert from_db_time(notified) == at(2026, 3, 2, 10, 0)
    [row] = rows(crm)
    assert row["delivered_at"] is not None and row["attempts"] == 0


def test_a_date_only_follow_up_reminds_at_the_configured_local_hour(tmp_path: Path) -> None:
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", all_day_hour=8)
    ann = add_contact(crm, "Ann Smith")
    add_follow_up(crm, ann, at(2026, 3, 2), all_day=True)  # local midnight, as dates.py stores

    set_now(at(2026, 3, 2, 7, 59))
    assert run_once(crm)[0].delivered == ()
    set_now(at(2026, 3, 2, 8, 0))
    result, printed = run_once(crm)
    assert len(result.delivered) == 1
    assert result.delivered[0].due == at(2026, 3, 2, 8, 0)
    assert "Mon 02 Mar 2026 08:00" in printed


def test_an_all_day_follow_up_reminds_on_its_day_in_a_zone_further_east(tmp_path: Path) -> None:
    """Written in New York (stored order key 05:00 UTC), reminded in Tokyo at 08:00 on its
    day there (23:00 UTC the day before): not 5 hours late, and not on another day."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    new_york, tokyo = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
    set_now(datetime(2026, 3, 1, 12, tzinfo=UTC))
    crm = open_crm(tmp_path / "crm.db", all_day_hour=8)
    ann = add_contact(crm, "Ann Smith")
    clock.set_local_zone(new_york)
    add_follow_up(crm, ann, datetime(2026, 3, 3, tzinfo=new_york), all_day=True)
    clock.set_local_zone(tokyo)
    set_now(datetime(2026, 3, 3, 7, 59, tzinfo=tokyo))
    assert run_once(crm)[0].delivered == ()
    set_now(datetime(2026, 3, 3, 8, 0, tzinfo=tokyo))
    result, _ = run_once(crm)
    assert [d.due for d in result.delivered] == [datetime(2026, 3, 3, 8, tzinfo=tokyo)]


def test_overdue_follow_ups_remind_again_but_never_in_a_burst(tmp_path: Path) -> None:
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", overdue_every_days=2)
    ann = add_contact(crm, "Ann Smith")
    fid = add_follow_up(crm, ann, at(2026, 3, 2, 10, 0))

    set_now(at(2026, 3, 2, 10, 5))
    assert [r.kind for r in run_once(crm)[0].delivered] == ["follow_up"]
    set_now(at(2026, 3, 3, 12, 0))
    assert run_once(crm)[0].delivered == ()
    set_now(at(2026, 3, 4, 10, 5))
    result, printed = run_once(crm)
    assert [r.kind for r in result.delivered] == ["overdue"]
    assert "Overdue" in printed
    set_now(at(2026, 3, 4, 11, 0))
    assert run_once(crm)[0].delivered == ()

    # A week with the machine off: one more reminder, not one per missed period.
    set_now(at(2026, 3, 11, 9, 0))
    result, _ = run_once(crm)
    assert [r.key.split(":")[0] for r in result.delivered] == ["overdue"]
    assert result.delivered[0].key.endswith(":4")  # the fourth two-day period

    activity.complete_follow_up(crm, fid)
    set_now(at(2026, 3, 20, 9, 0))
    assert run_once(crm)[0].delivered == ()


def test_catch_up_after_a_week_off_delivers_everything_that_fell_due(crm: Store) -> None:
    set_now(at(2026, 3, 2, 8, 0))
    ann = add_contact(crm, "Ann Smith")
    bob = add_contact(crm, "Bob Jones", birthday="1990-03-05")
    cleo = add_contact(crm, "Cleo Park", birthday="--02-20")  # too long before the break
    dan = add_contact(crm, "Dan Weiss", birthday="--03-09")  # today, later than 09:00
    with crm.write() as session:
        session.execute(
            text("UPDATE contact SET anniversary_month = 3, anniversary_day = 4 WHERE id = :id"),
            {"id": ann},
        )
    for day in range(3, 9):
        add_follow_up(crm, ann, at(2026, 3, day, 11, 0), note=f"day {day}")
    run_once(crm)  # the last run before the machine went off (nothing due yet)

    set_now(at(2026, 3, 9, 8, 30))
    result, printed = run_once(crm)
    kinds = sorted(r.kind for r in result.delivered)
    assert kinds == ["anniversary", "birthday"] + ["follow_up"] * 6
    birthday = next(r for r in result.delivered if r.kind == "birthday")
    assert birthday.contact_id == bob and birthday.title == "Birthday: Bob Jones turns 36"
    assert birthday.key == f"birthday:{bob}:2026-03-05"
    assert "Thu 05 Mar 2026  Birthday: Bob Jones turns 36" in printed  # no time of day
    assert all(r.contact_id != cleo for r in result.delivered)
    assert all(r.contact_id != dan for r in result.delivered)

    set_now(at(2026, 3, 9, 9, 0))
    result, _ = run_once(crm)
    assert [r.key for r in result.delivered] == [f"birthday:{dan}:2026-03-09"]
    assert run_once(crm)[0].delivered == ()


def test_snoozing_makes_a_new_occurrence(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith")
    fid = add_follow_up(crm, ann, at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 1))
    first = keys(run_once(crm)[0])

    activity.snooze_follow_up(crm, fid, at(2026, 3, 3, 14, 0))
    set_now(at(2026, 3, 3, 13, 59))
    assert run_once(crm)[0].delivered == ()
    set_now(at(2026, 3, 3, 14, 0))
    second = keys(run_once(crm)[0])
    assert len(first) == len(second) == 1 and first != second
    assert second[0] == f"follow_up:{fid}:20260303T130000Z"


def test_done_or_deleted_follow_ups_are_not_reminded(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith")
    done = add_follow_up(crm, ann, at(2026, 3, 2, 9, 0))
    gone = add_follow_up(crm, ann, at(2026, 3, 2, 9, 0))
    activity.complete_follow_up(crm, done)
    with crm.write() as session:
        session.execute(
            text("UPDATE follow_up SET deleted_at = :t WHERE id = :id"),
            {"t": db_time(clock.now()), "id": gone},
        )
    set_now(at(2026, 3, 2, 10, 0))
    assert run_once(crm)[0].delivered == ()


def test_a_cadence_reminds_once_per_drift_and_a_logged_call_resets_it(crm: Store) -> None:
    from pocketcrm.core.services import cadence

    set_now(at(2026, 1, 1, 12, 0))
    ann = add_contact(crm, "Ann Smith", tags=("customers",))
    bob = add_contact(crm, "Bob Jones", tags=("customers",))
    add_contact(crm, "Cleo Park")  # no tag, no rule
    rule = cadence.set_cadence(crm, tag="customers", ideal_days=30)
    assert (rule.ideal_days, rule.max_days, rule.covers) == (30, 45, 2)
    activity.log_interaction(crm, f"#{bob}", activity.InteractionInput(kind="call"))

    set_now(at(2026, 1, 20, 12, 0))
    activity.log_interaction(crm, f"#{ann}", activity.InteractionInput(kind="note"))  # no reset
    set_now(at(2026, 1, 31, 11, 59))
    assert cadence.drifting(crm) == []
    set_now(at(2026, 1, 31, 12, 0))
    drifts = cadence.drifting(crm)
    assert [(d.contact_id, d.days_over, d.past_max) for d in drifts] == [
        (ann, 0, False),
        (bob, 0, False),
    ]
    result, printed = run_once(crm)
    assert sorted(r.contact_id for r in result.delivered) == [ann, bob]
    assert "Get in touch with Ann Smith - no call, meeting or email logged yet" in printed
    assert "Get in touch with Bob Jones - last in touch 30 days ago" in printed

    set_now(at(2026, 2, 10, 12, 0))
    assert run_once(crm)[0].delivered == ()  # still drifting: reminded once per drift
    activity.log_interaction(crm, f"#{ann}", activity.InteractionInput(kind="call"))
    drifts = cadence.drifting(crm)
    assert [(d.contact_id, d.days_over) for d in drifts] == [(bob, 10)]

    set_now(at(2026, 3, 12, 12, 0))  # 30 days after that call: a new drift, a new reminder
    result, _ = run_once(crm)
    assert [r.contact_id for r in result.delivered] == [ann]
    assert cadence.drifting(crm)[0].contact_id == bob and cadence.drifting(crm)[0].past_max


def test_a_contact_rule_wins_over_tag_rules(crm: Store) -> None:
    from pocketcrm.core.services import cadence

    set_now(at(2026, 1, 1, 12, 0))
    ann = add_contact(crm, "Ann Smith", tags=("customers", "vip"))
    cadence.set_cadence(crm, tag="customers", ideal_days=30)
    cadence.set_cadence(crm, tag="vip", ideal_days=14, max_days=20)
    set_now(at(2026, 1, 16, 12, 0))
    assert [(d.contact_id, d.rule, d.ideal_days) for d in cadence.drifting(crm)] == [
        (ann, "tag vip", 14)
    ]
    own = cadence.set_cadence(crm, ref=f"#{ann}", ideal_days=60)
    assert cadence.drifting(crm) == []
    again = cadence.set_cadence(crm, ref=f"#{ann}", ideal_days=10)
    assert again.id == own.id and again.max_days == 15  # one rule per contact, updated
    # Never contacted: the clock runs from when the rule was made, not from long ago.
    assert cadence.drifting(crm) == []
    set_now(at(2026, 1, 26, 12, 0))
    assert [d.rule for d in cadence.drifting(crm)] == ["contact"]
    removed = cadence.remove_cadence(crm, own.id)
    assert removed.contact_name == "Ann Smith"
    assert len(cadence.list_cadences(crm)) == 2
    with pytest.raises(Invalid):
        cadence.set_cadence(crm, tag="vip", ideal_days=30, max_days=10)


def test_do_not_contact_people_do_not_drift(crm: Store) -> None:
    from pocketcrm.core.services import cadence

    set_now(at(2026, 1, 1, 12, 0))
    ann = add_contact(crm, "Ann Smith", tags=("customers",))
    cadence.set_cadence(crm, tag="customers", ideal_days=7)
    with crm.write() as session:
        session.execute(text("UPDATE contact SET do_not_contact = 1 WHERE id = :id"), {"id": ann})
    set_now(at(2026, 2, 1, 12, 0))
    assert cadence.drifting(crm) == []


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ((2027, 2, 28), "Birthday: Lea Leap turns 27"),  # not a leap year: the 28th
        ((2027, 3, 1), None),
        ((2028, 2, 28), None),  # a leap year: wait for the 29th
        ((2028, 2, 29), "Birthday: Lea Leap turns 28"),
    ],
)
def test_a_leap_day_birthday(tmp_path: Path, today: tuple[int, int, int], expected: str) -> None:
    set_now(at(2026, 1, 1))
    crm = open_crm(tmp_path / "crm.db")
    lea = add_contact(crm, "Lea Leap", birthday="2000-02-29")
    set_now(at(*today, 9, 30))
    titles = [r.title for r in run_once(crm)[0].delivered if r.contact_id == lea]
    assert titles == ([expected] if expected else [])


def test_a_birthday_without_a_year_has_no_age_and_can_be_turned_off(tmp_path: Path) -> None:
    set_now(at(2026, 1, 1))
    crm = open_crm(tmp_path / "crm.db")
    add_contact(crm, "Ann Smith", birthday="--06-15")
    set_now(at(2026, 6, 15, 9, 0))
    assert [r.title for r in run_once(crm)[0].delivered] == ["Birthday: Ann Smith"]

    quiet = open_crm(tmp_path / "quiet.db", birthdays=False)
    set_now(at(2026, 1, 1))
    add_contact(quiet, "Ann Smith", birthday="--06-15")
    set_now(at(2026, 6, 15, 9, 0))
    assert run_once(quiet)[0].delivered == ()


def failing_command(tmp_path: Path, fail_flag: Path) -> str:
    """A command that fails while FAIL_FLAG exists and records each reminder otherwise."""
    script = tmp_path / "notify.py"
    script.write_text(
        "import os, sys\n"
        f"if os.path.exists({str(fail_flag)!r}):\n"
        "    sys.exit('the pager service is down')\n"
        f"with open({str(tmp_path / 'got.txt')!r}, 'a') as out:\n"
        "    out.write(os.environ['POCKETCRM_REMINDER_KEY'] + '\\n')\n",
        encoding="utf-8",
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def test_a_failure_keeps_the_reminder_pending_and_visible(tmp_path: Path) -> None:
    flag = tmp_path / "down"
    flag.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", command=failing_command(tmp_path, flag))
    ann = add_contact(crm, "Ann Smith")
    fid = add_follow_up(crm, ann, at(2026, 3, 2, 9, 0))

    set_now(at(2026, 3, 2, 9, 5))
    result, _ = run_once(crm, "command")
    assert result.exit_code == 1 and result.delivered == ()
    [(reminder, why)] = result.failed
    assert "the pager service is down" in why
    [row] = rows(crm)
    assert row["attempts"] == 1 and row["claimed_at"] is None and not row["gave_up"]
    [view] = activity.agenda(crm, "all")
    assert view.id == fid and "the pager service is down" in view.delivery_error
    health = reminders.reminder_health(crm)
    assert (health.pending, health.failing, health.gave_up) == (1, 1, 0)
    assert "1 failing" in health.message
    [pending] = reminders.undelivered(crm)
    assert pending.follow_up_id == fid and pending.contact_name == "Ann Smith"

    flag.unlink()
    set_now(at(2026, 3, 2, 9, 20))
    result, _ = run_once(crm, "command")
    assert keys(result) == [reminder.key]
    assert (tmp_path / "got.txt").read_text().split() == [reminder.key]
    assert activity.agenda(crm, "all")[0].delivery_error == ""
    assert reminders.reminder_health(crm).failing == 0


def test_after_max_attempts_a_reminder_is_given_up_until_retried(tmp_path: Path) -> None:
    flag = tmp_path / "down"
    flag.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", max_attempts=2, command=failing_command(tmp_path, flag))
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    for minute in (0, 15):
        set_now(at(2026, 3, 2, 10, minute))
        assert run_once(crm, "command")[0].failed
    [row] = rows(crm)
    assert row["gave_up"] and row["attempts"] == 2
    set_now(at(2026, 3, 2, 10, 30))
    assert run_once(crm, "command")[0].failed == ()  # not tried again
    assert reminders.reminder_health(crm).gave_up == 1

    flag.unlink()
    assert reminders.retry_given_up(crm) == 1
    assert len(run_once(crm, "command")[0].delivered) == 1


def test_a_configuration_mistake_fails_the_run_without_using_attempts(crm: Store) -> None:
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 5))
    for _ in range(3):
        result, _printed = run_once(crm, "email")  # no SMTP host configured
        assert result.exit_code == 2 and result.config_error
    [row] = rows(crm)
    assert row["attempts"] == 0 and "reminders.smtp.host" in row["last_error"]
    assert not row["gave_up"]


def test_email_failing_does_not_hold_back_stdout_nor_print_it_twice(crm: Store) -> None:
    """A reminder the email could not carry is printed now; the retries only email it."""
    crm.settings.reminders.smtp.host = "127.0.0.1"
    crm.settings.reminders.smtp.port = 9  # discard: nothing listens, connection refused
    crm.settings.reminders.smtp.security = "none"
    crm.settings.reminders.smtp.sender = "crm@example.com"
    crm.settings.reminders.smtp.recipients = ["me@example.com"]
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 5))
    result, printed = run_once(crm, "email", "stdout")
    assert "Follow up with Ann Smith" in printed and result.exit_code == 1
    assert "refused the connection" in result.failed[0][1]
    [row] = rows(crm)
    assert row["delivered_channels"] == "stdout" and row["delivered_at"] is None
    set_now(at(2026, 3, 2, 9, 20))
    again, printed = run_once(crm, "email", "stdout")
    assert printed == "" and again.failed and again.exit_code == 1


def test_desktop_alone_must_reach_someone(
    crm: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No notification service: as the only channel, that is a failure to retry."""
    empty = tmp_path / "no-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-bus")
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 5))
    alone, _ = run_once(crm, "desktop")
    assert alone.failed and "desktop" in alone.failed[0][1]
    set_now(at(2026, 3, 2, 9, 20))
    with_stdout, printed = run_once(crm, "stdout", "desktop")
    assert len(with_stdout.delivered) == 1 and "Ann Smith" in printed
    assert any("desktop" in w for w in with_stdout.warnings)


def test_a_claim_left_by_a_dead_run_is_released_and_retried(crm: Store) -> None:
    add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 0))
    claimed, _ = reminders.claim_due(crm, "run-that-was-killed", clock.now())
    assert len(claimed) == 1  # ... and then the process died before delivering

    set_now(at(2026, 3, 2, 9, 5))
    assert run_once(crm)[0].delivered == ()  # the claim is still fresh: hands off
    set_now(at(2026, 3, 2, 9, 11))
    result, _ = run_once(crm)
    assert result.released_stale == 1 and len(result.delivered) == 1
    [row] = rows(crm)
    assert row["attempts"] == 1 and row["last_error"] == ""


def test_pending_reminders_that_no_longer_apply_are_dropped(tmp_path: Path) -> None:
    flag = tmp_path / "down"
    flag.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", command=failing_command(tmp_path, flag))
    fid = add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 5))
    assert run_once(crm, "command")[0].failed
    activity.complete_follow_up(crm, fid)
    flag.unlink()
    assert run_once(crm, "command")[0].delivered == ()
    assert rows(crm) == []
    assert reminders.reminder_health(crm).failing == 0


def test_health_says_when_reminders_last_ran(crm: Store) -> None:
    health = reminders.reminder_health(crm)
    assert health.never_ran and not health.late and "never run" in health.message
    set_now(at(2026, 3, 2, 9, 0))
    run_once(crm)
    set_now(at(2026, 3, 2, 9, 29))
    health = reminders.reminder_health(crm)
    assert health.last_run == at(2026, 3, 2, 9, 0) and not health.late and health.ok
    assert health.message == "reminders last ran 29 minutes ago"
    set_now(at(2026, 3, 2, 9, 31))
    late = reminders.reminder_health(crm)
    assert late.late and "have not run for 31 minutes" in late.message
    reminders.record_schedule(crm, 60)  # `cron install --every 60` says so
    assert not reminders.reminder_health(crm).late


def test_unknown_channels_are_refused(crm: Store) -> None:
    with pytest.raises(Invalid, match="unknown channel 'pigeon'"):
        reminders.run(crm, channels=["stdout,pigeon"])
    assert reminders.check_channels(["email, stdout", "email"]) == ["email", "stdout"]


def test_the_stable_key_survives_many_runs(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith")
    for hour in range(9, 12):
        add_follow_up(crm, ann, at(2026, 3, 2, hour, 0))
    for minute in range(0, 60 * 4, 15):
        set_now(at(2026, 3, 2, 9, 0) + timedelta(minutes=minute))
        run_once(crm)
    found = rows(crm)
    assert len(found) == 3 and all(r["delivered_at"] is not None for r in found)
    assert len({r["key"] for r in found}) == 3


def test_a_pending_repeat_is_replaced_by_the_next_one(tmp_path: Path) -> None:
    """With repeats, a reminder that failed is superseded when the next period starts."""
    flag = tmp_path / "down"
    flag.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(
        tmp_path / "crm.db", overdue_every_days=1, command=failing_command(tmp_path, flag)
    )
    fid = add_follow_up(crm, add_contact(crm, "Ann Smith"), at(2026, 3, 2, 9, 0))
    set_now(at(2026, 3, 2, 9, 5))
    assert run_once(crm, "command")[0].failed
    set_now(at(2026, 3, 3, 9, 5))
    flag.unlink()
    result, _ = run_once(crm, "command")
    assert keys(result) == [f"overdue:{fid}:20260302T080000Z:1"]
    assert [r["key"] for r in rows(crm)] == [f"overdue:{fid}:20260302T080000Z:1"]


def test_birthdays_are_looked_up_once_a_day_plus_new_contacts(crm: Store) -> None:
    ann = add_contact(crm, "Ann Smith", birthday="--03-02")
    set_now(at(2026, 3, 2, 9, 5))
    assert [r.contact_id for r in run_once(crm)[0].delivered] == [ann]
    with crm.read() as session:
        marker = session.execute(
            text("SELECT value FROM app_state WHERE key = 'remind.celebrations'")
        ).scalar()
    assert marker == f"2026-03-02 {ann}"
    set_now(at(2026, 3, 2, 10, 0))
    bob = add_contact(crm, "Bob Jones", birthday="--03-02")  # added after today's look
    set_now(at(2026, 3, 2, 10, 5))
    assert [r.contact_id for r in run_once(crm)[0].delivered] == [bob]
    set_now(at(2026, 3, 3, 10, 5))
    assert run_once(crm)[0].delivered == ()


def test_a_long_one_by_one_delivery_renews_its_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command channel can take minutes; its claims must not look abandoned meanwhile."""
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", command=failing_command(tmp_path, tmp_path / "never-down"))
    ann = add_contact(crm, "Ann Smith")
    for hour in (9, 10, 11):
        add_follow_up(crm, ann, at(2026, 3, 2, hour, 0))
    moments = iter(at(2026, 3, 2, 12, m) for m in (5, 20, 35))
    seen: list[tuple[str, int]] = []
    renew = reminders.renew_claims

    def renew_and_look(store: Store, token: str, now: object) -> None:
        set_now(next(moments))  # each renewal happens later, as in a slow batch
        renew(store, token, clock.now())
        with store.read() as session:
            row = session.execute(
                text("SELECT max(claimed_at), count(*) FROM reminder WHERE claim_token = :t"),
                {"t": token},
            ).one()
        seen.append((str(row[0]), int(row[1])))

    monkeypatch.setattr(reminders, "HEARTBEAT_SECONDS", -1.0)
    monkeypatch.setattr(reminders, "renew_claims", renew_and_look)
    set_now(at(2026, 3, 2, 12, 0))
    result, _ = run_once(crm, "command")
    assert len(result.delivered) == 3
    assert [n for _, n in seen] == [3, 3, 3]
    assert seen[-1][0].startswith("2026-03-02 11:35")  # UTC: the last renewal's time


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        ("smtp.example.com refused ann@example.com", "smtp.example.com refused <email>"),
        ("notify: could not text +44 20 7946 0001", "notify: could not text <phone>"),
        ("127.0.0.1:2525 refused the connection", "127.0.0.1:2525 refused the connection"),
        ("exited with status 127", "exited with status 127"),
    ],
)
def test_the_log_scrubs_emails_and_phones(message: str, logged: str) -> None:
    assert reminders._scrub(message) == logged  # noqa: SLF001 (white-box: the log's scrubber)


def test_pending_reminders_of_a_deleted_contact_are_dropped(tmp_path: Path) -> None:
    flag = tmp_path / "down"
    flag.touch()
    set_now(at(2026, 3, 1))
    crm = open_crm(tmp_path / "crm.db", command=failing_command(tmp_path, flag))
    ann = add_contact(crm, "Ann Smith", birthday="--03-02")
    set_now(at(2026, 3, 2, 9, 5))
    assert run_once(crm, "command")[0].failed
    with crm.write() as session:
        session.execute(
            text("UPDATE contact SET deleted_at = :t WHERE id = :id"),
            {"t": db_time(clock.now()), "id": ann},
        )
    flag.unlink()
    assert run_once(crm, "command")[0].delivered == ()
    assert rows(crm) == []
