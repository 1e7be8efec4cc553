"""Four `pocketcrm add` of the same person at the same moment make exactly one contact.

The duplicate check used to run in a read of its own before the write, so two processes
could both find nothing and both add (seen 1 run in 5). It now runs inside the write
transaction: BEGIN IMMEDIATE on SQLite, the advisory write lock on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from relsupport import POCKETCRM

from pocketcrm.core.services.contacts import list_contacts
from pocketcrm.core.store import open_store

pytestmark = pytest.mark.slow

NAMES = ("Ann Lee", "Bo Berg", "Cy Dahl", "Di Ek", "Ed Fors", "Flo Gray")
ROUNDS = len(NAMES)
PROCESSES = 4


def race(target: str, round_: int) -> list[subprocess.CompletedProcess[str]]:
    """PROCESSES adds of one person started together; their results."""
    command = [POCKETCRM, "--db", target, "add", NAMES[round_]]
    command += ["-e", f"same{round_}@example.com"]
    env = {**os.environ, "CI": "1"}
    started = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(PROCESSES)
    ]
    results = []
    for process in started:
        out, errors = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, errors))
    return results


def check_rounds(target: str) -> None:
    open_store(target).close()  # created and migrated before the race
    for round_ in range(ROUNDS):
        results = race(target, round_)
        codes = sorted(r.returncode for r in results)
        assert codes == [0] + [2] * (PROCESSES - 1), [(r.returncode, r.stderr) for r in results]
        for refused in (r for r in results if r.returncode == 2):
            *waited, last = refused.stderr.splitlines()  # a loaded machine may make one wait
            assert last.startswith("pocketcrm: error: likely duplicate of #"), refused.stderr
            assert all(line.startswith("pocketcrm: waiting for") for line in waited)
    store = open_store(target)
    names = sorted(row.display_name for row in list_contacts(store))
    store.close()
    assert names == sorted(NAMES)


def test_simultaneous_adds_make_one_contact(tmp_path: Path) -> None:
    check_rounds(str(tmp_path / "crm.db"))


def test_simultaneous_adds_make_one_contact_on_postgresql(pg_server: object) -> None:
    check_rounds(pg_server.database())  # type: ignore[attr-defined]
