"""Names the reliability tests share (conftest.py only holds fixtures)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

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


class LockHolder:
    """lock_holder.py in its own process: holds the write lock until release()."""

    def __init__(self, target: str, release_file: Path) -> None:
        self.release_file = release_file
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "lock_holder.py"), target, str(release_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        assert first == "locked", self.process.stderr.read() if self.process.stderr else first

    def release(self) -> None:
        self.release_file.touch()
        out, errors = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, errors
        assert out.strip() == "released"


class Lines:
    """A process's stderr read line by line in a thread, so a test can wait for a line."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def done(self, limit: float = 60) -> list[str]:
        """Every line, once the stream has ended."""
        self._thread.join(limit)
        return list(self.lines)
