"""The knowledge base as a table for the science core: one row per deduplicated alloy.

Columns: `formula`, `base_element`, `system`, `n_elements`, `n_reports`, `conflicting`,
`spread_K`, then the thermodynamic features (Tg, Tx, Tl and every GFA criterion),
computed by `descriptors.thermal` from the alloy's median temperatures. The
`Composition` objects travel alongside in `AlloyTable.compositions`, row-aligned.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alloygan.models.constraints import PropertyRange
from alloygan.models.descriptors.thermal import FEATURE_NAMES, thermal_features
from alloygan.models.encoding import ElementVocabulary
from alloygan.knowledge_base.composition import Composition
from alloygan.knowledge_base.records import Alloy


@dataclass
class AlloyTable:
    frame: pd.DataFrame
    alloys: list[Alloy]

    @property
    def compositions(self) -> list[Composition]:
        return [a.composition for a in self.alloys]

    def __len__(self) -> int:
        return len(self.alloys)

    def subset(self, mask: np.ndarray | Sequence[bool] | Sequence[int]) -> "AlloyTable":
        index = np.flatnonzero(mask) if np.asarray(mask).dtype == bool else np.asarray(mask, dtype=int)
        return AlloyTable(self.frame.iloc[index].reset_index(drop=True), [self.alloys[i] for i in index])

    def select(
        self,
        base: str | None = None,
        require: Sequence[str] = (),
        exclude: Sequence[str] = (),
        ranges: Sequence[PropertyRange] = (),
    ) -> "AlloyTable":
        """Alloys of a base element, containing all of `require`, none of `exclude`, inside every range."""
        mask = np.ones(len(self), dtype=bool)
        if base:
            mask &= (self.frame["base_element"] == base).to_numpy()
        for index, alloy in enumerate(self.alloys):
            elements = alloy.composition.element_set
            if any(e not in elements for e in require) or any(e in elements for e in exclude):
                mask[index] = False
        for item in ranges:
            mask &= item.contains(self.frame[item.property].to_numpy())
        return self.subset(mask)

    def canonical(self) -> "AlloyTable":
        """The same alloys sorted by canonical formula (then Tg, Tx, Tl for repeated formulas of a
        per-report table): row order, and so every split and model trained on the table, then depends
        only on the alloys, never on the order a store or a build path inserted them."""
        return self.subset(canonical_order(self.frame))

    def fractions(self, vocabulary: ElementVocabulary) -> np.ndarray:
        return vocabulary.encode(self.compositions)

    def data_hash(self) -> str:
        """SHA-256 over formulas and temperatures: a model trained on other data is stale."""
        digest = hashlib.sha256()
        for row in self.frame[["formula", "Tg", "Tx", "Tl"]].itertuples(index=False):
            digest.update(f"{row.formula}|{row.Tg:.3f}|{row.Tx:.3f}|{row.Tl:.3f}\n".encode())
        return digest.hexdigest()


def canonical_order(frame: pd.DataFrame) -> np.ndarray:
    """Row indices that sort a table by formula, then Tg, Tx, Tl (a stable sort)."""
    keys = [frame[c].to_numpy() for c in ("Tl", "Tx", "Tg")] + [frame["formula"].to_numpy().astype(str)]
    return np.lexsort(keys)


def alloy_table(alloys: Sequence[Alloy]) -> AlloyTable:
    """The feature table of the given alloys (order kept)."""
    alloys = list(alloys)
    temperatures = np.array([[a.Tg, a.Tx, a.Tl] for a in alloys], dtype=float).reshape(-1, 3)
    features = thermal_features(temperatures[:, 0], temperatures[:, 1], temperatures[:, 2])
    frame = pd.DataFrame(
        {
            "formula": [a.composition.formula for a in alloys],
            "base_element": [a.base_element for a in alloys],
            "system": [a.composition.system for a in alloys],
            "n_elements": [len(a.composition) for a in alloys],
            "n_reports": [len(a.reports) for a in alloys],
            "conflicting": [a.conflicting for a in alloys],
            "spread_K": [a.spread_K for a in alloys],
        }
    )
    feature_frame = pd.DataFrame(features.reshape(len(alloys), len(FEATURE_NAMES)), columns=list(FEATURE_NAMES))
    return AlloyTable(pd.concat([frame, feature_frame], axis=1), alloys)


_loaded: dict[str, tuple[tuple, AlloyTable]] = {}  # store path -> (its revision, its table)


def load_alloy_table() -> AlloyTable:
    """Every deduplicated alloy of the default store (filled from the shipped mined table on first use),
    in canonical order (sorted by formula), whatever path built the store.

    Kept in memory while the store's rows are unchanged (`AlloyStore.revision`: a serving process answers a
    prediction without reading 1,300 reports again); a commit by this process or another is seen at once."""
    from alloygan.knowledge_base.store import AlloyStore

    with AlloyStore.open_default() as store:
        path = Path(store.path)
        signature = store.revision()
        cached = _loaded.get(str(path))
        if cached is not None and cached[0] == signature:
            return cached[1]
        table = alloy_table(store.alloys()).canonical()
    _loaded[str(path)] = (signature, table)
    return table
