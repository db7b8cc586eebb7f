"""JSON forms shared by every command and tool (the conventions are in the README).

A composition is `{element: at.%}`; temperatures are `Tg`, `Tx`, `Tl` in kelvin; derived
features use their short names (`Trg`, `gamma`, `dTx`, ...).
"""
from __future__ import annotations

import math

import pandas as pd

from alloygan.knowledge_base.records import Alloy, Report


def rounded(value: float | None, digits: int = 6) -> float | None:
    """A float for JSON: rounded, and None for NaN/inf or missing."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def report_source(report: Report) -> dict:
    source = report.source
    return {
        "document": source.title if source else "",
        "sha256": source.sha256 if source else "",
        "kind": source.kind if source else "",
        "page": report.page,
        "location": report.location,
        "raw_text": report.raw_text,
        **({"quote": report.quote} if report.quote else {}),
    }


def alloy_record(alloy: Alloy, features: pd.Series) -> dict:
    """A known alloy: composition, median temperatures, every feature, its reports' sources."""
    from alloygan.models.descriptors.thermal import FEATURE_NAMES

    return {
        "composition": alloy.composition.as_dict(),
        "formula": alloy.composition.formula,
        "base_element": alloy.base_element,
        **{name: rounded(features[name]) for name in FEATURE_NAMES},
        "n_reports": len(alloy.reports),
        "conflicting": alloy.conflicting,
        "spread_K": rounded(alloy.spread_K, 3),
        "sources": [report_source(r) for r in alloy.reports],
    }


def predicted(mean: float, std: float, digits: int = 4) -> dict:
    """A predicted value: `{"mean": ..., "std": ...}`."""
    return {"mean": rounded(mean, digits), "std": rounded(std, digits)}


def prediction_fields(prediction, row: int, names) -> dict:
    """`{name: {"mean", "std"}}` for one row of a `PropertyPrediction`."""
    return {name: predicted(prediction.mean[name][row], prediction.std[name][row]) for name in names}


def nearest_record(alloy: Alloy, distance_at_pct: float, cache: dict | None = None) -> dict:
    """A known alloy near a candidate: composition, distance, measured values and where they come from.

    `cache` (a dict kept by the caller) reuses the alloy's part across calls: on 10,000
    predictions most nearest alloys recur, and building their records is most of the time.
    """
    known = cache.get(id(alloy)) if cache is not None else None
    if known is None:
        known = {
            "formula": alloy.composition.formula,
            "composition": alloy.composition.as_dict(),
            "Tg": rounded(alloy.Tg, 1), "Tx": rounded(alloy.Tx, 1), "Tl": rounded(alloy.Tl, 1),
            "source": report_source(alloy.reports[0]),
            "n_reports": len(alloy.reports),
        }
        if cache is not None:
            cache[id(alloy)] = known
    return {"formula": known["formula"], "composition": known["composition"],
            "distance_at_pct": rounded(distance_at_pct, 2), **{k: v for k, v in known.items() if k not in
                                                              ("formula", "composition")}}
