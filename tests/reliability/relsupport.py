"""Names the reliability tests share (conftest.py only holds fixtures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
POCKETCRM = str(Path(sys.executable).with_name("pocketcrm"))


class BusyWriter:
    """busy_writer.py in its own process; stop() ends it and returns its commit count."""

    def __init__(self, db: Path, mode: str, stop_file: Path) -> None:
        self.stop_file = stop_file
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "busy_writer.py"), str(db), mode, str(stop_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        assert first == "ready", self.process.stderr.read() if self.process.stderr else first

    def stop(self) -> int:
        self.stop_file.touch()
        out, errors = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, errors
        return int(out.split()[-1])
