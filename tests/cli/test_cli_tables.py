"""Tables in a real terminal (a pseudo-terminal) at 80 and 100 columns: one line per record,
no id, date, email, amount or stage broken in the middle; long names end in an ellipsis."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clisupport import Run

from pocketcrm.commands.common import fit_columns

POCKETCRM = str(Path(sys.executable).with_name("pocketcrm"))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")

PEOPLE = [
    ("Benedict Cumberbatch-Smithson", "benedict.cumberbatch@example.com", "prospect"),
    ("Zoë Åkesson-Lindqvist", "zoe.akesson@lindqvist-partners.example.org", "past_customer"),
    ("Maximiliane von Hohenberg", "max@hohenberg.example.de", "customer"),
]


def in_terminal(columns: int, *args: str) -> str:
    """The screen text of `pocketcrm ARGS` on a pseudo-terminal COLUMNS wide."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["COLUMNS"], env["LINES"] = str(columns), "50"
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [POCKETCRM, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            # no break on exit: a pty's last output may arrive after it (read to EIO)
        assert process.wait(timeout=30) == 0, out
    finally:
        os.close(master)
    return ANSI.sub("", out.decode(errors="replace")).replace("\r\n", "\n")


@pytest.fixture
def people(run: Run) -> None:
    for name, email, stage in PEOPLE:
        run(
            "add",
            name,
            "-e",
            email,
            "-p",
            "+1 415 555 0100",
            "-c",
            "Internationale Handelsgesellschaft Nord GmbH",
            "--stage",
            stage,
            "-t",
            "wholesale",
            "-t",
            "trade-fair-2026",
            "--yes",
        )
    run("follow-up", "benedict", "2026-12-04 9am", "-n", "send the revised quotation")
    run("follow-up", "zoe", "2026-12-14", "-n", "call about the framework agreement renewal")
    run("deal", "add", "1", "Framework agreement renewal 2027", "--amount", "1,250,000.50 EUR")
    run("deal", "add", "2", "Showroom refit", "--amount", "980 EUR", "--stage", "negotiation")


def _record_lines(screen: str, marker: str) -> list[str]:
    return [line for line in screen.splitlines() if marker in line]


@pytest.mark.parametrize("columns", [80, 100])
def test_contact_list_keeps_one_line_per_record(people: None, columns: int) -> None:
    screen = in_terminal(columns, "list")
    lines = screen.splitlines()
    assert all(len(line) <= columns for line in lines), screen
    header = lines[0]
    body = [line for line in lines if "│" in line]
    assert len(body) == len(PEOPLE), screen  # one line each: nothing wrapped
    for (name, email, stage), line in zip(sorted(PEOPLE), body, strict=True):
        assert f" {stage} " in f"{line} ", screen
        if "email" in header:
            assert email in line, screen
        assert name[:8] in line, screen
    assert "Benedict Cumberbatch-Smithson" not in screen or columns > 80
    assert "…" in screen  # long names shortened, not wrapped


@pytest.mark.parametrize("columns", [80, 100])
def test_agenda_and_deals_keep_dates_and_amounts_whole(people: None, columns: int) -> None:
    agenda = in_terminal(columns, "agenda", "--all")
    assert all(len(line) <= columns for line in agenda.splitlines()), agenda
    assert len(_record_lines(agenda, "2026-12-04")) == 1, agenda
    assert len(_record_lines(agenda, "2026-12-14")) == 1, agenda
    deals = in_terminal(columns, "deal", "list")
    assert all(len(line) <= columns for line in deals.splitlines()), deals
    assert len(_record_lines(deals, "1,250,000.50")) == 1, deals
    assert len(_record_lines(deals, "negotiation")) == 1, deals


def test_free_text_shrinks_before_anything_is_hidden() -> None:
    headers = ["id", "name", "stage", "email"]
    cells = [["12", "A" * 40, "past_customer", "someone@example.com"]]
    shown, widths = fit_columns(headers, cells, 60)
    assert shown == [0, 1, 2, 3]
    assert widths[0] == 2 and widths[2] == len("past_customer") and widths[3] == 19
    assert sum(widths) + 3 * 3 == 60  # the name takes what is left
    shown, widths = fit_columns([*headers, "tags"], [[*cells[0], "vip"]], 50)
    assert 4 not in shown  # tags go first; the name keeps at least ten characters
    assert widths[1] >= 10


def test_wide_characters_count_as_two_cells() -> None:
    _, widths = fit_columns(["id", "name"], [["1", "山田太郎"]], 80)
    assert widths == [2, 8]
