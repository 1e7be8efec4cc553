"""commands/clickcompat.py holds the only Typer internals pocketcrm uses: each test here
fails when a Typer upgrade moves or changes one of them."""

from __future__ import annotations

from typing import Annotated

import pytest
import typer

from pocketcrm.commands import clickcompat


def _command() -> typer.core.TyperCommand:
    single = typer.Typer(add_completion=False)

    @single.command()
    def greet(who: Annotated[str, typer.Option("--who")] = "") -> None:
        """Greet."""

    command = typer.main.get_command(single)
    assert isinstance(command, typer.core.TyperCommand)
    return command


def _nothing() -> None:
    """Nothing."""


def test_usage_error_is_what_typer_raises_for_an_unknown_command() -> None:
    tree = typer.Typer(name="x", add_completion=False)
    tree.command("one")(_nothing)
    tree.command("two")(_nothing)
    group = typer.main.get_command(tree)
    assert isinstance(group, typer.core.TyperGroup)
    with pytest.raises(clickcompat.UsageError) as caught:
        group.main(["nope"], standalone_mode=False)
    assert "nope" in caught.value.message
    assert issubclass(typer.BadParameter, clickcompat.UsageError)


def test_set_completer_is_what_the_parameter_asks_when_completing() -> None:
    command = _command()
    (param,) = command.params

    def complete(_ctx: object, _param: object, incomplete: str) -> list[object]:
        return [clickcompat.CompletionItem(f"{incomplete}-ann", help="a contact")]

    clickcompat.set_completer(param, complete)  # type: ignore[arg-type]
    items = param.shell_complete(typer.Context(command), "x")
    assert [(i.value, i.help) for i in items] == [("x-ann", "a contact")]


def test_the_shell_classes_can_be_replaced() -> None:
    from typer._click.shell_completion import get_completion_class

    class Bash(clickcompat.BashComplete):
        def format_completion(self, item: clickcompat.CompletionItem) -> str:
            return f"<{item.value}>"

    try:
        clickcompat.add_completion_class(Bash, "bash")
        assert get_completion_class("bash") is Bash
    finally:
        clickcompat.add_completion_class(clickcompat.BashComplete, "bash")  # Typer's own
    for cls in (clickcompat.ZshComplete, clickcompat.FishComplete):
        assert callable(cls.get_completion_args) and callable(cls.complete)
