"""Numbers as people read them, shared by the terminal views and the assistant's text answers."""
from __future__ import annotations


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with `digits` decimals; "–" when missing."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def plus_minus(value: dict | None, digits: int, unit: str = "") -> str:
    """A predicted value `{"mean", "std"}` as "mean±std" (with a unit); "–" when missing."""
    if not value or value.get("mean") is None:
        return "–"
    return f"{fmt(value['mean'], digits)}±{fmt(value.get('std'), digits)}{unit}"
