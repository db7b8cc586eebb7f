"""Ranges on alloy properties (`Trg >= 0.6`, `800 <= Tg <= 900`) and their text form.

A `PropertyRange` names one of the thermodynamic features (Tg, Tx, Tl or a GFA
criterion, under any alias `resolve_property` knows) with optional bounds. The same
type serves `alloygan kb query --where` and the constraints of a design goal.
"""
from __future__ import annotations

import math
import re

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from alloygan.knowledge_base.validation import validation_message
from alloygan.models.descriptors.thermal import resolve_property

_OPS = {">=": "ge", "≥": "ge", "=>": "ge", "<=": "le", "≤": "le", "=<": "le", ">": "gt", "<": "lt", "==": "eq", "=": "eq"}
_OP = r"(>=|≥|=>|<=|≤|=<|==|=|>|<)"
_NUM = r"([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*(?:K\b)?"
_NAME = r"([^\s<>=≥≤,]+)"
_SIMPLE = re.compile(rf"^\s*{_NAME}\s*{_OP}\s*{_NUM}\s*$")
_BETWEEN = re.compile(rf"^\s*{_NUM}\s*{_OP}\s*{_NAME}\s*{_OP}\s*{_NUM}\s*$")


class ConditionError(ValueError):
    """A condition that cannot be read; the message names it and shows the accepted form."""


def checked_property(name: str) -> str:
    """The canonical name of a property (`resolve_property`), or a ValueError naming the unknown one (what a
    pydantic validator turns into a field error)."""
    try:
        return resolve_property(name)
    except KeyError as error:
        raise ValueError(error.args[0]) from None


class PropertyRange(BaseModel):
    """min <= property <= max (either bound may be absent); strictness kept for exact filters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    property: str
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    @field_validator("property")
    @classmethod
    def _canonical_name(cls, value: str) -> str:
        return checked_property(value)

    @model_validator(mode="after")
    def _consistent(self) -> "PropertyRange":
        for bound in (self.min, self.max):
            if bound is not None and not math.isfinite(bound):
                raise ValueError(f"bound on {self.property} must be a finite number")
        if self.min is None and self.max is None:
            raise ValueError(f"a range on {self.property} needs a lower or an upper bound")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"contradictory range: {self.property} >= {self.min:g} and <= {self.max:g}")
        return self

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask of values inside the range (NaN is outside)."""
        values = np.asarray(values, dtype=float)
        mask = np.isfinite(values)
        if self.min is not None:
            mask &= values >= self.min if self.min_inclusive else values > self.min
        if self.max is not None:
            mask &= values <= self.max if self.max_inclusive else values < self.max
        return mask

    def intersect(self, other: "PropertyRange") -> "PropertyRange":
        """Both ranges at once (same property); raises ValueError when they cannot both hold."""
        if other.property != self.property:
            raise ValueError("can only intersect ranges on the same property")
        low, low_inc = _tighter(self.min, self.min_inclusive, other.min, other.min_inclusive, max)
        high, high_inc = _tighter(self.max, self.max_inclusive, other.max, other.max_inclusive, min)
        return PropertyRange(property=self.property, min=low, max=high, min_inclusive=low_inc, max_inclusive=high_inc)

    def describe(self) -> str:
        lower = f"{self.min:g} {'<=' if self.min_inclusive else '<'} " if self.min is not None else ""
        upper = f" {'<=' if self.max_inclusive else '<'} {self.max:g}" if self.max is not None else ""
        if lower and not upper:
            return f"{self.property} {'>=' if self.min_inclusive else '>'} {self.min:g}"
        return f"{lower}{self.property}{upper}"

    def as_json(self) -> dict:
        return {"property": self.property, "min": self.min, "max": self.max}


def _tighter(a, a_inc, b, b_inc, pick):
    if a is None:
        return b, b_inc
    if b is None or a == b:
        return a, (a_inc and b_inc) if b is not None else a_inc
    return (a, a_inc) if pick(a, b) == a else (b, b_inc)


def _range(name: str, op: str, value: float, flipped: bool = False) -> PropertyRange:
    kind = _OPS[op]
    if flipped:  # "0.6 < Trg" is "Trg > 0.6"
        kind = {"ge": "le", "le": "ge", "gt": "lt", "lt": "gt", "eq": "eq"}[kind]
    if kind == "eq":
        return PropertyRange(property=name, min=value, max=value)
    if kind in ("ge", "gt"):
        return PropertyRange(property=name, min=value, min_inclusive=kind == "ge")
    return PropertyRange(property=name, max=value, max_inclusive=kind == "le")


def parse_conditions(text: str) -> list[PropertyRange]:
    """`"Trg>=0.6, Tg<700"` or `"800<=Tg<=900 and gamma>0.4"` -> ranges (one per property, intersected)."""
    parts = [p for p in re.split(r",|;|\band\b|&&?", text) if p.strip()]
    if not parts:
        raise ConditionError(f"empty condition {text!r}; write e.g. \"Trg>=0.6\"")
    ranges: dict[str, PropertyRange] = {}
    for part in parts:
        try:
            found = _parse_one(part)
        except ValueError as error:
            raise ConditionError(f"condition {part.strip()!r}: {_first_line(error)}") from None
        for item in found:
            try:
                ranges[item.property] = ranges[item.property].intersect(item) if item.property in ranges else item
            except ValueError as error:
                raise ConditionError(f"conditions on {item.property} cannot all hold: {_first_line(error)}") from None
    return list(ranges.values())


def _parse_one(part: str) -> list[PropertyRange]:
    match = _SIMPLE.match(part)
    if match:
        name, op, value = match.groups()
        return [_range(name, op, float(value))]
    match = _BETWEEN.match(part)
    if match:
        low, op1, name, op2, high = match.groups()
        return [_range(name, op1, float(low), flipped=True), _range(name, op2, float(high))]
    raise ValueError('not of the form "NAME OP NUMBER" (e.g. "Trg>=0.6" or "800<=Tg<=900")')


def _first_line(error: Exception) -> str:
    """pydantic's errors span lines; keep the message of the first error only."""
    if isinstance(error, ValidationError):
        return validation_message(error, most=1, locations=False)
    return str(error)
