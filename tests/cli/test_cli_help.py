"""The command surface: every command's `--help` (100 columns, no colour) is kept in
tests/cli/help/<command path>.txt, so a change in Typer's rendering or in an option shows up
here as a diff to read, not in a user's terminal.

After a deliberate change, regenerate the files and review the diff:

    POCKETCRM_UPDATE_HELP=1 .venv/bin/python -m pytest tests/cli/test_cli_help.py
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from pocketcrm.cli import app

HELP_DIR = Path(__file__).parent / "help"
UPDATE = bool(os.environ.get("POCKETCRM_UPDATE_HELP"))
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TYPE_LABEL = re.compile(r"<(str|int|float|bool|list\[[^\]]*\]|datetime|path)>")
PARAMETER_NAME = re.compile(r"[{\[][a-z_]+[}\]]")  # `{ref}`: an argument without a metavar


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path under the root (the root itself first), hidden ones left out."""
    yield path
    if not hasattr(command, "list_commands"):
        return
    ctx = typer.Context(command, info_name=path[-1] if path else "pocketcrm")
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None and not getattr(sub, "hidden", False):
            yield from walk(sub, (*path, name))


PATHS = list(walk(typer.main.get_command(app)))
IDS = [" ".join(path) or "pocketcrm" for path in PATHS]


def help_text(path: tuple[str, ...]) -> str:
    """`pocketcrm PATH --help` as a 100-column terminal without colour would show it."""
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERMINAL_WIDTH": "100"}
    result = CliRunner().invoke(app, [*path, "--help"], env=env, prog_name="pocketcrm")
    assert result.exit_code == 0, result.output
    lines = [ANSI.sub("", line).rstrip() for line in result.output.splitlines()]
    return "\n".join(lines).strip("\n") + "\n"


def snapshot(path: tuple[str, ...]) -> Path:
    return HELP_DIR / f"{'.'.join(path) or 'pocketcrm'}.txt"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_help_matches_its_snapshot(path: tuple[str, ...]) -> None:
    text = help_text(path)
    stored = snapshot(path)
    if UPDATE:
        HELP_DIR.mkdir(exist_ok=True)
        stored.write_text(text, encoding="utf-8", newline="\n")
    assert stored.exists(), f"no snapshot for `{' '.join(path)}`: see this module's docstring"
    assert text == stored.read_text(encoding="utf-8")


def test_no_snapshot_is_left_for_a_command_that_is_gone() -> None:
    known = {snapshot(path).name for path in PATHS}
    assert {p.name for p in HELP_DIR.glob("*.txt")} <= known


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_value_has_a_metavar_and_only_the_root_installs_completion(
    path: tuple[str, ...],
) -> None:
    """No `<str>`, `<bool>`, `<list[str]>` or `{ref}`: a flag shows no value, every other
    option and argument a word that says what to type (REF, WHEN, FILE...)."""
    text = snapshot(path).read_text(encoding="utf-8") if not UPDATE else help_text(path)
    assert not TYPE_LABEL.findall(text), TYPE_LABEL.findall(text)
    usage = text.splitlines()[0]
    assert not PARAMETER_NAME.findall(usage) and "[[" not in usage, usage
    assert ("--install-completion" in text) == (path == ())
    assert ("--show-completion" in text) == (path == ())
