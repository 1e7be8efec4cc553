"""Backups: `backup create`, `backup list` and `backup restore [FILE]`."""

from __future__ import annotations

from typing import Annotated

import typer

from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    YesOption,
    close_when_done,
    confirm_or_exit,
    db_location,
    handle_errors,
    load_settings,
    local,
    open_db,
    print_json,
    table,
)

backup_app = typer.Typer(
    add_completion=False,
    help="Backups: take one now, list them, restore one (the current data is kept aside).",
    no_args_is_help=True,
)


@backup_app.command("create")
@handle_errors
def backup_create(
    reason: Annotated[
        str,
        typer.Option(
            help="A word kept in the file name (letters, digits, dashes).", metavar="WORD"
        ),
    ] = "manual",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on success (for cron).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Take an online backup now (others may keep working); old ones are rotated."""
    import re

    from pocketcrm.core import backups
    from pocketcrm.core.errors import Invalid

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", reason):
        raise Invalid("reason", "use lower-case letters, digits and dashes, e.g. weekly")
    taken = backups.create(open_db(db), reason)
    if as_json:
        print_json(taken)
    elif not quiet:
        typer.echo(f"backup written: {taken.path} ({taken.size:,} bytes)")


@backup_app.command("list")
@handle_errors
def backup_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """This database's backups, oldest first."""
    from pocketcrm.core import backups

    store = open_db(db)
    found = backups.list_backups(store)
    if as_json:
        print_json(found)
        return
    if not found:
        typer.echo(f"no backups yet in {backups.folder(store)}")
        return
    table(
        ["taken", "reason", "size", "file"],
        [[local(b.taken_at), b.reason, f"{b.size:,}", b.path] for b in found],
    )


@backup_app.command("restore")
@handle_errors
def backup_restore(
    file: Annotated[
        str | None,
        typer.Argument(
            help="The backup to restore (default: the newest).", show_default=False, metavar="FILE"
        ),
    ] = None,
    yes: YesOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup after checking it; the current data is first kept aside as a backup."""
    from pocketcrm.core import backups

    # Not open_db: the database being replaced may be damaged or from a newer release.
    store = backups.open_for_restore(db_location(db), load_settings())
    close_when_done(store)
    if not yes:
        confirm_or_exit(
            "restore replaces the current data (kept aside); pass --yes to confirm",
            f"Replace the current data with {file or 'the newest backup'}?",
        )
    done = backups.restore(store, file)
    if as_json:
        print_json(done)
        return
    typer.echo(f"restored {done.restored_from}\nthe data it replaced is in {done.kept_aside}")
