"""The whole command set on a real PostgreSQL server, the way a team in team mode uses it.

Each test runs the installed `pocketcrm` as a subprocess (POCKETCRM_DB is the server's URL),
asserts on exit codes and JSON, and reads what it wrote back through the CLI: nothing here
trusts the core's Python API, so a dialect bug anywhere between the command and the server
shows up as the command a user would have typed.

A morning's CRM (two companies, three contacts) is written once through the CLI into a
database that every test copies with CREATE DATABASE ... TEMPLATE, which costs a few
milliseconds instead of five process starts. The clock is fixed with POCKETCRM_NOW and
moves through Tuesday 1 December 2026 in Berlin, so figures and due dates are exact.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import stat
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pgserver import PgServer

BIN = str(Path(sys.executable).with_name("pocketcrm"))
FIXTURES = Path(__file__).resolve().parent.parent / "transfer" / "fixtures"
GOOGLE_CSV = FIXTURES / "google.csv"
VCARD_4 = FIXTURES / "vcard_4_0.vcf"
ZONE = "Europe/Berlin"
DAY = "2026-12-01"  # a Tuesday


def at(hhmm: str, day: str = DAY) -> str:
    """A moment of the test day in Berlin (UTC+1 in December), for POCKETCRM_NOW."""
    return f"{day}T{hhmm}:00+01:00"


MORNING = at("08:30")
NOON = at("12:00")


def _explain(args: Sequence[str], done: subprocess.CompletedProcess[str]) -> str:
    """The failure as the lead needs it: the command, pocketcrm's own frames, the last lines."""
    lines = done.stderr.rstrip().splitlines()
    frames = [line.strip() for line in lines if re.search(r'File ".*/pocketcrm/', line)]
    return "\n".join(
        [
            f"`pocketcrm {shlex.join(args)}` exited {done.returncode}",
            "pocketcrm frames: " + " <- ".join(reversed(frames[-4:])),
            "stdout: " + done.stdout[-1500:],
            "stderr (last lines):",
            *lines[-14:],
        ]
    )


