"""Reliability tests use real processes on a real database file."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from relsupport import BusyWriter


@pytest.fixture
def busy_writer(tmp_path: Path) -> Iterator[type[BusyWriter]]:
    started: list[BusyWriter] = []

    def start(db: Path, mode: str) -> BusyWriter:
        writer = BusyWriter(db, mode, tmp_path / f"stop-{len(started)}")
        started.append(writer)
        return writer

    yield start  # type: ignore[misc]
    for writer in started:
        if writer.process.poll() is None:
            writer.stop_file.touch()
            try:
                writer.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                writer.process.kill()
