"""Compositions as arrays: a fixed element vocabulary and atomic-fraction matrices.

Everything numeric in the science core works on an (n, V) float array of atomic
fractions (rows sum to 1) over an `ElementVocabulary` of V element symbols; this
module is the one place that converts between that array and `Composition`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from alloygan.knowledge_base.composition import Composition, element_symbols


class ElementVocabulary:
    """An ordered tuple of element symbols, the columns of every composition array."""

    __slots__ = ("elements", "_index")

    def __init__(self, elements: Sequence[str]):
        known = element_symbols()
        unknown = [e for e in elements if e not in known]
        if unknown:
            raise ValueError(f"not element symbols: {', '.join(unknown)}")
        if len(set(elements)) != len(elements):
            raise ValueError("element vocabulary has repeated symbols")
        self.elements: tuple[str, ...] = tuple(elements)
        self._index = {e: i for i, e in enumerate(self.elements)}

    @classmethod
    def from_compositions(cls, compositions: Iterable[Composition], min_count: int = 1) -> "ElementVocabulary":
        """Elements occurring in at least `min_count` compositions, most frequent first (ties alphabetical)."""
        counts = Counter(e for c in compositions for e in c.element_set)
        kept = [e for e, n in counts.items() if n >= min_count]
        return cls(sorted(kept, key=lambda e: (-counts[e], e)))

    def __len__(self) -> int:
        return len(self.elements)

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._index

    def index(self, symbol: str) -> int:
        return self._index[symbol]

    def covers(self, composition: Composition) -> bool:
        return composition.element_set <= self._index.keys()

    def encode(self, compositions: Sequence[Composition]) -> np.ndarray:
        """(n, V) atomic fractions. Raises if a composition has an element outside the vocabulary."""
        array = np.zeros((len(compositions), len(self.elements)), dtype=np.float64)
        for row, composition in enumerate(compositions):
            for symbol in composition.element_set:
                column = self._index.get(symbol)
                if column is None:
                    raise ValueError(f"{composition.formula}: element {symbol} is not in the vocabulary")
                array[row, column] = composition[symbol] / 100.0
        return array

    def decode(self, fractions: np.ndarray) -> list[Composition]:
        """Compositions from an (n, V) array of non-negative amounts (each row renormalised)."""
        fractions = np.atleast_2d(np.asarray(fractions, dtype=np.float64))
        out = []
        for row in fractions:
            nonzero = np.flatnonzero(row > 0)
            out.append(Composition({self.elements[i]: float(row[i]) for i in nonzero}))
        return out

    def to_list(self) -> list[str]:
        return list(self.elements)
