"""A second process that holds the write lock until told to let go.

    python lock_holder.py DB_OR_URL RELEASE_FILE

SQLite: BEGIN IMMEDIATE on the file, as an import's write transaction does. PostgreSQL: the
advisory write lock every pocketcrm writer takes. Prints "locked" once it holds the lock,
lets go when RELEASE_FILE exists (at most 5 minutes), then prints "released".
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from pocketcrm.core.store import WRITE_LOCK


def hold(target: str, release: Path) -> None:
    deadline = time.monotonic() + 300
    if "://" in target:
        import psycopg

        with psycopg.connect(target) as conn:
            conn.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            print("locked", flush=True)
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            conn.commit()
    else:
        lite = sqlite3.connect(target, isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        lite.execute("COMMIT")
        lite.close()
    print("released", flush=True)


if __name__ == "__main__":
    hold(sys.argv[1], Path(sys.argv[2]))
