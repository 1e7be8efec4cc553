"""Writing a small file whole: under a hidden temporary name, then renamed over the target,
so a reader (cron, systemd, libpq) never sees half of it. Standard library only."""

from __future__ import annotations

import os
from pathlib import Path


def write_whole(path: Path, text: str, mode: int = 0o644) -> Path:
    """Write TEXT to PATH (its folder made if missing) with MODE from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.pocketcrm-tmp")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(partial, mode)  # the umask may have narrowed it
    os.replace(partial, path)
    return path
