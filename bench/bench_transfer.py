"""Import and export at 100,000 contacts.

Targets: import of a 100,000-row Google Contacts CSV (full normalisation, search index)
>= 10,000 contacts/s with peak memory <= 300 MiB; export of 100,000 contacts to JSON and to
vCard >= 20,000 contacts/s. Printed beside: reading the same file with Python's csv module,
the parser alone, and phone normalisation (phonenumbers) cold and cached.

The import runs in a fresh process (peak memory from RUSAGE_CHILDREN, which covers the
worker processes too). Wall times on a shared machine move with its load; the CPU times and
the load average are printed so a slow run can be told from a slow machine.

Usage: .venv/bin/python bench/bench_transfer.py [ROWS]
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HEADER = (
    "First Name,Middle Name,Last Name,Name Prefix,Name Suffix,Nickname,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Address 1 - Label,Address 1 - Street,Address 1 - City,Address 1 - Postal Code,"
    "Address 1 - Country\n"
)


def make_google_csv(path: Path, rows: int, seed: int = 7) -> Path:
    """A Google Contacts export of ROWS distinct people: unique emails and phones, a third
    with a second (UK) phone, companies, labels, birthdays, notes, an address."""
    rng = random.Random(seed)
    given = ["Ann", "Zoë", "Jürgen", "Hiroshi", "Ana", "Bob", "Chloé", "Dmitri", "Eve", "Fatima"]
    family = ["Lee", "Åkesson", "Müller", "Sato", "Silva", "Stone", "Dubois", "Ivanov", "Ng"]
    areas = [201, 212, 213, 305, 312, 415, 512, 617, 646, 702, 718, 917]
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(HEADER)
        writer = csv.writer(stream)
        for i in range(rows):
            phone2 = f"+44 20 7{i % 1000:03d} {i // 1000 % 10000:04d}" if i % 3 == 0 else ""
            writer.writerow(
                [
                    rng.choice(given), "", f"{rng.choice(family)}{i}", "", "", "",
                    f"Company {i % 5000}", "Buyer", "", f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
                    f"Row {i}, imported.", "* myContacts ::: Customers", "Work",
                    f"person{i}@example.com", "Mobile",
                    f"+1 {rng.choice(areas)} {200 + i % 800} {i % 10000:04d}",
                    "Work" if phone2 else "", phone2, "Home", f"{i} Main St", "Springfield",
                    f"{10000 + i % 90000}", "USA",
                ]
            )  # fmt: skip
    return path


IMPORT_CHILD = """
import json, resource, sys, time
from pocketcrm.core.store import open_store
from pocketcrm.core.transfer import importer
if sys.argv[3] == "serial":
    getattr(importer, "read", importer).PARALLEL_BYTES = 10**15  # the stage that reads
store = open_store(sys.argv[1])
started = time.perf_counter()
report = importer.import_files(store, [sys.argv[2]])
wall = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"created": report.created, "wall": wall,
                  "cpu_main": me.ru_utime + me.ru_stime,
                  "cpu_workers": kids.ru_utime + kids.ru_stime,
                  "encoding": report.sources[0].encoding, "format": report.sources[0].format}))
"""


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def measure_import(db: Path, source: Path, mode: str) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHILD, str(_fresh(db)), str(source), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_mib"] = max(peak, before) / 1024
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"google-{rows}.csv"
    if not source.exists():
        make_google_csv(source, rows)
    print(f"file: {source.name}, {source.stat().st_size / 1e6:.1f} MB, {rows} rows")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    started = time.perf_counter()
    with source.open(encoding="utf-8", newline="") as stream:
        count = sum(1 for _ in csv.reader(stream)) - 1
    plain = time.perf_counter() - started
    print(f"python csv module, read only:  {plain:6.2f} s  {count / plain:10,.0f} rows/s")

    from pocketcrm.core import validate
    from pocketcrm.core.transfer.csv_formats import read_csv
    from pocketcrm.core.transfer.encoding import open_text

    started = time.perf_counter()
    text, _ = open_text(source)
    with text:
        phones = [p.number for draft in read_csv(text) for p in draft.phones]
    parse = time.perf_counter() - started
    print(f"csv_formats.read_csv alone:    {parse:6.2f} s  {count / parse:10,.0f} rows/s")
    validate.normalize_phone.cache_clear()
    started = time.perf_counter()
    for number in phones:
        validate.normalize_phone(number, "US")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for number in phones[:4000] * (len(phones) // 4000):
        validate.normalize_phone(number, "US")
    warm = time.perf_counter() - started
    per_row = len(phones) / count
    print(
        f"phone normalisation: {len(phones)} numbers ({per_row:.2f}/row), "
        f"cold {cold / len(phones) * 1e6:.0f} us each ({count / cold:,.0f} rows/s), "
        f"cached {warm / (len(phones) // 4000 * 4000) * 1e6:.2f} us each"
    )

    db = OUT / "transfer.db"
    for mode in ("serial", "parallel"):
        result = measure_import(db, source, mode)
        rate = result["created"] / result["wall"]
        verdict = "ok" if rate >= 10_000 and result["peak_mib"] <= 300 else "BELOW TARGET"
        print(
            f"import ({mode:8}): {result['wall']:6.2f} s  {rate:10,.0f} contacts/s  "
            f"peak {result['peak_mib']:.0f} MiB  cpu main {result['cpu_main']:.1f} s "
            f"workers {result['cpu_workers']:.1f} s  [{verdict}; target 10,000/s, 300 MiB]"
        )

    from pocketcrm.core.store import open_store
    from pocketcrm.core.transfer.exporter import export

    store = open_store(db)
    for fmt, name in (("json", "export.json"), ("vcard", "export.vcf"), ("csv", "export.csv")):
        target = OUT / name
        started = time.perf_counter()
        cpu = time.process_time()
        with target.open("w", encoding="utf-8", newline="") as stream:
            exported = export(store, fmt, stream)
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu
        rate = exported / took
        verdict = "ok" if rate >= 20_000 or fmt == "csv" else "BELOW TARGET"
        print(
            f"export {fmt:5}: {took:6.2f} s  {rate:10,.0f} contacts/s  "
            f"cpu {cpu:.1f} s ({exported / cpu:,.0f}/s)  {target.stat().st_size / 1e6:.0f} MB  "
            f"[{verdict}; target 20,000/s]"
        )
    store.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
