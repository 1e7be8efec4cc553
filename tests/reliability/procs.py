"""Processes seen through /proc: the descendants of a process and whether one still runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent id) of PID, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[0], int(fields[1])


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed process nobody has reaped yet is gone for us)."""
    found = _stat(pid)
    return found is not None and found[0] != "Z"


def descendants(pid: int) -> set[int]:
    """Every living process below PID (children, their children, ...)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None and found[0] != "Z":
                parents.setdefault(found[1], []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def wait_for(condition: Callable[[], bool], limit: float, step: float = 0.02) -> bool:
    """Poll CONDITION until it holds (True) or LIMIT seconds pass (False)."""
    deadline = time.monotonic() + limit
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
