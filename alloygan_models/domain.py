"""Domain of applicability: how far a composition lies from the alloys the models learned from.

Distance is the half-L1 distance in at.% (the novelty of `metrics.nearest_known`): 0 = a known alloy,
100 = no element in common. Two distances are reported: to the nearest known alloy of any family, and to
the nearest known alloy of the composition's own family (base element). The label uses the first, since
the forward model's error grows with it whatever the family:

* **in-domain**: at most IN_DOMAIN_AT_PCT (8 at.%) from a known alloy;
* **edge**: up to OUTSIDE_AT_PCT (15 at.%);
* **outside**: farther; a prediction there is an extrapolation.

The thresholds come from the held-out error as a function of that distance under protocol (a), protocol (b)
(5 folds grouped by alloy system) and leave-one-family-out, pooled (`python scripts/domain_analysis.py`, 987
alloys): the mean absolute error of Tg is 9-14 K and of Trg 0.009-0.017 up to 8 at.%; 15-18 K and 0.021-0.022
between 8 and 15 at.%; beyond 15 at.% it jumps to 26-51 K and 0.029-0.033, about 2.5× the error near the
data and close to the spread of Trg within a family, so the model has little skill left there.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

IN_DOMAIN_AT_PCT = 8.0
OUTSIDE_AT_PCT = 15.0
DomainLabel = Literal["in-domain", "edge", "outside"]
DOMAIN_LABELS: tuple[str, ...] = ("in-domain", "edge", "outside")


def domain_label(distance_at_pct: float) -> DomainLabel:
    """in-domain / edge / outside for a distance (at.%) to the nearest known alloy."""
    if distance_at_pct <= IN_DOMAIN_AT_PCT:
        return "in-domain"
    return "edge" if distance_at_pct <= OUTSIDE_AT_PCT else "outside"


def domain_labels(distances: np.ndarray) -> np.ndarray:
    """`domain_label` of every distance, as an array of strings."""
    distances = np.asarray(distances, dtype=float)
    return np.where(distances <= IN_DOMAIN_AT_PCT, "in-domain",
                    np.where(distances <= OUTSIDE_AT_PCT, "edge", "outside"))


def in_domain(distances: np.ndarray) -> np.ndarray:
    """True where a composition is not outside the domain (in-domain or edge)."""
    return np.asarray(distances, dtype=float) <= OUTSIDE_AT_PCT
