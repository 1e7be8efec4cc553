"""Keep a server password out of scheduled jobs: libpq reads it from ~/.pgpass instead.

A crontab line, a systemd unit or a plist is readable by tools and backups, and the running
command shows in every user's process list; so `cron install` moves a password found in the
URL into the password file (0600: libpq ignores a file others can read) and schedules the URL
without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from pocketcrm.core.files import write_whole


def password_file() -> Path:
    """$PGPASSFILE, else ~/.pgpass: where libpq looks."""
    override = os.environ.get("PGPASSFILE")
    return Path(override).expanduser() if override else Path.home() / ".pgpass"


def _field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _split(line: str) -> list[str]:
    """A .pgpass line's fields, honouring backslash escapes."""
    fields, current, escaped = [], "", False
    for ch in line:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ":":
            fields.append(current)
            current = ""
        else:
            current += ch
    return [*fields, current]


def without_password(url: str) -> str:
    """URL with any password taken out (the user name stays)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}"))


def remember(url: str, path: Path | None = None) -> tuple[str, Path | None]:
    """Move the password of a server URL into the password file.

    Returns the URL without it, and the file written (None when there was no password).
    An existing entry for the same host, port, database and user is replaced.
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    query = parse_qs(parts.query)  # libpq's ?host=/socket/dir&port=N win over the netloc
    user = unquote(parts.username or "")
    host = (query.get("host") or [parts.hostname or "localhost"])[0]
    port = (query.get("port") or [str(parts.port or 5432)])[0]
    database = unquote(parts.path.lstrip("/")) or user
    key = [host, port, database, user]
    entry = ":".join(_field(v) for v in [*key, unquote(parts.password)])
    target = path or password_file()
    lines = target.read_text(encoding="utf-8").splitlines() if target.exists() else []
    kept = [line for line in lines if _split(line)[:4] != key]
    write_whole(target, "".join(f"{line}\n" for line in [*kept, entry]), 0o600)
    return without_password(url), target
