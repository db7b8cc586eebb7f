"""Raw generator rows -> valid candidate compositions that respect the goal's element rules.

Order: excluded and (when set) not-allowed elements are zeroed on the raw amounts; then
`metrics.clean_generated` renormalises, drops traces below 0.5 at.% and rounds to
0.1 at.% (rows sum to exactly 100.0 at.%); then a row is rejected when it lacks a
required element, its base element is not the largest amount (ties allowed), its element
count or a per-element limit is outside the goal; duplicates are removed.
"""
from __future__ import annotations

import numpy as np

from alloygan.models.design.goal import DesignGoal
from alloygan.models.encoding import ElementVocabulary
from alloygan.models.metrics import ROUND_AT_PCT, clean_generated, first_unique_rows


def postprocess(raw: np.ndarray, vocabulary: ElementVocabulary, goal: DesignGoal) -> tuple[np.ndarray, np.ndarray]:
    """(unique cleaned fractions, index of the raw row each came from)."""
    amounts = np.clip(np.nan_to_num(np.asarray(raw, dtype=np.float64), nan=0.0), 0.0, None)
    columns = {e: i for i, e in enumerate(vocabulary.elements)}
    for element in goal.excluded_elements:
        if element in columns:
            amounts[:, columns[element]] = 0.0
    if goal.allowed_elements is not None:
        allowed = set(goal.allowed_elements) | set(goal.required_elements) | {goal.base_element}
        amounts[:, [i for e, i in columns.items() if e not in allowed]] = 0.0
    keep = amounts.sum(axis=1) > 0
    fractions = np.zeros_like(amounts)
    fractions[keep] = clean_generated(amounts[keep])
    for element in goal.required_elements:
        keep &= fractions[:, columns[element]] > 0 if element in columns else False
    if goal.base_element is not None:
        base = columns.get(goal.base_element)
        keep &= False if base is None else fractions[:, base] >= fractions.max(axis=1) - 1e-12
    count = (fractions > 0).sum(axis=1)
    keep &= count >= max(goal.min_elements or 2, 2)
    if goal.max_elements:
        keep &= count <= goal.max_elements
    for limit in goal.element_limits:
        share = fractions[:, columns[limit.element]] * 100 if limit.element in columns else np.zeros(len(fractions))
        keep &= (share >= limit.min - 1e-9) & (share <= limit.max + 1e-9)
    index = np.flatnonzero(keep)
    first = first_unique_rows(np.rint(fractions[index] * (100.0 / ROUND_AT_PCT)).astype(np.int32))
    return fractions[index[first]], index[first]
