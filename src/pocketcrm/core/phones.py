"""Phone numbers to E.164 with a validity flag: libphonenumber's answer, five times sooner.

`phonenumbers.parse` plus `is_valid_number` cost about 20 us a number, a third of an import's
parsing work. Most numbers people keep are plain: a `+`, a country code and digits with spaces,
dashes, dots or brackets, or a national number without its trunk prefix. For those this module
gives the same answer from the same metadata with two precompiled regular expressions (one per
region and length for "any number type"). Anything else (letters, extensions, a leading trunk or
international prefix, leading zeros, non-geographic codes, odd lengths) goes to phonenumbers
itself. tests/core/test_phones.py compares both (`fast_path` against `reference`) on every
region's example numbers and on generated input.
"""

from __future__ import annotations

import re
from typing import Any

_PLAIN = re.compile(r"\+?[0-9 ().-]+")
_NOT_DIGIT = re.compile(r"[^0-9]")
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)
_NON_GEO = "001"


class _Region:
    """One region's metadata, compiled for the questions parse and is_valid_number ask."""

    def __init__(self, metadata: Any) -> None:
        self.metadata = metadata
        self.country_code = int(metadata.country_code)
        prefix = metadata.national_prefix_for_parsing
        self.national_prefix = re.compile(prefix) if prefix else None
        idd = metadata.international_prefix
        self.international_prefix = re.compile(idd) if idd else None
        leading = metadata.leading_digits
        self.leading_digits = re.compile(leading) if leading else None
        general = metadata.general_desc
        pattern = general.national_number_pattern if general is not None else None
        self.general = re.compile(pattern) if pattern else None
        self.general_lengths = frozenset(general.possible_length) if general is not None else ()
        descs = [getattr(metadata, name) for name in _TYPES]
        if not metadata.same_mobile_and_fixed_line_pattern:
            descs.append(metadata.mobile)
        self._descs = [
            (frozenset(d.possible_length), d.national_number_pattern)
            for d in descs
            if d is not None and d.national_number_pattern
        ]
        self._any_type: dict[int, re.Pattern[str] | None] = {}

    def any_type(self, length: int) -> re.Pattern[str] | None:
        """One pattern for "matches some number type" at this length (None: no type can)."""
        if length not in self._any_type:
            patterns = [p for lengths, p in self._descs if not lengths or length in lengths]
            joined = "|".join(f"(?:{p})" for p in patterns)
            self._any_type[length] = re.compile(joined) if patterns else None
        return self._any_type[length]

    def is_valid(self, national: str) -> bool:
        """phonenumbers' _number_type_helper(national, metadata) != UNKNOWN."""
        if self.general is None:
            return False
        if self.general_lengths and len(national) not in self.general_lengths:
            return False
        if self.general.fullmatch(national) is None:
            return False
        pattern = self.any_type(len(national))
        return pattern is not None and pattern.fullmatch(national) is not None


_regions: dict[str, _Region | None] = {}
_codes: dict[int, tuple[str, ...]] = {}


def _calling_codes() -> dict[int, tuple[str, ...]]:
    """phonenumbers' calling code -> regions, imported once (not on every number)."""
    if not _codes:
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

        _codes.update(COUNTRY_CODE_TO_REGION_CODE)
    return _codes


def _region(code: str) -> _Region | None:
    if code not in _regions:
        from phonenumbers import PhoneMetadata

        metadata = PhoneMetadata.metadata_for_region(code, None)
        _regions[code] = _Region(metadata) if metadata is not None else None
    return _regions[code]


