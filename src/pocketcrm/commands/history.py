"""`pocketcrm history REF` and `pocketcrm undo [CHANGE]`: who changed what, and taking it back.

The journal itself lives in the core (core/journal.py, core/services/history.py); here only
parsing and printing. `undo` is the journal's: `import --undo` and `merge --undo` keep
undoing a whole import or merge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pocketcrm.commands.common import (
    DbOption,
    JsonOption,
    echo,
    handle_errors,
    local,
    open_db,
    print_json,
)

if TYPE_CHECKING:
    from pocketcrm.core.services.history import Change

HistoryRef = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        help=(
            "A contact (name, #id, email or phone: everything about it), deal:ID, "
            "invoice:NUMBER (or the bare number) or company:NAME."
        ),
        show_default=False,
    ),
]


def line(change: Change) -> str:
    """One readable line: "2026-12-05 10:02 ann (cli) stage: lead -> customer  [12]"."""
    undone = " (undone)" if change.undone else ""
    return (
        f"{local(change.at)} {change.actor} ({change.face}) {change.summary}{undone}  [{change.id}]"
    )


@handle_errors
def history(
    ref: HistoryRef,
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", help="At most this many changes.")
    ] = 200,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who changed what: a record's changes, newest first, with each field before and after.

    The number in brackets is the change id that `pocketcrm undo ID` takes back.
    """
    from pocketcrm.core.services import history as service

    found = service.history(open_db(db), ref, limit=max(1, limit))
    if as_json:
        print_json(found)
        return
    echo(f"history of {found.subject}")
    if not found.changes:
        echo("  no changes journaled")
    for change in found.changes:
        echo(f"  {line(change)}")


@handle_errors
def undo(
    change: Annotated[
        int | None,
        typer.Argument(
            metavar="CHANGE",
            help="A change id from `pocketcrm history` (default: your last change).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Undo even when a later change touched the same field."),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Undo your last change (or CHANGE from `history`), field by field.

    Refuses (exit 2, nothing written) when a later change touched the same field, unless
    --force. The undo is journaled too; `import --undo` and `merge --undo` stay as they are.
    """
    from pocketcrm.core.services import history as service

    result = service.undo(open_db(db), change, force=force)
    if as_json:
        print_json(result)
        return
    echo(f"undid change {result.change}: {'; '.join(result.summaries)}")
    for overwritten in result.overwritten:
        echo(f"  overwrote {overwritten}")
