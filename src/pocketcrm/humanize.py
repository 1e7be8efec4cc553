"""Words for people shared by both faces (and the core's messages): standard library only, so
any command may import it at module level without slowing start-up."""

from __future__ import annotations

# -- counts and plurals -----------------------------------------------------------------------
# One rule for "1 deal" / "2 deals" everywhere a count is printed, so no face says "1 deals".

_IRREGULAR = {"person": "people", "company": "companies", "entry": "entries", "this": "these"}


def plural(noun: str, n: int, many: str = "") -> str:
    """NOUN as it reads after the number N: 'deal' -> 'deals' unless N is 1 (or -1).

    A noun of several words has its last word changed ('follow-up' -> 'follow-ups'); MANY
    is the plural when the rule cannot make it ('invoice or order' -> 'invoices and orders')."""
    if abs(n) == 1:
        return noun
    if many:
        return many
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        word = _IRREGULAR[last]
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        word = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        word = last + "es"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def count(n: int, noun: str, *, number: str | None = None, many: str = "") -> str:
    """'1 deal', '2 deals', '0 deals'; NUMBER is N already formatted (e.g. '1,204')."""
    return f"{n if number is None else number} {plural(noun, n, many)}"
