"""The installed `pocketcrm` in a real terminal: tmux runs it, the test types and reads.

Search for a person, open the card, log a call with a follow-up through the form, quit;
the pane must exit with status 0, and `pocketcrm show --json` must read the call back.
Each test runs its own tmux server (a private socket), so nothing else is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from signal import SIGCHLD

import pytest

NOW = "2026-11-20T10:00:00+00:00"
WIDTH, HEIGHT = 120, 40


def pocketcrm_program() -> str:
    beside = Path(sys.executable).parent / "pocketcrm"
    if beside.exists():
        return str(beside)
    found = shutil.which("pocketcrm")
    if found is None:
        pytest.fail("the pocketcrm program is not installed (pip install -e .)")
    return found


def need_tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing; CI must install it (.ci/run does)")
        pytest.skip("tmux is not installed")
    return found


class Terminal:
    """One tmux server and session running one command, with helpers to type and read."""

    def __init__(self, tmux: str, socket: str, name: str) -> None:
        self.tmux = tmux
        self.socket = socket
        self.name = name

    def run(self, *args: str) -> str:
        out = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def start(self, command: str) -> None:
        self.run(
            "-f", "/dev/null", "new-session", "-d", "-s", self.name,
            "-x", str(WIDTH), "-y", str(HEIGHT), command,
            ";", "set-option", "-t", self.name, "remain-on-exit", "on",
            ";", "set-option", "-s", "escape-time", "0",
        )  # fmt: skip

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", self.name, "-l", text)

    def key(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def pane(self, fmt: str) -> str:
        return self.run("display-message", "-p", "-t", self.name, fmt).strip()

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 60.0) -> str:
        """Poll the screen until CHECK holds (no blind sleeps); fail with the last screen."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if check(shown):
                return shown
            if self.pane("#{pane_dead}") == "1":
                break
            time.sleep(0.05)
        pytest.fail(f"waited for {what}; the screen shows:\n{shown}")

    def wait_text(self, text: str, timeout: float = 60.0) -> str:
        return self.wait_for(lambda shown: text in shown, repr(text), timeout)

    def cursor(self) -> str:
        """Where the terminal cursor is: Textual puts it in the focused text box."""
        return self.pane("#{cursor_x},#{cursor_y}")

    def wait_cursor_moves(self, before: str, timeout: float = 30.0) -> None:
        """Wait until focus reached another text box (typing sooner would land in the old one)."""
        self.wait_for(lambda _shown: self.cursor() != before, "the focus to move", timeout)

    def wait_dead(self, timeout: float = 60.0) -> int:
        """Wait for the program to exit and return #{pane_dead_status}.

        tmux 3.3 sometimes marks the pane dead (the terminal closed) but leaves the exited
        program unreaped, so the status stays empty; a SIGCHLD makes the server reap it.
        """
        deadline = time.monotonic() + timeout
        dead_since: float | None = None
        while time.monotonic() < deadline:
            dead, code, signal = self.pane(
                "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}"
            ).split(":")
            if dead == "1" and (code or signal):
                assert not signal, f"killed by signal {signal}:\n{self.screen()}"
                return int(code)
            if dead == "1":
                dead_since = dead_since or time.monotonic()
                if time.monotonic() - dead_since > 0.5:
                    os.kill(int(self.pane("#{pid}")), SIGCHLD)
                    dead_since = time.monotonic()
            time.sleep(0.05)
        pytest.fail(f"the program did not exit; the screen shows:\n{self.screen()}")


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    tmux = need_tmux()
    socket = f"pocketcrm-e2e-{uuid.uuid4().hex[:10]}"
    term = Terminal(tmux, socket, "crm")
    yield term
    subprocess.run([tmux, "-L", socket, "kill-server"], capture_output=True, check=False)


