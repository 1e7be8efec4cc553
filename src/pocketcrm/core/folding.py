"""The accent- and case-folded key that names are stored and matched by (contact.name_key,
company.name_key). Standard library only: shell completion folds what was typed without
paying for the database stack."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Accent- and case-insensitive key: 'Zoë Åkesson' -> 'zoe akesson'."""
    if value.isascii():  # nothing to decompose: most names and every company key
        return " ".join(value.casefold().split())
    decomposed = unicodedata.normalize("NFKD", value)
    if decomposed.isascii():
        stripped = decomposed
    else:
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def like_escape(value: str) -> str:
    """VALUE as literal text inside a LIKE pattern (with ESCAPE '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
