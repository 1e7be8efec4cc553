"""Parameters several commands share, each with one metavar and one wording of its help:
a contact is always REF and said the same way, a moment always WHEN.

Only typer and the standard library (start-up is a feature). --db, --json, --csv, --yes
and --ids live in common.py beside the code that reads them.
"""

from __future__ import annotations

import sys
from typing import Annotated, TypeVar

import typer

from pocketcrm.commands.common import err

T = TypeVar("T")

REF_HELP = "The contact: an id, an email, a phone, or part of a name."

Note = Annotated[str, typer.Option("--note", "-n", metavar="TEXT", help="Notes.")]
"""A new record's notes (a contact, a company, a deal, a payment)."""
ReplaceNote = Annotated[
    str | None, typer.Option("--note", "-n", metavar="TEXT", help="Replace the notes.")
]
NotesAlias = Annotated[
    str | None, typer.Option("--notes", hidden=True, help="Deprecated spelling of --note.")
]
"""`edit --notes` until 0.3: the old spelling of `--note`, hidden from help."""

Ref = Annotated[str, typer.Argument(metavar="REF", help=REF_HELP, show_default=False)]
"""The contact a command acts on."""


RowLimit = Annotated[
    int | None, typer.Option("--limit", metavar="N", help="At most this many rows.")
]

# The contact filters of `list`, `export` and `segment save`, which combine the same way.
StageFilter = Annotated[
    list[str],
    typer.Option("--stage", metavar="STAGE", help="Only contacts at this stage (repeat: any)."),
]
TagFilter = Annotated[
    list[str],
    typer.Option("--tag", metavar="TAG", help="Only contacts with this tag (repeat: every tag)."),
]
CompanyFilter = Annotated[
    list[str],
    typer.Option(
        "--company",
        metavar="COMPANY",
        help="People at this company: name part or id (repeat: any).",
    ),
]
OwnerFilter = Annotated[
    list[str],
    typer.Option("--owner", metavar="OWNER", help="Only this owner's contacts (repeat: any)."),
]
ContactSort = Annotated[
    str,
    typer.Option(
        help="name, last-contact, next-follow-up, created, stage, company.", metavar="ORDER"
    ),
]
"""The order of a list of contacts (`list`, `segment show`)."""
COMPANY_KIND_HELP = "People at a company of this kind: customer, supplier, ... (repeat: any)."


def deprecated(old: str, new: str, given: T | None, current: T, default: T) -> T:
    """NEW's value; the value given under the deprecated spelling OLD when NEW was left at
    its DEFAULT. Old spellings work for one more release, hidden from help; a person at a
    terminal is told the new one (a script's stderr stays clean: it may be read as data)."""
    if given is None:
        return current
    if sys.stderr.isatty():
        err(f"warning: {old} is deprecated and goes in the next release; use {new}")
    return given if current == default else current
