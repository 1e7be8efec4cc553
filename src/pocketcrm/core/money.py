"""Money as integer cents plus a 3-letter currency code: the one place typed amounts are read.

Deals, invoices, payments and any other face that takes an amount parse it here, so "1,250.50
EUR" means the same thing everywhere and a bad amount is refused with the same message."""

from __future__ import annotations

import re

from pocketcrm.core.errors import Invalid

# A few symbols people type out of habit; anything else must be the ISO code.
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CODE = re.compile(r"^[A-Za-z]{3}$")
# Digits with optional thousands commas (groups of three) and up to two decimals.
_NUMBER = re.compile(r"^(?P<sign>[-+]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d{0,2}))?$")
_HINT = "write it like 1250, 1,250.50, '1250.50 EUR' or 'EUR 99'"
# Far above any real invoice, far below the 64-bit limit of the integer columns.
_MAX_CENTS = 10**15


def currency_code(text: str, field: str = "currency") -> str:
    """A validated, upper-cased ISO 4217-style code ('eur' -> 'EUR')."""
    cleaned = text.strip()
    if cleaned in _SYMBOLS:
        return _SYMBOLS[cleaned]
    if not _CODE.match(cleaned):
        raise Invalid(field, f"{text!r} is not a currency code; use three letters such as USD")
    return cleaned.upper()


def parse_amount(text: str, default_currency: str, field: str = "amount") -> tuple[int, str]:
    """'1,250.50 EUR' -> (125050, 'EUR'); an amount without a currency takes the default.

    A leading minus is kept (a refund); more than two decimals, a bare currency, or words are
    refused with the accepted forms in the message."""
    raw = text.strip()
    if not raw:
        raise Invalid(field, f"is empty; {_HINT}")
    currency = ""
    number = raw
    parts = raw.split()
    if len(parts) == 2:
        first_is_code = bool(_CODE.match(parts[0]))
        last_is_code = bool(_CODE.match(parts[1]))
        if last_is_code and not first_is_code:
            number, currency = parts[0], parts[1]
        elif first_is_code and not last_is_code:
            currency, number = parts[0], parts[1]
        else:
            raise Invalid(field, f"{text!r} is not an amount; {_HINT}")
    elif len(parts) > 2:
        raise Invalid(field, f"{text!r} is not an amount; {_HINT}")
    sign = ""
    if number[:1] in "+-" and number[:1]:
        sign, number = number[0], number[1:]
    if number[:1] in _SYMBOLS:
        symbol_currency = _SYMBOLS[number[0]]
        if currency and currency.upper() != symbol_currency:
            raise Invalid(field, f"{text!r} names two currencies; give one, e.g. '99 EUR'")
        currency, number = symbol_currency, number[1:]
    match = _NUMBER.match(sign + number)
    if not match or not (match.group("whole") or match.group("frac")):
        raise Invalid(field, f"{text!r} is not an amount; {_HINT} (at most two decimals)")
    whole = int((match.group("whole") or "0").replace(",", ""))
    frac = (match.group("frac") or "").ljust(2, "0")
    cents = whole * 100 + int(frac)
    if cents >= _MAX_CENTS:
        raise Invalid(field, f"{text!r} is too large; amounts stop below 10,000,000,000,000")
    if match.group("sign") == "-":
        cents = -cents
    code = currency_code(currency, field) if currency else currency_code(default_currency, field)
    return cents, code


def format_amount(cents: int, currency: str) -> str:
    """125050, 'EUR' -> '1,250.50 EUR' (a refund shows as '-20.00 EUR')."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    text = f"{sign}{whole:,}.{frac:02d}"
    return f"{text} {currency}" if currency else text


def plain_amount(cents: int) -> str:
    """125050 -> '1250.50': a number a spreadsheet adds up (no thousands commas, no
    currency; CSV puts the currency in a column of its own)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"
