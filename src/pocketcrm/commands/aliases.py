"""Short names for common commands: `note` is `log --kind note`, `delete` is `rm`.

Each alias calls the command it stands for, so the two never drift apart; the root --help
lists them briefly (cli.Commands.summaries, kept equal to these docstrings by a test).
"""

from __future__ import annotations

from typing import Annotated

import typer

from pocketcrm.commands import activity, contacts
from pocketcrm.commands.common import DbOption, JsonOption
from pocketcrm.commands.params import Ref


def note(
    ref: Ref,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note (or use --note).")] = "",
    note_option: activity.NoteOption = "",
    at: activity.AtOption = "",
    follow_up: activity.FollowUpOption = "",
    owner: activity.OwnerOption = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a note (the same as `log --kind note`)."""
    activity.log(
        ref,
        kind="note",
        note=" ".join(p for p in (text, note_option) if p),
        at=at,
        follow_up=follow_up,
        owner=owner,
        db=db,
        as_json=as_json,
    )


def delete(ref: Ref, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Move a contact to the trash (the same as `rm`)."""
    contacts.rm(ref, db=db, as_json=as_json)