@dataclass
class Crm:
    """The installed CLI pointed at one database; `env` adds to the test's environment."""

    url: str
    env: dict[str, str] = field(default_factory=dict)

    def environ(self, now: str) -> dict[str, str]:
        return {
            **os.environ,
            **self.env,
            "POCKETCRM_DB": self.url,
            "POCKETCRM_NOW": now,
            "POCKETCRM_TZ": ZONE,
            "POCKETCRM_OWNER": "Me",
            "TYPER_STANDARD_TRACEBACK": "1",  # plain frames with file:line in the report
            "NO_COLOR": "1",
        }

    def start(self, args: Sequence[str], now: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [BIN, *args],
            env=self.environ(now),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, now: str = NOON, expect: int = 0) -> subprocess.CompletedProcess[str]:
        """Run one command to the end and check its exit code."""
        done = subprocess.run(
            [BIN, *args],
            env=self.environ(now),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == expect, _explain(args, done)
        return done

    def json(self, *args: str, now: str = NOON) -> Any:
        """Run one command with --json, expect success, and parse what it printed."""
        return json.loads(self.run(*args, "--json", now=now).stdout)

    def launch(
        self, *commands: Sequence[str], now: str = NOON
    ) -> list[tuple[Sequence[str], subprocess.Popen[str]]]:
        """Start --json commands without waiting for them."""
        return [(args, self.start([*args, "--json"], now)) for args in commands]

    def steps(self, *steps: tuple[str, Sequence[str]]) -> list[Any]:
        """(moment, command) pairs run at once, each at its own time: a team at work."""
        return self.finish([(args, self.start([*args, "--json"], now)) for now, args in steps])

    def together(self, *commands: Sequence[str], now: str = NOON) -> list[Any]:
        """Several --json commands at once (2 cores: half the wall time for reads)."""
        return self.finish(self.launch(*commands, now=now))

    @staticmethod
    def finish(started: Sequence[tuple[Sequence[str], subprocess.Popen[str]]]) -> list[Any]:
        """Wait for started commands; all must succeed (the message counts the failures)."""
        finished = []
        for args, process in started:
            out, errors = process.communicate(timeout=120)
            finished.append(
                subprocess.CompletedProcess(list(args), process.returncode, out, errors)
            )
        failed = [done for done in finished if done.returncode != 0]
        assert not failed, f"{len(failed)} of {len(finished)} failed; the first:\n" + _explain(
            failed[0].args, failed[0]
        )
        return [json.loads(done.stdout) for done in finished]


def names(rows: Sequence[dict[str, Any]]) -> list[str]:
    return [row["display_name"] for row in rows]


@dataclass(frozen=True)
class Morning:
    """The template database and the ids the morning's commands printed."""

    template: str
    ids: dict[str, int]


@pytest.fixture(scope="module")
def morning(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Morning:
    """Two companies and three people, entered through the CLI at 08:30.

    Module-scoped, so it runs before the autouse path fixture: its own paths keep it away
    from any real config or state folder.
    """
    home = tmp_path_factory.mktemp("pg-morning")
    name = f"crm_morning_{os.getpid()}"
    crm = Crm(
        pg_server.database(name=name),
        env={
            "POCKETCRM_DATA_DIR": str(home / "data"),
            "POCKETCRM_CONFIG": str(home / "config.toml"),
            "POCKETCRM_STATE_DIR": str(home / "state"),
        },
    )
    ids: dict[str, int] = {}
    ids["nordljus"] = crm.json(
        "company", "add", "Nordljus AB", "--kind", "customer", "--city", "Stockholm", now=MORNING
    )["id"]
    ids["fjord"] = crm.json(
        "company", "add", "Fjord Supplies AS", "--kind", "supplier", now=MORNING
    )["id"]
    ids["zoe"] = crm.json(
        "add", "Zoë Åkesson", "-e", "work:zoe@nordljus.se", "-p", "+46 70 123 45 67",
        "-c", "Nordljus AB", "--title", "CEO", "-t", "vip", "-t", "design", "--stage", "prospect",
        now=MORNING,
    )["id"]  # fmt: skip
    ids["bob"] = crm.json(
        "add", "Bob Stone", "-p", "(415) 555-0132", "-e", "bob@stone.example", "-t", "golf",
        "--stage", "lead", now=MORNING,
    )["id"]  # fmt: skip
    # Kim works here (issue 11: an owner is a user); a login on the server
    crm.run("user", "add", "kim", "--name", "Kim", "--generate", now=MORNING)
    ids["ann"] = crm.json(
        "add", "Ann Lee", "-e", "ann@fjord.no", "-c", "Fjord Supplies AS", "--stage", "customer",
        "--birthday", "1980-12-01", "--owner", "Kim", now=MORNING,
    )["id"]  # fmt: skip
    assert len({ids["zoe"], ids["bob"], ids["ann"]}) == 3
    return Morning(template=name, ids=ids)


@pytest.fixture
def crm(pg_server: PgServer, morning: Morning) -> Crm:
    """A private copy of the morning's database; paths come from the autouse fixture."""
    return Crm(pg_server.database(template=morning.template))


@pytest.fixture
def ids(morning: Morning) -> dict[str, int]:
    return morning.ids


# -- reading: list, segments, search, show -------------------------------------------------


def test_list_segments_search_show(crm: Crm, ids: dict[str, int]) -> None:
    (
        everyone, vip, leads, suppliers, zoe, akes, by_company, by_phone,
        card, companies, nordljus,
    ) = crm.together(
        ["list"], ["list", "--tag", "vip"], ["list", "--stage", "lead"],
        ["list", "--company-kind", "supplier"],
        ["search", "zoe"], ["search", "ÅKES"], ["search", "nordljus"], ["search", "0132"],
        ["show", "zoe"], ["company", "list"], ["company", "show", "nordljus"],
    )  # fmt: skip
    assert names(everyone) == ["Ann Lee", "Bob Stone", "Zoë Åkesson"]
    row = next(r for r in everyone if r["id"] == ids["zoe"])
    assert row["company"] == "Nordljus AB"
    assert row["stage"] == "prospect"
    assert row["tags"] == ["design", "vip"]
    assert row["owner"] == "Me"
    assert (row["email"], row["phone"]) == ("zoe@nordljus.se", "+46 70 123 45 67")
    assert names(vip) == ["Zoë Åkesson"]  # the segments: a tag, a stage, a kind of company
    assert names(leads) == ["Bob Stone"]
    assert names(suppliers) == ["Ann Lee"]
    assert names(zoe) == ["Zoë Åkesson"]  # accents folded: "zoe" finds "Zoë"
    assert names(akes) == ["Zoë Åkesson"]  # and "ÅKES" is a prefix of "Åkesson"
    assert names(by_company) == ["Zoë Åkesson"]
    assert names(by_phone) == ["Bob Stone"]

    assert card["id"] == ids["zoe"]
    assert (card["given_name"], card["family_name"], card["title"]) == ("Zoë", "Åkesson", "CEO")
    assert card["company"]["name"] == "Nordljus AB"
    assert [(e["address"], e["label"], e["primary"]) for e in card["emails"]] == [
        ("zoe@nordljus.se", "work", True)
    ]
    assert [p["e164"] for p in card["phones"]] == ["+46701234567"]
    assert [(h["from_stage"], h["to_stage"]) for h in card["stage_history"]] == [("", "prospect")]

    assert [(c["name"], c["kind"], c["people"]) for c in companies] == [
        ("Fjord Supplies AS", "supplier", 1),
        ("Nordljus AB", "customer", 1),
    ]
    assert (nordljus["id"], nordljus["city"]) == (ids["nordljus"], "Stockholm")
    assert names(nordljus["people"]) == ["Zoë Åkesson"]


def test_edit_tag_stage(crm: Crm, ids: dict[str, int]) -> None:
    edited, tagged, staged = crm.steps(
        (at("09:00"), ["edit", "zoe", "--title", "Art Director", "--add-email",
                       "home:zoe@example.com", "--add-phone", "+46 8 555 010 10",
                       "--set", "Shoe size=38", "--add-note", "Met at Formex."]),
        (at("09:05"), ["tag", "bob", "+vip", "-golf"]),
        (at("09:10"), ["stage", "bob", "prospect"]),
    )  # fmt: skip
    assert edited["title"] == "Art Director"
    assert (tagged["id"], staged["id"]) == (ids["bob"], ids["bob"])

    zoe, bob, vip, golf = crm.together(
        ["show", "zoe@example.com"], ["show", str(ids["bob"])], ["list", "--tag", "vip"],
        ["search", "golf"],
    )  # fmt: skip
    assert zoe["id"] == ids["zoe"]
    assert zoe["title"] == "Art Director"
    assert [e["address"] for e in zoe["emails"]] == ["zoe@nordljus.se", "zoe@example.com"]
    assert [p["e164"] for p in zoe["phones"]] == ["+46701234567", "+46855501010"]
    assert zoe["custom"] == {"Shoe size": "38"}
    assert "Met at Formex." in zoe["notes"]
    assert bob["tags"] == ["vip"]
    assert bob["stage"] == "prospect"
    assert [(h["from_stage"], h["to_stage"]) for h in bob["stage_history"]] == [
        ("", "lead"),
        ("lead", "prospect"),
    ]
    assert names(vip) == ["Bob Stone", "Zoë Åkesson"]
    assert golf == []  # the search index followed the tag change

    missing = crm.run("show", "999999", expect=3)
    assert "no contact" in missing.stderr


# -- activity: calls, meetings, notes, follow-ups, agenda, done ---------------------------


def test_calls_meetings_follow_ups_agenda_done(crm: Crm, ids: dict[str, int]) -> None:
    call, meeting, note, follow_bob = crm.steps(
        (at("09:00"), ["log-call", "zoe", "--outcome", "reached", "--satisfaction", "4",
                       "--duration", "15m", "--note", "Spring order",
                       "--follow-up", f"{DAY} 11:00"]),
        (at("09:30"), ["log", "zoe", "--kind", "meeting", "--outcome", "reached",
                       "--satisfaction", "5", "--note", "Showroom demo", "--duration", "1h"]),
        (at("09:45"), ["log", "bob", "--kind", "note", "--note", "Prefers email"]),
        (at("10:00"), ["follow-up", "bob", "2026-12-03", "-n", "Send the quote"]),
    )  # fmt: skip
    follow_zoe = call["follow_up"]
    assert follow_zoe["due_at"] == "2026-12-01T10:00:00Z"
    assert follow_zoe["all_day"] is False
    assert follow_zoe["contact_id"] == ids["zoe"]
    assert (meeting["follow_up"], note["label"]) == (None, "note with Bob Stone")
    assert (follow_bob["all_day"], follow_bob["due_at"]) == (True, "2026-12-03")  # a day

    agenda, overdue = crm.together(["agenda", "--all"], ["agenda", "--overdue"], now=NOON)
    assert [(f["id"], f["overdue"]) for f in agenda] == [
        (follow_zoe["id"], True),
        (follow_bob["id"], False),
    ]
    assert [f["contact_name"] for f in overdue] == ["Zoë Åkesson"]

    done, snoozed = crm.steps(
        (at("12:05"), ["done", str(follow_zoe["id"])]),
        (at("12:10"), ["snooze", str(follow_bob["id"]), "2026-12-04 09:00"]),
    )
    assert done["done_at"] == "2026-12-01T11:05:00Z"
    assert snoozed["snoozed_until"] == "2026-12-04T08:00:00Z"

    agenda, zoe, bob = crm.together(
        ["agenda", "--all"], ["show", "zoe"], ["show", "bob"], now=at("13:00")
    )
    assert [f["id"] for f in agenda] == [follow_bob["id"]]
    assert zoe["interaction_count"] == 2
    assert [
        (i["kind"], i["outcome"], i["satisfaction"], i["duration_s"], i["notes"])
        for i in zoe["interactions"]
    ] == [
        ("meeting", "reached", 5, 3600, "Showroom demo"),
        ("call", "reached", 4, 900, "Spring order"),
    ]
    assert zoe["last_contact_at"] == "2026-12-01T08:30:00Z"
    assert zoe["follow_ups"] == []  # the card lists open follow-ups; hers is done
    assert zoe["next_follow_up_at"] is None
    assert [i["kind"] for i in bob["interactions"]] == ["note"]
    assert bob["last_contact_at"] is None  # a note is not a contact with the person
    assert bob["next_follow_up_at"] == "2026-12-04T08:00:00Z"


# -- report ---------------------------------------------------------------------------------


def test_report_json_equals_what_was_entered(crm: Crm) -> None:
    first = crm.steps(
        (at("08:45"), ["log-call", "ann", "--at", "2026-11-20 14:00", "--outcome", "reached",
                       "--satisfaction", "3", "--owner", "Kim"]),
        (at("09:00"), ["log-call", "zoe", "--outcome", "reached", "--satisfaction", "4",
                       "--follow-up", f"{DAY} 11:00"]),
        (at("09:30"), ["log-call", "bob", "--outcome", "voicemail", "--follow-up", f"{DAY} 14:00"]),
        (at("10:00"), ["log", "zoe", "--kind", "meeting", "--outcome", "reached",
                       "--satisfaction", "5"]),
        (at("10:30"), ["log-call", "bob", "--outcome", "no_answer"]),
        (at("10:40"), ["add", "Cleo Park", "--stage", "lead"]),
    )  # fmt: skip
    # A contact added and called, then trashed: neither she nor her history counts.
    crm.steps(
        (at("10:45"), ["log-call", "cleo", "--outcome", "reached", "--satisfaction", "1",
                       "--follow-up", f"{DAY} 12:00"]),
        (at("12:00"), ["done", str(first[1]["follow_up"]["id"])]),  # an hour late
    )  # fmt: skip
    crm.json("rm", "cleo", now=at("12:30"))

    report = crm.json("report", "--since", "2026-11-16", now=at("17:00"))

    def counts(key: str) -> list[tuple[str, int]]:
        return [(c["key"], c["count"]) for c in report[key]]

    assert report["since"] == "2026-11-15T23:00:00Z"
    assert report["until"] == "2026-12-01T16:00:00Z"
    assert report["contacts_total"] == 3
    assert counts("contacts_by_stage") == [("lead", 1), ("prospect", 1), ("customer", 1)]
    assert counts("companies_by_kind") == [("customer", 1), ("supplier", 1)]
    assert counts("customers_by_company_kind") == [("supplier", 1)]
    assert report["new_contacts"] == 3
    assert report["interactions_total"] == 5
    assert counts("interactions_by_kind") == [("call", 4), ("meeting", 1)]
    assert counts("interactions_by_outcome") == [("reached", 3), ("no_answer", 1), ("voicemail", 1)]
    # calls are logged as the login that logs them (issue 11), whatever POCKETCRM_OWNER says
    assert counts("interactions_by_owner") == [("postgres", 4), ("kim", 1)]
    assert counts("calls_by_owner") == [("postgres", 3), ("kim", 1)]
    assert counts("success_rate_by_owner") == [("kim", 100), ("postgres", 33)]
    assert counts("leads_by_owner") == [("Me", 1)]
    assert report["satisfaction_average"] == 4.0
    assert report["satisfaction_count"] == 3
    assert report["follow_ups_due"] == 2
    assert report["follow_ups_overdue"] == 1
    assert report["follow_ups_done"] == 1
    assert report["follow_ups_done_on_time"] == 0
    assert counts("customers_not_contacted") == [("30", 0), ("60", 0), ("90", 0)]
    assert counts("activity_by_week") == [("2026-11-16", 1), ("2026-11-23", 0), ("2026-11-30", 4)]


# -- trash and restore ----------------------------------------------------------------------


def test_trash_and_restore(crm: Crm, ids: dict[str, int]) -> None:
    gone, _ = crm.steps(
        (at("09:00"), ["rm", "bob"]), (at("09:05"), ["company", "rm", "Fjord Supplies AS"])
    )
    assert (gone["kind"], gone["id"], gone["label"]) == ("contact", ids["bob"], "Bob Stone")

    everyone, trash, found = crm.together(["list"], ["trash"], ["search", "bob"])
    assert names(everyone) == ["Ann Lee", "Zoë Åkesson"]
    assert [(t["kind"], t["label"]) for t in trash] == [
        ("company", "Fjord Supplies AS"),  # the latest first
        ("contact", "Bob Stone"),
    ]
    assert found == []

    crm.together(["restore", "bob"], ["restore", "Fjord Supplies AS", "--kind", "company"])
    everyone, found, ann = crm.together(["list"], ["search", "bob"], ["show", "ann"])
    assert names(everyone) == ["Ann Lee", "Bob Stone", "Zoë Åkesson"]
    assert names(found) == ["Bob Stone"]
    assert ann["company"]["name"] == "Fjord Supplies AS"  # the company's people stayed

    crm.json("rm", "bob", now=at("13:00"))
    crm.run("trash", "--purge", "--yes", now=at("13:05"))
    gone = crm.run("restore", "bob", expect=3)  # purged for good
    assert "no contact" in gone.stderr


# -- import and undo ------------------------------------------------------------------------


def test_import_google_csv_and_vcard_then_undo(crm: Crm, ids: dict[str, int]) -> None:
    report = crm.json("import", str(GOOGLE_CSV), str(VCARD_4), now=at("13:00"))
    assert report["written"] is True
    assert [(s["format"], s["records"]) for s in report["sources"]] == [("google", 4), ("vcard", 2)]
    assert (report["created"], report["updated"], report["skipped"]) == (3, 1, 0)
    assert report["updated_names"] == ["Zoë Åkesson (matched by email zoe@nordljus.se)"]

    everyone, hiroshi, zoe, history = crm.together(
        ["list"], ["search", "hiroshi"], ["show", "zoe@nordljus.se"], ["import", "history"]
    )
    assert names(everyone) == [
        "Ann Lee", "Bob Stone", "Hiroshi Sato", "Kari Nordmann", "Ola Nordmann", "Zoë Åkesson",
    ]  # fmt: skip
    assert names(hiroshi) == ["Hiroshi Sato"]
    assert zoe["id"] == ids["zoe"]
    assert {"zoe@example.com", "zoe.a@nordljus.se"} <= {e["address"] for e in zoe["emails"]}
    assert "Met at Formex" in zoe["notes"]
    assert [h["id"] for h in history] == [report["batch_id"]]
    assert history[0]["undone_at"] is None
    ambiguous = crm.run("show", "nordmann", expect=4)
    assert "Kari Nordmann" in ambiguous.stderr and "Ola Nordmann" in ambiguous.stderr

    undo = crm.json("import", "undo", str(report["batch_id"]), now=at("13:30"))
    assert undo["batch_id"] == report["batch_id"]
    assert undo["changed_since"] == 0

    everyone, ola, zoe, companies = crm.together(
        ["list"], ["search", "ola"], ["show", "zoe@nordljus.se"], ["company", "list"]
    )
    assert names(everyone) == ["Ann Lee", "Bob Stone", "Zoë Åkesson"]
    assert ola == []  # the search index forgot the removed people
    assert (zoe["title"], zoe["notes"], zoe["tags"], zoe["custom"]) == (
        "CEO",
        "",
        ["design", "vip"],
        {},
    )
    assert [(e["address"], e["label"]) for e in zoe["emails"]] == [("zoe@nordljus.se", "work")]
    assert [p["number"] for p in zoe["phones"]] == ["+46 70 123 45 67"]
    assert [c["name"] for c in companies] == ["Fjord Supplies AS", "Nordljus AB"]
    again = crm.run("import", "undo", str(report["batch_id"]), expect=2)
    assert "already undone" in again.stderr


def test_import_keeps_the_better_values_and_refuses_a_file_without_records(
    crm: Crm, ids: dict[str, int], tmp_path: Path
) -> None:
    older = tmp_path / "other.csv"
    older.write_text("Name,Email,Title\nZoe Akesson,zoe@nordljus.se,Founder\n", encoding="utf-8")
    made = time.mktime((2026, 11, 30, 12, 0, 0, 0, 0, -1))  # before the morning's `add`
    os.utime(older, (made, made))
    preview = crm.json("import", str(older), "--dry-run", now=at("13:00"))
    assert [(c["field"], c["old"], c["new"], c["action"]) for c in preview["changes"]] == [
        ("display_name", "Zoë Åkesson", "Zoe Akesson", "keep"),
        ("title", "CEO", "Founder", "keep"),
    ]
    report = crm.json("import", str(older), now=at("13:00"))
    zoe = crm.json("show", "zoe@nordljus.se")
    assert (zoe["display_name"], zoe["title"]) == ("Zoë Åkesson", "CEO")
    assert {(a["field"], a["value"], a["source"]) for a in zoe["alternates"]} == {
        ("display_name", "Zoe Akesson", "other.csv"),
        ("title", "Founder", "other.csv"),
    }
    assert "title: Founder  other.csv" in crm.run("show", "zoe@nordljus.se").stdout
    replaced = crm.json("import", str(older), "--on-conflict", "replace", now=at("13:10"))
    assert crm.json("show", "zoe@nordljus.se")["title"] == "Founder"
    crm.run("import", "undo", str(replaced["batch_id"]), now=at("13:20"))
    crm.run("import", "undo", str(report["batch_id"]), now=at("13:30"))
    zoe = crm.json("show", "zoe@nordljus.se")
    assert (zoe["title"], zoe["alternates"]) == ("CEO", [])
    numbers = tmp_path / "numbers.json"
    numbers.write_text("[1, 2, 3]\n", encoding="utf-8")
    refused = crm.run("import", str(numbers), "--yes", expect=2)
    assert "numbers.json" in refused.stderr and "no contact records" in refused.stderr
    assert [b["id"] for b in crm.json("import", "history")] == [
        replaced["batch_id"],
        report["batch_id"],
    ]


# -- export ---------------------------------------------------------------------------------


def test_exports_and_json_round_trip(crm: Crm, pg_server: PgServer, tmp_path: Path) -> None:
    crm.json("follow-up", "zoe", "2026-12-02 10:00", "-n", "Send samples", now=at("09:00"))
    target = tmp_path / "crm.json"
    commands = {
        "json": ["export", "json", "-o", str(target)],
        "csv": ["export", "csv"],
        "vcard": ["export", "vcard"],
        "ics": ["export", "ics"],
        "list": ["list", "--json"],
    }
    started = {key: crm.start(args, NOON) for key, args in commands.items()}
    out: dict[str, str] = {}
    for key, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        done = subprocess.CompletedProcess(commands[key], process.returncode, stdout, stderr)
        assert done.returncode == 0, _explain(commands[key], done)
        out[key] = stdout

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["format"] == "pocketcrm"
    contacts = {c["display_name"]: c for c in data["contacts"]}
    assert sorted(contacts) == ["Ann Lee", "Bob Stone", "Zoë Åkesson"]
    zoe = contacts["Zoë Åkesson"]
    assert [e["address"] for e in zoe["emails"]] == ["zoe@nordljus.se"]
    assert zoe["tags"] == ["design", "vip"]
    assert [f["note"] for f in zoe["follow_ups"]] == ["Send samples"]
    assert sorted(c["name"] for c in data["companies"]) == ["Fjord Supplies AS", "Nordljus AB"]

    rows = {r["Name"]: r for r in csv.DictReader(io.StringIO(out["csv"]))}
    assert sorted(rows) == ["Ann Lee", "Bob Stone", "Zoë Åkesson"]
    assert rows["Zoë Åkesson"]["Email"] == "zoe@nordljus.se"
    assert rows["Zoë Åkesson"]["Company"] == "Nordljus AB"
    assert rows["Zoë Åkesson"]["Tags"] == "design, vip"
    assert rows["Bob Stone"]["Stage"] == "lead"

    assert out["vcard"].count("BEGIN:VCARD") == 3
    assert "FN:Zoë Åkesson" in out["vcard"]
    assert "zoe@nordljus.se" in out["vcard"]

    from icalendar import Calendar

    events = list(Calendar.from_ical(out["ics"]).walk("VEVENT"))
    assert len(events) == 1
    assert "Zoë Åkesson" in str(events[0]["SUMMARY"])
    assert events[0].decoded("DTSTART").isoformat() == "2026-12-02T09:00:00+00:00"

    # The lossless JSON goes into an empty database on the same server and comes back equal.
    other = Crm(pg_server.database())
    loaded = other.json("import", str(target), now=at("13:00"))
    assert (loaded["written"], loaded["created"]) == (True, 3)
    copied, source_rows = other.json("list"), json.loads(out["list"])
    assert [
        (r["display_name"], r["company"], r["stage"], r["tags"], r["email"], r["phone"])
        for r in copied
    ] == [
        (r["display_name"], r["company"], r["stage"], r["tags"], r["email"], r["phone"])
        for r in source_rows
    ]


# -- duplicates and merge -------------------------------------------------------------------


def test_dupes_merge_and_undo(crm: Crm, ids: dict[str, int]) -> None:
    twin = crm.json(
        "add", "Zoe Akesson", "-e", "zoe.a@nordljus.se", "-p", "+46701234567", "--yes",
        now=at("09:00"),
    )["id"]  # fmt: skip
    (pairs,) = crm.together(["dupes"])
    assert len(pairs) == 1
    assert {pairs[0]["a"]["id"], pairs[0]["b"]["id"]} == {ids["zoe"], twin}
    assert pairs[0]["score"] >= 70
    assert any("+46701234567" in reason for reason in pairs[0]["reasons"])

    merged = crm.json("merge", str(ids["zoe"]), str(twin), now=at("09:30"))
    assert merged["kept"]["id"] == ids["zoe"]
    assert [e["address"] for e in merged["kept"]["emails"]] == [
        "zoe@nordljus.se",
        "zoe.a@nordljus.se",
    ]
    everyone, trash, by_email, history = crm.together(
        ["list"], ["trash"], ["show", "zoe.a@nordljus.se"], ["merge", "--history"]
    )
    assert names(everyone) == ["Ann Lee", "Bob Stone", "Zoë Åkesson"]
    assert [(t["kind"], t["id"]) for t in trash] == [("contact", twin)]
    assert by_email["id"] == ids["zoe"]
    assert [(h["kept_id"], h["other_id"], h["undone"]) for h in history] == [
        (ids["zoe"], twin, False)
    ]

    undone = crm.json("merge", "--undo", now=at("10:00"))
    assert (undone["id"], undone["undone"]) == (merged["merge_id"], True)
    everyone, zoe = crm.together(["list"], ["show", str(ids["zoe"])])
    assert [(r["id"], r["email"]) for r in everyone if r["id"] in (ids["zoe"], twin)] == [
        (ids["zoe"], "zoe@nordljus.se"),
        (twin, "zoe.a@nordljus.se"),
    ]
    assert [e["address"] for e in zoe["emails"]] == ["zoe@nordljus.se"]


def test_merge_companies_and_undo(crm: Crm, ids: dict[str, int]) -> None:
    """The same firm entered twice ("Nordljus" for Bob): merged, its people move, undone."""
    twin = crm.json(
        "company", "add", "Nordljus", "--kind", "prospect", "--phone", "+46 8 555 010 00",
        now=at("09:00"),
    )["id"]  # fmt: skip
    crm.json("edit", "bob", "--company", "Nordljus", now=at("09:05"))
    merged = crm.json("merge", "--company", "Nordljus AB", "Nordljus", now=at("09:30"))
    assert merged["kept"]["id"] == ids["nordljus"]
    assert merged["kept"]["phone"] == "+46 8 555 010 00"
    assert names(merged["kept"]["people"]) == ["Bob Stone", "Zoë Åkesson"]
    (companies,) = crm.together(["company", "list"])
    assert [(c["name"], c["people"]) for c in companies] == [
        ("Fjord Supplies AS", 1),
        ("Nordljus AB", 2),
    ]

    undone = crm.json("merge", "--undo", now=at("10:00"))
    assert (undone["entity"], undone["other_id"], undone["undone"]) == ("company", twin, True)
    companies, bob = crm.together(["company", "list"], ["show", "bob"])
    assert [(c["name"], c["people"]) for c in companies] == [
        ("Fjord Supplies AS", 1),
        ("Nordljus", 1),
        ("Nordljus AB", 1),
    ]
    assert bob["company"]["name"] == "Nordljus"


# -- personal data --------------------------------------------------------------------------


def test_person_export_and_erase(crm: Crm, ids: dict[str, int], tmp_path: Path) -> None:
    crm.json("log-call", "zoe", "--outcome", "reached", "--note", "Asked to be forgotten")
    files = crm.json("person", "export", "zoe", "-o", str(tmp_path / "request"))
    record = json.loads(Path(files["json_path"]).read_text(encoding="utf-8"))
    assert record["contact"]["display_name"] == "Zoë Åkesson"
    assert [i["notes"] for i in record["contact"]["interactions"]] == ["Asked to be forgotten"]
    assert "FN:Zoë Åkesson" in Path(files["vcard_path"]).read_text(encoding="utf-8")

    refused = crm.run("person", "erase", "zoe", expect=2)  # no terminal, no --yes: nothing
    assert "--yes" in refused.stderr
    erased = crm.json("person", "erase", "zoe", "--yes", now=at("12:30"))
    assert (erased["contact_id"], erased["name"]) == (ids["zoe"], "Zoë Åkesson")
    assert erased["suppressed"] == 2  # her email and her phone
    assert erased["rows_removed"] > 0

    found, trash, everyone = crm.together(["search", "zoe"], ["trash"], ["list"], now=at("12:40"))
    assert found == [] and trash == []
    assert names(everyone) == ["Ann Lee", "Bob Stone"]
    crm.run("show", "zoe@nordljus.se", expect=3)

    # The suppression list keeps her out of a later import of the same address book.
    report = crm.json("import", str(GOOGLE_CSV), now=at("13:00"))
    assert report["suppressed"] == 1
    assert "Zoë Åkesson" not in report["updated_names"]


# -- reminders ------------------------------------------------------------------------------


def test_remind_twice_sends_once(crm: Crm) -> None:
    crm.json("follow-up", "bob", f"{DAY} 11:00", "-n", "Call back", now=MORNING)
    first = crm.run("remind", "--channel", "stdout", now=NOON).stdout
    assert "Follow up with Bob Stone - Call back" in first
    assert "Birthday: Ann Lee turns 46" in first  # Ann was born on 1 December 1980
    second = crm.run("remind", "--channel", "stdout", now=at("12:15")).stdout
    assert second == ""
    third = crm.json("remind", "--channel", "stdout", now=at("12:30"))
    assert third["delivered"] == [] and third["failed"] == []
    status = crm.json("remind", "--status", now=at("12:31"))
    assert (status["pending"], status["failing"], status["gave_up"]) == (0, 0, 0)
    assert status["last_run"] == "2026-12-01T11:30:00Z"


def test_two_reminder_runs_at_once_deliver_each_reminder_once(crm: Crm) -> None:
    crm.json("follow-up", "bob", f"{DAY} 11:00", "-n", "Call back", now=MORNING)
    crm.json("follow-up", "zoe", f"{DAY} 11:30", "-n", "Samples", now=MORNING)
    runs = crm.together(["remind", "--channel", "stdout"], ["remind", "--channel", "stdout"])
    keys = [d["key"] for run in runs for d in run["delivered"]]
    assert sorted(d["kind"] for run in runs for d in run["delivered"]) == [
        "birthday",
        "follow_up",
        "follow_up",
    ]
    assert len(keys) == len(set(keys)) == 3
    assert all(run["failed"] == [] for run in runs)


# -- several processes writing at once ------------------------------------------------------


def test_parallel_writers_all_succeed(crm: Crm, ids: dict[str, int]) -> None:
    """Twenty people added at once, all with a new tag at a new company, while four calls
    are logged with Zoë: every process succeeds, and the tag and the company exist once.

    To make the twenty transactions overlap on every run rather than when the scheduler
    happens to line them up, a transaction of the test's own holds the tag table until all
    twenty are waiting for it, then lets them go together (a slow colleague does the same).
    """
    import psycopg

    adds = [
        ["add", f"Parallel Person {n:02d}", "-e", f"p{n:02d}@example.com", "-t", "batch",
         "-c", "Harbour Bakery", "--yes"]
        for n in range(20)
    ]  # fmt: skip
    with (
        psycopg.connect(crm.url) as holder,
        psycopg.connect(crm.url, autocommit=True) as watcher,
    ):
        holder.execute("LOCK TABLE tag IN ACCESS EXCLUSIVE MODE")
        started = crm.launch(*adds, now=at("14:00"))
        deadline = time.monotonic() + 60
        waiting = 0
        while waiting < len(adds) and time.monotonic() < deadline:
            if any(process.poll() is not None for _, process in started):
                break  # one ended without waiting: its error is reported below
            time.sleep(0.05)
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
            waiting = int(row[0]) if row else 0
        started += crm.launch(
            *(["log-call", str(ids["zoe"]), "--outcome", "reached"] for _ in range(4)),
            now=at("14:00"),
        )
        holder.rollback()
    results = crm.finish(started)
    new_ids = [r["id"] for r in results[:20]]
    assert len(set(new_ids)) == 20
    assert not set(new_ids) & {ids["zoe"], ids["bob"], ids["ann"]}
    assert len({r["id"] for r in results[20:]}) == 4

    everyone, zoe, found, companies = crm.together(
        ["list"], ["show", str(ids["zoe"])], ["search", "p07"], ["company", "list"],
        now=at("14:30"),
    )  # fmt: skip
    assert len(everyone) == 23
    assert sorted(r["id"] for r in everyone if r["tags"] == ["batch"]) == sorted(new_ids)
    assert {r["company"] for r in everyone if r["id"] in new_ids} == {"Harbour Bakery"}
    assert [(c["name"], c["people"]) for c in companies if c["name"] == "Harbour Bakery"] == [
        ("Harbour Bakery", 20)
    ]
    assert zoe["interaction_count"] == 4
    assert zoe["last_contact_at"] == "2026-12-01T13:00:00Z"
    assert names(found) == ["Parallel Person 07"]


def test_first_use_by_several_people_at_once(pg_server: PgServer) -> None:
    """A team's first morning: six people run pocketcrm on the new, empty database at the
    same moment; each process finds no schema and migrates, and all six must succeed."""
    fresh = Crm(pg_server.database())
    results = fresh.together(*(["add", f"Team Member {n}", "--yes"] for n in range(6)), now=MORNING)
    assert len({r["id"] for r in results}) == 6
    assert names(fresh.json("list")) == [f"Team Member {n}" for n in range(6)]
