"""The backups' names and rotation: which files are backups, when each was taken, and which
the rotation removes. Below both the store (which rotates after the backups it takes) and
core/backups.py (which lists, checks and restores them).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pocketcrm.core.settings import BackupConfig

# {stem}-{YYYYmmddTHHMMSSffffff}-{reason}.db|.dump, as the store names them.
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{12})-(?P<reason>[a-z0-9-]+)\.(db|dump)$")
_UPGRADE = re.compile(r"^before-\d{4}$")  # taken by Store.migrate before an upgrade


def parse(path: Path) -> tuple[datetime, str] | None:
    """When a backup file was taken and why, from its name (None: not a backup's name)."""
    found = _NAME.match(path.name)
    if found is None:
        return None
    taken = datetime.strptime(found["stamp"], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    return taken, found["reason"]


def to_prune(backups: list[Path], config: BackupConfig, now: datetime) -> list[Path]:
    """The backups rotation removes: past the newest `keep`, or older than `keep_days`.

    Never the newest backup, nor the newest taken before an upgrade: that one is the way
    back to the release before, however many daily backups came after it.
    """
    dated = sorted(
        ((parsed, path) for path in backups if (parsed := parse(path)) is not None),
        key=lambda item: item[0][0],
    )
    if not dated:
        return []
    protected = {dated[-1][1]}
    upgrades = [path for (_, reason), path in dated if _UPGRADE.match(reason)]
    if upgrades:
        protected.add(upgrades[-1])
    keep = max(config.keep, 1)
    cutoff = now - timedelta(days=config.keep_days) if config.keep_days > 0 else None
    doomed = [path for _, path in dated[:-keep]]
    if cutoff is not None:
        doomed += [path for (taken, _), path in dated[-keep:] if taken < cutoff]
    return [path for path in doomed if path not in protected]
