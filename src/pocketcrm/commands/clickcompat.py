"""The few Typer internals pocketcrm needs, in one place.

Typer 0.29 vendors Click as the private package `typer._click` (a plain install has no
`click`) and gives no public name for a usage error, a completion candidate, the shell
completion classes or a parameter's completer. Everything else in commands/ uses Typer's
public API; tests/cli/test_clickcompat.py fails when Typer moves any of these, so an upgrade
breaks there and not in a user's shell. Typer's own modules import all of them already:
this module costs nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer._click.exceptions import UsageError
from typer._click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import BashComplete, FishComplete, ZshComplete

__all__ = [
    "BashComplete",
    "CompletionItem",
    "FishComplete",
    "UsageError",
    "ZshComplete",
    "add_completion_class",
    "drop_type_label",
    "set_completer",
]

_COMPLETER = "_custom_shell_complete"  # the attribute Typer's parameters complete from
_TYPE_LABEL = "display_type_rich"  # the method both help formats ask for `<str>`
Completer = Callable[[Any, Any, str], list[CompletionItem]]


def set_completer(param: Any, complete: Completer) -> None:
    """Give a built parameter its value completer: what `typer.Option(autocompletion=...)`
    sets at declaration, set here after the command is built (only while completing)."""
    setattr(param, _COMPLETER, complete)


def drop_type_label(param: Any) -> None:
    """Leave the `<str>` out of an argument's help row: its metavar (REF, WHEN...) already
    says what to type, and Typer 0.29 prints an argument's Python type beside it whatever
    the metavar (an option shows its metavar instead)."""
    setattr(param, _TYPE_LABEL, _no_label)


def _no_label(ctx: Any = None) -> None:
    """No type label."""
