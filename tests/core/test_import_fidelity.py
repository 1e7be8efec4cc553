"""Data fidelity on import: a worse spelling or an older value never replaces a better one
silently; what is not kept becomes an alternate (card, JSON, merge, erase, undo); a file
with no contact records is refused. Both backends, a fixed clock, file times set by hand."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from coresupport import NOW, FixedClock
from sqlalchemy import text

from pocketcrm.core.errors import Invalid
from pocketcrm.core.services.contacts import (
    ContactInput,
    ContactPatch,
    create_contact,
    get_card,
    update_contact,
)
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer import fidelity
from pocketcrm.core.transfer.exporter import export_json
from pocketcrm.core.transfer.importer import import_files, list_batches, undo_import

ZOE = "Zoë O'Brien-Åkesson"


def _file(path: Path, content: str, at: datetime) -> Path:
    """A file whose modification time is AT (the record time of a CSV's rows)."""
    path.write_text(content, encoding="utf-8")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def _dump(store: Store) -> str:
    buffer = io.StringIO()
    export_json(store, buffer)
    return buffer.getvalue()


def _alternates(store: Store, ref: str) -> set[tuple[str, str]]:
    return {(a.field, a.value) for a in get_card(store, ref).alternates}


# -- the rule -------------------------------------------------------------------------------


def test_the_richer_spelling_of_the_same_name_is_kept() -> None:
    never = lambda: fidelity.Times(None, None, None)  # noqa: E731 - asked only for times
    for worse in ("Zoe OBrien Akesson", "zoe o'brien-akesson", "ZOË O'BRIEN-ÅKESSON"):
        assert fidelity.same_name(ZOE, worse)
        assert fidelity.decide(ZOE, worse, "newer", never) == fidelity.KEEP
        assert fidelity.decide(worse, ZOE, "newer", never) == fidelity.TAKE
    assert fidelity.decide(ZOE, "Zoe Akesson", "replace", never) == fidelity.TAKE
    assert fidelity.decide("Søren Kierkegaard", "Soren Kierkegaard", "newer", never) == "keep"


def test_newer_counts_a_local_edit_only_after_the_last_import() -> None:
    edit, imported, older, newer = (NOW + timedelta(hours=h) for h in (2, 1, 0, 3))
    assert fidelity.Times(edit, imported, older).stored_is_newer()
    assert not fidelity.Times(edit, imported, newer).stored_is_newer()
    assert not fidelity.Times(imported, imported, older).stored_is_newer()  # not edited here
    assert fidelity.Times(edit, None, older).stored_is_newer()  # made here, never imported


# -- names ----------------------------------------------------------------------------------


def test_a_flattened_name_from_another_program_keeps_the_accented_one(
    store: Store, tmp_path: Path
) -> None:
    create_contact(store, ContactInput(name=ZOE, emails=["zoe@example.com"], title="Buyer"))
    later = NOW + timedelta(days=1)
    flat = _file(
        tmp_path / "outlook.csv", "Name,Email\nZoe OBrien Akesson,zoe@example.com\n", later
    )
    lower = _file(
        tmp_path / "other.csv", "Name,E-mail\nzoe o'brien-akesson,zoe@example.com\n", later
    )
    google = _file(
        tmp_path / "google.csv",
        "First Name,Last Name,E-mail 1 - Value\nZoe,obrien akesson,zoe@example.com\n",
        later,
    )
    preview = import_files(store, [flat], write=False)
    assert [(c.field, c.old, c.new, c.action) for c in preview.changes] == [
        ("display_name", ZOE, "Zoe OBrien Akesson", "keep")
    ]
    for path in (flat, lower, google):
        import_files(store, [path])
    card = get_card(store, "zoe@example.com")
    assert (card.display_name, card.given_name, card.family_name) == (
        ZOE,
        "Zoë",
        "O'Brien-Åkesson",
    )
    assert _alternates(store, "zoe@example.com") == {
        ("display_name", "Zoe OBrien Akesson"),
        ("display_name", "zoe o'brien-akesson"),
        ("display_name", "Zoe obrien akesson"),
    }
    again = import_files(store, [flat, lower, google])
    assert (again.updated, again.unchanged, again.change_count) == (0, 3, 0)


def test_a_flattened_name_with_the_same_phone_is_the_same_person(
    store: Store, tmp_path: Path
) -> None:
    create_contact(store, ContactInput(name=ZOE, phones=["+46 70 123 45 67"]))
    path = _file(tmp_path / "phone.csv", "Name,Phone\nZoe OBrien Akesson,+46701234567\n", NOW)
    report = import_files(store, [path])
    assert (report.created, report.updated) == (0, 1)
    assert report.updated_names == (
        f"{ZOE} (matched by phone +46701234567 and the name spelled otherwise)",
    )
    assert get_card(store, "+46701234567").display_name == ZOE


def test_the_richer_spelling_from_a_file_replaces_a_flattened_one(
    store: Store, tmp_path: Path
) -> None:
    create_contact(store, ContactInput(name="Zoe OBrien Akesson", emails=["zoe@example.com"]))
    path = _file(tmp_path / "a.csv", f'Name,Email\n"{ZOE}",zoe@example.com\n', NOW)
    import_files(store, [path])  # a spelling is not a local edit: the richer one wins
    card = get_card(store, "zoe@example.com")
    assert (card.display_name, card.given_name, card.family_name) == (
        ZOE,
        "Zoë",
        "O'Brien-Åkesson",
    )
    assert ("display_name", "Zoe OBrien Akesson") in _alternates(store, "zoe@example.com")


# -- newer: a local edit against an older file ----------------------------------------------


def test_a_title_and_note_edited_after_the_import_survive_an_older_file(
    store: Store, tmp_path: Path, fixed_clock: FixedClock
) -> None:
    header = "Name,Email,Title,Notes\n"
    first = _file(
        tmp_path / "a.csv", header + "Ann Lee,ann@example.com,Buyer,Met at Formex.\n", NOW
    )
    import_files(store, [first])
    fixed_clock.advance(hours=2)
    update_contact(
        store, "ann@example.com", ContactPatch(title="Head Buyer", notes="Met at Formex 2026.")
    )
    fixed_clock.advance(hours=1)
    older = _file(
        tmp_path / "b.csv",
        header + "Ann Lee,ann@example.com,Purchaser,Met at Formex.\n",
        NOW + timedelta(hours=1),  # exported before the local edit
    )
    preview = import_files(store, [older], write=False)
    assert {(c.field, c.old, c.new, c.action) for c in preview.changes} == {
        ("title", "Head Buyer", "Purchaser", "keep"),
        ("notes", "Met at Formex 2026.", "Met at Formex.", "keep"),
    }
    import_files(store, [older])
    card = get_card(store, "ann@example.com")
    assert (card.title, card.notes) == ("Head Buyer", "Met at Formex 2026.")
    assert _alternates(store, "ann@example.com") == {
        ("title", "Purchaser"),
        ("notes", "Met at Formex."),
    }
    # importing it again changes nothing: the import that kept the edit is no new baseline
    fixed_clock.advance(hours=1)
    assert import_files(store, [older]).unchanged == 1
    # a file exported after the edit wins; the edited title is kept as an alternate
    newer = _file(
        tmp_path / "c.csv",
        header + "Ann Lee,ann@example.com,Director,\n",
        NOW + timedelta(hours=2, minutes=30),
    )
    report = import_files(store, [newer])
    assert [(c.field, c.old, c.new, c.action) for c in report.changes] == [
        ("title", "Head Buyer", "Director", "replace")
    ]
    assert get_card(store, "ann@example.com").title == "Director"
    assert ("title", "Head Buyer") in _alternates(store, "ann@example.com")


def test_the_preview_lists_added_rows_and_custom_fields_follow_the_rule(
    store: Store, tmp_path: Path
) -> None:
    create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"]))
    update_contact(store, "ann@example.com", ContactPatch(set_custom={"Shoe size": "38"}))
    path = _file(
        tmp_path / "a.csv",
        "Name,Email,Phone,Shoe size\nAnn Lee,ann@example.com,+1 415 555 0101,39\n",
        NOW - timedelta(days=1),  # older than the local edit: the stored size stays
    )
    preview = import_files(store, [path], write=False)
    assert [(c.field, c.old, c.new, c.action) for c in preview.changes] == [
        ("custom: Shoe size", "38", "39", "keep"),
        ("phone", "", "+1 415 555 0101", "add"),
    ]
    import_files(store, [path])
    card = get_card(store, "ann@example.com")
    assert card.custom == {"Shoe size": "38"}
    assert [p.number for p in card.phones] == ["+1 415 555 0101"]
    assert _alternates(store, "ann@example.com") == {("custom: Shoe size", "39")}


def test_on_conflict_keep_and_replace(store: Store, tmp_path: Path) -> None:
    create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"], title="CEO"))
    path = _file(  # exported before the contact was made here: newer keeps the stored title
        tmp_path / "a.csv",
        "Name,Email,Title\nAnn Lee,ann@example.com,Founder\n",
        NOW - timedelta(hours=1),
    )
    with pytest.raises(Invalid, match="on-conflict"):
        import_files(store, [path], on_conflict="newest")
    assert import_files(store, [path], write=False).changes[0].action == "keep"
    import_files(store, [path], on_conflict="keep")
    assert get_card(store, "ann@example.com").title == "CEO"
    import_files(store, [path], on_conflict="replace")
    assert get_card(store, "ann@example.com").title == "Founder"
    assert _alternates(store, "ann@example.com") == {("title", "Founder"), ("title", "CEO")}


def test_a_vcard_rev_is_the_record_time(
    store: Store, tmp_path: Path, fixed_clock: FixedClock
) -> None:
    create_contact(store, ContactInput(name="Ann Lee", emails=["ann@example.com"], title="CEO"))
    card = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nEMAIL:ann@example.com\nTITLE:Founder\n{}END:VCARD\n"
    )
    late = NOW + timedelta(days=1)  # the file itself is new; its card is older
    old = _file(tmp_path / "old.vcf", card.format("REV:20261130T090000Z\n"), late)
    import_files(store, [old])
    assert get_card(store, "ann@example.com").title == "CEO"
    new = _file(tmp_path / "new.vcf", card.format("REV:2026-12-01T10:00:00Z\n"), late)
    import_files(store, [new])
    assert get_card(store, "ann@example.com").title == "Founder"


