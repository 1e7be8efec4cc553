"""The start-up and query benchmark of the everyday commands (issues: core and command set;
16, one-liners at the speed of the shell).

Builds (once) a database of 100,000 contacts, 10,000 companies, 1,000,000 interactions and
100,000 follow-ups, then prints medians of cold whole-process runs, each beside two floors
measured in the same run: a trivial Typer command that opens the same database with the
standard library's sqlite3 and runs one query (the plain floor: what a one-liner can cost),
and the same through SQLModel (the ORM floor). Goals: every everyday command (show, list,
search, agenda, add, log-call, log, follow-up, done, snooze, tag, stage) <= 1.3x the plain
floor; --help <= 1.2x a bare Typer app's --help; report over a year of 1,000,000
interactions <= ORM floor + 300 ms. Each figure shows wall and CPU time (user + system);
the goals are judged on the CPU time, since on a shared machine under load the wall time
mostly measures the queue for a core; and each everyday command is judged against the plain
floor run alternately with it, since the load drifts within a run. `--save` writes the ratios to bench/baseline.json;
later runs compare.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

from common import POCKETCRM, ROOT, big_database, ms, run_cold

PLAIN_FLOOR = textwrap.dedent(
    """
    import sqlite3
    import typer
    app = typer.Typer()

    @app.command()
    def main(db: str) -> None:
        conn = sqlite3.connect(db)
        print(conn.execute("SELECT count(*) FROM contact").fetchone()[0])

    app()
    """
)
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
BARE_HELP = textwrap.dedent(
    """
    import typer
    app = typer.Typer()

    @app.command()
    def add(name: str) -> None:
        "Add something."

    @app.command()
    def show(ref: str) -> None:
        "Show something."

    app()
    """
)
BASELINE = ROOT / "bench" / "baseline.json"


REF = "#4242"
# The everyday commands, as typed: each is timed on the same copy of the big database (the
# writes add a few rows to a million). `done` needs a new open follow-up on every run.
EVERYDAY: dict[str, list[str]] = {
    "show": ["show", REF],
    "list": ["list", "--tag", "vip", "--limit", "50"],
    "search": ["search", "Zoë Mül"],
    "agenda": ["agenda"],
    "add": ["add", "Bench Person", "--yes"],
    "log-call": ["log-call", REF, "--outcome", "reached", "--note", "bench"],
    "log": ["log", REF, "--kind", "meeting", "--note", "bench"],
    "follow-up": ["follow-up", REF, "tomorrow 9am", "--note", "bench"],
    "snooze": ["snooze", "{open}", "tomorrow 10am"],
    "tag": ["tag", REF, "+bench"],
    "stage": ["stage", REF, "customer"],
    "done": ["done", "{open}"],
}


def open_follow_ups(db: str, count: int) -> list[int]:
    """Ids of open follow-ups, one for each timed `done` (a done one cannot be done again)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT id FROM follow_up WHERE done_at IS NULL AND deleted_at IS NULL "
            "ORDER BY id LIMIT ?",
            (count,),
        ).fetchall()
    finally:
        conn.close()
    return [int(r[0]) for r in rows]


Timing = tuple[float, float]  # (wall seconds, CPU seconds: user + system) of one process


