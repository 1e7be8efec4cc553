"""A real import that stops itself (SIGSTOP) at a chosen moment of its write, to be killed.

    python stopping_import.py DB FILE POINT

POINT "ahead": the first chunk of its new contacts' search rows is committed, the next not
begun. POINT "replay": every write is replayed inside the locked transaction, not committed.
Only the moment is chosen: the import itself is the real one. A test waits until the
process is stopped (waitpid WUNTRACED), so no timing decides where the kill lands.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from pocketcrm.core.store import open_store
from pocketcrm.core.transfer.importer import apply, import_files
from pocketcrm.core.transfer.importer.recorder import Recorder


def _stop() -> None:
    os.kill(os.getpid(), signal.SIGSTOP)


def _pause_between_search_chunks() -> None:
    real = apply.write_ahead
    calls: list[int] = []

    def paused(*args: Any, **kwargs: Any) -> bool:
        if calls:
            _stop()
        calls.append(1)
        return real(*args, **kwargs)

    apply.write_ahead = paused


def _pause_before_the_commit() -> None:
    real = Recorder.replay

    def paused(self: Recorder, dbapi_connection: Any) -> int:
        changed = real(self, dbapi_connection)
        _stop()
        return changed

    setattr(Recorder, "replay", paused)  # noqa: B010 - mypy refuses assigning a method


def main(db: str, file: str, point: str) -> None:
    {"ahead": _pause_between_search_chunks, "replay": _pause_before_the_commit}[point]()
    store = open_store(db)
    import_files(store, [file])
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
