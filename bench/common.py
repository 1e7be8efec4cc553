"""Shared by the benchmark scripts: the big database, cold process timing, medians.

Figures are printed as ratios against a floor measured in the same run, because this
machine is shared and noisy; absolute milliseconds are shown for orientation only.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
POCKETCRM = str(BIN / "pocketcrm")
BIG = {"contacts": 100_000, "companies": 10_000, "interactions": 1_000_000, "follow_ups": 100_000}


def at_head(path: Path) -> Path:
    """A cached database brought to the newest schema once, here, so no timed run pays for
    the migration (and its backup) of a cache built by an earlier release."""
    import sqlite3

    from pocketcrm.core.migrations import HEAD

    conn = sqlite3.connect(path)
    try:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    if version != HEAD:
        from pocketcrm.core.store import open_store

        started = time.perf_counter()
        store = open_store(path)
        with store.engine.connect() as conn2:
            conn2.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        print(f"upgraded {path.name} {version} -> {HEAD} in {time.perf_counter() - started:.1f} s")
    return path


def big_database(fresh_copy: bool = True) -> Path:
    """The 100,000-contact database, built once (seeded) and cached under bench/out/."""
    OUT.mkdir(parents=True, exist_ok=True)
    master = OUT / "big.db"
    if not master.exists():
        from pocketcrm.core.demo import generate
        from pocketcrm.core.store import open_store

        started = time.perf_counter()
        store = open_store(OUT / "big-building.db")
        generate(store, seed=1, **BIG)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        (OUT / "big-building.db").rename(master)
        for suffix in ("-wal", "-shm"):
            Path(str(OUT / "big-building.db") + suffix).unlink(missing_ok=True)
        print(f"built {master.name}: {BIG} in {time.perf_counter() - started:.1f} s")
    at_head(master)
    if not fresh_copy:
        return master
    copy = OUT / "big-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.copyfile(master, copy)
    with copy.open("rb+") as handle:  # flushed now, not by the first timed checkpoint
        os.fsync(handle.fileno())
    return copy


def run_cold(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit code) of one whole process."""
    merged = {**os.environ, **(env or {})}
    # Installed packages ship compiled bytecode; a session that forbids writing it would make
    # pocketcrm (but not the floor's one-file script) recompile itself on every start.
    merged.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(argv, env=merged, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    if done.returncode != 0:
        print(f"  ! {' '.join(argv[-4:])} exited {done.returncode}: {done.stderr[-300:]!r}")
    return wall, peak, done.returncode


def median_of(argv: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    run_cold(argv, env)  # warm the page cache: "cold" means a new process, not a cold disk
    return statistics.median(run_cold(argv, env)[0] for _ in range(runs))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"
