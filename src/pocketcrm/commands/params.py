"""Parameters several commands share, each with one metavar and one wording of its help:
a contact is always REF and said the same way, a moment always WHEN.

Only typer and the standard library (start-up is a feature). --db, --json, --csv, --yes
and --ids live in _common.py beside the code that reads them.
"""

from __future__ import annotations

import sys
from typing import Annotated, TypeVar

import typer

T = TypeVar("T")

REF_HELP = "The contact: an id, an email, a phone, or part of a name."

Ref = Annotated[str, typer.Argument(metavar="REF", help=REF_HELP, show_default=False)]
"""The contact a command acts on."""


def deprecated(old: str, new: str, given: T | None, current: T) -> T:
    """The value of NEW, taking the deprecated spelling OLD when only it was given (kept for
    one release, hidden from help; a warning on stderr names the new spelling)."""
    if given is None or given == current:
        return current
    print(f"warning: {old} is deprecated; use {new}", file=sys.stderr)
    return given
