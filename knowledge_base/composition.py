"""The one composition type of the project: an alloy in atomic percent.

`Composition` is immutable and hashable. Amounts are atomic percent summing to 100.
Equality holds when both have the same elements and every amount agrees within
`TOLERANCE_AT_PCT` (0.01 at.%); the hash depends on the element set only, so equal
compositions always hash alike and a dict keyed by `Composition` deduplicates
within the tolerance.

The canonical element order is the alloy-naming order: decreasing at.%, ties broken
alphabetically (`Ca40Cu30Mg30`). The canonical text is that order with amounts
written to at most 4 decimals; parsing it gives the same composition back.

Formula text is read by `knowledge_base.formula.parse_formula`, which explains why
pymatgen's own parser is not used for it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache

TOLERANCE_AT_PCT = 0.01
# Amounts below this (at.%) are numerical noise, not alloying additions; they are dropped.
TRACE_FLOOR_AT_PCT = 1e-4
# Amounts totalling 100 within this are taken as written, so that reading the text of a
# composition reproduces that text exactly (rescaling would move the last printed digit).
NORMALISED_SLACK = 1e-4


class CompositionError(ValueError):
    """A composition or formula that cannot be read exactly; the message says why."""


@lru_cache(maxsize=1)
def element_symbols() -> frozenset[str]:
    """Symbols of the real chemical elements (pymatgen's periodic table; no dummy species)."""
    from pymatgen.core.periodic_table import Element

    return frozenset(e.symbol for e in Element)


@lru_cache(maxsize=None)
def atomic_mass(symbol: str) -> float:
    """Standard atomic mass in g/mol (pymatgen's periodic table)."""
    from pymatgen.core.periodic_table import Element

    return float(Element(symbol).atomic_mass)


def format_amount(value: float, decimals: int = 4) -> str:
    """An amount as written in a formula: at most `decimals` decimals, no trailing zeros."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text or "0"


class Composition:
    """An alloy composition in atomic percent (immutable, hashable, canonical)."""

    __slots__ = ("_amounts", "_order")

    def __init__(self, amounts: Mapping[str, float] | Iterable[tuple[str, float]]):
        items = list(amounts.items()) if isinstance(amounts, Mapping) else list(amounts)
        known = element_symbols()
        merged: dict[str, float] = {}
        for symbol, value in items:
            if symbol not in known:
                raise CompositionError(f"{symbol!r} is not a chemical element symbol")
            value = float(value)
            if not math.isfinite(value) or value < 0:
                raise CompositionError(f"amount of {symbol} must be a finite non-negative number, got {value!r}")
            merged[symbol] = merged.get(symbol, 0.0) + value
        total = sum(merged.values())
        if total <= 0:
            raise CompositionError("a composition needs at least one element with a positive amount")
        scaled = {s: 100.0 * v / total for s, v in merged.items()}
        kept = {s: v for s, v in scaled.items() if v >= TRACE_FLOOR_AT_PCT}
        if len(kept) == len(merged) and abs(total - 100.0) <= NORMALISED_SLACK:
            kept_total = 100.0  # already at.% up to printing precision: keep the amounts as written
            kept = merged
        else:
            kept_total = sum(kept.values())
        self._amounts: dict[str, float] = {s: round(100.0 * v / kept_total, 9) for s, v in sorted(kept.items())}
        self._order: tuple[str, ...] = tuple(sorted(self._amounts, key=lambda s: (-round(self._amounts[s], 4), s)))

    # construction -----------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> "Composition":
        """Read a formula in at.% or atomic fractions (see `knowledge_base.formula`)."""
        from alloygan.knowledge_base.formula import parse_formula

        return cls(parse_formula(text))

    @classmethod
    def from_dict(cls, amounts: Mapping[str, float]) -> "Composition":
        return cls(amounts)

    # views ------------------------------------------------------------------------
    @property
    def elements(self) -> tuple[str, ...]:
        """Elements in canonical order (decreasing at.%, then alphabetical)."""
        return self._order

    @property
    def element_set(self) -> frozenset[str]:
        return frozenset(self._amounts)

    @property
    def base_element(self) -> str:
        """The element with the largest at.% (ties: alphabetical first)."""
        return self._order[0]

    def __getitem__(self, symbol: str) -> float:
        return self._amounts.get(symbol, 0.0)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._amounts

    def __len__(self) -> int:
        return len(self._amounts)

    def __iter__(self):
        return iter(self._order)

    def as_dict(self) -> dict[str, float]:
        """{element: at.%} in canonical order, amounts rounded to 4 decimals (JSON form)."""
        return {s: round(self._amounts[s], 4) for s in self._order}

    def fractions(self) -> dict[str, float]:
        """{element: atomic fraction} in canonical order."""
        return {s: self._amounts[s] / 100.0 for s in self._order}

    def weight_fractions(self) -> dict[str, float]:
        """{element: mass fraction}: at.% weighted by atomic mass."""
        masses = {s: self._amounts[s] * atomic_mass(s) for s in self._order}
        total = sum(masses.values())
        return {s: m / total for s, m in masses.items()}

    @property
    def formula(self) -> str:
        """Canonical text, e.g. `Zr62Cu29.6Al4.2Ag2.3Ni1.9` (amounts to 4 decimals)."""
        return self.to_text(4)

    def to_text(self, decimals: int = 4) -> str:
        """Canonical order with amounts to `decimals` decimals; 6 keeps stored values stable."""
        return "".join(f"{s}{format_amount(self._amounts[s], decimals)}" for s in self._order)

    @property
    def system(self) -> str:
        """The alloy system: its elements, alphabetical and dash-joined (`Al-Cu-Zr`)."""
        return "-".join(sorted(self._amounts))

    def distance(self, other: "Composition") -> float:
        """Half the L1 distance in at.% (0 = identical, 100 = no element in common)."""
        symbols = set(self._amounts) | set(other._amounts)
        return 0.5 * sum(abs(self[s] - other[s]) for s in symbols)

    # identity ---------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Composition):
            return NotImplemented
        if self._amounts.keys() != other._amounts.keys():
            return False
        return all(abs(v - other._amounts[s]) <= TOLERANCE_AT_PCT + 1e-9 for s, v in self._amounts.items())

    def __hash__(self) -> int:
        return hash(tuple(self._amounts))

    def __str__(self) -> str:
        return self.formula

    def __repr__(self) -> str:
        return f"Composition({self.formula!r})"

    def __reduce__(self):
        return (Composition, (dict(self._amounts),))
