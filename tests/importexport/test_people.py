"""Personal-data requests: one person's export, and an erasure that leaves no trace."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from iehelp import seed

from pocketcrm.core.errors import NotFound
from pocketcrm.core.services.contacts import get_card
from pocketcrm.core.services.dupes import merge_contacts
from pocketcrm.core.store import Store
from pocketcrm.core.transfer.importer import import_files
from pocketcrm.core.transfer.people import erase_person, save_person_export

VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nEMAIL:ann@nordljus.se\r\n"
    "NOTE:Rosebud-secret-note\r\nEND:VCARD\r\n"
)


def test_person_export_has_everything(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    saved = save_person_export(store, f"#{ids['ann']}", tmp_path / "out")
    for path in (saved.json_path, saved.vcard_path):
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    document = json.loads(Path(saved.json_path).read_text(encoding="utf-8"))
    person = document["contact"]
    assert person["display_name"] == "Ann Lee"
    assert [e["address"] for e in person["emails"]] == ["ann@nordljus.se", "ann.lee@example.com"]
    assert person["interactions"][0]["notes"] == "Talked about the spring order."
    assert person["follow_ups"][0]["note"] == "Send the quote"
    assert [h["to"] for h in person["stage_history"]] == ["lead", "customer"]
    assert document["company"]["name"] == "Nordljus AB"
    card = Path(saved.vcard_path).read_text(encoding="utf-8")
    assert "FN:Ann Lee" in card and "EMAIL;TYPE=work;PREF=1:ann@nordljus.se" in card


def test_erase_leaves_no_trace_and_blocks_reimport(store: Store, tmp_path: Path) -> None:
    ids = seed(store)
    path = tmp_path / "ann.vcf"
    path.write_text(VCARD)
    import_files(store, [path])  # an import change now holds a copy of Ann's old state
    twin = import_files(store, [tmp_path / "ann.vcf"]).unchanged
    assert twin == 1
    from pocketcrm.core.services import contacts

    other = contacts.create_contact(
        store, contacts.ContactInput(name="Ann L.", emails=["al@x.example"])
    )
    merge_contacts(store, f"#{ids['ann']}", f"#{other.id}")  # a merge record holds a copy too
    erased = erase_person(store, f"#{ids['ann']}")
    assert erased.name == "Ann Lee" and erased.suppressed == 4  # 3 emails, 1 phone
    assert erased.scrubbed
    with pytest.raises(NotFound):
        get_card(store, "ann@nordljus.se")
    db = Path(str(store.path))
    wal = db.with_name(db.name + "-wal")
    data = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for needle in (
        "Ann Lee",
        "ann@nordljus.se",
        "ann.lee@example.com",
        "Rosebud-secret-note",
        "+46701234567",
        "Formex",
        "spring order",
    ):
        assert needle.encode() not in data, needle
    assert b"Bob Stone" in data  # the others are still there
    blocked = import_files(store, [path])
    assert (blocked.created, blocked.suppressed) == (0, 1)
    assert "erased" in blocked.suppressed_rows[0].reason
    allowed = import_files(store, [path], allow_suppressed=True)
    assert allowed.created == 1
