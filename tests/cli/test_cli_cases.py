"""`case open|list|show|reply|assign|status|resolve|close|reopen` (now: Tue 1 Dec 2026,
10:00 Berlin); results read back through the core, replies through a real SMTP server."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator

import pytest
from clisupport import Run

from core.smtp_kit import Recorder, Server, start
from pocketcrm.core.services import case_views
from pocketcrm.core.store import Store


@pytest.fixture
def ann(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com", "-c", "Acme")


@pytest.fixture
def team(run: Run) -> None:
    """Bob Stone in Repairs, Cy Young and "me" in no department."""
    run("department", "add", "Repairs")
    run("user", "add", "bob", "--name", "Bob Stone", "-d", "Repairs")
    run("user", "add", "cy", "--name", "Cy Young")
    run("user", "add", "me", "--name", "Me Myself")


@pytest.fixture
def smtp(run: Run) -> Iterator[Server]:
    for server in start(Recorder()):
        run("config", "set", "reminders.smtp.host", "127.0.0.1")
        run("config", "set", "reminders.smtp.port", str(server.port))
        run("config", "set", "reminders.smtp.security", "none")
        run("config", "set", "reminders.smtp.sender", "help@shop.example.com")
        yield server


def test_open_show_and_list(run: Run, core: Callable[[], Store], ann: None, team: None) -> None:
    number = run(
        "case", "open", "ann", "Oven broken", "--priority", "urgent", "--product", "Oven X2",
        "--assign", "Bob Stone", "--body", "It smokes.",
    ).stdout.strip()  # fmt: skip
    assert number == "CASE-2026-0001"
    shown = run("case", "show", number).stdout
    assert "Oven broken" in shown and "It smokes." in shown and "opened" in shown
    assert "(Repairs)" in shown  # the assignee's department
    listed = json.loads(run("case", "list", "--json").stdout)
    assert [(c["number"], c["assignee"], c["product"], c["department"]) for c in listed] == [
        (number, "bob", "Oven X2", "Repairs")
    ]
    rows = list(csv.reader(io.StringIO(run("case", "list", "--csv").stdout)))
    assert rows[0][:3] == ["number", "status", "priority"] and rows[1][0] == number
    assert case_views.get_case(core(), number).priority == "urgent"


def test_mine_status_breached(
    run: Run, ann: None, team: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("case", "open", "ann", "Mine", "--assign", "me", "--priority", "urgent")
    run("case", "open", "ann", "Theirs", "--assign", "bob")
    monkeypatch.setenv("POCKETCRM_OWNER", "me")
    assert run("case", "list", "--mine", "--ids").stdout.split() == ["CASE-2026-0001"]
    assert run("case", "list", "--assignee", "Bob Stone", "--ids").stdout.split() == [
        "CASE-2026-0002"
    ]
    assert "closest: bob" in run("case", "list", "--assignee", "bobb", code=2).stderr
    assert run("case", "list", "--breached", "--ids").stdout.split() == []
    monkeypatch.setenv("POCKETCRM_NOW", "2026-12-01T12:30:00+01:00")
    assert run("case", "list", "--breached", "--ids").stdout.split() == ["CASE-2026-0001"]
    assert "BREACHED" in run("case", "list").stdout
    run("case", "resolve", "CASE-2026-0002")
    assert run("case", "list", "--status", "resolved", "--ids").stdout.split() == ["CASE-2026-0002"]


def test_status_moves_and_close_rules(
    run: Run, core: Callable[[], Store], ann: None, team: None
) -> None:
    run("case", "open", "ann", "Oven")
    refused = run("case", "close", "CASE-2026-0001", code=2)
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert case_views.get_case(core(), "CASE-2026-0001").status == "new"
    run("case", "close", "CASE-2026-0001", "--force")
    run("case", "reopen", "CASE-2026-0001", "--reason", "still smokes")
    view = case_views.get_case(core(), "CASE-2026-0001")
    assert (view.status, view.reopen_count) == ("open", 1)
    run("case", "status", "CASE-2026-0001", "waiting")
    bad = run("case", "status", "CASE-2026-0001", "sleeping", code=2)
    assert "status" in bad.stderr
    run("case", "assign", "CASE-2026-0001", "cy", "--department", "repairs")
    view = case_views.get_case(core(), "CASE-2026-0001")
    assert (view.status, view.assignee, view.department) == ("waiting", "cy", "Repairs")


def test_an_unknown_assignee_is_exit_2_with_the_closest_and_writes_nothing(
    run: Run, core: Callable[[], Store], ann: None, team: None
) -> None:
    refused = run("case", "open", "ann", "Oven", "--assign", "bobb", code=2)
    assert "closest: bob" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert case_views.list_cases(core()) == []
    run("case", "open", "ann", "Oven")
    refused = run("case", "assign", "CASE-2026-0001", "Bob Stne", code=2)
    assert "closest: bob" in refused.stderr
    assert case_views.get_case(core(), "CASE-2026-0001").assignee == ""
    assert "assigned to bob" in run("case", "assign", "CASE-2026-0001", "Bob Stone").stdout
    view = case_views.get_case(core(), "CASE-2026-0001")
    assert (view.assignee, view.department) == ("bob", "Repairs")


def test_a_catalogue_product_is_linked_and_shown_with_its_sku(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    run("product", "add", "OVN-X2", "--name", "Oven X2", "--price", "499")
    run("case", "open", "ann", "Smokes", "--product", "ovn-x2")
    run("case", "open", "ann", "Hums", "--product", "Grandma's mixer")
    first, second = (case_views.get_case(core(), n) for n in ("CASE-2026-0001", "CASE-2026-0002"))
    assert (first.product, first.product_sku) == ("Oven X2", "OVN-X2")
    assert (second.product, second.product_id) == ("Grandma's mixer", None)
    assert "Oven X2 (OVN-X2)" in run("case", "show", "CASE-2026-0001").stdout


def test_unknown_case_is_exit_3(run: Run, ann: None) -> None:
    for args in (
        ("show",), ("reply", "--internal", "hello"), ("assign", ""), ("status", "open"),
        ("resolve",), ("close", "--force"), ("reopen",),
    ):  # fmt: skip
        result = run("case", args[0], "CASE-2026-0042", *args[1:], code=3)
        assert result.stderr.count("\n") == 1 and "CASE-2026-0042" in result.stderr, args


def test_reply_is_mailed_and_internal_is_not(
    run: Run, core: Callable[[], Store], ann: None, smtp: Server
) -> None:
    run("case", "open", "ann", "Oven")
    run("case", "reply", "CASE-2026-0001", "--internal", "checked the logs")
    assert smtp.handler.messages == []
    run("case", "reply", "CASE-2026-0001", "A technician comes tomorrow.")
    [message] = smtp.handler.parsed()
    assert message["Subject"] == "[CASE-2026-0001] Oven"
    steps = [s.kind for s in case_views.timeline(core(), "CASE-2026-0001")]
    assert steps == ["opened", "note", "reply", "status"]


def test_reply_without_a_server_is_one_line(run: Run, ann: None) -> None:
    run("case", "open", "ann", "Oven")
    result = run("case", "reply", "CASE-2026-0001", "hello", code=2)
    assert "reminders.smtp.host" in result.stderr and "Traceback" not in result.stderr


def test_agenda_and_remind_tell_of_cases_near_or_past_their_level(
    run: Run, ann: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("case", "open", "ann", "Oven smokes", "--priority", "urgent")  # first reply by 11:00
    run("case", "open", "ann", "Brochure", "--priority", "low")
    agenda = run("agenda").stdout
    assert "CASE-2026-0001" in agenda and "soon" in agenda and "Brochure" not in agenda
    first = run("remind").stdout
    assert "Cases due soon" in first and "CASE-2026-0001 Oven smokes (urgent)" in first
    monkeypatch.setenv("POCKETCRM_NOW", "2026-12-01T11:30:00+01:00")
    assert "BREACHED" in run("agenda").stdout
    second = run("remind").stdout
    assert "Cases past their service level" in second and "Cases due soon" not in second
    assert "Case" not in run("remind").stdout  # each one once
    run("case", "resolve", "CASE-2026-0001")
    assert "CASE-2026-0001" not in run("agenda").stdout


def test_report_service_section(run: Run, ann: None) -> None:
    run("case", "open", "ann", "Oven", "--product", "Oven X2")
    text = run("report", "service", "--until", "2026-12-01").stdout
    assert "Customer service" in text and "Oven X2" in text and "opened 1" in text
    data = json.loads(
        run("report", "service", "--json", "--since", "7d", "--until", "2026-12-01").stdout
    )
    assert data["opened"] == 1 and data["by_product"] == [{"key": "Oven X2", "count": 1}]


def test_report_service_by_department(run: Run, ann: None, team: None) -> None:
    run("case", "open", "ann", "Oven", "--assign", "bob")  # Bob is in Repairs
    run("case", "open", "ann", "Bill")
    lines = run("report", "service", "--by", "department", "--until", "2026-12-01").stdout
    rows = [line.split("\t") for line in lines.splitlines() if "\t" in line]
    assert rows[0][:3] == ["department", "opened", "closed"]
    assert {r[0]: r[1] for r in rows[1:]} == {"Repairs": "1", "(none)": "1"}
    data = json.loads(
        run("report", "service", "--by", "department", "--json", "--until", "2026-12-01").stdout
    )
    assert {g["key"]: g["opened"] for g in data["groups"]} == {"Repairs": 1, "(none)": 1}
    refused = run("report", "service", "--by", "colour", code=2)
    assert "by" in refused.stderr and "department" in refused.stderr
