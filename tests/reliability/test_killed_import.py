"""An import killed with SIGKILL takes its worker processes with it.

Pool workers used to outlive their parent (each blocked on the other's pipe, about 70 MB
each, the database file open) until someone killed them by hand.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from procs import descendants, running, wait_for
from relsupport import POCKETCRM

from pocketcrm.core.transfer import importer

pytestmark = pytest.mark.slow


def big_csv(path: Path, rows: int) -> Path:
    """A CSV big enough to be parsed by worker processes."""
    lines = ["Name,Email,Phone,Notes\n"]
    lines += [
        f"Person Number{i},p{i}@example.com,+1 212 {200 + i % 700} {i % 10000:04d},row {i}\n"
        for i in range(rows)
    ]
    path.write_text("".join(lines), encoding="utf-8")
    assert path.stat().st_size >= importer.PARALLEL_BYTES
    return path


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_the_import_is_killed(tmp_path: Path) -> None:
    source = big_csv(tmp_path / "big.csv", 80_000)
    process = subprocess.Popen(
        [POCKETCRM, "--db", str(tmp_path / "crm.db"), "import", str(source), "--yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "CI": "1"},
    )
    workers: set[int] = set()

    def workers_seen() -> bool:
        workers.update(descendants(process.pid))
        return bool(workers)

    try:
        # Mid-run: the workers are there (they live until every chunk is parsed).
        assert wait_for(workers_seen, 120)
        assert process.poll() is None, "the import finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        assert wait_for(lambda: not any(running(pid) for pid in workers), 5.0), [
            pid for pid in workers if running(pid)
        ]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        for pid in workers:  # what a failing run left behind
            if running(pid):
                os.kill(pid, signal.SIGKILL)
