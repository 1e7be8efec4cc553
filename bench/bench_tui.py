"""How fast the full-screen interface is on 100,000 contacts, beside an empty database.

    .venv/bin/python bench/bench_tui.py [--runs 5] [--rebuild]

Prints medians of several runs:
  * start to the first frame with the contact list: a real `pocketcrm tui` process in a
    pseudo-terminal that exits as soon as the list has rendered
    (POCKETCRM_EXIT_AFTER_FIRST_FRAME=1): from its start until the list's status line is
    on the terminal, and the peak RSS of that process. Goal: <= 1.0 s and <= 150 MiB. The
    whole run, until the process has ended (Textual's shutdown included), is shown too.
  * one search keystroke to the updated list, in process (Pilot): type a letter, wait until
    the new list has been drawn. Goal: <= 50 ms (median; the worst is shown too).
  * switching to each screen by its key (tui/tabs.py), in process: until the screen is drawn (goal:
    <= 150 ms: the first refresh of the new screen after the key), and until its data is (all
    of its workers done; the duplicates take longer: they show a loading line first).
  * opening a card whose contact has 1,000 interactions, in process, until it is drawn with
    its data. Goal: <= 100 ms. The app builds the card screen ahead, after the first frame;
    the first open still shows and fills it for the first time, later ones reuse it: both
    are shown.

The 100,000-contact database (10,000 companies, 1,000,000 interactions, 100,000 follow-ups)
is the one bench/common.py builds once with the core's generator and caches in bench/out/
(git-ignored; building takes a few minutes); this script copies it and adds one contact with
1,000 interactions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import re
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fcntl import ioctl
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BIG = OUT / "tui-100k.db"
SMALL = OUT / "tui-empty.db"
THOUSAND_NAME = "Thousand Calls"
SEARCH = "ann l"


def program() -> str:
    beside = Path(sys.executable).parent / "pocketcrm"
    return str(beside) if beside.exists() else "pocketcrm"


def add_thousand(store: Any) -> None:
    """One contact with 1,000 interactions, logged through the core's service."""
    from pocketcrm.core.services.activity import InteractionInput, log_interaction
    from pocketcrm.core.services.contacts import ContactInput, create_contact

    created = create_contact(
        store, ContactInput(name=THOUSAND_NAME, emails=["thousand@example.com"])
    )
    start = datetime.now(UTC) - timedelta(days=1000)
    for day in range(1000):
        log_interaction(
            store,
            f"#{created.id}",
            InteractionInput(
                kind="call" if day % 3 else "email",
                when=start + timedelta(days=day),
                duration_s=600 if day % 3 else None,
                outcome="reached" if day % 3 else "",
                notes=f"Call number {day + 1}: talked about the order.",
            ),
        )


def build(rebuild: bool) -> None:
    """The shared 100,000-contact database (bench/common.py) copied once, plus our contact."""
    import shutil

    from common import at_head, big_database

    from pocketcrm.core.store import open_store

    OUT.mkdir(parents=True, exist_ok=True)
    if rebuild or not SMALL.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(SMALL) + suffix).unlink(missing_ok=True)
        store = open_store(SMALL)
        add_thousand(store)
        store.close()
    master = big_database(fresh_copy=False)
    if rebuild or not BIG.exists() or BIG.stat().st_mtime < master.stat().st_mtime:
        partial = BIG.with_suffix(".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(str(partial) + suffix).unlink(missing_ok=True)
        shutil.copyfile(master, partial)
        store = open_store(partial)  # migrates a copy made by an older release
        add_thousand(store)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        partial.rename(BIG)
    at_head(SMALL)


# -- start to first frame ---------------------------------------------------------------------


# A small process starts the program and reports its peak RSS: Linux counts, in a child's
# ru_maxrss, the memory of the process it was forked from, and this script holds the
# 100,000-contact database's build (about 1 GiB) by then.
LAUNCHER = """
import os, subprocess, sys, time
began = time.monotonic()
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
elapsed = time.monotonic() - began
with open(sys.argv[1], "w") as out:
    out.write(f"{elapsed} {usage.ru_maxrss} {status} {began}")
"""

# What the contact list's status line says once the list (or the empty database's welcome)
# is drawn: the first frame with data, read off the terminal. time.monotonic() is one clock
# for every process on Linux, so the launcher's start and this moment compare.
DRAWN = re.compile(rb"of [\d,]+ contacts|No contacts yet")
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z]")


