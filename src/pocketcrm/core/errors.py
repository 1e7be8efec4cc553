"""Typed errors the core raises; each face turns them into one line and an exit code."""

from __future__ import annotations

from collections.abc import Sequence


class CrmError(Exception):
    """Base of every error a person can cause or fix; never shown with a traceback."""

    exit_code = 1


class Invalid(CrmError):
    """Bad input: names the field and how to fix it (exit 2)."""

    exit_code = 2

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(CrmError):
    """Nothing matched a reference (exit 3); suggestions are the closest names."""

    exit_code = 3

    def __init__(self, what: str, ref: str, suggestions: Sequence[str] = ()) -> None:
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"no {what} matches {ref!r}{hint}")
        self.what = what
        self.ref = ref
        self.suggestions = list(suggestions)


class Ambiguous(CrmError):
    """Several records matched a reference (exit 4); candidates are (id, label) pairs."""

    exit_code = 4

    def __init__(self, what: str, ref: str, candidates: Sequence[tuple[int, str]]) -> None:
        super().__init__(f"{len(candidates)} {what}s match {ref!r}; use an id")
        self.what = what
        self.ref = ref
        self.candidates = list(candidates)


class NotAllowed(CrmError):
    """The acting user's role may not do this (exit 5); names who can grant it."""

    exit_code = 5

    def __init__(self, what: str, granters: Sequence[str] = (), *, reason: str = "") -> None:
        who = f"an admin ({', '.join(granters)})" if granters else "an admin"
        because = f" ({reason})" if reason else ""
        super().__init__(f"not allowed: {what}{because}; {who} can do it or grant you the role")
        self.what = what
        self.granters = list(granters)


class StoreError(CrmError):
    """The database cannot be opened, migrated or written (exit 1)."""

    exit_code = 1


class Locked(StoreError):
    """Another process held the write lock past the wait limit (exit 1); nothing was written."""
