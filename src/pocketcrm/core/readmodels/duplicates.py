"""A possible duplicate of a contact (the duplicate rule in core/matching.py).

Frozen dataclasses, no session attached (see core/readmodels/__init__.py for the JSON
shape). A module per kind of record, so a command builds only the classes it returns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DuplicateCandidate:
    id: int
    display_name: str
    score: int  # 0-100 confidence
    reasons: tuple[str, ...]
