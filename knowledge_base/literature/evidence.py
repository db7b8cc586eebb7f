"""Checking evidence: a quote must occur in its text, and a record's numbers in its quote.

Texts are compared after the same normalisation on both sides: Unicode NFKC (subscript
digits become digits, `℃` becomes `°C`), every dash and minus sign becomes `-`,
curly quotes become straight, and runs of whitespace become one space. Nothing else
is forgiven: a paraphrase is not a quote.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from alloygan.knowledge_base.literature.units import TEMPERATURE_UNIT, temperature_unit

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_QUOTES = {ord("‘"): "'", ord("’"): "'", ord("“"): '"', ord("”"): '"'}
NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")
MIN_QUOTE_CHARS = 8
_TEMPERATURE = re.compile(rf"\d\s*(?P<unit>{TEMPERATURE_UNIT})")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    return " ".join(text.split())


def quote_occurs(quote: str, text: str) -> bool:
    """True when the quote (at least a few characters) occurs in the text, up to normalisation."""
    quote = normalise(quote)
    return len(quote) >= MIN_QUOTE_CHARS and quote in normalise(text)


def canonical_number(value: float | str) -> str:
    """`675`, `675.0` and `675.00` are the same number: `675`."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def numbers_in(text: str) -> set[str]:
    """Every number written in the text, canonical (digits of formulas included)."""
    return {canonical_number(m.group()) for m in NUMBER.finditer(normalise(text))}


def numbers_missing(values: Iterable[float | str], quote: str) -> list[str]:
    """The values that are not written in the quote."""
    present = numbers_in(quote)
    return [canonical_number(v) for v in values if canonical_number(v) not in present]


def temperature_units_in(text: str) -> set[str]:
    """The temperature units ("K", "°C") written after numbers in the text (`20 K/min` is no temperature)."""
    return {temperature_unit(m.group("unit")) or "K" for m in _TEMPERATURE.finditer(normalise(text))}


def formula_numbers(formula: str) -> list[str]:
    """The amounts written in a formula (`Zr65Cu17.5Ni10Al7.5` -> 65, 17.5, 10, 7.5)."""
    return [m.group() for m in NUMBER.finditer(normalise(formula))]
