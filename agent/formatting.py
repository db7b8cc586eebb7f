"""Numbers as people read them, shared by the terminal views and the assistant's text answers."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this at start-up; the tools layer only when a command runs
    from alloygan.tools.results import Estimate


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with `digits` decimals; "–" when missing."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def plus_minus(value: Estimate | Mapping | None, digits: int, unit: str = "") -> str:
    """A predicted value (an `Estimate`) as "mean±std" (with a unit); "–" when missing."""
    if isinstance(value, Mapping):  # its JSON form {"mean", "std"}, for callers that still hold one
        mean, std = value.get("mean"), value.get("std")
    else:
        mean, std = (value.mean, value.std) if value is not None else (None, None)
    if mean is None:
        return "–"
    return f"{fmt(mean, digits)}±{fmt(std, digits)}{unit}"
