"""Big files are parsed by worker processes a chunk at a time: same result as one process,
line numbers of problems still those of the whole file, chunks never split a record."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketcrm.core.services.contacts import get_card, list_contacts
from pocketcrm.core.store import Store, open_store
from pocketcrm.core.transfer import importer
from pocketcrm.core.transfer.importer import read as reading


def _csv(path: Path, rows: int) -> Path:
    lines = ["Name,Email,Phone,Notes\n"]
    for i in range(1, rows + 1):
        if i == 1999:  # a quoted line break right at a chunk boundary
            lines.append(
                f'Person {i},p{i}@example.com,+1 415 555 {i % 10000:04d},"first\nsecond"\n'
            )
        elif i == 2700:
            lines.append(",,,nothing to import\n")
        elif i == 4100:
            lines.append(f"Person {i},broken-email,,\n")
        else:
            lines.append(f"Person {i},p{i}@example.com,+1 212 {200 + i % 700} {i % 10000:04d},\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _vcards(path: Path, cards: int) -> Path:
    out = []
    for i in range(1, cards + 1):
        out.append(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {i}\r\nEMAIL:c{i}@example.com\r\n")
        if i == 3001:
            out.append("BDAY:not-a-date\r\n")
        out.append("END:VCARD\r\n")
    path.write_text("".join(out), encoding="utf-8")
    return path


def _summary(store: Store, report: importer.ImportReport) -> object:
    rows = [(r.display_name, r.email, r.phone) for r in list_contacts(store)]
    notes = [(n.line, n.name, n.reasons, n.skipped) for n in report.problems]
    return rows, notes, (report.created, report.skipped, report.problem_count)


@pytest.mark.parametrize("kind", ["csv", "vcard"])
def test_parallel_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    source = (
        _csv(tmp_path / "big.csv", 4500) if kind == "csv" else _vcards(tmp_path / "big.vcf", 4500)
    )
    serial_store = open_store(tmp_path / "serial.db")
    monkeypatch.setattr(reading, "PARALLEL_BYTES", 10**12)
    serial = importer.import_files(serial_store, [source])
    monkeypatch.setattr(reading, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(reading, "CHUNK", 1000)
    parallel_store = open_store(tmp_path / "parallel.db")
    parallel = importer.import_files(parallel_store, [source])
    assert _summary(parallel_store, parallel) == _summary(serial_store, serial)
    if kind == "csv":
        assert get_card(parallel_store, "p1999@example.com").notes == "first\nsecond"
        assert [(n.line, n.skipped) for n in parallel.problems] == [(2700, True), (4100, False)]
        assert parallel.problems[1].reasons[0].startswith("row 4100:")
    else:
        note = parallel.problems[0]
        assert note.name == "Card 3001" and note.line == 5 * 3000 + 1  # five lines a card
        assert note.reasons[0].startswith(f"line {5 * 3000 + 5}:")
    serial_store.close()
    parallel_store.close()


def test_parallel_from_a_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The interface imports in a worker thread: workers then come from a forkserver."""
    import threading

    source = _csv(tmp_path / "big.csv", 2500)
    monkeypatch.setattr(reading, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(reading, "CHUNK", 1000)
    store = open_store(tmp_path / "threaded.db")
    found: list[importer.ImportReport] = []
    worker = threading.Thread(target=lambda: found.append(importer.import_files(store, [source])))
    worker.start()
    worker.join(120)
    assert found and found[0].created == 2500
    assert get_card(store, "p1999@example.com").notes == "first\nsecond"
    store.close()
