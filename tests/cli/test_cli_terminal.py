"""In a real terminal (a pseudo-terminal), commands ask instead of refusing: pick one of
several matches, confirm a likely duplicate, confirm emptying the trash."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pocketcrm.core.services import contacts, trash
from pocketcrm.core.store import Store

POCKETCRM = str(Path(sys.executable).with_name("pocketcrm"))
PROMPTS = (b"Which one", b"anyway?", b"for good?")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")


def in_terminal(*args: str, answer: bytes = b"") -> tuple[int, str]:
    """Run `pocketcrm ARGS` on a pseudo-terminal, typing ANSWER at its first question."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [POCKETCRM, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    out, asked = b"", False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the program ended and closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                if not asked and any(p in out for p in PROMPTS):
                    os.write(master, answer + b"\r")
                    asked = True
            # no break on exit: a pty's last output may arrive after it (read to EIO)
        code = process.wait(timeout=30)
    finally:
        os.close(master)
    return code, out.decode(errors="replace").replace("\r\n", "\n")


@pytest.fixture
def anns(core: Callable[..., Store]) -> Store:
    store = core()
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    contacts.create_contact(store, contacts.ContactInput(name="Ann Smith"))
    return store


def test_several_matches_offer_a_choice(anns: Store) -> None:
    code, out = in_terminal("log-call", "ann", "-n", "chose two", answer=b"2")
    assert code == 0, out
    assert "1) Ann Lee" in out and "2) Ann Smith" in out
    assert "logged call #1 with Ann Smith" in out
    assert contacts.get_card(anns, "2").interaction_count == 1


def test_cancelling_the_choice_writes_nothing(anns: Store) -> None:
    code, _ = in_terminal("log-call", "ann", answer=b"0")
    assert code == 4
    assert contacts.get_card(anns, "1").interaction_count == 0
    assert contacts.get_card(anns, "2").interaction_count == 0


@pytest.mark.parametrize(("answer", "code", "total"), [(b"y", 0, 3), (b"n", 1, 2)])
def test_a_likely_duplicate_asks(anns: Store, answer: bytes, code: int, total: int) -> None:
    status, out = in_terminal("add", "ann lee", answer=answer)
    assert "likely duplicate of #1 Ann Lee" in out
    assert status == code
    assert contacts.count_contacts(anns) == total


def test_emptying_the_trash_asks(anns: Store) -> None:
    trash.trash_contact(anns, "2")
    code, out = in_terminal("trash", "--purge", answer=b"n")
    assert code == 1 and "Delete 1 record for good?" in out
    assert len(trash.list_trash(anns)) == 1
    code, _ = in_terminal("trash", "--purge", answer=b"y")
    assert code == 0
    assert trash.list_trash(anns) == []


def test_a_terminal_gets_a_table(anns: Store) -> None:
    code, out = in_terminal("list")
    assert code == 0
    assert "Ann Lee" in out and "\t" not in out
    assert "│" in out or "┃" in out


def test_an_old_spelling_tells_the_person_the_new_one(anns: Store) -> None:
    code, out = in_terminal("edit", "2", "--notes", "kept")
    assert code == 0, out
    assert "warning: --notes is deprecated and goes in the next release; use --note" in out
    assert contacts.get_card(anns, "2").notes == "kept"


@pytest.mark.parametrize(("answer", "code", "status"), [(b"y", 0, "closed"), (b"n", 1, "new")])
def test_closing_an_unresolved_case_asks_first(
    core: Callable[..., Store], answer: bytes, code: int, status: str
) -> None:
    from pocketcrm.core.services import case_views, cases

    store = core()
    contacts.create_contact(store, contacts.ContactInput(name="Ann Lee"))
    made = cases.open_case(store, "ann", cases.CaseInput("Oven smokes"))
    got, out = in_terminal("case", "close", made.number, "--no-survey", answer=answer)
    assert got == code, out
    assert "is not resolved. Close it anyway?" in out
    assert case_views.get_case(store, made.number).status == status
