"""The root command. Bare `pocketcrm` in a terminal opens the full-screen interface.

Start-up is a feature: this module and the command modules import only typer and the
standard library; the core (SQLModel, ~370 ms) is imported inside command bodies and the
interface (Textual, ~270 ms) only when it is launched.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pocketcrm import __version__
from pocketcrm.commands._common import DbOption, set_root_db
from pocketcrm.commands.lazy import LazyGroup


class Commands(LazyGroup):
    """Every command: name -> where it lives (imported and built only when used)."""

    lazy = {
        "add": "pocketcrm.commands.contacts:add",
        "show": "pocketcrm.commands.contacts:show",
        "list": "pocketcrm.commands.contacts:list_",
        "search": "pocketcrm.commands.contacts:search",
        "edit": "pocketcrm.commands.contacts:edit",
        "tag": "pocketcrm.commands.contacts:tag_app",
        "stage": "pocketcrm.commands.contacts:stage",
        "rm": "pocketcrm.commands.contacts:rm",
        "trash": "pocketcrm.commands.contacts:trash_",
        "restore": "pocketcrm.commands.contacts:restore",
        "log-call": "pocketcrm.commands.activity:log_call",
        "log": "pocketcrm.commands.activity:log",
        "follow-up": "pocketcrm.commands.activity:follow_up",
        "agenda": "pocketcrm.commands.activity:agenda",
        "done": "pocketcrm.commands.activity:done",
        "snooze": "pocketcrm.commands.activity:snooze",
        "company": "pocketcrm.commands.companies:app",
        "report": "pocketcrm.commands.reports:report",
        "remind": "pocketcrm.commands.reminders:remind",
        "cadence": "pocketcrm.commands.reminders:cadence_app",
        "cron": "pocketcrm.commands.reminders:cron_app",
        "doctor": "pocketcrm.commands.reminders:doctor",
        "where": "pocketcrm.commands.admin:where",
        "config": "pocketcrm.commands.admin:config_app",
        "demo": "pocketcrm.commands.admin:demo",
        "import": "pocketcrm.commands.transfer:import_",
        "export": "pocketcrm.commands.transfer:export",
        "dupes": "pocketcrm.commands.transfer:dupes",
        "merge": "pocketcrm.commands.transfer:merge",
        "person": "pocketcrm.commands.transfer:person_app",
        "segment": "pocketcrm.commands.segments:segment_app",
        "campaign": "pocketcrm.commands.segments:campaign_app",
        "deal": "pocketcrm.commands.deals:deal_app",
        "pipeline": "pocketcrm.commands.deals:pipeline",
        "invoice": "pocketcrm.commands.billing:invoice_app",
        "pay": "pocketcrm.commands.billing:pay",
        "billing": "pocketcrm.commands.billing:billing",
        "tui": "pocketcrm.cli:tui",
    }


app = typer.Typer(
    name="pocketcrm",
    cls=Commands,
    help="A local-first CRM for small businesses: the digital box of index cards.",
    add_completion=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pocketcrm {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """A local-first CRM for small businesses: the digital box of index cards.

    Run without a command in a terminal to open the full-screen interface.
    """
    set_root_db(db)
    if ctx.invoked_subcommand is not None:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    launch_tui(db)


def launch_tui(db: str | None) -> None:
    """The composition root may know both faces; the faces never know each other."""
    from pocketcrm.commands._common import db_location, load_settings
    from pocketcrm.tui.app import run  # Textual: ~270 ms, only for the interface

    run(db_location(db), load_settings())


def tui(db: DbOption = None) -> None:
    """Open the full-screen interface (same as bare `pocketcrm` in a terminal)."""
    launch_tui(db)


def main() -> None:
    app()
