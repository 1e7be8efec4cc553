"""`pocketcrm history` and `pocketcrm undo` as a person types them: readable lines, JSON,
exit codes (2 for a refused undo, 3 for an unknown record), and the database read back."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from clisupport import Run

from pocketcrm.core.services import contacts, deals, history
from pocketcrm.core.store import Store


@pytest.fixture(autouse=True)
def me(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCKETCRM_OWNER", "ann")


def test_history_lines_newest_first_and_json(run: Run) -> None:
    run("add", "Ben Okafor", "-e", "ben@x.com")
    run("stage", "ben", "customer")
    out = run("history", "ben").stdout.splitlines()
    assert out[0] == "history of contact #1 Ben Okafor"
    assert out[1].startswith("  2026-12-01 10:00 ann (cli) stage: lead -> customer  [")
    assert any("contact created: Ben Okafor" in line for line in out)
    data = json.loads(run("history", "ben", "--json").stdout)
    assert data["subject"] == "contact #1 Ben Okafor"
    first = data["changes"][0]
    assert {"id", "at", "actor", "face", "table", "fields", "change", "summary"} <= set(first)
    assert first["at"] == "2026-12-01T09:00:00Z"


def test_undo_last_change_and_a_conflict(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ben Okafor")
    run("edit", "ben", "--title", "CEO")
    first = history.history(core(), "ben").changes[0].id
    run("edit", "ben", "--title", "Owner")
    refused = run("undo", str(first), code=2)
    assert refused.stdout == ""
    assert "title (changed again by ann" in refused.stderr
    assert "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert contacts.get_card(core(), "ben").title == "Owner"
    done = run("undo")  # the last change: Owner back to CEO
    assert done.stdout.startswith("undid change ")
    assert contacts.get_card(core(), "ben").title == "CEO"
    run("undo", str(first), "--force")
    assert contacts.get_card(core(), "ben").title == ""
    faces = [c.face for c in history.history(core(), "ben").changes[:2]]
    assert faces == ["undo", "undo"]


def test_deal_and_invoice_references(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ben Okafor")
    run("deal", "add", "ben", "Website", "--amount", "1200")
    deal = deals.list_deals(core())[0]
    run("deal", "move", str(deal.id), "proposal")
    out = run("history", f"deal:{deal.id}").stdout
    assert f"deal #{deal.id} stage: qualified -> proposal" in out
    run("invoice", "add", "ben", "300", "--number", "INV-7")
    run("pay", "INV-7", "100")
    out = run("history", "INV-7").stdout
    assert out.startswith("history of invoice INV-7")
    assert "payment added: 10000" in out and "invoice added: INV-7" in out


def test_unknown_references_exit_3(run: Run) -> None:
    assert "no deal matches" in run("history", "deal:9", code=3).stderr
    assert "no contact matches" in run("history", "nobody", code=3).stderr
    assert "no change matches" in run("undo", "999", code=3).stderr
    assert run("undo", code=3).stderr.strip() == (
        "pocketcrm: error: no change of yours matches 'ann'"
    )
