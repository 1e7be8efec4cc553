"""What the journal of who changed what costs an import (issue 11: at most 10%).

The same Google Contacts export of ROWS people (bench_transfer.make_google_csv: emails,
phones, addresses, companies, labels) is imported into a fresh SQLite database in a fresh
process, alternately with the journal's triggers on (what pocketcrm always does) and off
(core.journal.set_enabled(False), which only this benchmark calls): the floor, measured in
the same run. Printed: the median wall time of each, the ratio, and the journal rows written.
Also what a connection pays: the set-up every command runs (the journal's functions) and the
TEMP triggers its first write transaction makes (a read-only command never makes them).

Usage: .venv/bin/python bench/bench_journal.py [ROWS] [RUNS]   (default 100000 3)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_transfer import OUT, _fresh, make_google_csv

TARGET_RATIO = 1.10

CHILD = """
import json, sys, time
from pocketcrm.core import journal
from pocketcrm.core.store import open_store
from pocketcrm.core.transfer import importer

journal.set_enabled(sys.argv[3] == "on")
store = open_store(sys.argv[1])
started = time.perf_counter()
report = importer.import_files(store, [sys.argv[2]])
wall = time.perf_counter() - started
with store.engine.connect() as conn:
    rows = conn.exec_driver_sql("SELECT count(*) FROM journal").scalar()
print(json.dumps({"created": report.created, "wall": wall, "journal_rows": rows}))
"""

INSTALL = """
import sqlite3, sys, time
from pocketcrm.core import journal
from pocketcrm.core.settings import Settings
from pocketcrm.core.store import open_store, prepare_sqlite
open_store(sys.argv[1]).close()
setup, first_write = [], []
for _ in range(100):
    conn = sqlite3.connect(sys.argv[1])
    started = time.perf_counter()
    prepare_sqlite(conn, Settings())
    setup.append(time.perf_counter() - started)
    started = time.perf_counter()
    journal.begin(conn)
    first_write.append(time.perf_counter() - started)
    conn.close()
setup.sort()
first_write.sort()
print(setup[50], first_write[50])
"""


def run_once(db: Path, source: Path, mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(_fresh(db)), str(source), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    args = sys.argv[1:]
    if any(not a.isdigit() for a in args) or len(args) > 2:
        sys.exit("usage: bench_journal.py [ROWS] [RUNS]")
    rows = int(args[0]) if args else 100_000
    runs = int(args[1]) if len(args) > 1 else 3
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"journal-google-{rows}.csv"
    if not source.exists():
        make_google_csv(source, rows)
    db = OUT / "journal.db"
    walls: dict[str, list[float]] = {"on": [], "off": []}
    journal_rows = 0
    started = time.perf_counter()
    for _ in range(runs):
        for mode in ("off", "on"):  # alternated: the machine's load falls on both alike
            result = run_once(db, source, mode)
            walls[mode].append(result["wall"])
            if mode == "on":
                journal_rows = int(result["journal_rows"])
    on, off = statistics.median(walls["on"]), statistics.median(walls["off"])
    install = subprocess.run(
        [sys.executable, "-c", INSTALL, str(_fresh(db))],
        check=True,
        capture_output=True,
        text=True,
    )
    ratio = on / off
    print(
        f"import of {rows:,} rows, median of {runs} runs each (took {time.perf_counter() - started:.0f} s)"
    )
    print(f"  journal off (floor): {off:7.2f} s   {sorted(round(w, 2) for w in walls['off'])}")
    print(f"  journal on:          {on:7.2f} s   {sorted(round(w, 2) for w in walls['on'])}")
    print(f"  ratio: {ratio:.3f}x (target <= {TARGET_RATIO}x)  journal rows: {journal_rows:,}")
    setup, first_write = (float(v) * 1000 for v in install.stdout.split())
    print(
        f"  a connection's set-up: {setup:.2f} ms; its first write makes the triggers: "
        f"{first_write:.2f} ms (reads never do)"
    )
    if ratio > TARGET_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()
