"""The condition vector of a generator: standardised thermal features ⊕ one-hot base element.

NumPy only (the torch-free sampler uses it). The scaling is fitted on the training data
and saved with the model, so sampling builds exactly the vectors training saw.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alloygan.models.descriptors.thermal import FEATURE_NAMES, thermal_features


@dataclass(frozen=True)
class ConditionScaling:
    """Which features condition the model, their training mean and standard deviation, and the families."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    families: tuple[str, ...]  # the one-hot order; () when the family is not a condition
    clip: float = 5.0

    @property
    def width(self) -> int:
        return len(self.features) + len(self.families)

    @classmethod
    def fit(
        cls,
        features: Sequence[str],
        Tg: ArrayLike,
        Tx: ArrayLike,
        Tl: ArrayLike,
        families: Sequence[str] = (),
        clip: float = 5.0,
    ) -> "ConditionScaling":
        raw = _feature_matrix(features, Tg, Tx, Tl)
        mean = raw.mean(axis=0) if raw.size else np.zeros(0)
        scale = raw.std(axis=0) if raw.size else np.zeros(0)
        scale = np.where(scale > 0, scale, 1.0)  # a constant feature (one-alloy family) stays finite
        return cls(tuple(features), tuple(map(float, mean)), tuple(map(float, scale)), tuple(families), clip)

    def transform(
        self, Tg: ArrayLike, Tx: ArrayLike, Tl: ArrayLike, family: str | Sequence[str] | None = None
    ) -> NDArray[np.float32]:
        """(n, width) float32 condition vectors for temperature triples (and base elements)."""
        Tg, Tx, Tl = (np.atleast_1d(np.asarray(t, dtype=np.float64)) for t in (Tg, Tx, Tl))
        if any(t.ndim != 1 for t in (Tg, Tx, Tl)):
            raise ValueError("Tg, Tx and Tl must be scalars or 1-D arrays of temperatures in K")
        sizes = {t.size for t in (Tg, Tx, Tl)}
        if len(sizes - {1}) > 1:
            raise ValueError(f"Tg, Tx and Tl must have the same length; got {Tg.size}, {Tx.size}, {Tl.size}")
        n = max(sizes)
        parts = []
        if self.features:
            raw = _feature_matrix(self.features, Tg, Tx, Tl)
            standardised = (raw - np.asarray(self.mean)) / np.asarray(self.scale)
            parts.append(np.clip(np.nan_to_num(standardised, nan=0.0), -self.clip, self.clip))
        if self.families:
            parts.append(self.one_hot(family, n))
        if not parts:
            return np.zeros((n, 0), dtype=np.float32)
        return np.concatenate(parts, axis=1).astype(np.float32)

    def one_hot(self, family: str | Sequence[str] | None, n: int) -> NDArray[np.float64]:
        if family is None:
            if len(self.families) != 1:
                raise ValueError(f"name the base element to condition on (one of {', '.join(self.families)})")
            family = self.families[0]
        names = [family] * n if isinstance(family, str) else list(family)
        if len(names) != n:
            raise ValueError(f"got {len(names)} families for {n} temperature triples")
        index = {f: i for i, f in enumerate(self.families)}
        unknown = sorted({f for f in names if f not in index})
        if unknown:
            raise ValueError(f"cannot condition on base element {', '.join(unknown)}: this model knows "
                             f"{', '.join(self.families)}; use a model trained on that family")
        out = np.zeros((n, len(self.families)))
        out[np.arange(n), [index[f] for f in names]] = 1.0
        return out

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "families": list(self.families), "clip": self.clip}

    @classmethod
    def from_dict(cls, data: dict) -> "ConditionScaling":
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]),
                   tuple(data["families"]), float(data["clip"]))


def _feature_matrix(features: Sequence[str], Tg: ArrayLike, Tx: ArrayLike, Tl: ArrayLike) -> NDArray[np.float64]:
    if not features:
        return np.zeros((np.atleast_1d(np.asarray(Tg)).shape[0], 0))
    columns = [FEATURE_NAMES.index(f) for f in features]
    return thermal_features(Tg, Tx, Tl)[:, columns]
