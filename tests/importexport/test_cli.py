"""The commands: exit codes, output, files created 0600, read back through the core."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from iehelp import seed
from typer.testing import CliRunner

from pocketcrm.cli import app
from pocketcrm.core.services.contacts import get_card, list_contacts
from pocketcrm.core.store import Store, open_store

runner = CliRunner()

CSV = "Name,Email,Phone,Tags\nAnn Lee,ann@nordljus.se,+46 70 123 45 67,golf\nNew Person,new@example.com,,\n"


@pytest.fixture
def db(tmp_path: Path) -> tuple[str, Store]:
    path = tmp_path / "crm.db"
    store = open_store(path)
    seed(store)
    return str(path), store


def test_import_json_report_then_undo(db: tuple[str, Store], tmp_path: Path) -> None:
    path, store = db
    source = tmp_path / "people.csv"
    source.write_text(CSV)
    dry = runner.invoke(app, ["--db", path, "import", str(source), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    preview = json.loads(dry.output)
    assert (preview["written"], preview["created"], preview["updated"]) == (False, 1, 1)
    assert len(list_contacts(store)) == 2
    done = runner.invoke(app, ["--db", path, "import", str(source), "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["written"] and report["sources"][0]["format"] == "generic"
    assert report["sources"][0]["encoding"] == "utf-8"
    assert get_card(store, "new@example.com").display_name == "New Person"
    history = runner.invoke(app, ["--db", path, "import", "history"])
    assert history.exit_code == 0 and "generic" in history.output
    undo = runner.invoke(app, ["--db", path, "import", "undo", str(report["batch_id"])])
    assert undo.exit_code == 0, undo.output
    assert "removed 1" in undo.output and "restored 1" in undo.output
    assert get_card(store, "ann@nordljus.se").tags == ("design", "vip")
    assert len(list_contacts(store)) == 2
    again = runner.invoke(app, ["--db", path, "import", "undo", str(report["batch_id"])])
    assert again.exit_code == 2 and "already undone" in again.output


def test_import_text_preview_names_problems(db: tuple[str, Store], tmp_path: Path) -> None:
    path, _ = db
    source = tmp_path / "bad.csv"
    source.write_text("Name,Email\nOk Person,ok@example.com\n,\n,,\nBad Mail,nope\n")
    result = runner.invoke(app, ["--db", path, "import", str(source), "-n"])
    assert result.exit_code == 0, result.output
    assert "Preview (nothing written yet)" in result.output
    assert "line 4 (Bad Mail, imported): " in result.output
    assert "email 'nope' is not an email address" in result.output


@pytest.mark.parametrize(
    ("args", "marker"),
    [
        (["export", "vcard"], "BEGIN:VCARD"),
        (["export", "--format", "csv"], "Name,Prefix,Given Name"),
        (["export"], '{"format":"pocketcrm","version":1,'),
        (["export", "json", "--tag", "vip"], '"display_name":"Ann Lee"'),
    ],
)
def test_export_to_stdout(db: tuple[str, Store], args: list[str], marker: str) -> None:
    path, _ = db
    result = runner.invoke(app, ["--db", path, *args])
    assert result.exit_code == 0, result.output
    assert marker in result.output
    if "--tag" in args:
        assert "Bob Stone" not in result.output


def test_export_files_are_private(db: tuple[str, Store], tmp_path: Path) -> None:
    path, _ = db
    for fmt, name in (("json", "a.json"), ("csv", "a.csv"), ("vcard", "a.vcf")):
        target = tmp_path / name
        target.write_text("old")
        target.chmod(0o644)  # an existing world-readable file is narrowed, then overwritten
        result = runner.invoke(app, ["--db", path, "export", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert "Ann Lee" in target.read_text(encoding="utf-8")
    three = runner.invoke(
        app,
        ["--db", path, "export", "vcard", "--vcard-version", "3.0", "-o", str(tmp_path / "3.vcf")],
    )
    assert three.exit_code == 0 and "VERSION:3.0" in (tmp_path / "3.vcf").read_text()
    bad = runner.invoke(app, ["--db", path, "export", "xml"])
    assert bad.exit_code == 2


def test_export_ics(db: tuple[str, Store], tmp_path: Path) -> None:
    pytest.importorskip("pocketcrm.core.transfer.ics")
    path, _ = db
    target = tmp_path / "f.ics"
    result = runner.invoke(app, ["--db", path, "export", "ics", "-o", str(target), "--birthdays"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "BEGIN:VCALENDAR" in target.read_text(encoding="utf-8")


def test_csv_raw_round_trip_updates(db: tuple[str, Store], tmp_path: Path) -> None:
    path, _ = db
    target = tmp_path / "all.csv"
    assert (
        runner.invoke(app, ["--db", path, "export", "csv", "--raw", "-o", str(target)]).exit_code
        == 0
    )
    result = runner.invoke(app, ["--db", path, "import", str(target), "--json"])
    report = json.loads(result.output)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)


def test_dupes_merge_and_undo(db: tuple[str, Store]) -> None:
    path, store = db
    from pocketcrm.core.services import contacts

    contacts.create_contact(
        store, contacts.ContactInput(name="Robert Stone", phones=["+1 415 555 0132"])
    )
    listed = runner.invoke(app, ["--db", path, "dupes", "--json"])
    assert listed.exit_code == 0, listed.output
    pairs = json.loads(listed.output)
    assert pairs and "same phone +14155550132" in pairs[0]["reasons"]
    keep, other = pairs[0]["a"]["id"], pairs[0]["b"]["id"]
    merged = runner.invoke(app, ["--db", path, "merge", str(keep), str(other)])
    assert merged.exit_code == 0, merged.output
    assert "undo with: pocketcrm merge --undo" in merged.output
    assert len(list_contacts(store)) == 2
    undone = runner.invoke(app, ["--db", path, "merge", "--undo"])
    assert undone.exit_code == 0, undone.output
    assert len(list_contacts(store)) == 3
    none_left = runner.invoke(app, ["--db", path, "merge", "--undo"])
    assert none_left.exit_code == 3


def test_person_export_and_erase(db: tuple[str, Store], tmp_path: Path) -> None:
    path, store = db
    out = tmp_path / "dsar"
    result = runner.invoke(app, ["--db", path, "person", "export", "Ann Lee", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".vcf"]
    refused = runner.invoke(app, ["--db", path, "person", "erase", "Ann Lee"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    erased = runner.invoke(app, ["--db", path, "person", "erase", "Ann Lee", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "erased Ann Lee" in erased.output
    assert [r.display_name for r in list_contacts(store)] == ["Bob Stone"]


def test_export_filters_given_twice_combine(db: tuple[str, Store], tmp_path: Path) -> None:
    """Issue 17: a repeated filter kept only the last value; tags AND, stages OR."""
    path, _ = db
    both = runner.invoke(app, ["--db", path, "export", "json", "--tag", "vip", "--tag", "design"])
    assert both.exit_code == 0 and "Ann Lee" in both.output and "Bob Stone" not in both.output
    none = runner.invoke(app, ["--db", path, "export", "json", "--tag", "vip", "--tag", "golf"])
    assert none.exit_code == 0 and "Ann Lee" not in none.output
    target = tmp_path / "either.csv"
    either = runner.invoke(
        app,
        [
            "--db",
            path,
            "export",
            "csv",
            "--stage",
            "customer",
            "--stage",
            "prospect",
            "-o",
            str(target),
        ],
    )
    assert either.exit_code == 0, either.output
    text = target.read_text(encoding="utf-8")
    assert "Ann Lee" in text and "Bob Stone" in text
    one = runner.invoke(
        app, ["--db", path, "export", "csv", "--tag", "vip", "-o", str(tmp_path / "one.csv")]
    )
    assert "wrote 1 contact to" in one.stderr
