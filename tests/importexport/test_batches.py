"""Re-import, dry run, bad rows, undo of a batch, and the lossless JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

from iehelp import full_export, seed
from sqlalchemy import text

from pocketcrm.core.services.contacts import get_card, list_contacts
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer.importer import import_files, list_batches, undo_import

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Lifecycle Stage\n"
    "1,Ann,Lee,ann@nordljus.se,+46 8 555 010 10,Nordljus AB,Founder,customer\n"
    "2,Dora,New,dora@example.com,+1 415 555 0100,Brand New Ltd,Buyer,lead\n"
)
BAD_MIDDLE = (
    "Name,Email,Phone,Notes\n"
    "Eve One,eve@example.com,+1 415 555 0101,\n"
    "Fay Two,fay@example.com,,\n"
    ",,,only a note and nothing else\n"
    "Gus Four,gus-at-example,+1 415 555 0104,\n"
    "Hal Five,hal@example.com,,\n"
)


def test_dry_run_writes_nothing(store: Store, tmp_path: Path) -> None:
    seed(store)
    before = full_export(store)
    path = tmp_path / "h.csv"
    path.write_text(HUBSPOT)
    preview = import_files(store, [path], write=False)
    assert not preview.written and preview.batch_id is None
    assert (preview.created, preview.updated, preview.companies_created) == (1, 1, 1)
    assert full_export(store) == before
    assert list_batches(store) == []


def test_bad_row_in_the_middle_is_named(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(BAD_MIDDLE)
    preview = import_files(store, [path], write=False)
    skipped = [p for p in preview.problems if p.skipped]
    assert [(p.line, p.reasons[0]) for p in skipped] == [(3, "no name, email or phone")]
    flagged = {p.line: p.reasons for p in preview.problems if not p.skipped}
    assert any("gus-at-example" in r and "not an email" in r for r in flagged[4])
    assert (preview.created, preview.skipped) == (4, 1)
    strict = None
    try:
        import_files(store, [path], strict=True)
    except Exception as exc:  # noqa: BLE001 (Invalid: nothing written; the assert says which)
        strict = str(exc)
    assert strict is not None and "line 3" in strict
    assert list_contacts(store) == []


def test_reimport_updates_and_undo_restores_exactly(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    before = full_export(store)
    path = tmp_path / "h.csv"
    path.write_text(HUBSPOT)
    report = import_files(store, [path])
    assert (report.created, report.updated, report.companies_created) == (1, 1, 1)
    ann = get_card(store, f"#{ids['ann']}")
    assert ann.title == "Founder"  # the file is newer: its non-empty values win
    assert [p.number for p in ann.phones] == ["+46 70 123 45 67", "+46 8 555 010 10"]
    assert ann.external_ids == {"hubspot": "1"}
    assert len(ann.interactions) == 1  # nothing of the contact's history is touched
    again = import_files(store, [path])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert full_export(store) != before
    result = undo_import(store, report.batch_id)
    assert (result.removed, result.restored) == (2, 1)  # Dora and Brand New Ltd; Ann
    assert full_export(store) == before
    assert list_batches(store)[1].undone_at is not None


def test_json_round_trip_into_an_empty_database_is_identical(store: Store, tmp_path: Path) -> None:
    seed(store)
    first = full_export(store)
    data = json.loads(first)
    assert {c["display_name"] for c in data["contacts"]} == {"Ann Lee", "Bob Stone", "Carl Gone"}
    path = tmp_path / "backup.json"
    path.write_text(first, encoding="utf-8")
    other = open_store(tmp_path / "other.db")
    report = import_files(other, [path])
    assert (report.created, report.companies_created) == (3, 1)
    assert full_export(other) == first
    # and importing the backup again changes nothing
    assert import_files(other, [path]).unchanged == 3
    assert full_export(other) == first
    with other.read() as session:  # the search index knows the imported people
        hits = session.execute(
            text("SELECT rowid FROM contact_fts WHERE contact_fts MATCH 'nordljus'")
        ).all()
    assert len(hits) == 1
    other.close()


def test_undo_of_json_import_removes_history_too(store: Store, tmp_path: Path) -> None:
    seed(store)
    path = tmp_path / "backup.json"
    path.write_text(full_export(store), encoding="utf-8")
    other = open_store(tmp_path / "other.db")
    empty = full_export(other)
    report = import_files(other, [path])
    undo_import(other, report.batch_id)
    assert full_export(other) == empty
    with other.read() as session:
        for table in ("interaction", "follow_up", "cadence_rule", "company", "tag", "contact"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
    other.close()


def test_imported_notes_and_custom_fields_are_searched(store: Store, tmp_path: Path) -> None:
    """Issue 9: the importer writes the index itself (or rebuilds it after a bulk load); the
    activity column comes with it: custom fields from any format, interactions from JSON."""
    from pocketcrm.core.services import activity
    from pocketcrm.core.services.contacts import (
        ContactInput,
        ContactPatch,
        create_contact,
        search_contacts,
        update_contact,
    )

    source = open_store(tmp_path / "source.db")
    create_contact(source, ContactInput(name="Łukasz Żółkiewski"))
    activity.log_interaction(
        source, "lukasz", activity.InteractionInput(notes="Unhappy with delivery")
    )
    create_contact(source, ContactInput(name="Ingrid Berg"))
    update_contact(source, "ingrid", ContactPatch(set_custom={"Colour": "Vermilion"}))
    (tmp_path / "all.json").write_text(full_export(source), encoding="utf-8")
    source.close()
    (tmp_path / "people.csv").write_text(
        "Name,Favourite\nAnn Lee,Pistachio éclair\n", encoding="utf-8"
    )

    import_files(store, [tmp_path / "all.json"])
    import_files(store, [tmp_path / "people.csv"], mapping={"Name": "name"})

    def found(words: str) -> list[str]:
        return [r.display_name for r in search_contacts(store, words)]

    assert found("unhappy") == ["Łukasz Żółkiewski"]
    assert found("lukasz") == ["Łukasz Żółkiewski"]
    assert found("vermilion") == ["Ingrid Berg"]
    assert found("eclair") == ["Ann Lee"]