def first_frame(db: Path, argv: list[str] | None = None) -> tuple[float, float, float]:
    """(seconds to the first frame drawn with the list, peak MiB, seconds until the process
    ended) of one `pocketcrm tui` run that exits after the first frame (or of ARGV, the
    floor, in the same terminal: its 'frame' is its end). Shutting Textual down takes 0.1 to
    0.2 s (its input thread polls), which the user does not wait for when opening."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "POCKETCRM_EXIT_AFTER_FIRST_FRAME": "1",
        "POCKETCRM_DB": str(db),
        "TERM": "xterm-256color",
    }

    drawn: list[float] = []

    def drain() -> None:  # the app must never block on a full terminal
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            if not drawn:
                seen = seen[-4096:] + chunk  # a sequence may be split between reads
                if DRAWN.search(ESCAPES.sub(b"", seen)):
                    drawn.append(time.monotonic())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    report = OUT / "first-frame.txt"
    command = argv or [program(), "tui"]
    subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(report), *command],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        check=True,
    )
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    elapsed, peak, status, began = report.read_text().split()
    if int(status) != 0:
        raise SystemExit(f"{' '.join(command)} exited with {status} on {db}")
    if argv is None and not drawn:
        raise SystemExit(f"the list never showed on {db}")
    frame = drawn[0] - float(began) if argv is None else float(elapsed)
    return frame, int(peak) / 1024, float(elapsed)  # ru_maxrss is in KiB on Linux


# The floor: Python itself drawing nothing but importing what any Textual app needs.
FLOOR = [sys.executable, "-c", "import textual.app, textual.widgets"]


# -- in-process figures --------------------------------------------------------------------------


async def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("the interface did not update")
        await asyncio.sleep(0.001)


async def changed(read: Callable[[], float | None], before: float | None) -> float:
    """Wait until READ gives a time other than BEFORE; that time."""
    await wait_until(lambda: read() != before)
    value = read()
    assert value is not None
    return value


async def idle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


async def search_and_card(db: Path, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds per search keystroke, and to open the 1,000-interaction card."""
    from pocketcrm.core.store import open_store
    from pocketcrm.tui.app import make_app
    from pocketcrm.tui.screens.card import CardScreen
    from pocketcrm.tui.screens.contacts import ContactsScreen

    store = open_store(db)
    app = make_app(store, watch_seconds=0)
    keystrokes: list[float] = []
    cards: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await idle(pilot)
        contacts_screen = app.screen
        assert isinstance(contacts_screen, ContactsScreen)

        def card_loaded_after(began: float) -> Callable[[], bool]:
            return lambda: (
                isinstance(app.screen, CardScreen) and (app.screen.loaded_at or 0) > began
            )

        for _ in range(runs):
            await pilot.press("slash")
            await idle(pilot)
            for letter in SEARCH:
                before = contacts_screen.list_painted_at
                began = time.perf_counter()
                await pilot.press("space" if letter == " " else letter)
                painted = await changed(lambda: contacts_screen.list_painted_at, before)
                keystrokes.append((painted - began) * 1000)
                await idle(pilot)  # the id list loads after the list shows; not timed
            await pilot.press("escape")
            await idle(pilot)
        await pilot.press("slash", *"thousand", "enter")
        await idle(pilot)
        for _ in range(runs + 1):
            began = time.perf_counter()
            await pilot.press("enter")
            await wait_until(card_loaded_after(began))
            cards.append((app.screen.loaded_at - began) * 1000)  # type: ignore[attr-defined]
            screen = app.screen
            assert isinstance(screen, CardScreen) and screen.card is not None
            assert screen.card.interaction_count == 1000
            await idle(pilot)
            await pilot.press("escape")
            await idle(pilot)
    store.close()
    return keystrokes, cards


def switches() -> list[tuple[str, str]]:
    """Every main screen by its key (tui/tabs.py; "" for one reached from the palette),
    ending back on the contacts."""
    from pocketcrm.tui.tabs import TABS

    return [(t.key, t.mode) for t in TABS[1:]] + [(TABS[0].key, TABS[0].mode)]


SWITCHES = switches()


