"""The `pocketcrm` program: a shell asking for a value to complete is answered before Typer
is even imported (commands/fastcomplete.py); everything else runs the Typer app (cli.py)."""

from __future__ import annotations

import gc
import os


def main() -> None:
    if os.environ.get("_POCKETCRM_COMPLETE"):
        from pocketcrm.commands import fastcomplete  # standard library and sqlite3 only

        if fastcomplete.answer():
            return
    from pocketcrm.cli import main as run

    # What is loaded so far (Typer and the root command: ~17,000 objects) lives as long as the
    # process: kept out of the collector's sweeps, a one-liner runs ~3% faster.
    gc.freeze()
    run()
