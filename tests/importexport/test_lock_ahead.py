"""Issue 9: the import's locked phase, shortened (importer/apply.py).

The new contacts' search rows are written ahead of the contacts, in short transactions of
their own, and the new rows are copied from the snapshot the import was planned on. These
tests kill a real import at each new moment (between two chunks of search rows; inside the
locked transaction) and check that nothing shows, that search is right meanwhile and after,
and that a contact added between the chunks is kept and found.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from iehelp import full_export, make_google_csv, seed

from pocketcrm.core.queries import ContactQuery
from pocketcrm.core.services import browse, contacts
from pocketcrm.core.services.contacts import ContactInput
from pocketcrm.core.store import Store
from pocketcrm.core.transfer.importer import (
    apply,
    import_files,
    list_batches,
    run,
    undo_import,
)
from pocketcrm.core.transfer.importer.apply import ReplayMismatch
from pocketcrm.core.transfer.importer.recorder import AHEAD_ROWS

ROWS = AHEAD_ROWS + 700  # two chunks of search rows
CHILD = Path(__file__).with_name("stopping_import.py")


def _scalar(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0] or 0)


def _rows_ahead(db: Path) -> int:
    """Search rows above the last contact: written ahead, their contacts not (yet)."""
    return _scalar(
        db, "SELECT count(*) FROM contact_fts WHERE rowid > (SELECT max(id) FROM contact)"
    )


def _found(store: Store, text: str) -> int:
    """What search and the interface's count say for TEXT (they must agree)."""
    hits = contacts.search_contacts(store, text, limit=ROWS * 2)
    counted = browse.contact_count(store, ContactQuery(text=text))
    assert counted == len(hits), (counted, len(hits))
    return counted


def _kill_at(db: Path, source: Path, point: str) -> None:
    """Run an import in another process until it stops itself at POINT, then SIGKILL it."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(source), point],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once it is stopped
        assert os.WIFSTOPPED(status), "the import ended before it reached " + point
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(60)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["ahead", "replay"])
def test_an_import_killed_in_its_write_leaves_nothing_visible(
    tmp_path: Path, store: Store, point: str
) -> None:
    assert store.path is not None
    db = store.path
    seed(store)
    before = full_export(store)
    source = make_google_csv(tmp_path / "people.csv", ROWS)
    _kill_at(db, source, point)
    assert _rows_ahead(db) >= AHEAD_ROWS  # killed after search rows went ahead
    assert full_export(store) == before
    assert list_batches(store) == []
    assert _scalar(db, "SELECT count(*) FROM contact WHERE display_name LIKE '%Row%'") == 0
    assert _found(store, "person1") == 0  # the rows ahead are found by no search
    assert _found(store, "ann") == 1  # the seeded Ann Lee, once
    with store.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # A contact added now takes the first id a row was written ahead for: its own row wins.
    dora = contacts.create_contact(store, ContactInput(name="Dora Newman"))
    assert _scalar(db, "SELECT count(*) FROM contact_fts WHERE rowid = " + str(dora.id)) == 1
    assert _found(store, "dora") == 1
    assert _found(store, "person") == 0
    # An import that makes no new contact clears what is left above the last one.
    assert _rows_ahead(db) > 0
    update = tmp_path / "update.csv"
    update.write_text("Name,Email,Title\nAnn Lee,ann@nordljus.se,Chair\n", encoding="utf-8")
    assert import_files(store, [update]).created == 0
    assert _rows_ahead(db) == 0
    assert _found(store, "chair") == 1
    # And the file imports completely afterwards: every row once, each found.
    assert import_files(store, [source]).created == ROWS
    assert _found(store, "person") == ROWS
    assert _found(store, f"person{ROWS - 1}") == 1
    assert _found(store, "dora") == 1
    assert _rows_ahead(db) == 0


def test_a_contact_added_between_search_chunks_is_kept_and_found(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process adds a contact while the import writes its search rows ahead: its id
    was the import's, so the import plans again; the contact keeps its own search row."""
    assert store.path is not None
    db = store.path
    source = make_google_csv(tmp_path / "people.csv", ROWS)
    real = apply.write_ahead
    calls: list[int] = []

    def beside(*args: Any, **kwargs: Any) -> bool:
        done = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            contacts.create_contact(store, ContactInput(name="Written Meanwhile"))
        return done

    monkeypatch.setattr(apply, "write_ahead", beside)
    report = import_files(store, [source])
    assert report.created == ROWS and report.batch_id is not None
    assert len(calls) > 2  # the first plan stopped at its second chunk, the next went through
    assert _scalar(db, "SELECT count(*) FROM contact") == ROWS + 1
    assert _found(store, "written meanwhile") == 1
    assert _found(store, "person") == ROWS
    assert _found(store, "person0") == 1
    assert _rows_ahead(db) == 0
    undo_import(store, report.batch_id)
    assert _found(store, "person") == 0
    assert _found(store, "written") == 1


def test_a_new_row_copied_in_the_lock_may_name_a_row_made_after_it(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person twice in one file, the second time with a company first seen there: the
    contact's row (copied as the run left it) names a company written after it. Replayed,
    not run again inside the lock."""
    source = make_google_csv(tmp_path / "people.csv", 2100)
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].split(",")
    again = list(first)
    again[6] = "Later Company"
    source.write_text("".join([*lines, ",".join(again)]), encoding="utf-8")
    outcomes: list[object] = []
    real = apply.apply

    def watched(*args: Any) -> bool:
        try:
            done = real(*args)
        except ReplayMismatch:  # then run again inside the lock: correct, and long
            outcomes.append("mismatch")
            raise
        outcomes.append(done)
        return done

    monkeypatch.setattr(run, "apply", watched)
    report = import_files(store, [source])
    assert outcomes == [True]  # replayed at the first try
    assert report.created == 2100
    card = contacts.get_card(store, "person0@example.com")
    assert card.company is not None and card.company.name == "Later Company"
    assert _found(store, "later") == 1
