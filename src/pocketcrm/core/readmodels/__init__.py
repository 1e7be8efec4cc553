"""Plain read models the services return: frozen dataclasses, no session attached.

Faces render them; `as_dict` gives the stable JSON shape documented in the README
(times as ISO 8601 in UTC with a Z, missing values as null).

The models live in a module per kind of record (card, contact_row, activity, created,
duplicates, companies, trash, report): building a dataclass compiles its methods, and a
one-line command should build only the classes it returns (issue 16: the twenty classes
together cost about a sixth of the plain floor).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def as_dict(value: Any) -> Any:
    """JSON-ready form of any read model (or list of them)."""
    return _plain(value)
