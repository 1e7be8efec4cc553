"""How long a call took: "15m", "1h30m", "1:30", "2 hours", and the short form shown back."""

from __future__ import annotations

import re

from pocketcrm.core.dates.grammar import alt
from pocketcrm.core.errors import Invalid

__all__ = ["format_duration", "parse_duration"]

_DURATION_HINT = "try '15m', '1h30m', '1:30' (h:mm), '90' (minutes) or '45s'"


def parse_duration(text: str, *, field: str = "duration") -> int:
    """Seconds from "15m", "1h30m", "1:30", "2 hours", "45s" or a bare number of minutes."""
    shown = text.strip()
    s = " ".join(shown.lower().replace(",", " ").split())
    if not s:
        raise Invalid(field, f"is empty; {_DURATION_HINT}")
    if s.startswith("-"):
        raise Invalid(field, f"{shown!r} is not more than zero; {_DURATION_HINT}")
    s = re.sub(r"^an?\s+", "1 ", s)
    total = _duration_seconds(s, shown, field)
    if total is None:
        raise Invalid(field, f"cannot read {shown!r}; {_DURATION_HINT}")
    if total <= 0:
        raise Invalid(field, f"{shown!r} is not more than zero; {_DURATION_HINT}")
    if total > _MAX_DURATION:
        raise Invalid(field, f"{shown!r} is too long; the most is {_MAX_DURATION // 86400} days")
    return total


def format_duration(seconds: int) -> str:
    """The short form parse_duration reads back: "15m", "1h 30m", "45s", "2h 5m 10s"."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n]
    return " ".join(parts) or "0m"


_MAX_DURATION = 366 * 86400
_DURATION_UNITS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_DURATION_PART = rf"(\d{{1,9}}(?:\.\d{{1,9}})?|\.\d{{1,9}})\s*({alt(_DURATION_UNITS)})"
_ANY_PART = rf"(?:\d{{1,9}}(?:\.\d{{1,9}})?|\.\d{{1,9}})\s*(?:{alt(_DURATION_UNITS)})"
_RE_DURATION = rf"{_ANY_PART}(?:\s*(?:and\s+)?{_ANY_PART})*"
_RE_DURATION_PART = _DURATION_PART


def _duration_seconds(s: str, shown: str, field: str) -> int | None:
    """Total seconds of a normalized duration, None if it is not one we know."""
    if re.fullmatch(r"\d{1,9}", s):
        return int(s) * 60
    if m := re.fullmatch(r"(\d{1,6}):(\d{2})(?::(\d{2}))?", s):
        hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0)
        if minutes > 59 or seconds > 59:
            raise Invalid(field, f"{shown!r}: minutes and seconds go 00-59 in h:mm[:ss]")
        return hours * 3600 + minutes * 60 + seconds
    if not re.fullmatch(_RE_DURATION, s):
        return None
    total = 0.0
    seen: set[int] = set()
    for part in re.finditer(_RE_DURATION_PART, s):
        size = _DURATION_UNITS[part[2]]
        if size in seen:
            raise Invalid(field, f"{shown!r} names a unit twice; {_DURATION_HINT}")
        seen.add(size)
        total += float(part[1]) * size
    return round(total)
