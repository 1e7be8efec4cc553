"""Phone numbers to E.164 with a validity flag: libphonenumber's answer, five times sooner.

`phonenumbers.parse` plus `is_valid_number` cost about 20 us a number, a third of an import's
parsing work. Most numbers people keep are plain: a `+`, a country code and digits with spaces,
dashes, dots or brackets, or a national number without its trunk prefix. For those this module
gives the same answer from the same metadata with two precompiled regular expressions (one per
region and length for "any number type"). Anything else (letters, extensions, a leading trunk or
international prefix, leading zeros, non-geographic codes, odd lengths) goes to phonenumbers
itself. tests/core/test_phones.py compares both on every region's example numbers and on
generated input.
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


def _reference(number: str, region: str) -> tuple[str, bool]:
    """What phonenumbers says: the definition the fast path must agree with."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return "", False
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, bool(phonenumbers.is_valid_number(parsed))


def _fast(number: str, region: str) -> tuple[str, bool] | None:
    """The answer for a plain number, or None when phonenumbers must decide."""
    if _PLAIN.fullmatch(number) is None:
        return None
    codes = _calling_codes()
    digits = _NOT_DIGIT.sub("", number)
    if len(digits) < 5 or len(digits) > 17:
        return None
    if number[0] == "+":
        if digits[0] == "0":
            return None
        for size in (1, 2, 3):
            country_code = int(digits[:size])
            if country_code in codes:
                break
        else:
            return None
        national = digits[size:]
        regions = codes[country_code]
        if _NON_GEO in regions:
            return None
        parsing = _region(regions[0])
    else:
        if "+" in number:
            return None
        home = _region(region.upper()) if region else None
        if home is None:
            return None
        country_code = home.country_code
        if digits.startswith(str(country_code)):
            return None  # phonenumbers may take it for the country code
        if home.international_prefix is not None and home.international_prefix.match(digits):
            return None
        national = digits
        regions = codes.get(country_code, ())
        if not regions or _NON_GEO in regions:
            return None
        parsing = home
    if parsing is None or len(national) < 4 or national[0] == "0":
        return None
    if parsing.national_prefix is not None and parsing.national_prefix.match(national):
        return None  # a trunk prefix or carrier code phonenumbers may strip
    e164 = f"+{country_code}{national}"
    if len(regions) == 1:
        found = _region(regions[0])
        return e164, found is not None and found.is_valid(national)
    for code in regions:  # phonenumbers' _region_code_for_number_from_list
        candidate = _region(code)
        if candidate is None:
            continue
        if candidate.leading_digits is not None:
            if candidate.leading_digits.match(national):
                return e164, candidate.is_valid(national)
        elif candidate.is_valid(national):
            return e164, True
    return e164, False


def normalize(number: str, region: str) -> tuple[str, bool]:
    """(E.164, valid) for a typed number; unparseable numbers give ('', False) and are kept."""
    found = _fast(number, region)
    return found if found is not None else _reference(number, region)


_shown: dict[tuple[str, str], str] = {}


def display(number: str, region: str) -> str:
    """How a stored phone is shown, whatever was typed: national format for a number of the
    default REGION ('(415) 555-0100' in US), international otherwise ('+44 20 7946 0000').
    A number that does not look valid is shown as typed. Storage keeps the typed text; every
    face shows phones through this one function (about 15 us a number, cached)."""
    key = (number, region)
    if key not in _shown:
        if len(_shown) > 4096:
            _shown.clear()
        _shown[key] = _format(number, region.upper())
    return _shown[key]


def _format(number: str, region: str) -> str:
    import phonenumbers  # about 100 ms: only when a phone is shown

    if _PLAIN.fullmatch(number) is None:  # an extension or letters: phonenumbers reads it all
        try:
            parsed = phonenumbers.parse(number, region or None)
        except phonenumbers.NumberParseException:
            return number
        if not phonenumbers.is_valid_number(parsed):
            return number
    else:  # built from the E.164 form normalize gives (parsing costs five times more)
        e164, valid = normalize(number, region)
        if not valid:
            return number
        parsed = _from_e164(e164)
        if parsed is None:
            return number
    regions = _calling_codes().get(int(parsed.country_code or 0), ())
    home = region in regions and (
        len(regions) == 1 or phonenumbers.region_code_for_number(parsed) == region
    )
    formats = phonenumbers.PhoneNumberFormat
    return str(
        phonenumbers.format_number(parsed, formats.NATIONAL if home else formats.INTERNATIONAL)
    )


def _from_e164(e164: str) -> Any:
    """A phonenumbers PhoneNumber from '+<code><national>' (None if no code matches)."""
    from phonenumbers import PhoneNumber

    digits = e164.lstrip("+")
    codes = _calling_codes()
    for size in (1, 2, 3):
        if int(digits[:size]) in codes:
            national = digits[size:]
            break
    else:
        return None
    parsed = PhoneNumber(country_code=int(digits[:size]), national_number=int(national))
    zeros = len(national) - len(national.lstrip("0"))
    if zeros:  # Italy and a few others keep a leading zero in the international form
        parsed.italian_leading_zero = True
        parsed.number_of_leading_zeros = zeros
    return parsed
