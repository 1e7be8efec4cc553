"""The words every contact format shares: labels, birthday-style dates and a fallback name.

vCard, the CSV flavours and JSON all meet "Mobile", "cell" and Apple's ``_$!<Mobile>!$_``, or
"--05-17" and year 1604 for a birthday without a year; reading them here once means every
source speaks pocketcrm's vocabulary.
"""

from __future__ import annotations

import re
from datetime import date

from pocketcrm.core.transfer.records import ContactDraft

__all__ = ["canonical_label", "display_name_for", "normalize_date", "unwrap_apple_label"]

_CANONICAL_LABELS = {
    "mobile": "mobile",
    "cell": "mobile",
    "cellular": "mobile",
    "mobile phone": "mobile",
    "cell phone": "mobile",
    "work": "work",
    "business": "work",
    "office": "work",
    "home": "home",
    "other": "other",
    "main": "main",
    "company main": "main",
    "pager": "pager",
    "fax": "fax",
    "work fax": "work fax",
    "workfax": "work fax",
    "business fax": "work fax",
    "home fax": "home fax",
    "homefax": "home fax",
    "other fax": "other fax",
    "otherfax": "other fax",
    "iphone": "iphone",
    "homepage": "homepage",
    "home page": "homepage",
    "school": "school",
    "anniversary": "anniversary",
}

_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_", re.DOTALL)


def unwrap_apple_label(text: str) -> str:
    """Apple stores its built-in labels as ``_$!<Mobile>!$_``; custom ones as plain text."""
    match = _APPLE_LABEL.fullmatch(text.strip())
    return match.group(1).strip() if match else text.strip()


def canonical_label(text: str) -> str:
    """Turn a label from any source into pocketcrm's vocabulary ("Mobile" -> "mobile").

    Well-known labels are lower-cased so "Work", "WORK" and Apple's ``_$!<Work>!$_`` agree;
    anything else is a person's own label and is kept as typed.
    """
    label = unwrap_apple_label(text)
    return _CANONICAL_LABELS.get(" ".join(label.lower().split()), label)


_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_NO_YEAR_DATE = re.compile(r"--(\d{2})-?(\d{2})")
_NO_YEAR_MARKERS = ("1604", "0000")  # Apple's "year unknown" and the all-zero placeholder


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def normalize_date(value: str, *, omit_year: str = "") -> str | None:
    """Read a birthday-style date; return "YYYY-MM-DD", "--MM-DD" (no year) or None.

    Accepts "1980-05-17", "19800517", "--0517", "--05-17" and a trailing time part. Apple
    writes year 1604 (or says so in X-APPLE-OMIT-YEAR, passed as omit_year) for "no year".
    """
    text = value.strip()
    if "T" in text:
        text = text.split("T", 1)[0]
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = match.groups()
        if year in _NO_YEAR_MARKERS or (omit_year and year == omit_year):
            return f"--{month}-{day}" if _valid_day(2000, int(month), int(day)) else None
        if _valid_day(int(year), int(month), int(day)):
            return f"{year}-{month}-{day}"
        return None
    match = _NO_YEAR_DATE.fullmatch(text)
    if match:
        month, day = match.groups()
        # 2000 is a leap year, so --02-29 is accepted.
        return f"--{month}-{day}" if _valid_day(2000, int(month), int(day)) else None
    return None


def display_name_for(draft: ContactDraft) -> str:
    """The name to show when a source gave none: the person's name parts, else what we have."""
    parts = (draft.prefix, draft.given_name, draft.additional_names, draft.family_name)
    name = " ".join(part.strip() for part in parts if part.strip())
    if draft.suffix.strip():
        name = f"{name}, {draft.suffix.strip()}" if name else draft.suffix.strip()
    if name:
        return name
    for candidate in (draft.company, draft.nickname):
        if candidate.strip():
            return candidate.strip()
    if draft.emails:
        return draft.emails[0].address
    if draft.phones:
        return draft.phones[0].number
    return ""
