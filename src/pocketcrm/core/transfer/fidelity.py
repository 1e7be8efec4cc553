"""Which of two values of a contact's field an import keeps: the one rule for conflicts.

An import that meets a stored contact compares each field it brings with the stored value.
Equal, or empty in the file: nothing to decide. Empty in the database: the file fills it.
Otherwise the policy (`--on-conflict`) decides, and the value not kept is recorded as an
alternate of the contact (shown on the card, exported in JSON, undone with the batch):

- `replace`: the file's value wins;
- `keep`: the stored value stays;
- `newer` (the default):
  * two spellings of the same name (equal once accents, punctuation, spaces and case are
    folded away: "Zoë O'Brien-Åkesson" and "zoe obrien akesson") keep the RICHER one: more
    letters with diacritics, then more punctuation, then more capitals in mixed case (an
    all-capitals spelling counts none). A tie keeps the stored spelling;
  * otherwise the NEWER value wins. The stored value's time is the contact's `updated_at`,
    and it counts as a local edit only when it is later than the contact's last import (a
    contact never imported was made here, so it counts too). Without such an edit the stored
    values came from an earlier file, and the file being imported wins, as re-importing a
    fresh export should. With one, the stored value is newer when its time is later than the
    file record's own time: a pocketcrm JSON record's `updated_at`, a vCard's REV, else the
    file's modification time (a CSV has no per-record time; FILE_TIME_GRACE is added to it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# A file's modification time is the time of its records only roughly: file systems keep it
# coarsely (FAT to two seconds, Linux to a clock tick), so a file written just after a local
# edit could look older than it. A stored value must be this much later to count as newer.
FILE_TIME_GRACE = timedelta(seconds=2)

POLICIES = ("newer", "keep", "replace")
DEFAULT_POLICY = "newer"

KEEP = "keep"  # the stored value stays; the file's is recorded as an alternate
TAKE = "take"  # the file's value is written; the stored one is recorded as an alternate


def check_policy(policy: str) -> str:
    from pocketcrm.core.errors import Invalid

    if policy not in POLICIES:
        raise Invalid(
            "on-conflict", f"unknown choice {policy!r}; use one of: {', '.join(POLICIES)}"
        )
    return policy


# Letters that carry their mark in the letter itself (NFKD leaves them whole).
_PLAIN = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th"})


def spelling_key(value: str) -> str:
    """A value with accents, punctuation, spaces and case removed: equal keys are two
    spellings of the same name."""
    decomposed = unicodedata.normalize("NFKD", value).casefold().translate(_PLAIN)
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def richness(value: str) -> tuple[int, int, int]:
    """(letters beyond ASCII, punctuation marks, capitals when the case is mixed)."""
    letters = [ch for ch in value if ch.isalpha()]
    marks = sum(1 for ch in letters if not ch.isascii())
    punctuation = sum(1 for ch in value if not ch.isalnum() and not ch.isspace())
    upper = sum(1 for ch in letters if ch.isupper())
    mixed = upper if 0 < upper < len(letters) else 0
    return marks, punctuation, mixed


def same_name(a: str, b: str) -> bool:
    """Two non-empty spellings of the same name (or the same value written twice)."""
    return bool(a) and bool(b) and a != b and spelling_key(a) == spelling_key(b)


def revision_time(value: str) -> datetime | None:
    """A vCard REV (20260102T030405Z, 2026-01-02T03:04:05Z or a date) as aware UTC; None
    when it is missing or unreadable (the file's time is used then)."""
    text = value.strip()
    if not text:
        return None
    compact = re.fullmatch(r"(\d{8})(?:T(\d{6}))?(Z|[+-]\d{4})?", text)
    if compact:
        day, time, zone = compact.groups()
        text = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        if time:
            text += f"T{time[:2]}:{time[2:4]}:{time[4:]}{zone or ''}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Times:
    """The moments the `newer` rule compares (aware UTC; None when unknown)."""

    stored: datetime | None  # the contact's updated_at
    last_import: datetime | None  # the latest import that created or updated it
    record: datetime | None  # the file record's own time (JSON updated_at, REV, file mtime)

    def stored_is_newer(self) -> bool:
        edited_here = self.stored is not None and (
            self.last_import is None or self.stored > self.last_import
        )
        if not edited_here:
            return False
        assert self.stored is not None
        return self.record is None or self.stored > self.record


def decide(stored: str, incoming: str, policy: str, times: Callable[[], Times]) -> str | None:
    """KEEP, TAKE, or None when there is nothing to decide (equal, or one side empty: an
    empty file value changes nothing and an empty stored value is simply filled). TIMES is
    asked only when the newer rule needs it (it may cost a query)."""
    if not incoming or incoming == stored or not stored:
        return None
    if policy == "replace":
        return TAKE
    if policy == "keep":
        return KEEP
    if same_name(stored, incoming):
        return TAKE if richness(incoming) > richness(stored) else KEEP
    return KEEP if times().stored_is_newer() else TAKE
