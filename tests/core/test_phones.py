"""The fast phone path must give exactly phonenumbers' answer, or defer to it."""

# White-box by design: the private fast path is checked against the private reference.

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pocketcrm.core import phones

HOMES = ("US", "GB", "DE", "FR", "IT", "IN", "BR", "AU", "CA", "RU", "JP", "CN", "AR", "MX", "")
FORMATS = (
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
)


def _examples() -> list[str]:
    """Every region's example numbers of every type, in three formats, and near misses."""
    rng = random.Random(5)
    found: list[str] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for fmt in FORMATS:
                text = phonenumbers.format_number(example, fmt)
                found.append(text)
                digits = [i for i, ch in enumerate(text) if ch.isdigit()]
                at = rng.choice(digits[1:])
                found.append(text[:at] + text[at + 1 :])  # a digit short
                found.append(text[:at] + str(rng.randrange(10)) + text[at:])  # a digit over
                found.append(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :])
    return found


EXAMPLES = _examples()


@pytest.mark.parametrize("home", HOMES)
def test_every_region_example_agrees_with_phonenumbers(home: str) -> None:
    fast = 0
    for text in EXAMPLES:
        assert phones.normalize(text, home) == phones.reference(text, home), (text, home)
        fast += phones.fast_path(text, home) is not None
    # the fast path must actually take the plain numbers, not defer everything
    assert fast > len(EXAMPLES) // 3


def test_typical_import_numbers_take_the_fast_path() -> None:
    for text in ("+1 212 555 0100", "+44 20 7946 0958", "(415) 555-2671", "+49 30 901820"):
        assert phones.fast_path(text, "US") == phones.reference(text, "US")
    assert phones.normalize("+1 212 555 010", "US") == ("+1212555010", False)
    assert phones.normalize("+1 415 555 2671", "US") == ("+14155552671", True)
    assert phones.normalize("(415) 555-2671", "US") == ("+14155552671", True)


def test_what_the_fast_path_leaves_to_phonenumbers() -> None:
    for text in ("1-800-FLOWERS", "+1 415 555 2671 ext. 12", "020 7946 0958", "00 44 20 7946 0958",
                 "+800 1234 5678", "tel:+14155552671"):  # fmt: skip
        assert phones.fast_path(text, "GB") is None, text


@settings(max_examples=3000, deadline=None)
@given(
    st.text(alphabet="0123456789+ -.()", min_size=1, max_size=22),
    st.sampled_from(HOMES),
)
def test_any_plain_input_agrees_with_phonenumbers(text: str, home: str) -> None:
    assert phones.normalize(text, home) == phones.reference(text, home)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    st.text(alphabet="0123456789", min_size=4, max_size=14),
    st.sampled_from(HOMES),
)
def test_any_country_code_and_digits_agree(code: int, digits: str, home: str) -> None:
    text = f"+{code} {digits}"
    assert phones.normalize(text, home) == phones.reference(text, home)


# -- display ---------------------------------------------------------------------------------


def _valid_examples() -> list[phonenumbers.PhoneNumber]:
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None and phonenumbers.is_valid_number(example):
                found.append(example)
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append(example)
    return found


@pytest.mark.parametrize("home", ["US", "GB", "DE", "IT", "CA", "JP", "BR", "KZ", "IN"])
def test_display_formats_as_phonenumbers_does(home: str) -> None:
    """National format for the default region's calling code, international otherwise, on
    every region's example numbers: the copied patterns give phonenumbers' own answer."""
    home_code = phonenumbers.country_code_for_region(home)
    style = phonenumbers.PhoneNumberFormat
    for example in _valid_examples():
        e164 = phonenumbers.format_number(example, style.E164)
        wanted = phonenumbers.format_number(
            example, style.NATIONAL if example.country_code == home_code else style.INTERNATIONAL
        )
        assert phones.display("typed", e164, home) == wanted, (e164, home)


def test_display_keeps_what_does_not_look_valid_as_typed() -> None:
    assert phones.display("555-CALL-NOW", "", "US") == "555-CALL-NOW"
    assert phones.display("12", "", "US") == "12"
    assert phones.display("+1 415 555 0100", "+14155550100", "US") == "(415) 555-0100"
    assert phones.display("004420 7946 0000", "+442079460000", "US") == "+44 20 7946 0000"
    assert phones.display("020 7946 0000", "+442079460000", "GB") == "020 7946 0000"


def test_the_copied_patterns_cover_every_calling_code() -> None:
    """After upgrading phonenumbers, run scripts/gen_phone_formats.py (the test above then
    compares the new patterns on every example number)."""
    from pocketcrm.core.phone_formats import FORMATS

    assert set(FORMATS) == set(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
