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
from pocketcrm.commands.common import CreateOption, DbOption, close_opened, set_root_db
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
        "delete": "pocketcrm.commands.aliases:delete",
        "trash": "pocketcrm.commands.contacts:trash_",
        "restore": "pocketcrm.commands.contacts:restore",
        "log-call": "pocketcrm.commands.activity:log_call",
        "log": "pocketcrm.commands.activity:log",
        "note": "pocketcrm.commands.aliases:note",
        "follow-up": "pocketcrm.commands.activity:follow_up_app",
        "interaction": "pocketcrm.commands.activity:interaction_app",
        "agenda": "pocketcrm.commands.activity:agenda",
        "done": "pocketcrm.commands.activity:done",
        "snooze": "pocketcrm.commands.activity:snooze",
        "company": "pocketcrm.commands.companies:app",
        "report": "pocketcrm.commands.reports:report_app",
        "market": "pocketcrm.commands.market:market_app",
        "remind": "pocketcrm.commands.reminders:remind",
        "cadence": "pocketcrm.commands.reminders:cadence_app",
        "cron": "pocketcrm.commands.reminders:cron_app",
        "doctor": "pocketcrm.commands.reminders:doctor",
        "where": "pocketcrm.commands.admin:where",
        "config": "pocketcrm.commands.admin:config_app",
        "demo": "pocketcrm.commands.admin:demo",
        "backup": "pocketcrm.commands.backup:backup_app",
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
        "product": "pocketcrm.commands.products:product_app",
        "quote": "pocketcrm.commands.quotes:quote_app",
        "order": "pocketcrm.commands.quotes:order_app",
        "cost": "pocketcrm.commands.quotes:cost_app",
        "case": "pocketcrm.commands.cases:case_app",
        "mail": "pocketcrm.commands.mail:mail_app",
        "user": "pocketcrm.commands.users:user_app",
        "department": "pocketcrm.commands.users:department_app",
        "whoami": "pocketcrm.commands.users:whoami",
        "history": "pocketcrm.commands.history:history",
        "undo": "pocketcrm.commands.history:undo",
        "tui": "pocketcrm.cli:tui",
    }
    # The root --help and completion show these without importing any command module
    # (tests/test_import_hygiene.py checks each against the command's own docstring).
    summaries = {
        "add": "Add a contact and print its id; warns first about a likely duplicate.",
        "show": "Show the index card: details, company, stage, tags, follow-ups, latest interactions.",
        "list": "List contacts, filtered and sorted.",
        "search": "Search names, emails, phones, companies, tags and notes.",
        "edit": "Change a contact's details.",
        "tag": "Add and remove tags: `pocketcrm tag ann +vip -cold`.",
        "stage": "Move a contact to another life-cycle stage (the change is kept in its history).",
        "rm": "Move a contact to the trash (`pocketcrm restore` brings it back).",
        "delete": "Move a contact to the trash (the same as `rm`).",
        "trash": "List what is in the trash; --purge empties it (asks first).",
        "restore": "Bring a record back from the trash.",
        "log-call": "Log a phone call (and optionally schedule the follow-up).",
        "log": "Log a meeting, email, note or text message.",
        "note": "Log a note (the same as `log --kind note`).",
        "follow-up": "Schedule a follow-up with a contact.",
        "interaction": "Interactions (calls, meetings, emails, notes, texts): take one logged by mistake back.",
        "agenda": "Open follow-ups, overdue first; and who is drifting out of touch.",
        "done": "Mark a follow-up done.",
        "snooze": "Move a follow-up to later.",
        "company": "Companies: the organisations your contacts belong to.",
        "report": "Contacts by stage and company kind, activity by kind, outcome and owner, follow-ups, satisfaction, pipeline, revenue and invoices.",
        "market": "Markets: what a market is worth or how many customers it has, for `report market`.",
        "remind": "Deliver every reminder that is due: follow-ups, stay-in-touch cadences, birthdays.",
        "cadence": "Stay in touch: how often you want to hear from a contact, or everyone with a tag.",
        "cron": "Run `pocketcrm remind` on a schedule: a cron line, a systemd timer or a launchd agent.",
        "doctor": "Check the database, schema, integrity, file modes, config and the reminder job.",
        "where": "Print where the database, config, backups and logs are.",
        "config": "Read and change settings (a TOML file in the config directory).",
        "demo": "Build a separate demo database with realistic contacts, companies, calls and follow-ups.",
        "backup": "Backups: take one now, list them, restore one (the current data is kept aside).",
        "import": "Import contacts: preview (new, updated, duplicates, problems), then write all or nothing.",
        "export": "Export contacts: json (everything, lossless), csv, vcard or ics (follow-ups calendar).",
        "dupes": "List likely duplicate contacts with a confidence and the evidence; join with `merge`.",
        "merge": "Merge OTHER into KEEP: nothing is dropped; OTHER goes to the trash; --undo reverses it.",
        "person": "Personal-data requests: export everything about one person, or erase them.",
        "segment": "Saved segments: the filters of `list` under a name, evaluated when used.",
        "campaign": "Campaigns: one email to each person of a segment, never twice to anyone.",
        "deal": "Deals: what may be sold to whom, moving through the pipeline stages.",
        "pipeline": "The pipeline: open deals by stage with their weighted value, won/lost in 90 days.",
        "invoice": "Invoices and orders: what a customer was billed, and whether it was paid.",
        "pay": "Record a payment (or, with --refund, money paid back) against an invoice.",
        "billing": "A contact's or a company's billing history: what was issued, paid, refunded and cancelled.",
        "product": "The catalogue: products and services with a price, a cost and a tax rate.",
        "quote": "Quotes: an offer with lines, sent, then accepted (an order follows) or declined.",
        "order": "Orders: made from an accepted quote, invoiced with `invoice from-order`.",
        "cost": "Costs: money spent for a contact, company, campaign or deal (the profit report).",
        "case": "Support cases: questions and complaints with a service level, replies by email.",
        "mail": "Email that logs itself: fetch a Maildir, an mbox or an IMAP mailbox onto the timelines.",
        "user": "The people who work here: users, their roles and departments (logins in team mode).",
        "department": "Departments: teams of users with a lead.",
        "whoami": "Who you are working as: login, name, role and department.",
        "history": "Who changed what: a record's changes, newest first, with each field before and after.",
        "undo": "Undo your last change (or CHANGE from `history`), field by field.",
        "tui": "Open the full-screen interface (same as bare `pocketcrm` in a terminal).",
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
    create: CreateOption = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """A local-first CRM for small businesses: the digital box of index cards.

    Run without a command in a terminal to open the full-screen interface.
    """
    set_root_db(db, create)
    ctx.call_on_close(close_opened)
    if ctx.invoked_subcommand is not None:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    launch_tui(db)


def launch_tui(db: str | None) -> None:
    """The interface, as `pocketcrm tui` opens it without Typer (launcher.py)."""
    from pocketcrm.commands import common
    from pocketcrm.launcher import open_interface

    open_interface(common.db_location(db), common.creating_allowed())


def tui(db: DbOption = None) -> None:
    """Open the full-screen interface (same as bare `pocketcrm` in a terminal)."""
    launch_tui(db)


def main() -> None:
    app()
