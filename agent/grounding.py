"""Every number in a model's answer must come from this turn's tool results.

The rule (`ungrounded_numbers`): each number written in the answer, as shown with d
decimals, must equal some number of the sources (what the tools computed) rounded to d
decimals (so 650.43 may be written 650.4 or 650, but not 651); a number followed by % may
also be a source fraction times 100 (0.873 as 87%). A number found only in what was
*requested* (the user's message, the goal's bounds) is accepted only where the answer
states it as a requirement ("under $25/kg", "Trg > 0.6", "at least 0.6"): "the cost is
$25/kg" presents the user's ceiling as a result, and is grounded only by a computed value of
exactly 25 (not by a candidate at 24.8 USD/kg that rounds to it). Counts of listed items in a tool result (10 candidates) count
as source numbers. Not checked: list markers at the start of a line ("1."), and sigma
multiples ("±2σ", "1 sigma"). Thousands separators are read ("4,556"); signs are
ignored (ranges like 600-700 are two numbers). An alloy formula (Zr65Cu17.5Ni10Al7.5) is one
item, not four numbers: it must be written as a tool result or the user wrote it (a model
may not invent an alloy), and its amounts ground nothing else ("$25/kg" is not grounded by
the 25 of Cu25).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# an alloy formula (two or more element-amount pairs): checked whole, as a name, not as numbers
_FORMULA = re.compile(r"(?<![\w.])(?:\(?[A-Z][a-z]?\d+(?:\.\d+)?\)?\d*(?:\.\d+)?){2,}(?![\w.])")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+")
_LIST_MARKER = re.compile(r"(?m)^\s*(?:[-*]\s*)?\(?\d+[.)]\s")
_SIGMAS = re.compile(r"\d+(?:\.\d+)?\s*(?:σ|-?\s*sigma\b)", re.IGNORECASE)


# a requirement word or sign shortly before the number, in the same sentence ("under $", "Trg > ", "at most ")
_REQUIREMENT = re.compile(r"(?i)(?:[<>≤≥]=?|\b(?:under|below|above|over|beneath|at (?:most|least)|less than|more than|"
                          r"greater than|higher than|lower than|up to|no more than|not more than|ceiling|cap|limit|"
                          r"max(?:imum)?|min(?:imum)?|target|goal|asked|requested|required?|within|exceed\w*|"
                          r"cheaper than|costlier than)\b)[^.\d]{0,24}$")


@dataclass(frozen=True)
class Written:
    text: str
    value: float
    decimals: int
    percent: bool
    start: int = 0  # where the number starts in the text


def numbers_written(text: str) -> list[Written]:
    """The numbers of a text as written (value and number of decimals shown)."""
    def blank(match: re.Match) -> str:  # keep positions: what is not checked becomes spaces
        return " " * len(match.group())

    text = _SIGMAS.sub(blank, _LIST_MARKER.sub(blank, _FORMULA.sub(blank, text)))
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group()
        plain = token.replace(",", "")
        decimals = len(plain.split(".")[1]) if "." in plain else 0
        percent = text[match.end():match.end() + 2].lstrip().startswith("%")
        found.append(Written(token, float(plain), decimals, percent, match.start()))
    return found


def formulas_written(text: str) -> list[str]:
    """The alloy formulas of a text, as written."""
    return _FORMULA.findall(text)


def source_formulas(sources: Iterable[Any]) -> set[str]:
    """Every alloy formula written anywhere in the sources (texts, JSON text, data)."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            found.update(formulas_written(item))
        elif isinstance(item, dict):
            for key, value in item.items():
                walk(key)
                walk(value)
        elif isinstance(item, (list, tuple)):
            for value in item:
                walk(value)

    walk(list(sources))
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
                if key != "composition":  # at.% amounts belong to their formula, which is checked whole
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


def stated_as_requirement(text: str, written: Written) -> bool:
    """Whether the number is written as a bound asked for ("under $25/kg"), not as a result."""
    return _REQUIREMENT.search(text[max(0, written.start - 40):written.start]) is not None


def ungrounded_numbers(answer: str, sources: Iterable[Any], requested: Iterable[Any] = ()) -> list[str]:
    """The numbers of `answer` not found in `sources` (within the rounding shown), nor in `requested` where the
    answer states them as a requirement; empty when all are grounded."""
    sources, requested = list(sources), list(requested)
    values, asked = source_numbers(sources), source_numbers(requested)

    def grounded(written: Written) -> bool:
        if any(abs(value - written.value) <= 1e-9 for value in asked):  # the request's own number
            if stated_as_requirement(answer, written):
                return True
            # written as a result: only a computed value that is this number as such grounds it (a candidate at
            # 24.8 USD/kg does not make "the cost is $25/kg", the user's ceiling, a result)
            return any(abs(value - written.value) <= 1e-9 for value in values)
        return _matches(written, values)

    known = source_formulas([*sources, *requested]) if _FORMULA.search(answer) else set()
    invented = [f for f in formulas_written(answer) if f not in known]
    return list(dict.fromkeys(invented + [w.text for w in numbers_written(answer) if not grounded(w)]))


_NEGATION = re.compile(r"(?i)\b(?:without|avoid\w*|no|not|non|excluding|exclude[sd]?|free of|except|minus|lacking)\W{1,3}"
                       r"(?:[A-Z][a-z]?\W{1,3}(?:and|or|,)?\W{0,3})*$")


def excluded_named(answer: str, excluded: Iterable[str]) -> list[str]:
    """The excluded elements the answer names as if present ("Zr-based alloys with Ag"); naming one after a
    negation ("without Ag", "no Ag or Be", "Ag-free") is fine."""
    named = []
    for element in excluded:
        for match in re.finditer(rf"(?<![A-Za-z]){re.escape(element)}(?![a-z])", answer):
            before, after = answer[max(0, match.start() - 40):match.start()], answer[match.end():match.end() + 6]
            if not _NEGATION.search(before) and not re.match(r"\s*-?\s*free\b", after):
                named.append(element)
                break
    return named
