"""vCard TYPE parameters and labels, both ways, so a label written reads back as itself.

"TYPE=WORK,VOICE" reads as "work" and "CELL" as "mobile"; the writer turns a label back into
TYPE tokens only when they read back as exactly that label (else it writes an X-ABLabel).
"""

from __future__ import annotations

__all__ = [
    "ANNIVERSARY_NAMES",
    "PLACE_TYPES",
    "TEL_TYPES",
    "label_from_types",
    "types_for_label",
]

_LOCATION_TYPES = ("home", "work", "other")
_TYPE_WORDS = {
    "cell": "mobile",
    "mobile": "mobile",
    "fax": "fax",
    "pager": "pager",
    "main": "main",
    "iphone": "iphone",
    "text": "text",
    "video": "video",
    "textphone": "textphone",
    "car": "car",
    "isdn": "isdn",
    "bbs": "bbs",
    "modem": "modem",
    "msg": "msg",
}
_NOISE_TYPES = {
    "pref",
    "voice",
    "internet",
    "x400",
    "dom",
    "intl",
    "postal",
    "parcel",
    "aol",
    "applelink",
    "attmail",
    "cis",
    "eworld",
    "ibmmail",
    "mcimail",
    "powershare",
    "prodigy",
    "tlx",
    "uri",
}


def label_from_types(types: list[str]) -> str:
    """TYPE=WORK,VOICE -> "work"; TYPE=HOME;TYPE=FAX -> "home fax"; CELL -> "mobile"."""
    where: list[str] = []
    what: list[str] = []
    for token in types:
        if token in _NOISE_TYPES:
            continue
        if token in _LOCATION_TYPES:
            if token not in where:
                where.append(token)
            continue
        word = _TYPE_WORDS.get(token, token)
        if word not in what:
            what.append(word)
    return " ".join(where + what)


# Property names programs give an anniversary: all are read; the writer uses the first two.
ANNIVERSARY_NAMES = {
    "ANNIVERSARY",
    "X-ANNIVERSARY",
    "X-MS-ANNIVERSARY",
    "X-EVOLUTION-ANNIVERSARY",
}
# The TYPE tokens the writer may use for a phone, and for an email, address or website.
TEL_TYPES = {"home", "work", "other", "mobile", "fax", "pager", "text", "video", "textphone"}
PLACE_TYPES = {"home", "work", "other"}

_TYPES_CACHE: dict[tuple[str, int], list[str] | None] = {}


def types_for_label(label: str, allowed: set[str]) -> list[str] | None:
    """The TYPE tokens that read back as exactly this label, or None if there are none
    (a fresh list each time: the caller adds to it). Remembered per label and TYPE set."""
    if allowed is not TEL_TYPES and allowed is not PLACE_TYPES:
        return _types_for(label, allowed)
    key = (label, id(allowed))
    if key not in _TYPES_CACHE:
        if len(_TYPES_CACHE) > 4096:
            _TYPES_CACHE.clear()
        _TYPES_CACHE[key] = _types_for(label, allowed)
    found = _TYPES_CACHE[key]
    return None if found is None else list(found)


def _types_for(label: str, allowed: set[str]) -> list[str] | None:
    if not label:
        return []
    words = label.split(" ")
    if not all(word in allowed for word in words):
        return None
    types = ["cell" if word == "mobile" else word for word in words]
    return types if label_from_types(types) == label else None
