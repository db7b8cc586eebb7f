"""The known alloys as a reference: nearest neighbours of candidates, with their sources."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alloygan.models.dataset import AlloyTable
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.metrics import nearest_known
from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Alloy


class KnownAlloys:
    """Every alloy of a table on a vocabulary covering all their elements."""

    def __init__(self, table: AlloyTable):
        self.table = table
        self.vocabulary = ElementVocabulary.from_compositions(table.compositions)
        self.fractions = table.fractions(self.vocabulary)

    def _on_vocabulary(self, elements: Sequence[str], fractions: np.ndarray) -> np.ndarray:
        """Re-map columns; amounts of elements no known alloy has are kept as one extra column."""
        fractions = np.atleast_2d(np.asarray(fractions, dtype=float))
        mapped = np.zeros((len(fractions), len(self.vocabulary) + 1))
        for column, element in enumerate(elements):
            target = self.vocabulary.index(element) if element in self.vocabulary else len(self.vocabulary)
            mapped[:, target] += fractions[:, column]
        return mapped

    def nearest(self, elements: Sequence[str], fractions: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """(distances in at.%, indices into the table), each (n, k), nearest first."""
        k = min(k, len(self.table))
        reference = np.hstack([self.fractions, np.zeros((len(self.fractions), 1))])
        distances, indices = nearest_known(self._on_vocabulary(elements, fractions), reference, k=k)
        return distances.reshape(len(fractions), k), indices.reshape(len(fractions), k)

    def nearest_to(self, compositions: Sequence[Composition], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        elements = sorted({e for c in compositions for e in c.element_set})
        return self.nearest(elements, ElementVocabulary(elements).encode(compositions), k)

    def alloy(self, index: int) -> Alloy:
        return self.table.alloys[int(index)]
