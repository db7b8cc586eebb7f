"""Temperature and heating-rate units as papers write them, converted to kelvin and K/min."""
from __future__ import annotations

import re

KELVIN_OFFSET = 273.15  # 0 °C in kelvin

# What follows a temperature value: K, or degrees Celsius in its usual spellings.
# Not a rate: `20 K/min` and `20 K min-1` are no temperatures.
TEMPERATURE_UNIT = r"(?:K|°\s?C|º\s?C|℃|oC|deg\.?\s?C)(?![A-Za-z/·])(?!\s?(?:min|s)(?![A-Za-z]))"
_CELSIUS = re.compile(r"°|º|℃|oC|deg", re.IGNORECASE)

# Heating rates: K/min, K min-1, K·min−1, °C/min, K/s, K s-1.
RATE_UNIT = r"(?:K|°\s?C|℃)\s?(?:/\s?|·\s?|\s)(?:min|s)(?:\s?[-−–]\s?1)?(?![A-Za-z])"


def temperature_unit(text: str) -> str | None:
    """"K" or "°C" for a unit as written (`K`, `°C`, `℃`, `oC`, `deg C`); None when neither."""
    text = text.strip()
    if not text:
        return None
    words = text.lower().strip("()[] ")
    if words in ("c", "celsius", "degrees celsius", "degc"):
        return "°C"
    if words in ("k", "kelvin"):
        return "K"
    if _CELSIUS.search(text):
        return "°C"
    if re.fullmatch(r"\(?\s*K\s*\)?", text) or text.startswith("K"):
        return "K"
    return None


def to_kelvin(value: float, unit: str) -> float:
    """A temperature in kelvin (°C + 273.15), rounded to 0.01 K."""
    if unit == "K":
        return round(float(value), 2)
    if unit == "°C":
        return round(float(value) + KELVIN_OFFSET, 2)
    raise ValueError(f"unknown temperature unit {unit!r}; use 'K' or '°C'")


def rate_to_K_per_min(value: float, unit: str) -> float:
    """A heating rate in K/min; a rate per second is multiplied by 60 (°C/min equals K/min)."""
    per_second = re.search(r"(?<![A-Za-z])s(?![A-Za-z])", unit.replace("min", "")) is not None
    return round(float(value) * (60.0 if per_second else 1.0), 4)
