"""A second process that keeps the database busy: many short write transactions.

    python busy_writer.py DB MODE STOP_FILE

MODE "notes": log a note on contact 1 per transaction (BEGIN IMMEDIATE through the core).
MODE "pairs": log a call with a follow-up per transaction (two rows that belong together).
Prints "ready" after the first write, runs until STOP_FILE exists (at most 60 s), then
prints the number of transactions it committed.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from pocketcrm.core import clock
from pocketcrm.core.services import activity
from pocketcrm.core.store import open_store


def main(db: str, mode: str, stop_file: str) -> None:
    store = open_store(db)
    stop = Path(stop_file)
    deadline = time.monotonic() + 60
    done = 0
    while True:
        if mode == "notes":
            data = activity.InteractionInput(kind="note", notes=f"busy {done}")
        else:
            data = activity.InteractionInput(
                notes=f"pair {done}", follow_up_at=clock.now() + timedelta(days=1)
            )
        activity.log_interaction(store, "1", data)
        done += 1
        if done == 1:
            print("ready", flush=True)
        if stop.exists() or time.monotonic() > deadline:
            break
        time.sleep(0.001)  # busy, but leave the other process a CPU on a small machine
    store.close()
    print(done, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
