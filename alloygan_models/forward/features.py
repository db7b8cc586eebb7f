"""Inputs of the forward property model: atomic fractions plus element-data descriptors.

The descriptor set is the fraction-weighted means of the 22 Magpie element properties and
seven alloy terms (size mismatch, mixing entropy and enthalpy, VEC, electronegativity
differences, Ω). The full Magpie statistics (min, max, range, deviation, mode) and Miedema's
ΔH_amor added nothing measurable on this data (R² of Trg over five random splits: 0.798
with ΔH_amor, 0.800 without) and cost most of the time, and the design pipeline featurises
~100,000 candidates per request. Nor did, in scripts/forward_experiments.py, the Magpie
deviation / min / max of the melting point, deviations of covalent radius, electronegativity,
column and volume, the number of elements, or the fractions of six element classes: R² of
Trg 0.800-0.805 against 0.805 on protocol (a); their gains on protocol (b) (up to +0.04 for γ)
vanish on four other random partitions of the systems (at most +0.002 Trg, +0.007 γ: noise).
"""
from __future__ import annotations

import numpy as np

from alloygan.models.descriptors.elemental import CompositionDescriptors
from alloygan.models.encoding import ElementVocabulary


class ForwardFeatures:
    """(n, V) fractions -> (n, V + 30) model inputs; NaN descriptors become the training medians."""

    def __init__(self, vocabulary: ElementVocabulary):
        self.vocabulary = vocabulary
        self._descriptors = CompositionDescriptors(vocabulary.elements, magpie_stats=("mean",), miedema_amorphous=False)
        self.fill_values_: np.ndarray | None = None

    def labels(self) -> list[str]:
        return [f"x({e})" for e in self.vocabulary.elements] + self._descriptors.feature_labels()

    def fit(self, fractions: np.ndarray) -> "ForwardFeatures":
        descriptors = self._descriptors.featurize(fractions)
        medians = np.nanmedian(np.where(np.isfinite(descriptors), descriptors, np.nan), axis=0)
        self.fill_values_ = np.nan_to_num(medians, nan=0.0)
        return self

    def transform(self, fractions: np.ndarray) -> np.ndarray:
        if self.fill_values_ is None:
            raise RuntimeError("ForwardFeatures.transform before fit")
        fractions = np.asarray(fractions, dtype=float)
        fractions = fractions / fractions.sum(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            descriptors = self._descriptors.featurize(fractions)
        bad = ~np.isfinite(descriptors)
        if bad.any():
            descriptors[bad] = np.broadcast_to(self.fill_values_, descriptors.shape)[bad]
        return np.hstack([fractions, descriptors])
