"""`pocketcrm import` and data fidelity: the preview lists every changed field, --on-conflict
chooses, `show` and the interface's card list the alternates, and a file with no contact
records exits 2 without a batch. Results are read back through the core."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pocketcrm.cli import app
from pocketcrm.core.services.contacts import ContactInput, create_contact, get_card
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer.importer import list_batches

runner = CliRunner()
ZOE = "Zoë O'Brien-Åkesson"


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, Store]:
    path = tmp_path / "crm.db"
    store = open_store(path)
    create_contact(
        store,
        ContactInput(
            name=ZOE, emails=["zoe@example.com"], title="Head Buyer", notes="Met at Formex."
        ),
    )
    return str(path), store


def _older_file(path: Path, content: str) -> Path:
    """A file exported an hour ago: older than the contact made by the fixture."""
    path.write_text(content, encoding="utf-8")
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    return path


OTHER = "Name,Email,Title,Notes\nZoe OBrien Akesson,zoe@example.com,Buyer,Met at Formex.\n"


def test_preview_lists_every_changed_field_and_writes_nothing(
    db: tuple[str, Store], tmp_path: Path
) -> None:
    path, store = db
    source = _older_file(tmp_path / "other.csv", OTHER)
    text = runner.invoke(app, ["--db", path, "import", str(source), "--dry-run"])
    assert text.exit_code == 0, text.output
    assert "Field changes (2)" in text.output
    assert 'display name: keeps "Zoë O\'Brien-Åkesson"' in text.output
    assert "title: keeps 'Head Buyer' (file: 'Buyer'" in text.output
    dry = runner.invoke(
        app, ["--db", path, "import", str(source), "-n", "--json", "--on-conflict", "replace"]
    )
    assert dry.exit_code == 0, dry.output
    preview = json.loads(dry.output)
    assert preview["on_conflict"] == "replace"
    assert [(c["field"], c["old"], c["new"], c["action"]) for c in preview["changes"]] == [
        ("display_name", ZOE, "Zoe OBrien Akesson", "replace"),
        ("given_name", "Zoë", "Zoe OBrien", "replace"),
        ("family_name", "O'Brien-Åkesson", "Akesson", "replace"),
        ("title", "Head Buyer", "Buyer", "replace"),
    ]
    card = get_card(store, "zoe@example.com")
    assert (card.display_name, card.title, card.alternates) == (ZOE, "Head Buyer", ())
    assert list_batches(store) == []


def test_default_keeps_the_better_values_and_show_lists_the_others(
    db: tuple[str, Store], tmp_path: Path
) -> None:
    path, store = db
    source = _older_file(tmp_path / "other.csv", OTHER)
    done = runner.invoke(app, ["--db", path, "import", str(source), "--yes"])
    assert done.exit_code == 0, done.output
    card = get_card(store, "zoe@example.com")
    assert (card.display_name, card.given_name, card.title) == (ZOE, "Zoë", "Head Buyer")
    assert {(a.field, a.value, a.source) for a in card.alternates} == {
        ("display_name", "Zoe OBrien Akesson", "other.csv"),
        ("title", "Buyer", "other.csv"),
    }
    shown = runner.invoke(app, ["--db", path, "show", "zoe@example.com"])
    assert shown.exit_code == 0, shown.output
    assert "Other values" in shown.output
    assert "title: Buyer  other.csv" in shown.output
    assert "display name: Zoe OBrien Akesson" in shown.output
    as_json = json.loads(runner.invoke(app, ["--db", path, "show", "#1", "--json"]).output)
    assert {a["value"] for a in as_json["alternates"]} == {"Zoe OBrien Akesson", "Buyer"}
    again = runner.invoke(app, ["--db", path, "import", str(source), "--yes", "--json"])
    assert json.loads(again.output)["unchanged"] == 1


def test_on_conflict_replace_writes_the_file_values(db: tuple[str, Store], tmp_path: Path) -> None:
    path, store = db
    source = _older_file(tmp_path / "other.csv", OTHER)
    done = runner.invoke(
        app, ["--db", path, "import", str(source), "--yes", "--on-conflict", "replace"]
    )
    assert done.exit_code == 0, done.output
    card = get_card(store, "zoe@example.com")
    assert (card.display_name, card.title) == ("Zoe OBrien Akesson", "Buyer")
    assert ("title", "Head Buyer") in {(a.field, a.value) for a in card.alternates}
    bad = runner.invoke(app, ["--db", path, "import", str(source), "--on-conflict", "mine"])
    assert bad.exit_code == 2
    assert "on-conflict" in bad.output and "newer, keep, replace" in bad.output


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("noise.bin", bytes(range(1, 256)) * 8, "no row has a name, email or phone"),
        ("numbers.json", b"[1, 2, 3]\n", "none of its records is a contact"),
        ("columns.csv", b"foo,bar,baz\n1,2,3\n", "no row has a name, email or phone"),
    ],
    ids=["random-bytes", "json-numbers", "unknown-header"],
)
def test_a_file_with_no_contact_records_exits_2_without_a_batch(
    db: tuple[str, Store], tmp_path: Path, name: str, content: bytes, why: str
) -> None:
    path, store = db
    source = tmp_path / name
    source.write_bytes(content)
    result = runner.invoke(app, ["--db", path, "import", str(source), "--yes"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0] and why in lines[0]
    assert "Traceback" not in result.output
    assert list_batches(store) == []


def test_the_interface_card_lists_alternates(db: tuple[str, Store], tmp_path: Path) -> None:
    from pocketcrm.tui.screens.card import card_details

    path, store = db
    source = _older_file(tmp_path / "other.csv", OTHER)
    assert runner.invoke(app, ["--db", path, "import", str(source), "--yes"]).exit_code == 0
    shown = card_details(get_card(store, "zoe@example.com")).plain
    assert "also     title: Buyer" in shown
    assert "also     display name: Zoe OBrien Akesson" in shown
