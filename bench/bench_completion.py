"""Shell completion at 100,000 contacts (issue 17): one Tab, as bash asks for it.

Each figure is the median of cold whole-process runs of `pocketcrm` with the completion
variables set, beside two floors measured in the same run: a bare two-command Typer app
completing its command names (Typer's own start), and the same app completing an argument
with one sqlite3 query on the same database (the least a database-backed Tab can cost).
Goals: a contact name within 150 ms, and within 1.2x the sqlite3 floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path

from common import POCKETCRM, big_database, median_of, ms

BARE = textwrap.dedent(
    """
    import sqlite3, sys
    import typer

    def names(incomplete: str) -> list[str]:
        conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
        key = incomplete.lower()
        return [r[0] for r in conn.execute(
            "SELECT display_name FROM contact WHERE name_key >= ? AND name_key < ? "
            "AND deleted_at IS NULL ORDER BY name_key LIMIT 40", (key, key + "\\U0010ffff"))]

    app = typer.Typer()

    @app.command()
    def show(ref: str = typer.Argument(..., autocompletion=names)) -> None:
        "Show something."

    @app.command()
    def add(name: str) -> None:
        "Add something."

    app(prog_name="bare")
    """
)
GOAL_MS = 150
GOAL_RATIO = 1.2


def bash_env(line: str, var: str) -> dict[str, str]:
    """What bash's completion function hands the program for LINE."""
    return {var: "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    db = str(big_database(fresh_copy=False))  # completion only reads
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE)
        base = {"POCKETCRM_CONFIG": str(Path(tmp) / "none.toml"), "POCKETCRM_DB": db}
        runs = args.runs
        floor_names = median_of(
            [python, str(bare), db], runs, {**base, **bash_env("bare ", "_BARE_COMPLETE")}
        )
        # "Ann": Typer keeps only the values that start with what was typed, case and all
        floor = median_of(
            [python, str(bare), db], runs, {**base, **bash_env("bare show Ann", "_BARE_COMPLETE")}
        )
        cases = {
            "show ann (name prefix)": "pocketcrm show ann",
            "log-call lee (a later word)": "pocketcrm log-call lee",
            "show 4242 (id)": "pocketcrm show 4242",
            "deal move 1 (stages)": "pocketcrm deal move 1 ",
            "list --tag (tags)": "pocketcrm list --tag ",
            "command names": "pocketcrm ",
        }
        results = {
            name: median_of([POCKETCRM], runs, {**base, **bash_env(line, "_POCKETCRM_COMPLETE")})
            for name, line in cases.items()
        }
    print(f"\nfloor, bare Typer completing command names: {ms(floor_names)}")
    print(f"floor, bare Typer + one sqlite3 query:      {ms(floor)}\n")
    print(f"{'completion':<30} {'median':>10} {'ratio':>8}  goal")
    verdicts = []
    for name, seconds in results.items():
        ratio = seconds / floor
        ok = seconds * 1000 <= GOAL_MS and ratio <= GOAL_RATIO
        verdicts.append(ok)
        print(
            f"{name:<30} {ms(seconds)} {ratio:7.2f}x  <= {GOAL_MS} ms and <= {GOAL_RATIO}x "
            f"{'ok' if ok else 'MISSED'}"
        )
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
