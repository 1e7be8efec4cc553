"""Aliases: `note` is `log --kind note`, `delete` is `rm`; both are listed in the root --help
from the same summary table as every other command."""

from __future__ import annotations

from collections.abc import Callable

from clisupport import Run

from pocketcrm.cli import Commands
from pocketcrm.core.services import contacts, trash
from pocketcrm.core.store import Store


def test_note_logs_a_note(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee")
    assert "logged note #1 with Ann Lee" in run("note", "ann", "met at the fair").stdout
    run("note", "ann", "-n", "second", "--follow-up", "fri")
    card = contacts.get_card(core(), "1")
    assert [(i.kind, i.notes) for i in card.interactions] == [
        ("note", "second"),
        ("note", "met at the fair"),
    ]
    assert len(card.follow_ups) == 1


def test_delete_moves_to_the_trash(run: Run, core: Callable[[], Store]) -> None:
    run("add", "Ann Lee")
    assert "moved #1 Ann Lee to the trash" in run("delete", "ann").stdout
    assert [i.label for i in trash.list_trash(core())] == ["Ann Lee"]
    run("delete", "ann", code=3)


def test_aliases_are_in_the_root_help(run: Run) -> None:
    out = run("--help").stdout
    for name in ("note", "delete"):
        assert name in Commands.lazy and name in Commands.summaries
        assert Commands.summaries[name] in " ".join(out.split()).replace("│ ", ""), name
