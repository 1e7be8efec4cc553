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
    assert result.stdout == "logged call with Ann Lee (#1)\nfollow-up #1 due 2026-12-04\n"
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
    assert (call.direction, call.owner, call.notes) == ("out", "Sam", "Wants a quote")
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
    assert data["success_rate_by_owner"] == [{"key": "Sam", "count": 50}]
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
    assert logged["follow_up"]["due_at"] == "2026-12-01T23:00:00Z"
    planned = json.loads(run("follow-up", "ann", "+2d", "--json").stdout)
    assert planned["contact_name"] == "Ann Lee"
    done = json.loads(run("done", str(planned["id"]), "--json").stdout)
    assert done["done_at"] == "2026-12-01T09:00:00Z"
    snoozed = json.loads(run("snooze", "1", "mon 9am", "--json").stdout)
    assert snoozed["due_at"] == "2026-12-07T08:00:00Z"


def test_log_call_finds_a_name_by_the_letters_search_folds(run: Run) -> None:
    """Issue 17: `search zolk` found Łukasz Żółkiewski but `log-call lukasz` exited 3."""
    run("add", "Łukasz Żółkiewski")
    assert "Żółkiewski" in run("search", "zolk").stdout
    assert "Łukasz Żółkiewski" in run("log-call", "lukasz", "-n", "Unhappy with delivery").stdout
    assert "Łukasz Żółkiewski" in run("log", "zolkiewski", "-n", "called back").stdout
    assert "Żółkiewski" in run("search", "unhappy").stdout  # issue 9: the note is searched
