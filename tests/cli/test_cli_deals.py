"""`deal add|list|show|move|won|lost|edit|rm`, `pipeline`, and the report's deal figures
(now: Tue 1 Dec 2026, 10:00 in Berlin); results read back through the core."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date

import pytest
from clisupport import NOW_TEXT, Run

from pocketcrm.core.services import deals, trash
from pocketcrm.core.store import Store


@pytest.fixture
def ann(run: Run) -> None:
    run("add", "Ann Lee", "-e", "ann@x.com", "-c", "Acme")


def test_add_with_everything(run: Run, core: Callable[[], Store], ann: None) -> None:
    run("user", "add", "sam", "--name", "Sam")
    result = run(
        "deal",
        "add",
        "ann@x.com",
        "Website redesign",
        "--amount",
        "1,250.50 EUR",
        "--stage",
        "proposal",
        "--close",
        "2026-12-24",
        "--owner",
        "Sam",
        "--note",
        "wants it by Christmas",
    )
    deal_id = int(result.stdout.strip())
    view = deals.get_deal(core(), deal_id)
    assert (view.title, view.amount_cents, view.currency) == ("Website redesign", 125050, "EUR")
    assert (view.stage, view.owner, view.company_name) == ("proposal", "sam", "Acme")
    assert view.expected_close_on == date(2026, 12, 24)
    assert view.notes == "wants it by Christmas"


def test_bad_input_exits_2_names_the_field_and_writes_nothing(
    run: Run, core: Callable[[], Store], ann: None
) -> None:
    result = run("deal", "add", "Ann", "Website", "--amount", "12.345", code=2)
    assert "amount:" in result.stderr and result.stdout == ""
    result = run("deal", "add", "Ann", "Website", "--stage", "maybe", code=2)
    assert "stage:" in result.stderr and "qualified" in result.stderr
    run("deal", "add", "Nobody Here", "Website", code=3)
    assert deals.list_deals(core()) == []


def test_move_won_lost_and_history(run: Run, core: Callable[[], Store], ann: None) -> None:
    run("deal", "add", "Ann", "Website", "--amount", "900")
    assert "moved deal #1 Website (proposal)" in run("deal", "move", "1", "proposal").stdout
    result = run("deal", "lost", "1", code=2)
    assert "reason:" in result.stderr
    run("deal", "lost", "1", "--reason", "too expensive")
    view = deals.get_deal(core(), 1)
    assert (view.stage, view.lost_reason, view.is_open) == ("lost", "too expensive", False)
    run("deal", "move", "1", "negotiation")
    run("deal", "won", "1")
    run("deal", "won", "1", code=2)  # already won
    shown = json.loads(run("deal", "show", "1", "--json").stdout)
    assert shown["stage"] == "won" and shown["closed_at"] == "2026-12-01T09:00:00Z"
    assert [(h["from_stage"], h["to_stage"]) for h in shown["history"]] == [
        ("", "qualified"),
        ("qualified", "proposal"),
        ("proposal", "lost"),
        ("lost", "negotiation"),
        ("negotiation", "won"),
    ]
    text = run("deal", "show", "1").stdout
    assert "Website" in text and "lost -> negotiation" in text and "900.00 USD" in text


def test_list_filters_json_and_csv(run: Run, ann: None) -> None:
    run("user", "add", "sam", "--name", "Sam")
    run("add", "Ben Okafor")
    run("deal", "add", "Ann", "A", "--stage", "proposal", "--owner", "Sam")
    run("deal", "add", "Ben", "B", "--close", "2027-01-10")
    run("deal", "add", "Ben", "C")
    run("deal", "won", "3")
    rows = json.loads(run("deal", "list", "--json").stdout)
    assert [r["title"] for r in rows] == ["B", "A", "C"]
    assert set(rows[0]) >= {"id", "contact_name", "amount_cents", "currency", "is_open"}
    assert [r["title"] for r in json.loads(run("deal", "list", "--open", "--json").stdout)] == [
        "B",
        "A",
    ]
    assert [
        r["title"] for r in json.loads(run("deal", "list", "--contact", "Ben", "--json").stdout)
    ] == [
        "B",
        "C",
    ]
    table = list(csv.reader(io.StringIO(run("deal", "list", "--owner", "sam", "--csv").stdout)))
    assert table[0][:3] == ["id", "stage", "title"] and [r[2] for r in table[1:]] == ["A"]


def test_edit_and_rm_and_restore(run: Run, core: Callable[[], Store], ann: None) -> None:
    run("deal", "add", "Ann", "Website")
    run("deal", "edit", "1", "--title", "Shop", "--amount", "300", "--close", "2027-02-01")
    view = deals.get_deal(core(), 1)
    assert (view.title, view.amount_cents, view.expected_close_on) == (
        "Shop",
        30000,
        date(2027, 2, 1),
    )
    run("deal", "edit", "1", "--amount", "lots", code=2)
    assert deals.get_deal(core(), 1).amount_cents == 30000
    assert "moved to the trash" in run("deal", "rm", "1").stdout
    assert deals.list_deals(core()) == []
    run("deal", "show", "1", code=3)
    assert [i.kind for i in trash.list_trash(core())] == ["deal"]
    run("restore", "1", "--kind", "deal")
    assert deals.get_deal(core(), 1).title == "Shop"


def test_pipeline_text_and_json(run: Run, ann: None) -> None:
    run("deal", "add", "Ann", "Small", "--amount", "100")
    run("deal", "add", "Ann", "Big", "--amount", "1000", "--stage", "negotiation")
    run("deal", "add", "Ann", "Abroad", "--amount", "50 EUR")
    board = json.loads(run("pipeline", "--json").stdout)
    assert board["currency"] == "USD" and board["other_currencies"] == 1
    assert board["stages"][0] == {
        "stage": "qualified",
        "count": 1,
        "amount_cents": 10000,
        "weighted_cents": 2500,
    }
    assert board["stages"][2]["weighted_cents"] == 75000
    text = run("pipeline").stdout
    assert "negotiation" in text and "750.00 USD" in text and "Big" in text
    assert "1 open deals in other currencies" in text


def test_report_shows_the_pipeline(run: Run, ann: None, monkeypatch: pytest.MonkeyPatch) -> None:
    run("deal", "add", "Ann", "Big", "--amount", "1000", "--stage", "negotiation")
    run("deal", "add", "Ann", "Won", "--amount", "200")
    # Won an hour ago: the report's window is [since, now), as for interactions.
    monkeypatch.setenv("POCKETCRM_NOW", "2026-12-01T09:00:00+01:00")
    run("deal", "won", "2")
    monkeypatch.setenv("POCKETCRM_NOW", NOW_TEXT)
    data = json.loads(run("report", "--json").stdout)
    assert data["pipeline_open_cents"] == 100000 and data["pipeline_weighted_cents"] == 75000
    assert data["deals_won"] == 1 and data["deals_won_cents"] == 20000
    text = run("report").stdout
    assert "Pipeline (open deals, weighted by stage)" in text and "won in period 1" in text


def test_deal_list_csv_amounts_are_numbers_with_a_currency_column(run: Run, ann: None) -> None:
    """Issue 17: a spreadsheet could not add "4,800.00 GBP"."""
    run("deal", "add", "Ann", "Boilers", "--amount", "4800 GBP")
    run("deal", "add", "Ann", "Refund", "--amount", "1234567.5")
    table = list(csv.reader(io.StringIO(run("deal", "list", "--csv").stdout)))
    assert table[0] == [
        "id",
        "stage",
        "title",
        "contact",
        "company",
        "amount",
        "currency",
        "close",
        "owner",
    ]
    assert sorted(r[5:7] for r in table[1:]) == [["1234567.50", "USD"], ["4800.00", "GBP"]]
    assert "4,800.00 GBP" in run("deal", "list").stdout


def test_the_pipeline_says_1_deal(run: Run, ann: None) -> None:
    """Issue 17: the pipeline printed "1 deals"."""
    run("deal", "add", "Ann", "Boilers", "--amount", "4800", "--stage", "proposal")
    out = run("pipeline").stdout
    assert "proposal        1 deal " in out and "qualified       0 deals" in out
    assert "1 deals" not in out
