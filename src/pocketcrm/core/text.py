"""Characters that must never reach a terminal raw: the one rule for input and output.

A stored name holding ESC, an OSC sequence, BEL or a bidirectional override can retitle or
recolour the terminal, or show text in another order than it is stored. Input refuses them
(`unsafe_in`, asked by core/validate.py), import strips them with a row note (`strip`), and
both faces show data already stored through `escape`, which spells each one as a visible
`\\x1b` or `\\u202e`. Newlines and tabs are kept in notes and by `escape`; the faces lay them
out.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from typing import Any

# C0 controls but tab and newline, DEL, C1 controls, bidirectional embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069), and the line and paragraph separators.
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
_UNSAFE_OR_BREAK = re.compile(f"[{_UNSAFE_CLASS}\t\n]")
# Characters that show nothing: a name of only these (and spaces) is empty.
_INVISIBLE = re.compile(r"[\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200d\u2060-\u2064\ufeff]*")


# The same characters as JSON writes them escaped (tab and newline, \\u0009 and \\u000a, pass).
_UNSAFE_JSON = re.compile(
    r"\\u(?:000[0-8bcdef]|001[0-9a-f]|007f|00[89][0-9a-f]|061c|200[ef]|202[89a-e]|206[6-9])",
    re.IGNORECASE,
)


def source_is_clean(text: str, *, json: bool = False) -> bool:
    """True when a whole file (or chunk) holds none of the characters: its records need no
    look each (about 30 us a record, against one scan of the text at C speed)."""
    if _UNSAFE.search(text) is not None:
        return False
    return not json or _UNSAFE_JSON.search(text) is None


def unsafe_in(value: str) -> str:
    """The first character that must not be stored, or '' (tab and newline are whitespace:
    single-line fields fold them into spaces, notes keep them)."""
    found = _UNSAFE.search(value)
    return found.group() if found else ""


def visible(char: str) -> str:
    """How one unsafe character is spelled on screen: '\\x1b', '\\u202e'."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_blank(value: str) -> bool:
    """True for text of only spaces and zero-width characters (it would show as nothing)."""
    return _INVISIBLE.fullmatch(value) is not None


def escape(value: str) -> str:
    """Stored text made safe to print: control and bidirectional characters spelled out.

    Tabs and newlines pass (notes keep their lines); everything else `unsafe_in` names is
    replaced. Both faces call this for every stored string they show."""
    if not value or _UNSAFE.search(value) is None:
        return value
    return _UNSAFE.sub(lambda m: visible(m.group()), value)


def strip(value: str) -> str:
    """Imported text without the characters input refuses (tabs and newlines kept: the
    fields that take one line fold them, as typed input is)."""
    return _UNSAFE.sub("", value)


def strip_all(item: Any) -> bool:
    """Strip every string of a parsed record in place (dataclasses, lists, dicts); True when
    something was removed. One search over the record first: most records are clean."""
    found: list[str] = []
    _strings(item, found)
    if _UNSAFE.search("".join(found)) is None:
        return False
    _strip_in(item)
    return True


def _strings(item: Any, out: list[str]) -> None:
    if isinstance(item, str):
        out.append(item)
    elif isinstance(item, dict):
        for key, value in item.items():
            _strings(key, out)
            _strings(value, out)
    elif isinstance(item, list | tuple):
        for value in item:
            _strings(value, out)
    elif is_dataclass(item):
        for f in fields(item):
            _strings(getattr(item, f.name), out)


def _clean(item: Any) -> Any:
    """ITEM with its strings stripped (a new list or dict; dataclasses changed in place)."""
    if isinstance(item, str):
        return strip(item)
    if isinstance(item, dict):
        return {_clean(k): _clean(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_clean(v) for v in item]
    if isinstance(item, tuple):
        return tuple(_clean(v) for v in item)
    if is_dataclass(item) and not isinstance(item, type):
        _strip_in(item)
    return item


def _strip_in(item: Any) -> None:
    """Strip in place: a dataclass's fields, a dict's values, a list's items."""
    if isinstance(item, dict):
        cleaned = _clean(item)
        item.clear()
        item.update(cleaned)
    elif isinstance(item, list):
        item[:] = _clean(item)
    elif is_dataclass(item):
        for f in fields(item):
            setattr(item, f.name, _clean(getattr(item, f.name)))
