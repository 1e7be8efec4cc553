"""`log-call`, `log`, `follow-up`, `agenda`, `done`, `snooze`, `report` (now: Tue 1 Dec 2026,
10:00 in Berlin)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from clisupport import Run

from pocketcrm.core.services import activity, contacts
from pocketcrm.core.store import Store


@pytest.fixture
def ann(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com")


def test_log_call_with_everything(run: Run, core: Callable[[], Store], ann: None) -> None:
    run("user", "add", "sam", "--name", "Sam")
    result = run(
        "log-call",
        "ann@x.com",
        "--outcome",
        "reached",
        "--duration",
        "15m",
        "--at",
        "yesterday 4pm",
        "--satisfaction",
        "5",
        "-n",
        "Wants a quote",
        "--follow-up",
        "fri",
        "--owner",
        "Sam",
    )
    assert result.stdout == "logged call #1 with Ann Lee\nfollow-up #1 due 2026-12-04\n"
    assert "at: Mon 30 Nov 2026 16:00" in result.stderr
    assert "follow-up: Fri 4 Dec 2026" in result.stderr
    card = contacts.get_card(core(), "ann")
    [call] = card.interactions
    assert (call.kind, call.outcome, call.duration_s, call.satisfaction) == (
        "call",
        "reached",
        900,
        5,
    )
    assert (call.direction, call.owner, call.notes) == ("out", "sam", "Wants a quote")
    assert call.occurred_at == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    [plan] = card.follow_ups
    assert plan.all_day is True and plan.note == "Wants a quote"


def test_log_other_kinds(run: Run, core: Callable[[], Store], ann: None) -> None:
    run("log", "ann", "--kind", "meeting", "-n", "Lunch", "--duration", "1h30m")
    run("log", "ann", "-n", "Note to self")
    run("log", "ann", "-k", "sms", "--direction", "in")
    kinds = [
        (i.kind, i.duration_s, i.direction) for i in contacts.get_card(core(), "ann").interactions
    ]
    assert sorted(kinds) == [("meeting", 5400, ""), ("note", None, ""), ("sms", None, "in")]


def test_follow_up_done_undo_and_snooze(run: Run, core: Callable[[], Store], ann: None) -> None:
    out = run("follow-up", "ann", "tomorrow 9am", "-n", "Send the quote").stdout
    assert out == "follow-up #1 with Ann Lee due 2026-12-02 09:00\n"
    store = core()
    [plan] = activity.agenda(store, "all")
    assert plan.due_at == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert run("snooze", "1", "+3d").stdout == "follow-up #1 with Ann Lee now due 2026-12-04\n"
    [plan] = activity.agenda(store, "all")
    assert plan.all_day is True and plan.snoozed_until is not None
    assert run("done", "1").stdout == "follow-up #1 with Ann Lee done\n"
    assert activity.agenda(store, "all") == []
    assert run("done", "1", "--undo").stdout == "follow-up #1 with Ann Lee reopened\n"
    assert [f.id for f in activity.agenda(store, "all")] == [1]


def test_a_past_follow_up_is_kept_and_said_to_be_overdue(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    """Backdating a follow-up you missed is allowed; a mistyped year is the usual cause, so
    it is said on stderr, and only for one already past (today's all-day one is not)."""
    result = run("follow-up", "ann", "2025-12-01", "-n", "Quote")
    assert result.stdout == "follow-up #1 with Ann Lee due 2025-12-01\n"
    assert "note: follow-up #1 is due 2025-12-01, already past: it shows as overdue" in (
        result.stderr
    )
    [plan] = activity.agenda(core(), "all")
    assert plan.overdue is True
    today = run("follow-up", "ann", "today", "-n", "Call")
    assert "already past" not in today.stderr
    logged = run("log-call", "ann", "--follow-up", "2026-11-30")
    assert "note: follow-up #3 is due 2026-11-30, already past" in logged.stderr


def test_agenda_windows(run: Run, ann: None) -> None:
    run("add", "Bob Ray")
    run("follow-up", "ann", "yesterday", "-n", "late one")
    run("follow-up", "bob", "today 5pm", "-n", "today one")
    run("follow-up", "ann", "+5d", "-n", "this week")
    run("follow-up", "bob", "+30d", "-n", "later")

    def notes(*flags: str) -> list[str]:
        lines = run("agenda", *flags).stdout.splitlines()
        assert lines[0] == "id\tdue\tcontact\tnote\tstate"
        return [line.split("\t")[3] for line in lines[1:]]

    assert notes("--overdue") == ["late one"]
    assert notes("--today") == ["late one", "today one"]
    assert notes() == ["late one", "today one", "this week"]
    assert notes("--week") == notes()
    assert notes("--all") == ["late one", "today one", "this week", "later"]
    first = run("agenda", "--overdue").stdout.splitlines()[1].split("\t")
    assert first == ["1", "2026-11-30", "Ann Lee", "late one", "OVERDUE"]
    refused = run("agenda", "--today", "--all", code=2)
    assert "window" in refused.stderr


def test_agenda_when_nothing_is_due(run: Run) -> None:
    assert run("agenda").stdout.startswith("nothing due")


def test_agenda_json_and_csv(run: Run, ann: None) -> None:
    run("follow-up", "ann", "2026-12-03 14:30", "-n", "demo")
    [item] = json.loads(run("agenda", "--json").stdout)
    assert item["due_at"] == "2026-12-03T13:30:00Z"
    assert item["all_day"] is False and item["overdue"] is False
    rows = list(csv.reader(io.StringIO(run("agenda", "--csv").stdout)))
    assert rows == [
        ["id", "due", "contact", "note", "state"],
        ["1", "2026-12-03 14:30", "Ann Lee", "demo", ""],
    ]


def test_report_text_and_json(run: Run, ann: None) -> None:
    run("user", "add", "sam", "--name", "Sam")
    run("add", "Bob Ray", "--stage", "customer", "-c", "Acme")
    run(
        "log-call",
        "ann",
        "--outcome",
        "reached",
        "--satisfaction",
        "4",
        "--owner",
        "Sam",
        "--at",
        "9am",
    )
    run("log-call", "bob", "--outcome", "voicemail", "--owner", "Sam", "--at", "2026-11-15 17:00")
    text = run("report").stdout
    for expected in (
        "pocketcrm report",
        "Contacts by stage",
        "lead",
        "Calls by owner",
        "50%",
        "4.00/5",
    ):
        assert expected in text, expected
    assert "\x1b[" not in text and "[bold]" not in text
    data = json.loads(run("report", "--json").stdout)
    assert data["contacts_total"] == 2
    assert data["interactions_total"] == 2
    assert data["until"] == "2026-12-01T09:00:00Z"
    assert data["success_rate_by_owner"] == [{"key": "sam", "count": 50}]
    assert data["satisfaction_average"] == 4.0
    period = json.loads(
        run("report", "--since", "2026-11-01", "--until", "2026-11-15", "--json").stdout
    )
    assert period["interactions_total"] == 1  # the whole of the 15th is in
    assert period["since"] == "2026-10-31T23:00:00Z"
    assert period["until"] == "2026-11-15T23:00:00Z"
    assert "since" in run("report", "--since", "today", "--until", "30d", code=2).stderr


def test_activity_json(run: Run, ann: None) -> None:
    logged = json.loads(run("log-call", "ann", "--follow-up", "tomorrow", "--json").stdout)
    assert logged["label"] == "call with Ann Lee"
    assert logged["follow_up"]["due_at"] == "2026-12-02"  # all-day: the day alone
    assert logged["follow_up"]["all_day"] is True
    planned = json.loads(run("follow-up", "ann", "+2d", "--json").stdout)
    assert planned["contact_name"] == "Ann Lee"
    done = json.loads(run("done", str(planned["id"]), "--json").stdout)
    assert done["done_at"] == "2026-12-01T09:00:00Z"
    snoozed = json.loads(run("snooze", "1", "mon 9am", "--json").stdout)
    assert snoozed["due_at"] == "2026-12-07T08:00:00Z"


# --- issue 17: all-day dates, removing mistakes, messages that name the record -----------


def _zone(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from pocketcrm.core import clock

    monkeypatch.setenv("POCKETCRM_TZ", name)
    clock.set_local_zone(None)


def test_an_all_day_follow_up_shows_its_day_alone_in_any_zone(
    run: Run, ann: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Due 2026-12-03, planned in UTC, read in New York: 2026-12-03 everywhere (it used to
    be 2026-12-02 in the agenda and 2026-12-02 19:00 in the list)."""
    _zone(monkeypatch, "UTC")
    run("follow-up", "ann", "2026-12-03", "-n", "Quote")
    _zone(monkeypatch, "America/New_York")
    agenda = run("agenda", "--all").stdout.splitlines()
    assert agenda[1].split("\t")[:2] == ["1", "2026-12-03"]
    [row] = csv.DictReader(io.StringIO(run("agenda", "--all", "--csv").stdout))
    assert row["due"] == "2026-12-03"
    [item] = json.loads(run("agenda", "--all", "--json").stdout)
    assert (item["due_at"], item["all_day"]) == ("2026-12-03", True)
    listed = run("list").stdout.splitlines()
    assert listed[1].split("\t")[-1] == "2026-12-03"
    [person] = csv.DictReader(io.StringIO(run("list", "--csv").stdout))
    assert person["next follow-up"] == "2026-12-03"
    [record] = json.loads(run("list", "--json").stdout)
    assert record["next_follow_up_at"] == "2026-12-03"
    shown = run("show", "ann").stdout
    assert "2026-12-03  Quote" in shown and "00:00" not in shown and "19:00" not in shown


def test_a_timed_follow_up_still_shows_its_local_time(
    run: Run, ann: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("follow-up", "ann", "2026-12-03 15:00")  # Berlin
    _zone(monkeypatch, "America/New_York")
    assert run("agenda", "--all").stdout.splitlines()[1].split("\t")[1] == "2026-12-03 09:00"
    assert run("list").stdout.splitlines()[1].split("\t")[-1] == "2026-12-03 09:00"


def test_the_agenda_week_includes_day_seven(run: Run, ann: None) -> None:
    run("follow-up", "ann", "+7d", "-n", "day seven")  # Tue 8 Dec
    run("follow-up", "ann", "2026-12-08 23:30", "-n", "day seven late")
    run("follow-up", "ann", "+8d", "-n", "day eight")
    notes = [line.split("\t")[3] for line in run("agenda").stdout.splitlines()[1:]]
    assert notes == ["day seven", "day seven late"]


def test_follow_up_rm_moves_it_to_the_trash_and_restore_names_it(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    run("follow-up", "ann", "2026-12-03")
    removed = run("follow-up", "rm", "1")
    assert removed.stdout == (
        "moved follow-up #1 (Ann Lee, due 2026-12-03) to the trash; "
        "undo with: pocketcrm restore 1 --kind follow-up\n"
    )
    assert activity.agenda(core(), "all") == []
    assert contacts.get_card(core(), "ann").next_follow_up_at is None
    trash_lines = run("trash").stdout.splitlines()
    assert trash_lines[1].split("\t")[:3] == ["follow_up", "1", "Ann Lee, due 2026-12-03"]
    assert run("follow-up", "rm", "1", code=3).stderr.startswith("pocketcrm: error:")
    restored = run("restore", "1", "--kind", "follow-up")
    assert restored.stdout == "restored follow-up #1 (Ann Lee, due 2026-12-03)\n"
    [back] = activity.agenda(core(), "all")
    assert back.id == 1 and back.done_at is None
    assert run("follow-up", "rm", code=2)


def test_a_contact_named_rm_is_still_reachable(run: Run, core: Callable[[], Store]) -> None:
    run("add", "rm")
    planned = run("follow-up", "--", "rm", "tomorrow")
    assert planned.stdout == "follow-up #1 with rm due 2026-12-02\n"


def test_interaction_rm_moves_a_mistaken_call_to_the_trash(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    run("log-call", "ann", "--at", "yesterday 4pm")
    run("log-call", "ann", "-n", "wrong person")
    assert contacts.get_card(core(), "ann").last_contact_at == datetime(2026, 12, 1, 9, tzinfo=UTC)
    removed = run("interaction", "rm", "2")
    assert removed.stdout == (
        "moved interaction #2 (call with Ann Lee on 2026-12-01) to the trash; "
        "undo with: pocketcrm restore 2 --kind interaction\n"
    )
    card = contacts.get_card(core(), "ann")
    assert [i.id for i in card.interactions] == [1]
    assert card.last_contact_at == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert "interaction\t2\tcall with Ann Lee on 2026-12-01: wrong person" in run("trash").stdout
    restored = run("restore", "2", "--kind", "interaction")
    assert restored.stdout == "restored interaction #2 (call with Ann Lee on 2026-12-01)\n"
    assert [i.id for i in contacts.get_card(core(), "ann").interactions] == [2, 1]
    assert run("interaction", "rm", "9", code=3)


def test_a_removed_follow_up_does_not_count_as_done_in_the_report(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    from pocketcrm.core.services import reports

    run("follow-up", "ann", "today 9am", "-n", "real")
    run("follow-up", "ann", "today 8am", "-n", "mistake")
    run("done", "1")
    run("follow-up", "rm", "2")
    figures = reports.summary(
        core(), since=datetime(2026, 11, 1, tzinfo=UTC), until=datetime(2026, 12, 2, tzinfo=UTC)
    )
    assert (figures.follow_ups_due, figures.follow_ups_done) == (1, 1)
    assert (figures.follow_ups_overdue, figures.follow_ups_done_on_time) == (0, 0)


def test_log_call_finds_a_name_by_the_letters_search_folds(run: Run) -> None:
    """Issue 17: `search zolk` found Łukasz Żółkiewski but `log-call lukasz` exited 3."""
    run("add", "Łukasz Żółkiewski")
    assert "Żółkiewski" in run("search", "zolk").stdout
    assert "Łukasz Żółkiewski" in run("log-call", "lukasz", "-n", "Unhappy with delivery").stdout
    assert "Łukasz Żółkiewski" in run("log", "zolkiewski", "-n", "called back").stdout
    assert "Żółkiewski" in run("search", "unhappy").stdout  # issue 9: the note is searched
