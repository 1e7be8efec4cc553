"""The start-up and query benchmark of the everyday commands (issue: core and command set).

Builds (once) a database of 100,000 contacts, 10,000 companies, 1,000,000 interactions and
100,000 follow-ups, then prints medians of cold whole-process runs, each beside the floor
measured in the same run: a trivial Typer command that opens the same database through
SQLModel and runs one query. Goals: show/search/agenda/log-call/add <= 1.15x the floor;
--help <= 1.2x a bare Typer app's --help; report over a year of 1,000,000 interactions
<= floor + 300 ms. `--save` writes the ratios to bench/baseline.json; later runs compare.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
from pathlib import Path

from common import POCKETCRM, ROOT, big_database, median_of, ms

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
        help_py = Path(tmp) / "bare_help.py"
        help_py.write_text(BARE_HELP)
        env = {"POCKETCRM_CONFIG": str(Path(tmp) / "none.toml"), "POCKETCRM_DB": db}
        runs = args.runs
        floor = median_of([python, str(floor_py), db], runs)
        bare_help = median_of([python, str(help_py), "--help"], runs)
        ref = "#4242"
        results = {
            "show": median_of([POCKETCRM, "show", ref], runs, env),
            "search": median_of([POCKETCRM, "search", "Zoë Mül"], runs, env),
            "agenda": median_of([POCKETCRM, "agenda"], runs, env),
            "log-call": median_of(
                [POCKETCRM, "log-call", ref, "--outcome", "reached", "--note", "bench"], runs, env
            ),
            "add": median_of([POCKETCRM, "add", "Bench Person", "--yes"], runs, env),
            "--help": median_of([POCKETCRM, "--help"], runs, env),
            "report": median_of([POCKETCRM, "report", "--since", "365d"], max(3, runs // 2), env),
        }
    print(f"\nfloor (Typer + SQLModel + one query): {ms(floor)}")
    print(f"bare Typer --help:                   {ms(bare_help)}\n")
    print(f"{'command':<10} {'median':>10} {'ratio':>8}  goal")
    ratios: dict[str, float] = {}
    verdicts = []
    for name, seconds in results.items():
        if name == "--help":
            ratio, goal, ok = (
                seconds / bare_help,
                "<= 1.20x bare --help",
                seconds / bare_help <= 1.2,
            )
        elif name == "report":
            extra = seconds - floor
            ratio, goal, ok = (
                seconds / floor,
                f"floor + {extra * 1000:.0f} ms (<= +300)",
                extra <= 0.3,
            )
        else:
            ratio, goal, ok = seconds / floor, "<= 1.15x floor", seconds / floor <= 1.15
        ratios[name] = round(ratio, 3)
        verdicts.append(ok)
        print(f"{name:<10} {ms(seconds)} {ratio:7.2f}x  {goal} {'ok' if ok else 'MISSED'}")
    if BASELINE.exists():
        base = json.loads(BASELINE.read_text())
        print("\nagainst the baseline (ratio now / ratio then):")
        for name, ratio in ratios.items():
            if name in base:
                print(f"  {name:<10} {ratio / base[name]:.2f}")
    if args.save:
        BASELINE.write_text(json.dumps(ratios, indent=2) + "\n")
        print(f"saved {BASELINE}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
