"""Typer's completion path for values: each parameter of a command being completed gets its
completer from commands/values.py, and bash gets its candidates escaped.

Imported only while the shell asks for candidates and the fast path (commands/fastcomplete.py)
could not answer alone: the root group installs it when the completion variable is set.
bash gets its candidates with spaces escaped (Typer hands them over raw, and a name like
"Ann Lee" would become two words); zsh gets them added as they are, with their descriptions
(fastcomplete.zsh_answer); fish quotes for itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pocketcrm.commands.clickcompat import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ZshComplete,
    add_completion_class,
    set_completer,
)
from pocketcrm.commands.fastcomplete import bash_escape, words_and_incomplete, zsh_answer
from pocketcrm.commands.values import Completer, Line, completer_for


def line_of(ctx: Any) -> Line:
    """The --db (here or before the command) and the flags given, from Click's context."""
    line = Line(flags={name for name, value in ctx.params.items() if value is True})
    while ctx is not None:
        if ctx.params.get("db"):
            line.db = str(ctx.params["db"])
            break
        ctx = ctx.parent
    return line


def attach(path: Sequence[str], command: Any) -> None:
    """Give each parameter of COMMAND (and of its sub-commands) its completer."""
    for sub_name, sub in getattr(command, "commands", {}).items():
        attach([*path, sub_name], sub)
    for param in getattr(command, "params", []):
        if param.name in ("db", "help") or getattr(param, "is_flag", False):
            continue
        completer = completer_for(path, param.name)
        if completer is not None:
            set_completer(param, _items(completer))


def _items(completer: Completer) -> Callable[[Any, Any, str], list[CompletionItem]]:
    def complete(ctx: Any, _param: Any, incomplete: str) -> list[CompletionItem]:
        return [
            CompletionItem(value, help=about or None)
            for value, about in completer(line_of(ctx), incomplete)
        ]

    return complete


class _Bash(BashComplete):
    """Typer's bash completion, with each value escaped as the shell would read it."""

    def format_completion(self, item: CompletionItem) -> str:
        return bash_escape(item.value)


class _Zsh(ZshComplete):
    """The candidates added as they are, as the fast path does (fastcomplete.zsh_answer)."""

    def get_completion_args(self) -> tuple[list[str], str]:
        return words_and_incomplete("zsh")

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        return zsh_answer([(i.value, i.help or "") for i in self.get_completions(args, incomplete)])


class _Fish(FishComplete):
    """Typer's fish completion, reading a last word that ends in an escaped space as one."""

    def get_completion_args(self) -> tuple[list[str], str]:
        return words_and_incomplete("fish")


def install() -> None:
    """Called when the shell asks for candidates, after Typer has set up its own shells."""
    add_completion_class(_Bash, "bash")
    add_completion_class(_Zsh, "zsh")
    add_completion_class(_Fish, "fish")


def spec_of(command: Any, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """The shape of the command tree that the fast path parses with: for each command, its
    arguments in order (name, takes the rest) and its options (spelling -> name, takes a
    value); for each group, its sub-commands. commands/completion_spec.py holds a copy
    (scripts/completion_spec.py writes it; a test keeps it true)."""
    import typer

    options: dict[str, tuple[str, bool]] = {}
    arguments: list[tuple[str, bool]] = []
    for param in command.params:
        if param.param_type_name == "argument":
            arguments.append((param.name, param.nargs == -1))
        else:
            for spelling in (*param.opts, *param.secondary_opts):
                options[spelling] = (param.name, not param.is_flag and not param.count)
    shape: dict[str, Any] = {" ".join(path): {"arguments": arguments, "options": options}}
    if hasattr(command, "list_commands"):
        ctx = typer.Context(command, info_name=path[-1] if path else "pocketcrm")
        names = command.list_commands(ctx)
        shape[" ".join(path)]["commands"] = names
        for name in names:
            shape.update(spec_of(command.get_command(ctx, name), (*path, name)))
    return shape