# -- JSON between two databases -------------------------------------------------------------


def test_json_from_a_database_that_did_not_see_the_local_edit(
    store: Store, tmp_path: Path, fixed_clock: FixedClock
) -> None:
    one = open_store(tmp_path / "one.db")
    try:
        create_contact(one, ContactInput(name="Ann Lee", emails=["ann@example.com"], title="CEO"))
        (tmp_path / "one.json").write_text(_dump(one), encoding="utf-8")
        fixed_clock.advance(hours=1)
        import_files(store, [tmp_path / "one.json"])
        fixed_clock.advance(hours=1)
        update_contact(store, "ann@example.com", ContactPatch(title="Founder"))
        fixed_clock.advance(hours=1)
        update_contact(one, "ann@example.com", ContactPatch(department="Sales"))  # NOW+3h
        (tmp_path / "one.json").write_text(_dump(one), encoding="utf-8")
        fixed_clock.advance(hours=1)
        # the record changed after the edit here: newer; its title wins, ours is kept aside
        import_files(store, [tmp_path / "one.json"])
        card = get_card(store, "ann@example.com")
        assert (card.title, card.department) == ("CEO", "Sales")
        assert ("title", "Founder") in _alternates(store, "ann@example.com")
        fixed_clock.advance(hours=1)
        update_contact(store, "ann@example.com", ContactPatch(title="Chair"))
        fixed_clock.advance(hours=1)
        report = import_files(store, [tmp_path / "one.json"])  # older than the edit
        assert [(c.field, c.old, c.new, c.action) for c in report.changes] == [
            ("title", "Chair", "CEO", "keep")
        ]
        assert get_card(store, "ann@example.com").title == "Chair"
        assert import_files(store, [tmp_path / "one.json"]).unchanged == 1
    finally:
        one.close()


def test_alternates_travel_in_json_and_are_undone_with_the_batch(
    store: Store, tmp_path: Path
) -> None:
    create_contact(store, ContactInput(name=ZOE, emails=["zoe@example.com"], title="CEO"))
    before = _dump(store)
    flat = _file(tmp_path / "b.csv", "Name,Email\nZoe OBrien-Akesson,zoe@example.com\n", NOW)
    report = import_files(store, [flat])
    assert report.alternates == 1 and _dump(store) != before
    exported = json.loads(_dump(store))
    assert exported["contacts"][0]["alternates"] == [
        {
            "field": "display_name",
            "value": "Zoe OBrien-Akesson",
            "source": "b.csv",
            "recorded_at": "2026-12-01T09:00:00.000000Z",
        }
    ]
    copy = open_store(tmp_path / "copy.db")
    try:
        (tmp_path / "all.json").write_text(_dump(store), encoding="utf-8")
        import_files(copy, [tmp_path / "all.json"])
        assert _dump(copy) == _dump(store)
        assert import_files(copy, [tmp_path / "all.json"]).unchanged == 1
        undo_import(copy)  # the alternates of a contact the import made go with it
        undo_import(copy)
        with copy.read() as session:
            assert session.execute(text("SELECT count(*) FROM contact_alternate")).scalar() == 0
    finally:
        copy.close()
    assert report.batch_id is not None
    undo_import(store, report.batch_id)
    assert _dump(store) == before