def cli(program: str, *args: str | Path) -> str:
    env = {**os.environ, "POCKETCRM_NOW": NOW}
    out = subprocess.run(
        [program, *map(str, args)], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout


@pytest.mark.e2e
def test_search_open_a_card_and_log_a_call_in_a_real_terminal(
    terminal: Terminal, tmp_path: Path
) -> None:
    program = pocketcrm_program()
    db = tmp_path / "demo.db"
    cli(program, "demo", "--db", db)
    people = json.loads(cli(program, "list", "--json", "--db", db))
    person = people[7]
    email = person["email"]
    env = " ".join(
        f"{name}={value}"
        for name, value in {
            "POCKETCRM_DB": db,
            "POCKETCRM_NOW": NOW,
            "POCKETCRM_TZ": "UTC",
            "POCKETCRM_DATA_DIR": tmp_path / "data",
            "POCKETCRM_CONFIG": tmp_path / "config.toml",
            "POCKETCRM_STATE_DIR": tmp_path / "state",
            "TERM": "xterm-256color",
        }.items()
    )
    terminal.start(f"env {env} {program}")
    terminal.wait_text(f"of {len(people)} contacts")

    before = terminal.cursor()
    terminal.type("/")
    terminal.wait_cursor_moves(before)
    terminal.type(email)
    terminal.wait_text("1 of 1 contacts   enter: to the list")
    terminal.key("Enter")  # from the search box to the list
    terminal.wait_text("1 of 1 contacts   enter: open the card")
    terminal.key("Enter")
    card = terminal.wait_text("Timeline:")
    assert person["display_name"] in card
    assert email in card

    terminal.type("l")
    terminal.wait_text(f"Log with {person['display_name']}")
    terminal.type("Called from tmux: wants a quote")
    terminal.wait_text("Called from tmux: wants a quote")
    before = terminal.cursor()
    terminal.key("Tab")
    terminal.wait_cursor_moves(before)
    terminal.type("tue 10am")
    terminal.wait_text("Tue 24 Nov 2026 10:00")
    terminal.key("Enter")  # moves on: Enter never saves a half-filled form
    terminal.key("C-s")  # saves
    terminal.wait_text("Called from tmux: wants a quote")
    terminal.wait_for(lambda shown: "Log with" not in shown, "the form to close")

    terminal.type("q")
    assert terminal.wait_dead() == 0

    shown = json.loads(cli(program, "show", f"#{person['id']}", "--json", "--db", db))
    newest = shown["interactions"][0]
    assert newest["kind"] == "call"
    assert newest["notes"] == "Called from tmux: wants a quote"
    assert newest["occurred_at"] == "2026-11-20T10:00:00Z"
    assert any(
        f["due_at"] == "2026-11-24T10:00:00Z" and f["note"] == "Called from tmux: wants a quote"
        for f in shown["follow_ups"]
    )


def tui_env(tmp_path: Path, db: Path) -> str:
    return " ".join(
        f"{name}={value}"
        for name, value in {
            "POCKETCRM_DB": db,
            "POCKETCRM_NOW": NOW,
            "POCKETCRM_TZ": "UTC",
            "POCKETCRM_DATA_DIR": tmp_path / "data",
            "POCKETCRM_CONFIG": tmp_path / "config.toml",
            "POCKETCRM_STATE_DIR": tmp_path / "state",
            "TERM": "xterm-256color",
        }.items()
    )


@pytest.mark.e2e
def test_first_run_offers_the_demo_and_keys_reach_the_list(
    terminal: Terminal, tmp_path: Path
) -> None:
    """An empty database: the welcome, the demo on one key (D), keys that reach the list
    (not a hidden search box), and q quits with status 0."""
    program = pocketcrm_program()
    db = tmp_path / "mine.db"
    terminal.start(f"env {tui_env(tmp_path, db)} {program}")
    terminal.wait_text("Welcome to pocketcrm")
    terminal.type("2")
    terminal.wait_text("Follow-ups")
    terminal.type("1")
    terminal.wait_text("Welcome to pocketcrm")
    terminal.type("D")
    terminal.wait_text("1 of 300 contacts", timeout=120)  # built once, on a loaded machine
    terminal.key("Down", "Down")
    terminal.wait_text("3 of 300 contacts")
    terminal.type("q")
    assert terminal.wait_dead() == 0
    assert (tmp_path / "data" / "demo.db").exists()
    assert json.loads(cli(program, "list", "--json", "--db", db)) == []  # yours stays empty


@pytest.mark.e2e
def test_card_flipping_counts_every_key_press(terminal: Terminal, tmp_path: Path) -> None:
    """Ten presses of → at key-repeat speed move ten cards (they once moved about three)."""
    program = pocketcrm_program()
    db = tmp_path / "demo.db"
    cli(program, "demo", "--db", db)
    terminal.start(f"env {tui_env(tmp_path, db)} {program}")
    terminal.wait_text("of 300 contacts")
    terminal.key("Enter")
    terminal.wait_text("Card 1 of 300")
    terminal.key(*["Right"] * 10)
    terminal.wait_text("Card 11 of 300")
    terminal.key("Escape")
    terminal.wait_text("of 300 contacts")
    terminal.type("q")
    assert terminal.wait_dead() == 0
