"""The `pocketcrm` program: a shell asking for a value to complete is answered before Typer
is even imported (commands/fastcomplete.py); opening the interface (`pocketcrm tui`, or bare
`pocketcrm` in a terminal, with --db/--create) skips Typer too (its argument parsing imports
pydantic: about 0.25 s of a start-up whose goal is 1 s); everything else runs the Typer app
(cli.py), which opens the interface through the same open_interface."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence


def interface_args(argv: Sequence[str], terminal: bool) -> tuple[str | None, bool] | None:
    """(--db, --create) when ARGV only opens the interface; None for anything else (help,
    a command, a mistake), which Typer parses and explains. Bare `pocketcrm` opens it only in
    a TERMINAL (else the root prints its help); --create belongs before the command."""
    db: str | None = None
    create = command = False
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "tui" and not command:
            command = True
        elif arg == "--create" and not command:
            create = True
        elif arg == "--db" and rest:
            db = rest.pop(0)
        elif arg.startswith("--db="):
            db = arg.removeprefix("--db=")
        else:
            return None
    return (db, create) if command or terminal else None


def open_interface(db: str | None, create: bool) -> None:
    """The composition root may know both faces (the faces never know each other): settings,
    then the full-screen interface on DB (or $POCKETCRM_DB or the default file). A broken
    config file is one line and its exit code, never a traceback."""
    from pocketcrm import config, paths
    from pocketcrm.core.errors import CrmError
    from pocketcrm.core.text import escape

    location = db or paths.default_db()
    try:
        notice = config.settle_phone_region()  # first run only: guess, store, say it once
        settings = config.load()
    except CrmError as exc:
        print(escape(f"pocketcrm: {exc}"), file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    if notice:
        print(escape(f"pocketcrm: {notice}"), file=sys.stderr)
    from pocketcrm.tui.app import run  # Textual: ~270 ms, only for the interface

    run(location, settings, create_folders=create or paths.is_default_db(location))


def main() -> None:
    if os.environ.get("_POCKETCRM_COMPLETE"):
        from pocketcrm.commands import fastcomplete  # standard library and sqlite3 only

        if fastcomplete.answer():
            return
    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    opening = interface_args(sys.argv[1:], terminal)
    if opening is not None:
        open_interface(*opening)
        return
    from pocketcrm.cli import main as run

    # What is loaded so far (Typer and the root command: ~17,000 objects) lives as long as the
    # process: kept out of the collector's sweeps, a one-liner runs ~3% faster.
    gc.freeze()
    run()
