"""Run the README's tour on a fresh database with a fixed clock, and compare or rewrite it.

Every ```console block under "## A short tour" is a script: each `$ pocketcrm ...` line is run
in order against one new database (times in Europe/London, the clock fixed at the moment the
tour was written), and the lines after it are what it must print (stderr and stdout in the
order written). `--check` (the test suite's use) exits 1 with a diff when the README and the
program disagree; `--write` puts the program's real output into the README.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
NOW = "2026-11-26T05:00:00+00:00"
ZONE = "Europe/London"
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.S)


def tour_span(text: str) -> tuple[int, int]:
    """Where the tour section starts and ends in the README."""
    start = text.index("## A short tour")
    end = text.find("\n## ", start + 1)
    return start, len(text) if end < 0 else end


def commands(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("$ ")]


def run(command: str, env: dict[str, str]) -> str:
    """One command's output as a person sees it (stderr and stdout interleaved), each line
    without trailing blanks (an empty last column leaves a tab that editors strip)."""
    argv = shlex.split(command)
    assert argv[0] == "pocketcrm", f"the tour runs only pocketcrm commands: {command}"
    done = subprocess.run(
        [sys.executable, "-m", "pocketcrm", *argv[1:]],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        check=False,
    )
    return "".join(line.rstrip() + "\n" for line in done.stdout.splitlines())


def environment(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POCKETCRM_", "LC_", "LANG"))
    }
    env.update(
        POCKETCRM_NOW=NOW,
        POCKETCRM_TZ=ZONE,
        POCKETCRM_DATA_DIR=str(home / "data"),
        POCKETCRM_STATE_DIR=str(home / "state"),
        POCKETCRM_CONFIG=str(home / "config.toml"),
        PYTHONUNBUFFERED="1",
        PYTHONIOENCODING="utf-8",
        COLUMNS="100",
        NO_COLOR="1",
    )
    return env


def actual_tour(text: str) -> str:
    """The README's text with every tour block's output replaced by what the program prints."""
    start, end = tour_span(text)
    with tempfile.TemporaryDirectory() as home:
        env = environment(Path(home))

        def redo(found: re.Match[str]) -> str:
            lines = []
            for command in commands(found.group(2)):
                lines.append(f"$ {command}\n")
                lines.append(run(command, env))
            return found.group(1) + "".join(lines) + found.group(3)

        return text[:start] + BLOCK.sub(redo, text[start:end]) + text[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the README's tour output")
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff on a difference")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    actual = actual_tour(text)
    if args.write:
        README.write_text(actual, encoding="utf-8")
        return 0
    if actual == text:
        return 0
    diff = difflib.unified_diff(
        text.splitlines(keepends=True), actual.splitlines(keepends=True), "README.md", "actual"
    )
    sys.stdout.writelines(diff)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