def reference(number: str, region: str) -> tuple[str, bool]:
    """What phonenumbers says: the definition the fast path must agree with."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return "", False
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, bool(phonenumbers.is_valid_number(parsed))


_Parsed = tuple[int, str, tuple[str, ...], _Region | None]
"""(country code, national number, the code's regions, the region whose rules parse it)."""


def fast_path(number: str, region: str) -> tuple[str, bool] | None:
    """The answer for a plain number, or None when phonenumbers must decide."""
    if _PLAIN.fullmatch(number) is None:
        return None
    digits = _NOT_DIGIT.sub("", number)
    if len(digits) < 5 or len(digits) > 17:
        return None
    if number[0] == "+":
        parsed = _international(digits)
    else:
        parsed = None if "+" in number else _national(digits, region)
    if parsed is None:
        return None
    country_code, national, regions, parsing = parsed
    if parsing is None or len(national) < 4 or national[0] == "0":
        return None
    if parsing.national_prefix is not None and parsing.national_prefix.match(national):
        return None  # a trunk prefix or carrier code phonenumbers may strip
    return f"+{country_code}{national}", _is_valid(national, regions)


def _international(digits: str) -> _Parsed | None:
    """Split "+CC national" digits on the calling code, as phonenumbers does."""
    if digits[0] == "0":
        return None
    codes = _calling_codes()
    for size in (1, 2, 3):
        country_code = int(digits[:size])
        if country_code in codes:
            break
    else:
        return None
    regions = codes[country_code]
    if _NON_GEO in regions:
        return None
    return country_code, digits[size:], regions, _region(regions[0])


def _national(digits: str, region: str) -> _Parsed | None:
    """A number without "+" in the default REGION, unless phonenumbers might read it otherwise."""
    home = _region(region.upper()) if region else None
    if home is None:
        return None
    country_code = home.country_code
    if digits.startswith(str(country_code)):
        return None  # phonenumbers may take it for the country code
    if home.international_prefix is not None and home.international_prefix.match(digits):
        return None
    regions = _calling_codes().get(country_code, ())
    if not regions or _NON_GEO in regions:
        return None
    return country_code, digits, regions, home


def _is_valid(national: str, regions: tuple[str, ...]) -> bool:
    """Valid in the region the number belongs to (phonenumbers' region-from-list rule)."""
    if len(regions) == 1:
        found = _region(regions[0])
        return found is not None and found.is_valid(national)
    for code in regions:  # phonenumbers' _region_code_for_number_from_list
        candidate = _region(code)
        if candidate is None:
            continue
        if candidate.leading_digits is not None:
            if candidate.leading_digits.match(national):
                return candidate.is_valid(national)
        elif candidate.is_valid(national):
            return True
    return False


def normalize(number: str, region: str) -> tuple[str, bool]:
    """(E.164, valid) for a typed number; unparseable numbers give ('', False) and are kept."""
    found = fast_path(number, region)
    return found if found is not None else reference(number, region)


_COUNTRY_OF = {  # the calling code of each default region people set (display only)
    "US": 1, "CA": 1, "GB": 44, "DE": 49, "FR": 33, "IT": 39, "ES": 34, "NL": 31, "BE": 32,
    "CH": 41, "AT": 43, "SE": 46, "NO": 47, "DK": 45, "FI": 358, "IE": 353, "PT": 351,
    "PL": 48, "AU": 61, "NZ": 64, "IN": 91, "JP": 81, "BR": 55, "MX": 52, "ZA": 27,
}  # fmt: skip
_compiled: dict[str, re.Pattern[str]] = {}


def _pattern(text: str) -> re.Pattern[str]:
    if text not in _compiled:
        _compiled[text] = re.compile(text)
    return _compiled[text]


def home_code(region: str) -> int:
    """The calling code of REGION (1 for US): from a short table, else phonenumbers."""
    region = region.upper()
    if region not in _COUNTRY_OF:
        from phonenumbers import country_code_for_region  # a rarer region: pay the import

        _COUNTRY_OF[region] = int(country_code_for_region(region))
    return _COUNTRY_OF[region]


def display(number: str, e164: str, region: str) -> str:
    """How a stored phone is shown, whatever was typed: national format for a number with the
    default REGION's calling code ('(415) 555-0100' in US), international otherwise
    ('+44 20 7946 0000'). E164 is the stored form of a valid number ('' for one that does
    not look valid, which is shown as typed). Storage keeps the typed text; every face shows
    phones through this one function. It formats as phonenumbers' format_number does, from
    its patterns copied into core/phone_formats.py (importing phonenumbers costs 100 ms)."""
    if not e164.startswith("+"):
        return number
    from pocketcrm.core.phone_formats import FORMATS  # 0.5 ms from its .pyc

    digits = e164[1:]
    for size in (1, 2, 3):
        code = int(digits[:size] or 0)
        if code in FORMATS:
            break
    else:
        return number
    national = digits[size:]
    home = code == home_code(region) if region else False
    formats = FORMATS[code]
    chosen = formats[0] if home or len(formats) == 1 else formats[1]
    for pattern, rule, leading, prefix_rule in chosen:
        if leading and _pattern(leading).match(national) is None:
            continue
        compiled = _pattern(pattern)
        if compiled.fullmatch(national) is None:
            continue
        if home and prefix_rule:
            rule = _FIRST_GROUP.sub(prefix_rule, rule, count=1)  # as phonenumbers does
        shown = compiled.sub(rule, national)
        return shown if home else f"+{code} {shown}"
    return national if home else f"+{code} {national}"


_FIRST_GROUP = re.compile(r"(\\\d)")
