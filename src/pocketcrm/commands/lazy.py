"""A command group that builds each command only when it runs.

Typer turns every registered function into a Click command on every start (about 2 ms a
command with our options: 65 ms for the whole tree, measured). A one-line command needs only
its own, and the root --help needs only names and first docstring lines, so this group keeps
a table of NAME -> "module:attribute" and converts just what is asked for.
"""

from __future__ import annotations

import importlib
import inspect
import os
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from pocketcrm.commands.clickcompat import UsageError, drop_type_label


def plain_labels(command: Any, ctx: Any) -> None:
    """Help shows a metavar (REF, WHEN...) and no Python type: a flag takes no value, but
    Typer 0.29 labels it `<bool>` (an empty metavar leaves its column blank), and it prints
    an argument's type beside its metavar. For COMMAND, its sub-commands and their --help."""
    for sub in getattr(command, "commands", {}).values():
        plain_labels(sub, ctx)
    for param in [*command.params, command.get_help_option(ctx)]:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
        elif param is not None and param.param_type_name == "argument":
            drop_type_label(param)


class Command(TyperCommand):
    """A command whose hidden parameters (old spellings kept for a release) stay out of its
    usage line too, not only out of its option and argument panels."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if not getattr(param, "hidden", False):
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


class LazyGroup(TyperGroup):
    """Root group: eager commands (registered the usual way) plus a lazy table."""

    lazy: dict[str, str] = {}
    summaries: dict[str, str] = {}
    """NAME -> its one-line help, so the root --help imports no command module at all (a
    test checks each against the command's own docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built: dict[str, Any] = {}
        self._summaries_only = False
        self._completing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def _target(self, name: str) -> Any:
        module, _, attribute = self.lazy[name].partition(":")
        return getattr(importlib.import_module(module), attribute)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        if self._summaries_only:
            return self._summary(cmd_name)
        if cmd_name not in self._built:
            target = self._target(cmd_name)
            if isinstance(target, typer.Typer):
                command = typer.main.get_command(target)
            else:
                single = typer.Typer(rich_markup_mode=self.rich_markup_mode, add_completion=False)
                single.command(cmd_name, cls=Command)(target)
                command = typer.main.get_command(single)
            command.name = cmd_name
            plain_labels(command, ctx)
            if self._completing:
                from pocketcrm.commands import completion

                completion.attach([cmd_name], command)
            self._built[cmd_name] = command
        return self._built[cmd_name]

    def _summary(self, name: str) -> Any:
        """Name and help text only: enough for the root --help and for completion."""
        if name in self.summaries:
            return TyperCommand(name=name, help=self.summaries[name])
        return TyperCommand(name=name, help=self.summary_of(name))

    def summary_of(self, name: str) -> str:
        """The first paragraph of a command's own help (imports its module)."""
        target = self._target(name)
        if isinstance(target, typer.Typer):
            text = target.info.help if isinstance(target.info.help, str) else ""
        else:
            text = inspect.getdoc(target) or ""
        return text.split("\n\n")[0]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        plain_labels(self, ctx)
        self._summaries_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        self._summaries_only = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._summaries_only = False

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        *rest: Any,
        **kwargs: Any,
    ) -> Any:
        """When the shell asks for candidates, values too (contacts, stages, tags...)."""
        name = complete_var or f"_{prog_name or self.name}_COMPLETE".replace("-", "_").upper()
        if os.environ.get(name):
            from pocketcrm.commands import completion  # sqlite3 and typer: no SQLModel

            completion.install()
            self._completing = True
        return super().main(args, prog_name, complete_var, *rest, **kwargs)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in error.message:
                message = error.message.rstrip(".")
                error.message = f"{message}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise
