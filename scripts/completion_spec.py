"""Write src/pocketcrm/commands/completion_spec.py: the command tree's shape for the fast
completion path (run after adding a command, an argument or an option; a test says when)."""

from __future__ import annotations

import pprint
from pathlib import Path

import typer

from pocketcrm.cli import app
from pocketcrm.commands.completion import spec_of

TARGET = (
    Path(__file__).resolve().parent.parent / "src" / "pocketcrm" / "commands" / "completion_spec.py"
)
HEAD = '''"""The command tree's shape for the fast completion path, written by
scripts/completion_spec.py from the commands themselves (tests/cli/test_cli_completion.py
checks that it still agrees). A command or option missing here only sends completion down
Typer's slower path."""

from typing import Any

# "command path" -> arguments [(name, takes the rest)], options {spelling: (name, takes a
# value)} and, for a group, its sub-commands.
SPEC: dict[str, Any] = '''


def main() -> None:
    shape = spec_of(typer.main.get_command(app))
    TARGET.write_text(HEAD + pprint.pformat(shape, width=96, sort_dicts=False) + "\n")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
