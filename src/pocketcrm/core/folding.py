"""The accent- and case-folded key that names are stored and matched by (contact.name_key,
company.name_key). Standard library only: shell completion folds what was typed without
paying for the database stack."""

from __future__ import annotations

import unicodedata

# Letters that are letters of their own, not a letter plus a mark, so NFKD leaves them whole;
# people type them without: "lukasz" is "Łukasz", "soren" is "Søren" (ß and ẞ casefold to ss).
FOLDED_LETTERS = {
    "ł": "l",
    "ø": "o",
    "æ": "ae",
    "đ": "d",
    "ð": "d",
    "œ": "oe",
    "þ": "th",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ĸ": "k",
}
_LETTERS = str.maketrans(FOLDED_LETTERS)


def fold(value: str) -> str:
    """Accent- and case-insensitive key: 'Zoë Åkesson' -> 'zoe akesson', 'Łukasz Żółkiewski'
    -> 'lukasz zolkiewski'. The one folding rule: lookup, search, the search index, duplicate
    matching, shell completion and the stored name keys all use it."""
    if value.isascii():  # nothing to decompose: most names and every company key
        return " ".join(value.casefold().split())
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    if not decomposed.isascii():
        decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(
            _LETTERS
        )
    return " ".join(decomposed.split())


def like_escape(value: str) -> str:
    """VALUE as literal text inside a LIKE pattern (with ESCAPE '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
