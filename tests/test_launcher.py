"""`pocketcrm tui` (and bare `pocketcrm` in a terminal) open the interface without Typer: the
launcher reads the few options itself, and leaves everything else to Typer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pocketcrm.launcher import interface_args


@pytest.mark.parametrize(
    ("argv", "terminal", "expected"),
    [
        ([], True, (None, False)),
        ([], False, None),  # piped: the root prints its help (Typer)
        (["tui"], False, (None, False)),
        (["tui", "--db", "x.db"], False, ("x.db", False)),
        (["--db", "x.db", "tui"], False, ("x.db", False)),
        (["--db=x.db"], True, ("x.db", False)),
        (["--create", "--db", "new/x.db"], True, ("new/x.db", True)),
        (["--db", "a.db", "tui", "--db", "b.db"], False, ("b.db", False)),  # tui's own wins
        (["tui", "--create"], True, None),  # --create goes before the command: Typer says so
        (["tui", "--help"], True, None),
        (["--help"], True, None),
        (["list"], True, None),
        (["--db"], True, None),
        (["tui", "tui"], True, None),
    ],
)
def test_only_what_opens_the_interface_skips_typer(
    argv: list[str], terminal: bool, expected: tuple[str | None, bool] | None
) -> None:
    assert interface_args(argv, terminal) == expected


def test_a_broken_config_file_is_one_line_and_exit_2_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("owner = [\n", encoding="utf-8")
    program = Path(sys.executable).parent / "pocketcrm"
    env = {**os.environ, "POCKETCRM_CONFIG": str(config), "POCKETCRM_DB": str(tmp_path / "x.db")}
    for argv in (["tui"], ["--db", str(tmp_path / "y.db"), "tui"]):
        done = subprocess.run(
            [str(program), *argv], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "not valid TOML" in lines[0], done.stderr
        assert lines[0].startswith("pocketcrm: ") and "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "y.db").exists()
