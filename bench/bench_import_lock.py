"""How long an import holds the write lock, and how long another writer waits for it.

Target: the locked phase of a 100,000-row import is under 2 s. While the import runs, a
probe process writes one row every 20 ms (BEGIN IMMEDIATE, as `add` or `log-call` does)
and records its longest wait: what a person typing `add` during an import feels. Printed
beside the import's whole wall time (the ratio is the share of the import that blocks
writers) and the probe's median wait (the floor, measured in the same run).

The floor of the locked phase is measured in the same run: a plain executemany of ROWS
rows into a table like contact_email (one index), in one transaction. The locked phase is
printed as a ratio to it.

The lock is held by several transactions: the replay (the longest, the one the target is
about) and, before it, the new contacts' search rows written ahead a few thousand at a time
(importer/apply.py): their number and longest are printed too, since another writer waits
for each of them. A transaction's time includes its commit; the WAL checkpoint after the
replay runs outside the lock and outside the measure (other writers do not wait for it).

Usage: .venv/bin/python bench/bench_import_lock.py [ROWS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_transfer import OUT, _fresh, make_google_csv

TARGET_LOCKED_S = 2.0

IMPORT_CHILD = """
import json, sys, time
from contextlib import contextmanager
from pocketcrm.core import store as store_module
from pocketcrm.core.store import open_store
from pocketcrm.core.transfer import importer

held = []
held_cpu = []
plain_write = store_module.Store.write

@contextmanager
def timed_write(self):
    if str(self.path) != sys.argv[1]:  # a private copy the import plans on: no lock of ours
        with plain_write(self) as session:
            yield session
        return
    with plain_write(self) as session:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield session
        finally:
            held.append(time.perf_counter() - started)
            held_cpu.append(time.process_time() - cpu)

store = open_store(sys.argv[1])
store_module.Store.write = timed_write
print("ready", flush=True)
started = time.perf_counter()
report = importer.import_files(store, [sys.argv[2]])
wall = time.perf_counter() - started
print(json.dumps({"created": report.created, "updated": report.updated, "wall": wall,
                  "held": held, "locked_cpu": max(held_cpu),
                  "cpu": time.process_time()}), flush=True)
"""

PROBE_CHILD = """
import sqlite3, sys, time
from pathlib import Path
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=600)
conn.execute("CREATE TABLE IF NOT EXISTS probe (at REAL)")
stop = Path(sys.argv[2])
waits = []
while not stop.exists():
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    waits.append(time.perf_counter() - started)
    conn.execute("INSERT INTO probe VALUES (?)", (time.time(),))
    conn.execute("COMMIT")
    time.sleep(0.02)
waits.sort()
print(max(waits), waits[len(waits) // 2], len(waits), flush=True)
"""


def floor(rows: int) -> float:
    """CPU seconds of a plain executemany of ROWS rows (the least a locked phase can cost)."""
    import sqlite3

    path = _fresh(OUT / "floor.db")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE contact_email (id INTEGER PRIMARY KEY, contact_id INTEGER, address TEXT, "
        "address_key TEXT, label TEXT, is_primary BOOLEAN)"
    )
    conn.execute("CREATE INDEX ix_email ON contact_email (address_key)")
    values = [(i, f"p{i}@example.com", f"p{i}@example.com", "work", True) for i in range(rows)]
    started = time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO contact_email (contact_id, address, address_key, label, is_primary) "
        "VALUES (?, ?, ?, ?, ?)",
        values,
    )
    conn.execute("COMMIT")
    spent = time.process_time() - started
    conn.close()
    return spent


def run(db: Path, source: Path, label: str, least: float) -> None:
    stop = OUT / "probe.stop"
    stop.unlink(missing_ok=True)
    importing = subprocess.Popen(
        [sys.executable, "-c", IMPORT_CHILD, str(db), str(source)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert importing.stdout is not None
    assert importing.stdout.readline().strip() == "ready"
    probe = subprocess.Popen(
        [sys.executable, "-c", PROBE_CHILD, str(db), str(stop)], stdout=subprocess.PIPE, text=True
    )
    result = json.loads(importing.stdout.readline())
    importing.wait()
    time.sleep(0.1)  # a last probe write after the import
    stop.touch()
    worst, median, probes = probe.communicate()[0].split()
    held = sorted(result["held"], reverse=True)
    locked, wall = held[0], result["wall"]
    verdict = "ok" if locked < TARGET_LOCKED_S else "ABOVE TARGET"
    print(
        f"{label}: created {result['created']}, updated {result['updated']}; "
        f"import {wall:6.2f} s, write lock held {locked:5.2f} s "
        f"({locked / wall:.0%} of the import) [{verdict}; target < {TARGET_LOCKED_S:g} s]"
    )
    print(
        f"  cpu: importing process {result['cpu']:.2f} s, of it in the locked phase "
        f"{result['locked_cpu']:.2f} s (a busy machine stretches wall times, not these); "
        f"{result['locked_cpu'] / least:.1f}x the floor"
    )
    if len(held) > 1:
        print(
            f"  {len(held)} write transactions: the longest above, {len(held) - 1} more of "
            f"search rows written ahead and the like (longest {held[1]:.2f} s, "
            f"{sum(held[1:]):.2f} s in all)"
        )
    print(
        f"  a writer beside it ({probes} writes): longest wait {float(worst):5.2f} s, "
        f"median {float(median) * 1000:.2f} ms (the floor)"
    )


def main() -> None:
    if len(sys.argv) > 1 and not sys.argv[1].isdigit():
        sys.exit("usage: bench/bench_import_lock.py [ROWS]  (default 100000)")
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"google-{rows}.csv"
    if not source.exists():
        make_google_csv(source, rows)
    print(f"file: {source.name}, {source.stat().st_size / 1e6:.1f} MB, {rows} rows")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    db = _fresh(OUT / "lock.db")
    from pocketcrm.core.store import open_store

    open_store(db).close()
    least = floor(rows)
    print(f"floor: a plain executemany of {rows} rows, {least:.2f} CPU-s")
    run(db, source, "into an empty database   ", least)
    run(db, source, "the same file again      ", least)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
