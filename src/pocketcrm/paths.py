"""Where pocketcrm keeps things: platformdirs locations, each overridable from the environment.

POCKETCRM_DB (a path or a URL), POCKETCRM_CONFIG, POCKETCRM_DATA_DIR and POCKETCRM_STATE_DIR
point a whole process elsewhere; the test suite uses them so no test touches a real CRM.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "pocketcrm"
DB_NAME = "pocketcrm.db"  # the default database's file, in the data directory


def data_dir() -> Path:
    override = os.environ.get("POCKETCRM_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir  # ~30 ms: only when a path is needed

    return Path(user_data_dir(APP, appauthor=False))


def config_path() -> Path:
    override = os.environ.get("POCKETCRM_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"


def state_dir() -> Path:
    """Logs and the reminder job's state."""
    override = os.environ.get("POCKETCRM_STATE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir(APP, appauthor=False))


def default_db() -> str:
    """The database to open when --db is not given: POCKETCRM_DB, else the data dir's file."""
    return os.environ.get("POCKETCRM_DB") or str(data_dir() / DB_NAME)


def demo_db() -> Path:
    return data_dir() / "demo.db"


def ensure_private_dir(path: Path) -> Path:
    """Create a directory only its owner can read (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def is_default_db(location: str) -> bool:
    """Whether LOCATION is the data directory's own file, which is made silently on first run
    (any other path must exist or be asked for with --create: a typo must not look like an
    empty CRM)."""
    if "://" in location or Path(location).name != DB_NAME:
        return False  # no need to ask platformdirs (~14M instructions) where the default is
    wanted = Path(location).expanduser().absolute()
    return wanted == (data_dir() / DB_NAME).expanduser().absolute()


def shown(text: str) -> str:
    """A database path or URL (or a command line holding one) fit to print: the password in
    any scheme://user:password@host becomes ***."""
    import re

    return re.sub(r"(://[^:/@\s]*:)[^\s'\"]+@", r"\1***@", text)
