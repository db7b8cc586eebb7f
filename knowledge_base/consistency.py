"""Cross-row sanity check: a report far from every close neighbour is suspect.

A row whose Tg, Tx or Tl differs by more than `MAX_DEVIATION_K` from the median of at
least `MIN_NEIGHBOURS` other reports within `RADIUS_AT_PCT` (half the L1 distance, in
at.%) is not believable as printed. In the published table this finds rows given in °C
(a +273.15 K shift puts them beside their neighbours) and misprints such as a Tx of 969 K
among Pd-Si glasses near 690 K. They are quarantined with the reason, never corrected.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alloygan.knowledge_base.records import Report

RADIUS_AT_PCT = 6.0
MIN_NEIGHBOURS = 3
MAX_DEVIATION_K = 150.0
CELSIUS_MATCH_K = 50.0


def _fraction_matrix(reports: Sequence[Report]) -> np.ndarray:
    elements = sorted({e for r in reports for e in r.composition.element_set})
    column = {e: i for i, e in enumerate(elements)}
    matrix = np.zeros((len(reports), len(elements)))
    for row, report in enumerate(reports):
        for element in report.composition.element_set:
            matrix[row, column[element]] = report.composition[element]
    return matrix


def neighbour_outliers(reports: Sequence[Report]) -> dict[int, str]:
    """{index of report: reason} for reports inconsistent with their composition neighbours."""
    if len(reports) <= MIN_NEIGHBOURS:
        return {}
    amounts = _fraction_matrix(reports)
    temperatures = np.array([[r.Tg, r.Tx, r.Tl] for r in reports])
    flagged: dict[int, str] = {}
    for index in range(len(reports)):
        distance = 0.5 * np.abs(amounts - amounts[index]).sum(axis=1)
        distance[index] = np.inf
        near = np.flatnonzero(distance <= RADIUS_AT_PCT)
        if len(near) < MIN_NEIGHBOURS:
            continue
        median = np.median(temperatures[near], axis=0)
        deviation = temperatures[index] - median
        if np.abs(deviation).max() <= MAX_DEVIATION_K:
            continue
        parts = ", ".join(f"{name} {d:+.0f} K" for name, d in zip(("Tg", "Tx", "Tl"), deviation) if abs(d) > MAX_DEVIATION_K)
        reason = (f"inconsistent with the {len(near)} alloys within {RADIUS_AT_PCT:g} at.%: {parts} from their median "
                  f"({median[0]:.0f}, {median[1]:.0f}, {median[2]:.0f} K)")
        if np.abs(deviation + 273.15).max() <= CELSIUS_MATCH_K:
            reason += "; the values look like °C"
        flagged[index] = reason
    return flagged
