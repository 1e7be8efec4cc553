"""How fast `pocketcrm remind` is with 100,000 follow-ups of which exactly 1,000 are due.

Builds (once, cached under bench/out/) a seeded database with pocketcrm.core.demo.generate,
then moves due dates with SQL so exactly 1,000 open follow-ups are due. Each measured run is
a new process on a fresh copy of that database (so every run really claims, prints and
marks 1,000 reminders); "cold" means a new process, with the page cache warm.

The floor, measured in the same session because this machine is noisy: a trivial Typer
command that opens the same database through SQLModel and runs one query. Goal: remind
<= 1.2x the floor. Also shown: the steady state (a run with nothing new due, which is what
cron does every 15 minutes), and both again with birthdays on (the default; the demo data
has about 90 birthdays a day among 100,000 contacts).

Run: .venv/bin/python bench/bench_remind.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POCKETCRM = str(Path(sys.executable).parent / "pocketcrm")
SIZE = {"contacts": 100_000, "companies": 10_000, "interactions": 100_000, "follow_ups": 100_000}
DUE = 1_000
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # the generator's "now" and every run's clock
GOAL = 1.2

FLOOR = textwrap.dedent(
    """
    import typer
    app = typer.Typer()

    @app.command()
    def main(db: str) -> None:
        from sqlmodel import Session, create_engine, text
        engine = create_engine("sqlite:///" + db)
        with Session(engine) as session:
            print(session.exec(text("SELECT count(*) FROM follow_up")).one())

    app()
    """
)


def db_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def master() -> Path:
    """The generated database with exactly DUE open follow-ups due at NOW (cached)."""
    OUT.mkdir(parents=True, exist_ok=True)
    from common import at_head

    path = OUT / "remind-100k.db"
    if path.exists():
        return at_head(path)
    os.environ["POCKETCRM_NOW"] = NOW.isoformat()
    from pocketcrm.core.demo import generate
    from pocketcrm.core.store import open_store

    building = OUT / "remind-100k-building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    store = open_store(building)
    generate(store, seed=11, **SIZE)
    store.close()
    conn = sqlite3.connect(building)
    with conn:
        # Every open follow-up in the future, then the first DUE of them in the past.
        conn.execute(
            "UPDATE follow_up SET due_at = strftime('%Y-%m-%d %H:%M:%S.000000', :base, "
            "'+' || (1 + id % 40) || ' days') WHERE done_at IS NULL",
            {"base": NOW.strftime("%Y-%m-%d 09:00:00")},
        )
        open_ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM follow_up WHERE done_at IS NULL ORDER BY id LIMIT :n", {"n": DUE}
            )
        ]
        conn.executemany(
            "UPDATE follow_up SET due_at = :due WHERE id = :id",
            [
                {"id": fid, "due": db_time(NOW - timedelta(hours=1 + fid % (20 * 24)))}
                for fid in open_ids
            ],
        )
        conn.execute(
            "UPDATE contact SET next_follow_up_at = (SELECT min(due_at) FROM follow_up f "
            "WHERE f.contact_id = contact.id AND f.done_at IS NULL)"
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    building.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    print(f"built {path.name} ({SIZE}) in {time.perf_counter() - started:.0f} s")
    return path


def fresh_copy(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)
    # Flush the copy to disk now: otherwise the first checkpoint's fsync inside the timed
    # run writes back the whole freshly copied file, and the bench measures the copy.
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())
    return target


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in KiB) of one whole process.

    CPU time (user + system) is shown beside wall time because other work on a shared
    machine stretches wall time but hardly changes CPU time.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {errors[-500:]!r}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def delivered(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        found = conn.execute("SELECT count(*) FROM reminder WHERE delivered_at IS NOT NULL")
        return int(found.fetchone()[0])
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="measured runs of each (median)")
    args = parser.parse_args()
    source = master()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        floor_py = tmp / "floor.py"
        floor_py.write_text(FLOOR)
        config = tmp / "config.toml"
        config.write_text('[reminders]\nchannels = ["stdout"]\nbirthdays = false\n')
        with_birthdays = tmp / "birthdays.toml"
        with_birthdays.write_text('[reminders]\nchannels = ["stdout"]\nbirthdays = true\n')
        env = {
            **os.environ,
            "POCKETCRM_NOW": NOW.isoformat(),
            "POCKETCRM_TZ": "UTC",
            "POCKETCRM_CONFIG": str(config),
            "POCKETCRM_STATE_DIR": str(tmp / "state"),
            "POCKETCRM_DATA_DIR": str(tmp / "data"),
        }
        env.pop("POCKETCRM_DB", None)
        # Installed packages ship compiled bytecode; a source checkout run with
        # PYTHONDONTWRITEBYTECODE=1 would recompile pocketcrm on every start (the floor
        # has almost no source of its own), so let the first run write it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        db = tmp / "run.db"
        remind = [POCKETCRM, "--db", str(db), "remind"]
        floor = [sys.executable, str(floor_py), str(db)]

        # Check the work is real before timing it (this run also writes the bytecode).
        fresh_copy(source, db)
        timed(remind, env)
        timed(floor, env)
        count = delivered(db)
        if count != DUE:
            raise SystemExit(f"expected {DUE} reminders delivered, got {count}")

        samples: dict[str, list[tuple[float, float, int]]] = {
            "floor": [],
            "first": [],
            "steady": [],
            "birthdays": [],
            "birthdays_steady": [],
        }
        for _ in range(args.runs):  # interleaved, so changes in machine load hit all alike
            fresh_copy(source, db)
            samples["floor"].append(timed(floor, env))
            samples["first"].append(timed(remind, env))
            samples["steady"].append(timed(remind, env))
            fresh_copy(source, db)
            defaults = {**env, "POCKETCRM_CONFIG": str(with_birthdays)}
            samples["birthdays"].append(timed(remind, defaults))
            samples["birthdays_steady"].append(timed(remind, defaults))

    def median(name: str, index: int) -> float:
        return statistics.median(sample[index] for sample in samples[name])

    labels = {
        "floor": "floor: Typer + SQLModel + one query",
        "first": f"remind, {DUE:,} due of {SIZE['follow_ups']:,}",
        "steady": "remind again, nothing new due",
        "birthdays": f"remind, {DUE:,} due + today's birthdays",
        "birthdays_steady": "  again, nothing new (birthdays on)",
    }
    print(f"pocketcrm remind: medians of {args.runs} cold runs (new process, warm page cache)")
    print(f"  {'':<44} {'wall':>8} {'ratio':>6}   {'cpu':>8} {'ratio':>6}")
    for name, label in labels.items():
        wall, cpu = median(name, 0), median(name, 1)
        print(
            f"  {label:<44} {wall * 1000:5.0f} ms {wall / median('floor', 0):5.2f}x"
            f"   {cpu * 1000:5.0f} ms {cpu / median('floor', 1):5.2f}x"
        )
    ratio = median("first", 0) / median("floor", 0)
    peak = max(sample[2] for sample in samples["first"])
    verdict = "ok" if ratio <= GOAL else "OVER"
    print(f"  goal: remind <= {GOAL}x floor (wall): {ratio:.2f}x {verdict}")
    print(f"  peak RSS of remind: {peak / 1024:.0f} MiB")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
