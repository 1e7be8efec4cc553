"""Words for people shared by both faces (and the core's messages): standard library only, so
any command may import it at module level without slowing start-up."""

from __future__ import annotations

from datetime import datetime, timedelta

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


# -- relative times -----------------------------------------------------------------------------
# One arithmetic for "how long ago" and one for "how long", so the list, the card, `show` and
# `remind --status` never disagree about the same moment. NOW is passed in (the core's clock,
# in the user's zone): this module stays standard library only.


def ago(moment: datetime | None, now: datetime) -> str:
    """'today', '3d ago', '5mo ago', '2y ago', 'in 2d' or 'never': how long since MOMENT.

    Counted in calendar days on NOW's wall clock (NOW carries the user's zone), so a call
    made late yesterday is '1d ago' this morning, and one made this morning is 'today'."""
    if moment is None:
        return "never"
    days = (now.date() - moment.astimezone(now.tzinfo).date()).days
    if days < 0:
        return f"in {-days}d"
    if days == 0:
        return "today"
    if days < 60:
        return f"{days}d ago"
    if days < 730:
        return f"{days // 30}mo ago"
    return f"{days // 365}y ago"


def span(length: timedelta, *, words: bool = False) -> str:
    """A length of time in one unit: '40m', '5h', '3d' (WORDS: '40 minutes', '5 hours',
    '3 days', 'less than a minute'). Minutes up to two hours, hours up to two days."""
    minutes = max(0, int(length.total_seconds() // 60))
    if minutes < 120:
        value, unit = minutes, "minute"
    elif minutes < 48 * 60:
        value, unit = minutes // 60, "hour"
    else:
        value, unit = minutes // (24 * 60), "day"
    if not words:
        return f"{value}{unit[0]}"
    return "less than a minute" if minutes < 1 else count(value, unit)