def test_merge_carries_alternates_and_erase_removes_them(store: Store, tmp_path: Path) -> None:
    from pocketcrm.core.services.dupes import merge_contacts, undo_merge
    from pocketcrm.core.transfer.people import erase_person, export_person

    create_contact(store, ContactInput(name=ZOE, emails=["zoe@example.com"]))
    other = create_contact(store, ContactInput(name="Zoe Åkesson", emails=["z@work.example"]))
    path = _file(tmp_path / "a.csv", "Name,Email\nZOE AKESSON,z@work.example\n", NOW)
    import_files(store, [path])
    assert _alternates(store, "z@work.example") == {("display_name", "ZOE AKESSON")}
    merged = merge_contacts(store, "zoe@example.com", f"#{other.id}")
    assert {(a.field, a.value) for a in merged.kept.alternates} == {("display_name", "ZOE AKESSON")}
    undo_merge(store, merged.merge_id)
    assert _alternates(store, "zoe@example.com") == set()
    merge_contacts(store, "zoe@example.com", f"#{other.id}")
    person = export_person(store, "zoe@example.com")
    assert person.document["contact"]["alternates"][0]["value"] == "ZOE AKESSON"
    erase_person(store, "zoe@example.com")
    with store.read() as session:
        assert session.execute(text("SELECT count(*) FROM contact_alternate")).scalar_one() == 0


# -- files with no contact records ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("noise.bin", bytes(range(1, 256)) * 8),
        ("numbers.json", b"[1, 2, 3]\n"),
        ("columns.csv", b"foo,bar,baz\n1,2,3\n4,5,6\n"),
    ],
    ids=["random-bytes", "json-numbers", "unknown-header"],
)
def test_a_file_with_no_contact_records_is_refused(
    store: Store, tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Invalid) as raised:
        import_files(store, [path])
    assert name in str(raised.value) and "no contact records" in str(raised.value)
    assert list_batches(store) == []