async def screen_switches(db: Path, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per screen: milliseconds from its key to the screen drawn, and to its data drawn (all
    of its workers done). The second visit of a screen reuses it; both count."""
    from pocketcrm.core.store import open_store
    from pocketcrm.tui.app import make_app

    store = open_store(db)
    app = make_app(store, watch_seconds=0)
    times: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for _k, m in SWITCHES}

    def in_mode(mode: str) -> Callable[[], bool]:
        return lambda: app.current_mode == mode

    async def refreshed() -> float:
        """When the screen on top has next been drawn (its compositor updated)."""
        drawn: list[float] = []
        app.screen.call_after_refresh(lambda: drawn.append(time.perf_counter()))
        await wait_until(lambda: bool(drawn))
        return drawn[0]

    async with app.run_test(size=(120, 40)) as pilot:
        await idle(pilot)
        for _ in range(runs):
            for key, mode in SWITCHES:
                began = time.perf_counter()
                if key:
                    # The key as the terminal driver posts it. Not pilot.press: it then waits
                    # until the whole process is idle (Textual's wait_for_idle, twice, up to
                    # 1 s each), worker threads included, so it counted the data's loading
                    # (and about 80 ms of its own sleeps) as the switch.
                    app.simulate_key(key)
                else:  # no number key left for it: what the palette's "Go to" runs
                    await app.run_action(f"switch_mode({mode!r})")
                await wait_until(in_mode(mode))
                shown = await refreshed()
                await refreshed()  # the screen's resume handlers have started its workers
                await app.workers.wait_for_complete()
                await pilot.pause()
                times[mode][0].append((shown - began) * 1000)
                times[mode][1].append((time.perf_counter() - began) * 1000)
                await idle(pilot)
    store.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median shown)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    args = parser.parse_args()
    build(args.rebuild)
    empty = OUT / "tui-blank.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(empty) + suffix).unlink(missing_ok=True)
    from pocketcrm.core.store import open_store

    open_store(empty).close()

    results: dict[str, dict[str, float]] = {}
    first_frame(empty, FLOOR)
    floor = statistics.median(first_frame(empty, FLOOR)[0] for _ in range(args.runs))
    for label, db in (("empty", empty), ("100k", BIG)):
        first_frame(db)  # warm the file cache and .pyc files
        runs = [first_frame(db) for _ in range(args.runs)]
        results.setdefault("start to first frame (s)", {})[label] = statistics.median(
            r[0] for r in runs
        )
        results.setdefault("peak RSS at first frame (MiB)", {})[label] = statistics.median(
            r[1] for r in runs
        )
        results.setdefault("  until the process ended (s)", {})[label] = statistics.median(
            r[2] for r in runs
        )
    for label, db in (("empty", SMALL), ("100k", BIG)):
        keys, cards = asyncio.run(search_and_card(db, args.runs))
        results.setdefault("search keystroke to list (ms)", {})[label] = statistics.median(keys)
        results.setdefault("worst search keystroke (ms)", {})[label] = max(keys)
        results.setdefault("open a 1,000-interaction card (ms)", {})[label] = statistics.median(
            cards[1:]
        )
        results.setdefault("  the first time (new screen) (ms)", {})[label] = cards[0]
    for label, db in (("empty", SMALL), ("100k", BIG)):
        switched = asyncio.run(screen_switches(db, args.runs))
        # The median is mostly of revisits: the slowest of all, first visits included.
        results.setdefault("slowest switch drawn, any visit (ms)", {})[label] = max(
            max(shown) for shown, _filled in switched.values()
        )
        for mode, (shown, filled) in switched.items():
            results.setdefault(f"switch to {mode}: drawn (ms)", {})[label] = statistics.median(
                shown
            )
            results.setdefault(f"  {mode} with its data (ms)", {})[label] = statistics.median(
                filled
            )
    goals = {
        "start to first frame (s)": "<= 1.0",
        "peak RSS at first frame (MiB)": "<= 150",
        "  until the process ended (s)": "",
        "search keystroke to list (ms)": "<= 50",
        "worst search keystroke (ms)": "",
        "open a 1,000-interaction card (ms)": "<= 100",
        "  the first time (new screen) (ms)": "",
    }
    goals["slowest switch drawn, any visit (ms)"] = "<= 150"
    for _key, mode in SWITCHES:
        goals[f"switch to {mode}: drawn (ms)"] = "<= 150"
        goals[f"  {mode} with its data (ms)"] = ""
    print(f"\nmedians of {args.runs} runs ('empty': no contacts, or only the 1,000-call one)")
    start = results["start to first frame (s)"]
    print(
        f"floor (Python importing Textual) {floor:.2f} s; start to first frame is "
        f"{start['empty'] / floor:.1f}x it (empty) and {start['100k'] / floor:.1f}x (100k)"
    )
    print(f"{'figure':<38}{'empty':>10}{'100k':>10}{'goal':>10}")
    for name, values in results.items():
        print(f"{name:<38}{values['empty']:>10.2f}{values['100k']:>10.2f}{goals[name]:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
