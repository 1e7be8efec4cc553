"""Reliability tests use real processes on a real database file."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from relsupport import BusyWriter, LockHolder


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


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[type[LockHolder]]:
    """Start a process that holds the write lock; it lets go at the end of the test."""
    started: list[LockHolder] = []

    def start(target: str) -> LockHolder:
        holder = LockHolder(target, tmp_path / f"release-{len(started)}")
        started.append(holder)
        return holder

    yield start  # type: ignore[misc]
    for holder in started:
        if holder.process.poll() is None:
            holder.release_file.touch()
            try:
                holder.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                holder.process.kill()
