"""Make a cell safe to open in a spreadsheet (CSV formula injection), line by line."""

from __future__ import annotations

import re

__all__ = ["sanitize_cell"]

_FORMULA_START = ("=", "+", "-", "@")
_PHONE_LIKE = re.compile(r"\s*\+?[\d\s().-]+(?:\s*:::\s*\+?[\d\s().-]+)*\s*")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def sanitize_cell(value: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection).

    Every line that starts (after spaces) with = + - @, or starts with a tab, gets a leading
    apostrophe, which spreadsheets show as text. Lines that are only a phone number such as
    "+44 20 7946 0958" (or a list of them) are left alone: digits alone cannot do harm.
    """
    pieces = _LINE_BREAK.split(value)
    for index in range(0, len(pieces), 2):
        line = pieces[index]
        if not line:
            continue
        risky = line[0] == "\t" or line.lstrip()[:1] in _FORMULA_START
        if risky and not _PHONE_LIKE.fullmatch(line):
            pieces[index] = "'" + line
    return "".join(pieces)
