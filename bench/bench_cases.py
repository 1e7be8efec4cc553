"""Customer service at size (issue 14).

1. `case list --breached` over 100,000 cases: a one-line command, beside the floor measured
   in the same run (a trivial Typer command opening the same database through SQLModel and
   running one query; bench/run.py). Goal: <= 1.15x the floor. It runs on the plain sqlite3
   path, so the plain floor (Typer + sqlite3 + one query) is shown beside it too. Wall and
   CPU time (user + system of the process) are both given: on a loaded machine the CPU
   ratio is the steadier one.
2. `mail fetch` of 10,000 Maildir messages (from known contacts, strangers and to the
   support address) into a 20,000-contact database, one cold process. Goal: < 10 s.

Both databases are built once (seeded) and cached under bench/out/.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, POCKETCRM, at_head, ms
from run import FLOOR, PLAIN_FLOOR

CASES = 100_000
PEOPLE = {"contacts": 20_000, "companies": 2_000, "interactions": 60_000, "follow_ups": 2_000}
MESSAGES = 10_000


def cases_database() -> Path:
    """20,000 contacts with 100,000 support cases (the demo generator's rules)."""
    OUT.mkdir(parents=True, exist_ok=True)
    master = OUT / "cases.db"
    if not master.exists():
        from pocketcrm.core.demo import generate
        from pocketcrm.core.demo_cases import generate_cases
        from pocketcrm.core.store import open_store

        started = time.perf_counter()
        building = OUT / "cases-building.db"
        store = open_store(building)
        generate(store, seed=3, **PEOPLE)
        with store.read() as session:
            have = session.connection().exec_driver_sql("SELECT count(*) FROM support_case")
            made = int(have.scalar_one())
        generate_cases(store, count=CASES - made, seed=3, days=365)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        building.rename(master)
        for suffix in ("-wal", "-shm"):
            Path(str(building) + suffix).unlink(missing_ok=True)
        print(f"built {master.name}: {CASES} cases in {time.perf_counter() - started:.1f} s")
    return at_head(master)


def fresh_copy(master: Path, name: str) -> Path:
    copy = OUT / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.copyfile(master, copy)
    return copy


def write_maildir(box: Path, db: Path) -> None:
    """MESSAGES messages: most from contacts, some to them, strangers, support mail."""
    conn = sqlite3.connect(db)
    try:
        addresses = [r[0] for r in conn.execute("SELECT address FROM contact_email LIMIT 5000")]
    finally:
        conn.close()
    rng = random.Random(14)
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    for i in range(MESSAGES):
        kind = rng.random()
        sender, to = rng.choice(addresses), "me@shop.example.com"
        if kind < 0.2:
            sender, to = "me@shop.example.com", rng.choice(addresses)
        elif kind < 0.3:
            sender = f"stranger{i}@elsewhere.example.net"
        elif kind < 0.35:
            to = "help@shop.example.com"
        body = "Hello,\n\n" + " ".join(
            rng.choice(["order", "invoice", "thanks", "price", "when"]) for _ in range(60)
        )
        raw = (
            f"From: {sender}\r\nTo: {to}\r\nSubject: Message {i}\r\nMessage-ID: <bench-{i}@x>\r\n"
            f"Date: Tue, 01 Dec 2026 08:30:00 +0000\r\n\r\n{body}\r\n"
        )
        (box / "new" / f"{1796000000 + i}.M{i}.host").write_text(raw)


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    """(wall s, CPU s, peak RSS KiB, exit code) of one cold process: its own rusage, from
    wait4 (the children's maximum would include the database builder's workers)."""
    merged = {**os.environ, **(env or {})}
    merged.pop("PYTHONDONTWRITEBYTECODE", None)  # as common.run_cold: use the bytecode
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=merged, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    problems = process.stderr.read()
    _, status, used = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"  ! {' '.join(argv[-4:])} exited {code}: {problems[-300:]!r}")
    return wall, used.ru_utime + used.ru_stime, used.ru_maxrss, code


def medians(argv: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of RUNS cold processes, after one to warm the page cache."""
    timed(argv, env)
    found = [timed(argv, env)[:2] for _ in range(runs)]
    return statistics.median(w for w, _ in found), statistics.median(c for _, c in found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    master = cases_database()
    db = str(fresh_copy(master, "cases-run.db"))
    python = sys.executable
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        floor_py = Path(tmp) / "floor.py"
        floor_py.write_text(FLOOR)
        plain_py = Path(tmp) / "plain_floor.py"
        plain_py.write_text(PLAIN_FLOOR)
        config = Path(tmp) / "config.toml"
        config.write_text(
            '[service]\nsupport_address = "help@shop.example.com"\n'
            '[mail]\naddresses = ["me@shop.example.com"]\n'
        )
        env = {"POCKETCRM_CONFIG": str(config), "POCKETCRM_DB": db}
        floor, floor_cpu = medians([python, str(floor_py), db], args.runs)
        plain, plain_cpu = medians([python, str(plain_py), db], args.runs)
        breached = medians([POCKETCRM, "case", "list", "--breached"], args.runs, env)
        first = medians([POCKETCRM, "case", "list", "--breached", "--limit", "50"], args.runs, env)
        print(f"\nfloor (Typer + SQLModel + one query): {ms(floor)}  CPU {ms(floor_cpu)}")
        print(f"plain floor (Typer + sqlite3 + one query): {ms(plain)}  CPU {ms(plain_cpu)}")
        for name, (seconds, cpu) in (
            ("case list --breached", breached),
            ("  ... --limit 50", first),
        ):
            ok = seconds / floor <= 1.15
            verdicts.append(ok)
            print(
                f"{name:<22} {ms(seconds)} {seconds / floor:6.2f}x (CPU {cpu / floor_cpu:4.2f}x; "
                f"{seconds / plain:4.2f}x the plain floor)  <= 1.15x floor {'ok' if ok else 'MISSED'}"
            )
        box = Path(tmp) / "Mail"
        write_maildir(box, Path(db))
        env["POCKETCRM_DB"] = str(fresh_copy(master, "cases-mail.db"))
        wall, cpu, peak, code = timed([POCKETCRM, "mail", "fetch", str(box)], env)
        ok = code == 0 and wall < 10
        verdicts.append(ok)
        print(
            f"{'mail fetch 10,000':<22} {ms(wall)}  CPU {cpu:.1f} s  {wall / floor:.1f} floors  "
            f"peak {peak // 1024} MiB  < 10 s {'ok' if ok else 'MISSED'}"
        )
        again, again_cpu, _, _ = timed([POCKETCRM, "mail", "fetch", str(box)], env)
        print(f"{'  again (all known)':<22} {ms(again)}  CPU {again_cpu:.1f} s")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
