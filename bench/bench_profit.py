"""How fast `pocketcrm report profit` is over 100,000 orders with 400,000 lines and
1,000,000 interactions, and how fast one invoice PDF is drawn.

Builds (once, cached under bench/out/) a seeded demo database (20,000 contacts, 1,000,000
interactions) plus 100,000 orders of four lines each (core/demo_catalog.bulk_orders). Each
measured run is a new process ("cold": the page cache is warm). The floor, measured in the
same session: a trivial Typer command that opens the database through SQLModel and runs
one query. Goals: `report profit` (and --by product, which reads every line) within the
floor + 400 ms; `invoice pdf` under 1 s.

Run: .venv/bin/python bench/bench_profit.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, POCKETCRM, at_head, ms, run_cold

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SIZE = {"contacts": 20_000, "companies": 2_000, "interactions": 1_000_000, "follow_ups": 2_000}
ORDERS, LINES_EACH = 100_000, 4
GOAL_EXTRA, PDF_GOAL = 0.400, 1.0
FLOOR = textwrap.dedent(
    """
    import typer
    app = typer.Typer()

    @app.command()
    def main(db: str) -> None:
        from sqlmodel import Session, create_engine, text
        engine = create_engine("sqlite:///" + db)
        with Session(engine) as session:
            print(session.exec(text("SELECT count(*) FROM contact")).one())

    app()
    """
)


def master() -> Path:
    """The benchmark database (cached): the demo plus 100,000 orders of four lines."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "profit-100k.db"
    if path.exists():
        return at_head(path)
    os.environ["POCKETCRM_NOW"] = NOW.isoformat()
    from pocketcrm.core import demo, demo_catalog
    from pocketcrm.core.store import open_store

    building = OUT / "profit-building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    store = open_store(building)
    demo.generate(store, seed=5, **SIZE)
    rng = random.Random(5)
    draw = demo._Draw(rng, NOW, NOW - timedelta(days=365), 365 * 86400, demo._uuid_source(rng))  # noqa: SLF001
    with store.write() as session:
        from sqlalchemy import text

        offset = int(session.execute(text("SELECT coalesce(max(id), 0) FROM invoice")).scalar_one())
        tables = demo_catalog.bulk_orders(
            draw, list(range(1, SIZE["contacts"] + 1)), ORDERS, LINES_EACH, "USD"
        )
        for table, rows in tables[1:]:  # the catalogue is there already
            for row in rows:
                if table.__tablename__ == "invoice":
                    row["id"] += offset
                else:
                    row["invoice_id"] += offset
            demo._batched(session, table, rows)  # noqa: SLF001
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    store.close()
    building.rename(path)
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def timed(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """(median wall, median CPU seconds) of RUNS new processes, after one that warms the
    page cache. CPU time (user + system of the child) is shown beside the wall time: on a
    machine shared by other jobs the wall time says more about them than about us."""
    import resource
    import statistics

    run_cold(argv, env)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(run_cold(argv, env)[0])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    db = str(master())
    env = {"POCKETCRM_DB": db, "POCKETCRM_NOW": NOW.isoformat(), "POCKETCRM_TZ": "UTC"}
    with tempfile.TemporaryDirectory() as tmp:
        floor_py = Path(tmp) / "floor.py"
        floor_py.write_text(FLOOR)
        floor, floor_cpu = timed([sys.executable, str(floor_py), db], runs, env)
        print(f"floor (Typer + SQLModel + one query): {ms(floor)}  ({floor_cpu:.2f} CPU-s)")
        failed = False
        for args in (["report", "profit"], ["report", "profit", "--by", "product"],
                     ["report", "profit", "--json"]):  # fmt: skip
            seconds, cpu = timed([POCKETCRM, *args], runs, env)
            extra = seconds - floor
            ok = extra <= GOAL_EXTRA
            failed |= not ok
            print(f"{' '.join(args):<32} {ms(seconds)}  floor + {extra * 1000:.0f} ms "
                  f"(<= +{GOAL_EXTRA * 1000:.0f})  {'ok' if ok else 'SLOW'}  "
                  f"{cpu:.2f} CPU-s (floor + {(cpu - floor_cpu) * 1000:.0f} ms)")  # fmt: skip
        target = Path(tmp) / "inv.pdf"
        seconds, cpu = timed(
            [POCKETCRM, "invoice", "pdf", "ORD-B-0000001", "-o", str(target)], runs, env
        )
        ok = seconds <= PDF_GOAL
        failed |= not ok
        print(
            f"{'invoice pdf (whole process)':<32} {ms(seconds)}  (< {PDF_GOAL:.0f} s)  "
            f"{'ok' if ok else 'SLOW'}  {cpu:.2f} CPU-s"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
