"""Tested docs: every command and sub-command has help text, every option says what it does,
and README.md mentions every command (as `pocketcrm NAME ...`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from pocketcrm.cli import app

README = Path(__file__).parents[1] / "README.md"


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, command) under the root, groups and their sub-commands included."""
    if path:
        yield path, command
    list_commands = getattr(command, "list_commands", None)
    if list_commands is None:
        return
    ctx = typer.Context(command, info_name=path[-1] if path else "pocketcrm")
    for name in list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is not None and not getattr(sub, "hidden", False):
            yield from walk(sub, (*path, name))


COMMANDS = list(walk(typer.main.get_command(app)))
NAMES = [" ".join(path) for path, _ in COMMANDS]


def test_the_tree_is_walked() -> None:
    for name in (
        "add",
        "list",
        "log-call",
        "agenda",
        "report",
        "company add",
        "config set",
        "demo",
    ):
        assert name in NAMES


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=NAMES)
def test_every_command_has_help(path: tuple[str, ...], command: Any) -> None:
    text = (command.help or command.short_help or "").strip()
    assert text, f"`pocketcrm {' '.join(path)}` has no help text"


def test_every_option_and_argument_says_what_it_does() -> None:
    missing = []
    for path, command in COMMANDS:
        for param in getattr(command, "params", []):
            if param.name == "help" or getattr(param, "hidden", False):
                continue
            if not (getattr(param, "help", None) or "").strip():
                missing.append(f"pocketcrm {' '.join(path)} {param.opts[0]}")
    assert not missing, "parameters without help: " + ", ".join(missing)


def test_readme_mentions_every_command() -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    missing = [
        name
        for name in NAMES
        if not re.search(rf"pocketcrm(\s+--?[\w-]+(\s+\S+)?)*\s+{re.escape(name)}\b", text)
    ]
    assert not missing, (
        "README.md does not show these commands as `pocketcrm NAME ...`: " + ", ".join(missing)
    )
