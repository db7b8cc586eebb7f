"""How candidates are ordered: a documented score, then a diversity filter.

score = P(meets goal) · (1 − λc · c̃) + δ(d)

* P(meets goal): the product over the goal's ranges of the probability that the property
  lies in its range under the forward model's Gaussian (mean, std); it grows with the
  margin and with the model's confidence. (A product treats the ranges as independent;
  Trg and γ are positively correlated, so for goals on both it is conservative.)
* c̃ ∈ [0, 1]: the candidate's cost rank among all candidates (0 = cheapest); λc = 0.2,
  or 0.8 when the goal asks for the cheapest.
* δ(d), d the distance (at.%) to the nearest known alloy (`distance_score`): by default a bonus
  λn · min(d, 8 at.%) / 10 at.% for novelty inside the domain of applicability (λn = 0.1), minus a
  penalty λd · clip((d − 8) / (15 − 8), 0, 1), λd = 0.3, that grows across the edge of the domain
  (`alloygan_models/domain.py`): far from the data the model's predictions are guesses. A goal that
  asks to explore ("novel", "explore", "far from known") gets the plain bonus λn · min(d, 10) / 10 and
  no penalty.

Candidates that meet the goal by the forward model's mean are returned first, by score;
then `select_diverse` keeps a candidate only if it is at least 1 at.% (half-L1) from every
candidate already kept, so the answer is not ten variants of one composition.
"""
from __future__ import annotations

import numpy as np

COST_WEIGHT = 0.2
COST_WEIGHT_CHEAPEST = 0.8
NOVELTY_WEIGHT = 0.1
NOVELTY_SCALE_AT_PCT = 10.0
DISTANCE_PENALTY_WEIGHT = 0.3
DIVERSITY_AT_PCT = 1.0
_SCAN_LIMIT = 50000


def rank(p_meets: np.ndarray, cost: np.ndarray, novelty: np.ndarray, passing: np.ndarray,
         prefer_low_cost: bool = False) -> np.ndarray:
    """The score of every candidate (higher is better)."""
    from scipy.stats import rankdata

    n = len(p_meets)
    # Equal costs share their (average) rank, so a tie in cost never decides the order.
    cost_rank = (rankdata(np.nan_to_num(cost, nan=np.inf), method="average") - 1.0) / max(n - 1, 1)
    weight = COST_WEIGHT_CHEAPEST if prefer_low_cost else COST_WEIGHT
    return p_meets * (1.0 - weight * cost_rank) + novelty_bonus(novelty)


def novelty_bonus(novelty: np.ndarray) -> np.ndarray:
    """λn · min(novelty, 10 at.%) / 10 at.%: at most NOVELTY_WEIGHT."""
    return NOVELTY_WEIGHT * np.minimum(novelty, NOVELTY_SCALE_AT_PCT) / NOVELTY_SCALE_AT_PCT


def distance_score(novelty: np.ndarray, explore: bool = False) -> np.ndarray:
    """δ(d) of the module docstring: at most NOVELTY_WEIGHT (what the pruned search relies on)."""
    from alloygan.models.domain import IN_DOMAIN_AT_PCT, OUTSIDE_AT_PCT

    novelty = np.asarray(novelty, dtype=float)
    if explore:
        return novelty_bonus(novelty)
    beyond = np.clip((novelty - IN_DOMAIN_AT_PCT) / (OUTSIDE_AT_PCT - IN_DOMAIN_AT_PCT), 0.0, 1.0)
    return novelty_bonus(np.minimum(novelty, IN_DOMAIN_AT_PCT)) - DISTANCE_PENALTY_WEIGHT * beyond


def select_diverse(fractions: np.ndarray, score: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Indices of up to `n` masked candidates, best score first, pairwise >= DIVERSITY_AT_PCT apart."""
    candidates = np.flatnonzero(mask)
    candidates = candidates[np.argsort(-score[candidates], kind="stable")][:_SCAN_LIMIT]
    chosen: list[int] = []
    for index in candidates:
        if len(chosen) == n:
            break
        if chosen:
            distance = 50.0 * np.abs(fractions[chosen] - fractions[index]).sum(axis=1)
            if distance.min() < DIVERSITY_AT_PCT:
                continue
        chosen.append(int(index))
    return np.array(chosen, dtype=int)