def cold(argv: list[str], env: dict[str, str] | None = None) -> Timing:
    """One whole process: its wall time and the CPU time it used. Under load the wall time
    mostly measures the queue for a core; the CPU time what the command costs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run_cold(argv, env)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(timings: list[Timing]) -> Timing:
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def median_cold(argv: list[str], runs: int, env: dict[str, str] | None = None) -> Timing:
    cold(argv, env)  # warm the page cache: "cold" means a new process, not a cold disk
    return medians([cold(argv, env) for _ in range(runs)])


def time_everyday(
    db: str, runs: int, env: dict[str, str], floor: list[str]
) -> tuple[dict[str, Timing], dict[str, Timing]]:
    """Medians of each everyday command (a fresh open follow-up for each `done`/`snooze`),
    and of the plain FLOOR run alternately with it: on a shared machine the load drifts
    within a run, and a command is judged against the floor measured beside it."""
    ids = iter(open_follow_ups(db, 2 * runs + 4))
    results, floors = {}, {}
    for name, argv in EVERYDAY.items():
        argvs = [
            [POCKETCRM, *(str(next(ids)) if a == "{open}" else a for a in argv)]
            for _ in range(runs + 1)
        ]
        cold(argvs[0], env)  # warm the page cache: "cold" means a new process, not a cold disk
        cold(floor)
        paired = [(cold(one, env), cold(floor)) for one in argvs[1:]]
        results[name] = medians([command for command, _ in paired])
        floors[name] = medians([beside for _, beside in paired])
    return results, floors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--save", action="store_true", help="write the ratios as the baseline")
    args = parser.parse_args()
    db = str(big_database())
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        floor_py = Path(tmp) / "floor.py"
        floor_py.write_text(FLOOR)
        plain_py = Path(tmp) / "plain_floor.py"
        plain_py.write_text(PLAIN_FLOOR)
        help_py = Path(tmp) / "bare_help.py"
        help_py.write_text(BARE_HELP)
        env = {"POCKETCRM_CONFIG": str(Path(tmp) / "none.toml"), "POCKETCRM_DB": db}
        runs = args.runs
        floors = {
            "plain": median_cold([python, str(plain_py), db], runs),
            "ORM": median_cold([python, str(floor_py), db], runs),
            "help": median_cold([python, str(help_py), "--help"], runs),
        }
        results, paired = time_everyday(db, runs, env, [python, str(plain_py), db])
        results["--help"] = median_cold([POCKETCRM, "--help"], runs, env)
        results["report"] = median_cold(
            [POCKETCRM, "report", "--since", "365d"], max(3, runs // 2), env
        )
    ratios, verdicts = judge(results, floors, paired)
    compare(ratios, save=args.save)
    return 0 if all(verdicts) else 1


def judge(
    results: dict[str, Timing], floors: dict[str, Timing], paired: dict[str, Timing]
) -> tuple[dict[str, float], list[bool]]:
    """Print each figure beside its floors and goal; the ratios (CPU time, to the plain floor
    for the everyday commands: the one PAIRED with it) and whether each goal was met. Wall
    times are shown for orientation: on a quiet machine the two agree."""
    orm, bare = floors["ORM"], floors["help"]
    print(f"\n{'floor':<44} {'wall':>10} {'CPU':>10}")
    plain = floors["plain"]
    print(f"{'plain: Typer + sqlite3 + one query':<44} {ms(plain[0])} {ms(plain[1])}")
    print(f"{'ORM: Typer + SQLModel + one query':<44} {ms(orm[0])} {ms(orm[1])}")
    print(f"{'bare Typer --help':<44} {ms(bare[0])} {ms(bare[1])}\n")
    print(
        f"{'command':<10} {'wall':>10} {'CPU':>10} {'/plain':>7} {'/ORM':>6} {'wall/plain':>10}  goal"
    )
    print("(an everyday command's /plain is to the plain floor run alternately with it)")
    ratios: dict[str, float] = {}
    verdicts = []
    for name, (wall, cpu) in results.items():
        plain = paired.get(name, floors["plain"])
        if name == "--help":
            ratio, goal = cpu / bare[1], "<= 1.20x bare --help"
            ok = ratio <= 1.2
        elif name == "report":
            extra = cpu - orm[1]
            ratio, goal = cpu / orm[1], f"ORM floor + {extra * 1000:.0f} ms (<= +300)"
            ok = extra <= 0.3
        else:
            ratio, goal = cpu / plain[1], "<= 1.30x plain floor"
            ok = ratio <= 1.3
        ratios[name] = round(ratio, 3)
        verdicts.append(ok)
        print(
            f"{name:<10} {ms(wall)} {ms(cpu)} {cpu / plain[1]:6.2f}x {cpu / orm[1]:5.2f}x "
            f"{wall / plain[0]:9.2f}x  {goal} {'ok' if ok else 'MISSED'}"
        )
    return ratios, verdicts


def compare(ratios: dict[str, float], *, save: bool) -> None:
    if BASELINE.exists():
        base = json.loads(BASELINE.read_text())
        print("\nagainst the baseline (ratio now / ratio then):")
        for name, ratio in ratios.items():
            if name in base:
                print(f"  {name:<10} {ratio / base[name]:.2f}")
    if save:
        BASELINE.write_text(json.dumps(ratios, indent=2) + "\n")
        print(f"saved {BASELINE}")


if __name__ == "__main__":
    sys.exit(main())
