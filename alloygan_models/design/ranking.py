"""How candidates are ordered: a documented score, then a diversity filter.

score = P(meets goal) · (1 − λc · c̃) · (1 − λo · (1 − õ)) + δ(d)

* P(meets goal): the product over the goal's ranges of the probability that the property
  lies in its range under the forward model's Gaussian (mean, std); it grows with the
  margin and with the model's confidence. (A product treats the ranges as independent;
  Trg and γ are positively correlated, so for goals on both it is conservative.)
* c̃ ∈ [0, 1]: the candidate's cost rank among all candidates (0 = cheapest); λc = 0.2,
  or 0.8 when the goal asks for the cheapest.
* õ ∈ (0, 1], only when the goal names an objective ("the highest γ", "lowest Tl"; `DesignGoal.objective`):
  õ = exp(−(m* − m) / σ̄), m the candidate's predicted mean of the objective property (negated when
  minimising), m* the best of it among the candidates that meet the goal, σ̄ the median of their predicted σ;
  λo = 0.9 (no objective: the factor is 1). So the candidates meeting the goal come in order of the predicted
  objective: a shortfall of one σ̄ below the best costs a factor e in õ, while differences much smaller than the
  model's uncertainty leave room for P(goal), cost and novelty to decide. The factor is exponential, not a rank
  among thousands (which would make the best ten differ by < 0.1 % and leave their order to novelty), nor a clip
  (which would leave every candidate beyond it to novelty alone). It only scales the first term, so δ(d) stays
  the one additive term, bounded by λn, that the pruned novelty search (`pipeline._best_passing`) relies on.
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
OBJECTIVE_WEIGHT = 0.9
DIVERSITY_AT_PCT = 1.0
_SCAN_LIMIT = 50000


def rank(p_meets: np.ndarray, cost: np.ndarray, novelty: np.ndarray, passing: np.ndarray,
         prefer_low_cost: bool = False, objective: np.ndarray | None = None,
         objective_std: np.ndarray | None = None, maximise: bool = True) -> np.ndarray:
    """The score of every candidate (higher is better). `objective`, `objective_std`: the forward model's mean
    and σ of the goal's objective property for every candidate (None: the goal names no objective)."""
    from scipy.stats import rankdata

    n = len(p_meets)
    # Equal costs share their (average) rank, so a tie in cost never decides the order.
    cost_rank = (rankdata(np.nan_to_num(cost, nan=np.inf), method="average") - 1.0) / max(n - 1, 1)
    weight = COST_WEIGHT_CHEAPEST if prefer_low_cost else COST_WEIGHT
    score = p_meets * (1.0 - weight * cost_rank)
    if objective is not None:
        score = score * (1.0 - OBJECTIVE_WEIGHT * (1.0 - objective_credit(objective, objective_std, passing, maximise)))
    return score + novelty_bonus(novelty)


def objective_credit(mean: np.ndarray, std: np.ndarray | None, passing: np.ndarray,
                     maximise: bool = True) -> np.ndarray:
    """õ = exp(−(best − m) / s) ∈ [0, 1] of the module docstring (NaN: 0). The best and s are taken over the passing
    candidates (over all when fewer than two pass); s is their median σ, or without σ their standard deviation."""
    signed = np.asarray(mean, dtype=float) * (1.0 if maximise else -1.0)
    finite = np.isfinite(signed)
    reference = np.asarray(passing, dtype=bool) & finite
    if reference.sum() < 2:
        reference = finite
    if reference.sum() < 2:
        return finite.astype(float)  # nothing to order by
    spread = np.asarray(std, dtype=float)[reference] if std is not None else None
    scale = float(np.median(spread)) if spread is not None else float(np.std(signed[reference]))
    if not np.isfinite(scale) or scale <= 0:
        scale = float(np.std(signed[reference]))
    if scale <= 0:
        return finite.astype(float)  # every reference value the same
    shortfall = np.maximum(signed[reference].max() - signed, 0.0)
    return np.where(finite, np.exp(-np.nan_to_num(shortfall, nan=np.inf) / scale), 0.0)


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
