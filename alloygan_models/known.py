"""The known alloys as a reference: nearest neighbours of candidates with their sources, and the measurement
uncertainty of a known alloy (the spread of its reports, or the typical inter-report spread)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Alloy
from alloygan.models.dataset import AlloyTable
from alloygan.models.descriptors.thermal import TEMPERATURES, resolve_property, thermal_property
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.forward.model import PropertyPrediction
from alloygan.models.metrics import nearest_known


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

    def nearest_in_family(self, elements: Sequence[str], fractions: np.ndarray,
                          families: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(distance in at.%, index into the table) of the nearest known alloy of each row's family (base element);
        NaN and -1 where no known alloy has that base element."""
        mapped = self._on_vocabulary(elements, fractions)
        reference = np.hstack([self.fractions, np.zeros((len(self.fractions), 1))])
        bases = self.table.frame["base_element"].to_numpy().astype(str)
        distances, indices = np.full(len(mapped), np.nan), np.full(len(mapped), -1, dtype=int)
        families = np.asarray(families, dtype=str)
        for family in np.unique(families):
            members = np.flatnonzero(bases == family)
            rows = np.flatnonzero(families == family)
            if len(members):
                d, i = nearest_known(mapped[rows], reference[members], k=1)
                distances[rows], indices[rows] = d, members[i]
        return distances, indices

    def family_distances_to(self, compositions: Sequence[Composition]) -> tuple[np.ndarray, np.ndarray]:
        elements = sorted({e for c in compositions for e in c.element_set})
        return self.nearest_in_family(elements, ElementVocabulary(elements).encode(compositions),
                                      [c.base_element for c in compositions])

    def alloy(self, index: int) -> Alloy:
        return self.table.alloys[int(index)]


# Measurement uncertainty of the known alloys -------------------------------------------------------------
# Where no alloy has independent repeat reports, the typical inter-report spread falls back to these (K):
# differences of a few K in Tg and 5-10 K in Tx and Tl between laboratories (heating rate, onset
# construction) are the usual order in the metallic-glass literature.
FALLBACK_REPORT_SPREAD_K = {"Tg": 5.0, "Tx": 5.0, "Tl": 8.0}
_MEASUREMENT_SAMPLES = 512
_MEASUREMENT_SEED = 7


def report_spread(alloy: Alloy) -> dict[str, float] | None:
    """Standard deviation (K, ddof 1) of Tg, Tx, Tl over the alloy's *distinct* reports, or None when it has fewer
    than two: a triple reported twice with the same values is one measurement quoted twice, not two."""
    distinct = sorted({(r.Tg, r.Tx, r.Tl) for r in alloy.reports})
    if len(distinct) < 2:
        return None
    values = np.asarray(distinct, dtype=float)
    return {name: float(values[:, i].std(ddof=1)) for i, name in enumerate(TEMPERATURES)}


def typical_report_spread(alloys: Sequence[Alloy]) -> dict[str, float]:
    """The pooled inter-report standard deviation (root mean of the per-alloy variances) of Tg, Tx, Tl over the
    alloys with at least two distinct reports; FALLBACK_REPORT_SPREAD_K where there are none."""
    spreads = [s for s in (report_spread(a) for a in alloys) if s is not None]
    if not spreads:
        return dict(FALLBACK_REPORT_SPREAD_K)
    return {name: float(np.sqrt(np.mean([s[name] ** 2 for s in spreads]))) for name in TEMPERATURES}


def measurement_uncertainty(alloy: Alloy, typical: dict[str, float]) -> dict[str, float]:
    """σ (K) of the alloy's measured Tg, Tx, Tl: the spread of its reports where it has several distinct ones
    (never below 0.5 K), else the typical inter-report spread."""
    own = report_spread(alloy)
    return {name: max(own[name], 0.5) if own is not None else typical[name] for name in TEMPERATURES}


def measured_prediction(alloys: Sequence[Alloy], typical: dict[str, float],
                        properties: Sequence[str] = TEMPERATURES) -> PropertyPrediction:
    """Mean and σ of every property of known alloys from their measurements: Tg, Tx, Tl Gaussian about the median
    of the reports with `measurement_uncertainty`, each criterion computed on fixed samples of them (so Trg of a
    known alloy has a σ too, and P(good GFA) is a probability, not 0 or 1)."""
    properties = tuple(dict.fromkeys(resolve_property(p) for p in properties))
    draws = np.random.default_rng(_MEASUREMENT_SEED).standard_normal((3, _MEASUREMENT_SAMPLES))
    draws = (draws - draws.mean(axis=1, keepdims=True)) / draws.std(axis=1, keepdims=True)
    centre = np.array([[a.Tg, a.Tx, a.Tl] for a in alloys], dtype=float).reshape(-1, 3)
    sigma = np.array([[measurement_uncertainty(a, typical)[n] for n in TEMPERATURES] for a in alloys]).reshape(-1, 3)
    Tg, Tx, Tl = (centre[:, i, None] + sigma[:, i, None] * draws[i][None, :] for i in range(3))
    mean, std = {}, {}
    for p in properties:
        values = thermal_property(p, Tg, Tx, Tl)
        mean[p], std[p] = values.mean(axis=1), values.std(axis=1)
    for i, name in enumerate(TEMPERATURES):  # exactly the reports' median and σ, not their sampled estimates
        if name in mean:
            mean[name], std[name] = centre[:, i], sigma[:, i]
    return PropertyPrediction(mean, std)
