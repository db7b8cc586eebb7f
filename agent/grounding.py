"""Every number in a model's answer must come from this turn's tool results or the user's message.

The rule (`ungrounded_numbers`): each number written in the answer, as shown with d
decimals, must equal some number of the sources rounded to d decimals (so 650.43 may be
written 650.4 or 650, but not 651); a number followed by % may also be a source fraction
times 100 (0.873 as 87%). Counts of listed items in a tool result (10 candidates) count
as source numbers. Not checked: list markers at the start of a line ("1."), and sigma
multiples ("±2σ", "1 sigma"). Thousands separators are read ("4,556"); signs are
ignored (ranges like 600-700 are two numbers).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:[-*]\s*)?\(?\d+[.)]\s")
_SIGMAS = re.compile(r"\d+(?:\.\d+)?\s*(?:σ|-?\s*sigma\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Written:
    text: str
    value: float
    decimals: int
    percent: bool


def numbers_written(text: str) -> list[Written]:
    """The numbers of a text as written (value and number of decimals shown)."""
    text = _SIGMAS.sub(" ", _LIST_MARKER.sub(" ", text))
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group()
        plain = token.replace(",", "")
        decimals = len(plain.split(".")[1]) if "." in plain else 0
        percent = text[match.end():match.end() + 2].lstrip().startswith("%")
        found.append(Written(token, float(plain), decimals, percent))
    return found


def source_numbers(sources: Iterable[Any]) -> list[float]:
    """Every number in the sources: texts (incl. JSON text) are scanned, data walked; list lengths count."""
    values: list[float] = []

    def walk(item: Any) -> None:
        if isinstance(item, bool) or item is None:
            return
        if isinstance(item, (int, float)):
            values.append(abs(float(item)))
        elif isinstance(item, str):
            try:
                parsed = json.loads(item)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                walk(parsed)
            else:
                values.extend(w.value for w in numbers_written(item))
        elif isinstance(item, dict):
            for key, value in item.items():
                walk(key)
                walk(value)
        elif isinstance(item, (list, tuple)):
            values.append(float(len(item)))
            for value in item:
                walk(value)

    for source in sources:
        walk(source)
    return values


def _matches(written: Written, values: list[float]) -> bool:
    candidates = [(written.value, written.decimals)]
    if written.percent:
        candidates.append((written.value / 100.0, written.decimals + 2))
    for shown, decimals in candidates:
        tolerance = 0.5 * 10.0 ** -decimals + 1e-9
        if any(abs(value - shown) <= tolerance for value in values):
            return True
    return False


def ungrounded_numbers(answer: str, sources: Iterable[Any]) -> list[str]:
    """The numbers of `answer` not found in `sources` (within the rounding shown); empty when all are grounded."""
    values = source_numbers(sources)
    return list(dict.fromkeys(w.text for w in numbers_written(answer) if not _matches(w, values)))
