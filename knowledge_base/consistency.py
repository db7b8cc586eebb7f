"""Cross-row sanity check: a report far from every close neighbour is suspect.

A row whose Tg, Tx or Tl differs by more than `MAX_DEVIATION_K` from the median of at
least `MIN_NEIGHBOURS` other reports within `RADIUS_AT_PCT` (half the L1 distance, in
at.%) is not believable as printed. In the published table this finds rows given in °C
(a +273.15 K shift puts them beside their neighbours) and misprints such as a Tx of 969 K
among Pd-Si glasses near 690 K. They are quarantined with the reason, never corrected.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from alloygan.knowledge_base.records import QuarantinedRow, Report, temperature_problems

RADIUS_AT_PCT = 6.0
MIN_NEIGHBOURS = 3
MAX_DEVIATION_K = 150.0
CELSIUS_MATCH_K = 50.0
_CHUNK = 512  # rows whose neighbours are looked up at once


def _fraction_matrix(reports: Sequence[Report]) -> np.ndarray:
    elements = sorted({e for r in reports for e in r.composition.element_set})
    column = {e: i for i, e in enumerate(elements)}
    matrix = np.zeros((len(reports), len(elements)))
    for row, report in enumerate(reports):
        for element in report.composition.element_set:
            matrix[row, column[element]] = report.composition[element]
    return matrix


def neighbour_outliers(reports: Sequence[Report], check: Collection[int] | None = None) -> dict[int, str]:
    """{index of report: reason} for reports inconsistent with their composition neighbours
    (only the indices in `check` are judged, against all the reports; default: every one)."""
    if len(reports) <= MIN_NEIGHBOURS:
        return {}
    from scipy.spatial import cKDTree

    amounts = _fraction_matrix(reports)
    temperatures = np.array([[r.Tg, r.Tx, r.Tl] for r in reports])
    flagged: dict[int, str] = {}
    indices = list(range(len(reports))) if check is None else sorted(check)
    # A k-d tree (L1, a slightly wider ball) finds the candidates; the distance test below is the exact one, so a
    # table of 100,000 rows is checked in seconds instead of comparing every row with every other.
    tree = cKDTree(amounts)
    radius = 2 * RADIUS_AT_PCT * (1 + 1e-9) + 1e-9  # L1 = twice the distance in at.%
    balls = (ball for start in range(0, len(indices), _CHUNK)  # in chunks: the balls of dense data are large
             for ball in tree.query_ball_point(amounts[indices[start:start + _CHUNK]], r=radius, p=1))
    for index, ball in zip(indices, balls):
        candidates = np.array(sorted(ball), dtype=int)
        distance = 0.5 * np.abs(amounts[candidates] - amounts[index]).sum(axis=1)
        distance[candidates == index] = np.inf
        near = candidates[distance <= RADIUS_AT_PCT]
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
        elif np.abs(deviation - 273.15).max() <= CELSIUS_MATCH_K:
            reason += "; the values look like kelvin given as °C"
        flagged[index] = reason
    return flagged


def quarantine_outliers(reports: Sequence[Report], known: Sequence[Report] = ()) -> tuple[list[Report], list[QuarantinedRow]]:
    """`reports` split into those consistent with their neighbours (among themselves and the `known`
    reports, which are not judged) and those quarantined with the reason: the one neighbour check of
    every row that enters the store (the mined table, a user's imported table)."""
    outliers = neighbour_outliers([*reports, *known], check=range(len(reports)))
    kept = [r for index, r in enumerate(reports) if index not in outliers]
    quarantined = [QuarantinedRow(reports[index].raw_text, reports[index].location, reason, reports[index].page,
                                  reports[index].family) for index, reason in sorted(outliers.items())]
    return kept, quarantined


def screen_reports(reports: Sequence[Report], known: Sequence[Report] = ()) -> tuple[list[Report], list[QuarantinedRow]]:
    """The mined table's checks on reports entering the store from elsewhere (a committed extraction): plausible,
    ordered temperatures with the Trg and gamma of a glass (`records.temperature_problems`), then agreement with the
    composition neighbours among themselves and the `known` reports (`quarantine_outliers`). A report that
    contradicts only its own alloy's other reports is kept: the alloy's value stays the consensus and the
    conflict is shown (`records.Alloy.conflict`)."""
    plausible, quarantined = [], []
    for report in reports:
        problems = temperature_problems(report.Tg, report.Tx, report.Tl)
        if problems:
            quarantined.append(QuarantinedRow(report.raw_text, report.location, "; ".join(problems), report.page,
                                              report.family))
        else:
            plausible.append(report)
    kept, outliers = quarantine_outliers(plausible, known)
    return kept, quarantined + outliers
